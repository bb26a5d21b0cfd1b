/**
 * The JSON form of a cost query (`CostQueryInput`): its zod schema, `parseCostQuery` (problems as values, never
 * throws) and `toQueryInput`, the canonical JSON of a parsed query.
 */
import { z } from "zod";
import { type CostQuery, DEFAULT_METRIC, type Dimension, dimensionName, dimensionValueType, type Filter, FILTER_OPERATORS, GRANULARITIES, type Granularity, type ListOperator, MAX_FILTERS, MAX_GROUP_BY, MAX_IN_VALUES, MAX_LIMIT, MAX_VALUE_LENGTH, metricKind, type NullOperator, type OrderBy, type OrderKey, QUERY_PROBLEM_CODES, type QueryMetric, type QueryParseResult, type QueryProblemCode, SORT_DIRECTIONS, type SortDirection, type TimeWindow, type ValueOperator } from "./cost-query-model.js";
import { parseIsoTime, quoteList, resolveDimension, resolveMetric, suggestNames, textProblem } from "./cost-query-names.js";

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
  currency?: string;
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
    currency: z
      .string({ error: "currency must be an ISO 4217 code such as USD" })
      .regex(/^[A-Z]{3}$/, "currency must be an ISO 4217 code such as USD or EUR (three capital letters)")
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
    if (q.currency !== undefined && metricKind(q.metric) !== "cost") {
      custom(ctx, "BAD_CURRENCY", `${q.metric} is a quantity, not money: a reporting currency applies to cost metrics only`, ["currency"]);
    }
    return {
      metric: q.metric,
      groupBy: q.groupBy,
      filters: q.filters,
      window,
      granularity: q.granularity,
      orderBy,
      limit: q.limit,
      ...(q.currency !== undefined ? { currency: q.currency } : {}),
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
    case "currency":
      return "BAD_CURRENCY";
    default:
      return "INVALID";
  }
}

const QUERY_FIELDS = ["metric", "groupBy", "filters", "start", "end", "granularity", "orderBy", "limit", "currency"];
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
  if (q.currency !== undefined) out.currency = q.currency;
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

