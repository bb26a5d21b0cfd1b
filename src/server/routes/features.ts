/**
 * Analyses that other costwise features produce (anomalies, forecasts, budgets, recommendations,
 * governance findings, unit costs). Each endpoint reports whether its data exists and, when it does
 * not, which command produces it; the dashboard shows that as the page's empty state. Nothing here
 * ever invents numbers.
 */
import { z } from "zod";
import type { CostStore } from "../../engine/store/cost-store.js";
import { sql } from "../../engine/store/cost-store.js";
import { allocationAvailable } from "../allocation-queries.js";
import type { ServerContext, ZApp } from "../context.js";
import { latestForecast } from "./analyses.js";
import { availabilitySchema, errorResponses, type Availability } from "../schemas.js";

export interface FeatureInfo {
  feature: string;
  title: string;
  /** The command that produces the feature's data. */
  produceWith: string;
  /** Whether the feature's data is present in the store. */
  check(store: CostStore): Promise<boolean>;
}

export async function tableHasRows(store: CostStore, table: string): Promise<boolean> {
  const r = await store.all(sql(`SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = ?`, table));
  if (Number(r[0]?.["n"]) === 0) return false;
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) return false;
  const rows = await store.all(`SELECT count(*)::BIGINT AS n FROM (SELECT 1 FROM "${table}" LIMIT 1)`);
  return Number(rows[0]?.["n"]) > 0;
}

/** Whether the bills hold any Reserved Instance / Savings Plan rows. */
async function hasCommitmentRows(s: CostStore): Promise<boolean> {
  if (!(await tableHasRows(s, "focus_costs"))) return false;
  const r = await s.all(`SELECT count(*)::INTEGER AS n FROM (SELECT 1 FROM focus_costs WHERE "CommitmentDiscountId" IS NOT NULL LIMIT 1)`);
  return Number(r[0]?.["n"]) > 0;
}

/** Whether budgets are configured (detection.budgets in costwise.yaml) and there is cost data to burn. */
function budgetsConfigured(ctx: ServerContext): (s: CostStore) => Promise<boolean> {
  return async (s) => (ctx.workspace.config.detection?.budgets?.length ?? 0) > 0 && (await tableHasRows(s, "focus_costs"));
}

/** Unit costs need configured definitions, business metrics and allocated costs. */
function unitCostsReady(ctx: ServerContext): (s: CostStore) => Promise<boolean> {
  return async (s) =>
    (ctx.workspace.config.allocation?.unitCosts?.length ?? 0) > 0 && (await tableHasRows(s, "business_metrics")) && (await allocationAvailable(s));
}

export function features(ctx: ServerContext): readonly FeatureInfo[] {
  return [
    { feature: "allocation", title: "Teams and showback", produceWith: "costwise allocate", check: allocationAvailable },
    { feature: "anomalies", title: "Anomalies", produceWith: "costwise detect", check: (s) => tableHasRows(s, "detect_anomalies") },
    { feature: "forecasts", title: "Forecasts", produceWith: "costwise forecast", check: (s) => tableHasRows(s, "detect_forecast_snapshots") },
    { feature: "budgets", title: "Budgets", produceWith: "detection.budgets in costwise.yaml, then costwise serve --config costwise.yaml", check: budgetsConfigured(ctx) },
    { feature: "recommendations", title: "Recommendations and commitments", produceWith: "costwise recommend run", check: (s) => tableHasRows(s, "recommendations") },
    { feature: "commitments", title: "Commitments", produceWith: "costwise ingest <bills with Reserved Instance / Savings Plan rows>", check: hasCommitmentRows },
    { feature: "governance", title: "Governance findings", produceWith: "costwise policy scan", check: (s) => tableHasRows(s, "governance_scans") },
    { feature: "unit-costs", title: "Unit costs", produceWith: "allocation.unitCosts in costwise.yaml + costwise metrics ingest + costwise allocate", check: unitCostsReady(ctx) },
  ];
}

export async function availability(ctx: ServerContext, store: CostStore, feature: string): Promise<Availability> {
  const f = features(ctx).find((x) => x.feature === feature);
  if (!f) return { available: false, feature, reason: "unknown feature" };
  if (await f.check(store)) return { available: true, feature };
  return {
    available: false,
    feature,
    reason: `no ${f.title.toLowerCase()} data in this store yet`,
    produceWith: f.produceWith,
  };
}

/**
 * Forecast band and budget line for the overview chart, when those features have produced data. An unscoped
 * caller gets the whole store's forecast and the whole-organisation monthly budget; a team-bound caller gets
 * only its own team's: the monthly budgets whose scope is exactly `owner: <team>` (they read that team's
 * allocated costs) and the forecasts saved for those budget scopes (or a `team:<team>` scope) — never the
 * organisation's or another team's.
 */
export async function forecastForOverview(ctx: ServerContext, store: CostStore, team: string | null, currency: string) {
  const f = await availability(ctx, store, "forecasts");
  const b = await availability(ctx, store, "budgets");
  const forecast: { available: boolean; reason?: string; points: { period: string; expected: string; lower: string; upper: string }[] } = { available: false, points: [] };
  const budget: { available: boolean; reason?: string; monthlyAmount: string | null } = { available: false, monthlyAmount: null };
  const budgets = ctx.workspace.config.detection?.budgets ?? [];
  const plain = (x: (typeof budgets)[number]) => x.scope.filters.length === 0 && !x.scope.tag;
  const mine = budgets.filter((x) => plain(x) && (team === null ? !x.scope.owner : x.scope.owner === team));
  const who = team === null ? "whole-organisation" : `team ${team}'s`;
  if (!f.available) forecast.reason = `${f.reason}: run ${f.produceWith}`;
  else {
    const scopes = team === null ? undefined : [...mine.map((x) => `budget:${x.name}`), `team:${team}`];
    const daily = await latestForecast(store, currency, "day", scopes);
    if (daily && daily.points.length) {
      forecast.available = true;
      forecast.points = daily.points;
    } else
      forecast.reason =
        team === null
          ? `no daily forecast in ${currency} stored (run costwise forecast)`
          : `no daily forecast in ${currency} stored for team ${team} (give the team a budget with scope { owner: ${team} } in detection.budgets, then run costwise forecast)`;
  }
  if (!b.available) budget.reason = `${b.reason}: ${b.produceWith}`;
  else {
    const monthly = mine.find((x) => x.period === "month" && x.currency === currency);
    if (monthly) {
      budget.available = true;
      budget.monthlyAmount = String(monthly.amount);
    } else budget.reason = `no ${who} monthly budget in ${currency} configured`;
  }
  return { forecast, budget };
}

const featureList = z.array(availabilitySchema.extend({ title: z.string() }));


export function registerFeatureRoutes(app: ZApp, ctx: ServerContext): void {
  app.get(
    "/api/v1/features",
    {
      config: { policy: { access: "read", team: "scoped" } },
      schema: { summary: "Which analyses have data in this store, and which command produces each", tags: ["system"], response: { 200: featureList, ...errorResponses } },
    },
    async () => ctx.cached("features", () => ctx.readers.use(async (s) => Promise.all(features(ctx).map(async (f) => ({ ...(await availability(ctx, s, f.feature)), title: f.title }))))),
  );

}

