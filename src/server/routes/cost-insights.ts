/**
 * Backstage Cost Insights backend: one route per `CostInsightsApi` method, under /api/v1/cost-insights/, answering
 * the plugin's shapes (core/cost-insights/shapes.ts) from the allocation read model (engine/cost-insights/read.ts).
 * docs/backstage.md has the route list and a client module a Backstage app drops in.
 *
 * Each cost route: parse `intervals` (core/cost-insights/intervals.ts; with no end day, the day after the last
 * complete billing day) → pick the currency (asked for, else the scope's largest over the window) → read exact
 * daily sums → shape (round once, at this boundary). Answers are cached per data version (ctx.cachedQuery).
 *
 * Team-bound tokens: groups are their own team only (another group is 404, as if it did not exist), and every
 * read is narrowed to the team by the read model. Business metrics are organisation-wide: unscoped callers only.
 */
import { z } from "zod";
import { parseIntervals, type RepeatingIntervals } from "../../core/cost-insights/intervals.js";
import { addDays } from "../../core/detect/series.js";
import { costOf, dailyAggregation, entityOf, productKind, toAmount, bucketTotals, changeOf, type Cost } from "../../core/cost-insights/shapes.js";
import { UNALLOCATED } from "../../core/allocation/model.js";
import {
  businessMetricDaily,
  businessMetricNames,
  dailyCost,
  dailyCostBy,
  dimensionValues,
  groupAlerts,
  lastCompleteBillingDay,
  ownerGroups,
  scopeCurrency,
  services,
  totalsBy,
  type Scope,
} from "../../engine/cost-insights/read.js";
import type { AnalysisStore } from "../../engine/store/cost-store.js";
import { scopeTeam, type ServerContext, type ZApp } from "../context.js";
import { HttpProblem } from "../problem.js";
import { ciAlertsSchema, ciBillingDateSchema, ciCostSchema, ciEntitySchema, ciGroupsSchema, ciMetricDataSchema, ciMetricsSchema, ciProductsSchema, ciProjectsSchema, errorResponses } from "../contract.js";
import { currencyCode, nameText } from "../schemas.js";

const PREFIX = "/api/v1/cost-insights";
/** Breakdown lists keep this many keys (the rest summed as `other`). */
const TOP = 20;

const intervalsParam = z.string().min(1).max(100).describe("ISO-8601 repeating intervals, e.g. R2/P30D/2020-09-01 (end exclusive), R2/P3M/2020-10-01, R2/P1M/");
const cost404 = { 404: errorResponses[400] };

export function registerCostInsightsRoutes(app: ZApp, ctx: ServerContext): void {
  const settings = () => ({ projectDimension: ctx.workspace.config.server?.costInsights?.projectDimension ?? "sub_account_id" });
  const read = <T>(key: string, fn: (s: AnalysisStore) => Promise<T>): Promise<T> => ctx.cachedQuery(`cost-insights:${key}`, () => ctx.readers.use(fn));

  const intervalsOf = async (s: AnalysisStore, text: string): Promise<RepeatingIntervals> => {
    const last = await lastCompleteBillingDay(s);
    const r = parseIntervals(text, last === null ? null : addDays(last, 1));
    if (!r.ok) throw new HttpProblem(400, "BAD_REQUEST", r.message);
    return r.value;
  };
  /** A team-bound caller's own group only (another one does not exist for it). */
  const checkGroup = (team: string | null, group: string): void => {
    if (team !== null && team !== group) throw new HttpProblem(404, "NOT_FOUND", `no group ${JSON.stringify(group)} for this token (bound to team ${JSON.stringify(team)})`);
  };

  const costFor = async (s: AnalysisStore, id: string, scope: Scope, iv: RepeatingIntervals, asked: string | undefined, groupings: Record<string, string>): Promise<Cost & { currency: string | null }> => {
    const w = { start: iv.start, end: iv.end };
    const currency = await scopeCurrency(s, scope, w, asked);
    if (currency === null) return { ...costOf(id, new Map(), iv, null), currency: null };
    const grouped: Record<string, Cost[]> = {};
    for (const [name, dimension] of Object.entries(groupings)) {
      const parts = await dailyCostBy(s, scope, w, currency, dimension, TOP);
      grouped[name] = [...parts].map(([key, daily]) => costOf(key, daily, iv, currency));
    }
    return { ...costOf(id, await dailyCost(s, scope, w, currency), iv, currency, grouped), currency };
  };

  app.get(
    `${PREFIX}/last-complete-billing-date`,
    {
      config: { policy: { access: "read", team: "scoped" } },
      schema: { summary: "getLastCompleteBillingDate: the last complete billing day (YYYY-MM-DD)", tags: ["cost-insights"], response: { 200: ciBillingDateSchema, ...errorResponses } },
    },
    async () => ({ lastCompleteBillingDate: await read("last-day", (s) => lastCompleteBillingDay(s)) }),
  );

  app.get(
    `${PREFIX}/groups`,
    {
      config: { policy: { access: "read", team: "scoped" } },
      schema: {
        summary: "getUserGroups: the allocation owners (a team-bound token: its team only); userId is accepted and not used",
        tags: ["cost-insights"],
        querystring: z.object({ userId: z.string().max(500).optional() }),
        response: { 200: ciGroupsSchema, ...errorResponses },
      },
    },
    async (req) => {
      const team = scopeTeam(req);
      const groups = await read(`groups:${team}`, (s) => ownerGroups(s, team));
      return groups.map((g) => (g === UNALLOCATED ? { id: g, name: "Unallocated (no owner)" } : { id: g, name: g }));
    },
  );

  app.get(
    `${PREFIX}/groups/:group/projects`,
    {
      config: { policy: { access: "read", team: "scoped" } },
      schema: {
        summary: "getGroupProjects: values of the project dimension (server.costInsights.projectDimension, default sub_account_id) with the group's cost",
        tags: ["cost-insights"],
        params: z.object({ group: nameText(200, "a group id") }),
        response: { 200: ciProjectsSchema, ...errorResponses, ...cost404 },
      },
    },
    async (req) => {
      const team = scopeTeam(req);
      checkGroup(team, req.params.group);
      const dim = settings().projectDimension;
      const values = await read(`projects:${JSON.stringify([team, req.params.group, dim])}`, (s) => dimensionValues(s, { team, where: { team: req.params.group } }, dim));
      return values.map((id) => ({ id, name: id }));
    },
  );

  app.get(
    `${PREFIX}/groups/:group/daily-cost`,
    {
      config: { policy: { access: "read", team: "scoped" } },
      schema: {
        summary: "getGroupDailyCost: the group's daily allocated cost over the intervals, with the change and breakdowns by product and project",
        tags: ["cost-insights"],
        params: z.object({ group: nameText(200, "a group id") }),
        querystring: z.object({ intervals: intervalsParam, currency: currencyCode.optional() }),
        response: { 200: ciCostSchema, ...errorResponses, ...cost404 },
      },
    },
    async (req) => {
      const team = scopeTeam(req);
      checkGroup(team, req.params.group);
      const { group } = req.params;
      const { intervals, currency } = req.query;
      const dim = settings().projectDimension;
      return read(`group-cost:${JSON.stringify([team, group, intervals, currency ?? null, dim])}`, async (s) =>
        costFor(s, group, { team, where: { team: group } }, await intervalsOf(s, intervals), currency, { product: "service_name", project: dim }),
      );
    },
  );

  app.get(
    `${PREFIX}/projects/:project/daily-cost`,
    {
      config: { policy: { access: "read", team: "scoped" } },
      schema: {
        summary: "getProjectDailyCost: the project's daily cost (a team-bound token: its team's share) over the intervals, with a breakdown by product",
        tags: ["cost-insights"],
        params: z.object({ project: nameText(500, "a project id") }),
        querystring: z.object({ intervals: intervalsParam, currency: currencyCode.optional() }),
        response: { 200: ciCostSchema, ...errorResponses },
      },
    },
    async (req) => {
      const team = scopeTeam(req);
      const { project } = req.params;
      const { intervals, currency } = req.query;
      const dim = settings().projectDimension;
      return read(`project-cost:${JSON.stringify([team, project, intervals, currency ?? null, dim])}`, async (s) =>
        costFor(s, project, { team, where: { [dim]: project } }, await intervalsOf(s, intervals), currency, { product: "service_name" }),
      );
    },
  );

  app.get(
    `${PREFIX}/metrics`,
    {
      config: { policy: { access: "read", team: "deny" } },
      schema: { summary: "The business metrics getDailyMetricData answers (for the plugin's `metrics` config)", tags: ["cost-insights"], response: { 200: ciMetricsSchema, ...errorResponses } },
    },
    async () => (await read("metrics", (s) => businessMetricNames(s))).map((m, i) => ({ kind: m, name: m, default: i === 0 })),
  );

  app.get(
    `${PREFIX}/metrics/:metric/daily`,
    {
      config: { policy: { access: "read", team: "deny" } },
      schema: {
        summary: "getDailyMetricData: a business metric's daily values over the intervals (format number, 6 decimals)",
        tags: ["cost-insights"],
        params: z.object({ metric: nameText(200, "a metric name") }),
        querystring: z.object({ intervals: intervalsParam }),
        response: { 200: ciMetricDataSchema, ...errorResponses, ...cost404 },
      },
    },
    async (req) => {
      const { metric } = req.params;
      const { intervals } = req.query;
      return read(`metric:${JSON.stringify([metric, intervals])}`, async (s) => {
        if (!(await businessMetricNames(s)).includes(metric)) throw new HttpProblem(404, "NOT_FOUND", `no business metric ${JSON.stringify(metric)} (load one with \`costwise metrics ingest\`)`);
        const iv = await intervalsOf(s, intervals);
        const daily = await businessMetricDaily(s, metric, { start: iv.start, end: iv.end });
        const totals = bucketTotals(daily, iv);
        return { id: metric, format: "number" as const, aggregation: dailyAggregation(daily, iv, null, 6), change: changeOf(totals[0] ?? "0", totals[totals.length - 1] ?? "0", null, 6) };
      });
    },
  );

  app.get(
    `${PREFIX}/products`,
    {
      config: { policy: { access: "read", team: "scoped" } },
      schema: { summary: "Products (services with cost) as the plugin's `products` config: kind (a slug) and name", tags: ["cost-insights"], response: { 200: ciProductsSchema, ...errorResponses } },
    },
    async (req) => {
      const team = scopeTeam(req);
      return (await read(`products:${team}`, (s) => services(s, { team, where: {} }))).map((name) => ({ kind: productKind(name), name }));
    },
  );

  app.get(
    `${PREFIX}/products/:product/insights`,
    {
      config: { policy: { access: "read", team: "scoped" } },
      schema: {
        summary: "getProductInsights: a product's (service's) cost in the first and last interval for a group (and project), with its top resources",
        tags: ["cost-insights"],
        params: z.object({ product: nameText(300, "a product kind or service name") }),
        querystring: z.object({ group: nameText(200, "a group id"), intervals: intervalsParam, project: nameText(500, "a project id").optional(), currency: currencyCode.optional() }),
        response: { 200: ciEntitySchema, ...errorResponses, ...cost404 },
      },
    },
    async (req) => {
      const team = scopeTeam(req);
      const { group, intervals, project, currency: asked } = req.query;
      checkGroup(team, group);
      const dim = settings().projectDimension;
      return read(`product:${JSON.stringify([team, req.params.product, group, intervals, project ?? null, asked ?? null, dim])}`, async (s) => {
        const names = await services(s, { team, where: { team: group } });
        const service = names.find((n) => n === req.params.product) ?? names.find((n) => productKind(n) === req.params.product);
        const iv = await intervalsOf(s, intervals);
        if (service === undefined) return { ...entityOf(req.params.product, "0", "0", asked ?? null), currency: asked ?? null };
        const scope: Scope = { team, where: { team: group, service_name: service, ...(project !== undefined ? { [dim]: project } : {}) } };
        const first = iv.buckets[0]!;
        const last = iv.buckets[iv.buckets.length - 1]!;
        const currency = await scopeCurrency(s, scope, { start: iv.start, end: iv.end }, asked);
        if (currency === null) return { ...entityOf(service, "0", "0", null), currency: null };
        const byResource = await totalsBy(s, scope, [first, last], currency, "resource_id", TOP);
        const entities = { resource: byResource.parts.map((p) => entityOf(p.key, p.totals[0]!, p.totals[1]!, currency)) };
        return { ...entityOf(service, byResource.totals[0]!, byResource.totals[1]!, currency, entities), currency };
      });
    },
  );

  app.get(
    `${PREFIX}/groups/:group/alerts`,
    {
      config: { policy: { access: "read", team: "scoped" } },
      schema: {
        summary: "getAlerts: the group's open anomalies, open recommendations and budgets over a threshold, as data",
        tags: ["cost-insights"],
        params: z.object({ group: nameText(200, "a group id") }),
        response: { 200: ciAlertsSchema, ...errorResponses, ...cost404 },
      },
    },
    async (req) => {
      const team = scopeTeam(req);
      checkGroup(team, req.params.group);
      const alerts = await ctx.cached(`cost-insights:alerts:${req.params.group}`, () => ctx.readers.use((s) => groupAlerts(s, ctx.workspace.config, ctx.workspace.baseDir, req.params.group)));
      return alerts.map((a) => ({ ...a, amount: toAmount(a.amount, a.currency) }));
    },
  );
}
