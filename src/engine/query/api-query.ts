/**
 * Typed cost queries as the API serves them: from the rollups when they can answer (see
 * store/duckdb/rollup.ts), else from the cost table; the tag keys a query may group by.
 */
import { toQueryInput, type CostQuery } from "../../core/query/cost-query.js";
import { parseCostQuery } from "../../core/query/cost-query.js";
import type { FxContext } from "../fx/convert.js";
import type { CostStore } from "../store/cost-store.js";
import { ROLLUP_TABLE, rollupEligible, rollupPlan } from "../store/duckdb/rollup.js";
import { col, readRows } from "../store/read-rows.js";
import { COST_TABLE } from "../store/schema.js";
import { queryOrThrow, runCostQuery, withReportingCurrency, type QueryResult } from "./run-query.js";

export type ServedFrom = "rollup" | "store";

/** Runs `q`; `rollupReady` says whether the server's rollups are built and current. */
export async function runApiQuery(store: CostStore, q: CostQuery, rollupReady: boolean, fx?: FxContext): Promise<QueryResult & { servedFrom: ServedFrom }> {
  // a reporting currency converts line items by their day: always from the cost table
  q = withReportingCurrency(q, fx);
  if (q.currency !== undefined) return { ...(await runCostQuery(store, q, {}, fx)), servedFrom: "store" };
  if (rollupReady && rollupEligible(q)) {
    const r = await runCostQuery(store, q, rollupPlan(q));
    return { ...r, servedFrom: "rollup" };
  }
  return { ...(await runCostQuery(store, q)), servedFrom: "store" };
}

export function parseApiQuery(input: unknown): CostQuery {
  return queryOrThrow(parseCostQuery(input));
}

export function queryJson(r: QueryResult & { servedFrom: ServedFrom }) {
  return {
    query: toQueryInput(r.query),
    columns: r.columns,
    rows: r.rows,
    totals: r.totals,
    truncated: r.truncated,
    servedFrom: r.servedFrom,
    ...(r.fx ? { fx: r.fx } : {}),
  };
}

/** The daily cost table the dashboard's reads use: the rollup when ready (same sums), else the cost table. */
export function dailyCostTable(rollupReady: boolean): string {
  return rollupReady ? ROLLUP_TABLE : COST_TABLE;
}

/** The 200 most frequent tag keys, with how many (rollup or line-item) rows carry each. */
export async function tagKeys(store: CostStore, rollupReady: boolean): Promise<{ key: string; rows: number }[]> {
  const rows = await readRows(
    store,
    { key: col.text, n: col.int },
    `SELECT k AS key, count(*)::BIGINT AS n FROM (SELECT unnest(map_keys("Tags")) AS k FROM ${dailyCostTable(rollupReady)}) GROUP BY k ORDER BY n DESC, k LIMIT 200`,
  );
  return rows.map((r) => ({ key: r.key, rows: r.n }));
}

/** The last day with charges (YYYY-MM-DD), or null for an empty store. */
export async function lastChargeDay(store: CostStore, rollupReady: boolean): Promise<string | null> {
  const rows = await readRows(store, { d: col.text.nullable() }, `SELECT strftime(max("ChargePeriodStart"), '%Y-%m-%d') AS d FROM ${dailyCostTable(rollupReady)}`);
  return rows[0]?.d ? rows[0].d : null;
}
