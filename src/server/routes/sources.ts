/** Sources and freshness. Team-bound tokens see freshness only (no accounts, rows or money). */
import { listSources } from "../../engine/store/sources.js";
import { scopeTeam, type ServerContext, type ZApp } from "../context.js";
import { errorResponses, sourcesSchema } from "../contract.js";

export function registerSourceRoutes(app: ZApp, ctx: ServerContext): void {
  app.get(
    "/api/v1/sources",
    {
      config: { policy: { access: "read", team: "scoped" } },
      schema: { summary: "What is loaded per source and billing account, and how fresh it is", tags: ["sources"], response: { 200: sourcesSchema, ...errorResponses } },
    },
    async (req) => {
      const team = scopeTeam(req);
      const sources = await ctx.cached("sources", () => ctx.readers.use((s) => listSources(s)));
      if (team === null) return sources;
      return sources.map((x) => ({ ...x, billingAccountId: null, billingAccountName: null, rows: null, billedCost: null, currency: null, configuredSources: [] }));
    },
  );
}
