/** Allocation and showback over the allocation table (engine/allocation/read-model.ts); team-bound tokens are narrowed to their team. */
import { z } from "zod";
import { ALLOCATION_METRICS, ALLOCATION_OPS, allocationAvailable, runAllocationQuery, showback } from "../../engine/allocation/read-model.js";
import { featureAvailability } from "../../engine/store/feature-availability.js";
import { scopeTeam, type ServerContext, type ZApp } from "../context.js";
import { allocationResultSchema, errorResponses, showbackSchema } from "../contract.js";
import { isoDateOrTime, isoMonth, nameText } from "../schemas.js";

export const allocationQueryBody = z.object({
  metric: z.enum(ALLOCATION_METRICS).optional(),
  groupBy: z.array(nameText(134, "a dimension")).max(8).optional().describe("team, currency, rule_id, shared_pool, provider, sub_account_id, service_name, region_id, resource_id or owner:<key>"),
  filters: z
    .array(z.object({ on: nameText(134, "a dimension"), op: z.enum(ALLOCATION_OPS), value: z.string().max(4096).optional(), values: z.array(z.string().max(4096)).max(1000).optional() }))
    .max(64)
    .optional(),
  start: isoDateOrTime.optional().describe("inclusive"),
  end: isoDateOrTime.optional().describe("exclusive"),
  granularity: z.enum(["none", "day", "month"]).optional(),
  limit: z.number().int().min(1).max(100_000).optional(),
});

export function registerAllocationRoutes(app: ZApp, ctx: ServerContext): void {
  app.post(
    "/api/v1/allocation/query",
    {
      config: { policy: { access: "read", team: "scoped" } },
      schema: {
        summary: "Query allocated costs (team-bound tokens see their team only, whatever the filters)",
        tags: ["allocation"],
        body: allocationQueryBody,
        response: { 200: allocationResultSchema, ...errorResponses },
      },
    },
    async (req) => {
      const team = scopeTeam(req);
      return ctx.readers.use(async (s) => {
        const a = await featureAvailability(s, ctx.workspace.config, "allocation");
        if (!a.available) return { availability: a, scope: { team }, rows: [] };
        return { availability: a, scope: { team }, rows: await runAllocationQuery(s, req.body, team) };
      });
    },
  );

  app.get(
    "/api/v1/showback",
    {
      config: { policy: { access: "read", team: "scoped" } },
      schema: {
        summary: "Showback for a month: cost per team, with the unallocated bucket and shared costs",
        tags: ["allocation"],
        querystring: z.object({ month: isoMonth.optional().describe("YYYY-MM (default: the latest month)"), metric: z.enum(ALLOCATION_METRICS).default("effective_cost") }),
        response: { 200: showbackSchema, ...errorResponses },
      },
    },
    async (req) => {
      const team = scopeTeam(req);
      return ctx.cached(`showback:${JSON.stringify([team, req.query.month ?? null, req.query.metric])}`, () =>
        ctx.readers.use(async (s) => {
          const a = await featureAvailability(s, ctx.workspace.config, "allocation");
          const none = { availability: a, scope: { team }, month: null, months: [], currencies: [] };
          if (!a.available || !(await allocationAvailable(s))) return none;
          return { availability: a, scope: { team }, ...(await showback(s, team, req.query.month, req.query.metric)) };
        }),
      );
    },
  );
}
