/** Sources and freshness. Team-bound tokens see freshness only (no accounts, rows or money). */
import { z } from "zod";
import { listSources } from "../../engine/store/sources.js";
import { scopeTeam, type ServerContext, type ZApp } from "../context.js";
import { errorResponses, money } from "../schemas.js";

const sourceSchema = z.object({
  source: z.string(),
  billingAccountId: z.string().nullable(),
  billingAccountName: z.string().nullable(),
  periods: z.number().int(),
  firstPeriod: z.string(),
  lastPeriod: z.string(),
  rows: z.number().int().nullable(),
  billedCost: money.nullable(),
  currency: z.string().nullable(),
  lastCompleteDay: z.string().nullable().describe("the last day whose charges are complete"),
  lastChargeAt: z.string().nullable(),
  lastIngestAt: z.string(),
});

export function registerSourceRoutes(app: ZApp, ctx: ServerContext): void {
  app.get(
    "/api/v1/sources",
    {
      config: { policy: { access: "read", team: "scoped" } },
      schema: { summary: "What is loaded per source and billing account, and how fresh it is", tags: ["sources"], response: { 200: z.array(sourceSchema), ...errorResponses } },
    },
    async (req) => {
      const team = scopeTeam(req);
      const sources = await ctx.cached("sources", () => ctx.readers.use((s) => listSources(s)));
      if (team === null) return sources;
      return sources.map((x) => ({ ...x, billingAccountId: null, billingAccountName: null, rows: null, billedCost: null, currency: null }));
    },
  );
}
