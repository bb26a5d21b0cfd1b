/** The cost explorer API: the typed cost query over the FOCUS cost table (organisation-wide, so unscoped callers only). */
import { z } from "zod";
import { DIMENSION_COLUMNS, FILTER_OPERATORS, GRANULARITIES, QUERY_METRICS, SORT_DIRECTIONS, toQueryInput } from "../../core/query/cost-query.js";
import { COST_TABLE } from "../../engine/store/schema.js";
import type { ServerContext, ZApp } from "../context.js";
import { parseApiQuery, queryJson, runApiQuery } from "../cost-queries.js";
import { ROLLUP_TABLE } from "../rollup.js";
import { errorResponses, money } from "../schemas.js";

export const costQueryBody = z
  .object({
    metric: z.string().optional().describe(`one of ${QUERY_METRICS.join(", ")} (default BilledCost)`),
    groupBy: z.array(z.string()).max(16).optional().describe("dimensions: FOCUS columns, x_ columns or tag:<key>"),
    filters: z
      .array(
        z.object({
          on: z.string().describe("a dimension, e.g. ServiceName or tag:team"),
          op: z.enum(FILTER_OPERATORS),
          value: z.string().optional(),
          values: z.array(z.string()).optional(),
        }),
      )
      .max(64)
      .optional()
      .describe("all must hold (AND)"),
    start: z.string().optional().describe("inclusive ISO-8601 date or UTC date-time on ChargePeriodStart"),
    end: z.string().optional().describe("exclusive"),
    granularity: z.enum(GRANULARITIES).optional(),
    orderBy: z.array(z.object({ by: z.string(), direction: z.enum(SORT_DIRECTIONS).optional() })).optional(),
    limit: z.number().int().min(1).max(1_000_000).optional(),
  })
  .describe("a typed cost query (see `costwise query --help` for the same grammar)");

const unitTotal = z.object({ unit: z.string().nullable(), total: money.nullable(), groups: z.number().int(), lineItems: z.number().int() });

export const queryResultSchema = z.object({
  query: z.record(z.string(), z.unknown()),
  columns: z.array(z.string()),
  rows: z.array(z.record(z.string(), z.string().nullable())).describe("one object per group: dimension values, period, unit and the metric as a decimal string"),
  totals: z.object({
    metric: z.string(),
    kind: z.enum(["cost", "quantity"]),
    unitColumn: z.string(),
    total: money.nullable().describe("null when the rows mix currencies: see byUnit"),
    byUnit: z.array(unitTotal),
    groups: z.number().int(),
    lineItems: z.number().int(),
  }),
  truncated: z.boolean(),
  servedFrom: z.enum(["rollup", "store"]),
});

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
      return ctx.cachedQuery(`query:${JSON.stringify(toQueryInput(q))}`, async () => queryJson(await ctx.readers.use((s) => runApiQuery(ctx, s, q))));
    },
  );

  app.get(
    "/api/v1/costs/dimensions",
    {
      config: { policy: { access: "read", team: "deny" } },
      schema: {
        summary: "Dimensions and tag keys a cost query may group or filter by",
        tags: ["costs"],
        response: {
          200: z.object({
            metrics: z.array(z.string()),
            dimensions: z.array(z.string()),
            tagKeys: z.array(z.object({ key: z.string(), rows: z.number().int() })),
            granularities: z.array(z.string()),
          }),
          ...errorResponses,
        },
      },
    },
    async () => {
      const table = ctx.rollup.ready ? ROLLUP_TABLE : COST_TABLE;
      const rows = await ctx.cached("tag-keys", () => ctx.readers.use((s) =>
        s.all(`SELECT k AS key, count(*)::BIGINT AS n FROM (SELECT unnest(map_keys("Tags")) AS k FROM ${table}) GROUP BY k ORDER BY n DESC, k LIMIT 200`),
      ));
      return {
        metrics: [...QUERY_METRICS],
        dimensions: [...DIMENSION_COLUMNS],
        tagKeys: rows.map((r) => ({ key: String(r["key"]), rows: Number(r["n"]) })),
        granularities: [...GRANULARITIES],
      };
    },
  );
}
