/** One optimization run: analyse resources and commitments, save recommendations, record the run. */
import { randomUUID } from "node:crypto";
import type { OptimizationConfig } from "../../core/config/sections/optimization.js";
import type { InstanceType } from "../../core/optimize/instance-catalog.js";
import type { RecommendationType } from "../../core/optimize/recommendation-model.js";
import { sql, type AnalysisStore } from "../store/cost-store.js";
import { analyzeResources, type AnalyzeResult } from "./analyze.js";
import { savingsPlanDrafts, savingsPlanRecommendations, type SpPlanResult } from "./commitment-analysis.js";
import { saveRecommendations, type SaveResult } from "./recommendation-store.js";
import { OPTIMIZE_RUNS_TABLE } from "./tables.js";

export interface RunOptions {
  config: OptimizationConfig;
  catalog: ReadonlyMap<string, InstanceType>;
  profile?: string;
  asOf?: Date;
  /** Also simulate Savings Plan purchases from the bill (default true). */
  savingsPlans?: boolean;
}

export interface RunResult {
  runId: string;
  analysis: AnalyzeResult;
  savingsPlans: SpPlanResult[];
  saved: SaveResult;
}

export async function runOptimization(store: AnalysisStore, opts: RunOptions): Promise<RunResult> {
  const runId = randomUUID();
  const started = new Date();
  const analysis = await analyzeResources(store, { config: opts.config, catalog: opts.catalog, ...(opts.profile ? { profile: opts.profile } : {}), ...(opts.asOf ? { asOf: opts.asOf } : {}) });
  const sp = opts.savingsPlans === false ? [] : await savingsPlanRecommendations(store, opts.config);
  const drafts = [...analysis.drafts, ...savingsPlanDrafts(sp)];
  const scope: RecommendationType[] = ["rightsize", "idle-instance", "stopped-instance", "unattached-volume", "unused-eip"];
  if (opts.savingsPlans !== false) scope.push("savings-plan");
  const saved = await saveRecommendations(store, drafts, scope, runId, started);
  const summary = { profile: analysis.profile, window: analysis.window, drafts: drafts.length, ...saved };
  await store.run(sql(`INSERT INTO ${OPTIMIZE_RUNS_TABLE} VALUES (?, 'recommend', CAST(CAST(? AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS TIMESTAMP), now()::TIMESTAMP, ?)`, runId, started.toISOString(), JSON.stringify(summary)));
  return { runId, analysis, savingsPlans: sp, saved };
}
