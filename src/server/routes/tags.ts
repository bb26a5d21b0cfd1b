/**
 * Tag coverage (each tag key's share of a billing month's allocable spend), the KPI scorecard and its daily
 * history: all computed by src/engine/kpi/, the module the CLI and the messages read too. Organisation-wide:
 * unscoped callers only.
 */
import { z } from "zod";
import { kpiHistory, withTrend } from "../../engine/kpi/history.js";
import { kpiScorecard } from "../../engine/kpi/scorecard.js";
import { tagCoverage, TAG_KEY_MODES } from "../../engine/kpi/tagged-spend.js";
import type { ServerContext, ZApp } from "../context.js";
import { errorResponses, kpiHistorySchema, kpisSchema, tagCoverageSchema } from "../contract.js";
import { currencyCode, isoMonth, nameText, positiveInt } from "../schemas.js";

const month = isoMonth;

export function registerTagRoutes(app: ZApp, ctx: ServerContext): void {
  app.get(
    "/api/v1/tag-coverage",
    {
      config: { policy: { access: "read", team: "deny" } },
      schema: {
        summary: "Tag coverage for a billing month: each tag key's share of allocable EffectiveCost (normalized keys unless keys=raw)",
        tags: ["governance"],
        querystring: z.object({ month: month.optional(), currency: currencyCode.optional(), keys: z.enum(TAG_KEY_MODES).default("normalized") }),
        response: { 200: tagCoverageSchema, ...errorResponses },
      },
    },
    async (req) =>
      ctx.cached(`tags:${JSON.stringify([req.query.month ?? null, req.query.currency ?? null, req.query.keys])}`, () =>
        ctx.readers.use((s) => tagCoverage(s, ctx.workspace, { ...(req.query.month ? { month: req.query.month } : {}), ...(req.query.currency ? { currency: req.query.currency } : {}), keyMode: req.query.keys })),
      ),
  );

  app.get(
    "/api/v1/kpis",
    {
      config: { policy: { access: "read", team: "deny" } },
      schema: {
        summary: "KPI scorecard: each KPI's value, target and trend (docs/kpis.md defines them)",
        tags: ["kpis"],
        querystring: z.object({ tagKey: nameText(512, "a tag key").optional(), month: month.optional(), days: positiveInt(3650).default(30) }),
        response: { 200: kpisSchema, ...errorResponses },
      },
    },
    async (req) =>
      ctx.cached(`kpis:${JSON.stringify([req.query.tagKey ?? null, req.query.month ?? null, req.query.days])}`, () =>
        ctx.readers.use(async (s) => {
          const card = await kpiScorecard(s, ctx.workspace, { ...(req.query.tagKey ? { tagKey: req.query.tagKey } : {}), ...(req.query.month ? { month: req.query.month } : {}) });
          const history = await kpiHistory(s, { days: req.query.days, asOf: card.day });
          return { ...card, kpis: withTrend(card, history) };
        }),
      ),
  );

  app.get(
    "/api/v1/kpis/history",
    {
      config: { policy: { access: "read", team: "deny" } },
      schema: {
        summary: "The KPI scorecard's daily history (costwise kpi / the kpi job): one row per day per KPI",
        tags: ["kpis"],
        querystring: z.object({ days: positiveInt(3650).default(30) }),
        response: { 200: kpiHistorySchema, ...errorResponses },
      },
    },
    async (req) => ctx.readers.use((s) => kpiHistory(s, { days: req.query.days })),
  );
}
