/**
 * Runs a typed cost query on a cost store. Money stays a decimal string end to end: the exact text the
 * store returns (DECIMAL(38,10), e.g. "12.3400000000"); `formatAmount` rounds for display only.
 */
import { CostwiseError, isCostwiseError } from "../../core/errors.js";
import { formatMoney, isDecimalString, parseMoney, trimMoney } from "../../core/money.js";
import { compileCostQuery, type CompiledCostQuery, type CompileOptions } from "../../core/query/compile.js";
import {
  METRIC_UNIT_COLUMN,
  describeProblems,
  metricKind,
  type CostQuery,
  type DimensionColumn,
  type MetricKind,
  type QueryMetric,
  type QueryParseResult,
} from "../../core/query/cost-query.js";
import { assertConvertible, prepareConversion, type FxContext, type FxUsed, type PreparedConversion } from "../fx/convert.js";
import type { CostStore, Row } from "../store/cost-store.js";
import { COST_TABLE } from "../store/schema.js";

/** One result row: public column name → text value (money as a decimal string), NULL as null. */
export type QueryRow = Record<string, string | null>;

export interface UnitTotal {
  /** The currency (or quantity unit); null for rows that have none. */
  unit: string | null;
  /** Sum of the metric over every matching row of this unit; null when all values were NULL. */
  total: string | null;
  groups: number;
  lineItems: number;
}

export interface QueryTotals {
  metric: QueryMetric;
  kind: MetricKind;
  /** The column the metric's unit lives in (BillingCurrency for money). */
  unitColumn: DimensionColumn;
  /**
   * The sum over every matching row, whatever the limit. Null when the rows mix units (currencies):
   * money of different currencies is not added; see `byUnit`. "0.0000000000" when nothing matched.
   */
  total: string | null;
  byUnit: UnitTotal[];
  /** Result rows before the limit. */
  groups: number;
  /** Line items (cost rows) that matched. */
  lineItems: number;
}

export interface QueryResult {
  query: CostQuery;
  /** Public column names in order: dimensions, `period`, the unit column, the metric. */
  columns: string[];
  rows: QueryRow[];
  totals: QueryTotals;
  /** True when the limit left groups out (`totals` still count them). */
  truncated: boolean;
  /** With a reporting currency: the currency and the rates used (source, base, range, count, rule). */
  fx?: FxUsed;
}

/** Returns the query, or throws a BAD_QUERY error listing every problem (in `details.problems`). */
export function queryOrThrow(parsed: QueryParseResult): CostQuery {
  if (parsed.ok) return parsed.value;
  const lines = describeProblems(parsed.problems).split("\n");
  const message = lines.length === 1 ? `bad query: ${lines[0]}` : `bad query:\n${lines.map((l) => `  ${l}`).join("\n")}`;
  throw new CostwiseError("BAD_QUERY", message, {
    details: { problems: parsed.problems },
  });
}

/** Compiles `query` for the store's dialect and table. */
export function compileForStore(store: CostStore, query: CostQuery, options: CompileOptions = {}): CompiledCostQuery {
  return compileCostQuery(query, store.dialect, { table: COST_TABLE, ...options });
}

/**
 * `options` may point the query at a pre-aggregated copy of the cost table (see CompileOptions). Without a
 * table, a store that keeps its own rollups (ClickHouse) picks the one that answers the query exactly.
 */
export async function runCostQuery(store: CostStore, givenQuery: CostQuery, givenOptions: CompileOptions = {}, fx?: FxContext): Promise<QueryResult> {
  const query = withReportingCurrency(givenQuery, fx);
  // a reporting currency: rates loaded (or reused), the line items converted per row; never a rollup (their sums mix days)
  let prepared: PreparedConversion | undefined;
  if (query.currency !== undefined) {
    if (givenOptions.star) givenOptions = {};
    prepared = await prepareConversion(store, fx, query.currency);
    givenOptions = { ...givenOptions, table: COST_TABLE, fx: prepared.compile };
    delete givenOptions.lineItemsColumn;
  }
  const rollup = givenOptions.table === undefined ? store.costQueryTable?.(query) : undefined;
  const options: CompileOptions = rollup ? { ...givenOptions, ...rollup } : givenOptions;
  const compiled = compileForStore(store, query, options);
  // a missing rate is an error naming the currency and day, found before anything is summed
  if (compiled.fxUnmatched && prepared) await assertConvertible(store, compiled.fxUnmatched, prepared, query.currency!);
  // one row past the limit tells whether the result is cut; only then do totals need their own scan
  const probe = compileForStore(store, query.limit === undefined ? query : { ...query, limit: query.limit + 1 }, options);
  let rowData: Row[];
  let totalData: Row[];
  try {
    // the common case, every group within the limit: one statement, the totals come from its own rows
    const first = await store.all(probe.rows);
    if (query.limit === undefined || first.length <= query.limit) [rowData, totalData] = [first, totalsOf(first)];
    else {
      // cut by the limit: rows and totals again from one snapshot, so the totals always match the rows
      [rowData, totalData] = await store.transaction(async () => {
        const got = await store.all(probe.rows);
        return [got.slice(0, query.limit), await store.all(compiled.totals)];
      });
    }
  } catch (e) {
    if (isCostwiseError(e)) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new CostwiseError("STORE", `the cost query failed in the store: ${msg.split("\n")[0]}`, { cause: e });
  }

  const rows = rowData.map((r) => {
    const out: QueryRow = {};
    for (const c of compiled.columns) out[c.name] = text(r[c.alias]);
    return out;
  });

  const byUnit: UnitTotal[] = totalData.map((r) => ({
    unit: text(r["u"]),
    total: text(r["m"]),
    groups: count(r["groups"]),
    lineItems: count(r["n"]),
  }));
  const groups = byUnit.reduce((a, u) => a + u.groups, 0);
  const total = byUnit.length === 0 ? formatMoney(0n) : byUnit.length === 1 ? byUnit[0]!.total : null;

  return {
    query,
    columns: compiled.columns.map((c) => c.name),
    rows,
    totals: {
      metric: query.metric,
      kind: metricKind(query.metric),
      unitColumn: METRIC_UNIT_COLUMN[query.metric],
      total,
      byUnit,
      groups,
      lineItems: byUnit.reduce((a, u) => a + u.lineItems, 0),
    },
    truncated: groups > rows.length,
    ...(prepared ? { fx: prepared.used } : {}),
  };
}

/** The query with the workspace's `fx.reportingCurrency` when it names none and sums money; else unchanged. */
export function withReportingCurrency(query: CostQuery, fx: FxContext | undefined): CostQuery {
  const rc = fx?.config.reportingCurrency;
  if (query.currency !== undefined || rc === undefined || metricKind(query.metric) !== "cost") return query;
  return { ...query, currency: rc };
}

/** Totals per unit from complete grouped rows (exact decimal sums), shaped like the totals query's rows. */
function totalsOf(rows: readonly Row[]): Row[] {
  const byUnit = new Map<string | null, { m: bigint; groups: number; n: number }>();
  for (const r of rows) {
    const u = text(r["u"]);
    const t = byUnit.get(u) ?? { m: 0n, groups: 0, n: 0 };
    const m = text(r["m"]);
    if (m !== null) t.m += parseMoney(m);
    t.groups += 1;
    t.n += count(r["n"]);
    byUnit.set(u, t);
  }
  return [...byUnit.entries()]
    .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0))
    .map(([u, t]) => ({ u, m: formatMoney(t.m), groups: t.groups, n: t.n }));
}

function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

function count(v: unknown): number {
  const n = Number(text(v) ?? "0");
  return Number.isFinite(n) ? n : 0;
}

export interface FormatAmountOptions {
  /** Fraction digits, rounded half away from zero (default 2). `undefined` with `trim` keeps them all. */
  decimals?: number;
  /** Strip trailing zeros instead of fixing the digits (for quantities). */
  trim?: boolean;
  /** Thousands separators (default true). */
  grouping?: boolean;
}

/** A decimal string for people: "12345.6750000000" → "12,345.68". Never goes through a JS number. */
export function formatAmount(value: string | null, options: FormatAmountOptions = {}): string {
  if (value === null) return "";
  if (!isDecimalString(value)) return value;
  const { decimals = 2, trim = false, grouping = true } = options;
  const s = trim ? trimMoney(formatMoney(parseMoney(value)), 0) : formatMoney(parseMoney(value), decimals);
  if (!grouping) return s;
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(s);
  if (!m) return s;
  return `${m[1]}${m[2]!.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}${m[3] ?? ""}`;
}
