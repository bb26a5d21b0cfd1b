/**
 * Conversion to a reporting currency at query time: the one entry point that the typed cost query
 * (engine/query/run-query.ts), budgets (engine/detect/budget-status.ts) and KPIs call. The SQL itself is
 * core/fx/convert-sql.ts; this module loads the rates (./load-rates.ts), checks that every (currency, day) pair of
 * the rows about to be summed has a rate, and says which rates were used.
 */
import type { CostwiseConfig } from "../../core/config/schema.js";
import type { FxConfig } from "../../core/config/sections/fx.js";
import { CostwiseError } from "../../core/errors.js";
import { fxAmountSql, fxConvertSql, fxJoinSql, fxUnmatchedColumnsSql, fxUnmatchedSql, fxDayOf, type FxSqlOptions } from "../../core/fx/convert-sql.js";
import type { CompiledSql } from "../../core/sql.js";
import { isAnalysisStore, type CostStore } from "../store/cost-store.js";
import { col, readRows } from "../store/read-rows.js";
import { ensureFxRates, type FxRatesInfo } from "./load-rates.js";
import { FX_RATE_DAYS_TABLE } from "./tables.js";

/** What a conversion needs from the workspace. */
export interface FxContext {
  config: FxConfig;
  /** Folder a relative `fx.rates` resolves against (costwise.yaml's). */
  baseDir: string;
}

/** The workspace's fx context, or undefined without an fx: section. */
export function fxContextOf(ws: { config: Pick<CostwiseConfig, "fx">; baseDir: string } | undefined): FxContext | undefined {
  return ws?.config.fx ? { config: ws.config.fx, baseDir: ws.baseDir } : undefined;
}

/** Said with every converted result. */
export interface FxUsed {
  currency: string;
  granularity: "day" | "month";
  source: string;
  base: string;
  /** First and last published rate day in the file. */
  from: string;
  to: string;
  rates: number;
  rule: string;
}

export interface PreparedConversion {
  /** For compileCostQuery's `fx` option. */
  compile: { ratesTable: string; granularity: "day" | "month" };
  used: FxUsed;
  info: FxRatesInfo;
}

/** Loads (or reuses) the rates and returns what compiling and reporting a conversion to `target` need. */
export async function prepareConversion(store: CostStore, fx: FxContext | undefined, target: string): Promise<PreparedConversion> {
  if (!fx) throw new CostwiseError("BAD_QUERY", `a reporting currency (${target}) needs exchange rates: add an fx: section with rates: to costwise.yaml (docs/fx.md)`);
  if (!isAnalysisStore(store)) throw new CostwiseError("BAD_QUERY", `a reporting currency (${target}) is not supported on ClickHouse yet: query without it, or on the embedded store`);
  const info = await ensureFxRates(store, fx.config, fx.baseDir);
  const g = fx.config.granularity;
  return {
    compile: { ratesTable: FX_RATE_DAYS_TABLE, granularity: g },
    info,
    used: {
      currency: target,
      granularity: g,
      source: info.source,
      base: info.base,
      from: info.from,
      to: info.to,
      rates: info.rates,
      rule:
        (g === "month" ? "the rate in force on the first day of the charge's month" : "the rate of the charge's day") +
        `; on days without one (weekends, holidays) the last rate published before, at most ${info.maxAgeDays} days old`,
    },
  };
}

/** SQL options of the conversion for hand-written SQL over a scope (budgets, KPIs). */
export function fxSqlOptions(p: PreparedConversion, target: string, exprs: { currencyExpr?: string; timeExpr?: string } = {}): FxSqlOptions {
  return { ratesTable: p.compile.ratesTable, granularity: p.compile.granularity, target, ...exprs };
}

/** Throws a clear error naming the first currency and day without a rate, if `unmatched` (the check query) finds one. */
export async function assertConvertible(store: CostStore, unmatched: CompiledSql, p: PreparedConversion, target: string): Promise<void> {
  const rows = await readRows(store, { cur: col.text, day: col.text, has_from: col.bool, has_to: col.bool }, unmatched);
  const r = rows[0];
  if (!r) return;
  const range = `the rates (${p.info.source}, base ${p.info.base}) cover ${p.info.from} to ${p.info.to}, each day taking the last rate at most ${p.info.maxAgeDays} days old`;
  const more = rows.length > 1 ? ` (and ${rows.length - 1 === 4 ? "4 or more" : rows.length - 1} more pair${rows.length > 2 ? "s" : ""})` : "";
  if (r.cur === "") throw new CostwiseError("BAD_INPUT", `cannot convert to ${target}: charges on ${r.day} have no BillingCurrency${more}`, { details: { missing: rows } });
  // the base always has 1: when its day is missing, the day is outside the rates, and the other side is what lacks a rate
  const missing = !r.has_from && r.cur !== p.info.base ? r.cur : target;
  throw new CostwiseError("BAD_INPUT", `no exchange rate for ${missing} on ${r.day} (converting ${r.cur} to ${target}): ${range}${more}; add the rate to the rates file`, {
    location: { file: p.info.source },
    details: { currency: missing, day: r.day, missing: rows },
  });
}

/**
 * The cost table with money columns converted to `target` and BillingCurrency set to it, as a subquery to read
 * instead of the cost table (KPIs over many columns). Its `?` parameters come first in the statement's text.
 */
export function convertedCostTableSql(p: PreparedConversion, target: string, table: string, moneyColumns: readonly string[]): { sql: string; params: string[] } {
  const o = fxSqlOptions(p, target);
  const join = fxJoinSql(o);
  const amounts = moneyColumns.map((c) => fxAmountSql(o, `"${c}"`));
  return {
    sql: `(SELECT * EXCLUDE (fx_day, fx_currency, fx_fu, fx_tu) REPLACE (${moneyColumns.map((c, i) => `${amounts[i]!.sql} AS "${c}"`).join(", ")}, CAST(? AS VARCHAR) AS "BillingCurrency") FROM ${table}${join.sql})`,
    params: [...amounts.flatMap((a) => a.params), target, ...join.params],
  };
}

/** The rate check over `table` rows matching `where` (a condition with `?` parameters): throws on a missing rate. */
export async function assertTableConvertible(store: CostStore, p: PreparedConversion, target: string, s: { table: string; currency?: string; time?: string; where: CompiledSql }): Promise<void> {
  const o = fxSqlOptions(p, target, { ...(s.currency ? { currencyExpr: s.currency } : {}), ...(s.time ? { timeExpr: s.time } : {}) });
  const join = fxJoinSql(o);
  const un = fxUnmatchedSql(o);
  await assertConvertible(
    store,
    {
      sql: `SELECT ${fxUnmatchedColumnsSql(o)} FROM ${s.table}${join.sql} WHERE ${s.where.sql} AND ${un.sql} GROUP BY coalesce(${s.currency ?? `"BillingCurrency"`}, ''), ${fxDayOf(o)} ORDER BY day, cur LIMIT 5`,
      params: [...join.params, ...s.where.params, ...un.params],
    },
    p,
    target,
  );
}

/**
 * The converted sum of a money expression over a table and condition, in `target`, after the rate check: what
 * budgets and KPIs read. `where` is a condition with `?` parameters.
 */
export async function convertedSum(
  store: CostStore,
  p: PreparedConversion,
  target: string,
  s: { table: string; metric: string; currency: string; time: string; where: CompiledSql },
): Promise<string> {
  const o = fxSqlOptions(p, target, { currencyExpr: s.currency, timeExpr: s.time });
  const join = fxJoinSql(o);
  await assertTableConvertible(store, p, target, s);
  // summed per currency and rate day first, each partial converted once: as the typed query does (convert-sql.ts)
  const conv = fxConvertSql(target, "m", "fx_c", "fx_fu", "fx_tu");
  const rows = await readRows(store, { m: col.money }, {
    sql: `SELECT CAST(coalesce(sum(${conv.sql}), 0) AS DECIMAL(38,10))::VARCHAR AS m FROM (
            SELECT ${s.currency} AS fx_c, ${fxDayOf(o)} AS fx_d, fx_r.fx_fu AS fx_fu, fx_r.fx_tu AS fx_tu, sum(${s.metric}) AS m
            FROM ${s.table}${join.sql} WHERE ${s.where.sql} GROUP BY ALL)`,
    params: [...conv.params, ...join.params, ...s.where.params],
  });
  return rows[0]?.m ?? "0.0000000000";
}
