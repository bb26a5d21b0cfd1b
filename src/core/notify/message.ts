/**
 * What costwise tells people, independent of where it is sent: one `Notification` model rendered per channel
 * (Slack Block Kit, Teams Adaptive Card, email HTML + text, signed JSON webhook). Pure: no I/O.
 *
 * Money in facts is already formatted text (exact decimal strings in, formatted at this edge); the optional
 * chart carries display-only numbers.
 */
export const NOTIFICATION_KINDS = ["anomaly", "budget", "summary", "recommendation", "governance", "commitment", "digest", "review"] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];
export type NotificationSeverity = "info" | "warning" | "critical";

export interface Fact {
  label: string;
  value: string;
}

export interface Section {
  title: string;
  lines: string[];
}

export interface Notification {
  kind: NotificationKind;
  /** Deduplication key (per channel): the same key is never delivered twice to the same channel. */
  key: string;
  /** Owning team ("__unallocated__" when no owner). */
  team: string;
  severity: NotificationSeverity;
  title: string;
  summary: string;
  facts: Fact[];
  sections: Section[];
  /** Link to the dashboard view that explains it. */
  link?: string;
  /** A small daily chart (display only). */
  chart?: { title: string; labels: string[]; values: number[]; highlightLast?: boolean };
  /** When the data that caused it landed (for alert latency). */
  dataLandedAt?: string;
  /** Files for email channels (the monthly review's PDF), base64; chat channels get the summary and the link. */
  attachments?: { filename: string; contentType: string; base64: string }[];
}

/** The dashboard pages a message can link to (web/src/main.tsx's paths; the query string holds the page's state). */
export type DashboardPage = "overview" | "anomalies" | "teams" | "recommendations" | "governance" | "commitments" | "reviews";

/**
 * A deep link into the dashboard: `${dashboardUrl}/<page>?<state>` (a path, no `#`: the dashboard's router reads
 * `location.pathname`, and the page reads its state from the query string), e.g. `/anomalies?anomaly=<id>`.
 */
export function dashboardLink(dashboardUrl: string, page: DashboardPage, state: Record<string, string> = {}): string {
  const q = new URLSearchParams(state).toString();
  return `${dashboardUrl.replace(/\/+$/, "")}/${page}${q ? `?${q}` : ""}`;
}

/** Formats an exact decimal string as money for people: thousands separators, 2 decimals, currency code. */
export function formatAmount(amount: string, currency: string): string {
  const neg = amount.startsWith("-");
  const [intPart = "0", frac = ""] = (neg ? amount.slice(1) : amount).split(".");
  // round half up to cents on the decimal string (no float)
  let cents = BigInt(intPart || "0") * 100n + BigInt((frac + "00").slice(0, 2));
  if (Number((frac + "000").charAt(2)) >= 5) cents += 1n;
  const whole = (cents / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const rest = (cents % 100n).toString().padStart(2, "0");
  return `${neg && cents !== 0n ? "-" : ""}${whole}.${rest} ${currency}`;
}

export function formatPercent(p: number | null): string {
  if (p === null || !Number.isFinite(p)) return "n/a";
  const v = p * 100;
  return `${v >= 0 ? "+" : ""}${v.toFixed(Math.abs(v) < 10 ? 1 : 0)}%`;
}

/** Plain text of a notification (email alternative, logs, digests). */
export function renderText(n: Notification): string {
  const lines = [n.title, "", n.summary, ""];
  for (const f of n.facts) lines.push(`${f.label}: ${f.value}`);
  for (const s of n.sections) {
    lines.push("", `${s.title}:`);
    for (const l of s.lines) lines.push(`  - ${l}`);
  }
  if (n.link) lines.push("", `Open in costwise: ${n.link}`);
  return lines.join("\n");
}

/** Slack incoming-webhook payload (Block Kit), with `text` as the notification fallback. */
export function renderSlack(n: Notification): Record<string, unknown> {
  const blocks: Record<string, unknown>[] = [
    { type: "header", text: { type: "plain_text", text: truncate(n.title, 150), emoji: true } },
    { type: "section", text: { type: "mrkdwn", text: escapeSlack(n.summary) } },
  ];
  if (n.facts.length > 0) {
    blocks.push({ type: "section", fields: n.facts.slice(0, 10).map((f) => ({ type: "mrkdwn", text: `*${escapeSlack(f.label)}*\n${escapeSlack(f.value)}` })) });
  }
  for (const s of n.sections) {
    blocks.push({ type: "section", text: { type: "mrkdwn", text: truncate(`*${escapeSlack(s.title)}*\n${s.lines.map((l) => `• ${escapeSlack(l)}`).join("\n")}`, 2900) } });
  }
  if (n.link) {
    blocks.push({ type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: "Open in costwise" }, url: n.link }] });
  }
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: `costwise · ${n.kind} · team ${escapeSlack(n.team)}` }] });
  return { text: `${n.title}: ${n.summary}`, blocks };
}

/** Microsoft Teams incoming-webhook payload: a message with one Adaptive Card. */
export function renderTeams(n: Notification): Record<string, unknown> {
  const body: Record<string, unknown>[] = [
    { type: "TextBlock", size: "Large", weight: "Bolder", text: n.title, wrap: true, color: n.severity === "critical" ? "Attention" : n.severity === "warning" ? "Warning" : "Default" },
    { type: "TextBlock", text: n.summary, wrap: true },
  ];
  if (n.facts.length > 0) body.push({ type: "FactSet", facts: n.facts.map((f) => ({ title: f.label, value: f.value })) });
  for (const s of n.sections) {
    body.push({ type: "TextBlock", weight: "Bolder", text: s.title, wrap: true, spacing: "Medium" });
    body.push({ type: "TextBlock", text: s.lines.map((l) => `- ${l}`).join("\n"), wrap: true });
  }
  const card: Record<string, unknown> = {
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: "1.4",
    body,
  };
  if (n.link) card["actions"] = [{ type: "Action.OpenUrl", title: "Open in costwise", url: n.link }];
  return { type: "message", attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card }] };
}

/** Email HTML (inline styles only; the chart, when present, is an inline image `cid:chart`). */
export function renderHtml(n: Notification, hasChart: boolean): string {
  const facts = n.facts.map((f) => `<tr><td style="padding:2px 12px 2px 0;color:#555">${esc(f.label)}</td><td style="padding:2px 0"><b>${esc(f.value)}</b></td></tr>`).join("");
  const sections = n.sections
    .map((s) => `<h3 style="margin:16px 0 4px;font-size:14px">${esc(s.title)}</h3><ul style="margin:0;padding-left:18px">${s.lines.map((l) => `<li>${esc(l)}</li>`).join("")}</ul>`)
    .join("");
  const chart = hasChart && n.chart ? `<p><img src="cid:chart" alt="${esc(n.chart.title)}" width="480" height="160"></p>` : "";
  const link = n.link ? `<p><a href="${esc(n.link)}">Open in costwise</a></p>` : "";
  return `<!doctype html><html><body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222">
<h2 style="margin:0 0 8px;font-size:18px">${esc(n.title)}</h2><p>${esc(n.summary)}</p>
<table style="border-collapse:collapse">${facts}</table>${chart}${sections}${link}
<p style="color:#888;font-size:12px">costwise · ${esc(n.kind)} · team ${esc(n.team)}</p></body></html>`;
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function escapeSlack(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

/** One digest message standing in for many (rate limit exceeded on a channel). */
export function digestOf(items: readonly Notification[], channel: string, windowKey: string): Notification {
  const team = new Set(items.map((i) => i.team)).size === 1 ? items[0]!.team : "(several teams)";
  return {
    kind: "digest",
    key: `digest:${channel}:${windowKey}:${items.length}`,
    team,
    severity: items.some((i) => i.severity === "critical") ? "critical" : items.some((i) => i.severity === "warning") ? "warning" : "info",
    title: `${items.length} costwise alerts`,
    summary: `More alerts than this channel's hourly limit arrived at once; here they are in one message.`,
    facts: [],
    sections: [{ title: "Alerts", lines: items.map((i) => `${i.title} — ${i.summary}`) }],
    ...(items[0]?.link ? { link: items[0].link.replace(/\/[^/]*$/, "/") } : {}),
  };
}
