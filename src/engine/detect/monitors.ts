/**
 * Anomaly monitors over the store: series per monitor (SQL), the detector (core), alert thresholds, root cause
 * (SQL), and the anomalies table (one row per monitor, series, currency and start day: a multi-day anomaly is
 * alerted once, on its first day, and updated on later runs).
 *
 * `runMonitors(store, config, { asOf })` is what the CLI, notifications and the dashboard call.
 *
 * Feedback (feedback.ts) enters in two places:
 * - expected days leave the baseline: the days of an anomaly marked expected (start through end, as recorded) are
 *   dropped from that monitor's series (same series key and currency) before the detector sees it, so they are
 *   missing points (NaN: skipped, never learned from, never scored) rather than replaced by an estimate. An expected
 *   spike or plateau therefore cannot raise, or rebase, the expectation of the weeks after it; other monitors that
 *   cover the same cost (the total, a service) keep those days unless their own anomaly is marked too;
 * - snoozes silence alerts: an anomaly of a snoozed monitor or series (at `now`) is still detected and stored, with
 *   `alert` false and `snoozed` true, so it sends nothing; when the snooze ends, an anomaly still open alerts then.
 */
import type { DetectionConfig, MonitorConfig } from "../../core/config/sections/detection.js";
import type { CostwiseConfig } from "../../core/config/schema.js";
import { detect, optionsForStep, type AnomalyKind, type DetectorOptions, type Direction, type Severity } from "../../core/detect/detector.js";
import { addDays, dayNumber, dayString, numberToDecimal } from "../../core/detect/series.js";
import { addMoney, compareMoney, parseMoney, subMoney, formatMoney } from "../../core/money.js";
import { detectionSection } from "../../core/config/sections/detection.js";
import { CostwiseError } from "../../core/errors.js";
import type { CostStore } from "../store/cost-store.js";
import { col, readRow, readRows, type RowOf } from "../store/read-rows.js";
import { rootCause, type RootCause } from "./root-cause.js";
import { allocationScope, focusScope, hasAllocation, parseFilters, splitSql, type ScopeSql, type SplitSql } from "./scope.js";
import { activeSnoozes, expectedDays, feedbackFor, NO_FEEDBACK, seriesKeyOf, snoozedUntil, type AnomalyFeedback, type SnoozeRow } from "./feedback.js";
import { extractSeries, lastCompleteDayFromStore, withoutDays, type ExtractedSeries } from "./load-series.js";
import { ANOMALIES_TABLE } from "./tables.js";
import { anomalyIdSql } from "./anomaly-id.js";

export interface MonitorAnomaly {
  monitor: string;
  /** The monitor's dimension (undefined for a whole-scope monitor). */
  dimension: string | undefined;
  /** The split value ("total" for a whole-scope monitor). */
  seriesKey: string;
  currency: string;
  granularity: "day" | "hour";
  kind: AnomalyKind;
  direction: Direction;
  severity: Severity;
  /** First anomalous day (for hourly monitors: the first hour, `YYYY-MM-DDTHH:00:00Z`). */
  start: string;
  end: string;
  /** When it was first raised (the alert day). */
  detected: string;
  /** Still anomalous on the last complete day. */
  open: boolean;
  /** Over the anomalous days: exact actual, estimated expected, impact = actual − expected. */
  actual: string;
  expected: string;
  impact: string;
  /** impact / expected (0.25 = +25%); null when nothing was expected. */
  impactPercent: number | null;
  maxZ: number;
  /** Passes the alert thresholds (separate from detection). */
  alert: boolean;
  /** Alerted by this run for the first time (persisted runs only). */
  newAlert: boolean;
  /** Its monitor or series is snoozed (at the run's `now`): `alert` is then false. */
  snoozed: boolean;
  rootCause: RootCause | null;
}

export interface RunMonitorsOptions {
  /** Score through this day (default: the last complete billing day). Never later than it. */
  asOf?: string;
  /** Swappable freshness: the last complete billing day of the store. */
  lastCompleteDay?: (store: CostStore) => Promise<string | null>;
  /** Write anomalies and alert state to the store (default true). */
  persist?: boolean;
  /** Compute root causes (default true). */
  rootCause?: boolean;
  /** Clock for alerted_at / updated_at and for which snoozes are in force (tests). */
  now?: Date;
}

export interface RunMonitorsResult {
  asOf: string | null;
  monitors: { name: string; series: number }[];
  anomalies: MonitorAnomaly[];
}

/** The monitors used when the config names none. */
export function defaultMonitors(withOwners: boolean): MonitorConfig[] {
  const m: MonitorConfig[] = [
    { name: "total", top: 1, filters: [], granularity: "day" },
    { name: "services", dimension: "ServiceName", top: 10, filters: [], granularity: "day" },
    { name: "accounts", dimension: "SubAccountId", top: 10, filters: [], granularity: "day" },
  ];
  if (withOwners) m.push({ name: "owners", dimension: "owner", top: 20, filters: [], granularity: "day" });
  return m;
}

export function detectionConfig(config: CostwiseConfig | { detection?: DetectionConfig }): DetectionConfig {
  return config.detection ?? detectionSection.parse({});
}

export function detectorOptions(d: DetectionConfig, granularity: "day" | "hour"): DetectorOptions {
  const o: Partial<DetectorOptions> = {};
  if (d.detector.z !== undefined) o.z = d.detector.z;
  if (d.detector.shiftConfirm !== undefined) o.shiftConfirm = d.detector.shiftConfirm;
  if (d.detector.cusumH !== undefined) o.cusumH = d.detector.cusumH;
  // money: its resolution is a cent, the detector's floor in series units (the detector itself is scale-free)
  return optionsForStep(granularity === "day" ? 24 : 1, { minAbsScale: 0.01, ...o });
}

const HISTORY_DAYS = 400;
const HOURLY_HISTORY_DAYS = 42;

export async function runMonitors(store: CostStore, config: CostwiseConfig | { detection?: DetectionConfig }, opts: RunMonitorsOptions = {}): Promise<RunMonitorsResult> {
  const d = detectionConfig(config);
  const fresh = await (opts.lastCompleteDay ?? lastCompleteDayFromStore)(store);
  if (fresh === null) return { asOf: null, monitors: [], anomalies: [] };
  // never score a day after the last complete billing day
  const asOf = opts.asOf !== undefined && opts.asOf < fresh ? opts.asOf : fresh;
  const alloc = await hasAllocation(store);
  const monitors = d.monitors ?? defaultMonitors(alloc);
  const out: MonitorAnomaly[] = [];
  const summary: { name: string; series: number }[] = [];
  const snoozes = await activeSnoozes(store, opts.now ?? new Date());
  for (const [i, m] of monitors.entries()) {
    const where = `detection.monitors[${i}] (${m.name})`;
    let scope: ScopeSql;
    if (m.dimension === "owner" && alloc) {
      if (m.filters.length > 0) throw new CostwiseError("BAD_CONFIG", `${where}: filters cannot be combined with dimension owner on the allocation table; use a tag monitor instead`);
      scope = allocationScope(d.metric);
    } else {
      scope = focusScope(d.metric, parseFilters(m.filters, where));
    }
    const split = m.dimension === undefined ? undefined : splitSql(m.dimension, scope);
    const found = await runOne(store, d, m, scope, split, asOf, opts, snoozes);
    summary.push({ name: m.name, series: found.series });
    out.push(...found.anomalies);
  }
  if (opts.persist ?? true) await persistAnomalies(store, out, opts.now ?? new Date());
  return { asOf, monitors: summary, anomalies: out };
}

async function runOne(
  store: CostStore,
  d: DetectionConfig,
  m: MonitorConfig,
  scope: ScopeSql,
  split: SplitSql | undefined,
  asOf: string,
  opts: RunMonitorsOptions,
  snoozes: readonly SnoozeRow[],
): Promise<{ series: number; anomalies: MonitorAnomaly[] }> {
  const hourly = m.granularity === "hour";
  const to = addDays(asOf, 1);
  const from = addDays(asOf, -(hourly ? HOURLY_HISTORY_DAYS : HISTORY_DAYS));
  const series = await extractSeries(store, scope, split, {
    granularity: m.granularity,
    from,
    to,
    ...(split ? { top: m.top, topFrom: addDays(asOf, -29) } : {}),
  });
  const detOpts = detectorOptions(d, m.granularity);
  const anomalies: MonitorAnomaly[] = [];
  const expected = await expectedDays(store, m.name);
  for (const s of series) {
    const dense = densify(withoutDays(s, expected.get(seriesKeyOf(s.key, s.currency))), hourly, asOf);
    if (!dense) continue;
    const res = detect(dense.values, dense.monthStarts ? { ...detOpts, monthStarts: dense.monthStarts } : detOpts);
    const lookbackPoints = d.lookbackDays * (hourly ? 24 : 1);
    for (const ev of res.events) {
      if (ev.endIndex < res.lastScored - lookbackPoints) continue;
      const flaggedAt: string[] = [];
      for (let i = ev.startIndex; i <= ev.endIndex; i++) if (res.flagged[i] && dense.exact[i] !== undefined) flaggedAt.push(dense.exact[i]!);
      const actual = flaggedAt.length ? addMoney(...flaggedAt) : "0";
      const expected = numberToDecimal(ev.expected, 4);
      const impact = subMoney(actual, expected);
      const impactPercent = ev.expected !== 0 ? (ev.actual - ev.expected) / Math.abs(ev.expected) : null;
      const snoozed = snoozedUntil(snoozes, m.name, s.key) !== null;
      const alert = !snoozed && passesAlert(d, ev.direction, impact, impactPercent);
      const label = (i: number): string => dense.label(i);
      let rc: RootCause | null = null;
      if (opts.rootCause ?? true) {
        const startDay = label(ev.startIndex).slice(0, 10);
        const endDay = label(ev.endIndex).slice(0, 10);
        rc = await rootCause(store, {
          scope,
          ...(split ? { split, key: s.key } : {}),
          currency: s.currency,
          startDay,
          days: Math.min(7, dayNumber(endDay) - dayNumber(startDay) + 1),
          direction: ev.direction,
        });
      }
      anomalies.push({
        monitor: m.name,
        dimension: m.dimension,
        seriesKey: s.key,
        currency: s.currency,
        granularity: m.granularity,
        kind: ev.kind,
        direction: ev.direction,
        severity: ev.severity,
        start: label(ev.startIndex),
        end: label(ev.endIndex),
        detected: label(ev.detectedIndex),
        open: ev.open,
        actual: formatMoney(parseMoney(actual)),
        expected,
        impact,
        impactPercent,
        maxZ: ev.maxAbsZ,
        alert,
        newAlert: false,
        snoozed,
        rootCause: rc,
      });
    }
  }
  return { series: series.length, anomalies };
}

/** Alert thresholds: direction, absolute impact and percent impact must all pass. */
export function passesAlert(d: DetectionConfig, direction: Direction, impact: string, impactPercent: number | null): boolean {
  if (d.alert.direction !== "both" && d.alert.direction !== direction) return false;
  const abs = impact.startsWith("-") ? impact.slice(1) : impact;
  if (compareMoney(abs, d.alert.minImpact) < 0) return false;
  if (impactPercent !== null && Math.abs(impactPercent) * 100 < d.alert.minImpactPercent) return false;
  return true;
}

interface Dense {
  values: Float64Array;
  /** Daily series: 1 on the first day of each month (recurring monthly charges). */
  monthStarts?: Uint8Array;
  exact: (string | undefined)[];
  label(i: number): string;
}

/** A dense series through the last complete day/hour: missing buckets are NaN (not zero). */
function densify(s: ExtractedSeries, hourly: boolean, asOf: string): Dense | undefined {
  if (s.points.length === 0) return undefined;
  if (!hourly) {
    const first = dayNumber(s.points[0]!.at);
    const last = dayNumber(asOf);
    if (last < first) return undefined;
    const values = new Float64Array(last - first + 1).fill(NaN);
    const exact: (string | undefined)[] = new Array(values.length);
    for (const p of s.points) {
      const i = dayNumber(p.at) - first;
      if (i < 0 || i >= values.length) continue;
      values[i] = Number(p.amount);
      exact[i] = p.amount;
    }
    const monthStarts = new Uint8Array(values.length);
    for (let i = 0; i < values.length; i++) if (dayString(first + i).endsWith("-01")) monthStarts[i] = 1;
    return { values, exact, monthStarts, label: (i) => dayString(first + i) };
  }
  const H = 3_600_000;
  const first = Date.parse(s.points[0]!.at) / H;
  const last = (dayNumber(asOf) + 1) * 24 - 1;
  if (last < first) return undefined;
  const values = new Float64Array(last - first + 1).fill(NaN);
  const exact: (string | undefined)[] = new Array(values.length);
  for (const p of s.points) {
    const i = Date.parse(p.at) / H - first;
    if (i < 0 || i >= values.length) continue;
    values[i] = Number(p.amount);
    exact[i] = p.amount;
  }
  return { values, exact, label: (i) => `${new Date((first + i) * H).toISOString().slice(0, 13)}:00:00Z` };
}

async function persistAnomalies(store: CostStore, anomalies: MonitorAnomaly[], now: Date): Promise<void> {
  if (anomalies.length === 0) return;
  const ts = now.toISOString().slice(0, 19).replace("T", " ");
  await store.transaction(async () => {
    for (const a of anomalies) {
      const key = [a.monitor, a.seriesKey, a.start.slice(0, 10), a.currency];
      const prev = await readRow(store, { alerted: col.bool }, { sql: `SELECT alerted_at IS NOT NULL AS alerted FROM ${ANOMALIES_TABLE} WHERE monitor = ? AND series_key = ? AND start_day = CAST(? AS DATE) AND currency = ?`, params: key });
      const wasAlerted = prev?.alerted === true;
      a.newAlert = a.alert && !wasAlerted;
      const rc = a.rootCause === null ? null : JSON.stringify(a.rootCause);
      const values = [a.kind, a.direction, a.severity, a.end.slice(0, 10), a.detected.slice(0, 10), a.open, a.actual, a.expected, a.impact, a.impactPercent, a.maxZ, a.alert, rc];
      if (!prev) {
        await store.run({
          sql: `INSERT INTO ${ANOMALIES_TABLE} (monitor, series_key, start_day, currency, kind, direction, severity, end_day, detected_day, is_open, actual, expected, impact, impact_pct, max_z, alert, root_cause, alerted_at, first_seen_at, updated_at)
                VALUES (?, ?, CAST(? AS DATE), ?, ?, ?, ?, CAST(? AS DATE), CAST(? AS DATE), ?, CAST(? AS DECIMAL(38,10)), CAST(? AS DECIMAL(38,10)), CAST(? AS DECIMAL(38,10)), ?, ?, ?, CAST(? AS JSON), ${a.alert ? "CAST(? AS TIMESTAMP)" : "NULL"}, CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP))`,
          params: [...key, ...values, ...(a.alert ? [ts] : []), ts, ts],
        });
      } else {
        // the first detection day and alert time stay; everything else is updated
        await store.run({
          sql: `UPDATE ${ANOMALIES_TABLE} SET kind = ?, direction = ?, severity = ?, end_day = CAST(? AS DATE), detected_day = least(detected_day, CAST(? AS DATE)), is_open = ?,
                  actual = CAST(? AS DECIMAL(38,10)), expected = CAST(? AS DECIMAL(38,10)), impact = CAST(? AS DECIMAL(38,10)), impact_pct = ?, max_z = ?, alert = alert OR ?,
                  root_cause = CAST(? AS JSON), alerted_at = ${a.newAlert ? "CAST(? AS TIMESTAMP)" : "alerted_at"}, updated_at = CAST(? AS TIMESTAMP)
                WHERE monitor = ? AND series_key = ? AND start_day = CAST(? AS DATE) AND currency = ?`,
          params: [...values, ...(a.newAlert ? [ts] : []), ts, ...key],
        });
      }
    }
  });
}

/** A stored anomaly as listed (API and CLI): days as "YYYY-MM-DD", money as decimal strings, the root cause parsed. */
const STORED_ANOMALY_ROW = {
  id: col.text,
  monitor: col.text,
  series_key: col.text,
  start_day: col.day,
  end_day: col.day,
  detected_day: col.day,
  currency: col.text,
  kind: col.text,
  direction: col.text,
  severity: col.text,
  is_open: col.bool,
  actual: col.money,
  expected: col.money,
  impact: col.money,
  impact_pct: col.num.nullable(),
  max_z: col.num.nullable(),
  alert: col.bool,
  alerted_at: col.timestamp.nullable(),
  root_cause: col.json.nullable(),
};
/** The root cause comes back as the JSON `persistAnomalies` wrote from `rootCause()`, so it is typed as one. */
export type StoredAnomaly = Omit<RowOf<typeof STORED_ANOMALY_ROW>, "root_cause"> & { root_cause: RootCause | null; feedback: AnomalyFeedback };

/** Anomalies stored by earlier runs, newest first, each with its feedback (acknowledged, expected, snoozed at `now`). */
export async function listAnomalies(store: CostStore, o: { since?: string; monitor?: string; alertsOnly?: boolean; limit?: number; now?: Date } = {}): Promise<StoredAnomaly[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (o.since) {
    where.push("end_day >= CAST(? AS DATE)");
    params.push(o.since);
  }
  if (o.monitor) {
    where.push("monitor = ?");
    params.push(o.monitor);
  }
  if (o.alertsOnly) where.push("alert");
  params.push(o.limit ?? 100);
  const rows = await readRows(store, STORED_ANOMALY_ROW, {
    sql: `SELECT ${anomalyIdSql()} AS id, monitor, series_key, strftime(start_day, '%Y-%m-%d') AS start_day, strftime(end_day, '%Y-%m-%d') AS end_day, strftime(detected_day, '%Y-%m-%d') AS detected_day,
            currency, kind, direction, severity, is_open, CAST(actual AS VARCHAR) AS actual, CAST(expected AS VARCHAR) AS expected, CAST(impact AS VARCHAR) AS impact,
            impact_pct, max_z, alert, strftime(alerted_at, '%Y-%m-%dT%H:%M:%SZ') AS alerted_at, CAST(root_cause AS VARCHAR) AS root_cause
          FROM ${ANOMALIES_TABLE} ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
          ORDER BY start_day DESC, abs(impact) DESC LIMIT ?`,
    params: params as never,
  });
  const feedback = await feedbackFor(store, rows, o.now ?? new Date());
  return rows.map((r) => ({ ...(r as Omit<StoredAnomaly, "feedback">), feedback: feedback.get(r.id) ?? NO_FEEDBACK }));
}

