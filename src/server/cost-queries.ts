/** Runs typed cost queries for the API: from the rollups when they can answer (see rollup.ts), else from the cost table. */
import { toQueryInput, type CostQuery } from "../core/query/cost-query.js";
import { parseCostQuery } from "../core/query/cost-query.js";
import type { CostStore } from "../engine/store/cost-store.js";
import { queryOrThrow, runCostQuery, type QueryResult } from "../engine/query/run-query.js";
import type { ServerContext } from "./context.js";
import { rollupEligible, rollupPlan } from "./rollup.js";

export type ServedFrom = "rollup" | "store";

export async function runApiQuery(ctx: ServerContext, store: CostStore, q: CostQuery): Promise<QueryResult & { servedFrom: ServedFrom }> {
  if (ctx.rollup.ready && rollupEligible(q)) {
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
    query: { ...toQueryInput(r.query) } as Record<string, unknown>,
    columns: r.columns,
    rows: r.rows,
    totals: r.totals,
    truncated: r.truncated,
    servedFrom: r.servedFrom,
  };
}
