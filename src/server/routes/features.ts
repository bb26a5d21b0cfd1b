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

const notYet = async (): Promise<boolean> => false;

export const FEATURES: readonly FeatureInfo[] = [
  { feature: "allocation", title: "Teams and showback", produceWith: "costwise allocate", check: allocationAvailable },
  { feature: "anomalies", title: "Anomalies", produceWith: "costwise detect", check: notYet },
  { feature: "forecasts", title: "Forecasts", produceWith: "costwise forecast", check: notYet },
  { feature: "budgets", title: "Budgets", produceWith: "costwise budgets (budgets in costwise.yaml)", check: notYet },
  { feature: "recommendations", title: "Recommendations and commitments", produceWith: "costwise optimize", check: notYet },
  { feature: "governance", title: "Governance findings", produceWith: "costwise govern", check: notYet },
  { feature: "unit-costs", title: "Unit costs", produceWith: "costwise metrics ingest + costwise unit-costs", check: notYet },
];

export async function availability(store: CostStore, feature: string): Promise<Availability> {
  const f = FEATURES.find((x) => x.feature === feature);
  if (!f) return { available: false, feature, reason: "unknown feature" };
  if (await f.check(store)) return { available: true, feature };
  return {
    available: false,
    feature,
    reason: `no ${f.title.toLowerCase()} data in this store yet`,
    produceWith: f.produceWith,
  };
}

/** Forecast band and budget line for the overview chart, when those features have produced data. */
export async function forecastForOverview(store: CostStore, _team: string | null, _currency: string) {
  const f = await availability(store, "forecasts");
  const b = await availability(store, "budgets");
  return {
    forecast: { available: false, reason: f.available ? "forecast data present but not wired yet" : `${f.reason}: ${f.produceWith}`, points: [] as { period: string; expected: string; lower: string; upper: string }[] },
    budget: { available: false, reason: b.available ? "budget data present but not wired yet" : `${b.reason}: ${b.produceWith}`, monthlyAmount: null as string | null },
  };
}

const featureList = z.array(availabilitySchema.extend({ title: z.string() }));

/** Items of a feature endpoint whose data is not in the store: the availability and no items. */
const pendingSchema = z.object({ availability: availabilitySchema, items: z.array(z.record(z.string(), z.unknown())) });

export function registerFeatureRoutes(app: ZApp, ctx: ServerContext): void {
  app.get(
    "/api/v1/features",
    {
      config: { policy: { access: "read", team: "scoped" } },
      schema: { summary: "Which analyses have data in this store, and which command produces each", tags: ["system"], response: { 200: featureList, ...errorResponses } },
    },
    async () => ctx.cached("features", () => ctx.readers.use(async (s) => Promise.all(FEATURES.map(async (f) => ({ ...(await availability(s, f.feature)), title: f.title }))))),
  );

  for (const [feature, path, summary] of [
    ["anomalies", "/api/v1/anomalies", "Cost anomalies with expected vs actual and root cause"],
    ["forecasts", "/api/v1/forecasts", "Forecasts with prediction intervals"],
    ["budgets", "/api/v1/budgets", "Budgets on actual and forecast spend"],
    ["recommendations", "/api/v1/recommendations", "Rightsizing, idle and commitment recommendations with savings and status"],
    ["governance", "/api/v1/governance/findings", "Governance (tag policy) findings"],
    ["unit-costs", "/api/v1/unit-costs", "Unit costs: cost per business unit"],
  ] as const) {
    app.get(
      path,
      {
        // team-bound tokens are refused until the endpoint narrows its data to the token's team
        config: { policy: { access: "read", team: "deny" } },
        schema: { summary, tags: ["analyses"], response: { 200: pendingSchema, ...errorResponses } },
      },
      async () => ctx.readers.use(async (s) => ({ availability: await availability(s, feature), items: [] })),
    );
  }
}

