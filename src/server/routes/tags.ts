/** Tag coverage (share of spend carrying each tag key) and the KPI scorecard. Organisation-wide: unscoped callers only. */
import { z } from "zod";
import { tagCoverage } from "../../engine/governance/tag-coverage.js";
import { kpiScorecard } from "../../engine/notify/kpi-scorecard.js";
import { dailyCostTable } from "../../engine/query/api-query.js";
import type { ServerContext, ZApp } from "../context.js";
import { errorResponses, kpisSchema, tagCoverageSchema } from "../contract.js";

export function registerTagRoutes(app: ZApp, ctx: ServerContext): void {
  app.get(
    "/api/v1/tag-coverage",
    {
      config: { policy: { access: "read", team: "deny" } },
      schema: {
        summary: "Tag coverage for a month: the share of effective cost carrying each tag key",
        tags: ["governance"],
        querystring: z.object({ month: z.string().regex(/^\d{4}-\d{2}$/).optional(), currency: z.string().max(8).optional() }),
        response: { 200: tagCoverageSchema, ...errorResponses },
      },
    },
    async (req) =>
      ctx.cached(`tags:${JSON.stringify([req.query.month ?? null, req.query.currency ?? null])}`, () =>
        ctx.readers.use((s) => tagCoverage(s, dailyCostTable(ctx.rollup.ready), req.query.month, req.query.currency)),
      ),
  );

  app.get(
    "/api/v1/kpis",
    {
      config: { policy: { access: "read", team: "deny" } },
      schema: {
        summary: "KPI scorecard: tagged spend %, forecast variance, alert latency, savings realized, open findings",
        tags: ["kpis"],
        querystring: z.object({ tagKey: z.string().max(512).default("team") }),
        response: { 200: kpisSchema, ...errorResponses },
      },
    },
    async (req) => ctx.cached(`kpis:${req.query.tagKey}`, () => ctx.readers.use((s) => kpiScorecard(s, ctx.workspace.config, dailyCostTable(ctx.rollup.ready), req.query.tagKey))),
  );
}
