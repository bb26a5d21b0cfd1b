/**
 * The KPIs, each defined once: id (the same in the API, the CLI, the dashboard and kpi_history), title, unit,
 * the formula in words (docs/kpis.md says the same), and its target from the `kpis:` config section. Every reader
 * (costwise kpi, costwise report coverage, /api/v1/kpis, /api/v1/tag-coverage, the dashboard, team summaries, the
 * demo) computes through src/engine/kpi/, never on its own.
 */
import type { CostwiseConfig } from "../../core/config/schema.js";
import { assertNever } from "../../core/errors.js";
import { KPI_TARGET_DEFAULTS, kpisSection } from "../../core/config/sections/kpis.js";

export const KPI_IDS = [
  "tagged-spend",
  "forecast-variance",
  "alert-latency-p50",
  "alert-latency-p95",
  "daily-summaries-delivered",
  "recommendations-closed",
  "savings-realized",
  "open-blocking-findings",
  "commitment-utilization",
  "commitment-coverage",
  "estimate-accuracy",
] as const;
export type KpiId = (typeof KPI_IDS)[number];

/** percent: 0–100 with two decimals; seconds: whole seconds; count; money: a decimal amount in `currency`. */
export type KpiUnit = "percent" | "seconds" | "count" | "money";

/** A target: the value must be `op` than `value` (in the KPI's unit). */
export interface KpiTarget {
  op: ">=" | "<" | "<=";
  value: number;
}

export interface KpiDefinition {
  id: KpiId;
  title: string;
  unit: KpiUnit;
  formula: string;
  /** Which direction is good, for the trend arrow: up (higher is better), down, or none. */
  better: "up" | "down" | "none";
}

export const KPI_DEFINITIONS: Readonly<Record<KpiId, KpiDefinition>> = {
  "tagged-spend": {
    id: "tagged-spend",
    title: "Tagged spend",
    unit: "percent",
    better: "up",
    formula:
      "In one billing month and currency: EffectiveCost of allocable charges whose normalized tag (aliases, case, value map, account and resource-group defaults of the allocation config) is present, over the EffectiveCost of all allocable charges. Tax, Credit and Adjustment charges, corrections (ChargeClass Correction) and negative lines are not allocable to a resource: they are reported apart, so the share stays within 0–100%.",
  },
  "forecast-variance": {
    id: "forecast-variance",
    title: "Forecast variance (last closed month)",
    unit: "percent",
    better: "down",
    formula: "|forecast − actual| / actual for the last closed month, the forecast being the earliest saved month forecast made in or before that month (scope total when forecast, else the first scope).",
  },
  "alert-latency-p50": {
    id: "alert-latency-p50",
    title: "Alert latency (p50)",
    unit: "seconds",
    better: "down",
    formula: "Median of (delivered at − data committed at) over anomaly and budget alerts delivered in the last 30 days; data committed at is the commit time of the ingest that landed the alert's data.",
  },
  "alert-latency-p95": {
    id: "alert-latency-p95",
    title: "Alert latency (p95)",
    unit: "seconds",
    better: "down",
    formula: "95th percentile (continuous) of (delivered at − data committed at) over anomaly and budget alerts delivered in the last 30 days.",
  },
  "daily-summaries-delivered": {
    id: "daily-summaries-delivered",
    title: "Summaries delivered (last 24 h)",
    unit: "count",
    better: "up",
    formula: "Team summaries whose delivery succeeded in the 24 hours before now.",
  },
  "recommendations-closed": {
    id: "recommendations-closed",
    title: "Recommendations closed",
    unit: "count",
    better: "up",
    formula: "Recommendations marked done (acted on) out of all recommendations recorded; the detail gives the open ones.",
  },
  "savings-realized": {
    id: "savings-realized",
    title: "Savings realized (monthly)",
    unit: "money",
    better: "up",
    formula: "Measured on the bill: for each recommendation marked done, the resource's EffectiveCost per day over the N days before the change minus the N days after (optimization.realizedWindowDays, default 14; bill up to the last complete day), × hoursPerMonth / 24, summed over the measured ones in the currency with the most expected saving; recommendations still measuring and the expected saving are in the detail.",
  },
  "open-blocking-findings": {
    id: "open-blocking-findings",
    title: "Open blocking findings",
    unit: "count",
    better: "down",
    formula: "Blocking governance findings in the latest scan.",
  },
  "commitment-utilization": {
    id: "commitment-utilization",
    title: "Commitment utilization (30 days)",
    unit: "percent",
    better: "up",
    formula: "Used commitment / (used + unused commitment), EffectiveCost, over the 30 days before the last charge day.",
  },
  "commitment-coverage": {
    id: "commitment-coverage",
    title: "Commitment coverage (30 days)",
    unit: "percent",
    better: "up",
    formula: "Usage covered by commitments / (covered + on-demand eligible usage), EffectiveCost, over the 30 days before the last charge day.",
  },
  "estimate-accuracy": {
    id: "estimate-accuracy",
    title: "Estimate accuracy (median abs. error)",
    unit: "percent",
    better: "down",
    formula: "Median over recorded plan estimates (costwise estimate --record) of |estimated − actual| / actual monthly cost per resource, the actual being the resource's EffectiveCost per billed day over the last 30 billed days × 730 / 24; resources not yet in the bill are left out.",
  },
};

/** What the KPIs read of a workspace: its config and the folder its relative paths resolve against (a LoadedConfig fits). */
export interface KpiWorkspace {
  config: CostwiseConfig;
  baseDir: string;
  file?: string | undefined;
}

export interface KpiSettings {
  /** The required tag the headline tagged-spend figure is for. */
  taggedTag: string;
  targets: Partial<Record<KpiId, KpiTarget>>;
}

/** The targets from costwise.yaml (`kpis:`), with the defaults: tagged ≥ 85%, variance < 20%, alert latency ≤ 300 s. */
export function kpiSettings(config: CostwiseConfig): KpiSettings {
  const k = config.kpis ?? kpisSection.parse({});
  const taggedMin = k.taggedSpend.min ?? config.allocation?.coverage.target ?? KPI_TARGET_DEFAULTS.taggedSpendMin;
  return {
    taggedTag: k.taggedSpend.tag.trim().toLowerCase(),
    targets: {
      "tagged-spend": { op: ">=", value: taggedMin },
      "forecast-variance": { op: "<", value: k.forecastVariance.max },
      "alert-latency-p50": { op: "<=", value: k.alertLatency.max },
      "alert-latency-p95": { op: "<=", value: k.alertLatency.max },
    },
  };
}

/** Whether a value meets its target; null without a target or a value. Compares decimal text exactly enough (two decimals). */
export function meetsTarget(value: string | null, target: KpiTarget | undefined): boolean | null {
  if (value === null || target === undefined) return null;
  const v = Number(value);
  switch (target.op) {
    case ">=":
      return v >= target.value;
    case "<":
      return v < target.value;
    case "<=":
      return v <= target.value;
    default:
      return assertNever(target.op, "target operator");
  }
}
