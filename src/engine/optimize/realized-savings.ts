/**
 * Realized savings measured on the bill (issue 20): for each recommendation marked done, the resource's billed
 * EffectiveCost per day over the N days before the change against the N days after it, with the expected saving
 * beside it; summed per owner and in total (per currency). The "savings-realized" KPI, `costwise recommend savings`,
 * GET /api/v1/savings/realized and the monthly review all read `measureRealizedSavings`.
 *
 * Order of operations:
 *  1. The last complete day: the day before the day the bill's latest charge period ends in (a bill's newest day is
 *     usually still filling), and never later than yesterday (UTC) of `now`.
 *  2. Per done recommendation with a resource, the change day D = the UTC day of its status change to done. The day
 *     of the change itself is left out (half before, half after). Before = [D − N, D − 1] clipped to the bill's first
 *     day; after = [D + 1, D + N].
 *  3. One SQL statement sums the resource's EffectiveCost (in the recommendation's currency) per window and counts
 *     the window's days: the aggregation runs in the store, only one row per recommendation comes back.
 *  4. Status: "measuring" while D + N is after the last complete day (the after window is not all in the bill yet,
 *     `measurableOn` says when it will be); "no-baseline" when no day of the before window is in the bill;
 *     otherwise "measured".
 *  5. Per day = sum / days, measured daily saving = before/day − after/day; monthly = daily × hoursPerMonth / 24.
 *     Each is computed as one exact fraction of integers (10 decimal places) and rounded once, half away from zero.
 *     A resource absent from the bill after the change (deleted) costs 0 per day after it.
 *  6. Per owner and currency, and in total per currency: expected monthly saving of all done recommendations,
 *     measured monthly saving of the measured ones, counts by status. The headline currency is the one with the
 *     largest expected saving.
 */
import { optimizationDefaults, type OptimizationConfig } from "../../core/config/sections/optimization.js";
import { MONEY_SCALE, formatMoney, parseMoney, type Minor } from "../../core/money.js";
import { UNALLOCATED } from "../../core/allocation/model.js";
import { sql, type AnalysisStore } from "../store/cost-store.js";
import { col, readRow, readRows } from "../store/read-rows.js";
import { COST_TABLE } from "../store/schema.js";
import { tableExists } from "../store/table-rows.js";
import { RECOMMENDATIONS_TABLE } from "./tables.js";
import { addDays } from "../../core/detect/series.js";

export const MEASURE_STATUSES = ["measured", "measuring", "no-baseline"] as const;
export type MeasureStatus = (typeof MEASURE_STATUSES)[number];

export interface MeasuredSaving {
  id: number;
  type: string;
  resourceId: string;
  owner: string;
  action: string;
  currency: string;
  /** When it was marked done (ISO 8601 UTC). */
  doneAt: string;
  changeDay: string;
  status: MeasureStatus;
  /** The first day the after window is complete in the bill (status measuring). */
  measurableOn: string;
  before: { start: string; end: string; days: number; cost: string; perDay: string | null };
  after: { start: string; end: string; days: number; cost: string; perDay: string | null };
  expectedMonthlySaving: string;
  /** before/day − after/day (status measured), else null. */
  measuredDailySaving: string | null;
  /** measuredDailySaving × hoursPerMonth / 24, else null. */
  measuredMonthlySaving: string | null;
}

export interface SavingsGroup {
  owner: string;
  currency: string;
  done: number;
  measured: number;
  measuring: number;
  noBaseline: number;
  expectedMonthly: string;
  /** Sum over the measured ones. */
  measuredMonthly: string;
  /** Expected monthly saving of the measured ones, to compare like with like. */
  expectedMonthlyOfMeasured: string;
}

export interface RealizedSavingsReport {
  windowDays: number;
  hoursPerMonth: number;
  /** The last day whose bill counts (null: no bill). */
  lastCompleteDay: string | null;
  items: MeasuredSaving[];
  byOwner: SavingsGroup[];
  totals: SavingsGroup[];
  /** The currency with the largest expected saving (null: nothing done). */
  headline: SavingsGroup | null;
}

export interface RealizedOptions {
  now?: Date;
  /** Only recommendations marked done in [from, to) (ISO dates), e.g. a review month. */
  doneFrom?: string;
  doneTo?: string;
}

/** Exact a / b on scaled units (both non-negative or any sign), rounded half away from zero. */
function divRound(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new RangeError("division by zero");
  const neg = a < 0n !== b < 0n;
  const x = a < 0n ? -a : a;
  const y = b < 0n ? -b : b;
  const q = (2n * x + y) / (2n * y);
  return neg ? -q : q;
}

const fmt = (u: Minor): string => formatMoney(u, MONEY_SCALE);


/** The last complete day of the bill, as step 1 defines it (null without a bill). */
export async function lastCompleteDay(store: AnalysisStore, now: Date = new Date()): Promise<string | null> {
  const r = await readRow(store, { d: col.day.nullable() }, `SELECT strftime(max("ChargePeriodEnd") - INTERVAL 1 MICROSECOND, '%Y-%m-%d') AS d FROM ${COST_TABLE}`);
  if (!r?.d) return null;
  // max(end) − 1 µs is the day holding the newest charge; the day before it is the last complete one
  const last = addDays(r.d, -1);
  const yesterday = addDays(now.toISOString().slice(0, 10), -1);
  return last < yesterday ? last : yesterday;
}

/** Every done recommendation measured on the bill, per owner and in total. */
export async function measureRealizedSavings(store: AnalysisStore, cfg: OptimizationConfig = optimizationDefaults(), o: RealizedOptions = {}): Promise<RealizedSavingsReport> {
  const n = cfg.realizedWindowDays;
  const hoursPerMonth = cfg.hoursPerMonth;
  const empty: RealizedSavingsReport = { windowDays: n, hoursPerMonth, lastCompleteDay: null, items: [], byOwner: [], totals: [], headline: null };
  if (!(await tableExists(store, RECOMMENDATIONS_TABLE))) return empty;
  const last = await lastCompleteDay(store, o.now);
  const rows = await readRows(
    store,
    {
      id: col.int,
      type: col.text,
      resource_id: col.text,
      owner: col.text.nullable(),
      action: col.text,
      currency: col.text,
      done_at: col.timestamp,
      d: col.day,
      b_start: col.day,
      b_end: col.day,
      a_start: col.day,
      a_end: col.day,
      b_days: col.int,
      a_days: col.int,
      b_cost: col.money,
      a_cost: col.money,
      expected: col.money,
    },
    sql(
      `WITH bounds AS (
         SELECT CAST(min("ChargePeriodStart") AS DATE) AS first_day, CAST(? AS DATE) AS last_day FROM ${COST_TABLE}
       ), done AS (
         SELECT id, type, resource_id, owner, action, currency, monthly_saving, status_changed_at, CAST(status_changed_at AS DATE) AS d
         FROM ${RECOMMENDATIONS_TABLE}
         WHERE status = 'done' AND resource_id IS NOT NULL AND status_changed_at IS NOT NULL
       ), w AS (
         SELECT done.*, b.first_day, b.last_day,
                greatest(d - CAST(? AS INTEGER), coalesce(b.first_day, d)) AS b_start, d - 1 AS b_end,
                d + 1 AS a_start, d + CAST(? AS INTEGER) AS a_end
         FROM done, bounds b
       ), sums AS (
         SELECT w.id,
                coalesce(sum(c."EffectiveCost") FILTER (WHERE c."ChargePeriodStart" < CAST(w.d AS TIMESTAMP)), 0) AS b_cost,
                coalesce(sum(c."EffectiveCost") FILTER (WHERE c."ChargePeriodStart" >= CAST(w.a_start AS TIMESTAMP)), 0) AS a_cost
         FROM w LEFT JOIN ${COST_TABLE} c
           ON c."ResourceId" = w.resource_id AND c."BillingCurrency" = w.currency
          AND ((c."ChargePeriodStart" >= CAST(w.b_start AS TIMESTAMP) AND c."ChargePeriodStart" < CAST(w.d AS TIMESTAMP))
            OR (c."ChargePeriodStart" >= CAST(w.a_start AS TIMESTAMP) AND c."ChargePeriodStart" < CAST(least(w.a_end, w.last_day) + 1 AS TIMESTAMP)))
         GROUP BY w.id
       )
       SELECT w.id, w.type, w.resource_id, w.owner, w.action, w.currency, strftime(w.status_changed_at, '%Y-%m-%dT%H:%M:%SZ') AS done_at,
              strftime(w.d, '%Y-%m-%d') AS d, strftime(w.b_start, '%Y-%m-%d') AS b_start, strftime(w.b_end, '%Y-%m-%d') AS b_end,
              strftime(w.a_start, '%Y-%m-%d') AS a_start, strftime(w.a_end, '%Y-%m-%d') AS a_end,
              greatest(least(w.b_end, w.last_day) - w.b_start + 1, 0)::INTEGER AS b_days,
              greatest(least(w.a_end, w.last_day) - w.a_start + 1, 0)::INTEGER AS a_days,
              s.b_cost::DECIMAL(38,10)::VARCHAR AS b_cost, s.a_cost::DECIMAL(38,10)::VARCHAR AS a_cost, w.monthly_saving::VARCHAR AS expected
       FROM w JOIN sums s USING (id)
       WHERE w.status_changed_at >= CAST(? AS TIMESTAMP) AND w.status_changed_at < CAST(? AS TIMESTAMP)
       ORDER BY w.id`,
      last ?? "1970-01-01",
      n,
      n,
      o.doneFrom ?? "0001-01-01",
      o.doneTo ?? "9999-12-31",
    ),
  );
  const items = rows.map((r): MeasuredSaving => {
    const bCost = parseMoney(r.b_cost);
    const aCost = parseMoney(r.a_cost);
    const status: MeasureStatus = last === null || r.a_end > last ? "measuring" : r.b_days === 0 ? "no-baseline" : "measured";
    const perDay = (cost: bigint, days: number): string | null => (days > 0 ? fmt(divRound(cost, BigInt(days))) : null);
    let daily: string | null = null;
    let monthly: string | null = null;
    if (status === "measured") {
      const bd = BigInt(r.b_days);
      const ad = BigInt(r.a_days);
      const num = bCost * ad - aCost * bd;
      daily = fmt(divRound(num, bd * ad));
      monthly = fmt(divRound(num * BigInt(hoursPerMonth), bd * ad * 24n));
    }
    return {
      id: r.id,
      type: r.type,
      resourceId: r.resource_id,
      owner: r.owner ?? UNALLOCATED,
      action: r.action,
      currency: r.currency,
      doneAt: r.done_at,
      changeDay: r.d,
      status,
      measurableOn: addDays(r.a_end, 1),
      before: { start: r.b_start, end: r.b_end, days: r.b_days, cost: r.b_cost, perDay: perDay(bCost, r.b_days) },
      after: { start: r.a_start, end: r.a_end, days: r.a_days, cost: r.a_cost, perDay: perDay(aCost, r.a_days) },
      expectedMonthlySaving: r.expected,
      measuredDailySaving: daily,
      measuredMonthlySaving: monthly,
    };
  });
  const byOwner = group(items, (i) => `${i.owner}\u0000${i.currency}`);
  const totals = group(items, (i) => `*\u0000${i.currency}`).map((g) => ({ ...g, owner: "*" }));
  const headline = [...totals].sort((a, b) => {
    const d = parseMoney(b.expectedMonthly) - parseMoney(a.expectedMonthly);
    return d > 0n ? 1 : d < 0n ? -1 : a.currency < b.currency ? -1 : 1;
  })[0] ?? null;
  return { windowDays: n, hoursPerMonth, lastCompleteDay: last, items, byOwner, totals, headline };
}

function group(items: readonly MeasuredSaving[], key: (i: MeasuredSaving) => string): SavingsGroup[] {
  const m = new Map<string, { owner: string; currency: string; done: number; measured: number; measuring: number; noBaseline: number; exp: bigint; meas: bigint; expOfMeas: bigint }>();
  for (const i of items) {
    const k = key(i);
    const g = m.get(k) ?? { owner: i.owner, currency: i.currency, done: 0, measured: 0, measuring: 0, noBaseline: 0, exp: 0n, meas: 0n, expOfMeas: 0n };
    g.done += 1;
    g.exp += parseMoney(i.expectedMonthlySaving);
    if (i.status === "measured") {
      g.measured += 1;
      g.meas += parseMoney(i.measuredMonthlySaving!);
      g.expOfMeas += parseMoney(i.expectedMonthlySaving);
    } else if (i.status === "measuring") g.measuring += 1;
    else g.noBaseline += 1;
    m.set(k, g);
  }
  return [...m.values()]
    .sort((a, b) => (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : a.currency < b.currency ? -1 : 1))
    .map((g) => ({ owner: g.owner, currency: g.currency, done: g.done, measured: g.measured, measuring: g.measuring, noBaseline: g.noBaseline, expectedMonthly: fmt(g.exp), measuredMonthly: fmt(g.meas), expectedMonthlyOfMeasured: fmt(g.expOfMeas) }));
}
