/**
 * The monthly FinOps review rendered from its figures (./model.ts): Markdown for a wiki or a pull request, HTML
 * with charts as PNG images (../notify/png-chart.ts, embedded as data: URIs so the file stands alone and prints to
 * PDF as is), and a short text summary for Slack/Teams. Pure: amounts are shown as given (rounded to cents for
 * display only); charts convert to numbers at this very edge.
 *
 * Sections, in order: headline (spend, month over month, budget, forecast) → top movers with their root cause →
 * spend by owner → unit costs → tag coverage → anomalies → recommendations (ROI) → commitments → governance →
 * KPIs → action items (carried, raised).
 */
import { barChartPng } from "../notify/png-chart.js";
import { formatMoney, parseMoney } from "../money.js";
import type { ActionItem, ReviewData } from "./model.js";

/** Money for display: two decimals, thousands separated. */
export function money(v: string | null | undefined, currency?: string | null): string {
  if (v === null || v === undefined) return "–";
  const s = formatMoney(parseMoney(v), 2);
  const neg = s.startsWith("-");
  const [i = "0", f = "00"] = (neg ? s.slice(1) : s).split(".");
  return `${neg ? "-" : ""}${i.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${f}${currency ? ` ${currency}` : ""}`;
}
const signed = (v: string, c?: string | null): string => (v.startsWith("-") ? money(v, c) : `+${money(v, c)}`);
const pctText = (p: string | null | undefined): string => (p === null || p === undefined ? "–" : `${p}%`);

interface Table {
  head: string[];
  rows: string[][];
  right?: number[];
}

interface Section {
  title: string;
  /** Paragraph lines before the tables. */
  lines: string[];
  tables: Table[];
  /** A chart (values, labels) for HTML. */
  chart?: { values: number[]; labels: string[]; alt: string };
}

function itemRow(i: ActionItem): string[] {
  return [String(i.id), i.title, i.owner, i.dueDate, i.status, i.reviewMonth, i.note ?? ""];
}

/** The review as titled sections: the one content both formats render. */
export function reviewSections(d: ReviewData): Section[] {
  const c = d.currency;
  const out: Section[] = [];
  const head: string[] = [];
  head.push(`Spend (EffectiveCost): **${money(d.spend.total, c)}**; ${d.spend.previousMonth}: ${money(d.spend.previousTotal, c)} (${signed(d.spend.change, c)}, ${pctText(d.spend.changePercent)}).`);
  if (d.spend.byCurrency.length > 1) head.push(`Other currencies: ${d.spend.byCurrency.slice(1).map((x) => money(x.amount, x.currency)).join(", ")}.`);
  if (!d.closed) head.push(`The month is not closed: the bill is complete through ${d.lastCompleteDay ?? "no day yet"}.`);
  if (d.forecast.available) {
    head.push(`Forecast made on ${d.forecast.madeOn} (start of the month, scope ${d.forecast.scope}): ${money(d.forecast.forecast, c)}; actual ${money(d.forecast.actual, c)}; variance ${signed(d.forecast.variance, c)} (${pctText(d.forecast.variancePercent)} of actual).`);
  } else head.push(`Forecast: ${d.forecast.reason}.`);
  const budgets: Table = { head: ["budget", "amount", "actual", "burn", "variance", ""], rows: d.budgets.map((b) => [b.name, money(b.amount, b.currency), money(b.actual, b.currency), pctText(b.burnPercent), signed(b.variance, b.currency), b.over ? "over budget" : ""]), right: [1, 2, 3, 4] };
  if (d.budgets.length === 0) head.push("Budgets: none configured (detection.budgets in costwise.yaml).");
  out.push({
    title: "Spend, budget and forecast",
    lines: head,
    tables: d.budgets.length ? [budgets] : [],
    chart: { values: d.spend.trend.map((t) => Number(t.amount)), labels: d.spend.trend.map((t) => t.month), alt: `Monthly spend, ${d.spend.trend[0]?.month} to ${d.month}` },
  });

  out.push({
    title: "Top movers and root cause",
    lines: d.topMovers.length ? [`Services whose spend changed most against ${d.spend.previousMonth}, and the resource that moved most within each.`] : ["No service changed."],
    tables: d.topMovers.length
      ? [{ head: ["service", d.spend.previousMonth, d.month, "change", "%", "root cause (resource)", "its change"], rows: d.topMovers.map((m) => [m.service, money(m.previousAmount), money(m.amount), signed(m.change), pctText(m.changePercent), m.rootCause?.resourceId ?? "–", m.rootCause ? signed(m.rootCause.change) : "–"]), right: [1, 2, 3, 4, 6] }]
      : [],
  });

  if (d.owners.available) {
    const o = d.owners;
    out.push({
      title: "Spend by owner",
      lines: [`Allocated ${money(o.total, o.currency)}, of which shared costs ${money(o.shared, o.currency)} and unallocated ${money(o.unallocated, o.currency)}.`],
      tables: [{ head: ["owner", "direct", "shared", "total"], rows: o.teams.map((t) => [t.unallocated ? "(unallocated)" : t.team, money(t.direct), money(t.shared), money(t.amount)]), right: [1, 2, 3] }],
      chart: { values: o.teams.map((t) => Number(t.amount)), labels: o.teams.map((t) => t.team), alt: "Spend by owner" },
    });
  } else out.push({ title: "Spend by owner", lines: [d.owners.reason], tables: [] });

  if (d.unitCosts.available) {
    out.push({
      title: "Unit costs",
      lines: d.unitCosts.rows.length ? ["Cost per business unit, the last six months."] : ["No unit cost in these months."],
      tables: d.unitCosts.rows.length ? [{ head: ["unit cost", "month", "cost", "units", "per unit"], rows: d.unitCosts.rows.map((r) => [r.name, r.period, money(r.cost, r.currency), r.units.replace(/\.?0+$/, ""), r.unitCost ?? "–"]), right: [2, 3, 4] }] : [],
    });
  } else out.push({ title: "Unit costs", lines: [d.unitCosts.reason], tables: [] });

  if (d.tagCoverage.available) {
    const t = d.tagCoverage;
    out.push({
      title: "Tag coverage",
      lines: [`Tagged spend (${t.tag}): **${pctText(t.percent)}** of ${money(t.spend, t.currency)} allocable; target ${t.target}% — ${t.meetsTarget === false ? "below target" : t.meetsTarget ? "met" : "n/a"}.`],
      tables: t.topUntagged.length ? [{ head: ["top untagged resource", "service", "spend", "missing tags"], rows: t.topUntagged.map((u) => [u.resourceId, u.service ?? "", money(u.spend, t.currency), u.missing.join(", ")]), right: [2] }] : [],
    });
  } else out.push({ title: "Tag coverage", lines: [d.tagCoverage.reason], tables: [] });

  if (d.anomalies.available) {
    out.push({
      title: "Anomalies",
      lines: [d.anomalies.items.length ? `${d.anomalies.items.length} anomal${d.anomalies.items.length === 1 ? "y" : "ies"} started in the month.` : "No anomaly in the month."],
      tables: d.anomalies.items.length ? [{ head: ["days", "monitor", "series", "impact", "severity", "root cause", "what happened"], rows: d.anomalies.items.map((a) => [a.startDay === a.endDay ? a.startDay : `${a.startDay} – ${a.endDay}`, a.monitor, a.series, money(a.impact, a.currency), a.severity, a.rootCause ?? "–", a.outcome]), right: [3] }] : [],
    });
  } else out.push({ title: "Anomalies", lines: [d.anomalies.reason], tables: [] });

  if (d.recommendations.available) {
    const r = d.recommendations;
    out.push({
      title: "Recommendations and savings (ROI)",
      lines: [
        `In the month: ${r.opened} opened, ${r.accepted} accepted, ${r.done} done, ${r.dismissed} dismissed; ${r.openNow} open now.`,
        `Done in the month: expected ${money(r.expectedMonthly, r.currency)}/month; measured on the bill ${money(r.measuredMonthly, r.currency)}/month for ${r.measuredCount} (${r.measuringCount} still measuring).`,
        `All done so far (the savings-realized KPI): ${r.allTime.done} done, measured ${money(r.allTime.measuredMonthly, r.currency)}/month against ${money(r.allTime.expectedMonthly, r.currency)}/month expected.`,
      ],
      tables: r.items.length ? [{ head: ["id", "resource", "owner", "expected/month", "measured/month", "status"], rows: r.items.map((i) => [String(i.id), i.resourceId, i.owner, money(i.expectedMonthly), i.measuredMonthly === null ? "–" : money(i.measuredMonthly), i.status]), right: [0, 3, 4] }] : [],
    });
  } else out.push({ title: "Recommendations and savings (ROI)", lines: [d.recommendations.reason], tables: [] });

  if (d.commitments.available) {
    const m = d.commitments;
    out.push({
      title: "Commitments",
      lines: [`Utilization ${pctText(m.utilization)}, coverage ${pctText(m.coverage)}, effective savings rate ${pctText(m.savingsRate)}, net savings ${money(m.netSavings, c)}.`, m.expiring.length ? `${m.expiring.length} expiring within 90 days:` : "None expires within 90 days."],
      tables: m.expiring.length ? [{ head: ["commitment", "type", "ends", "within (days)"], rows: m.expiring.map((e) => [e.commitmentId, e.type ?? "", e.endsAt ?? "", String(e.days ?? "")]) }] : [],
    });
  } else out.push({ title: "Commitments", lines: [d.commitments.reason], tables: [] });

  if (d.governance.available) {
    const g = d.governance;
    out.push({
      title: "Governance",
      lines: [`Compliance ${pctText(g.complianceByCount)} of resources, ${pctText(g.complianceBySpend)} of spend (scan ${g.scanId ?? "–"}); mean time to remediate ${g.mttrHours === null ? "–" : `${g.mttrHours} h`} over ${g.resolved} fixed; ${g.openBlocking} open blocking finding${g.openBlocking === 1 ? "" : "s"}.`],
      tables: g.blockingByTeam.length ? [{ head: ["team", "blocking findings", "monthly cost"], rows: g.blockingByTeam.map((t) => [t.team, String(t.blocking), money(t.monthlyCost)]), right: [1, 2] }] : [],
    });
  } else out.push({ title: "Governance", lines: [d.governance.reason], tables: [] });

  out.push({ title: "KPIs", lines: [], tables: [{ head: ["KPI", "value", "target"], rows: d.kpis.map((k) => [k.title, k.value, k.meetsTarget === null ? "" : k.meetsTarget ? "met" : "missed"]) }] });

  const items: Table[] = [];
  const ih = ["id", "action item", "owner", "due", "status", "raised in", "note"];
  if (d.actionItems.carried.length) items.push({ head: ih, rows: d.actionItems.carried.map(itemRow) });
  if (d.actionItems.raised.length) items.push({ head: ih, rows: d.actionItems.raised.map(itemRow) });
  out.push({
    title: "Action items",
    lines: [
      `From earlier reviews: ${d.actionItems.carried.length} (status now below)${d.actionItems.carried.length ? "" : "."}`,
      `Raised for ${d.month}: ${d.actionItems.raised.length}. Add with \`costwise review items add --month ${d.month} --title "…" --owner <team> --due YYYY-MM-DD\`.`,
    ],
    tables: items,
  });
  return out;
}

// ─── Markdown ──────────────────────────────────────────────────────────────────────────────────────

const mdCell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

function mdTable(t: Table): string {
  const align = t.head.map((_, i) => (t.right?.includes(i) ? "---:" : "---"));
  return [`| ${t.head.map(mdCell).join(" | ")} |`, `| ${align.join(" | ")} |`, ...t.rows.map((r) => `| ${r.map(mdCell).join(" | ")} |`)].join("\n");
}

export function reviewMarkdown(d: ReviewData, o: { link?: string } = {}): string {
  const parts = [`# FinOps review ${d.month}`, "", `Generated ${d.generatedAt} by costwise${o.link ? ` · [dashboard](${o.link})` : ""}. Amounts are EffectiveCost${d.currency ? ` in ${d.currency}` : ""}.`];
  for (const s of reviewSections(d)) {
    parts.push("", `## ${s.title}`, "");
    for (const l of s.lines) parts.push(l, "");
    for (const t of s.tables) parts.push(mdTable(t), "");
  }
  return parts.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd() + "\n";
}

// ─── HTML ──────────────────────────────────────────────────────────────────────────────────────────

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}
const inline = (s: string): string => escapeHtml(s).replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>").replace(/`(.+?)`/g, "<code>$1</code>");

function htmlTable(t: Table): string {
  const cls = (i: number) => (t.right?.includes(i) ? ' class="num"' : "");
  return `<table><thead><tr>${t.head.map((h, i) => `<th${cls(i)}>${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>${t.rows.map((r) => `<tr>${r.map((v, i) => `<td${cls(i)}>${escapeHtml(v)}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

function chartImg(ch: NonNullable<Section["chart"]>): string {
  if (ch.values.length === 0) return "";
  const png = barChartPng(ch.values, { width: 640, height: 180, highlightLast: false });
  const legend = ch.labels.map((l, i) => `${escapeHtml(l)}: ${money(String(ch.values[i]?.toFixed(2) ?? "0"))}`).join(" · ");
  return `<figure><img alt="${escapeHtml(ch.alt)}" width="640" height="180" src="data:image/png;base64,${png.toString("base64")}"><figcaption>${legend}</figcaption></figure>`;
}

const STYLE = `body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933;margin:32px;max-width:960px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;border-bottom:1px solid #d9e2ec;padding-bottom:4px;margin-top:28px;break-after:avoid}
table{border-collapse:collapse;width:100%;font-size:12px;margin:8px 0;break-inside:auto}th,td{border-bottom:1px solid #e4e7eb;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f5f7fa}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}p{margin:6px 0;font-size:13px}.meta{color:#616e7c;font-size:12px}
figure{margin:8px 0}figcaption{color:#616e7c;font-size:11px}code{background:#f5f7fa;padding:0 3px}`;

export function reviewHtml(d: ReviewData, o: { link?: string } = {}): string {
  const body = reviewSections(d)
    .map((s) => `<section><h2>${escapeHtml(s.title)}</h2>${s.lines.map((l) => `<p>${inline(l)}</p>`).join("")}${s.chart ? chartImg(s.chart) : ""}${s.tables.map(htmlTable).join("")}</section>`)
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>FinOps review ${escapeHtml(d.month)}</title><style>${STYLE}</style></head>
<body><h1>FinOps review ${escapeHtml(d.month)}</h1><p class="meta">Generated ${escapeHtml(d.generatedAt)} by costwise${o.link ? ` · <a href="${escapeHtml(o.link)}">dashboard</a>` : ""}. Amounts are EffectiveCost${d.currency ? ` in ${escapeHtml(d.currency)}` : ""}.</p>
${body}
</body></html>
`;
}

/** A few lines for Slack/Teams: the headline figures and where to read the whole review. */
export function reviewSummary(d: ReviewData): string[] {
  const c = d.currency;
  const lines = [`Spend ${money(d.spend.total, c)} (${signed(d.spend.change, c)} vs ${d.spend.previousMonth}, ${pctText(d.spend.changePercent)})`];
  if (d.forecast.available) lines.push(`Forecast at the start of the month ${money(d.forecast.forecast, c)}: variance ${pctText(d.forecast.variancePercent)}`);
  const over = d.budgets.filter((b) => b.over);
  if (d.budgets.length) lines.push(over.length ? `Over budget: ${over.map((b) => `${b.name} (${pctText(b.burnPercent)})`).join(", ")}` : `All ${d.budgets.length} budgets within their amount`);
  const top = d.topMovers[0];
  if (top) lines.push(`Top mover: ${top.service} ${signed(top.change, c)}${top.rootCause ? ` (mostly ${top.rootCause.resourceId})` : ""}`);
  if (d.tagCoverage.available) lines.push(`Tagged spend ${pctText(d.tagCoverage.percent)} (target ${d.tagCoverage.target}%)`);
  if (d.recommendations.available) lines.push(`Savings measured ${money(d.recommendations.allTime.measuredMonthly, d.recommendations.currency)}/month (expected ${money(d.recommendations.allTime.expectedMonthly, d.recommendations.currency)})`);
  const open = d.actionItems.carried.filter((i) => i.status === "open" || i.status === "in-progress").length + d.actionItems.raised.filter((i) => i.status === "open" || i.status === "in-progress").length;
  lines.push(`Action items open: ${open}`);
  return lines;
}
