/** Allocation and showback over `cost_allocation`; team-bound tokens are narrowed to their team. */
import { z } from "zod";
import { addMoney, compareMoney, formatMoney } from "../../core/money.js";
import { ALLOCATION_METRICS, ALLOCATION_OPS, UNALLOCATED_TEAM, allocationAvailable, runAllocationQuery } from "../allocation-queries.js";
import { scopeTeam, type ServerContext, type ZApp } from "../context.js";
import { availabilitySchema, errorResponses, money } from "../schemas.js";
import { availability } from "./features.js";

export const allocationQueryBody = z.object({
  metric: z.enum(ALLOCATION_METRICS).optional(),
  groupBy: z.array(z.string().max(134)).max(8).optional().describe("team, currency, rule_id, shared_pool, provider, sub_account_id, service_name, region_id, resource_id or owner:<key>"),
  filters: z
    .array(z.object({ on: z.string().max(134), op: z.enum(ALLOCATION_OPS), value: z.string().max(4096).optional(), values: z.array(z.string().max(4096)).max(1000).optional() }))
    .max(64)
    .optional(),
  start: z.string().optional(),
  end: z.string().optional(),
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
        response: {
          200: z.object({ availability: availabilitySchema, scope: z.object({ team: z.string().nullable() }), rows: z.array(z.record(z.string(), z.string().nullable())) }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const team = scopeTeam(req);
      return ctx.readers.use(async (s) => {
        const a = await availability(ctx, s, "allocation");
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
        querystring: z.object({ month: z.string().regex(/^\d{4}-\d{2}$/).optional().describe("YYYY-MM (default: the latest month)"), metric: z.enum(ALLOCATION_METRICS).default("effective_cost") }),
        response: {
          200: z.object({
            availability: availabilitySchema,
            scope: z.object({ team: z.string().nullable() }),
            month: z.string().nullable(),
            months: z.array(z.string()),
            currencies: z.array(
              z.object({
                currency: z.string(),
                total: money,
                unallocated: money,
                shared: money,
                teams: z.array(z.object({ team: z.string(), amount: money, direct: money, shared: money, unallocated: z.boolean() })),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const team = scopeTeam(req);
      return ctx.cached(`showback:${JSON.stringify([team, req.query.month ?? null, req.query.metric])}`, () => ctx.readers.use(async (s) => {
        const a = await availability(ctx, s, "allocation");
        const none = { availability: a, scope: { team }, month: null, months: [], currencies: [] };
        if (!a.available || !(await allocationAvailable(s))) return none;
        const monthsRows = await runAllocationQuery(s, { granularity: "month", metric: req.query.metric }, team);
        const months = [...new Set(monthsRows.map((r) => r["period"]!.slice(0, 7)))].sort();
        const month = req.query.month ?? months[months.length - 1] ?? null;
        if (!month) return none;
        const start = `${month}-01`;
        const d = new Date(`${start}T00:00:00Z`);
        d.setUTCMonth(d.getUTCMonth() + 1);
        const end = d.toISOString().slice(0, 10);
        const rows = await runAllocationQuery(s, { metric: req.query.metric, groupBy: ["team", "shared_pool"], start, end }, team);
        const byCur = new Map<string, Map<string, { direct: string; shared: string }>>();
        for (const r of rows) {
          const cur = r["currency"] ?? "";
          const t = r["team"] ?? UNALLOCATED_TEAM;
          const teams = byCur.get(cur) ?? new Map<string, { direct: string; shared: string }>();
          const e = teams.get(t) ?? { direct: formatMoney(0n), shared: formatMoney(0n) };
          if (r["shared_pool"]) e.shared = addMoney(e.shared, r["amount"] ?? "0");
          else e.direct = addMoney(e.direct, r["amount"] ?? "0");
          teams.set(t, e);
          byCur.set(cur, teams);
        }
        const currencies = [...byCur].map(([currency, teams]) => {
          const list = [...teams].map(([t, e]) => ({ team: t, amount: addMoney(e.direct, e.shared), direct: e.direct, shared: e.shared, unallocated: t === UNALLOCATED_TEAM }));
          list.sort((x, y) => compareMoney(y.amount, x.amount) || x.team.localeCompare(y.team));
          return {
            currency,
            total: addMoney(formatMoney(0n), ...list.map((x) => x.amount)),
            unallocated: addMoney(formatMoney(0n), ...list.filter((x) => x.unallocated).map((x) => x.amount)),
            shared: addMoney(formatMoney(0n), ...list.map((x) => x.shared)),
            teams: list,
          };
        });
        return { availability: a, scope: { team }, month, months, currencies };
      }));
    },
  );
}
