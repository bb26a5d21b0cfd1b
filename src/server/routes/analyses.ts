/**
 * Analyses other costwise features write to the store, served as they are: anomalies (expected vs
 * actual, root cause), forecasts, budgets, recommendations (with accept / dismiss / done), governance
 * findings and unit costs. When a feature has produced nothing, the endpoint says which command does.
 */
import { z } from "zod";
import { CostwiseError } from "../../core/errors.js";
import { loadAllocation } from "../../engine/allocation/load-rules.js";
import { unitCosts } from "../../engine/allocation/reports.js";
import { budgetStatus } from "../../engine/detect/budget-status.js";
import { latestForecast } from "../../engine/detect/forecast-read.js";
import { listAnomalies } from "../../engine/detect/monitors.js";
import { latestFindings } from "../../engine/governance/findings-read.js";
import { setRecommendationStatus } from "../../engine/optimize/recommendation-store.js";
import { recommendationsView } from "../../engine/optimize/recommendations-read.js";
import { featureAvailability } from "../../engine/store/feature-availability.js";
import { scopeTeam, type ServerContext, type ZApp } from "../context.js";
import {
  anomaliesSchema,
  budgetsSchema,
  errorResponses,
  findingsSchema,
  forecastsSchema,
  recommendationSchema,
  recommendationsSchema,
  unitCostsSchema,
} from "../contract.js";

export function registerAnalysisRoutes(app: ZApp, ctx: ServerContext): void {
  const availability = (s: Parameters<typeof featureAvailability>[0], feature: string) => featureAvailability(s, ctx.workspace.config, feature);

  app.get(
    "/api/v1/anomalies",
    {
      config: { policy: { access: "read", team: "deny" } },
      schema: {
        summary: "Cost anomalies (newest first): actual vs expected, impact, severity, root cause",
        tags: ["analyses"],
        querystring: z.object({ since: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(), limit: z.coerce.number().int().min(1).max(1000).default(200) }),
        response: { 200: anomaliesSchema, ...errorResponses },
      },
    },
    async (req) =>
      ctx.cached(`anomalies:${req.query.since ?? ""}:${req.query.limit}`, () =>
        ctx.readers.use(async (s) => {
          const a = await availability(s, "anomalies");
          if (!a.available) return { availability: a, items: [] };
          return { availability: a, items: await listAnomalies(s, { limit: req.query.limit, ...(req.query.since ? { since: req.query.since } : {}) }) };
        }),
      ),
  );

  app.get(
    "/api/v1/forecasts",
    {
      config: { policy: { access: "read", team: "deny" } },
      schema: {
        summary: "The latest stored forecast (80% band) by month and by day",
        tags: ["analyses"],
        querystring: z.object({ currency: z.string().max(8).default("USD") }),
        response: { 200: forecastsSchema, ...errorResponses },
      },
    },
    async (req) =>
      ctx.readers.use(async (s) => {
        const a = await availability(s, "forecasts");
        if (!a.available) return { availability: a, monthly: null, daily: null };
        return { availability: a, monthly: await latestForecast(s, req.query.currency, "month"), daily: await latestForecast(s, req.query.currency, "day") };
      }),
  );

  app.get(
    "/api/v1/budgets",
    {
      config: { policy: { access: "read", team: "deny" } },
      schema: { summary: "Budgets from costwise.yaml: burn, period-end forecast, thresholds crossed (records nothing)", tags: ["analyses"], response: { 200: budgetsSchema, ...errorResponses } },
    },
    async () =>
      ctx.cached("budgets", () =>
        ctx.readers.use(async (s) => {
          const a = await availability(s, "budgets");
          if (!a.available) return { availability: a, items: [] };
          return { availability: a, items: await budgetStatus(s, ctx.workspace.config, { persist: false }) };
        }),
      ),
  );

  app.get(
    "/api/v1/recommendations",
    {
      config: { policy: { access: "read", team: "scoped" } },
      schema: {
        summary: "Recommendations (rightsizing, idle, commitments) with monthly savings and status; team tokens see their team's (owner) only",
        tags: ["analyses"],
        querystring: z.object({ all: z.enum(["true", "false"]).default("false") }),
        response: { 200: recommendationsSchema, ...errorResponses },
      },
    },
    async (req) => {
      const team = scopeTeam(req);
      return ctx.cached(`recs:${JSON.stringify([team, req.query.all])}`, () =>
        ctx.readers.use(async (s) => {
          const a = await availability(s, "recommendations");
          if (!a.available) return { availability: a, items: [], realized: { count: 0, monthly: [] } };
          // realized savings are organisation-wide: only unscoped callers get them
          const view = await recommendationsView(s, { includeResolved: req.query.all === "true", ...(team !== null ? { owner: team } : {}) }, team === null);
          return { availability: a, ...view };
        }),
      );
    },
  );

  app.post(
    "/api/v1/recommendations/:id/status",
    {
      config: { policy: { access: "admin", team: "deny" } },
      schema: {
        summary: "Change a recommendation's status: accept, dismiss (a reason is required), done, or reopen (admin)",
        tags: ["analyses"],
        params: z.object({ id: z.string().regex(/^\d+$/) }),
        body: z.object({ status: z.enum(["open", "accepted", "dismissed", "done"]), reason: z.string().max(2000).optional() }),
        response: { 200: recommendationSchema, ...errorResponses, 404: errorResponses[400] },
      },
    },
    async (req) => {
      const rec = await ctx.writeLock(() => setRecommendationStatus(ctx.writer, req.params.id, req.body.status, req.body.reason));
      ctx.invalidate();
      req.log.info({ recommendation: rec.id, status: rec.status }, "recommendation status changed");
      return rec;
    },
  );

  app.get(
    "/api/v1/governance/findings",
    {
      config: { policy: { access: "read", team: "scoped" } },
      schema: {
        summary: "Findings of the latest governance scan (tag policies), with monthly cost; team tokens see their team's only",
        tags: ["analyses"],
        response: { 200: findingsSchema, ...errorResponses },
      },
    },
    async (req) => {
      const team = scopeTeam(req);
      return ctx.cached(`findings:${JSON.stringify(team)}`, () =>
        ctx.readers.use(async (s) => {
          const a = await availability(s, "governance");
          const none = { findings: 0, shown: 0, byRule: [], byTeam: [] };
          if (!a.available) return { availability: a, scan: null, summary: none, items: [] };
          const latest = await latestFindings(s, team);
          if (!latest) return { availability: a, scan: null, summary: none, items: [] };
          return { availability: a, scan: team === null ? latest.scan : null, summary: latest.summary, items: latest.items };
        }),
      );
    },
  );

  app.get(
    "/api/v1/unit-costs",
    {
      config: { policy: { access: "read", team: "deny" } },
      schema: {
        summary: "Unit costs (allocated cost per business unit) per month, from allocation.unitCosts and business metrics",
        tags: ["analyses"],
        response: { 200: unitCostsSchema, ...errorResponses },
      },
    },
    async () =>
      ctx.cached("unit-costs", () =>
        ctx.readers.use(async (s) => {
          const a = await availability(s, "unit-costs");
          if (!a.available) return { availability: a, items: [] };
          const { model } = loadAllocation(ctx.workspace.config, ctx.workspace.baseDir);
          if (model.config.unitCosts.length === 0) {
            return { availability: { available: false, feature: "unit-costs", reason: "no unit costs configured", produceWith: "allocation.unitCosts in costwise.yaml" }, items: [] };
          }
          try {
            const r = await unitCosts(s, model, { granularity: "month" });
            return { availability: a, items: r.rows };
          } catch (e) {
            if (e instanceof CostwiseError && e.code === "USAGE") return { availability: { ...a, available: false, reason: e.message }, items: [] };
            throw e;
          }
        }),
      ),
  );
}
