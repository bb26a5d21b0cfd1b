/**
 * `optimization:` section of costwise.yaml — rightsizing profiles, idle thresholds, commitment planning (issue 6).
 *
 *   optimization:
 *     rightsizing:
 *       profile: compute-optimizer        # which profile `costwise recommend run` uses
 *       profiles:                         # the two built-ins below are always there; override or add your own
 *         compute-optimizer: { trigger: none, sizingPercentile: 99.5, cpuHeadroomPct: 20, memoryHeadroomPct: 20 }
 *         average-threshold: { trigger: average-cpu-below, averageCpuBelowPct: 15, sizingPercentile: 100 }
 *     idle: { maxCpuPct: 1, maxNetworkBytesPerHour: 5242880, lookbackDays: 14 }
 *     savingsPlans:
 *       discounts: { compute-1y-no-upfront: "0.28" }   # SP rate discount vs on-demand, per plan
 *     commitments: { expiringWithinDays: [30, 60, 90] }
 */
import { z } from "zod";

const pct = z.number().min(0).max(100);
const decimalFraction = z
  .string()
  .regex(/^0?\.\d+$|^0$/, 'a decimal fraction as a string, e.g. "0.28" for 28% off on-demand');

const profileFields = {
  /**
   * When an instance is a candidate at all: `none` = whenever a cheaper type fits the sized peak (Compute
   * Optimizer style); `average-cpu-below` = only when the window's average CPU is strictly below averageCpuBelowPct.
   */
  trigger: z.enum(["none", "average-cpu-below"]),
  averageCpuBelowPct: pct,
  /** The peak the target is sized for: this percentile of the hourly maxima over the window (100 = the max). */
  sizingPercentile: z.number().min(50).max(100),
  cpuHeadroomPct: z.number().min(0).max(500),
  memoryHeadroomPct: z.number().min(0).max(500),
  lookbackDays: z.number().int().min(1).max(93),
  /** Fewer hours of CPU metrics than this: no recommendation ("insufficient data"). */
  minHours: z.number().int().min(1),
  /** Allow burstable (T family) targets for non-burstable instances (default no: CPU credits are a risk). */
  allowBurstableTargets: z.boolean(),
};

/** A complete profile; unset fields take the Compute Optimizer-style defaults. */
export const rightsizingProfileSchema = z.strictObject({
  trigger: profileFields.trigger.default("none"),
  averageCpuBelowPct: profileFields.averageCpuBelowPct.default(15),
  sizingPercentile: profileFields.sizingPercentile.default(99.5),
  cpuHeadroomPct: profileFields.cpuHeadroomPct.default(20),
  memoryHeadroomPct: profileFields.memoryHeadroomPct.default(20),
  lookbackDays: profileFields.lookbackDays.default(14),
  minHours: profileFields.minHours.default(30),
  allowBurstableTargets: profileFields.allowBurstableTargets.default(false),
});
export type RightsizingProfileConfig = z.infer<typeof rightsizingProfileSchema>;

/** A profile as written in costwise.yaml: every field optional, laid over the built-in of the same name. */
export const rightsizingProfileOverride = z.strictObject({
  trigger: profileFields.trigger.optional(),
  averageCpuBelowPct: profileFields.averageCpuBelowPct.optional(),
  sizingPercentile: profileFields.sizingPercentile.optional(),
  cpuHeadroomPct: profileFields.cpuHeadroomPct.optional(),
  memoryHeadroomPct: profileFields.memoryHeadroomPct.optional(),
  lookbackDays: profileFields.lookbackDays.optional(),
  minHours: profileFields.minHours.optional(),
  allowBurstableTargets: profileFields.allowBurstableTargets.optional(),
});

export const BUILTIN_PROFILES: Record<string, RightsizingProfileConfig> = {
  "compute-optimizer": rightsizingProfileSchema.parse({ trigger: "none", sizingPercentile: 99.5, cpuHeadroomPct: 20, memoryHeadroomPct: 20 }),
  "average-threshold": rightsizingProfileSchema.parse({
    trigger: "average-cpu-below",
    averageCpuBelowPct: 15,
    sizingPercentile: 100,
    cpuHeadroomPct: 20,
    memoryHeadroomPct: 20,
  }),
};

export const DEFAULT_SP_DISCOUNTS: Record<string, string> = {
  "compute-1y-no-upfront": "0.28",
  "compute-3y-no-upfront": "0.50",
  "ec2-instance-1y-no-upfront": "0.38",
  "ec2-instance-3y-no-upfront": "0.60",
};

const DEFAULT_SP_USAGE_TYPES = ["%BoxUsage%", "%DedicatedUsage%", "%HostUsage%", "%Lambda-GB-Second%", "%Fargate-vCPU-Hours%", "%Fargate-GB-Hours%"];

export const optimizationSection = z.strictObject({
  /** Hours in a billing month for list-price maths (AWS uses 730). */
  hoursPerMonth: z.number().int().min(1).default(730),
  /** Realized savings: days of bill compared before and after a recommendation was marked done (issue 20). */
  realizedWindowDays: z.number().int().min(1).max(93).default(14),
  rightsizing: z
    .strictObject({
      profile: z.string().min(1).default("compute-optimizer"),
      profiles: z.record(z.string(), rightsizingProfileOverride).default({}),
    })
    .default({ profile: "compute-optimizer", profiles: {} }),
  idle: z
    .strictObject({
      maxCpuPct: pct.default(1),
      /** NetworkIn + NetworkOut averaged per hour at or below this is "negligible" (default 5 MiB/h). */
      maxNetworkBytesPerHour: z.number().min(0).default(5 * 1024 * 1024),
      lookbackDays: z.number().int().min(1).max(93).default(14),
      minHours: z.number().int().min(1).default(30),
      /** Monthly USD per GB-month by EBS volume type, used when the store has no billed cost for a volume. */
      ebsGbMonthPrice: z.record(z.string(), decimalFraction.or(z.string().regex(/^\d+(\.\d+)?$/))).default({}),
      /** Monthly USD for an unassociated Elastic IP when not billed in the store (AWS: $0.005/h x 730). */
      eipMonthlyPrice: z.string().regex(/^\d+(\.\d+)?$/).default("3.65"),
    })
    .default({ maxCpuPct: 1, maxNetworkBytesPerHour: 5 * 1024 * 1024, lookbackDays: 14, minHours: 30, ebsGbMonthPrice: {}, eipMonthlyPrice: "3.65" }),
  savingsPlans: z
    .strictObject({
      /** Rate discount versus on-demand per plan (e.g. "0.28"); merged over the defaults. */
      discounts: z.record(z.string(), decimalFraction).default({}),
      /** ServiceName values whose on-demand usage a Savings Plan can cover. */
      eligibleServices: z
        .array(z.string())
        .default(["Amazon Elastic Compute Cloud", "Amazon EC2", "AWS Lambda", "AWS Fargate", "Amazon Elastic Container Service"]),
      /**
       * SQL LIKE patterns on x_UsageType for the usage a plan covers (instance hours, Lambda, Fargate), so EBS or
       * data transfer billed under the EC2 service is not counted; rows without x_UsageType count by service alone.
       */
      eligibleUsageTypes: z.array(z.string().min(1)).default(DEFAULT_SP_USAGE_TYPES),
      lookbackDays: z.array(z.number().int().min(1).max(93)).default([7, 30, 60]),
    })
    .default({
      discounts: {},
      eligibleServices: ["Amazon Elastic Compute Cloud", "Amazon EC2", "AWS Lambda", "AWS Fargate", "Amazon Elastic Container Service"],
      eligibleUsageTypes: DEFAULT_SP_USAGE_TYPES,
      lookbackDays: [7, 30, 60],
    }),
  commitments: z
    .strictObject({ expiringWithinDays: z.array(z.number().int().min(1)).default([30, 60, 90]) })
    .default({ expiringWithinDays: [30, 60, 90] }),
});
export type OptimizationConfig = z.infer<typeof optimizationSection>;

/** The section with every default filled in (no costwise.yaml, or no `optimization:` in it). */
export function optimizationDefaults(): OptimizationConfig {
  return optimizationSection.parse({});
}

/** Profiles in effect: built-ins, overridden or extended by the config. */
export function rightsizingProfiles(cfg: OptimizationConfig): Record<string, RightsizingProfileConfig> {
  const out: Record<string, RightsizingProfileConfig> = { ...BUILTIN_PROFILES };
  for (const [name, override] of Object.entries(cfg.rightsizing.profiles)) {
    const set = Object.fromEntries(Object.entries(override).filter(([, v]) => v !== undefined));
    out[name] = rightsizingProfileSchema.parse({ ...(BUILTIN_PROFILES[name] ?? {}), ...set });
  }
  return out;
}

export function spDiscounts(cfg: OptimizationConfig): Record<string, string> {
  return { ...DEFAULT_SP_DISCOUNTS, ...cfg.savingsPlans.discounts };
}
