/**
 * The one definition of currency conversion in SQL (DuckDB), used by the typed cost query (core/query/compile.ts),
 * budgets (engine/detect/budget-status.ts) and KPIs (engine/kpi) through engine/fx/convert.ts.
 *
 * Order of operations, per cost row:
 *   1. the rate day: the charge's day (`CAST(ChargePeriodStart AS DATE)`), or with month granularity the first day
 *      of its month;
 *   2. a LEFT JOIN on (currency, rate day) to the daily rates table, which already holds, for every calendar day,
 *      the last rate published on or before it (at most `maxAgeDays` old) as integer units of 10^-10, the base
 *      currency at 1 — together with the target currency's units on the same day;
 *   3. a row already in the target currency keeps its amount untouched (no rate needed);
 *   4. otherwise amount / rate[from] × rate[to] in exact integer arithmetic: N = amount·10^10 × to_units,
 *      result = N / from_units rounded half away from zero to 10 decimals, back to DECIMAL(38,10) — no DOUBLE;
 *      queries and budgets apply it to partial sums per (group, currency, rate day) (`fxConvertSql`), KPIs per row;
 *   5. an unmatched pair (no rate for the currency or the target on that day, or no currency at all) is found by
 *      the caller's check query (`fxUnmatchedSql`) before anything is summed; a NULL is never turned into 1.0.
 * Rounding to the target's minor unit happens only at display.
 *
 * The text uses `?` placeholders for the target currency; params are returned in textual order.
 */
export interface TextSql {
  sql: string;
  params: string[];
}

export interface FxSqlOptions {
  /** The daily rates table (engine/fx/tables.ts); a plain identifier. */
  ratesTable: string;
  granularity: "day" | "month";
  /** The target (reporting) currency, bound as a parameter. */
  target: string;
  /** SQL of the row's currency and charge time (default the FOCUS columns, unqualified). */
  currencyExpr?: string;
  timeExpr?: string;
}

const IDENT = /^[a-z_][a-z0-9_]*$/;
/** Alias of the joined rates; its columns (fx_day, fx_currency, fx_fu, fx_tu) collide with no FOCUS column. */
export const FX_ALIAS = "fx_r";

function parts(o: FxSqlOptions): { cur: string; time: string } {
  if (!IDENT.test(o.ratesTable)) throw new Error(`bad rates table name ${JSON.stringify(o.ratesTable)}`);
  return { cur: o.currencyExpr ?? `"BillingCurrency"`, time: o.timeExpr ?? `"ChargePeriodStart"` };
}

/** The rate day of a charge time (step 1). */
export function fxDaySql(timeExpr: string, granularity: "day" | "month"): string {
  return granularity === "month" ? `CAST(date_trunc('month', ${timeExpr}) AS DATE)` : `CAST(${timeExpr} AS DATE)`;
}

/** ` LEFT JOIN (…) AS fx_r ON …`: to append after the cost table in a FROM clause (step 2). */
export function fxJoinSql(o: FxSqlOptions): TextSql {
  const { cur, time } = parts(o);
  const t = o.ratesTable;
  return {
    sql:
      ` LEFT JOIN (SELECT f.fx_day, f.fx_currency, f.fx_units AS fx_fu, t.fx_units AS fx_tu FROM ${t} AS f` +
      ` LEFT JOIN ${t} AS t ON t.fx_day = f.fx_day AND t.fx_currency = ?) AS ${FX_ALIAS}` +
      ` ON ${FX_ALIAS}.fx_currency = ${cur} AND ${FX_ALIAS}.fx_day = ${fxDaySql(time, o.granularity)}`,
    params: [o.target],
  };
}

/** The converted amount of one row (steps 3–4); `amountExpr` is a DECIMAL(38,10) money expression. */
export function fxAmountSql(o: FxSqlOptions, amountExpr: string): TextSql {
  const { cur } = parts(o);
  return fxConvertSql(o.target, amountExpr, cur, `${FX_ALIAS}.fx_fu`, `${FX_ALIAS}.fx_tu`);
}

/**
 * The conversion of an amount in currency `curExpr` with rate units `fuExpr` (from) and `tuExpr` (to). Used on a
 * partial sum per (currency, rate day, group) by queries and budgets: the exact integer division costs ~1 µs per
 * value in DuckDB, so amounts sharing a rate are summed first (exact DECIMAL) and converted once — the result is
 * rounded to 10 decimals per currency, day and group rather than per line item.
 */
export function fxConvertSql(target: string, amountExpr: string, curExpr: string, fuExpr: string, tuExpr: string): TextSql {
  const n = `(CAST(${amountExpr} * 10000000000 AS HUGEINT) * ${tuExpr})`;
  const converted = `CAST(sign(${n}) * ((2 * abs(${n}) + ${fuExpr}) // (2 * ${fuExpr})) AS DECIMAL(38,0)) * CAST(0.0000000001 AS DECIMAL(38,10))`;
  return { sql: `CASE WHEN ${curExpr} = ? THEN CAST(${amountExpr} AS DECIMAL(38,10)) ELSE ${converted} END`, params: [target] };
}

/** True for a row that cannot be converted (step 5): no currency, or no rate for it or the target on its day. */
export function fxUnmatchedSql(o: FxSqlOptions): TextSql {
  const { cur } = parts(o);
  return { sql: `(coalesce(${cur}, '') = '' OR (${cur} <> ? AND (${FX_ALIAS}.fx_fu IS NULL OR ${FX_ALIAS}.fx_tu IS NULL)))`, params: [o.target] };
}

/** Columns for the check query's rows: `cur`, `day` (YYYY-MM-DD), `has_from`, `has_to`. */
export function fxUnmatchedColumnsSql(o: FxSqlOptions): string {
  const { cur, time } = parts(o);
  return `coalesce(${cur}, '') AS cur, strftime(${fxDaySql(time, o.granularity)}, '%Y-%m-%d') AS day, bool_or(${FX_ALIAS}.fx_fu IS NOT NULL) AS has_from, bool_or(${FX_ALIAS}.fx_tu IS NOT NULL) AS has_to`;
}

/** The rate-day column expression (for GROUP BY in the check query). */
export function fxDayOf(o: FxSqlOptions): string {
  return fxDaySql(parts(o).time, o.granularity);
}
