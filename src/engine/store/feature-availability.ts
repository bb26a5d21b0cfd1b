/**
 * Which analyses have data in a store (anomalies, forecasts, budgets, recommendations, commitments, governance
 * findings, unit costs, allocation) and, when one has none, which command produces it. The API's feature list and
 * every feature page's empty state read this; nothing here invents numbers.
 */
import type { CostwiseConfig } from "../../core/config/schema.js";
import { allocationAvailable } from "../allocation/read-model.js";
import { ANOMALIES_TABLE, FORECAST_SNAPSHOTS_TABLE } from "../detect/tables.js";
import { GOVERNANCE_SCANS_TABLE } from "../governance/tables.js";
import { METRICS_TABLE } from "../metrics/tables.js";
import { RECOMMENDATIONS_TABLE } from "../optimize/tables.js";
import type { CostStore } from "./cost-store.js";
import { col, readRow } from "./read-rows.js";
import { COST_TABLE } from "./schema.js";
import { tableHasRows } from "./table-rows.js";

export { tableHasRows };

/** Whether a feature's data exists; when not, why and which command produces it. */
export interface FeatureAvailability {
  available: boolean;
  feature: string;
  /** Why it is unavailable, for a person. */
  reason?: string;
  /** The command that produces the data. */
  produceWith?: string;
}

export interface FeatureInfo {
  feature: string;
  title: string;
  /** The command that produces the feature's data. */
  produceWith: string;
  /** Whether the feature's data is present in the store. */
  check(store: CostStore): Promise<boolean>;
}

/** Whether the bills hold any Reserved Instance / Savings Plan rows. */
async function hasCommitmentRows(s: CostStore): Promise<boolean> {
  if (!(await tableHasRows(s, COST_TABLE))) return false;
  const r = await readRow(s, { n: col.int }, `SELECT count(*)::INTEGER AS n FROM (SELECT 1 FROM ${COST_TABLE} WHERE "CommitmentDiscountId" IS NOT NULL LIMIT 1)`);
  return (r?.n ?? 0) > 0;
}

/** Whether budgets are configured (detection.budgets in costwise.yaml) and there is cost data to burn. */
function budgetsConfigured(config: CostwiseConfig): (s: CostStore) => Promise<boolean> {
  return async (s) => (config.detection?.budgets?.length ?? 0) > 0 && (await tableHasRows(s, COST_TABLE));
}

/** Unit costs need configured definitions, business metrics and allocated costs. */
function unitCostsReady(config: CostwiseConfig): (s: CostStore) => Promise<boolean> {
  return async (s) => (config.allocation?.unitCosts?.length ?? 0) > 0 && (await tableHasRows(s, METRICS_TABLE)) && (await allocationAvailable(s));
}

export function features(config: CostwiseConfig): readonly FeatureInfo[] {
  return [
    { feature: "allocation", title: "Teams and showback", produceWith: "costwise allocate", check: allocationAvailable },
    { feature: "anomalies", title: "Anomalies", produceWith: "costwise detect", check: (s) => tableHasRows(s, ANOMALIES_TABLE) },
    { feature: "forecasts", title: "Forecasts", produceWith: "costwise forecast", check: (s) => tableHasRows(s, FORECAST_SNAPSHOTS_TABLE) },
    { feature: "budgets", title: "Budgets", produceWith: "detection.budgets in costwise.yaml, then costwise serve --config costwise.yaml", check: budgetsConfigured(config) },
    { feature: "recommendations", title: "Recommendations and commitments", produceWith: "costwise recommend run", check: (s) => tableHasRows(s, RECOMMENDATIONS_TABLE) },
    { feature: "commitments", title: "Commitments", produceWith: "costwise ingest <bills with Reserved Instance / Savings Plan rows>", check: hasCommitmentRows },
    { feature: "governance", title: "Governance findings", produceWith: "costwise policy scan", check: (s) => tableHasRows(s, GOVERNANCE_SCANS_TABLE) },
    { feature: "unit-costs", title: "Unit costs", produceWith: "allocation.unitCosts in costwise.yaml + costwise metrics ingest + costwise allocate", check: unitCostsReady(config) },
  ];
}

export async function featureAvailability(store: CostStore, config: CostwiseConfig, feature: string): Promise<FeatureAvailability> {
  const f = features(config).find((x) => x.feature === feature);
  if (!f) return { available: false, feature, reason: "unknown feature" };
  if (await f.check(store)) return { available: true, feature };
  return {
    available: false,
    feature,
    reason: `no ${f.title.toLowerCase()} data in this store yet`,
    produceWith: f.produceWith,
  };
}

/** Every feature's availability, with its title (the API's feature list). */
export async function featureList(store: CostStore, config: CostwiseConfig): Promise<(FeatureAvailability & { title: string })[]> {
  return Promise.all(features(config).map(async (f) => ({ ...(await featureAvailability(store, config, f.feature)), title: f.title })));
}
