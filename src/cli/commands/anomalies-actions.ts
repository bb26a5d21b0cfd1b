/**
 * `costwise anomalies`: the anomalies recorded by earlier `costwise detect` runs (one row per monitor, series
 * and start day), newest first, with their feedback; and the feedback itself (engine/detect/feedback.ts):
 * `ack <id>`, `expected <id> --reason`, `snooze <monitor> --until [--series]`, `unsnooze <monitor>`, `snoozes`.
 * Feedback is recorded with who gave it: the OS user, or `--by <name>`. While `costwise serve` holds the store, every
 * subcommand goes through it (server/routes/admin.ts `anomalies/...`), with the same engine calls and output.
 */
import { userInfo } from "node:os";
import type { Command } from "commander";
import { trimMoney, toCents } from "../../core/money.js";
import { giveFeedback, listSnoozes, activeSnoozes, parseUntil, snoozeMonitor, unsnoozeMonitor, type Actor, type AnomalyFeedback, type FeedbackAction } from "../../engine/detect/feedback.js";
import { defaultMonitors, detectionConfig, listAnomalies } from "../../engine/detect/monitors.js";
import { globalOptions, stdio, usageError, withStoreOrServer, type GlobalOptions } from "../context.js";
import { renderTable } from "../table.js";
import { dayOption, timeOption } from "./date-options.js";

/** Who gives feedback from the CLI: --by, else the OS user. */
function actorOf(by: string | undefined): Actor {
  if (by !== undefined) {
    if (!by.trim()) throw usageError("--by needs a name");
    return { name: by.trim(), team: null };
  }
  try {
    return { name: userInfo().username, team: null };
  } catch {
    return { name: process.env["USER"] ?? "unknown", team: null };
  }
}

/** One word for an anomaly's feedback in the table: expected, acknowledged, snoozed. */
function feedbackWord(f: AnomalyFeedback): string {
  const words: string[] = [];
  if (f.expected) words.push(`expected (${f.expected.by})`);
  if (f.acknowledged) words.push(`ack (${f.acknowledged.by})`);
  if (f.snoozed_until) words.push(`snoozed → ${f.snoozed_until}`);
  return words.join(", ");
}

/** The monitor must be one detect runs (costwise.yaml detection.monitors, else the defaults). */
function checkMonitor(g: GlobalOptions, monitor: string): void {
  const names = (detectionConfig(g.workspace.config).monitors ?? defaultMonitors(true)).map((m) => m.name);
  if (!names.includes(monitor)) throw usageError(`unknown monitor ${JSON.stringify(monitor)} (monitors: ${names.join(", ")})`);
}

export async function list(opts: { since?: string; monitor?: string; alerts?: boolean; limit?: string }, cmd: Command) {
  const g = globalOptions(cmd);
  dayOption(opts.since, "--since");
  const limit = opts.limit === undefined ? 100 : Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1) throw usageError(`--limit must be a positive integer`);
  const query = { ...(opts.since ? { since: opts.since } : {}), ...(opts.monitor ? { monitor: opts.monitor } : {}), alertsOnly: Boolean(opts.alerts), limit };
  const rows = await withStoreOrServer(g, { op: "anomalies/list", body: query }, (store) => listAnomalies(store, query));
  if (g.json) return stdio.json(rows);
  if (rows.length === 0) return stdio.out("no anomalies recorded (run costwise detect)");
  stdio.out(
    renderTable(
      ["id", "monitor", "series", "start", "end", "kind", "severity", "impact", "impact %", "alerted", "top contributor", "feedback"],
      rows.map((r) => {
        const rc = r.root_cause;
        const p = r.impact_pct;
        return [
          r.id,
          r.monitor,
          r.series_key,
          r.start_day,
          r.end_day + (r.is_open ? "…" : ""),
          `${r.kind} ${r.direction === "up" ? "↑" : "↓"}`,
          r.severity,
          `${trimMoney(toCents(r.impact))} ${r.currency}`,
          p === null ? "" : `${p >= 0 ? "+" : ""}${(p * 100).toFixed(1)}%`,
          r.alerted_at === null ? "" : r.alerted_at,
          rc?.headline ? `${rc.headline.kind} ${rc.headline.value}` : "",
          feedbackWord(r.feedback),
        ];
      }),
      { rightAlign: [7, 8] },
    ),
  );
}

/** `anomalies ack|expected <id>`: `mark` is what the registration gave the subcommand (its feedback action). */
export async function feedback(mark: { action: FeedbackAction; name: string; needsReason: boolean }, id: string, opts: { reason?: string; by?: string }, cmd: Command) {
  const { action, name, needsReason } = mark;
  const g = globalOptions(cmd);
  if (needsReason && !opts.reason?.trim()) throw usageError(`${name} needs --reason "<why>"`);
  const by = actorOf(opts.by);
  const reason = opts.reason !== undefined ? { reason: opts.reason } : {};
  const r = await withStoreOrServer(g, { op: "anomalies/feedback", body: { id, action, by, ...reason } }, (store) => giveFeedback(store, id, action, by, reason));
  if (g.json) return stdio.json(r);
  stdio.out(`${r.anomaly.id} ${r.anomaly.monitor}/${r.anomaly.series_key} ${r.anomaly.start_day}..${r.anomaly.end_day}: ${feedbackWord(r.feedback)}`);
  if (action === "expected") stdio.out("its days leave the detector's baseline from the next costwise detect");
}

export async function snooze(monitor: string, opts: { until: string; series?: string; reason?: string; by?: string }, cmd: Command) {
  const g = globalOptions(cmd);
  checkMonitor(g, monitor);
  const until = parseUntil(timeOption(opts.until, "--until")!);
  const by = actorOf(opts.by);
  const s = { monitor, ...(opts.series !== undefined ? { series: opts.series } : {}), ...(opts.reason !== undefined ? { reason: opts.reason } : {}) };
  const r = await withStoreOrServer(g, { op: "anomalies/snooze", body: { ...s, until: until.toISOString(), by } }, (store) => snoozeMonitor(store, { ...s, until }, by));
  if (g.json) return stdio.json(r);
  stdio.out(`${r.monitor}${r.series_key !== null ? `/${r.series_key}` : ""} snoozed until ${r.until} by ${r.by_name}`);
}

export async function unsnooze(monitor: string, opts: { series?: string; by?: string }, cmd: Command) {
  const g = globalOptions(cmd);
  const by = actorOf(opts.by);
  const s = { monitor, ...(opts.series !== undefined ? { series: opts.series } : {}) };
  const cleared = await withStoreOrServer(g, { op: "anomalies/unsnooze", body: { ...s, by } }, (store) => unsnoozeMonitor(store, s, by));
  if (g.json) return stdio.json({ cleared });
  stdio.out(cleared > 0 ? `${monitor}${opts.series !== undefined ? `/${opts.series}` : ""}: snooze ended` : `${monitor}${opts.series !== undefined ? `/${opts.series}` : ""} was not snoozed`);
}

export async function snoozes(opts: { all?: boolean }, cmd: Command) {
  const g = globalOptions(cmd);
  const rows = await withStoreOrServer(g, { op: "anomalies/snoozes", body: { all: Boolean(opts.all) } }, (store) => (opts.all ? listSnoozes(store) : activeSnoozes(store)));
  if (g.json) return stdio.json(rows);
  if (rows.length === 0) return stdio.out(opts.all ? "no snoozes recorded" : "no monitor is snoozed");
  stdio.out(
    renderTable(
      ["monitor", "series", "until", "by", "at", "reason", "ended"],
      rows.map((r) => [r.monitor, r.series_key ?? "(all)", r.until, r.by_name + (r.by_team ? ` (${r.by_team})` : ""), r.at, r.reason ?? "", r.cleared_at ? `${r.cleared_at} by ${r.cleared_by ?? "?"}` : ""]),
    ),
  );
}
