/**
 * `allocation:` section of costwise.yaml — tag normalization, allocation rules, shared costs, Kubernetes,
 * tag coverage and unit costs (issue 4). Semantics live in src/core/allocation/model.ts; an example:
 *
 *   allocation:
 *     dimensions: [team, product, environment, cost_center]   # the first is the primary owner dimension
 *     tags:
 *       aliases: { team: [owner-team, owner_team], environment: [env, stage] }   # keys also fold case
 *       values: { team: { map: { pay: payments } }, environment: { map: { production: prod } } }
 *       accountDefaults: { "111111111111": { team: platform } }     # SubAccountId -> tags a row lacks
 *       resourceGroupDefaults: { rg-data: { team: data } }           # Azure resource group (from ResourceId)
 *     rulesFile: allocation-rules.yaml       # or `rules:` inline; the file's `rules:` replace inline ones
 *     rules:
 *       - id: platform-shared
 *         match: { SubAccountId: "111111111111" }
 *         shared: { method: proportional }
 *       - id: team-tag
 *         match: { tag:team: { present: true } }
 *         set: { team: "${tag:team}", environment: "${tag:environment}" }
 *     kubernetes:
 *       idle: distribute                      # or keep (own line, owner __idle__)
 *       clusters: [{ name: prod-eks, match: { "tag:eks:cluster-name": prod-eks } }]
 *     coverage: { requiredTags: [team, environment], target: 85 }
 *     unitCosts:
 *       - { name: cost-per-order, metric: orders, filter: { team: [payments] } }
 */
import { z } from "zod";

export const DEFAULT_DIMENSIONS = ["team", "product", "environment", "cost_center"] as const;
export const SPLIT_METHODS = ["even", "proportional", "fixed"] as const;
export type SplitMethod = (typeof SPLIT_METHODS)[number];
export const IDLE_MODES = ["distribute", "keep"] as const;
export const VALUE_CASES = ["lower", "upper", "keep"] as const;
export const WEIGHT_METRICS = ["EffectiveCost", "BilledCost"] as const;

const identifier = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, "letters, digits, '_', '.', ':' or '-', starting with a letter or digit");
const dimensionName = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, "a lower-case name of letters, digits and '_' such as team or cost_center");
const stringish = z.union([z.string(), z.number().transform((n) => String(n))]);

/** One condition on a column or tag: a value, any of a list, a glob, a regex, presence, or a negation. */
export const matchCondition = z.union([
  stringish,
  z.array(stringish).min(1),
  z.strictObject({ glob: z.string().min(1) }),
  z.strictObject({ regex: z.string().min(1) }),
  z.strictObject({ present: z.boolean() }),
  z.strictObject({ not: z.union([stringish, z.array(stringish).min(1)]) }),
]);
export type MatchCondition = z.infer<typeof matchCondition>;

export const sharedSpec = z.strictObject({
  /** Pool name (default: the rule id). Rules with the same pool name form one pool. */
  pool: identifier.optional(),
  method: z.enum(SPLIT_METHODS),
  /** Receiving owners (values of the primary dimension). Default: every owner with direct cost in the period. */
  receivers: z.array(z.string().min(1)).min(1).optional(),
  /** fixed: percentage per receiver, summing to exactly 100 (decimal strings or numbers). */
  percentages: z.record(z.string().min(1), stringish).optional(),
});

export const allocationRule = z.strictObject({
  id: identifier,
  description: z.string().optional(),
  /** Every condition must hold; an empty match claims every row that reaches the rule. */
  match: z.record(z.string().min(1), matchCondition).default({}),
  /** Owner dimension values: literals or "${tag:<key>}" (the rule then only matches rows having that tag). */
  set: z.record(z.string(), z.string().min(1)).optional(),
  shared: sharedSpec.optional(),
});
export type AllocationRuleConfig = z.infer<typeof allocationRule>;

const valueNormalization = z.strictObject({
  case: z.enum(VALUE_CASES).optional(),
  map: z.record(z.string(), z.string()).default({}),
});

const tagsSpec = z.strictObject({
  /** Canonical key -> other spellings. Every key is also matched case-insensitively and trimmed. */
  aliases: z.record(z.string().min(1), z.array(z.string().min(1))).default({}),
  /** Case applied to values of every tag unless a key says otherwise (default lower). */
  valueCase: z.enum(VALUE_CASES).default("lower"),
  values: z.record(z.string().min(1), valueNormalization).default({}),
  accountDefaults: z.record(z.string(), z.record(z.string().min(1), z.string())).default({}),
  resourceGroupDefaults: z.record(z.string(), z.record(z.string().min(1), z.string())).default({}),
});

const kubernetesSpec = z.strictObject({
  idle: z.enum(IDLE_MODES).default("distribute"),
  clusters: z
    .array(z.strictObject({ name: z.string().min(1), match: z.record(z.string().min(1), matchCondition).refine((m) => Object.keys(m).length > 0, "at least one condition") }))
    .default([]),
});

const coverageSpec = z.strictObject({
  requiredTags: z.array(z.string().min(1)).default([]),
  /** Target share of spend carrying each required tag, in percent. */
  target: z.number().min(0).max(100).default(80),
});

const unitCostSpec = z.strictObject({
  name: identifier,
  /** business_metrics.metric */
  metric: z.string().min(1),
  /** Owner-dimension filters on the numerator (cost_allocation.owners), e.g. { team: [payments] }. */
  filter: z.record(z.string(), z.union([z.string(), z.array(z.string()).min(1)])).default({}),
  /** Which owner dimension carries business_metrics.service / .environment (default product / environment). */
  serviceDimension: z.string().default("product"),
  environmentDimension: z.string().default("environment"),
  costMetric: z.enum(WEIGHT_METRICS).default("EffectiveCost"),
  description: z.string().optional(),
});
export type UnitCostConfig = z.infer<typeof unitCostSpec>;

export const allocationSection = z.strictObject({
  dimensions: z.array(dimensionName).min(1).default([...DEFAULT_DIMENSIONS]),
  rulesFile: z.string().min(1).optional(),
  rules: z.array(allocationRule).default([]),
  tags: tagsSpec.prefault({}),
  kubernetes: kubernetesSpec.prefault({}),
  /** Minor-unit digits per currency where it is not 2 (JPY, KRW 0 and BHD, KWD 3 are built in). */
  minorUnits: z.record(z.string().regex(/^[A-Z]{3}$/, "an ISO 4217 code"), z.number().int().min(0).max(6)).default({}),
  /** The metric proportional splits and Kubernetes reconciliation weigh by. */
  weightMetric: z.enum(WEIGHT_METRICS).default("EffectiveCost"),
  coverage: coverageSpec.prefault({}),
  unitCosts: z.array(unitCostSpec).default([]),
});
export type AllocationConfig = z.infer<typeof allocationSection>;
