/**
 * Commitments (Reserved Instances and Savings Plans): per-commitment and overall utilization, coverage,
 * effective savings rate and expiry, read from the bill over a window ending at its last charge, and the
 * recommended Savings Plan purchases (`costwise recommend run` simulates them on the bill's hourly on-demand
 * eligible spend) with their status. Organisation-wide: team-bound tokens are refused.
 */
import { z } from "zod";
import { optimizationDefaults } from "../../core/config/sections/optimization.js";
import { commitmentReport } from "../../engine/optimize/commitment-analysis.js";
import { listRecommendations } from "../../engine/optimize/recommendation-store.js";
import type { CostStore } from "../../engine/store/cost-store.js";
import { DuckDbStore } from "../../engine/store/duckdb-store.js";
import type { AnalysisStore } from "../../engine/store/cost-store.js";
import type { ServerContext, ZApp } from "../context.js";
import { availabilitySchema, errorResponses, money } from "../schemas.js";
import { availability } from "./features.js";

const ratio = z.string().regex(/^-?\d+(\.\d+)?$/).nullable().describe("a ratio (1 = 100%) as a decimal string; null when its base is zero or unknown");

export const commitmentSchema = z.object({
  commitmentId: z.string(),
  type: z.string().nullable(),
  category: z.string().nullable(),
  used: money.describe("commitment cost applied to usage (EffectiveCost of covered usage)"),
  unused: money.describe("commitment cost paid but not used"),
  coveredList: money.nullable().describe("list (on-demand) cost of the covered usage"),
  utilization: ratio,
  netSavings: money.nullable().describe("covered list cost minus what the commitment cost"),
  effectiveSavingsRate: ratio,
  endsAt: z.string().nullable(),
  expiresWithinDays: z.number().int().nullable(),
});

export const purchaseSchema = z.object({
  id: z.number().int().describe("recommendation id (POST /api/v1/recommendations/{id}/status to accept or dismiss)"),
  status: z.string(),
  statusReason: z.string().nullable(),
  plan: z.string(),
  action: z.string(),
  currency: z.string(),
  hourlyCommitment: money.nullable(),
  monthlySaving: money,
  discount: z.string().nullable(),
  lookbackDays: z.number().int().nullable(),
  onDemandCost: money.nullable().describe("on-demand eligible spend over the lookback"),
  netSavings: money.nullable().describe("what the plan would have saved over the lookback"),
  expectedUtilization: ratio,
  expectedCoverage: ratio,
  breakEvenMonths: z.string().nullable(),
  confidence: z.string(),
  reason: z.string(),
  alternatives: z.array(z.object({ plan: z.string(), lookbackDays: z.number().int(), hourlyCommitment: money, monthlyNetSavings: money })),
});

export const commitmentsResponse = z.object({
  availability: availabilitySchema,
  window: z.object({ start: z.string(), end: z.string(), days: z.number().int() }).nullable(),
  currency: z.string().nullable(),
  overall: z
    .object({
      used: money,
      unused: money,
      onDemandEligible: money.describe("on-demand usage of commitment-eligible services (not covered)"),
      eligibleList: money.nullable(),
      utilization: ratio,
      coverage: ratio,
      effectiveSavingsRate: ratio,
      netSavings: money.nullable(),
    })
    .nullable(),
  commitments: z.array(commitmentSchema),
  purchases: z.array(purchaseSchema),
});

const s = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const moneyOrNull = (v: unknown): string | null => {
  const x = s(v);
  return x !== null && /^-?\d+(\.\d+)?$/.test(x) ? x : null;
};

export function registerCommitmentRoutes(app: ZApp, ctx: ServerContext): void {
  app.get(
    "/api/v1/commitments",
    {
      config: { policy: { access: "read", team: "deny" } },
      schema: {
        summary: "RI and Savings Plan utilization, coverage, savings rate and expiry over the bill's last days, and the recommended Savings Plan purchases",
        tags: ["analyses"],
        querystring: z.object({ days: z.coerce.number().int().min(1).max(1000).default(30).describe("window: this many days up to the bill's last charge") }),
        response: { 200: commitmentsResponse, ...errorResponses },
      },
    },
    async (req) =>
      ctx.cached(`commitments:${req.query.days}`, () =>
        ctx.readers.use(async (st) => {
          const a = await availability(ctx, st, "commitments");
          const purchases = await savingsPlanPurchases(st);
          if (!a.available) return { availability: a, window: null, currency: null, overall: null, commitments: [], purchases };
          const last = await st.all(`SELECT strftime(max("ChargePeriodEnd"), '%Y-%m-%dT%H:%M:%SZ') AS e FROM focus_costs`);
          const end = new Date(String(last[0]?.["e"]));
          const start = new Date(end.getTime() - req.query.days * 86_400_000);
          const cfg = ctx.workspace.config.optimization ?? optimizationDefaults();
          const r = await commitmentReport(st as unknown as AnalysisStore, cfg, { start, end });
          return {
            availability: a,
            window: { start: start.toISOString().slice(0, 10), end: end.toISOString().slice(0, 10), days: req.query.days },
            currency: r.currency,
            overall: r.overall,
            commitments: r.commitments.map((c) => ({
              commitmentId: c.commitmentId,
              type: c.type,
              category: c.category,
              used: c.used,
              unused: c.unused,
              coveredList: c.coveredList,
              utilization: c.utilization,
              netSavings: c.netSavings,
              effectiveSavingsRate: c.effectiveSavingsRate,
              endsAt: c.endsAt,
              expiresWithinDays: c.expiresWithinDays,
            })),
            purchases,
          };
        }),
      ),
  );
}

/** The Savings Plan purchase recommendations saved by `costwise recommend run`, open or accepted first. */
async function savingsPlanPurchases(st: CostStore): Promise<z.infer<typeof purchaseSchema>[]> {
  const has = await st.all(`SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = 'recommendations'`);
  if (Number(has[0]?.["n"]) === 0) return [];
  const rows = await listRecommendations(st as unknown as AnalysisStore, { type: ["savings-plan"] });
  return rows.map((r) => {
    const d = r.details;
    const alternatives = Array.isArray(d["alternatives"]) ? (d["alternatives"] as Record<string, unknown>[]) : [];
    return {
      id: r.id,
      status: r.status,
      statusReason: r.statusReason,
      plan: r.resourceId ?? s(d["plan"]) ?? "savings-plan",
      action: r.action,
      currency: r.currency,
      hourlyCommitment: moneyOrNull(d["hourlyCommitment"]),
      monthlySaving: r.monthlySaving,
      discount: s(d["discount"]),
      lookbackDays: typeof d["lookbackDays"] === "number" ? d["lookbackDays"] : null,
      onDemandCost: moneyOrNull(d["onDemandCost"]),
      netSavings: moneyOrNull(d["netSavings"]),
      expectedUtilization: moneyOrNull(d["expectedUtilization"]),
      expectedCoverage: moneyOrNull(d["expectedCoverage"]),
      breakEvenMonths: s(d["breakEvenMonths"]),
      confidence: r.confidence,
      reason: r.reason,
      alternatives: alternatives
        .filter((x) => typeof x["plan"] === "string" && typeof x["lookbackDays"] === "number" && moneyOrNull(x["hourlyCommitment"]) && moneyOrNull(x["monthlyNetSavings"]))
        .map((x) => ({ plan: String(x["plan"]), lookbackDays: Number(x["lookbackDays"]), hourlyCommitment: String(x["hourlyCommitment"]), monthlyNetSavings: String(x["monthlyNetSavings"]) })),
    };
  });
}
