/**
 * Builds the notifications people act on from what the analyses found: anomaly alerts (expected vs actual,
 * impact, the root-cause resources with their ids and tags, a dashboard link), budget alerts (burn and
 * forecast), and a team summary (spend, change, top movers, open recommendations, tag coverage).
 */
import { UNALLOCATED } from "../../core/allocation/model.js";
import type { CostwiseConfig } from "../../core/config/schema.js";
import type { Severity } from "../../core/detect/detector.js";
import { assertNever } from "../../core/errors.js";
import { addMoney, compareMoney, subMoney } from "../../core/money.js";
import { dashboardLink, formatAmount, formatPercent, type Fact, type Notification, type NotificationSeverity, type Section } from "../../core/notify/message.js";
import { ALLOCATION_TABLE } from "../allocation/tables.js";
import { anomalyId } from "../detect/anomaly-id.js";
import type { BudgetStatus } from "../detect/budget-status.js";
import type { MonitorAnomaly } from "../detect/monitors.js";
import { RECOMMENDATIONS_TABLE } from "../optimize/tables.js";
import type { CostStore } from "../store/cost-store.js";
import { col, readRow, readRows } from "../store/read-rows.js";
import { COST_TABLE, RUNS_TABLE } from "../store/schema.js";

/** Whether a feature table exists yet (features create their tables on first use). */
export async function tableExists(store: CostStore, name: string): Promise<boolean> {
  const r = await readRow(store, { n: col.int }, { sql: "SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = ?", params: [name] });
  return (r?.n ?? 0) > 0;
}

/** How urgent the notification of an anomaly is: high and critical anomalies page, medium warns, low informs. */
export function notificationSeverity(severity: Severity): NotificationSeverity {
  switch (severity) {
    case "critical":
    case "high":
      return "critical";
    case "medium":
      return "warning";
    case "low":
      return "info";
    default:
      return assertNever(severity);
  }
}

/** When the newest data landed (the last ingest's finish): the start of the alert-latency clock. */
export async function dataLandedAt(store: CostStore): Promise<string | undefined> {
  const r = await readRow(store, { t: col.timestamp.nullable() }, `SELECT strftime(max(finished_at), '%Y-%m-%dT%H:%M:%SZ') AS t FROM ${RUNS_TABLE}`);
  return r?.t ?? undefined;
}

/** The team that owns an anomaly: the owner series it is on, else the owner that drove most of it. */
export function ownerOfAnomaly(a: MonitorAnomaly): string {
  if (a.dimension === "owner" || a.dimension === "tag:team") return a.seriesKey === "(none)" ? UNALLOCATED : a.seriesKey;
  const owners = a.rootCause?.byKind["owner"] ?? a.rootCause?.byKind["tag:team"];
  const top = owners?.[0];
  if (top && (top.share ?? 0) >= 0.5 && top.value !== "(none)") return top.value;
  return UNALLOCATED;
}

async function resourceTags(store: CostStore, resourceId: string): Promise<string> {
  const r = await readRow(store, { t: col.text }, {
    sql: `SELECT CAST("Tags" AS VARCHAR) AS t FROM ${COST_TABLE} WHERE "ResourceId" = ? AND "Tags" IS NOT NULL AND cardinality("Tags") > 0 ORDER BY "ChargePeriodStart" DESC LIMIT 1`,
    params: [resourceId],
  });
  return r?.t ?? "";
}

export async function anomalyNotification(store: CostStore, a: MonitorAnomaly, o: { dashboardUrl: string; landedAt?: string | undefined }): Promise<Notification> {
  const team = ownerOfAnomaly(a);
  const label = a.dimension ? `${a.dimension} ${a.seriesKey}` : "total spend";
  const facts: Fact[] = [
    { label: "Actual", value: formatAmount(a.actual, a.currency) },
    { label: "Expected", value: formatAmount(a.expected, a.currency) },
    { label: "Impact", value: `${formatAmount(a.impact, a.currency)} (${formatPercent(a.impactPercent)})` },
    { label: "Started", value: a.start },
    { label: "Kind", value: `${a.kind}, ${a.severity}` },
    { label: "Monitor", value: a.monitor },
  ];
  const sections: Section[] = [];
  const rc = a.rootCause;
  if (rc) {
    const lines: string[] = [];
    for (const c of rc.top.slice(0, 5)) {
      let line = `${c.kind} ${c.value}: ${formatAmount(c.contribution, a.currency)}${c.share !== null ? ` (${Math.round(c.share * 100)}% of the deviation)` : ""}`;
      if (c.kind === "resource" && c.value !== "(none)") {
        const tags = await resourceTags(store, c.value);
        if (tags) line += ` tags ${tags}`;
      }
      lines.push(line);
    }
    if (lines.length > 0) sections.push({ title: "What drove it", lines });
  }
  const headline = rc?.headline ? ` Driven mostly by ${rc.headline.kind} ${rc.headline.value}.` : "";
  return {
    kind: "anomaly",
    key: `anomaly:${a.monitor}:${a.seriesKey}:${a.currency}:${a.start}`,
    team,
    severity: notificationSeverity(a.severity),
    title: `Cost ${a.direction === "up" ? "spike" : "drop"}: ${label} ${formatPercent(a.impactPercent)} since ${a.start}`,
    summary: `${label} cost ${formatAmount(a.actual, a.currency)} where ${formatAmount(a.expected, a.currency)} was expected (${a.kind}).${headline}`,
    facts,
    sections,
    link: dashboardLink(o.dashboardUrl, "anomalies", { anomaly: anomalyId({ monitor: a.monitor, seriesKey: a.seriesKey, startDay: a.start, currency: a.currency }) }),
    chart: { title: "expected vs actual", labels: ["expected", "actual"], values: [Number(a.expected), Number(a.actual)], highlightLast: true },
    ...(o.landedAt ? { dataLandedAt: o.landedAt } : {}),
  };
}

export function budgetNotifications(s: BudgetStatus, config: CostwiseConfig, o: { dashboardUrl: string; landedAt?: string | undefined }): Notification[] {
  const def = config.detection?.budgets?.find((b) => b.name === s.budget);
  const team = def?.scope?.owner ?? (def?.scope?.tag?.startsWith("team=") ? def.scope.tag.slice(5) : UNALLOCATED);
  return s.newAlerts.map((threshold) => ({
    kind: "budget" as const,
    key: `budget:${s.budget}:${s.periodStart}:${threshold}`,
    team,
    severity: /100|1\d\d/.test(threshold) ? ("critical" as const) : ("warning" as const),
    title: `Budget ${s.budget}: ${threshold} crossed`,
    summary: `${formatAmount(s.actual, s.currency)} spent of ${formatAmount(s.amount, s.currency)} for ${s.period} ${s.periodStart}, ${s.daysLeft} days left.`,
    facts: [
      { label: "Spent", value: `${formatAmount(s.actual, s.currency)} (${s.burn === null ? "n/a" : `${Math.round(s.burn * 100)}%`})` },
      { label: "Budget", value: formatAmount(s.amount, s.currency) },
      { label: "Forecast", value: s.forecast ? `${formatAmount(s.forecast.point, s.currency)} (80%: ${formatAmount(s.forecast.lower80, s.currency)} – ${formatAmount(s.forecast.upper80, s.currency)})` : "not enough history" },
      { label: "Days left", value: String(s.daysLeft) },
    ],
    sections: [],
    link: dashboardLink(o.dashboardUrl, "overview", { budget: s.budget }),
    ...(o.landedAt ? { dataLandedAt: o.landedAt } : {}),
  }));
}

/**
 * A team's daily (or weekly) summary from the allocation table: spend over the last `days` days vs the `days`
 * before, top movers by service, open recommendations with savings, and tag coverage when configured.
 */
export async function teamSummary(store: CostStore, team: string, o: { asOf: string; days?: number; dashboardUrl: string; tagCoverage?: { tag: string; percent: string | null }[] }): Promise<Notification> {
  const days = o.days ?? 7;
  const cur = `charge_date > CAST(? AS DATE) - ${days} AND charge_date <= CAST(? AS DATE)`;
  const prev = `charge_date > CAST(? AS DATE) - ${2 * days} AND charge_date <= CAST(? AS DATE) - ${days}`;
  const totals = await readRows(store, { currency: col.text, now_cost: col.money, prev_cost: col.money }, {
    sql: `SELECT currency, CAST(sum(CASE WHEN ${cur} THEN effective_cost ELSE 0 END) AS VARCHAR) AS now_cost,
            CAST(sum(CASE WHEN ${prev} THEN effective_cost ELSE 0 END) AS VARCHAR) AS prev_cost
          FROM ${ALLOCATION_TABLE} WHERE team = ? GROUP BY currency ORDER BY currency`,
    params: [o.asOf, o.asOf, o.asOf, o.asOf, team],
  });
  const movers = await readRows(store, { currency: col.text, service: col.text, delta: col.money }, {
    sql: `SELECT currency, coalesce(service_name, '(none)') AS service,
            CAST(sum(CASE WHEN ${cur} THEN effective_cost ELSE 0 END) - sum(CASE WHEN ${prev} THEN effective_cost ELSE 0 END) AS VARCHAR) AS delta
          FROM ${ALLOCATION_TABLE} WHERE team = ? GROUP BY ALL ORDER BY abs(sum(CASE WHEN ${cur} THEN effective_cost ELSE 0 END) - sum(CASE WHEN ${prev} THEN effective_cost ELSE 0 END)) DESC, service LIMIT 5`,
    params: [o.asOf, o.asOf, o.asOf, o.asOf, team, o.asOf, o.asOf, o.asOf, o.asOf],
  });
  const daily = await readRows(store, { charge_date: col.text, v: col.num }, {
    sql: `SELECT charge_date, CAST(sum(effective_cost) AS DOUBLE) AS v FROM ${ALLOCATION_TABLE} WHERE team = ? AND charge_date > CAST(? AS DATE) - 30 AND charge_date <= CAST(? AS DATE) GROUP BY 1 ORDER BY 1`,
    params: [team, o.asOf, o.asOf],
  });
  const facts: Fact[] = [];
  let change: number | null = null;
  for (const t of totals) {
    const c = t.currency;
    const now = t.now_cost;
    const before = t.prev_cost;
    const delta = subMoney(now, before);
    change = compareMoney(before, "0") === 0 ? null : Number(delta) / Number(before);
    facts.push({ label: `Last ${days} days`, value: formatAmount(now, c) }, { label: "Change", value: `${formatAmount(delta, c)} (${formatPercent(change)})` });
  }
  const sections: Section[] = [];
  if (movers.length > 0) sections.push({ title: "Top movers", lines: movers.map((m) => `${m.service}: ${formatAmount(m.delta, m.currency)}`) });
  if (await tableExists(store, RECOMMENDATIONS_TABLE)) {
    const recs = await readRows(store, { type: col.text, resource_id: col.text, saving: col.money, currency: col.text }, {
      sql: `SELECT type, resource_id, CAST(monthly_saving AS VARCHAR) AS saving, currency FROM ${RECOMMENDATIONS_TABLE} WHERE owner = ? AND status = 'open' ORDER BY monthly_saving DESC LIMIT 5`,
      params: [team],
    });
    if (recs.length > 0) {
      let total = "0";
      for (const r of recs) total = addMoney(total, r.saving);
      sections.push({ title: `Open recommendations (${formatAmount(total, recs[0]!.currency)} a month)`, lines: recs.map((r) => `${r.type} ${r.resource_id}: ${formatAmount(r.saving, r.currency)} a month`) });
    }
  }
  for (const c of o.tagCoverage ?? []) facts.push({ label: `Tag coverage (${c.tag})`, value: c.percent === null ? "n/a" : `${c.percent}% of spend` });
  return {
    kind: "summary",
    key: `summary:${team}:${o.asOf}:${days}`,
    team,
    severity: "info",
    title: `costwise ${days === 7 ? "weekly" : `${days}-day`} summary for ${team}`,
    summary: facts.length > 0 ? `Spend for ${team} through ${o.asOf}.` : `No allocated spend for ${team} in the last ${days} days.`,
    facts,
    sections,
    link: dashboardLink(o.dashboardUrl, "teams", { team, month: o.asOf.slice(0, 7) }),
    chart: { title: "daily spend, 30 days", labels: daily.map((d) => d.charge_date), values: daily.map((d) => d.v), highlightLast: true },
  };
}
