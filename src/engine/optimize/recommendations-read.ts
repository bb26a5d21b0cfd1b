/**
 * Recommendations as the API serves them: the realized monthly savings summed per currency, the Savings Plan
 * purchase recommendations in the commitments page's shape, and the commitments report over the bill's last days.
 */
import { optimizationDefaults, type OptimizationConfig } from "../../core/config/sections/optimization.js";
import type { AnalysisStore } from "../store/cost-store.js";
import { col, readRow } from "../store/read-rows.js";
import { COST_TABLE } from "../store/schema.js";
import { commitmentReport, type CommitmentReport } from "./commitment-analysis.js";
import { measureRealizedSavings } from "./realized-savings.js";
import { listRecommendations, type ListFilter, type RecommendationRow } from "./recommendation-store.js";
import { RECOMMENDATIONS_TABLE } from "./tables.js";

export interface RecommendationsView {
  items: RecommendationRow[];
  /** Organisation-wide: only when asked for (unscoped callers). */
  realized: { count: number; monthly: { currency: string; amount: string }[] };
}

/**
 * Recommendations (a team's own, given `owner`), and for an unscoped caller the savings done recommendations
 * realized, measured on the bill per currency (measureRealizedSavings: the savings-realized KPI's figure).
 */
export async function recommendationsView(store: AnalysisStore, f: ListFilter, withRealized: boolean, cfg: OptimizationConfig = optimizationDefaults()): Promise<RecommendationsView> {
  const list = await listRecommendations(store, f);
  // realized = measured on the bill (./realized-savings.ts), the savings-realized KPI's figure
  if (withRealized) {
    const m = await measureRealizedSavings(store, cfg);
    return { items: list, realized: { count: m.totals.reduce((a, t) => a + t.measured, 0), monthly: m.totals.map((t) => ({ currency: t.currency, amount: t.measuredMonthly })) } };
  }
  return { items: list, realized: { count: 0, monthly: [] } };
}

export interface SavingsPlanPurchase {
  id: number;
  status: string;
  statusReason: string | null;
  plan: string;
  action: string;
  currency: string;
  hourlyCommitment: string | null;
  monthlySaving: string;
  discount: string | null;
  lookbackDays: number | null;
  onDemandCost: string | null;
  netSavings: string | null;
  expectedUtilization: string | null;
  expectedCoverage: string | null;
  breakEvenMonths: string | null;
  confidence: string;
  reason: string;
  alternatives: { plan: string; lookbackDays: number; hourlyCommitment: string; monthlyNetSavings: string }[];
}

const s = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const moneyOrNull = (v: unknown): string | null => {
  const x = s(v);
  return x !== null && /^-?\d+(\.\d+)?$/.test(x) ? x : null;
};

/** The Savings Plan purchase recommendations saved by `costwise recommend run`, open or accepted first. */
export async function savingsPlanPurchases(st: AnalysisStore): Promise<SavingsPlanPurchase[]> {
  const has = await readRow(st, { n: col.int }, { sql: `SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = ?`, params: [RECOMMENDATIONS_TABLE] });
  if ((has?.n ?? 0) === 0) return [];
  const rows = await listRecommendations(st, { type: ["savings-plan"] });
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
      alternatives: alternatives.flatMap((x) => {
        const plan = x["plan"];
        const lookbackDays = x["lookbackDays"];
        const hourlyCommitment = moneyOrNull(x["hourlyCommitment"]);
        const monthlyNetSavings = moneyOrNull(x["monthlyNetSavings"]);
        return typeof plan === "string" && typeof lookbackDays === "number" && hourlyCommitment && monthlyNetSavings ? [{ plan, lookbackDays, hourlyCommitment, monthlyNetSavings }] : [];
      }),
    };
  });
}

/** The commitments report over the `days` days up to the bill's last charge. */
export async function recentCommitments(st: AnalysisStore, cfg: OptimizationConfig, days: number): Promise<{ window: { start: string; end: string; days: number }; report: CommitmentReport }> {
  const last = await readRow(st, { e: col.text.nullable() }, `SELECT strftime(max("ChargePeriodEnd"), '%Y-%m-%dT%H:%M:%SZ') AS e FROM ${COST_TABLE}`);
  const end = new Date(String(last?.e));
  const start = new Date(end.getTime() - days * 86_400_000);
  const report = await commitmentReport(st, cfg, { start, end });
  return { window: { start: start.toISOString().slice(0, 10), end: end.toISOString().slice(0, 10), days }, report };
}

