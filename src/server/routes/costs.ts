/** The cost explorer API: the typed cost query over the FOCUS cost table (organisation-wide, so unscoped callers only). */
import { DIMENSION_COLUMNS, GRANULARITIES, QUERY_METRICS, toQueryInput } from "../../core/query/cost-query.js";
import { lastCompleteDayFromStore } from "../../engine/detect/index.js";
import { fxContextOf } from "../../engine/fx/convert.js";
import { parseApiQuery, queryJson, runApiQuery, tagKeys } from "../../engine/query/api-query.js";
import type { ServerContext, ZApp } from "../context.js";
import { costQueryBody, dimensionsSchema, errorResponses, queryResultSchema } from "../contract.js";

export { costQueryBody, queryResultSchema };

export function registerCostRoutes(app: ZApp, ctx: ServerContext): void {
  app.post(
    "/api/v1/costs/query",
    {
      config: { policy: { access: "read", team: "deny" } },
      // the answer is built by queryJson to the schema's shape (typed); re-validating every row of it with zod
      // cost ~1.5 ms of CPU per 500-row answer, so it is serialized directly (the schema still documents it)
      serializerCompiler: () => (data) => JSON.stringify(data),
      schema: {
        summary: "Run a cost query (metric, group-by incl. tags, filters, window, granularity)",
        description: "Reads the organisation-wide FOCUS cost table, so team-bound tokens are refused (403): they use /api/v1/allocation/query.",
        tags: ["costs"],
        body: costQueryBody,
        response: { 200: queryResultSchema, ...errorResponses },
      },
    },
    async (req) => {
      const q = parseApiQuery(req.body);
      // identical queries (a shared dashboard view) are answered once per data version
      return ctx.cachedQuery(`query:${JSON.stringify(toQueryInput(q))}`, async () => queryJson(await ctx.readers.use((s) => runApiQuery(s, q, ctx.rollup.ready, fxContextOf(ctx.workspace)))));
    },
  );

  app.get(
    "/api/v1/costs/dimensions",
    {
      config: { policy: { access: "read", team: "deny" } },
      schema: {
        summary: "Dimensions and tag keys a cost query may group or filter by",
        tags: ["costs"],
        response: { 200: dimensionsSchema, ...errorResponses },
      },
    },
    async () => {
      const rollupReady = ctx.rollup.ready;
      const keys = await ctx.cached("tag-keys", () => ctx.readers.use((s) => tagKeys(s, rollupReady)));
      const lastCompleteDay = await ctx.cached("last-complete-day", () => ctx.readers.use((s) => lastCompleteDayFromStore(s)));
      return { metrics: [...QUERY_METRICS], dimensions: [...DIMENSION_COLUMNS], tagKeys: keys, granularities: [...GRANULARITIES], lastCompleteDay };
    },
  );
}
