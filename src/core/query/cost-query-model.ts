/**
 * The typed cost query's model: the metrics and dimensions a query may use (the whitelist of names that reach
 * SQL), filters, time window and order, the `CostQuery` itself, and the problem codes its parsers report.
 * Pure types and small helpers; the parsers are ./cost-query-json.ts and ./cost-query-args.ts.
 */
import type { Problem } from "../errors.js";
import { COST_METRICS, FOCUS_COLUMNS } from "../focus/columns.js";

// ─── metrics ────────────────────────────────────────────────────────────────────────────────────

/** Quantity metrics: summable, but not money. */
export const QUANTITY_METRICS = ["PricingQuantity", "ConsumedQuantity", "CommitmentDiscountQuantity"] as const;
export type QuantityMetric = (typeof QUANTITY_METRICS)[number];

/** Every metric a query may sum. Unit prices are not here on purpose: summing them means nothing. */
export const QUERY_METRICS = [...COST_METRICS, ...QUANTITY_METRICS] as const;
export type QueryMetric = (typeof QUERY_METRICS)[number];

export const DEFAULT_METRIC: QueryMetric = "BilledCost";

export type MetricKind = "cost" | "quantity";

export function metricKind(metric: QueryMetric): MetricKind {
  return (COST_METRICS as readonly string[]).includes(metric) ? "cost" : "quantity";
}

// ─── dimensions ─────────────────────────────────────────────────────────────────────────────────

type FocusDimensionColumn = Exclude<
  Extract<(typeof FOCUS_COLUMNS)[number], { columnType: "dimension" }>["name"],
  "Tags"
>;

/** FOCUS dimension columns a query may group or filter by (Tags is reached through `tag:<key>`). */
export const FOCUS_DIMENSIONS: readonly FocusDimensionColumn[] = FOCUS_COLUMNS.filter(
  (c): c is Extract<(typeof FOCUS_COLUMNS)[number], { name: FocusDimensionColumn }> =>
    c.columnType === "dimension" && c.name !== "Tags",
).map((c) => c.name);

/**
 * costwise's own x_ columns a query may use. Mirrors `X_COLUMNS` in engine/store/schema.ts (core may
 * not import the engine); engine/query/run-query.test.ts fails if the two lists drift apart.
 */
export const X_DIMENSIONS = [
  "x_Source",
  "x_SourceFile",
  "x_IngestId",
  "x_DeliveryId",
  "x_FocusVersion",
  "x_ChargeType",
  "x_ServiceCode",
  "x_UsageType",
  "x_Operation",
  "x_InstanceType",
  "x_k8s_Cluster",
  "x_k8s_Node",
  "x_k8s_Namespace",
  "x_k8s_ControllerKind",
  "x_k8s_Controller",
  "x_k8s_Pod",
  "x_k8s_Container",
  "x_CommitmentDiscountEndTime",
] as const;
export type XDimensionColumn = (typeof X_DIMENSIONS)[number];

export type DimensionColumn = FocusDimensionColumn | XDimensionColumn;

/** The whitelist: the only column names that ever reach generated SQL as identifiers. */
export const DIMENSION_COLUMNS: readonly DimensionColumn[] = [...FOCUS_DIMENSIONS, ...X_DIMENSIONS];
const DIMENSION_SET: ReadonlySet<string> = new Set(DIMENSION_COLUMNS);

export function isDimensionColumn(name: string): name is DimensionColumn {
  return DIMENSION_SET.has(name);
}

/** How values of a dimension column are compared and printed. */
export type DimensionValueType = "string" | "datetime" | "json";

export function dimensionValueType(column: DimensionColumn): DimensionValueType {
  const c = FOCUS_COLUMNS.find((f) => f.name === column);
  if (!c) return column === "x_CommitmentDiscountEndTime" ? "datetime" : "string"; // x_ columns are VARCHAR but this TIMESTAMP
  switch (c.dataType) {
    case "DateTime":
      return "datetime";
    case "JSON":
      return "json";
    case "String":
    case "Decimal":
      return "string";
  }
}

/** The column that holds each metric's unit: money of different currencies is never added. */
export const METRIC_UNIT_COLUMN: Readonly<Record<QueryMetric, DimensionColumn>> = {
  BilledCost: "BillingCurrency",
  EffectiveCost: "BillingCurrency",
  ListCost: "BillingCurrency",
  ContractedCost: "BillingCurrency",
  PricingQuantity: "PricingUnit",
  ConsumedQuantity: "ConsumedUnit",
  CommitmentDiscountQuantity: "CommitmentDiscountUnit",
};

export const TAG_PREFIX = "tag:";
/** Longest tag key accepted (Azure allows 512 characters, AWS 128, GCP 63). */
export const MAX_TAG_KEY_LENGTH = 512;
export const MAX_VALUE_LENGTH = 4096;
export const MAX_GROUP_BY = 16;
export const MAX_FILTERS = 64;
export const MAX_IN_VALUES = 1000;
export const MAX_LIMIT = 1_000_000;

export type Dimension = { kind: "column"; column: DimensionColumn } | { kind: "tag"; key: string };

/** The public name of a dimension: the column name, or `tag:<key>`. Also its output column name. */
export function dimensionName(d: Dimension): string {
  return d.kind === "column" ? d.column : `${TAG_PREFIX}${d.key}`;
}

export function sameDimension(a: Dimension, b: Dimension): boolean {
  return dimensionName(a) === dimensionName(b);
}

// ─── filters, window, order ─────────────────────────────────────────────────────────────────────

export const FILTER_OPERATORS = ["eq", "neq", "in", "not_in", "like", "contains", "is_null", "is_not_null"] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export type ValueOperator = "eq" | "neq" | "like" | "contains";
export type ListOperator = "in" | "not_in";
export type NullOperator = "is_null" | "is_not_null";

/**
 * A filter. Semantics, chosen so that a filter and its negation always split the rows in two
 * (no money falls between them):
 * - `neq` and `not_in` keep rows where the value is missing (SQL `IS DISTINCT FROM`);
 * - `is_null` means missing: NULL or the empty string (an empty tag value is no tag); `is_not_null`
 *   is its exact complement;
 * - `like` is SQL LIKE (`%` any run, `_` one character, `\` escapes), `contains` a literal substring;
 *   both are case-sensitive.
 */
export type Filter =
  | { on: Dimension; op: ValueOperator; value: string }
  | { on: Dimension; op: ListOperator; values: string[] }
  | { on: Dimension; op: NullOperator };

export const GRANULARITIES = ["none", "hour", "day", "month"] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export const SORT_DIRECTIONS = ["asc", "desc"] as const;
export type SortDirection = (typeof SORT_DIRECTIONS)[number];

/** What a query may be ordered by: the metric, the time bucket, or one of its group-by dimensions. */
export type OrderKey = { kind: "metric" } | { kind: "period" } | { kind: "dimension"; dimension: Dimension };
export interface OrderBy {
  key: OrderKey;
  direction: SortDirection;
}

/** Half-open window on ChargePeriodStart, as normalized UTC ISO-8601 (`2024-09-01T00:00:00Z`). */
export interface TimeWindow {
  start?: string;
  end?: string;
}

export interface CostQuery {
  metric: QueryMetric;
  groupBy: Dimension[];
  filters: Filter[];
  window: TimeWindow;
  granularity: Granularity;
  /** Explicit order; empty means the default (period ascending when bucketed, then metric descending). */
  orderBy: OrderBy[];
  limit: number | undefined;
  /**
   * Reporting currency (ISO 4217): money metrics are converted per row at query time by the rate of the charge's
   * day (engine/fx, docs/fx.md) and the unit column holds this currency. Absent: amounts stay in their own currency.
   */
  currency?: string;
}

/** The order a query's rows come in: its own, or the default. */
export function effectiveOrder(q: CostQuery): OrderBy[] {
  if (q.orderBy.length > 0) return q.orderBy;
  const out: OrderBy[] = [];
  if (q.granularity !== "none") out.push({ key: { kind: "period" }, direction: "asc" });
  out.push({ key: { kind: "metric" }, direction: "desc" });
  return out;
}

// ─── problems ───────────────────────────────────────────────────────────────────────────────────

export const QUERY_PROBLEM_CODES = [
  "BAD_METRIC",
  "UNKNOWN_DIMENSION",
  "BAD_DIMENSION",
  "DUPLICATE_DIMENSION",
  "BAD_FILTER",
  "BAD_TIME",
  "EMPTY_WINDOW",
  "BAD_GRANULARITY",
  "BAD_ORDER",
  "BAD_LIMIT",
  "BAD_CURRENCY",
  "UNKNOWN_FIELD",
  "INVALID",
] as const;
export type QueryProblemCode = (typeof QUERY_PROBLEM_CODES)[number];

export interface QueryProblem extends Problem {
  code: QueryProblemCode;
}

export type QueryParseResult = { ok: true; value: CostQuery } | { ok: false; problems: QueryProblem[] };

/** One line per problem, for a person. */
export function describeProblems(problems: readonly Problem[]): string {
  return problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join("\n");
}

