/**
 * Compiles a `CostQuery` to SQL for one dialect.
 *
 * Safety by construction: SQL is assembled from `SqlFragment`s, never from plain strings. The only
 * ways to make a fragment are text written in this file (`lit`), identifiers from the whitelist
 * (`ident`, which checks), and bound parameters (`param`). Every user value — filter values, tag
 * keys, times, the limit — is a parameter; identifiers come only from the column catalogue.
 *
 * Dialects differ in a handful of places (placeholders, tag lookup, time truncation and formatting,
 * substring match); those are the `DialectSql` object. DuckDB is implemented; ClickHouse is a seam.
 */
import { CostwiseError, assertNever } from "../errors.js";
import {
  DIMENSION_COLUMNS,
  METRIC_UNIT_COLUMN,
  QUERY_METRICS,
  dimensionName,
  dimensionValueType,
  effectiveOrder,
  sameDimension,
  type CostQuery,
  type Dimension,
  type Filter,
  type Granularity,
  type OrderKey,
} from "./cost-query.js";

// ─── SQL types ──────────────────────────────────────────────────────────────────────────────────

import { quoteIdent, type CompiledSql, type SqlDialect, type SqlValue } from "../sql.js";
import { fxConvertSql, fxDayOf, fxJoinSql, fxUnmatchedColumnsSql, fxUnmatchedSql, type FxSqlOptions, type TextSql } from "../fx/convert-sql.js";
export type { CompiledSql, SqlDialect, SqlValue };

// ─── fragments ──────────────────────────────────────────────────────────────────────────────────

export type ParamType = "text" | "timestamp" | "integer";

type Part = { kind: "text"; text: string } | { kind: "param"; value: SqlValue; type: ParamType };

/** A piece of SQL with its parameters, kept apart until rendering so placeholders stay in order. */
export class SqlFragment {
  /** @internal use lit / ident / param / sqlf */
  constructor(readonly parts: readonly Part[]) {}
}

/** SQL text written in this module (keywords, function names, punctuation). Never user text. */
function lit(text: string): SqlFragment {
  return new SqlFragment([{ kind: "text", text }]);
}

export function param(value: SqlValue, type: ParamType = "text"): SqlFragment {
  return new SqlFragment([{ kind: "param", value, type }]);
}

/** Template tag: only fragments may be interpolated, so a plain string cannot slip into SQL. */
function sqlf(strings: TemplateStringsArray, ...values: SqlFragment[]): SqlFragment {
  const parts: Part[] = [];
  strings.forEach((s, i) => {
    if (s) parts.push({ kind: "text", text: s });
    const v = values[i];
    if (v) parts.push(...v.parts);
  });
  return new SqlFragment(parts);
}

/**
 * SQL text made by core/fx/convert-sql.ts (the one definition of currency conversion): identifiers and keywords
 * written there, every value a `?` parameter, split here into text and parameter parts.
 */
function fxText(t: TextSql): SqlFragment {
  const pieces = t.sql.split("?");
  if (pieces.length !== t.params.length + 1) throw new CostwiseError("INTERNAL", "conversion SQL and its parameters do not match");
  const parts: Part[] = [];
  pieces.forEach((text, i) => {
    if (text) parts.push({ kind: "text", text });
    if (i < t.params.length) parts.push({ kind: "param", value: t.params[i]!, type: "text" });
  });
  return new SqlFragment(parts);
}

function join(frags: readonly SqlFragment[], sep: string): SqlFragment {
  const parts: Part[] = [];
  frags.forEach((f, i) => {
    if (i > 0) parts.push({ kind: "text", text: sep });
    parts.push(...f.parts);
  });
  return new SqlFragment(parts);
}

/** Renders a fragment: placeholders numbered in textual order, parameters in the same order. */
export function renderSql(frag: SqlFragment, dialect: DialectSql): CompiledSql {
  let sql = "";
  const params: SqlValue[] = [];
  for (const p of frag.parts) {
    if (p.kind === "text") sql += p.text;
    else if (dialect.inline) sql += dialect.inline(p.value, p.type);
    else {
      params.push(p.value);
      sql += dialect.placeholder(params.length, p.type);
    }
  }
  return { sql, params };
}

// ─── identifiers ────────────────────────────────────────────────────────────────────────────────

/** Aliases the compiler itself uses for output columns (g0.., p, u, m, n) and subqueries. */
const ALIAS_RE = /^(g\d{1,2}|p|u|m|n|c|groups|q|r|k|d|f)$/;
const SAFE_IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const KNOWN_IDENTS: ReadonlySet<string> = new Set<string>([...DIMENSION_COLUMNS, ...QUERY_METRICS, "Tags", "ChargePeriodStart"]);

/**
 * A quoted identifier. Only whitelisted column names, the compiler's own aliases, and the table name
 * (checked by the caller) pass; anything else is a bug, not user input, and throws.
 */
function ident(name: string, extra: ReadonlySet<string> = new Set()): SqlFragment {
  if (!SAFE_IDENT_RE.test(name) || !(KNOWN_IDENTS.has(name) || ALIAS_RE.test(name) || extra.has(name))) {
    throw new CostwiseError("INTERNAL", `refusing to use ${JSON.stringify(name)} as an SQL identifier`);
  }
  return lit(quoteIdent(name));
}

// ─── dialects ───────────────────────────────────────────────────────────────────────────────────

/** Where SQL dialects differ. Every method takes and returns fragments; values stay parameters. */
export interface DialectSql {
  readonly name: SqlDialect;
  /** The placeholder for the `index`-th (1-based) parameter. */
  placeholder(index: number, type: ParamType): string;
  /**
   * For engines without server-side parameters (ClickHouse 18.16): the value as a safely escaped literal,
   * rendered in place of a placeholder. Absent: values are bound as parameters.
   */
  inline?(value: SqlValue, type: ParamType): string;
  /** The value of tag `key` (a parameter) in the Tags map, or NULL when absent. */
  tagValue(tags: SqlFragment, key: SqlFragment): SqlFragment;
  /** Truncates a timestamp to the start of its bucket. */
  truncTimestamp(granularity: Exclude<Granularity, "none">, ts: SqlFragment): SqlFragment;
  /** A timestamp as ISO-8601 UTC text `YYYY-MM-DDTHH:MM:SSZ` (sorts chronologically). */
  isoText(ts: SqlFragment): SqlFragment;
  /** A timestamp parameter from normalized ISO text. */
  timestampParam(iso: string): SqlFragment;
  /** Any value as text (JSON columns). */
  toText(e: SqlFragment): SqlFragment;
  /** True when `e` contains `needle` literally (case-sensitive). */
  contains(e: SqlFragment, needle: SqlFragment): SqlFragment;
  /** SQL LIKE with `\` as the escape character. */
  like(e: SqlFragment, pattern: SqlFragment): SqlFragment;
  /** Null-safe inequality: true when `e` is NULL. */
  distinctFrom(e: SqlFragment, v: SqlFragment): SqlFragment;
  /**
   * The metric and line-count columns of result rows as text made by the engine, where that text is exactly
   * what the client would make of the typed value but cheaper (DuckDB: DECIMAL/HUGEINT to string in C++
   * instead of BigInt arithmetic in JavaScript). Absent: typed values.
   */
  resultText?(e: SqlFragment): SqlFragment;
}

const BUCKET: Record<Exclude<Granularity, "none">, SqlFragment> = {
  hour: lit("'hour'"),
  day: lit("'day'"),
  month: lit("'month'"),
};

export const DUCKDB_SQL: DialectSql = {
  name: "duckdb",
  placeholder: () => "?",
  // DuckDB ≥ 1.1: map_extract_value returns the value (NULL when absent); `map[key]` does too in 1.5,
  // but element_at / map_extract return a list. Spell it out so a DuckDB change cannot turn it into a list.
  // the subscript form is ~40% faster than map_extract_value on DuckDB 1.5 (bench: daily group-by with a tag)
  tagValue: (tags, key) => sqlf`${tags}[${key}]`,
  truncTimestamp: (g, ts) => sqlf`date_trunc(${BUCKET[g]}, ${ts})`,
  isoText: (ts) => sqlf`strftime(${ts}, '%Y-%m-%dT%H:%M:%SZ')`,
  timestampParam: (iso) => sqlf`CAST(${param(iso.replace("T", " ").replace(/Z$/, ""), "timestamp")} AS TIMESTAMP)`,
  toText: (e) => sqlf`CAST(${e} AS VARCHAR)`,
  contains: (e, needle) => sqlf`contains(${e}, ${needle})`,
  like: (e, pattern) => sqlf`${e} LIKE ${pattern} ESCAPE '\\'`,
  distinctFrom: (e, v) => sqlf`${e} IS DISTINCT FROM ${v}`,
  resultText: (e) => sqlf`CAST(${e} AS VARCHAR)`,
};

/**
 * ClickHouse. Debian's ClickHouse (18.16) has no server-side query parameters, so values are inlined as
 * literals escaped by `clickhouseLiteral` (fuzz-tested against injection). Only constructs that 18.16 and
 * current releases both accept: Tags are a Nested column (`Tags.key`, `Tags.value` arrays; Map does not
 * exist in 18.16), `toString(DateTime)` instead of `formatDateTime` (whose `%M` changed meaning in 23.x),
 * `toStartOfX` for buckets, `position` for substring match.
 */
export const CLICKHOUSE_SQL: DialectSql = {
  name: "clickhouse",
  placeholder: () => {
    throw new CostwiseError("INTERNAL", "ClickHouse values are inlined, never bound");
  },
  inline: (value, type) => clickhouseLiteral(value, type),
  tagValue: (_tags, key) => sqlf`if(has("Tags.key", ${key}), "Tags.value"[indexOf("Tags.key", ${key})], NULL)`,
  truncTimestamp: (g, ts) => {
    switch (g) {
      case "hour":
        return sqlf`toStartOfHour(${ts})`;
      case "day":
        return sqlf`toDateTime(toStartOfDay(${ts}))`;
      case "month":
        return sqlf`toDateTime(toStartOfMonth(${ts}))`;
      default:
        return assertNever(g, "granularity");
    }
  },
  isoText: (ts) => sqlf`concat(replaceOne(toString(${ts}), ' ', 'T'), 'Z')`,
  timestampParam: (iso) => sqlf`toDateTime(${param(iso.replace("T", " ").replace(/Z$/, ""), "timestamp")}, 'UTC')`,
  toText: (e) => sqlf`toString(${e})`,
  contains: (e, needle) => sqlf`position(${e}, ${needle}) > 0`,
  like: (e, pattern) => sqlf`${e} LIKE ${pattern}`,
  distinctFrom: (e, v) => sqlf`(${e} IS NULL OR ${e} != ${v})`,
};

const CH_TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/**
 * A ClickHouse literal for a value. Strings are single-quoted with `\` and `'` backslash-escaped (the only
 * characters with meaning inside a ClickHouse string literal; NUL is written as `\0`), so no value can end
 * the literal early. Integers and timestamps are checked against strict patterns before they are written.
 */
export function clickhouseLiteral(value: SqlValue, type: ParamType = "text"): string {
  if (value === null) return "NULL";
  switch (type) {
    case "integer": {
      const text = typeof value === "bigint" ? value.toString() : typeof value === "number" && Number.isSafeInteger(value) ? String(value) : "";
      if (!/^-?\d+$/.test(text)) throw new CostwiseError("INTERNAL", `not an integer: ${JSON.stringify(String(value))}`);
      return text;
    }
    case "timestamp": {
      const text = String(value);
      if (!CH_TIMESTAMP_RE.test(text)) throw new CostwiseError("INTERNAL", `not a timestamp: ${JSON.stringify(text)}`);
      return `'${text}'`;
    }
    case "text": {
      const text = typeof value === "boolean" ? (value ? "1" : "0") : String(value);
      // not core/sql's quoteStringIn: an inlined ClickHouse parameter also escapes NUL, and keeps ClickHouse's
      // backslash form for quotes (\') that the compiled-SQL snapshots show
      return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\0/g, "\\0")}'`;
    }
    default:
      return assertNever(type, "parameter type");
  }
}

/** The dialect object for a store's dialect. */
export function dialectSql(dialect: SqlDialect): DialectSql {
  switch (dialect) {
    case "duckdb":
      return DUCKDB_SQL;
    case "clickhouse":
      return CLICKHOUSE_SQL;
    default:
      return assertNever(dialect, "SQL dialect");
  }
}

// ─── the compiler ───────────────────────────────────────────────────────────────────────────────

export const DEFAULT_COST_TABLE = "focus_costs";

export type OutputRole = "dimension" | "period" | "unit" | "metric";

export interface OutputColumn {
  /** The SQL alias (g0, p, u, m): safe by construction. */
  alias: string;
  /** The public name: the dimension name (`tag:team`), `period`, the unit column, or the metric. */
  name: string;
  role: OutputRole;
}

export interface CompiledCostQuery {
  query: CostQuery;
  /** Grouped rows, ordered and limited: one column per `columns` alias, plus `n` (line items). */
  rows: CompiledSql;
  /** Per unit (currency) over every matching row, whatever the limit: `u`, `m`, `groups`, `n`. */
  totals: CompiledSql;
  /** The public columns of `rows`, in order. The unit column is left out when it is also grouped by. */
  columns: OutputColumn[];
  /**
   * With a reporting currency: up to 5 (currency, day) pairs of matching rows that cannot be converted (`cur`,
   * `day`, `has_from`, `has_to`), to run before the rows — a missing rate is an error, never a silent 1.0.
   */
  fxUnmatched?: CompiledSql;
}

export interface CompileOptions {
  /** The cost table (default `focus_costs`). Must be a plain identifier. */
  table?: string;
  /**
   * For a pre-aggregated table (a daily rollup): the column holding how many line items each row
   * stands for, summed instead of counting rows. Must be a plain identifier.
   */
  lineItemsColumn?: string;
  /**
   * A star-shaped rollup (needs `lineItemsColumn`): `keysTable` holds one row per combination of dimension values
   * under an integer key (`keyColumn`); each part's table holds sums per period bucket (`ChargePeriodStart`) and
   * key. Filters, tag lookups and the unit are evaluated on the small keys table, once per combination, and the
   * parts are joined to it by key. Each part is read over its own window (a planner tiles the query's window with
   * daily and monthly parts); the query's own window is not applied, so the parts must tile it exactly.
   */
  star?: StarRollup;
  /** The daily rates table and rate granularity, needed when the query has a reporting currency (engine/fx). */
  fx?: { ratesTable: string; granularity: "day" | "month" };
}

export interface StarRollup {
  keysTable: string;
  keyColumn: string;
  /** Inclusive start, exclusive end, as the query window's ISO text; absent: unbounded. */
  parts: readonly { table: string; start?: string; end?: string }[];
}

export function compileCostQuery(query: CostQuery, dialect: SqlDialect | DialectSql, options: CompileOptions = {}): CompiledCostQuery {
  const d = typeof dialect === "string" ? dialectSql(dialect) : dialect;
  const tableName = options.table ?? DEFAULT_COST_TABLE;
  if (!SAFE_IDENT_RE.test(tableName)) throw new CostwiseError("INTERNAL", `bad cost table name ${JSON.stringify(tableName)}`);
  const table = ident(tableName, new Set([tableName]));

  const unitColumn = METRIC_UNIT_COLUMN[query.metric];
  const fxOpts = fxOptionsOf(query, d, options);
  const unitGroupedBy = query.groupBy.some((g) => g.kind === "column" && g.column === unitColumn);
  // converted, the unit is the reporting currency: kept as a column even when the billed currency is grouped by
  const unitGrouped = unitGroupedBy && !fxOpts;

  const columns: OutputColumn[] = query.groupBy.map((g, i) => ({ alias: `g${i}`, name: dimensionName(g), role: "dimension" }));
  if (query.granularity !== "none") columns.push({ alias: "p", name: "period", role: "period" });
  if (!unitGrouped) columns.push({ alias: "u", name: fxOpts && unitGroupedBy ? "ReportingCurrency" : unitColumn, role: "unit" });
  columns.push({ alias: "m", name: query.metric, role: "metric" });

  // inner: one row per line item with its group keys, unit and metric value
  // date-times are grouped as timestamps and turned into ISO text after grouping (once per group, not per row)
  const isDateTime = (g: Dimension) => g.kind === "column" && dimensionValueType(g.column) === "datetime";
  const select: SqlFragment[] = query.groupBy.map((g, i) => sqlf`${isDateTime(g) ? ident((g as { column: string }).column) : dimensionExpr(g, d)} AS ${ident(`g${i}`)}`);
  if (query.granularity !== "none") {
    select.push(sqlf`${d.truncTimestamp(query.granularity, ident("ChargePeriodStart"))} AS ${ident("p")}`);
  }
  if (fxOpts) {
    select.push(sqlf`CAST(${param(fxOpts.target)} AS VARCHAR) AS ${ident("u")}`);
    select.push(sqlf`${ident(query.metric)} AS ${ident("m")}`);
  } else {
    select.push(sqlf`${ident(unitColumn)} AS ${ident("u")}`);
    select.push(sqlf`${ident(query.metric)} AS ${ident("m")}`);
  }
  const countCol = options.lineItemsColumn;
  if (countCol !== undefined) {
    if (!SAFE_IDENT_RE.test(countCol)) throw new CostwiseError("INTERNAL", `bad line-item column name ${JSON.stringify(countCol)}`);
    select.push(sqlf`${ident(countCol, new Set([countCol]))} AS ${ident("c")}`);
  }

  const where: SqlFragment[] = [];
  if (query.window.start !== undefined) where.push(sqlf`${ident("ChargePeriodStart")} >= ${d.timestampParam(query.window.start)}`);
  if (query.window.end !== undefined) where.push(sqlf`${ident("ChargePeriodStart")} < ${d.timestampParam(query.window.end)}`);
  for (const f of query.filters) where.push(filterExpr(f, d));

  if (fxOpts && options.star) throw new CostwiseError("INTERNAL", "a converted query reads the cost table, not a star rollup");
  const from = fxOpts ? sqlf`${table}${fxText(fxJoinSql(fxOpts))}` : table;
  const whereSql = where.length ? sqlf` WHERE ${join(where, " AND ")}` : lit("");
  const inner = options.star
    ? starInner(query, d, options.star, select, countCol)
    : fxOpts
      ? fxInner(query, fxOpts, select, from, whereSql)
      : sqlf`SELECT ${join(select, ", ")} FROM ${from}${whereSql}`;
  const fxUnmatched = fxOpts
    ? renderSql(
        sqlf`SELECT ${lit(fxUnmatchedColumnsSql(fxOpts))} FROM ${from} WHERE ${join([...where, fxText(fxUnmatchedSql(fxOpts))], " AND ")} GROUP BY ${lit(`coalesce("BillingCurrency", ''), ${fxDayOf(fxOpts)}`)} ORDER BY ${lit("day, cur")} LIMIT 5`,
        d,
      )
    : undefined;

  const keys: SqlFragment[] = query.groupBy.map((_, i) => ident(`g${i}`));
  if (query.granularity !== "none") keys.push(ident("p"));
  keys.push(ident("u"));
  const outKeys: SqlFragment[] = query.groupBy.map((g, i) => (isDateTime(g) ? sqlf`${d.isoText(ident(`g${i}`))} AS ${ident(`g${i}`)}` : ident(`g${i}`)));
  if (query.granularity !== "none") outKeys.push(sqlf`${d.isoText(ident("p"))} AS ${ident("p")}`);
  outKeys.push(ident("u"));
  const summedCount = countCol !== undefined || fxOpts !== undefined;
  const keyed = sqlf`SELECT ${join(keys, ", ")}, sum(${ident("m")}) AS ${ident("m")}, ${summedCount ? sqlf`sum(${ident("c")})` : lit("count(*)")} AS ${ident("n")} FROM (${inner}) AS ${ident("q")} GROUP BY ${join(keys, ", ")}`;
  const grouped = sqlf`SELECT ${join(outKeys, ", ")}, ${ident("m")}, ${ident("n")} FROM (${keyed}) AS ${ident("k")}`;

  const limit = query.limit === undefined ? lit("") : sqlf` LIMIT ${param(query.limit, "integer")}`;
  // with engine-made text for m and n, the order reads the typed columns of the subquery ("k"."m"), never the text
  const text = d.resultText;
  const rows = text
    ? sqlf`SELECT ${join(outKeys, ", ")}, ${text(sqlf`${ident("k")}.${ident("m")}`)} AS ${ident("m")}, ${text(sqlf`${ident("k")}.${ident("n")}`)} AS ${ident("n")} FROM (${keyed}) AS ${ident("k")} ORDER BY ${join(orderFragments(query, ident("k")), ", ")}${limit}`
    : sqlf`${grouped} ORDER BY ${join(orderFragments(query), ", ")}${limit}`;

  const totals = sqlf`SELECT ${ident("u")}, sum(${ident("m")}) AS ${ident("m")}, count(*) AS ${ident("groups")}, sum(${ident("n")}) AS ${ident("n")} FROM (${grouped}) AS ${ident("r")} GROUP BY ${ident("u")} ORDER BY ${ident("u")} ASC NULLS LAST`;

  return { query, rows: renderSql(rows, d), totals: renderSql(totals, d), columns, ...(fxUnmatched ? { fxUnmatched } : {}) };
}

/** The conversion's settings for a query with a reporting currency, or undefined without one. */
function fxOptionsOf(query: CostQuery, d: DialectSql, options: CompileOptions): FxSqlOptions | undefined {
  if (query.currency === undefined) return undefined;
  if (d.name !== "duckdb") {
    throw new CostwiseError("BAD_QUERY", `a reporting currency (currency ${query.currency}) is not supported on ClickHouse yet: query without it, or on the embedded store`);
  }
  if (!options.fx) throw new CostwiseError("BAD_QUERY", `a reporting currency (${query.currency}) needs exchange rates: add an fx: section with rates: to costwise.yaml (docs/fx.md)`);
  return { ratesTable: options.fx.ratesTable, granularity: options.fx.granularity, target: query.currency };
}

/**
 * The inner rows of a converted query (core/fx/convert-sql.ts): line items with their currency, rate day and rate
 * units, summed per group keys, currency and rate day (exact DECIMAL), each partial sum converted once; out come
 * the usual inner columns (g0.., p, u, m) plus `c`, the line items each partial stands for.
 */
function fxInner(query: CostQuery, o: FxSqlOptions, select: readonly SqlFragment[], from: SqlFragment, whereSql: SqlFragment): SqlFragment {
  const keys: SqlFragment[] = query.groupBy.map((_, i) => ident(`g${i}`));
  if (query.granularity !== "none") keys.push(ident("p"));
  keys.push(ident("u"));
  const rateCols = lit(`"BillingCurrency" AS fx_c, ${fxDayOf(o)} AS fx_d, fx_r.fx_fu AS fx_fu, fx_r.fx_tu AS fx_tu`);
  const raw = sqlf`SELECT ${join(select, ", ")}, ${rateCols} FROM ${from}${whereSql}`;
  const partial = sqlf`SELECT ${join(keys, ", ")}, fx_c, fx_fu, fx_tu, sum(${ident("m")}) AS ${ident("m")}, count(*) AS ${ident("c")} FROM (${raw}) AS ${ident("r")} GROUP BY ${join(keys, ", ")}, fx_c, fx_d, fx_fu, fx_tu`;
  const converted = fxText(fxConvertSql(o.target, quoteIdent("m"), "fx_c", "fx_fu", "fx_tu"));
  return sqlf`SELECT ${join(keys, ", ")}, ${converted} AS ${ident("m")}, ${ident("c")} FROM (${partial}) AS ${ident("f")}`;
}

/**
 * The inner rows of a star-rollup query: the keys table's combinations that pass the filters, with their group
 * values and unit (`d`), joined by key to the parts' sums over each part's window (`f`). `select` is the plain
 * inner select list (g0.., p, u, m, c); its group and unit expressions move to `d`, period, metric and count to `f`.
 */
function starInner(query: CostQuery, d: DialectSql, star: StarRollup, select: readonly SqlFragment[], countCol: string | undefined): SqlFragment {
  if (countCol === undefined) throw new CostwiseError("INTERNAL", "a star rollup needs its line-item column");
  if (star.parts.length === 0) throw new CostwiseError("INTERNAL", "a star rollup query needs at least one part");
  const named = (name: string) => {
    if (!SAFE_IDENT_RE.test(name)) throw new CostwiseError("INTERNAL", `bad rollup identifier ${JSON.stringify(name)}`);
    return ident(name, new Set([name]));
  };
  const key = named(star.keyColumn);
  const nGroups = query.groupBy.length;
  const withPeriod = query.granularity !== "none";
  // select = [g0.., p?, u, m, c]
  const groupSel = select.slice(0, nGroups);
  const unitSel = select[nGroups + (withPeriod ? 1 : 0)]!;
  const filters = query.filters.map((f) => filterExpr(f, d));
  const dims = sqlf`SELECT ${join([sqlf`${key} AS ${ident("k")}`, ...groupSel, unitSel], ", ")} FROM ${named(star.keysTable)}${filters.length ? sqlf` WHERE ${join(filters, " AND ")}` : lit("")}`;
  const facts = star.parts.map((part) => {
    const w: SqlFragment[] = [];
    if (part.start !== undefined) w.push(sqlf`${ident("ChargePeriodStart")} >= ${d.timestampParam(part.start)}`);
    if (part.end !== undefined) w.push(sqlf`${ident("ChargePeriodStart")} < ${d.timestampParam(part.end)}`);
    return sqlf`SELECT ${key} AS ${ident("k")}, ${ident("ChargePeriodStart")}, ${ident(query.metric)} AS ${ident("m")}, ${named(countCol)} AS ${ident("c")} FROM ${named(part.table)}${w.length ? sqlf` WHERE ${join(w, " AND ")}` : lit("")}`;
  });
  const outer: SqlFragment[] = query.groupBy.map((_, i) => ident(`g${i}`));
  if (withPeriod) outer.push(sqlf`${d.truncTimestamp(query.granularity as Exclude<Granularity, "none">, ident("ChargePeriodStart"))} AS ${ident("p")}`);
  outer.push(ident("u"), ident("m"), ident("c"));
  return sqlf`SELECT ${join(outer, ", ")} FROM (${dims}) AS ${ident("d")} JOIN (${join(facts, " UNION ALL ")}) AS ${ident("f")} USING (${ident("k")})`;
}

/**
 * The WHERE condition for `filters` alone (`TRUE` when there are none), for features that write their own
 * SQL over the cost table (detection, budgets). Values are parameters, as in `compileCostQuery`.
 */
export function compileFilterCondition(filters: readonly Filter[], dialect: SqlDialect | DialectSql): CompiledSql {
  const d = typeof dialect === "string" ? dialectSql(dialect) : dialect;
  if (filters.length === 0) return { sql: "TRUE", params: [] };
  return renderSql(sqlf`(${join(filters.map((f) => filterExpr(f, d)), " AND ")})`, d);
}

/** The SQL value of a dimension: text for every kind (date-times as ISO text, JSON as text). */
function dimensionExpr(dim: Dimension, d: DialectSql): SqlFragment {
  if (dim.kind === "tag") return d.tagValue(ident("Tags"), param(dim.key));
  const col = ident(dim.column);
  const t = dimensionValueType(dim.column);
  switch (t) {
    case "string":
      return col;
    case "datetime":
      return d.isoText(col);
    case "json":
      return d.toText(col);
    default:
      return assertNever(t, "dimension value type");
  }
}

function filterExpr(f: Filter, d: DialectSql): SqlFragment {
  const e = dimensionExpr(f.on, d);
  switch (f.op) {
    case "eq":
      return sqlf`${e} = ${param(f.value)}`;
    case "neq":
      return sqlf`(${d.distinctFrom(e, param(f.value))})`;
    case "in":
      return sqlf`${e} IN (${join(f.values.map((v) => param(v)), ", ")})`;
    case "not_in":
      return sqlf`(${e} IS NULL OR ${e} NOT IN (${join(f.values.map((v) => param(v)), ", ")}))`;
    case "like":
      return d.like(e, param(f.value));
    case "contains":
      return d.contains(e, param(f.value));
    case "is_null":
      return sqlf`(${e} IS NULL OR ${e} = '')`;
    case "is_not_null":
      return sqlf`(${e} IS NOT NULL AND ${e} <> '')`;
    default:
      return assertNever(f, "filter operator");
  }
}

function orderAlias(key: OrderKey, q: CostQuery): SqlFragment {
  switch (key.kind) {
    case "metric":
      return ident("m");
    case "period":
      return ident("p");
    case "dimension": {
      const i = q.groupBy.findIndex((g) => sameDimension(g, key.dimension));
      if (i < 0) throw new CostwiseError("BAD_QUERY", `cannot order by ${dimensionName(key.dimension)}: it is not grouped by`);
      return ident(`g${i}`);
    }
    default:
      return assertNever(key, "order key");
  }
}

/** The query's order, then every group key ascending, so equal sums always come out the same way. `from`: qualify the keys (the typed subquery columns). */
function orderFragments(q: CostQuery, from?: SqlFragment): SqlFragment[] {
  const used = new Set<string>();
  const out: SqlFragment[] = [];
  const add = (alias: SqlFragment, dir: "ASC" | "DESC"): void => {
    const key = alias.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");
    if (used.has(key)) return;
    used.add(key);
    out.push(sqlf`${from ? sqlf`${from}.${alias}` : alias} ${lit(dir)} NULLS LAST`);
  };
  for (const o of effectiveOrder(q)) add(orderAlias(o.key, q), o.direction === "asc" ? "ASC" : "DESC");
  q.groupBy.forEach((_, i) => add(ident(`g${i}`), "ASC"));
  if (q.granularity !== "none") add(ident("p"), "ASC");
  add(ident("u"), "ASC");
  return out;
}
