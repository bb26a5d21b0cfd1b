/**
 * Which analyses have data in this store (anomalies, forecasts, budgets, recommendations, governance findings,
 * unit costs, ...) and, when one has none, which command produces it; the dashboard shows that as the page's
 * empty state (engine/store/feature-availability.ts).
 */
import { featureList } from "../../engine/store/feature-availability.js";
import type { ServerContext, ZApp } from "../context.js";
import { errorResponses, featureListSchema } from "../contract.js";

export function registerFeatureRoutes(app: ZApp, ctx: ServerContext): void {
  app.get(
    "/api/v1/features",
    {
      config: { policy: { access: "read", team: "scoped" } },
      schema: { summary: "Which analyses have data in this store, and which command produces each", tags: ["system"], response: { 200: featureListSchema, ...errorResponses } },
    },
    async () => ctx.cached("features", () => ctx.readers.use((s) => featureList(s, ctx.workspace.config))),
  );
}
