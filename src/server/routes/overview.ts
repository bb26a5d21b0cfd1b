/**
 * The overview: spend trend, month over month, top movers, freshness, forecast band and budget line
 * (engine/query/overview.ts). Unscoped callers read the cost table (through the rollup); team-bound callers
 * read their team's allocated costs. With fx.reportingCurrency, unscoped amounts are converted (docs/fx.md).
 */
import { z } from "zod";
import { lastCompleteDayFromStore } from "../../engine/detect/index.js";
import { fxContextOf } from "../../engine/fx/convert.js";
import { overview } from "../../engine/query/overview.js";
import { scopeTeam, type ServerContext, type ZApp } from "../context.js";
import { errorResponses, OVERVIEW_METRICS, overviewSchema } from "../contract.js";
import { currencyCode } from "../schemas.js";

export function registerOverviewRoutes(app: ZApp, ctx: ServerContext): void {
  app.get(
    "/api/v1/overview",
    {
      config: { policy: { access: "read", team: "scoped" } },
      schema: {
        summary: "Overview: spend trend, month over month, top movers, freshness, forecast and budget",
        tags: ["overview"],
        querystring: z.object({ currency: currencyCode.optional(), metric: z.enum(OVERVIEW_METRICS).default("EffectiveCost") }),
        response: { 200: overviewSchema, ...errorResponses },
      },
    },
    async (req) => {
      const team = scopeTeam(req);
      const metric = req.query.metric;
      return ctx.cached(`overview:${JSON.stringify([team, req.query.currency ?? null, metric])}`, () =>
        ctx.readers.use(async (s) => ({
          ...(await overview(s, { team, currency: req.query.currency, metric, rollupReady: ctx.rollup.ready, config: ctx.workspace.config, fx: fxContextOf(ctx.workspace) })),
          // where the charts stop: the store's freshness (the same day monitors and forecasts stop at)
          lastCompleteDay: await lastCompleteDayFromStore(s),
        })),
      );
    },
  );
}
