/**
 * Forecasts per scope over the store: daily spend with 80%/95% intervals, month-end and quarter-end totals
 * (actual to date + forecast of the remaining days), and up to 12 months monthly. Snapshots are stored so
 * forecast variance (forecast vs actual at month close, per scope) is a KPI.
 *
 * Money: actuals are exact decimal strings from SQL; forecasts are estimates, formatted as decimal strings
 * (4 decimals) and added to exact actuals with BigInt.
 */
import type { BudgetScope, DetectionConfig } from "../../core/config/sections/detection.js";
import { CostwiseError } from "../../core/errors.js";
import { forecastDaily, intervalToDecimals, type Interval } from "../../core/detect/forecast.js";
import { addDays, dayNumber, numberToDecimal, periodOf, type PeriodKind } from "../../core/detect/series.js";
import { addMoney, formatMoney, parseMoney } from "../../core/money.js";
import type { CostStore } from "../store/cost-store.js";
import { col, readRows } from "../store/read-rows.js";
import { allocationScope, focusScope, hasAllocation, parseFilters, type CostMetricName, type ScopeSql } from "./scope.js";
import { extractSeries, lastCompleteDayFromStore } from "./load-series.js";
import { FORECAST_SNAPSHOTS_TABLE } from "./tables.js";

export interface ForecastScopeDef {
  name: string;
  scope?: Partial<BudgetScope>;
}

export interface DecimalInterval {
  point: string;
  lower80: string;
  upper80: string;
  lower95: string;
  upper95: string;
}

export interface PeriodForecast extends DecimalInterval {
  kind: PeriodKind;
  start: string;
  /** Exclusive end. */
  end: string;
  /** Exact spend in the period through asOf. */
  actualToDate: string;
  daysLeft: number;
}

export interface ScopeForecast {
  scope: string;
  currency: string;
  asOf: string;
  historyDays: number;
  /** Next days (through the end of the next month) with intervals. */
  daily: ({ day: string } & DecimalInterval)[];
  monthEnd: PeriodForecast;
  quarterEnd: PeriodForecast;
  yearEnd: PeriodForecast;
  /** The current month (with actual to date) and the following months. */
  monthly: PeriodForecast[];
  model: { levelPerDay: string; trendPerDay: string; weekdayProfile: number[] };
}

export interface ForecastOptions {
  asOf?: string;
  metric?: CostMetricName;
  /** Months forecast monthly (1–12, default 12). */
  months?: number;
  /** Store snapshots (default false; `costwise forecast --save` and scheduled runs save). */
  persist?: boolean;
  lastCompleteDay?: (store: CostStore) => Promise<string | null>;
  now?: Date;
}

/** The SQL scope of a budget/forecast scope definition. */
export async function resolveScope(store: CostStore, metric: CostMetricName, def: ForecastScopeDef, where = def.name): Promise<ScopeSql> {
  const s = def.scope ?? {};
  const filters = [...(s.filters ?? [])];
  if (s.tag !== undefined) {
    const i = s.tag.indexOf("=");
    filters.push(`tag:${s.tag.slice(0, i)}=${s.tag.slice(i + 1)}`);
  }
  if (s.owner !== undefined) {
    if (await hasAllocation(store)) {
      if (filters.length > 0) throw new CostwiseError("BAD_CONFIG", `${where}: an owner scope reads the allocation table and cannot take filters or a tag as well`);
      return allocationScope(metric, s.owner);
    }
    filters.push(`tag:team=${s.owner}`);
  }
  return focusScope(metric, parseFilters(filters, where));
}

export async function forecastScope(store: CostStore, def: ForecastScopeDef, opts: ForecastOptions = {}): Promise<ScopeForecast[]> {
  const metric = opts.metric ?? "EffectiveCost";
  const fresh = await (opts.lastCompleteDay ?? lastCompleteDayFromStore)(store);
  if (fresh === null) return [];
  const asOf = opts.asOf !== undefined && opts.asOf < fresh ? opts.asOf : fresh;
  const scope = await resolveScope(store, metric, def);
  const months = Math.max(1, Math.min(12, opts.months ?? 12));
  const series = await extractSeries(store, scope, undefined, { granularity: "day", from: addDays(asOf, -400), to: addDays(asOf, 1) });
  const out: ScopeForecast[] = [];
  for (const s of series) {
    const first = s.points[0]!.at;
    const n = dayNumber(asOf) - dayNumber(first) + 1;
    const values = new Float64Array(n).fill(NaN);
    const exact = new Map<string, string>();
    for (const p of s.points) {
      values[dayNumber(p.at) - dayNumber(first)] = Number(p.amount);
      exact.set(p.at, p.amount);
    }
    const lastMonth = periodOf(asOf, "month").start;
    const horizonEnd = addDays(periodOf(addDays(lastMonth, 31 * (months - 1) + 1), "month").end, -1);
    const yearEnd = addDays(periodOf(asOf, "year").end, -1);
    const end = horizonEnd > yearEnd ? horizonEnd : yearEnd;
    const horizon = dayNumber(end) - dayNumber(asOf);
    const fc = forecastDaily(values, first, horizon);
    if (!fc) continue;
    const actualBetween = (from: string, toIncl: string): string => {
      let sum = 0n;
      for (const [day, amt] of exact) if (day >= from && day <= toIncl) sum += parseMoney(amt);
      return formatMoney(sum);
    };
    const period = (kind: PeriodKind, startDay: string): PeriodForecast => {
      const p = periodOf(startDay, kind);
      const last = addDays(p.end, -1);
      const from = p.start > asOf ? p.start : addDays(asOf, 1);
      const actualToDate = p.start <= asOf ? actualBetween(p.start, asOf) : "0";
      const iv: Interval = from <= last ? fc.sum(from, last) : { point: 0, lower80: 0, upper80: 0, lower95: 0, upper95: 0 };
      const d = intervalToDecimals(iv);
      return {
        kind,
        start: p.start,
        end: p.end,
        actualToDate: formatMoney(parseMoney(actualToDate)),
        daysLeft: Math.max(0, dayNumber(p.end) - dayNumber(from)),
        point: addMoney(actualToDate, d.point),
        lower80: addMoney(actualToDate, d.lower80),
        upper80: addMoney(actualToDate, d.upper80),
        lower95: addMoney(actualToDate, d.lower95),
        upper95: addMoney(actualToDate, d.upper95),
      };
    };
    const monthly: PeriodForecast[] = [];
    let m = lastMonth;
    for (let i = 0; i < months; i++) {
      monthly.push(period("month", m));
      m = periodOf(m, "month").end;
    }
    const nextMonthEnd = addDays(periodOf(periodOf(asOf, "month").end, "month").end, -1);
    out.push({
      scope: def.name,
      currency: s.currency,
      asOf,
      historyDays: fc.used,
      daily: fc.days.filter((x) => x.day <= nextMonthEnd).map((x) => ({ day: x.day, ...intervalToDecimals(x) })),
      monthEnd: period("month", asOf),
      quarterEnd: period("quarter", asOf),
      yearEnd: period("year", asOf),
      monthly,
      model: { levelPerDay: numberToDecimal(fc.level), trendPerDay: numberToDecimal(fc.slopePerDay), weekdayProfile: fc.profile.map((x) => Math.round(x * 1000) / 1000) },
    });
  }
  if (opts.persist) await saveSnapshots(store, out, opts.now ?? new Date());
  return out;
}

async function saveSnapshots(store: CostStore, forecasts: ScopeForecast[], now: Date): Promise<void> {
  const ts = now.toISOString().slice(0, 19).replace("T", " ");
  await store.transaction(async () => {
    for (const f of forecasts) {
      for (const p of [f.quarterEnd, f.yearEnd, ...f.monthly]) {
        const key = [f.scope, f.asOf, p.kind, p.start, f.currency];
        await store.run({ sql: `DELETE FROM ${FORECAST_SNAPSHOTS_TABLE} WHERE scope = ? AND made_on = CAST(? AS DATE) AND period_kind = ? AND period_start = CAST(? AS DATE) AND currency = ?`, params: key });
        await store.run({
          sql: `INSERT INTO ${FORECAST_SNAPSHOTS_TABLE} VALUES (?, CAST(? AS DATE), ?, CAST(? AS DATE), ?, CAST(? AS DECIMAL(38,10)), CAST(? AS DECIMAL(38,10)), CAST(? AS DECIMAL(38,10)), CAST(? AS DECIMAL(38,10)), CAST(? AS DECIMAL(38,10)), CAST(? AS TIMESTAMP))`,
          params: [...key, p.point, p.lower80, p.upper80, p.lower95, p.upper95, ts],
        });
      }
      // the daily points too (period_kind 'day'): the dashboard's forecast band after the last actual day
      await store.run({ sql: `DELETE FROM ${FORECAST_SNAPSHOTS_TABLE} WHERE scope = ? AND made_on = CAST(? AS DATE) AND period_kind = 'day' AND currency = ?`, params: [f.scope, f.asOf, f.currency] });
      if (f.daily.length > 0) {
        await store.run({
          sql: `INSERT INTO ${FORECAST_SNAPSHOTS_TABLE} VALUES ${f.daily.map(() => `(?, CAST(? AS DATE), 'day', CAST(? AS DATE), ?, CAST(? AS DECIMAL(38,10)), CAST(? AS DECIMAL(38,10)), CAST(? AS DECIMAL(38,10)), CAST(? AS DECIMAL(38,10)), CAST(? AS DECIMAL(38,10)), CAST(? AS TIMESTAMP))`).join(", ")}`,
          params: f.daily.flatMap((d) => [f.scope, f.asOf, d.day, f.currency, d.point, d.lower80, d.upper80, d.lower95, d.upper95, ts]),
        });
      }
    }
  });
}

export interface VarianceRow {
  scope: string;
  currency: string;
  month: string;
  /** The snapshot compared: the earliest one made in or before the month. */
  madeOn: string;
  forecast: string;
  actual: string;
  /** |forecast − actual| / actual (the FinOps KPI: < 0.20, mature < 0.12); null when actual is 0. */
  variance: number | null;
}

/**
 * Forecast variance per scope and closed month (months that ended on or before the last complete day):
 * the earliest stored month forecast made during or before that month against the exact actual.
 */
export async function forecastVariance(store: CostStore, defs: readonly ForecastScopeDef[], opts: { metric?: CostMetricName; lastCompleteDay?: (s: CostStore) => Promise<string | null> } = {}): Promise<VarianceRow[]> {
  const fresh = await (opts.lastCompleteDay ?? lastCompleteDayFromStore)(store);
  if (fresh === null) return [];
  const out: VarianceRow[] = [];
  for (const def of defs) {
    const snaps = await readRows(store, { month: col.day, currency: col.text, made_on: col.day, point: col.money }, {
      sql: `SELECT strftime(period_start, '%Y-%m-%d') AS month, currency, strftime(min(made_on), '%Y-%m-%d') AS made_on,
              CAST(arg_min(point, made_on) AS VARCHAR) AS point
            FROM ${FORECAST_SNAPSHOTS_TABLE} WHERE scope = ? AND period_kind = 'month' AND made_on < period_start + INTERVAL 1 MONTH
            GROUP BY 1, 2 ORDER BY 1`,
      params: [def.name],
    });
    if (snaps.length === 0) continue;
    const scope = await resolveScope(store, opts.metric ?? "EffectiveCost", def);
    for (const s of snaps) {
      const month = s.month;
      const end = periodOf(month, "month").end;
      if (addDays(end, -1) > fresh) continue; // not closed yet
      const series = await extractSeries(store, scope, undefined, { granularity: "day", from: month, to: end });
      const cur = series.find((x) => x.currency === s.currency);
      const actual = cur ? addMoney(...cur.points.map((p) => p.amount), "0") : "0";
      const a = parseMoney(actual);
      const diff = parseMoney(s.point) - a;
      out.push({
        scope: def.name,
        currency: s.currency,
        month: month.slice(0, 7),
        madeOn: s.made_on,
        forecast: s.point,
        actual,
        variance: a === 0n ? null : Math.abs(Number((diff * 1_000_000n) / a) / 1_000_000),
      });
    }
  }
  return out;
}

/** The scopes forecast by default: the whole store, and every budget's scope. */
export function defaultForecastScopes(d: DetectionConfig): ForecastScopeDef[] {
  return [{ name: "total" }, ...d.budgets.map((b) => ({ name: `budget:${b.name}`, scope: b.scope }))];
}
