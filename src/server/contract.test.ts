/**
 * The API contract against the engine's answers: every response schema names exactly the fields of the engine
 * value its route returns (checked by the type checker: a field the schema forgot would be stripped from the
 * answer), and the contract module stays free of engine code (the dashboard imports its types).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import type { ShowbackTeam } from "../engine/allocation/read-model.js";
import type { UnitCostRow } from "../engine/allocation/reports.js";
import type { BudgetStatus } from "../engine/detect/budget-status.js";
import type { AnomalyFeedback, FeedbackMark, SnoozeRow } from "../engine/detect/feedback.js";
import type { StoredAnomaly } from "../engine/detect/monitors.js";
import type { Contributor, RootCause } from "../engine/detect/root-cause.js";
import type { FindingRow, RuleSummary, ScanRow, TeamSummary } from "../engine/governance/findings-read.js";
import type { TagCoverage } from "../engine/kpi/tagged-spend.js";
import type { KpiHistoryRow } from "../engine/kpi/history.js";
import type { KpiWithTrend as ScorecardKpi } from "../engine/kpi/history.js";
import type { OutboxRow } from "../engine/notify/outbox.js";
import type { RecommendationRow } from "../engine/optimize/recommendation-store.js";
import type { SavingsPlanPurchase } from "../engine/optimize/recommendations-read.js";
import type { Overview } from "../engine/query/overview.js";
import type { RollupStatus } from "../engine/store/duckdb/rollup.js";
import type { FeatureAvailability } from "../engine/store/feature-availability.js";
import type { SourceSummary } from "../engine/store/sources.js";
import type * as C from "./contract.js";

/** true when A and B have the same field names. */
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : { onlyInEngine: Exclude<keyof A, keyof B>; onlyInContract: Exclude<keyof B, keyof A> };
/** true when every A is a B (the engine's value passes the schema's type). */
type Fits<A, B> = [A] extends [B] ? true : { engine: A; contract: B };
type Of<S extends z.ZodType> = z.infer<S>;
type Item<T> = T extends readonly (infer U)[] ? U : never;

const sameFields: {
  anomaly: SameKeys<StoredAnomaly, Of<typeof C.anomalySchema>>;
  anomalyFeedback: SameKeys<AnomalyFeedback, Of<typeof C.anomalyFeedbackSchema>>;
  feedbackMark: SameKeys<FeedbackMark, Of<typeof C.feedbackMarkSchema>>;
  snooze: SameKeys<SnoozeRow, Of<typeof C.snoozeSchema>>;
  rootCause: SameKeys<RootCause, Of<typeof C.rootCauseSchema>>;
  rootCauseDays: SameKeys<RootCause["days"], Of<typeof C.rootCauseSchema>["days"]>;
  contributor: SameKeys<Contributor, Of<typeof C.contributorSchema>>;
  /** the stored root cause is the engine's RootCause (or null), field for field */
  storedRootCause: Fits<StoredAnomaly["root_cause"], Of<typeof C.anomalySchema>["root_cause"]>;
  budget: SameKeys<BudgetStatus, Of<typeof C.budgetSchema>>;
  threshold: SameKeys<BudgetStatus["thresholds"][number], Of<typeof C.budgetThresholdSchema>>;
  recommendation: SameKeys<RecommendationRow, Of<typeof C.recommendationSchema>>;
  unitCost: SameKeys<UnitCostRow, Of<typeof C.unitCostSchema>>;
  scan: SameKeys<ScanRow, Of<typeof C.scanSchema>>;
  finding: SameKeys<FindingRow, Of<typeof C.findingSchema>>;
  byRule: SameKeys<RuleSummary, Item<Of<typeof C.findingsSummarySchema>["byRule"]>>;
  byTeam: SameKeys<TeamSummary, Item<Of<typeof C.findingsSummarySchema>["byTeam"]>>;
  purchase: SameKeys<SavingsPlanPurchase, Of<typeof C.purchaseSchema>>;
  // lastCompleteDay: the route adds the store's freshness (lastCompleteDayFromStore) to the engine's answer
  overview: SameKeys<Overview, Omit<Of<typeof C.overviewSchema>, "lastCompleteDay">>;
  tagCoverage: SameKeys<TagCoverage, Of<typeof C.tagCoverageSchema>>;
  kpi: SameKeys<ScorecardKpi, Of<typeof C.kpiSchema>>;
  kpiRow: SameKeys<KpiHistoryRow, Of<typeof C.kpiRowSchema>>;
  showbackTeam: SameKeys<ShowbackTeam, Item<Item<Of<typeof C.showbackSchema>["currencies"]>["teams"]>>;
  /** the API leaves out the sync bookkeeping (`costwise sources` shows it) */
  source: SameKeys<Omit<SourceSummary, "lastSyncAt">, Of<typeof C.sourceSchema>>;
  availability: SameKeys<FeatureAvailability, Of<typeof C.availabilitySchema>>;
  notification: SameKeys<OutboxRow, Of<typeof C.notificationSchema>>;
  rollup: SameKeys<RollupStatus, Of<typeof C.rollupStatusSchema>>;
} = {
  anomaly: true,
  anomalyFeedback: true,
  feedbackMark: true,
  snooze: true,
  rootCause: true,
  rootCauseDays: true,
  contributor: true,
  storedRootCause: true,
  budget: true,
  threshold: true,
  recommendation: true,
  unitCost: true,
  scan: true,
  finding: true,
  byRule: true,
  byTeam: true,
  purchase: true,
  overview: true,
  tagCoverage: true,
  kpi: true,
  kpiRow: true,
  showbackTeam: true,
  source: true,
  availability: true,
  notification: true,
  rollup: true,
};

describe("the API contract", () => {
  it("names the fields of every engine answer it serves", () => {
    expect(Object.values(sameFields).every((v) => v === true)).toBe(true);
  });

  it("imports nothing but zod, pure core modules and the shared schemas (the dashboard imports its types)", () => {
    const text = readFileSync(new URL("./contract.ts", import.meta.url), "utf8");
    const from = [...text.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]!);
    expect(from.length).toBeGreaterThan(0);
    for (const f of from) expect(f === "zod" || f.startsWith("../core/") || f === "./schemas.js", f).toBe(true);
  });
});
