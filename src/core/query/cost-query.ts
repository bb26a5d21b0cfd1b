/**
 * The typed cost query: one metric summed over FOCUS rows, grouped by dimensions (FOCUS columns,
 * whitelisted x_ columns or tag keys), filtered, limited to a time window on ChargePeriodStart,
 * optionally bucketed by hour, day or month.
 *
 * Pure: parsing and validation return problems as values. Compile it to SQL with ./compile.ts.
 *
 * Two input forms parse to the same `CostQuery`:
 * - the JSON form (`CostQueryInput`, validated by `costQueryInputSchema` / `parseCostQuery`), for the
 *   API and config files;
 * - the CLI form (`QueryArgs`: strings such as `--filter "tag:env in prod,staging"`), parsed by
 *   `parseQueryArgs`, whose grammar is `QUERY_GRAMMAR_HELP`.
 */
import { z } from "zod";
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
  if (!c) return "string"; // x_ columns are VARCHAR
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

// ─── name resolution and suggestions ────────────────────────────────────────────────────────────

/** Edit distance counting a swap of two neighbours as one edit (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** Up to `max` candidates close to `input`: case-insensitive edit distance on the whole name or a prefix, or substring. */
export function suggestNames(input: string, candidates: readonly string[], max = 3): string[] {
  const needle = input.toLowerCase().replace(/[\s_-]/g, "");
  if (!needle || needle.length > 64) return [];
  const scored: { name: string; score: number }[] = [];
  for (const name of candidates) {
    const hay = name.toLowerCase().replace(/[\s_-]/g, "");
    if (hay === needle) return [name];
    const whole = editDistance(needle, hay);
    let prefix = Infinity;
    if (needle.length >= 4) {
      for (let k = needle.length - 1; k <= needle.length + 1; k++) prefix = Math.min(prefix, editDistance(needle, hay.slice(0, k)));
    }
    if (whole <= Math.max(2, Math.floor(needle.length / 3))) scored.push({ name, score: whole });
    else if (prefix <= Math.max(1, Math.floor(needle.length / 4))) scored.push({ name, score: 10 + prefix + whole / 100 });
    else if (needle.length >= 3 && hay.includes(needle)) scored.push({ name, score: 20 + hay.length / 100 });
  }
  scored.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
  return scored.slice(0, max).map((s) => s.name);
}

function quoteList(names: readonly string[]): string {
  return names.join(", ");
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a piece of user text cannot be used as a value or tag key, or undefined when it can. */
function textProblem(s: string, what: string, maxLength: number): string | undefined {
  if (s.length > maxLength) return `${what} is ${s.length} characters long; at most ${maxLength} are allowed`;
  if (LONE_SURROGATE.test(s)) return `${what} is not valid Unicode (it holds a lone surrogate)`;
  return undefined;
}

type Resolved<T> = { ok: true; value: T } | { ok: false; code: QueryProblemCode; message: string };

/** Resolves a dimension name (`ServiceName`, `x_Source`, `tag:team`) against the whitelist. */
export function resolveDimension(name: string): Resolved<Dimension> {
  if (name.startsWith(TAG_PREFIX)) {
    const key = name.slice(TAG_PREFIX.length);
    if (key.length === 0) {
      return { ok: false, code: "BAD_DIMENSION", message: `"tag:" needs a tag key after it, e.g. tag:team` };
    }
    const bad = textProblem(key, "the tag key", MAX_TAG_KEY_LENGTH);
    if (bad) return { ok: false, code: "BAD_DIMENSION", message: bad };
    return { ok: true, value: { kind: "tag", key } };
  }
  if (isDimensionColumn(name)) return { ok: true, value: { kind: "column", column: name } };
  return { ok: false, code: "UNKNOWN_DIMENSION", message: unknownDimensionMessage(name) };
}

function unknownDimensionMessage(name: string): string {
  const shown = JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name);
  if (name === "Tags") return `Tags is not a dimension itself; name one tag key as tag:<key>, e.g. tag:team`;
  if ((QUERY_METRICS as readonly string[]).includes(name) || FOCUS_COLUMNS.some((c) => c.name === name && c.columnType === "metric")) {
    return `${name} is a metric, not a dimension; pick it with the metric instead`;
  }
  if (/^tags?[.:=/]/i.test(name)) {
    return `unknown dimension ${shown}; tag dimensions are written tag:<key> (lowercase "tag:"), e.g. tag:${name.replace(/^tags?[.:=/]/i, "")}`;
  }
  const near = suggestNames(name, DIMENSION_COLUMNS);
  const simple = /^[\w.\-/@]+$/.test(name);
  if (near.length === 1 && near[0]!.toLowerCase() === name.toLowerCase()) {
    return `unknown dimension ${shown}; names are case-sensitive: ${near[0]}`;
  }
  if (near.length > 0) {
    return `unknown dimension ${shown}; did you mean ${quoteList(near)}?${simple ? ` (for a tag, write tag:${name})` : ""}`;
  }
  return (
    `unknown dimension ${shown}; ${simple ? `for a tag, write tag:${name}; ` : ""}dimensions are FOCUS columns ` +
    `(e.g. ServiceName, RegionId, SubAccountName), costwise columns (${quoteList(X_DIMENSIONS)}) or tag:<key>`
  );
}

export function resolveMetric(name: string): Resolved<QueryMetric> {
  if ((QUERY_METRICS as readonly string[]).includes(name)) return { ok: true, value: name as QueryMetric };
  const near = suggestNames(name, QUERY_METRICS);
  const hint = near.length > 0 ? `did you mean ${quoteList(near)}? ` : "";
  let why = "";
  if (FOCUS_COLUMNS.some((c) => c.name === name && c.columnType === "metric")) why = ` (unit prices cannot be summed)`;
  else if (isDimensionColumn(name)) why = ` (it is a dimension: group by it instead)`;
  return {
    ok: false,
    code: "BAD_METRIC",
    message: `unknown metric ${JSON.stringify(name)}${why}; ${hint}metrics are ${quoteList(QUERY_METRICS)}`,
  };
}

// ─── time ───────────────────────────────────────────────────────────────────────────────────────

const ISO_TIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * Parses an ISO-8601 date or date-time to normalized UTC `YYYY-MM-DDTHH:MM:SSZ`. A date is midnight
 * UTC; a time without an offset is UTC (billing data is UTC); an offset is converted.
 */
export function parseIsoTime(text: string): { ok: true; value: string } | { ok: false; message: string } {
  const s = text.trim();
  const m = ISO_TIME_RE.exec(s);
  const expected = `expected an ISO-8601 date or UTC date-time such as 2024-09-01 or 2024-09-01T13:00:00Z`;
  if (!m) return { ok: false, message: `${JSON.stringify(text)} is not a date; ${expected}` };
  const [, y, mo, d, h = "00", mi = "00", sec = "00", zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(sec);
  const base = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(base);
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    check.getUTCHours() !== hour ||
    check.getUTCMinutes() !== minute ||
    check.getUTCSeconds() !== second
  ) {
    return { ok: false, message: `${JSON.stringify(text)} is not a real calendar date or time; ${expected}` };
  }
  let offsetMinutes = 0;
  if (zone && zone.toUpperCase() !== "Z") {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
    const oh = Number(z[2]);
    const om = Number(z[3] ?? "0");
    if (oh > 23 || om > 59) return { ok: false, message: `${JSON.stringify(text)} has a bad UTC offset; ${expected}` };
    offsetMinutes = (z[1] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const utc = new Date(base - offsetMinutes * 60_000);
  if (utc.getUTCFullYear() < 1 || utc.getUTCFullYear() > 9999) {
    return { ok: false, message: `${JSON.stringify(text)} is out of range; ${expected}` };
  }
  return { ok: true, value: `${utc.toISOString().slice(0, 19)}Z` };
}

// ─── the JSON form and its schema ───────────────────────────────────────────────────────────────

export type FilterInput =
  | { on: string; op: ValueOperator; value: string }
  | { on: string; op: ListOperator; values: string[] }
  | { on: string; op: NullOperator };

export interface OrderInput {
  /** `metric` (or the metric's name), `period`, or a group-by dimension name. */
  by: string;
  direction?: SortDirection;
}

/** A cost query as JSON: what the API accepts and what `--json` echoes back. */
export interface CostQueryInput {
  metric?: string;
  groupBy?: string[];
  filters?: FilterInput[];
  start?: string;
  end?: string;
  granularity?: string;
  orderBy?: OrderInput[];
  limit?: number;
}

function custom(ctx: z.RefinementCtx, code: QueryProblemCode, message: string, path?: PropertyKey[]): void {
  ctx.addIssue({ code: "custom", message, params: { code }, ...(path ? { path } : {}) });
}

const metricSchema = z.string({ error: "the metric must be a string" }).transform((s, ctx) => {
  const r = resolveMetric(s);
  if (r.ok) return r.value;
  custom(ctx, r.code, r.message);
  return z.NEVER;
});

const dimensionSchema = z.string({ error: "a dimension must be a string such as ServiceName or tag:team" }).transform((s, ctx) => {
  const r = resolveDimension(s);
  if (r.ok) return r.value;
  custom(ctx, r.code, r.message);
  return z.NEVER;
});

const valueSchema = z.string({ error: "a filter value must be a string" }).check((ctx) => {
  const bad = textProblem(ctx.value, "the value", MAX_VALUE_LENGTH);
  if (bad) ctx.issues.push({ code: "custom", message: bad, input: ctx.value, params: { code: "BAD_FILTER" } });
});

const filterObjectSchema = z.strictObject({
  on: dimensionSchema,
  op: z.enum(FILTER_OPERATORS, {
    error: (iss) =>
      `unknown filter operator ${JSON.stringify(iss.input)}; operators are ${quoteList(FILTER_OPERATORS)}`,
  }),
  value: valueSchema.optional(),
  values: z
    .array(valueSchema, { error: "values must be a list of strings" })
    .max(MAX_IN_VALUES, `at most ${MAX_IN_VALUES} values are allowed in one list`)
    .optional(),
});

const filterSchema = filterObjectSchema.transform((f, ctx): Filter => {
  const name = dimensionName(f.on);
  const valueType = f.on.kind === "column" ? dimensionValueType(f.on.column) : "string";
  /** Date-time columns compare on normalized ISO text, so "2024-09-01" matches midnight UTC. */
  const norm = (v: string, path: PropertyKey[]): string => {
    if (valueType !== "datetime") return v;
    const t = parseIsoTime(v);
    if (t.ok) return t.value;
    custom(ctx, "BAD_FILTER", `${name} holds date-times: ${t.message}`, path);
    return v;
  };
  switch (f.op) {
    case "eq":
    case "neq":
    case "like":
    case "contains": {
      if (f.values !== undefined) custom(ctx, "BAD_FILTER", `operator ${f.op} takes one "value", not "values"`, ["values"]);
      if (f.value === undefined) {
        custom(ctx, "BAD_FILTER", `operator ${f.op} needs a "value" (for a missing value use is_null / is_not_null)`, ["value"]);
        return z.NEVER;
      }
      if ((f.op === "like" || f.op === "contains") && f.value === "") {
        custom(ctx, "BAD_FILTER", `operator ${f.op} needs a non-empty value`, ["value"]);
      }
      if (f.op === "like" && /(^|[^\\])(\\\\)*\\$/.test(f.value)) {
        custom(ctx, "BAD_FILTER", `a LIKE pattern cannot end with a lone \\ (it escapes the next character; write \\\\ for a backslash)`, ["value"]);
      }
      const value = f.op === "eq" || f.op === "neq" ? norm(f.value, ["value"]) : f.value;
      return { on: f.on, op: f.op, value };
    }
    case "in":
    case "not_in": {
      if (f.value !== undefined) custom(ctx, "BAD_FILTER", `operator ${f.op} takes a list "values", not "value"`, ["value"]);
      if (f.values === undefined || f.values.length === 0) {
        custom(ctx, "BAD_FILTER", `operator ${f.op} needs a non-empty list "values"`, ["values"]);
        return z.NEVER;
      }
      return { on: f.on, op: f.op, values: f.values.map((v, i) => norm(v, ["values", i])) };
    }
    case "is_null":
    case "is_not_null":
      if (f.value !== undefined || f.values !== undefined) {
        custom(ctx, "BAD_FILTER", `operator ${f.op} takes no value`, [f.value !== undefined ? "value" : "values"]);
      }
      return { on: f.on, op: f.op };
  }
});

const timeSchema = z.string({ error: "a time must be an ISO-8601 string such as 2024-09-01" }).transform((s, ctx) => {
  const r = parseIsoTime(s);
  if (r.ok) return r.value;
  custom(ctx, "BAD_TIME", r.message);
  return z.NEVER;
});

const orderSchema = z.strictObject({
  by: z.string({ error: `"by" must be a string: metric, period or a group-by dimension` }),
  direction: z
    .enum(SORT_DIRECTIONS, { error: (iss) => `unknown sort direction ${JSON.stringify(iss.input)}; use asc or desc` })
    .optional(),
});

/** Validates the JSON form and turns it into a `CostQuery`. Messages say how to fix the value. */
export const costQueryInputSchema = z
  .strictObject({
    metric: metricSchema.default(DEFAULT_METRIC),
    groupBy: z
      .array(dimensionSchema, { error: "groupBy must be a list of dimension names" })
      .max(MAX_GROUP_BY, `at most ${MAX_GROUP_BY} group-by dimensions are allowed`)
      .default([]),
    filters: z
      .array(filterSchema, { error: "filters must be a list of {on, op, value | values}" })
      .max(MAX_FILTERS, `at most ${MAX_FILTERS} filters are allowed`)
      .default([]),
    start: timeSchema.optional(),
    end: timeSchema.optional(),
    granularity: z
      .enum(GRANULARITIES, {
        error: (iss) => `unknown granularity ${JSON.stringify(iss.input)}; use one of ${quoteList(GRANULARITIES)}`,
      })
      .default("none"),
    orderBy: z.array(orderSchema, { error: "orderBy must be a list of {by, direction}" }).max(8).default([]),
    limit: z
      .number({ error: "limit must be a whole number" })
      .int("limit must be a whole number")
      .min(1, "limit must be at least 1")
      .max(MAX_LIMIT, `limit must be at most ${MAX_LIMIT}`)
      .optional(),
  })
  .transform((q, ctx): CostQuery => {
    const seen = new Set<string>();
    q.groupBy.forEach((d, i) => {
      const name = dimensionName(d);
      if (seen.has(name)) custom(ctx, "DUPLICATE_DIMENSION", `${name} is listed twice in groupBy`, ["groupBy", i]);
      seen.add(name);
    });
    if (q.start !== undefined && q.end !== undefined && q.start >= q.end) {
      custom(ctx, "EMPTY_WINDOW", `the window is empty: start ${q.start} is not before end ${q.end} (end is exclusive)`, ["end"]);
    }
    const orderBy: OrderBy[] = [];
    q.orderBy.forEach((o, i) => {
      const key = resolveOrderKey(o.by, q.metric, q.groupBy, q.granularity);
      if (!key.ok) custom(ctx, "BAD_ORDER", key.message, ["orderBy", i, "by"]);
      else orderBy.push({ key: key.value, direction: o.direction ?? (key.value.kind === "metric" ? "desc" : "asc") });
    });
    const window: TimeWindow = {};
    if (q.start !== undefined) window.start = q.start;
    if (q.end !== undefined) window.end = q.end;
    return {
      metric: q.metric,
      groupBy: q.groupBy,
      filters: q.filters,
      window,
      granularity: q.granularity,
      orderBy,
      limit: q.limit,
    };
  });

function resolveOrderKey(
  by: string,
  metric: QueryMetric,
  groupBy: readonly Dimension[],
  granularity: Granularity,
): { ok: true; value: OrderKey } | { ok: false; message: string } {
  if (by === "metric" || by === metric) return { ok: true, value: { kind: "metric" } };
  if (by === "period") {
    if (granularity === "none") return { ok: false, message: `cannot order by period without a granularity (hour, day or month)` };
    return { ok: true, value: { kind: "period" } };
  }
  const d = groupBy.find((g) => dimensionName(g) === by);
  if (d) return { ok: true, value: { kind: "dimension", dimension: d } };
  const names = ["metric", ...(granularity === "none" ? [] : ["period"]), ...groupBy.map(dimensionName)];
  const near = suggestNames(by, names);
  const why = resolveDimension(by).ok ? ` (it is not grouped by)` : near.length ? `; did you mean ${quoteList(near)}?` : "";
  return { ok: false, message: `cannot order by ${JSON.stringify(by)}${why}; order by one of ${quoteList(names)}` };
}

function issueCode(issue: z.core.$ZodIssue): QueryProblemCode {
  if (issue.code === "custom") {
    const c = (issue.params as { code?: unknown } | undefined)?.code;
    if (typeof c === "string" && (QUERY_PROBLEM_CODES as readonly string[]).includes(c)) return c as QueryProblemCode;
  }
  if (issue.code === "unrecognized_keys") return "UNKNOWN_FIELD";
  switch (issue.path[0]) {
    case "metric":
      return "BAD_METRIC";
    case "groupBy":
      return "BAD_DIMENSION";
    case "filters":
      return "BAD_FILTER";
    case "start":
    case "end":
      return "BAD_TIME";
    case "granularity":
      return "BAD_GRANULARITY";
    case "orderBy":
      return "BAD_ORDER";
    case "limit":
      return "BAD_LIMIT";
    default:
      return "INVALID";
  }
}

const QUERY_FIELDS = ["metric", "groupBy", "filters", "start", "end", "granularity", "orderBy", "limit"];
const FILTER_FIELDS = ["on", "op", "value", "values"];

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") {
    const inFilter = issue.path[0] === "filters";
    const inOrder = issue.path[0] === "orderBy";
    const fields = inFilter ? FILTER_FIELDS : inOrder ? ["by", "direction"] : QUERY_FIELDS;
    return issue.keys
      .map((k) => {
        const near = suggestNames(k, fields);
        return `unknown field ${JSON.stringify(k)}${near.length ? `; did you mean ${quoteList(near)}?` : ""} (fields: ${quoteList(fields)})`;
      })
      .join("; ");
  }
  return issue.message;
}

export function pathToString(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

/** Validates a JSON query. Never throws for bad input: problems come back as values. */
export function parseCostQuery(input: unknown): QueryParseResult {
  const r = costQueryInputSchema.safeParse(input);
  if (r.success) return { ok: true, value: r.data };
  return {
    ok: false,
    problems: r.error.issues.map((issue) => {
      const path = pathToString(issue.path);
      return { code: issueCode(issue), message: issueMessage(issue), ...(path ? { path } : {}) };
    }),
  };
}

/** The canonical JSON form of a query: `parseCostQuery(toQueryInput(q))` gives `q` back. */
export function toQueryInput(q: CostQuery): CostQueryInput {
  const out: CostQueryInput = {
    metric: q.metric,
    groupBy: q.groupBy.map(dimensionName),
    filters: q.filters.map((f): FilterInput => {
      const on = dimensionName(f.on);
      switch (f.op) {
        case "eq":
        case "neq":
        case "like":
        case "contains":
          return { on, op: f.op, value: f.value };
        case "in":
        case "not_in":
          return { on, op: f.op, values: [...f.values] };
        case "is_null":
        case "is_not_null":
          return { on, op: f.op };
      }
    }),
    granularity: q.granularity,
    orderBy: q.orderBy.map((o) => ({ by: orderKeyName(o.key), direction: o.direction })),
  };
  if (q.window.start !== undefined) out.start = q.window.start;
  if (q.window.end !== undefined) out.end = q.window.end;
  if (q.limit !== undefined) out.limit = q.limit;
  return out;
}

export function orderKeyName(k: OrderKey): string {
  switch (k.kind) {
    case "metric":
      return "metric";
    case "period":
      return "period";
    case "dimension":
      return dimensionName(k.dimension);
  }
}

// ─── the CLI form ───────────────────────────────────────────────────────────────────────────────

/** The raw strings of `costwise query`'s options. */
export interface QueryArgs {
  metric?: string;
  /** Each a comma-separated list; the option may repeat. */
  groupBy?: readonly string[];
  /** Each one filter expression; the option may repeat. */
  filter?: readonly string[];
  start?: string;
  end?: string;
  granularity?: string;
  /** Each a comma-separated list of `key[:asc|:desc]`. */
  order?: readonly string[];
  limit?: string;
}

/** The grammar of the CLI form, for `--help`. */
export const QUERY_GRAMMAR_HELP = `Dimensions (--group-by, filters):
  a FOCUS column         ServiceName, ServiceCategory, RegionId, SubAccountName, ResourceId, ChargeCategory, ...
  a costwise column      ${X_DIMENSIONS.join(", ")}
  a tag                  tag:<key>    e.g. tag:team, tag:aws:createdBy; quote keys holding , = ! ~ or spaces:
                                      tag:"cost center"
  --group-by takes a comma-separated list and may repeat: --group-by ServiceName,tag:team

Filters (--filter, repeatable, all must hold):
  <dim>=<value>              equals
  <dim>!=<value>             not equal (rows where <dim> is missing are kept)
  <dim> in <v1>,<v2>,...     one of; quote items holding commas: in "a,b",c
  <dim> not in <v1>,...      none of (missing values are kept)
  <dim>~<pattern>            SQL LIKE: % any run, _ one character, \\ escapes; also <dim> like <pattern>
  <dim> contains <text>      substring (case-sensitive)
  <dim>=   or <dim> is null      missing: NULL or empty (e.g. untagged: tag:team=)
  <dim>!=  or <dim> is not null  present and not empty
  A value in double quotes is taken literally ("" for a quote): ServiceName=" padded ", tag:team=""
  means an empty value (not missing). Date-time columns (BillingPeriodStart, ...) take ISO dates.

Time window: --start (inclusive) and --end (exclusive) on ChargePeriodStart, as ISO dates or UTC
  date-times (2024-09-01, 2024-09-01T12:00:00Z). --granularity hour|day|month adds a "period" column.

Order: --order <key>[:asc|:desc], comma-separated or repeated; <key> is metric, period or a group-by
  dimension. Default: period ascending (when bucketed), then the metric descending.

Money of different currencies is never added: rows are always split by BillingCurrency (by the unit
  column for quantity metrics), and totals are given per currency.`;

type TextResult<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * Splits a comma-separated list. An item may be double-quoted (`"a,b"`), or hold a quoted part right
 * after `tag:` (`tag:"a,b"`); inside quotes `""` is one quote. Unquoted whitespace at the ends of an
 * item is trimmed.
 */
export function splitList(text: string): TextResult<string[]> {
  const items: string[] = [];
  const n = text.length;
  let i = 0;
  for (;;) {
    while (i < n && /\s/.test(text[i]!)) i++;
    let item = "";
    let quoted = false;
    let keep = 0; // leading part of `item` that came from quotes (never trimmed)
    if (text.startsWith(`${TAG_PREFIX}"`, i)) {
      item = TAG_PREFIX;
      i += TAG_PREFIX.length;
    }
    if (text[i] === '"') {
      quoted = true;
      i++;
      let closed = false;
      while (i < n) {
        const c = text[i]!;
        if (c === '"' && text[i + 1] === '"') {
          item += '"';
          i += 2;
        } else if (c === '"') {
          closed = true;
          i++;
          break;
        } else {
          item += c;
          i++;
        }
      }
      if (!closed) return { ok: false, message: `unterminated quote in ${JSON.stringify(text)}` };
      keep = item.length;
    }
    while (i < n && text[i] !== ",") item += text[i++]!;
    item = item.slice(0, keep) + item.slice(keep).trimEnd();
    if (item === "" && !quoted) {
      return { ok: false, message: `empty item in the list ${JSON.stringify(text)} (write "" for an empty value)` };
    }
    items.push(item);
    if (i >= n) return { ok: true, value: items };
    i++; // the comma
  }
}

/** A single value: verbatim but trimmed, or, when wholly double-quoted, the quoted text. */
function singleValue(text: string): TextResult<{ value: string; quoted: boolean }> {
  const t = text.trim();
  if (!t.startsWith('"')) return { ok: true, value: { value: t, quoted: false } };
  const r = /^"((?:[^"]|"")*)"$/s.exec(t);
  if (!r) return { ok: false, message: `a quoted value must be wholly in double quotes (write "" for a quote inside): ${t}` };
  return { ok: true, value: { value: r[1]!.replace(/""/g, '"'), quoted: true } };
}

const WORD_OPERATOR_RE = /\s+(not\s+in|in|like|contains|is\s+not\s+null|is\s+null)(?=\s|$)/i;

/**
 * Parses one CLI filter expression (see `QUERY_GRAMMAR_HELP`) into the JSON form. Names are not
 * checked here; `parseCostQuery` checks them.
 */
export function parseFilterExpression(text: string): TextResult<FilterInput> {
  const lead = text.length - text.trimStart().length;
  let target: string;
  let rest: string;
  if (text.startsWith(`${TAG_PREFIX}"`, lead)) {
    const r = /^tag:"((?:[^"]|"")*)"/s.exec(text.slice(lead));
    if (!r) return { ok: false, message: `unterminated quote in the tag key of ${JSON.stringify(text)}` };
    target = `${TAG_PREFIX}${r[1]!.replace(/""/g, '"')}`;
    rest = text.slice(lead + r[0].length);
    if (!/^\s*(!=|=|~|(not\s+in|in|like|contains|is\s+not\s+null|is\s+null)(\s|$))/i.test(rest)) {
      return { ok: false, message: `expected an operator after ${JSON.stringify(target)} in ${JSON.stringify(text)}` };
    }
    rest = rest.trimStart();
    if (/^[a-z]/i.test(rest)) rest = ` ${rest}`;
  } else {
    const sym = /!=|=|~/.exec(text);
    const word = WORD_OPERATOR_RE.exec(text);
    const at = Math.min(sym?.index ?? Infinity, word?.index ?? Infinity);
    if (at === Infinity) {
      return {
        ok: false,
        message: `no operator in ${JSON.stringify(text)}; write e.g. ProviderName=AWS, "tag:env in prod,staging" or "tag:team is null"`,
      };
    }
    target = text.slice(0, at).trim();
    rest = text.slice(at);
  }
  if (target === "") return { ok: false, message: `no dimension before the operator in ${JSON.stringify(text)}` };

  const sym = /^(!=|=|~)/.exec(rest);
  if (sym) {
    const op = sym[1]!;
    const v = singleValue(rest.slice(op.length));
    if (!v.ok) return v;
    const { value, quoted } = v.value;
    if (op === "~") {
      if (value === "") return { ok: false, message: `"~" needs a LIKE pattern in ${JSON.stringify(text)}` };
      return { ok: true, value: { on: target, op: "like", value } };
    }
    if (value === "" && !quoted) return { ok: true, value: { on: target, op: op === "=" ? "is_null" : "is_not_null" } };
    return { ok: true, value: { on: target, op: op === "=" ? "eq" : "neq", value } };
  }
  const word = /^\s+(not\s+in|in|like|contains|is\s+not\s+null|is\s+null)(?=\s|$)/i.exec(rest)!;
  const op = word[1]!.toLowerCase().replace(/\s+/g, " ");
  const arg = rest.slice(word[0].length);
  switch (op) {
    case "is null":
    case "is not null":
      if (arg.trim() !== "") return { ok: false, message: `"${op}" takes no value, found ${JSON.stringify(arg.trim())}` };
      return { ok: true, value: { on: target, op: op === "is null" ? "is_null" : "is_not_null" } };
    case "in":
    case "not in": {
      if (arg.trim() === "") return { ok: false, message: `"${op}" needs a comma-separated list of values in ${JSON.stringify(text)}` };
      const list = splitList(arg);
      if (!list.ok) return list;
      return { ok: true, value: { on: target, op: op === "in" ? "in" : "not_in", values: list.value } };
    }
    default: {
      const v = singleValue(arg);
      if (!v.ok) return v;
      if (v.value.value === "") return { ok: false, message: `"${op}" needs a value in ${JSON.stringify(text)}` };
      return { ok: true, value: { on: target, op: op === "like" ? "like" : "contains", value: v.value.value } };
    }
  }
}

/** Parses `costwise query`'s option strings into a `CostQuery`. Problem paths name the option. */
export function parseQueryArgs(args: QueryArgs): QueryParseResult {
  const problems: QueryProblem[] = [];
  const input: CostQueryInput = {};
  if (args.metric !== undefined) input.metric = args.metric;

  const groupBy: string[] = [];
  for (const g of args.groupBy ?? []) {
    const r = splitList(g);
    if (r.ok) groupBy.push(...r.value);
    else problems.push({ code: "BAD_DIMENSION", message: r.message, path: "--group-by" });
  }
  if (groupBy.length) input.groupBy = groupBy;

  const filters: FilterInput[] = [];
  const filterFlag: number[] = []; // filters[i] came from --filter number filterFlag[i]
  (args.filter ?? []).forEach((f, i) => {
    const r = parseFilterExpression(f);
    if (r.ok) {
      filters.push(r.value);
      filterFlag.push(i);
    } else problems.push({ code: "BAD_FILTER", message: r.message, path: `--filter ${JSON.stringify(f)}` });
  });
  if (filters.length) input.filters = filters;

  if (args.start !== undefined) input.start = args.start;
  if (args.end !== undefined) input.end = args.end;
  if (args.granularity !== undefined) input.granularity = args.granularity;

  const orderBy: OrderInput[] = [];
  for (const o of args.order ?? []) {
    const r = splitList(o);
    if (!r.ok) {
      problems.push({ code: "BAD_ORDER", message: r.message, path: "--order" });
      continue;
    }
    for (const item of r.value) {
      const m = /^(.*?):(asc|desc)$/i.exec(item);
      orderBy.push(m ? { by: m[1]!, direction: m[2]!.toLowerCase() as SortDirection } : { by: item });
    }
  }
  if (orderBy.length) input.orderBy = orderBy;

  if (args.limit !== undefined) {
    const t = args.limit.trim();
    if (/^\d{1,9}$/.test(t)) input.limit = Number(t);
    else problems.push({ code: "BAD_LIMIT", message: `--limit takes a whole number such as 20, not ${JSON.stringify(args.limit)}`, path: "--limit" });
  }

  const parsed = parseCostQuery(input);
  if (!parsed.ok) {
    for (const p of parsed.problems) problems.push({ ...p, ...cliPath(p.path, args, filterFlag) });
  }
  if (problems.length > 0) {
    // in the order of the options in --help, whichever step found them
    const rank = (p: QueryProblem): number => OPTION_ORDER.findIndex((o) => p.path?.startsWith(o));
    return { ok: false, problems: problems.map((p, i) => ({ p, i })).sort((a, b) => rank(a.p) - rank(b.p) || a.i - b.i).map((x) => x.p) };
  }
  return parsed;
}

const OPTION_ORDER = ["--metric", "--group-by", "--filter", "--start", "--end", "--granularity", "--order", "--limit"];

function cliPath(path: string | undefined, args: QueryArgs, filterFlag: readonly number[]): { path?: string } {
  if (!path) return {};
  const m = /^(\w+)(?:\[(\d+)\])?/.exec(path);
  if (!m) return { path };
  switch (m[1]) {
    case "metric":
      return { path: "--metric" };
    case "groupBy":
      return { path: "--group-by" };
    case "filters": {
      const flag = filterFlag[Number(m[2])];
      const text = flag === undefined ? undefined : args.filter?.[flag];
      return { path: text === undefined ? "--filter" : `--filter ${JSON.stringify(text)}` };
    }
    case "start":
      return { path: "--start" };
    case "end":
      return { path: "--end" };
    case "granularity":
      return { path: "--granularity" };
    case "orderBy":
      return { path: "--order" };
    case "limit":
      return { path: "--limit" };
    default:
      return { path };
  }
}
