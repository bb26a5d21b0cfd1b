/**
 * Anomaly feedback: what people said about anomalies and monitors, each with who and when.
 * - acknowledge an anomaly ("seen, someone is on it"): shown with the anomaly, changes nothing else;
 * - mark an anomaly as expected, with a reason ("the load test", "the yearly licence"): its days, as recorded,
 *   leave the detector's baseline of that series (monitors.ts drops them from the series it scores, so they are
 *   missing points, never learned from), and the anomaly is closed (if the cost stays up, the days after it are
 *   scored afresh and may be a new anomaly);
 * - snooze a monitor, or one series of it, until a time: anomalies are still detected and recorded, but raise no
 *   alert (`alert` false, `snoozed` true) while the snooze lasts; unsnoozing ends it early and is recorded too.
 *
 * Anomalies are named by their id (anomaly-id.ts: stable across detector runs). Feedback is append-only (a
 * history); an anomaly's state is its latest row per action. `Actor` is who did it: an API token's name and team,
 * or the CLI's OS user (or `--by`).
 */
import type { MonitorConfig } from "../../core/config/sections/detection.js";
import { CostwiseError } from "../../core/errors.js";
import { quoteString } from "../../core/sql.js";
import type { CostStore } from "../store/cost-store.js";
import { col, readRow, readRows, type RowOf } from "../store/read-rows.js";
import { anomalyIdSql } from "./anomaly-id.js";
import { ANOMALIES_TABLE, ANOMALY_FEEDBACK_TABLE, MONITOR_SNOOZES_TABLE } from "./tables.js";

export const FEEDBACK_ACTIONS = ["ack", "expected"] as const;
export type FeedbackAction = (typeof FEEDBACK_ACTIONS)[number];

export function isFeedbackAction(s: string): s is FeedbackAction {
  return (FEEDBACK_ACTIONS as readonly string[]).includes(s);
}

/** Who gave the feedback: a token's name and team, or an OS user (team null). */
export interface Actor {
  name: string;
  team: string | null;
}

/** One mark as shown with an anomaly. */
export interface FeedbackMark {
  by: string;
  team: string | null;
  /** `YYYY-MM-DDTHH:MM:SSZ` */
  at: string;
  reason: string | null;
}

/** An anomaly's feedback state (listAnomalies attaches it to every row). */
export interface AnomalyFeedback {
  acknowledged: FeedbackMark | null;
  expected: FeedbackMark | null;
  /** When the anomaly's monitor (or its series) is snoozed now: until when. */
  snoozed_until: string | null;
}

export const NO_FEEDBACK: AnomalyFeedback = { acknowledged: null, expected: null, snoozed_until: null };

/** The anomaly a feedback names: its key and days. */
const ANOMALY_KEY_ROW = { id: col.text, monitor: col.text, series_key: col.text, currency: col.text, start_day: col.day, end_day: col.day };
export type AnomalyKeyRow = RowOf<typeof ANOMALY_KEY_ROW>;

/** The stored anomaly with this id; NOT_FOUND when there is none. */
export async function findAnomaly(store: CostStore, id: string): Promise<AnomalyKeyRow> {
  if (!/^[0-9a-f]{16}$/.test(id)) throw new CostwiseError("NOT_FOUND", `no anomaly ${JSON.stringify(id)} (an anomaly id is 16 hex digits; see costwise anomalies --json)`);
  const r = await readRow(store, ANOMALY_KEY_ROW, {
    sql: `SELECT ${anomalyIdSql()} AS id, monitor, series_key, currency, strftime(start_day, '%Y-%m-%d') AS start_day, strftime(end_day, '%Y-%m-%d') AS end_day
          FROM ${ANOMALIES_TABLE} WHERE ${anomalyIdSql()} = ?`,
    params: [id],
  });
  if (!r) throw new CostwiseError("NOT_FOUND", `no anomaly ${id} (see costwise anomalies --json for ids)`);
  return r;
}

/** A time as the store takes it, to the millisecond (so two marks in the same second keep their order). */
function stamp(now: Date): string {
  return now.toISOString().slice(0, 23).replace("T", " ");
}

function cleanReason(reason: string | undefined): string | null {
  const r = reason?.trim();
  return r ? r : null;
}

function checkActor(by: Actor): void {
  if (!by.name.trim()) throw new CostwiseError("USAGE", "feedback needs who gives it (a name)");
}

/**
 * Records an acknowledgement or an "expected" mark on an anomaly. Order of operations: find the anomaly (NOT_FOUND),
 * check the reason ("expected" needs one), append the feedback row, and for "expected" close the anomaly; all in
 * one transaction. Returns the anomaly's feedback afterwards.
 */
export async function giveFeedback(store: CostStore, id: string, action: FeedbackAction, by: Actor, o: { reason?: string; now?: Date } = {}): Promise<{ anomaly: AnomalyKeyRow; feedback: AnomalyFeedback }> {
  checkActor(by);
  const reason = cleanReason(o.reason);
  switch (action) {
    case "ack":
      break;
    case "expected":
      if (reason === null) throw new CostwiseError("USAGE", "marking an anomaly as expected needs a reason (why this cost was expected)");
      break;
    default:
      throw new CostwiseError("USAGE", `unknown feedback action ${JSON.stringify(action)}; actions are ${FEEDBACK_ACTIONS.join(", ")}`);
  }
  const now = o.now ?? new Date();
  const anomaly = await store.transaction(async () => {
    const a = await findAnomaly(store, id);
    await store.run({
      sql: `INSERT INTO ${ANOMALY_FEEDBACK_TABLE} (anomaly_id, action, reason, by_name, by_team, given_at) VALUES (?, ?, ?, ?, ?, CAST(? AS TIMESTAMP))`,
      params: [a.id, action, reason, by.name, by.team, stamp(now)],
    });
    if (action === "expected") {
      await store.run({ sql: `UPDATE ${ANOMALIES_TABLE} SET is_open = false WHERE ${anomalyIdSql()} = ?`, params: [a.id] });
    }
    return a;
  });
  const feedback = (await feedbackFor(store, [anomaly], now)).get(anomaly.id) ?? NO_FEEDBACK;
  return { anomaly, feedback };
}

export function acknowledgeAnomaly(store: CostStore, id: string, by: Actor, o: { reason?: string; now?: Date } = {}) {
  return giveFeedback(store, id, "ack", by, o);
}

export function markExpected(store: CostStore, id: string, by: Actor, o: { reason: string; now?: Date }) {
  return giveFeedback(store, id, "expected", by, o);
}

const FEEDBACK_ROW = { anomaly_id: col.text, action: col.text, reason: col.text.nullable(), by_name: col.text, by_team: col.text.nullable(), at: col.timestamp };
export type FeedbackRow = RowOf<typeof FEEDBACK_ROW>;

/** The feedback history (oldest first), of one anomaly or all. */
export async function listFeedback(store: CostStore, o: { anomalyId?: string } = {}): Promise<FeedbackRow[]> {
  return readRows(store, FEEDBACK_ROW, {
    sql: `SELECT anomaly_id, action, reason, by_name, by_team, strftime(given_at, '%Y-%m-%dT%H:%M:%SZ') AS "at" FROM ${ANOMALY_FEEDBACK_TABLE}
          ${o.anomalyId !== undefined ? "WHERE anomaly_id = ?" : ""} ORDER BY given_at, anomaly_id, action`,
    params: o.anomalyId !== undefined ? [o.anomalyId] : [],
  });
}

/** The feedback state of these anomalies (latest mark per action, and the snooze on their monitor or series at `now`). */
export async function feedbackFor(store: CostStore, anomalies: readonly { id: string; monitor: string; series_key: string }[], now: Date = new Date()): Promise<Map<string, AnomalyFeedback>> {
  const out = new Map<string, AnomalyFeedback>();
  if (anomalies.length === 0) return out;
  const ids = [...new Set(anomalies.map((a) => a.id))];
  const rows = await readRows(store, FEEDBACK_ROW, {
    sql: `SELECT anomaly_id, action, arg_max(reason, given_at) AS reason, arg_max(by_name, given_at) AS by_name, arg_max(by_team, given_at) AS by_team, strftime(max(given_at), '%Y-%m-%dT%H:%M:%SZ') AS "at"
          FROM ${ANOMALY_FEEDBACK_TABLE} WHERE anomaly_id IN (${ids.map(() => "?").join(", ")}) GROUP BY anomaly_id, action`,
    params: ids,
  });
  const snoozes = await activeSnoozes(store, now);
  for (const a of anomalies) out.set(a.id, { acknowledged: null, expected: null, snoozed_until: snoozedUntil(snoozes, a.monitor, a.series_key) });
  for (const r of rows) {
    const f = out.get(r.anomaly_id);
    if (!f) continue;
    const mark: FeedbackMark = { by: r.by_name, team: r.by_team, at: r.at, reason: r.reason };
    if (r.action === "ack") f.acknowledged = mark;
    else if (r.action === "expected") f.expected = mark;
  }
  return out;
}

/**
 * The days of a monitor's series that leave the baseline: every day (start through end, as recorded) of an anomaly
 * marked expected, keyed by `seriesKeyOf(series_key, currency)`.
 */
export async function expectedDays(store: CostStore, monitor: string): Promise<Map<string, Set<string>>> {
  const rows = await readRows(store, { series_key: col.text, currency: col.text, d: col.day }, {
    sql: `SELECT DISTINCT a.series_key, a.currency, strftime(CAST(g.d AS DATE), '%Y-%m-%d') AS d
          FROM ${ANOMALIES_TABLE} a, generate_series(CAST(a.start_day AS TIMESTAMP), CAST(a.end_day AS TIMESTAMP), INTERVAL 1 DAY) g(d)
          WHERE a.monitor = ? AND ${anomalyIdSql("a")} IN (SELECT anomaly_id FROM ${ANOMALY_FEEDBACK_TABLE} WHERE action = ${quoteString("expected" satisfies FeedbackAction)})
          ORDER BY 1, 2, 3`,
    params: [monitor],
  });
  const out = new Map<string, Set<string>>();
  for (const r of rows) {
    const k = seriesKeyOf(r.series_key, r.currency);
    let s = out.get(k);
    if (!s) out.set(k, (s = new Set()));
    s.add(r.d);
  }
  return out;
}

export function seriesKeyOf(seriesKey: string, currency: string): string {
  return `${seriesKey}\0${currency}`;
}

/**
 * The team an anomaly belongs to: its series key when its monitor splits by owner (the allocation's team), else
 * null (an organisation-wide series: a service, an account, the total). Team-scoped callers act only on their own.
 */
export function anomalyTeam(a: { monitor: string; series_key: string }, monitors: readonly MonitorConfig[]): string | null {
  return monitors.find((m) => m.name === a.monitor)?.dimension === "owner" ? a.series_key : null;
}

// ─── snoozes ───────────────────────────────────────────────────────────────────────────────────

const SNOOZE_ROW = {
  monitor: col.text,
  series_key: col.text.nullable(),
  until: col.timestamp,
  reason: col.text.nullable(),
  by_name: col.text,
  by_team: col.text.nullable(),
  at: col.timestamp,
  cleared_by: col.text.nullable(),
  cleared_at: col.timestamp.nullable(),
};
export type SnoozeRow = RowOf<typeof SNOOZE_ROW>;

const SNOOZE_SELECT = `SELECT monitor, series_key, strftime(until_at, '%Y-%m-%dT%H:%M:%SZ') AS "until", reason, by_name, by_team, strftime(snoozed_at, '%Y-%m-%dT%H:%M:%SZ') AS "at",
  cleared_by, strftime(cleared_at, '%Y-%m-%dT%H:%M:%SZ') AS cleared_at FROM ${MONITOR_SNOOZES_TABLE}`;

/** "2026-12-10" (midnight UTC) or an ISO timestamp → a Date; USAGE otherwise. */
export function parseUntil(until: string): Date {
  const ok = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(until);
  const d = ok ? new Date(/^\d{4}-\d{2}-\d{2}$/.test(until) ? `${until}T00:00:00Z` : /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(until) ? `${until}Z` : until) : new Date(NaN);
  if (Number.isNaN(d.getTime())) throw new CostwiseError("USAGE", `until ${JSON.stringify(until)}: expected a date (2026-12-10) or a UTC time (2026-12-10T08:00:00Z)`);
  return d;
}

/**
 * Snoozes a monitor (or one series of it) until `until`. Order of operations: check `until` is after `now`, end any
 * snooze still active on the same monitor and series (cleared by the same actor), then record the new one.
 */
export async function snoozeMonitor(store: CostStore, s: { monitor: string; series?: string; until: Date; reason?: string }, by: Actor, now: Date = new Date()): Promise<SnoozeRow> {
  checkActor(by);
  if (!s.monitor.trim()) throw new CostwiseError("USAGE", "snooze needs a monitor name");
  if (s.until.getTime() <= now.getTime()) throw new CostwiseError("USAGE", `snooze until ${s.until.toISOString()}: that is not in the future`);
  const series = s.series ?? null;
  await store.transaction(async () => {
    await clear(store, s.monitor, series, by, now);
    await store.run({
      sql: `INSERT INTO ${MONITOR_SNOOZES_TABLE} (monitor, series_key, until_at, reason, by_name, by_team, snoozed_at) VALUES (?, ?, CAST(? AS TIMESTAMP), ?, ?, ?, CAST(? AS TIMESTAMP))`,
      params: [s.monitor, series, stamp(s.until), cleanReason(s.reason), by.name, by.team, stamp(now)],
    });
  });
  const active = await activeSnoozes(store, now);
  return active.find((r) => r.monitor === s.monitor && r.series_key === series)!;
}

/** Ends the active snooze of a monitor (or of one series of it) now; returns how many ended (0: none was active). */
export async function unsnoozeMonitor(store: CostStore, s: { monitor: string; series?: string }, by: Actor, now: Date = new Date()): Promise<number> {
  checkActor(by);
  return store.transaction(() => clear(store, s.monitor, s.series ?? null, by, now));
}

async function clear(store: CostStore, monitor: string, series: string | null, by: Actor, now: Date): Promise<number> {
  const where = `monitor = ? AND series_key IS NOT DISTINCT FROM ? AND cleared_at IS NULL AND until_at > CAST(? AS TIMESTAMP)`;
  const n = await readRow(store, { n: col.int }, { sql: `SELECT count(*)::INTEGER AS n FROM ${MONITOR_SNOOZES_TABLE} WHERE ${where}`, params: [monitor, series, stamp(now)] });
  if (!n || n.n === 0) return 0;
  await store.run({
    sql: `UPDATE ${MONITOR_SNOOZES_TABLE} SET cleared_by = ?, cleared_at = CAST(? AS TIMESTAMP) WHERE ${where}`,
    params: [by.name, stamp(now), monitor, series, stamp(now)],
  });
  return n.n;
}

/** Snoozes in force at `now` (not cleared, `until` later than now). */
export async function activeSnoozes(store: CostStore, now: Date = new Date()): Promise<SnoozeRow[]> {
  return readRows(store, SNOOZE_ROW, {
    sql: `${SNOOZE_SELECT} WHERE cleared_at IS NULL AND until_at > CAST(? AS TIMESTAMP) ORDER BY monitor, series_key NULLS FIRST`,
    params: [stamp(now)],
  });
}

/** Every snooze ever recorded (newest first), with who cleared it. */
export async function listSnoozes(store: CostStore): Promise<SnoozeRow[]> {
  return readRows(store, SNOOZE_ROW, `${SNOOZE_SELECT} ORDER BY snoozed_at DESC, monitor, series_key NULLS FIRST`);
}

/** When a snooze covers this monitor and series: the latest `until` among them; else null. */
export function snoozedUntil(snoozes: readonly SnoozeRow[], monitor: string, seriesKey: string): string | null {
  let best: string | null = null;
  for (const s of snoozes) {
    if (s.monitor !== monitor || (s.series_key !== null && s.series_key !== seriesKey)) continue;
    if (best === null || s.until > best) best = s.until;
  }
  return best;
}
