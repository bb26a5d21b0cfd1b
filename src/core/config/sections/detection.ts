/**
 * `detection:` section of costwise.yaml — anomaly monitors, alert thresholds, forecasts and budgets (issue 7).
 *
 * ```yaml
 * detection:
 *   metric: EffectiveCost          # the cost metric monitors, forecasts and budgets sum
 *   monitors:
 *     - name: total                # whole spend
 *     - name: services
 *       dimension: ServiceName     # any FOCUS/x_ column, tag:<key>, or "owner" (allocation team)
 *       top: 10                    # the 10 largest values of the last 30 days, re-picked every run
 *     - name: prod-accounts
 *       dimension: SubAccountId
 *       filters: ["tag:env=prod"]  # the query filter grammar (costwise query --help)
 *       granularity: day           # day | hour
 *   alert: { minImpact: "50", minImpactPercent: 10, direction: up }
 *   detector: { z: 5 }
 *   forecast: { months: 12 }
 *   budgets:
 *     - name: platform
 *       scope: { owner: platform }            # or filters: [...], or tag: "team=platform"
 *       period: month                         # month | quarter | year
 *       amount: "12000.00"
 *       currency: USD
 *       thresholds: [{ actual: 50 }, { actual: 80 }, { actual: 100 }, { forecast: 100 }]
 * ```
 */
import { z } from "zod";

const decimalString = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'a non-negative decimal amount as a string, e.g. "1200.00"');

export const monitorSchema = z.strictObject({
  name: z.string().min(1).regex(/^[\w.-]+$/, "letters, digits, _ . - only"),
  /** Omitted: one series for the whole scope. */
  dimension: z.string().min(1).optional(),
  /** How many values of the dimension are tracked (the largest over the last 30 days). */
  top: z.number().int().min(1).max(500).default(10),
  filters: z.array(z.string().min(1)).default([]),
  granularity: z.enum(["day", "hour"]).default("day"),
});
export type MonitorConfig = z.infer<typeof monitorSchema>;

export const budgetScopeSchema = z.strictObject({
  filters: z.array(z.string().min(1)).default([]),
  /** An allocation owner (team); falls back to tag:team when the allocation table is absent. */
  owner: z.string().min(1).optional(),
  /** `key=value`. */
  tag: z.string().regex(/^[^=]+=.*$/, "key=value").optional(),
});
export type BudgetScope = z.infer<typeof budgetScopeSchema>;

export const budgetThresholdSchema = z.union([
  z.strictObject({ actual: z.number().positive().max(1000) }),
  z.strictObject({ forecast: z.number().positive().max(1000) }),
]);
export type BudgetThresholdConfig = z.infer<typeof budgetThresholdSchema>;

export const budgetSchema = z.strictObject({
  name: z.string().min(1).regex(/^[\w.-]+$/, "letters, digits, _ . - only"),
  scope: budgetScopeSchema.default({ filters: [] }),
  period: z.enum(["month", "quarter", "year"]).default("month"),
  amount: decimalString,
  currency: z.string().min(1).default("USD"),
  thresholds: z.array(budgetThresholdSchema).min(1).default([{ actual: 80 }, { actual: 100 }, { forecast: 100 }]),
  /** `costwise pr-check` exits 3 when a change takes the owner's month-end forecast over one of this budget's thresholds. */
  gating: z.boolean().optional(),
});
export type BudgetConfig = z.infer<typeof budgetSchema>;

export const detectionSection = z.strictObject({
  metric: z.enum(["BilledCost", "EffectiveCost", "ListCost", "ContractedCost"]).default("EffectiveCost"),
  /** Omitted: total, per ServiceName (top 10), per SubAccountId (top 10), and per owner when allocation exists. */
  monitors: z.array(monitorSchema).optional(),
  detector: z
    .strictObject({
      z: z.number().positive().max(50).optional(),
      shiftConfirm: z.number().int().min(2).max(30).optional(),
      cusumH: z.number().positive().max(100).optional(),
    })
    .default({}),
  /** When a detected anomaly becomes an alert (detection is separate). */
  alert: z
    .strictObject({
      minImpact: decimalString.default("10"),
      minImpactPercent: z.number().min(0).max(10_000).default(10),
      direction: z.enum(["up", "down", "both"]).default("up"),
    })
    .default({ minImpact: "10", minImpactPercent: 10, direction: "up" }),
  /** Anomalies that ended longer ago than this (days before the last complete day) are not reported. */
  lookbackDays: z.number().int().min(1).max(3660).default(14),
  forecast: z
    .strictObject({
      months: z.number().int().min(1).max(12).default(12),
    })
    .default({ months: 12 }),
  budgets: z.array(budgetSchema).default([]),
});
export type DetectionConfig = z.infer<typeof detectionSection>;
