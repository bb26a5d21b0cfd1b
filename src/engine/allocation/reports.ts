/**
 * Reading the allocation: showback / chargeback (`allocationSummary`, over `cost_allocation`) and unit costs
 * (`unitCosts`, cost_allocation against business_metrics). Money leaves as exact decimal strings. Tag coverage
 * (tagged spend %) is a KPI: src/engine/kpi/tagged-spend.ts.
 *
 * Showback in a reporting currency (`currency` + fx, docs/fx.md), order of operations: load the rates and check
 * every (currency, charge day) pair in scope has one (engine/fx/convert.ts, an error naming the first missing
 * pair) → sum each money column per (period, group, currency, rate day) exactly → convert each partial once with
 * the one conversion formula (core/fx/convert-sql.ts) → sum per (period, group). Totals are converted per
 * (currency, rate day) over the whole scope, as the typed query converts an ungrouped total, so they equal
 * `costwise query --currency` over the same charges to the digit.
 */
import type { AllocationModel } from "../../core/allocation/model.js";
import { UNALLOCATED } from "../../core/allocation/model.js";
import { CostwiseError } from "../../core/errors.js";
import { formatMoney, parseMoney } from "../../core/money.js";
import { quoteString } from "../../core/sql.js";
import { fxConvertSql, fxDayOf, fxJoinSql } from "../../core/fx/convert-sql.js";
import { assertTableConvertible, fxSqlOptions, prepareConversion, type FxContext, type FxUsed } from "../fx/convert.js";
import { sql, type AnalysisStore } from "../store/cost-store.js";
import { col, readRows } from "../store/read-rows.js";
import { METRICS_TABLE } from "../metrics/tables.js";
import { ALLOCATION_TABLE, ownerFields } from "./tables.js";

/** Columns of cost_allocation one can group by, besides owner dimensions (owners['<dim>']). */
export const SUMMARY_COLUMNS = ["team", "rule_id", "shared_pool", "provider", "sub_account_id", "service_name", "region_id", "resource_id", "x_source", "k8s_cluster", "k8s_namespace", "currency"] as const;
export const SUMMARY_GRANULARITIES = ["none", "day", "month"] as const;
export type SummaryGranularity = (typeof SUMMARY_GRANULARITIES)[number];

export interface SummaryOptions {
  /** A cost_allocation column (team, service_name, ...) or an owner dimension (product, environment, ...). */
  by: string;
  /** Inclusive ISO date on charge_date. */
  from?: string;
  /** Exclusive ISO date on charge_date. */
  to?: string;
  /** Only this primary owner (team-scoped readers). */
  team?: string;
  granularity?: SummaryGranularity;
  /** Convert every amount to this currency with the workspace's rates (`fx` required). */
  currency?: string;
  fx?: FxContext | undefined;
}

export interface SummaryRow {
  period: string | null;
  currency: string;
  key: string;
  billedCost: string;
  effectiveCost: string;
  /** Part of billedCost that comes from shared pools. */
  sharedCost: string;
  lineItems: number;
}

export interface SummaryResult {
  by: string;
  rows: SummaryRow[];
  totals: { currency: string; billedCost: string; effectiveCost: string; unallocated: string }[];
  /** With `currency`: the rates used. */
  fx?: FxUsed;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** An owner dimension of cost_allocation as SQL: the owners field, or NULL when the table has no such dimension. */
function ownerSql(fields: string[], dim: string): string {
  return fields.includes(dim) ? `owners[${quoteString(dim)}]` : "NULL::VARCHAR";
}

const SUMMARY_SHAPE = { period: col.text.nullable(), currency: col.text, k: col.text, b: col.money, e: col.money, s: col.money, n: col.int };

/** Sums cost_allocation per `by` (and period), largest first; `__unallocated__` is a row like any other. */
export async function allocationSummary(store: AnalysisStore, opts: SummaryOptions): Promise<SummaryResult> {
  const groupCol = (SUMMARY_COLUMNS as readonly string[]).includes(opts.by)
    ? opts.by
    : /^[a-z][a-z0-9_]{0,63}$/.test(opts.by)
      ? ownerSql(await ownerFields(store), opts.by)
      : null;
  if (!groupCol) throw new CostwiseError("USAGE", `cannot group by "${opts.by}": use an owner dimension or one of ${SUMMARY_COLUMNS.join(", ")}`);
  const where: string[] = [];
  const params: string[] = [];
  for (const [name, v] of [["from", opts.from], ["to", opts.to]] as const) {
    if (v === undefined) continue;
    if (!ISO_DATE.test(v)) throw new CostwiseError("USAGE", `--${name} must be an ISO date (YYYY-MM-DD), got "${v}"`);
    params.push(v);
    where.push(`charge_date ${name === "from" ? ">=" : "<"} CAST(? AS DATE)`);
  }
  if (opts.team !== undefined) {
    params.push(opts.team);
    where.push(`team = ?`);
  }
  const g = opts.granularity ?? "none";
  const period = g === "day" ? "strftime(charge_date, '%Y-%m-%d')" : g === "month" ? "strftime(billing_period_start, '%Y-%m')" : "NULL::VARCHAR";
  const w = where.length ? `WHERE ${where.join(" AND ")}` : "";
  if (opts.currency !== undefined) return convertedSummary(store, opts, opts.currency, groupCol, period, where, params);
  const rows = await readRows(store, SUMMARY_SHAPE, {
    sql: `SELECT ${period} AS period, currency, coalesce(${groupCol}, '(none)') AS k, sum(billed_cost)::VARCHAR AS b, sum(effective_cost)::VARCHAR AS e,
            coalesce(sum(billed_cost) FILTER (WHERE shared_pool IS NOT NULL), 0)::DECIMAL(38,10)::VARCHAR AS s, sum(line_items)::BIGINT AS n
          FROM ${ALLOCATION_TABLE} ${w} GROUP BY ALL ORDER BY period NULLS FIRST, currency, sum(billed_cost) DESC, k`,
    params,
  });
  const totals = await readRows(store, { currency: col.text, billedCost: col.money, effectiveCost: col.money, unallocated: col.money }, {
    sql: `SELECT currency, sum(billed_cost)::VARCHAR AS "billedCost", sum(effective_cost)::VARCHAR AS "effectiveCost",
            coalesce(sum(billed_cost) FILTER (WHERE team = ${quoteString(UNALLOCATED)}), 0)::DECIMAL(38,10)::VARCHAR AS unallocated
          FROM ${ALLOCATION_TABLE} ${w} GROUP BY ALL ORDER BY currency`,
    params,
  });
  return {
    by: opts.by,
    rows: rows.map((r) => ({ period: r.period, currency: r.currency, key: r.k, billedCost: r.b, effectiveCost: r.e, sharedCost: r.s, lineItems: r.n })),
    totals,
  };
}

/** allocationSummary converted to `target` (order of operations in the header). */
async function convertedSummary(store: AnalysisStore, opts: SummaryOptions, target: string, groupCol: string, period: string, where: string[], params: string[]): Promise<SummaryResult> {
  const p = await prepareConversion(store, opts.fx, target);
  const cond = { sql: where.length ? where.join(" AND ") : "true", params };
  await assertTableConvertible(store, p, target, { table: ALLOCATION_TABLE, currency: "currency", time: "charge_date", where: cond });
  const o = fxSqlOptions(p, target, { currencyExpr: "currency", timeExpr: "charge_date" });
  const join = fxJoinSql(o);
  const conv = (m: string) => fxConvertSql(target, m, "fx_c", "fx_fu", "fx_tu");
  const sums = (money: { b: string; e: string; s: string }) => [conv(money.b), conv(money.e), conv(money.s)];
  // inner: exact partial sums per (period, group, currency, rate day), each converted once in the outer query
  const partial = (keys: string) => `SELECT ${keys} currency AS fx_c, ${fxDayOf(o)} AS fx_d, ${FX_ALIAS_COLS},
            sum(billed_cost) AS pb, sum(effective_cost) AS pe, coalesce(sum(billed_cost) FILTER (WHERE shared_pool IS NOT NULL), 0) AS ps,
            coalesce(sum(billed_cost) FILTER (WHERE team = ?), 0) AS pu, sum(line_items) AS pn
          FROM ${ALLOCATION_TABLE}${join.sql} WHERE ${cond.sql} GROUP BY ALL`;
  const [cb, ce, cs] = sums({ b: "pb", e: "pe", s: "ps" });
  const rows = await readRows(store, SUMMARY_SHAPE, {
    sql: `SELECT period, ? AS currency, k, CAST(sum(${cb!.sql}) AS DECIMAL(38,10))::VARCHAR AS b, CAST(sum(${ce!.sql}) AS DECIMAL(38,10))::VARCHAR AS e,
            CAST(sum(${cs!.sql}) AS DECIMAL(38,10))::VARCHAR AS s, sum(pn)::BIGINT AS n
          FROM (${partial(`${period} AS period, coalesce(${groupCol}, '(none)') AS k,`)}) GROUP BY period, k ORDER BY period NULLS FIRST, sum(${cb!.sql}) DESC, k`,
    params: [target, ...cb!.params, ...ce!.params, ...cs!.params, UNALLOCATED, ...join.params, ...cond.params, ...cb!.params],
  });
  const [tb, te, tu] = sums({ b: "pb", e: "pe", s: "pu" });
  const totals = await readRows(store, { currency: col.text, billedCost: col.money, effectiveCost: col.money, unallocated: col.money }, {
    sql: `SELECT ? AS currency, CAST(sum(${tb!.sql}) AS DECIMAL(38,10))::VARCHAR AS "billedCost", CAST(sum(${te!.sql}) AS DECIMAL(38,10))::VARCHAR AS "effectiveCost",
            CAST(coalesce(sum(${tu!.sql}), 0) AS DECIMAL(38,10))::VARCHAR AS unallocated
          FROM (${partial("")}) HAVING count(*) > 0`,
    params: [target, ...tb!.params, ...te!.params, ...tu!.params, UNALLOCATED, ...join.params, ...cond.params],
  });
  return {
    by: opts.by,
    rows: rows.map((r) => ({ period: r.period, currency: r.currency, key: r.k, billedCost: r.b, effectiveCost: r.e, sharedCost: r.s, lineItems: r.n })),
    totals,
    fx: p.used,
  };
}
const FX_ALIAS_COLS = "fx_r.fx_fu AS fx_fu, fx_r.fx_tu AS fx_tu";

// ─── unit costs ───────────────────────────────────────────────────────────────────────────────────

export interface UnitCostRow {
  name: string;
  metric: string;
  period: string;
  service: string | null;
  environment: string | null;
  currency: string;
  cost: string;
  units: string;
  /** cost / units, 6 decimals (half up); null when units is 0 or there is no metric value. */
  unitCost: string | null;
}

export interface UnitCostResult {
  rows: UnitCostRow[];
  /** How each numerator was made: filters and the rules that produced the money. */
  explain: { name: string; metric: string; costMetric: string; filter: Record<string, string[]>; serviceDimension: string; environmentDimension: string; rules: { ruleId: string; currency: string; cost: string }[] }[];
}

/** cost / units to 6 decimals, half away from zero. */
export function divideMoney(cost: string, units: string, decimals = 6): string | null {
  const u = parseMoney(units);
  if (u === 0n) return null;
  const c = parseMoney(cost);
  const scale = 10n ** 10n;
  let q = (c * scale * 2n) / u;
  q = q >= 0n ? (q + 1n) / 2n : (q - 1n) / 2n;
  return formatMoney(q, decimals);
}

const UNIT_COST_SHAPE = { period: col.text, service: col.text.nullable(), environment: col.text.nullable(), currency: col.text.nullable(), cost: col.money, units: col.money };

/**
 * Per configured unit cost: the allocated cost (cost_allocation, filtered by owner dimensions) per period,
 * service and environment (owner dimensions named by the config), over the metric's value in
 * business_metrics for the same period, service and environment. A metric row without service/environment
 * is compared with all the cost of the period.
 */
export async function unitCosts(store: AnalysisStore, model: AllocationModel, opts: { granularity?: "day" | "month"; name?: string; from?: string; to?: string } = {}): Promise<UnitCostResult> {
  const g = opts.granularity ?? "month";
  const defs = model.config.unitCosts.filter((u) => opts.name === undefined || u.name === opts.name);
  if (opts.name !== undefined && defs.length === 0) {
    throw new CostwiseError("USAGE", `no unit cost named "${opts.name}" in allocation.unitCosts (have: ${model.config.unitCosts.map((u) => u.name).join(", ") || "none"})`);
  }
  const rows: UnitCostRow[] = [];
  const explain: UnitCostResult["explain"] = [];
  for (const [name, v] of [["from", opts.from], ["to", opts.to]] as const) {
    if (v !== undefined && !ISO_DATE.test(v)) throw new CostwiseError("USAGE", `--${name} must be an ISO date (YYYY-MM-DD), got "${v}"`);
  }
  const fields = await ownerFields(store);
  for (const u of defs) {
    const filter = Object.fromEntries(Object.entries(u.filter).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
    // values are bound (`?`, in the order they appear in the text); only owner dimension names are SQL text
    const conds: string[] = [];
    const whereParams: string[] = [];
    for (const [k, vs] of Object.entries(filter)) {
      conds.push(vs.length === 0 ? "false" : `${ownerSql(fields, k)} IN (${vs.map(() => "?").join(", ")})`);
      whereParams.push(...vs);
    }
    if (opts.from) (conds.push("charge_date >= CAST(? AS DATE)"), whereParams.push(opts.from));
    if (opts.to) (conds.push("charge_date < CAST(? AS DATE)"), whereParams.push(opts.to));
    const where = conds.length ? `WHERE ${conds.join(" AND ")}` : "";
    const money = u.costMetric === "BilledCost" ? "billed_cost" : "effective_cost";
    const costPeriod = g === "day" ? "strftime(charge_date, '%Y-%m-%d')" : "strftime(charge_date, '%Y-%m')";
    const metricPeriod = g === "day" ? "strftime(ts, '%Y-%m-%d')" : "strftime(ts, '%Y-%m')";
    const mConds = ["metric = ?"];
    const mParams: string[] = [u.metric];
    if (opts.from) (mConds.push("ts >= CAST(? AS TIMESTAMP)"), mParams.push(opts.from));
    if (opts.to) (mConds.push("ts < CAST(? AS TIMESTAMP)"), mParams.push(opts.to));
    const res = await readRows(store, UNIT_COST_SHAPE, sql(`
      WITH m AS (SELECT ${metricPeriod} AS period, service, environment, sum(value) AS units FROM ${METRICS_TABLE} WHERE ${mConds.join(" AND ")} GROUP BY ALL),
           c AS (SELECT ${costPeriod} AS period, ${ownerSql(fields, u.serviceDimension)} AS service, ${ownerSql(fields, u.environmentDimension)} AS environment, currency, sum(${money}) AS cost
                 FROM ${ALLOCATION_TABLE} ${where} GROUP BY ALL)
      SELECT m.period, m.service, m.environment, c.currency, coalesce(sum(c.cost), 0)::DECIMAL(38,10)::VARCHAR AS cost, any_value(m.units)::VARCHAR AS units
      FROM m LEFT JOIN c ON c.period = m.period AND (m.service IS NULL OR c.service = m.service) AND (m.environment IS NULL OR c.environment = m.environment)
      GROUP BY m.period, m.service, m.environment, c.currency
      ORDER BY 1, 2 NULLS FIRST, 3 NULLS FIRST, 4`, ...mParams, ...whereParams));
    for (const r of res) {
      rows.push({
        name: u.name,
        metric: u.metric,
        period: r.period,
        service: r.service,
        environment: r.environment,
        currency: r.currency ?? "",
        cost: r.cost,
        units: r.units,
        unitCost: r.currency === null ? null : divideMoney(r.cost, r.units),
      });
    }
    const rules = await readRows(store, { ruleId: col.text, currency: col.text, cost: col.money }, sql(`SELECT rule_id AS "ruleId", currency, sum(${money})::VARCHAR AS cost FROM ${ALLOCATION_TABLE} ${where} GROUP BY ALL ORDER BY sum(${money}) DESC, rule_id`, ...whereParams));
    explain.push({
      name: u.name,
      metric: u.metric,
      costMetric: u.costMetric,
      filter,
      serviceDimension: u.serviceDimension,
      environmentDimension: u.environmentDimension,
      rules,
    });
  }
  return { rows, explain };
}
