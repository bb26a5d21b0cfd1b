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
import { anomalyTeam, findAnomaly, giveFeedback, parseUntil, snoozeMonitor, unsnoozeMonitor, type Actor } from "../../engine/detect/feedback.js";
import { defaultMonitors, detectionConfig, listAnomalies } from "../../engine/detect/monitors.js";
import { latestFindings } from "../../engine/governance/findings-read.js";
import { setRecommendationStatus } from "../../engine/optimize/recommendation-store.js";
import { recommendationsView } from "../../engine/optimize/recommendations-read.js";
import { featureAvailability } from "../../engine/store/feature-availability.js";
import { principalOf, scopeTeam, type ServerContext, type ZApp } from "../context.js";
import { HttpProblem } from "../problem.js";
import {
  anomaliesSchema,
  anomalyFeedbackResultSchema,
  budgetsSchema,
  errorResponses,
  findingsSchema,
  forecastsSchema,
  recommendationSchema,
  recommendationsSchema,
  snoozeSchema,
  unitCostsSchema,
} from "../contract.js";
import { currencyCode, flag, freeText, isoDate, isoDateOrTime, nameText, numericId, positiveInt } from "../schemas.js";

export function registerAnalysisRoutes(app: ZApp, ctx: ServerContext): void {
  const availability = (s: Parameters<typeof featureAvailability>[0], feature: string) => featureAvailability(s, ctx.workspace.config, feature);

  app.get(
    "/api/v1/anomalies",
    {
      config: { policy: { access: "read", team: "deny" } },
      schema: {
        summary: "Cost anomalies (newest first): actual vs expected, impact, severity, root cause",
        tags: ["analyses"],
        querystring: z.object({ since: isoDate.optional().describe("anomalies that started on or after this day"), limit: positiveInt(1000).default(200) }),
        response: { 200: anomaliesSchema, ...errorResponses },
      },
    },
    async (req) => {
      const answer = await ctx.cached(`anomalies:${req.query.since ?? ""}:${req.query.limit}`, () =>
        ctx.readers.use(async (s) => {
          const a = await availability(s, "anomalies");
          if (!a.available) return { availability: a, items: [] };
          return { availability: a, items: await listAnomalies(s, { limit: req.query.limit, ...(req.query.since ? { since: req.query.since } : {}) }) };
        }),
      );
      // the answer is cached until the data changes; a snooze that ran out since is over (snoozed_until is the latest)
      const now = new Date().toISOString().slice(0, 19) + "Z";
      const over = (u: string | null): boolean => u !== null && u <= now;
      if (!answer.items.some((x) => over(x.feedback.snoozed_until))) return answer;
      return { ...answer, items: answer.items.map((x) => (over(x.feedback.snoozed_until) ? { ...x, feedback: { ...x.feedback, snoozed_until: null } } : x)) };
    },
  );

  // ─── anomaly feedback: admins on any anomaly or monitor, team tokens on their team's (owner monitors) only ───

  /** Who acts (the token's name and team; "local" for the open loopback API), refusing unscoped viewers. */
  const actorOf = (req: Parameters<typeof principalOf>[0]): Actor => {
    const p = principalOf(req);
    if (p.team === null && p.role !== "admin") throw new HttpProblem(403, "FORBIDDEN", "anomaly feedback needs an admin token, or a team token for its own team's anomalies");
    return p.kind === "token" ? { name: p.name, team: p.team } : { name: "local", team: null };
  };
  const monitorsOf = () => detectionConfig(ctx.workspace.config).monitors ?? defaultMonitors(true);

  app.post(
    "/api/v1/anomalies/:id/feedback",
    {
      config: { policy: { access: "read", team: "scoped" } },
      schema: {
        summary: "Acknowledge an anomaly, or mark it as expected (a reason is required; its days leave the detector's baseline). Admin, or a team token on its team's anomalies",
        tags: ["analyses"],
        params: z.object({ id: nameText(64, "an anomaly id") }),
        body: z.object({ action: z.enum(["ack", "expected"]), reason: freeText(2000).optional() }),
        response: { 200: anomalyFeedbackResultSchema, ...errorResponses, 404: errorResponses[400] },
      },
    },
    async (req) => {
      const by = actorOf(req);
      if (by.team !== null) {
        // another team's anomaly does not exist for this caller
        const a = await ctx.readers.use((s) => findAnomaly(s, req.params.id));
        if (anomalyTeam(a, monitorsOf()) !== by.team) throw new HttpProblem(404, "NOT_FOUND", `no anomaly ${req.params.id} of team ${JSON.stringify(by.team)}`);
      }
      const r = await ctx.writeLock(() => giveFeedback(ctx.writer, req.params.id, req.body.action, by, req.body.reason !== undefined ? { reason: req.body.reason } : {}));
      ctx.invalidate();
      req.log.info({ anomaly: r.anomaly.id, action: req.body.action, by: by.name, team: by.team }, "anomaly feedback");
      return r;
    },
  );

  /** A team token may snooze only its own series of an owner monitor. */
  const checkSnoozeScope = (by: Actor, monitor: string, series: string | undefined): void => {
    const m = monitorsOf().find((x) => x.name === monitor);
    if (!m) throw new HttpProblem(404, "NOT_FOUND", `no monitor ${JSON.stringify(monitor)} (see detection.monitors in costwise.yaml)`);
    if (by.team !== null && (m.dimension !== "owner" || series !== by.team)) {
      throw new HttpProblem(403, "TEAM_SCOPE", `this token is bound to team ${JSON.stringify(by.team)}: it can snooze only series ${JSON.stringify(by.team)} of an owner monitor`);
    }
  };

  app.post(
    "/api/v1/monitors/:monitor/snooze",
    {
      config: { policy: { access: "read", team: "scoped" } },
      schema: {
        summary: "Snooze a monitor (or one series of it) until a time: anomalies are still recorded, without alerts. Admin, or a team token on its team's series",
        tags: ["analyses"],
        params: z.object({ monitor: nameText(200, "a monitor name") }),
        body: z.object({ until: isoDateOrTime.describe("a date (midnight UTC) or a UTC time"), series: nameText(500, "a series key").optional(), reason: freeText(2000).optional() }),
        response: { 200: snoozeSchema, ...errorResponses, 404: errorResponses[400] },
      },
    },
    async (req) => {
      const by = actorOf(req);
      checkSnoozeScope(by, req.params.monitor, req.body.series);
      const until = parseUntil(req.body.until);
      const r = await ctx.writeLock(() =>
        snoozeMonitor(
          ctx.writer,
          { monitor: req.params.monitor, until, ...(req.body.series !== undefined ? { series: req.body.series } : {}), ...(req.body.reason !== undefined ? { reason: req.body.reason } : {}) },
          by,
        ),
      );
      ctx.invalidate();
      req.log.info({ monitor: r.monitor, series: r.series_key, until: r.until, by: by.name, team: by.team }, "monitor snoozed");
      return r;
    },
  );

  app.delete(
    "/api/v1/monitors/:monitor/snooze",
    {
      config: { policy: { access: "read", team: "scoped" } },
      schema: {
        summary: "End a monitor's (or one series') snooze now",
        tags: ["analyses"],
        params: z.object({ monitor: nameText(200, "a monitor name") }),
        querystring: z.object({ series: nameText(500, "a series key").optional() }),
        response: { 200: z.object({ cleared: z.number().int().describe("snoozes ended (0: none was active)") }), ...errorResponses, 404: errorResponses[400] },
      },
    },
    async (req) => {
      const by = actorOf(req);
      checkSnoozeScope(by, req.params.monitor, req.query.series);
      const cleared = await ctx.writeLock(() => unsnoozeMonitor(ctx.writer, { monitor: req.params.monitor, ...(req.query.series !== undefined ? { series: req.query.series } : {}) }, by));
      ctx.invalidate();
      req.log.info({ monitor: req.params.monitor, series: req.query.series ?? null, cleared, by: by.name }, "monitor unsnoozed");
      return { cleared };
    },
  );

  app.get(
    "/api/v1/forecasts",
    {
      config: { policy: { access: "read", team: "deny" } },
      schema: {
        summary: "The latest stored forecast (80% band) by month and by day",
        tags: ["analyses"],
        querystring: z.object({ currency: currencyCode.default("USD") }),
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
          return { availability: a, items: await budgetStatus(s, ctx.workspace.config, { persist: false, baseDir: ctx.workspace.baseDir }) };
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
        querystring: z.object({ all: flag.default("false") }),
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
          const view = await recommendationsView(s, { includeResolved: req.query.all === "true", ...(team !== null ? { owner: team } : {}) }, team === null, ctx.workspace.config.optimization);
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
        params: z.object({ id: numericId }),
        body: z.object({ status: z.enum(["open", "accepted", "dismissed", "done"]), reason: freeText(2000).optional() }),
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
