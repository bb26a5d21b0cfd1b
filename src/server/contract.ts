/**
 * The API contract: the response schema of every route (zod), which the routes validate and document (OpenAPI)
 * with, and which the dashboard imports as types only (`import type` + `z.infer`, web/src/api.ts). This module
 * depends on zod and pure core modules only: no engine, no I/O, nothing the dashboard's bundle could pull in.
 */
import { z } from "zod";
import { FILTER_OPERATORS, GRANULARITIES, QUERY_METRICS, SORT_DIRECTIONS } from "../core/query/cost-query.js";
import { availabilitySchema, currencyCode, errorResponses, isoDateOrTime, money, nameText, problemSchema } from "./schemas.js";

export { availabilitySchema, errorResponses, money, problemSchema };

const day = z.string().describe("YYYY-MM-DD");
const ratio = z.string().regex(/^-?\d+(\.\d+)?$/).nullable().describe("a ratio (1 = 100%) as a decimal string; null when its base is zero or unknown");

// ─── system ────────────────────────────────────────────────────────────────────────────────────

export const healthSchema = z.object({ status: z.literal("ok"), schemaVersion: z.number().int(), rollup: z.object({ ready: z.boolean(), rows: z.number().int() }), warm: z.boolean() });
export const unhealthySchema = z.object({ status: z.literal("unavailable"), detail: z.string() });

export const meSchema = z.object({
  kind: z.enum(["local", "token"]),
  role: z.enum(["admin", "viewer"]),
  team: z.string().nullable(),
  name: z.string().nullable(),
  tokensRequired: z.boolean(),
});

export const rollupStatusSchema = z.object({ ready: z.boolean(), rows: z.number().int(), sourceRows: z.number().int(), builtInMs: z.number() });

export const featureListSchema = z.array(availabilitySchema.extend({ title: z.string() }));

// ─── costs ─────────────────────────────────────────────────────────────────────────────────────

export const costQueryBody = z
  .object({
    metric: nameText(64, "a metric").optional().describe(`one of ${QUERY_METRICS.join(", ")} (default BilledCost)`),
    groupBy: z.array(nameText(600, "a dimension")).max(16).optional().describe("dimensions: FOCUS columns, x_ columns or tag:<key>"),
    filters: z
      .array(
        z.object({
          on: nameText(600, "a dimension").describe("a dimension, e.g. ServiceName or tag:team"),
          op: z.enum(FILTER_OPERATORS),
          value: z.string().max(4096).optional(),
          values: z.array(z.string().max(4096)).max(10_000).optional(),
        }),
      )
      .max(64)
      .optional()
      .describe("all must hold (AND)"),
    start: isoDateOrTime.optional().describe("inclusive ISO-8601 date or UTC date-time on ChargePeriodStart"),
    end: isoDateOrTime.optional().describe("exclusive"),
    granularity: z.enum(GRANULARITIES).optional(),
    orderBy: z.array(z.object({ by: nameText(600, "a sort field"), direction: z.enum(SORT_DIRECTIONS).optional() })).max(16).optional(),
    limit: z.number().int().min(1).max(1_000_000).optional(),
    currency: currencyCode.optional().describe("reporting currency: money converted per charge day with the fx: rates (default fx.reportingCurrency)"),
  })
  .describe("a typed cost query (see `costwise query --help` for the same grammar)");

/** Which exchange rates a converted figure used (engine/fx FxUsed). */
export const fxUsedSchema = z.object({ currency: z.string(), granularity: z.enum(["day", "month"]), source: z.string(), base: z.string(), from: z.string(), to: z.string(), rates: z.number().int(), rule: z.string() });

const unitTotal = z.object({ unit: z.string().nullable(), total: money.nullable(), groups: z.number().int(), lineItems: z.number().int() });

/** The query as run, with its defaults filled in (the same grammar as `costQueryBody`). */
export const queryEchoSchema = z.object({
  metric: z.string().optional(),
  groupBy: z.array(z.string()).optional(),
  filters: z.array(z.object({ on: z.string(), op: z.enum(FILTER_OPERATORS), value: z.string().optional(), values: z.array(z.string()).optional() })).optional(),
  start: z.string().optional(),
  end: z.string().optional(),
  granularity: z.string().optional(),
  orderBy: z.array(z.object({ by: z.string(), direction: z.enum(SORT_DIRECTIONS).optional() })).optional(),
  limit: z.number().int().optional(),
  currency: z.string().optional(),
});

export const queryResultSchema = z.object({
  query: queryEchoSchema,
  columns: z.array(z.string()),
  rows: z.array(z.record(z.string(), z.string().nullable())).describe("one object per group: dimension values, period, unit and the metric as a decimal string"),
  totals: z.object({
    metric: z.string(),
    kind: z.enum(["cost", "quantity"]),
    unitColumn: z.string(),
    total: money.nullable().describe("null when the rows mix currencies: see byUnit"),
    byUnit: z.array(unitTotal),
    groups: z.number().int(),
    lineItems: z.number().int(),
  }),
  truncated: z.boolean(),
  servedFrom: z.enum(["rollup", "store"]),
  fx: fxUsedSchema.optional().describe("with a reporting currency: the rates used"),
});

export const dimensionsSchema = z.object({
  metrics: z.array(z.string()),
  dimensions: z.array(z.string()),
  tagKeys: z.array(z.object({ key: z.string(), rows: z.number().int() })),
  granularities: z.array(z.string()),
  lastCompleteDay: z.string().nullable().optional().describe("the last complete billing day (store freshness): time charts stop here"),
});

// ─── sources and overview ──────────────────────────────────────────────────────────────────────

export const sourceSchema = z.object({
  source: z.string(),
  billingAccountId: z.string().nullable(),
  billingAccountName: z.string().nullable(),
  periods: z.number().int(),
  firstPeriod: z.string(),
  lastPeriod: z.string(),
  rows: z.number().int().nullable(),
  billedCost: money.nullable(),
  currency: z.string().nullable(),
  lastCompleteDay: z.string().nullable().describe("the last day whose charges are complete"),
  lastChargeAt: z.string().nullable(),
  lastIngestAt: z.string(),
  configuredSources: z.array(z.string()).optional().describe("costwise.yaml source names whose syncs loaded these rows (empty for `costwise ingest` loads)"),
});
export const sourcesSchema = z.array(sourceSchema);

export const OVERVIEW_METRICS = ["EffectiveCost", "BilledCost"] as const;
export const pointSchema = z.object({ period: z.string(), amount: money });
const forecastPoint = z.object({ period: z.string(), expected: money, lower: money, upper: money });

export const overviewSchema = z.object({
  scope: z.object({ team: z.string().nullable(), basis: z.enum(["cost-table", "allocation"]) }),
  metric: z.enum(OVERVIEW_METRICS),
  available: z.boolean(),
  reason: z.string().optional(),
  currency: z.string().nullable(),
  currencies: z.array(z.object({ currency: z.string(), amount: money })),
  lastDay: z.string().nullable(),
  lastCompleteDay: z.string().nullable().optional().describe("the last complete billing day (store freshness): charts stop here; later days are still arriving"),
  total: money,
  monthly: z.array(pointSchema),
  daily: z.array(pointSchema),
  monthOverMonth: z
    .object({ month: z.string(), previousMonth: z.string(), amount: money, previousAmount: money, change: money, changePercent: z.string().nullable() })
    .nullable(),
  topMovers: z.array(z.object({ service: z.string(), amount: money, previousAmount: money, change: money, changePercent: z.string().nullable() })),
  freshness: z.array(z.object({ source: z.string(), lastCompleteDay: z.string().nullable(), lastIngestAt: z.string() })),
  fx: fxUsedSchema.nullable().describe("with fx.reportingCurrency: amounts are converted to `currency` with these rates; null: billed amounts"),
  forecast: z.object({ available: z.boolean(), reason: z.string().optional(), points: z.array(forecastPoint) }).describe("forecast band (from the forecasting feature when present)"),
  budget: z.object({ available: z.boolean(), reason: z.string().optional(), monthlyAmount: money.nullable() }),
});

// ─── allocation ────────────────────────────────────────────────────────────────────────────────

const teamScope = z.object({ team: z.string().nullable() });

export const allocationResultSchema = z.object({
  availability: availabilitySchema,
  scope: teamScope,
  rows: z.array(z.record(z.string(), z.string().nullable())).describe("one object per group: dimensions, period, currency, amount and lineItems"),
});

export const showbackSchema = z.object({
  availability: availabilitySchema,
  scope: teamScope,
  month: z.string().nullable(),
  months: z.array(z.string()),
  currencies: z.array(
    z.object({
      currency: z.string(),
      total: money,
      unallocated: money,
      shared: money,
      teams: z.array(z.object({ team: z.string(), amount: money, direct: money, shared: money, unallocated: z.boolean() })),
    }),
  ),
});

// ─── governance and KPIs ───────────────────────────────────────────────────────────────────────

export const tagCoverageSchema = z.object({
  month: z.string().nullable().describe("billing month (YYYY-MM)"),
  months: z.array(z.string()),
  currency: z.string().nullable(),
  keyMode: z.enum(["normalized", "raw"]).describe("normalized: the allocation's keys and values (the tagged-spend KPI); raw: keys as billed"),
  total: money.describe("allocable spend (EffectiveCost), the denominator"),
  untagged: money.describe("allocable spend with no tag value at all"),
  notAllocable: money.describe("tax, credits, adjustments, corrections and negative lines, reported apart"),
  requiredTags: z.array(z.string()),
  target: z.number(),
  keys: z.array(z.object({ key: z.string(), tagged: money, percent: z.string().nullable(), values: z.number().int() })),
});

export const kpiTargetSchema = z.object({ op: z.enum([">=", "<", "<="]), value: z.number() });
export const kpiSchema = z.object({
  id: z.string(),
  title: z.string(),
  unit: z.enum(["percent", "seconds", "count", "money"]),
  formula: z.string(),
  available: z.boolean(),
  value: z.string().nullable(),
  scope: z.string(),
  target: kpiTargetSchema.nullable(),
  meetsTarget: z.boolean().nullable(),
  detail: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
  previous: z.object({ day: z.string(), value: z.string() }).nullable(),
  trend: z.enum(["up", "down", "flat"]).nullable(),
  improving: z.boolean().nullable(),
  history: z.array(z.object({ day: z.string(), value: z.string().nullable() })),
});
export const kpisSchema = z.object({ day: z.string(), month: z.string().nullable(), currency: z.string().nullable(), kpis: z.array(kpiSchema) });

export const scanSchema = z.object({
  scan_id: z.string(),
  scanned_at: z.string(),
  origin: z.string(),
  policy_file: z.string().nullable(),
  resources: z.number().int(),
  checked: z.number().int(),
  compliant: z.number().int(),
  findings: z.number().int(),
  blocking: z.number().int(),
});

export const findingSchema = z.object({
  finding_id: z.string(),
  rule_id: z.string(),
  kind: z.string(),
  severity: z.string(),
  blocking: z.boolean(),
  resource_id: z.string(),
  resource_type: z.string(),
  account: z.string().nullable(),
  region: z.string().nullable(),
  team: z.string().nullable(),
  tag_key: z.string().nullable(),
  tag_value: z.string().nullable(),
  suggestion: z.string().nullable(),
  message: z.string(),
  monthly_cost: money.nullable(),
  currency: z.string().nullable(),
});

export const findingsSummarySchema = z.object({
  findings: z.number().int().describe("findings of the latest scan the caller may see (items holds at most 2000)"),
  shown: z.number().int(),
  byRule: z
    .array(z.object({ ruleId: z.string(), severity: z.string(), blocking: z.boolean(), findings: z.number().int(), resources: z.number().int(), currency: z.string().nullable(), monthlyCost: money }))
    .describe("per rule and currency: findings, resources, and the monthly cost of those resources (each counted once)"),
  byTeam: z
    .array(z.object({ team: z.string().nullable(), findings: z.number().int(), resources: z.number().int(), currency: z.string().nullable(), monthlyCost: money }))
    .describe("per owning team and currency: findings, resources, and the monthly cost of those resources (each counted once)"),
});

export const findingsSchema = z.object({ availability: availabilitySchema, scan: scanSchema.nullable().describe("the latest scan (unscoped callers only)"), summary: findingsSummarySchema, items: z.array(findingSchema) });

// ─── analyses ──────────────────────────────────────────────────────────────────────────────────

/** One value's share of an anomaly's deviation (engine/detect/root-cause.ts `Contributor`). */
export const contributorSchema = z.object({
  kind: z.string().describe("account, region, service, sku, resource, owner, or tag:<key>"),
  value: z.string(),
  actual: money,
  expected: money,
  contribution: money.describe("actual − expected: this value's share of the deviation"),
  share: z.number().nullable().describe("contribution / total deviation (1 = all of it); null when there is no deviation"),
});

/** What moved an anomaly's cost (engine/detect/root-cause.ts `RootCause`): the anomaly days against the same weekdays of the weeks before. */
export const rootCauseSchema = z.object({
  days: z.object({ from: day, to: day }).describe("the anomaly days compared (inclusive)"),
  baselineWeeks: z.number().int(),
  actual: money,
  expected: money,
  deviation: money,
  headline: contributorSchema.nullable().describe("the most specific contributor explaining ≥ 50% of the deviation (else the strongest)"),
  top: z.array(contributorSchema).describe("the leading contributor of every kind, strongest first"),
  byKind: z.record(z.string(), z.array(contributorSchema)).describe("the top contributors of each kind"),
});

/** Who marked an anomaly, when and why (engine/detect/feedback.ts `FeedbackMark`). */
export const feedbackMarkSchema = z.object({
  by: z.string().describe("the API token's name, or the CLI's OS user (or --by)"),
  team: z.string().nullable().describe("the token's team, null for an unscoped caller"),
  at: z.string().describe("when (UTC, YYYY-MM-DDTHH:MM:SSZ)"),
  reason: z.string().nullable(),
});
/** An anomaly's feedback (engine/detect/feedback.ts `AnomalyFeedback`). */
export const anomalyFeedbackSchema = z.object({
  acknowledged: feedbackMarkSchema.nullable(),
  expected: feedbackMarkSchema.nullable().describe("marked expected: its days leave the detector's baseline"),
  snoozed_until: z.string().nullable().describe("its monitor (or series) is snoozed until then: no alerts"),
});

export const anomalySchema = z.object({
  id: z.string().describe("the anomaly's stable id (16 hex digits; engine/detect/anomaly-id.ts): deep links use /anomalies?anomaly=<id>"),
  monitor: z.string(),
  series_key: z.string(),
  start_day: day,
  end_day: day,
  detected_day: day,
  currency: z.string(),
  kind: z.string(),
  direction: z.string(),
  severity: z.string(),
  is_open: z.boolean(),
  actual: money,
  expected: money,
  impact: money,
  impact_pct: z.number().nullable(),
  max_z: z.number().nullable(),
  alert: z.boolean(),
  alerted_at: z.string().nullable(),
  root_cause: rootCauseSchema.nullable().describe("the root cause analysis, null when none was computed"),
  feedback: anomalyFeedbackSchema,
});
/** POST /api/v1/anomalies/:id/feedback answers the anomaly's key and its feedback afterwards. */
export const anomalyFeedbackResultSchema = z.object({
  anomaly: z.object({ id: z.string(), monitor: z.string(), series_key: z.string(), currency: z.string(), start_day: day, end_day: day }),
  feedback: anomalyFeedbackSchema,
});
/** A monitor snooze (engine/detect/feedback.ts `SnoozeRow`). */
export const snoozeSchema = z.object({
  monitor: z.string(),
  series_key: z.string().nullable().describe("null: the whole monitor"),
  until: z.string(),
  reason: z.string().nullable(),
  by_name: z.string(),
  by_team: z.string().nullable(),
  at: z.string(),
  cleared_by: z.string().nullable(),
  cleared_at: z.string().nullable(),
});
export const anomaliesSchema = z.object({ availability: availabilitySchema, items: z.array(anomalySchema) });

export const forecastSchema = z.object({ scope: z.string(), madeOn: z.string(), points: z.array(forecastPoint) });
export const forecastsSchema = z.object({ availability: availabilitySchema, monthly: forecastSchema.nullable(), daily: forecastSchema.nullable() });

export const budgetThresholdSchema = z.object({
  threshold: z.string(),
  kind: z.enum(["actual", "forecast"]),
  percent: z.number(),
  limit: z.string().describe("the amount this threshold stands for (decimal string)"),
  crossed: z.boolean(),
  fired: z.boolean(),
  firesNow: z.boolean(),
  firedOn: z.string().nullable(),
});
export const budgetSchema = z.object({
  budget: z.string(),
  period: z.enum(["month", "quarter", "year"]),
  periodStart: z.string(),
  periodEnd: z.string(),
  asOf: z.string(),
  amount: z.string().describe("the budget (decimal string)"),
  currency: z.string(),
  actual: z.string().describe("exact spend in the period through asOf (decimal string)"),
  burn: z.number().nullable(),
  forecast: z.object({ point: z.string(), lower80: z.string(), upper80: z.string() }).nullable().describe("period-end forecast (point and 80% band)"),
  forecastBurn: z.number().nullable(),
  daysElapsed: z.number(),
  daysLeft: z.number(),
  thresholds: z.array(budgetThresholdSchema),
  crossed: z.array(z.string()),
  newAlerts: z.array(z.string()),
  fx: fxUsedSchema.optional(),
});
export const budgetsSchema = z.object({ availability: availabilitySchema, items: z.array(budgetSchema) });

export const recommendationSchema = z.object({
  id: z.number().int(),
  key: z.string(),
  type: z.string(),
  resourceId: z.string().nullable(),
  resourceType: z.string().nullable(),
  region: z.string().nullable(),
  accountId: z.string().nullable(),
  owner: z.string().nullable(),
  ownerSource: z.string().nullable(),
  action: z.string(),
  currentConfig: z.string().nullable(),
  targetConfig: z.string().nullable(),
  monthlySaving: money,
  currency: z.string(),
  savingBasis: z.string().nullable(),
  confidence: z.string(),
  reason: z.string(),
  risks: z.array(z.string()),
  details: z.record(z.string(), z.unknown()).describe("the recommender's evidence (type-specific)"),
  baselineMonthlyCost: money.nullable(),
  status: z.enum(["open", "accepted", "dismissed", "done"]),
  statusReason: z.string().nullable(),
  statusChangedAt: z.string().nullable(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  stillFound: z.boolean(),
});
export const recommendationsSchema = z.object({
  availability: availabilitySchema,
  items: z.array(recommendationSchema),
  realized: z.object({ count: z.number().int(), monthly: z.array(z.object({ currency: z.string(), amount: money })) }),
});

export const unitCostSchema = z.object({
  name: z.string(),
  metric: z.string(),
  period: z.string(),
  service: z.string().nullable(),
  environment: z.string().nullable(),
  currency: z.string(),
  cost: money,
  units: z.string().describe("business units in the period (decimal string)"),
  unitCost: z.string().nullable().describe("cost / units, 6 decimals; null when units is 0 or there is no metric value"),
});
export const unitCostsSchema = z.object({ availability: availabilitySchema, items: z.array(unitCostSchema) });

// ─── commitments ───────────────────────────────────────────────────────────────────────────────

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

// ─── notifications and KPI history ─────────────────────────────────────────────────────────────

export const notificationSchema = z.object({
  id: z.string(),
  channel: z.string(),
  team: z.string(),
  kind: z.string(),
  title: z.string(),
  status: z.enum(["pending", "sending", "sent", "failed", "digested"]).or(z.string()),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  latencySeconds: z.number().nullable().describe("data landed → delivered, in seconds"),
});
export const notificationsSchema = z.array(notificationSchema);

export const kpiRowSchema = z.object({ day: z.string(), kpi: z.string(), scope: z.string(), value: z.string().nullable(), unit: z.string(), details: z.string().nullable() });
export const kpiHistorySchema = z.array(kpiRowSchema);

// ─── response types (what the dashboard reads) ─────────────────────────────────────────────────

export type ProblemResponse = z.infer<typeof problemSchema>;
export type AvailabilityResponse = z.infer<typeof availabilitySchema>;
export type MeResponse = z.infer<typeof meSchema>;
export type FeatureListResponse = z.infer<typeof featureListSchema>;
export type QueryResultResponse = z.infer<typeof queryResultSchema>;
export type DimensionsResponse = z.infer<typeof dimensionsSchema>;
export type SourceResponse = z.infer<typeof sourceSchema>;
export type OverviewResponse = z.infer<typeof overviewSchema>;
export type AllocationResultResponse = z.infer<typeof allocationResultSchema>;
export type ShowbackResponse = z.infer<typeof showbackSchema>;
export type TagCoverageResponse = z.infer<typeof tagCoverageSchema>;
export type KpisResponse = z.infer<typeof kpisSchema>;
export type FindingsResponse = z.infer<typeof findingsSchema>;
export type AnomaliesResponse = z.infer<typeof anomaliesSchema>;
export type AnomalyFeedbackResponse = z.infer<typeof anomalyFeedbackResultSchema>;
export type RootCauseResponse = z.infer<typeof rootCauseSchema>;
export type ForecastsResponse = z.infer<typeof forecastsSchema>;
export type BudgetsResponse = z.infer<typeof budgetsSchema>;
export type RecommendationResponse = z.infer<typeof recommendationSchema>;
export type RecommendationsResponse = z.infer<typeof recommendationsSchema>;
export type UnitCostsResponse = z.infer<typeof unitCostsSchema>;
export type CommitmentsResponse = z.infer<typeof commitmentsResponse>;
export type NotificationResponse = z.infer<typeof notificationSchema>;
export type KpiRowResponse = z.infer<typeof kpiRowSchema>;

// ─── Backstage Cost Insights (routes/cost-insights.ts; the plugin's shapes, amounts as numbers rounded to the minor unit) ───

const ciAggregation = z.array(z.object({ date: day, amount: z.number() }));
const ciChange = z.object({ amount: z.number(), ratio: z.number().optional().describe("(last − first) / first; absent when the first period is 0") });
const ciCostLeaf = z.object({ id: z.string(), aggregation: ciAggregation, change: ciChange });
export const ciCostSchema = ciCostLeaf.extend({
  groupedCosts: z.record(z.string(), z.array(ciCostLeaf)).optional().describe("product: by service; project: by the project dimension (top N, the rest as `other`)"),
  currency: z.string().nullable().describe("costwise's addition: the currency of every amount (null: no cost in scope)"),
});
const ciEntityLeaf = z.object({ id: z.string().nullable(), aggregation: z.tuple([z.number(), z.number()]), change: ciChange, entities: z.record(z.string(), z.array(z.unknown())) });
export const ciEntitySchema = ciEntityLeaf.extend({ entities: z.record(z.string(), z.array(ciEntityLeaf)), currency: z.string().nullable() });
export const ciMetricDataSchema = z.object({ id: z.string(), format: z.enum(["number", "currency"]), aggregation: ciAggregation, change: ciChange });
export const ciBillingDateSchema = z.object({ lastCompleteBillingDate: day.nullable().describe("null on a store with no billing data") });
export const ciGroupsSchema = z.array(z.object({ id: z.string(), name: z.string().optional() }));
export const ciProjectsSchema = z.array(z.object({ id: z.string(), name: z.string().optional() }));
export const ciProductsSchema = z.array(z.object({ kind: z.string(), name: z.string() }));
export const ciMetricsSchema = z.array(z.object({ kind: z.string(), name: z.string(), default: z.boolean() }));
export const ciAlertsSchema = z.array(
  z.object({
    kind: z.enum(["anomaly", "recommendation", "budget"]),
    id: z.string(),
    title: z.string(),
    subtitle: z.string(),
    url: z.string(),
    buttonText: z.string(),
    currency: z.string(),
    amount: z.number().describe("impact, monthly saving or budget spend, rounded to the minor unit"),
    details: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
  }),
);
export type CostInsightsCostResponse = z.infer<typeof ciCostSchema>;
export type CostInsightsEntityResponse = z.infer<typeof ciEntitySchema>;

// ─── monthly FinOps review and realized savings (routes/reviews.ts, issue 20) ─────────────────────

export const actionItemSchema = z.object({
  id: z.number().int(),
  reviewMonth: z.string().describe("the review month it was raised in (YYYY-MM)"),
  title: z.string(),
  owner: z.string(),
  dueDate: z.string(),
  status: z.enum(["open", "in-progress", "done", "dropped"]),
  note: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  closedAt: z.string().nullable(),
});
export const actionItemsSchema = z.object({ items: z.array(actionItemSchema) });
export const reviewListSchema = z.object({
  items: z.array(z.object({ month: z.string(), generatedAt: z.string(), currency: z.string().nullable(), total: money, change: money, changePercent: z.string().nullable() })),
});
export const reviewSchema = z.object({
  review: z
    .looseObject({ month: z.string(), generatedAt: z.string(), currency: z.string().nullable(), spend: z.looseObject({ total: money, change: money }) })
    .describe("the review's figures (src/core/review/model.ts ReviewData)"),
  html: z.string().describe("the review as a self-contained HTML document (charts as data: PNG images)"),
});
const savingsGroup = z.object({
  owner: z.string(),
  currency: z.string(),
  done: z.number().int(),
  measured: z.number().int(),
  measuring: z.number().int(),
  noBaseline: z.number().int(),
  expectedMonthly: money,
  measuredMonthly: money,
  expectedMonthlyOfMeasured: money,
});
const savingsWindow = z.object({ start: z.string(), end: z.string(), days: z.number().int(), cost: money, perDay: money.nullable() });
export const realizedSavingsSchema = z.object({
  windowDays: z.number().int(),
  hoursPerMonth: z.number().int(),
  lastCompleteDay: z.string().nullable(),
  items: z.array(
    z.object({
      id: z.number().int(),
      type: z.string(),
      resourceId: z.string(),
      owner: z.string(),
      action: z.string(),
      currency: z.string(),
      doneAt: z.string(),
      changeDay: z.string(),
      status: z.enum(["measured", "measuring", "no-baseline"]),
      measurableOn: z.string(),
      before: savingsWindow,
      after: savingsWindow,
      expectedMonthlySaving: money,
      measuredDailySaving: money.nullable(),
      measuredMonthlySaving: money.nullable(),
    }),
  ),
  byOwner: z.array(savingsGroup),
  totals: z.array(savingsGroup),
  headline: savingsGroup.nullable(),
});
export type ActionItemResponse = z.infer<typeof actionItemSchema>;
export type ReviewListResponse = z.infer<typeof reviewListSchema>;
export type ReviewResponse = z.infer<typeof reviewSchema>;
export type RealizedSavingsResponse = z.infer<typeof realizedSavingsSchema>;
