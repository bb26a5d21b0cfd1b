/**
 * `kpis:` section of costwise.yaml — the targets the KPI scorecard measures against (issue 17). The KPIs
 * themselves are defined once in src/engine/kpi/definitions.ts (formula, unit, what each reader shows);
 * docs/kpis.md explains them.
 *
 * ```yaml
 * kpis:
 *   taggedSpend:
 *     tag: team              # the required tag the headline figure is for (default: team)
 *     min: 85                # percent of a billing month's allocable EffectiveCost (≥)
 *   forecastVariance:
 *     max: 20                # percent |forecast − actual| / actual of the last closed month (<)
 *   alertLatency:
 *     max: 300               # seconds, data committed → alert delivered, p50 and p95 (≤)
 * ```
 *
 * Required tags are the allocation's (`allocation.coverage.requiredTags`); the headline tag is always among them.
 * `allocation.coverage.target` is the fallback for `taggedSpend.min` when this section does not set it.
 */
import { z } from "zod";

export const KPI_TARGET_DEFAULTS = { taggedSpendMin: 85, forecastVarianceMax: 20, alertLatencyMaxSeconds: 300 } as const;

export const kpisSection = z.strictObject({
  taggedSpend: z
    .strictObject({
      tag: z.string().min(1).default("team"),
      /** Unset: allocation.coverage.target when an allocation section exists, else 85. */
      min: z.number().min(0).max(100).optional(),
    })
    .prefault({}),
  forecastVariance: z.strictObject({ max: z.number().min(0).default(KPI_TARGET_DEFAULTS.forecastVarianceMax) }).prefault({}),
  alertLatency: z.strictObject({ max: z.number().int().min(1).default(KPI_TARGET_DEFAULTS.alertLatencyMaxSeconds) }).prefault({}),
});
export type KpisConfig = z.infer<typeof kpisSection>;
