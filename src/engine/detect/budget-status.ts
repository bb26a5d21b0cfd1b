/**
 * Budgets over the store: burn (exact actual in the current period), period-end forecast, days left, and the
 * alert state per budget, period and threshold (fires once, never flaps, resets with the period), kept in
 * `detect_budget_alerts`.
 *
 * `budgetStatus(store, config, { asOf })` is what the CLI, notifications and the dashboard call.
 */
import type { BudgetConfig, DetectionConfig } from "../../core/config/sections/detection.js";
import type { CostwiseConfig } from "../../core/config/schema.js";
import { burnRatio, evaluateThresholds, periodProgress, type FiredAlert, type Threshold, type ThresholdState } from "../../core/detect/budget.js";
import { addDays } from "../../core/detect/series.js";
import { addMoney } from "../../core/money.js";
import { convertedSum, fxContextOf, prepareConversion, type FxUsed } from "../fx/convert.js";
import type { CostStore } from "../store/cost-store.js";
import { col, readRows } from "../store/read-rows.js";
import { forecastScope, resolveScope } from "./forecast-scope.js";
import { detectionConfig } from "./monitors.js";
import { extractSeries, lastCompleteDayFromStore } from "./load-series.js";
import { BUDGET_ALERTS_TABLE } from "./tables.js";

export interface BudgetStatus {
  budget: string;
  period: BudgetConfig["period"];
  periodStart: string;
  periodEnd: string;
  asOf: string;
  amount: string;
  currency: string;
  /** Exact spend in the period through asOf. */
  actual: string;
  /** actual / amount. */
  burn: number | null;
  /** Period-end forecast (point and 80% band), null when there is too little history. */
  forecast: { point: string; lower80: string; upper80: string } | null;
  forecastBurn: number | null;
  daysElapsed: number;
  daysLeft: number;
  thresholds: ThresholdState[];
  /** Thresholds crossed in this period (fired now or before). */
  crossed: string[];
  /** Alerts this evaluation fired for the first time. */
  newAlerts: string[];
  /** A budget in the reporting currency (fx.reportingCurrency): spend of every currency converted, and the rates used. */
  fx?: FxUsed;
}

export interface BudgetStatusOptions {
  asOf?: string;
  /** Record fired thresholds (default true): `budget check` records, `budget status --dry-run` does not. */
  persist?: boolean;
  lastCompleteDay?: (store: CostStore) => Promise<string | null>;
  now?: Date;
  /** Only these budgets (by name). */
  only?: string[];
  /** Folder a relative fx.rates path resolves against (default: the working directory). */
  baseDir?: string;
}

export function budgetThresholds(b: BudgetConfig): Threshold[] {
  return b.thresholds.map((t) => ("actual" in t ? { kind: "actual" as const, percent: t.actual } : { kind: "forecast" as const, percent: t.forecast }));
}

export async function budgetStatus(store: CostStore, config: CostwiseConfig | { detection?: DetectionConfig }, opts: BudgetStatusOptions = {}): Promise<BudgetStatus[]> {
  const d = detectionConfig(config);
  const fresh = await (opts.lastCompleteDay ?? lastCompleteDayFromStore)(store);
  if (fresh === null) return [];
  const asOf = opts.asOf !== undefined && opts.asOf < fresh ? opts.asOf : fresh;
  const out: BudgetStatus[] = [];
  for (const [i, b] of d.budgets.entries()) {
    if (opts.only && !opts.only.includes(b.name)) continue;
    const where = `detection.budgets[${i}] (${b.name})`;
    const def = { name: `budget:${b.name}`, scope: b.scope };
    const scope = await resolveScope(store, d.metric, def, where);
    const prog = periodProgress(asOf, b.period);
    // a budget in the reporting currency compares against the spend of every currency, converted (engine/fx)
    const fxCtx = "fx" in config && config.fx?.reportingCurrency === b.currency ? fxContextOf({ config, baseDir: opts.baseDir ?? process.cwd() }) : undefined;
    let actual: string;
    let forecast: BudgetStatus["forecast"] = null;
    let fxUsed: FxUsed | undefined;
    if (fxCtx) {
      const p = await prepareConversion(store, fxCtx, b.currency);
      fxUsed = p.used;
      const w = { sql: `${scope.time} >= CAST(? AS DATE) AND ${scope.time} < CAST(? AS DATE) AND ${scope.where.sql}`, params: [prog.start, addDays(asOf, 1), ...scope.where.params] };
      actual = await convertedSum(store, p, b.currency, { table: scope.table, metric: scope.metric, currency: scope.currency, time: scope.time, where: w });
      // forecasts are per billed currency; a converted budget has none yet (docs/fx.md)
    } else {
      const series = await extractSeries(store, scope, undefined, { granularity: "day", from: prog.start, to: addDays(asOf, 1) });
      const mine = series.find((s) => s.currency === b.currency);
      actual = mine ? addMoney("0", ...mine.points.map((p) => p.amount)) : addMoney("0");
      const fcs = await forecastScope(store, def, { asOf, metric: d.metric, months: 1, lastCompleteDay: async () => fresh });
      const fc = fcs.find((f) => f.currency === b.currency);
      const end = fc ? (b.period === "month" ? fc.monthEnd : b.period === "quarter" ? fc.quarterEnd : fc.yearEnd) : undefined;
      forecast = end ? { point: end.point, lower80: end.lower80, upper80: end.upper80 } : null;
    }
    const previous = await firedAlerts(store, b.name, prog.start);
    const thresholds = evaluateThresholds(b.amount, budgetThresholds(b), { actual, forecast: forecast?.point ?? null }, previous, asOf);
    const newAlerts = thresholds.filter((t) => t.firesNow).map((t) => t.threshold);
    if ((opts.persist ?? true) && newAlerts.length > 0) await recordFired(store, b, prog.start, thresholds, actual, forecast?.point ?? null, asOf, opts.now ?? new Date());
    out.push({
      budget: b.name,
      period: b.period,
      periodStart: prog.start,
      periodEnd: addDays(prog.end, -1),
      asOf,
      amount: b.amount,
      currency: b.currency,
      actual,
      burn: burnRatio(actual, b.amount),
      forecast,
      forecastBurn: forecast ? burnRatio(forecast.point, b.amount) : null,
      daysElapsed: prog.elapsed,
      daysLeft: prog.daysLeft,
      thresholds,
      crossed: thresholds.filter((t) => t.fired).map((t) => t.threshold),
      newAlerts,
      ...(fxUsed ? { fx: fxUsed } : {}),
    });
  }
  return out;
}

async function firedAlerts(store: CostStore, budget: string, periodStart: string): Promise<FiredAlert[]> {
  const rows = await readRows(store, { threshold: col.text, fired_on: col.day }, {
    sql: `SELECT threshold, strftime(fired_on, '%Y-%m-%d') AS fired_on FROM ${BUDGET_ALERTS_TABLE} WHERE budget = ? AND period_start = CAST(? AS DATE)`,
    params: [budget, periodStart],
  });
  return rows.map((r) => ({ threshold: r.threshold, firedOn: r.fired_on }));
}

async function recordFired(store: CostStore, b: BudgetConfig, periodStart: string, states: ThresholdState[], actual: string, forecast: string | null, asOf: string, now: Date): Promise<void> {
  const ts = now.toISOString().slice(0, 19).replace("T", " ");
  await store.transaction(async () => {
    for (const s of states) {
      if (!s.firesNow) continue;
      // INSERT OR IGNORE: a concurrent run that fired it first wins; it still fires only once
      await store.run({
        sql: `INSERT OR IGNORE INTO ${BUDGET_ALERTS_TABLE} VALUES (?, CAST(? AS DATE), ?, CAST(? AS DATE), CAST(? AS DECIMAL(38,10)), CAST(? AS DECIMAL(38,10)), CAST(? AS TIMESTAMP))`,
        params: [b.name, periodStart, s.threshold, asOf, s.kind === "actual" ? actual : (forecast ?? "0"), b.amount, ts],
      });
    }
  });
}
