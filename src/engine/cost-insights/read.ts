/**
 * The reads behind Backstage's Cost Insights backend (server/routes/cost-insights.ts) and the Prometheus cost
 * metrics: every cost number comes from the allocation read model (`runAllocationQuery`, the function behind
 * /api/v1/allocation/query and the showback), so a group's cost here is the allocation API's to the digit.
 *
 *   groups   = allocation owners (the `team` column, with the unallocated bucket)
 *   projects = values of a configured allocation dimension (default `sub_account_id`) within a group
 *   products = services (`service_name`)
 *   metrics  = business metrics (`business_metrics`, the unit costs' denominators)
 *   alerts   = open anomalies of owner monitors, open recommendations, budgets over a threshold, as data
 *
 * A team-bound caller's `team` is passed to every allocation read (the read model AND-s it in front of every
 * predicate), so no group, project or product argument can reach another team's rows.
 */
import { addMoney, compareMoney, formatMoney } from "../../core/money.js";
import type { CostwiseConfig } from "../../core/config/schema.js";
import { sql } from "../store/cost-store.js";
import type { AnalysisStore, CostStore } from "../store/cost-store.js";
import { col, readRows } from "../store/read-rows.js";
import { featureAvailability } from "../store/feature-availability.js";
import { tableHasRows } from "../store/table-rows.js";
import { allocationAvailable, runAllocationQuery, type AllocationFilter } from "../allocation/read-model.js";
import { budgetStatus, type BudgetStatus } from "../detect/budget-status.js";
import { anomalyTeam } from "../detect/feedback.js";
import { lastCompleteDayFromStore } from "../detect/load-series.js";
import { defaultMonitors, detectionConfig, listAnomalies } from "../detect/monitors.js";
import { METRICS_TABLE } from "../metrics/tables.js";
import { recommendationsView } from "../optimize/recommendations-read.js";

/** Breakdown lists (groupedCosts, product entities) keep the top N keys by spend and sum the rest as this key. */
export const OTHER_KEY = "other";

export interface Window {
  /** Inclusive first day. */
  start: string;
  /** Exclusive end day. */
  end: string;
}

export interface Scope {
  /** The caller's team binding (null: unscoped). */
  team: string | null;
  /** Equality filters on allocation dimensions (team, service_name, sub_account_id, owner:<key>, ...). */
  where: Record<string, string>;
}

const filtersOf = (where: Record<string, string>, currency?: string): AllocationFilter[] => [
  ...Object.entries(where).map(([on, value]) => ({ on, op: "eq" as const, value })),
  ...(currency !== undefined ? [{ on: "currency", op: "eq" as const, value: currency }] : []),
];

/** The last complete billing day (the detectors' and budgets' definition), YYYY-MM-DD or null on an empty store. */
export async function lastCompleteBillingDay(store: CostStore): Promise<string | null> {
  return lastCompleteDayFromStore(store);
}

/** Allocation owners by spend (all time), largest first; a team-bound caller sees only its team. */
export async function ownerGroups(store: CostStore, team: string | null): Promise<string[]> {
  if (!(await allocationAvailable(store))) return [];
  const rows = await runAllocationQuery(store, { groupBy: ["team"] }, team);
  return [...new Set(rows.map((r) => r["team"]).filter((t): t is string => t !== null && t !== undefined))];
}

/** Distinct values of `dimension` with cost in scope (all time), by spend. */
export async function dimensionValues(store: CostStore, scope: Scope, dimension: string): Promise<string[]> {
  if (!(await allocationAvailable(store))) return [];
  const rows = await runAllocationQuery(store, { groupBy: [dimension], filters: filtersOf(scope.where) }, scope.team);
  return [...new Set(rows.map((r) => r[dimension]).filter((v): v is string => v !== null && v !== undefined && v !== ""))];
}

/**
 * The currency the answer is in: the one asked for, else the one with the most spend in scope over the window
 * (null when the scope has no cost at all).
 */
export async function scopeCurrency(store: CostStore, scope: Scope, w: Window, asked?: string): Promise<string | null> {
  if (asked) return asked;
  if (!(await allocationAvailable(store))) return null;
  const rows = await runAllocationQuery(store, { filters: filtersOf(scope.where), start: w.start, end: w.end }, scope.team);
  return rows.find((r) => r["currency"])?.["currency"] ?? null;
}

/** Exact daily cost in scope and currency over the window: day → decimal string. */
export async function dailyCost(store: CostStore, scope: Scope, w: Window, currency: string): Promise<Map<string, string>> {
  if (!(await allocationAvailable(store))) return new Map();
  const rows = await runAllocationQuery(store, { granularity: "day", filters: filtersOf(scope.where, currency), start: w.start, end: w.end }, scope.team);
  return new Map(rows.map((r) => [r["period"]!, r["amount"] ?? "0"]));
}

/**
 * Daily cost split by `dimension`: the top `top` keys by spend over the window, the rest summed as OTHER_KEY (so
 * the parts add up to the whole). A NULL or empty key is "(none)".
 */
export async function dailyCostBy(store: CostStore, scope: Scope, w: Window, currency: string, dimension: string, top: number): Promise<Map<string, Map<string, string>>> {
  if (!(await allocationAvailable(store))) return new Map();
  const rows = await runAllocationQuery(store, { groupBy: [dimension], granularity: "day", filters: filtersOf(scope.where, currency), start: w.start, end: w.end }, scope.team);
  const byKey = new Map<string, Map<string, string>>();
  const totals = new Map<string, string>();
  for (const r of rows) {
    const k = r[dimension] || "(none)";
    const m = byKey.get(k) ?? new Map<string, string>();
    m.set(r["period"]!, addMoney(m.get(r["period"]!) ?? "0", r["amount"] ?? "0"));
    byKey.set(k, m);
    totals.set(k, addMoney(totals.get(k) ?? "0", r["amount"] ?? "0"));
  }
  const ranked = [...totals].sort((a, b) => compareMoney(b[1], a[1]) || a[0].localeCompare(b[0])).map(([k]) => k);
  if (ranked.length <= top) return new Map(ranked.map((k) => [k, byKey.get(k)!]));
  const out = new Map(ranked.slice(0, top).map((k) => [k, byKey.get(k)!]));
  const other = new Map<string, string>();
  for (const k of ranked.slice(top)) for (const [d, v] of byKey.get(k)!) other.set(d, addMoney(other.get(d) ?? "0", v));
  out.set(OTHER_KEY, other);
  return out;
}

/** Exact totals per window in scope and currency, split by `dimension` (top N + OTHER_KEY), and the scope's totals. */
export async function totalsBy(
  store: CostStore,
  scope: Scope,
  windows: Window[],
  currency: string,
  dimension: string,
  top: number,
): Promise<{ totals: string[]; parts: { key: string; totals: string[] }[] }> {
  const per = await Promise.all(
    windows.map(async (w) =>
      (await allocationAvailable(store)) ? runAllocationQuery(store, { groupBy: [dimension], filters: filtersOf(scope.where, currency), start: w.start, end: w.end }, scope.team) : [],
    ),
  );
  const zero = formatMoney(0n);
  const byKey = new Map<string, string[]>();
  const totals = windows.map(() => zero);
  per.forEach((rows, i) => {
    for (const r of rows) {
      const k = r[dimension] || "(none)";
      const t = byKey.get(k) ?? windows.map(() => zero);
      t[i] = addMoney(t[i]!, r["amount"] ?? "0");
      byKey.set(k, t);
      totals[i] = addMoney(totals[i]!, r["amount"] ?? "0");
    }
  });
  // ranked by the latest window, then the earlier ones
  const ranked = [...byKey].sort((a, b) => {
    for (let i = windows.length - 1; i >= 0; i--) {
      const c = compareMoney(b[1][i]!, a[1][i]!);
      if (c !== 0) return c;
    }
    return a[0].localeCompare(b[0]);
  });
  const parts = ranked.slice(0, top).map(([key, t]) => ({ key, totals: t }));
  if (ranked.length > top) {
    const rest = ranked.slice(top);
    parts.push({ key: OTHER_KEY, totals: windows.map((_, i) => addMoney(zero, ...rest.map(([, t]) => t[i]!))) });
  }
  return { totals, parts };
}

/** Services with cost in scope (all time), by spend. */
export async function services(store: CostStore, scope: Scope): Promise<string[]> {
  return dimensionValues(store, scope, "service_name");
}

/** Business metric names (for getDailyMetricData). */
export async function businessMetricNames(store: CostStore): Promise<string[]> {
  if (!(await tableHasRows(store, METRICS_TABLE))) return [];
  const rows = await readRows(store, { m: col.text }, `SELECT metric AS m FROM ${METRICS_TABLE} GROUP BY metric ORDER BY metric`);
  return rows.map((r) => r.m);
}

/** A business metric's daily values over the window (summed over its service / environment rows): day → decimal. */
export async function businessMetricDaily(store: CostStore, metric: string, w: Window): Promise<Map<string, string>> {
  if (!(await tableHasRows(store, METRICS_TABLE))) return new Map();
  const rows = await readRows(
    store,
    { d: col.text, v: col.money },
    sql(
      `SELECT strftime(ts, '%Y-%m-%d') AS d, sum(value)::DECIMAL(38,10)::VARCHAR AS v FROM ${METRICS_TABLE}
       WHERE metric = ? AND ts >= CAST(? AS TIMESTAMP) AND ts < CAST(? AS TIMESTAMP) GROUP BY 1 ORDER BY 1`,
      metric,
      w.start,
      w.end,
    ),
  );
  return new Map(rows.map((r) => [r.d, r.v]));
}

export type AlertKind = "anomaly" | "recommendation" | "budget";

export interface AlertData {
  kind: AlertKind;
  id: string;
  title: string;
  subtitle: string;
  /** A dashboard path that shows the item. */
  url: string;
  buttonText: string;
  currency: string;
  /** Exact decimal: the anomaly's impact, the recommendation's monthly saving, the budget's actual spend. */
  amount: string;
  details: Record<string, string | number | null>;
}

/**
 * The group's alerts as data: open anomalies of owner monitors on the group, its open recommendations (largest
 * saving first), and budgets scoped to the group that crossed a threshold this period (read, nothing recorded).
 */
export async function groupAlerts(store: AnalysisStore, config: CostwiseConfig, baseDir: string, group: string): Promise<AlertData[]> {
  const out: AlertData[] = [];
  const monitors = detectionConfig(config).monitors ?? defaultMonitors(true);
  const has = async (feature: string) => (await featureAvailability(store, config, feature)).available;
  const anomalies = !(await has("anomalies")) ? [] : (await listAnomalies(store, { limit: 1000 })).filter((a) => a.is_open && anomalyTeam(a, monitors) === group && a.feedback.expected === null);
  for (const a of anomalies) {
    out.push({
      kind: "anomaly",
      id: a.id,
      title: `Cost ${a.direction === "down" ? "drop" : "spike"} for ${group} since ${a.start_day}`,
      subtitle: `${a.severity} anomaly (monitor ${a.monitor}): ${a.actual} ${a.currency} against ${a.expected} expected`,
      url: `/anomalies?anomaly=${encodeURIComponent(a.id)}`,
      buttonText: "View anomaly",
      currency: a.currency,
      amount: a.impact,
      details: { monitor: a.monitor, severity: a.severity, direction: a.direction, startDay: a.start_day, endDay: a.end_day, actual: a.actual, expected: a.expected },
    });
  }
  const recs = (await has("recommendations")) ? await recommendationsView(store, { owner: group, status: ["open"] }, false) : { items: [] };
  for (const r of [...recs.items].sort((x, y) => compareMoney(y.monthlySaving, x.monthlySaving))) {
    out.push({
      kind: "recommendation",
      id: String(r.id),
      title: r.action,
      subtitle: `${r.type}${r.resourceId ? ` on ${r.resourceId}` : ""}: saves ${r.monthlySaving} ${r.currency} a month (${r.confidence} confidence)`,
      url: `/recommendations?id=${r.id}`,
      buttonText: "View recommendation",
      currency: r.currency,
      amount: r.monthlySaving,
      details: { type: r.type, resourceId: r.resourceId, accountId: r.accountId, region: r.region, confidence: r.confidence },
    });
  }
  const scoped = (detectionConfig(config).budgets ?? []).filter((b) => b.scope.owner === group).map((b) => b.name);
  if (scoped.length > 0 && (await has("budgets"))) {
    const statuses: BudgetStatus[] = await budgetStatus(store, config, { persist: false, baseDir, only: scoped });
    for (const b of statuses.filter((x) => x.crossed.length > 0)) {
      out.push({
        kind: "budget",
        id: `${b.budget}:${b.periodStart}`,
        title: `Budget ${b.budget}: ${b.crossed.join(", ")} crossed`,
        subtitle: `${b.actual} of ${b.amount} ${b.currency} spent (${b.periodStart} to ${b.periodEnd})${b.forecast ? `, forecast ${b.forecast.point}` : ""}`,
        url: `/teams?team=${encodeURIComponent(group)}`,
        buttonText: "View budget",
        currency: b.currency,
        amount: b.actual,
        details: { budget: b.budget, period: b.period, periodStart: b.periodStart, periodEnd: b.periodEnd, budgetAmount: b.amount, burn: b.burn, forecastBurn: b.forecastBurn },
      });
    }
  }
  return out;
}
