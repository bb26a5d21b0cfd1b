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
import { listAnomalies } from "../../engine/detect/monitors.js";
import { FORECAST_SNAPSHOTS_TABLE } from "../../engine/detect/tables.js";
import { listRecommendations, realizedSavings, setRecommendationStatus } from "../../engine/optimize/recommendation-store.js";
import type { CostStore } from "../../engine/store/cost-store.js";
import { DuckDbStore } from "../../engine/store/duckdb-store.js";
import type { AnalysisStore } from "../../engine/store/cost-store.js";
import { scopeTeam, type ServerContext, type ZApp } from "../context.js";
import { availabilitySchema, errorResponses, money } from "../schemas.js";
import { availability } from "./features.js";

/** Engine functions typed for AnalysisStore only use all/run/transaction, which every reader has. */
function asDuck(s: CostStore): AnalysisStore {
  return s as unknown as AnalysisStore;
}

const items = z.array(z.record(z.string(), z.unknown()));
const withAvailability = <T extends z.ZodTypeAny>(extra: T) => z.object({ availability: availabilitySchema, items: extra });

const findingsSummary = z.object({
  findings: z.number().int().describe("findings of the latest scan the caller may see (items holds at most 2000)"),
  shown: z.number().int(),
  byRule: z
    .array(z.object({ ruleId: z.string(), severity: z.string(), blocking: z.boolean(), findings: z.number().int(), resources: z.number().int(), currency: z.string().nullable(), monthlyCost: money }))
    .describe("per rule and currency: findings, resources, and the monthly cost of those resources (each counted once)"),
  byTeam: z
    .array(z.object({ team: z.string().nullable(), findings: z.number().int(), resources: z.number().int(), currency: z.string().nullable(), monthlyCost: money }))
    .describe("per owning team and currency: findings, resources, and the monthly cost of those resources (each counted once)"),
});

export interface ForecastPoint {
  period: string;
  expected: string;
  lower: string;
  upper: string;
}

/**
 * The latest stored forecast of a currency, by day or month (80% band): of the whole store ('total' first)
 * or, given `scopes`, of the first of those scopes that has one (a team's own forecast scopes).
 */
export async function latestForecast(s: CostStore, currency: string, periodKind: "day" | "month", scopes?: readonly string[]): Promise<{ scope: string; madeOn: string; points: ForecastPoint[] } | null> {
  if (scopes && scopes.length === 0) return null;
  const only = scopes ? ` AND scope IN (${scopes.map(() => "?").join(", ")})` : "";
  const order = scopes ? `CASE scope ${scopes.map((_, i) => `WHEN ? THEN ${i}`).join(" ")} END` : `(scope = 'total') DESC, (scope = 'all') DESC, scope`;
  const head = await s.all({
    sql: `SELECT scope, strftime(max(made_on), '%Y-%m-%d') AS made_on FROM ${FORECAST_SNAPSHOTS_TABLE} WHERE currency = ? AND period_kind = ?${only}
          GROUP BY scope ORDER BY ${order} LIMIT 1`,
    params: scopes ? [currency, periodKind, ...scopes, ...scopes] : [currency, periodKind],
  });
  const h = head[0];
  if (!h) return null;
  const rows = await s.all({
    sql: `SELECT strftime(period_start, '%Y-%m-%d') AS p, point::VARCHAR AS e, lower80::VARCHAR AS l, upper80::VARCHAR AS u FROM ${FORECAST_SNAPSHOTS_TABLE}
          WHERE scope = ? AND currency = ? AND period_kind = ? AND made_on = CAST(? AS DATE) ORDER BY period_start`,
    params: [String(h["scope"]), currency, periodKind, String(h["made_on"])],
  });
  return { scope: String(h["scope"]), madeOn: String(h["made_on"]), points: rows.map((r) => ({ period: String(r["p"]), expected: String(r["e"]), lower: String(r["l"]), upper: String(r["u"]) })) };
}

export function registerAnalysisRoutes(app: ZApp, ctx: ServerContext): void {
  app.get(
    "/api/v1/anomalies",
    {
      config: { policy: { access: "read", team: "deny" } },
      schema: {
        summary: "Cost anomalies (newest first): actual vs expected, impact, severity, root cause",
        tags: ["analyses"],
        querystring: z.object({ since: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(), limit: z.coerce.number().int().min(1).max(1000).default(200) }),
        response: { 200: withAvailability(items), ...errorResponses },
      },
    },
    async (req) =>
      ctx.cached(`anomalies:${req.query.since ?? ""}:${req.query.limit}`, () =>
        ctx.readers.use(async (s) => {
          const a = await availability(ctx, s, "anomalies");
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
        response: {
          200: z.object({
            availability: availabilitySchema,
            monthly: z.object({ scope: z.string(), madeOn: z.string(), points: z.array(z.object({ period: z.string(), expected: money, lower: money, upper: money })) }).nullable(),
            daily: z.object({ scope: z.string(), madeOn: z.string(), points: z.array(z.object({ period: z.string(), expected: money, lower: money, upper: money })) }).nullable(),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) =>
      ctx.readers.use(async (s) => {
        const a = await availability(ctx, s, "forecasts");
        if (!a.available) return { availability: a, monthly: null, daily: null };
        return { availability: a, monthly: await latestForecast(s, req.query.currency, "month"), daily: await latestForecast(s, req.query.currency, "day") };
      }),
  );

  app.get(
    "/api/v1/budgets",
    {
      config: { policy: { access: "read", team: "deny" } },
      schema: { summary: "Budgets from costwise.yaml: burn, period-end forecast, thresholds crossed (records nothing)", tags: ["analyses"], response: { 200: withAvailability(items), ...errorResponses } },
    },
    async () =>
      ctx.cached("budgets", () =>
        ctx.readers.use(async (s) => {
          const a = await availability(ctx, s, "budgets");
          if (!a.available) return { availability: a, items: [] };
          const list = await budgetStatus(s, ctx.workspace.config, { persist: false });
          return { availability: a, items: list as unknown as Record<string, unknown>[] };
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
        response: { 200: z.object({ availability: availabilitySchema, items, realized: z.object({ count: z.number().int(), monthly: z.array(z.object({ currency: z.string(), amount: money })) }) }), ...errorResponses },
      },
    },
    async (req) => {
      const team = scopeTeam(req);
      return ctx.cached(`recs:${JSON.stringify([team, req.query.all])}`, () =>
        ctx.readers.use(async (s) => {
          const a = await availability(ctx, s, "recommendations");
          if (!a.available) return { availability: a, items: [], realized: { count: 0, monthly: [] } };
          const list = await listRecommendations(asDuck(s), { includeResolved: req.query.all === "true", ...(team !== null ? { owner: team } : {}) });
          // realized savings are organisation-wide: only unscoped callers get them
          const realized = team === null ? await realizedSavings(asDuck(s), 730) : [];
          const byCur = new Map<string, bigint>();
          const cur = new Map(list.map((r) => [r.id, r.currency]));
          for (const r of realized) {
            if (r.realizedMonthlySaving === null) continue;
            const c = cur.get(r.id) ?? "USD";
            const [i = "0", f = ""] = r.realizedMonthlySaving.replace("-", "").split(".");
            const units = BigInt(i + f.padEnd(10, "0").slice(0, 10)) * (r.realizedMonthlySaving.startsWith("-") ? -1n : 1n);
            byCur.set(c, (byCur.get(c) ?? 0n) + units);
          }
          const fmt = (u: bigint) => {
            const neg = u < 0n;
            const a2 = neg ? -u : u;
            return `${neg ? "-" : ""}${a2 / 10_000_000_000n}.${(a2 % 10_000_000_000n).toString().padStart(10, "0")}`;
          };
          return {
            availability: a,
            items: list as unknown as Record<string, unknown>[],
            realized: { count: realized.length, monthly: [...byCur].map(([currency, u]) => ({ currency, amount: fmt(u) })) },
          };
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
        response: { 200: z.record(z.string(), z.unknown()), ...errorResponses, 404: errorResponses[400] },
      },
    },
    async (req) => {
      const rec = await ctx.writeLock(() => setRecommendationStatus(ctx.writer, req.params.id, req.body.status, req.body.reason));
      ctx.invalidate();
      req.log.info({ recommendation: rec.id, status: rec.status }, "recommendation status changed");
      return rec as unknown as Record<string, unknown>;
    },
  );

  app.get(
    "/api/v1/governance/findings",
    {
      config: { policy: { access: "read", team: "scoped" } },
      schema: {
        summary: "Findings of the latest governance scan (tag policies), with monthly cost; team tokens see their team's only",
        tags: ["analyses"],
        response: { 200: z.object({ availability: availabilitySchema, scan: z.record(z.string(), z.unknown()).nullable(), summary: findingsSummary, items }), ...errorResponses },
      },
    },
    async (req) => {
      const team = scopeTeam(req);
      return ctx.cached(`findings:${JSON.stringify(team)}`, () =>
        ctx.readers.use(async (s) => {
          const a = await availability(ctx, s, "governance");
          const none = { findings: 0, shown: 0, byRule: [], byTeam: [] };
          if (!a.available) return { availability: a, scan: null, summary: none, items: [] };
          const scans = await s.all(
            `SELECT scan_id, strftime(scanned_at, '%Y-%m-%dT%H:%M:%SZ') AS scanned_at, origin, policy_file, resources, checked, compliant, findings, blocking FROM governance_scans ORDER BY scanned_at DESC LIMIT 1`,
          );
          const scan = scans[0] ?? null;
          if (!scan) return { availability: a, scan: null, summary: none, items: [] };
          const rows = await s.all({
            sql: `SELECT finding_id, rule_id, kind, severity, blocking, resource_id, resource_type, account, region, team, tag_key, tag_value, suggestion, message,
                         monthly_cost::VARCHAR AS monthly_cost, currency
                  FROM governance_findings WHERE scan_id = ?${team !== null ? " AND team = ?" : ""} ORDER BY blocking DESC, monthly_cost DESC NULLS LAST, finding_id LIMIT 2000`,
            params: team !== null ? [String(scan["scan_id"]), team] : [String(scan["scan_id"])],
          });
          // the whole scan's counts and monthly cost per rule and per team (items are capped), in SQL, exact
          const where = `scan_id = ?${team !== null ? " AND team = ?" : ""}`;
          const params = team !== null ? [String(scan["scan_id"]), team] : [String(scan["scan_id"])];
          const group = async (key: "rule_id" | "team") =>
            s.all({
              // a resource's monthly cost counts once per group, however many findings it has there
              sql: `WITH f AS (SELECT *, row_number() OVER (PARTITION BY ${key}, resource_id ORDER BY finding_id) AS rn FROM governance_findings WHERE ${where})
                    SELECT ${key} AS k, any_value(severity) AS severity, bool_or(blocking) AS blocking, count(*)::INTEGER AS findings, count(DISTINCT resource_id)::INTEGER AS resources,
                           currency, coalesce(sum(monthly_cost) FILTER (WHERE rn = 1), 0)::VARCHAR AS monthly_cost
                    FROM f GROUP BY ${key}, currency ORDER BY findings DESC, k, currency`,
              params,
            });
          const byRule = (await group("rule_id")).map((r) => ({ ruleId: String(r["k"]), severity: String(r["severity"]), blocking: Boolean(r["blocking"]), findings: Number(r["findings"]), resources: Number(r["resources"]), currency: r["currency"] === null ? null : String(r["currency"]), monthlyCost: String(r["monthly_cost"]) }));
          const byTeam = (await group("team")).map((r) => ({ team: r["k"] === null ? null : String(r["k"]), findings: Number(r["findings"]), resources: Number(r["resources"]), currency: r["currency"] === null ? null : String(r["currency"]), monthlyCost: String(r["monthly_cost"]) }));
          const findings = byRule.reduce((n, r) => n + r.findings, 0);
          return { availability: a, scan: team === null ? scan : null, summary: { findings, shown: rows.length, byRule, byTeam }, items: rows };
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
        response: { 200: withAvailability(items), ...errorResponses },
      },
    },
    async () =>
      ctx.cached("unit-costs", () =>
        ctx.readers.use(async (s) => {
          const a = await availability(ctx, s, "unit-costs");
          if (!a.available) return { availability: a, items: [] };
          const { model } = loadAllocation(ctx.workspace.config, ctx.workspace.baseDir);
          if (model.config.unitCosts.length === 0) {
            return { availability: { available: false, feature: "unit-costs", reason: "no unit costs configured", produceWith: "allocation.unitCosts in costwise.yaml" }, items: [] };
          }
          try {
            const r = await unitCosts(asDuck(s), model, { granularity: "month" });
            return { availability: a, items: r.rows as unknown as Record<string, unknown>[] };
          } catch (e) {
            if (e instanceof CostwiseError && e.code === "USAGE") return { availability: { ...a, available: false, reason: e.message }, items: [] };
            throw e;
          }
        }),
      ),
  );
}
