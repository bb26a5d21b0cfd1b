/**
 * Compiles a declarative source mapping into one SQL SELECT (DuckDB dialect) over a relation holding
 * the source rows, producing every column of the cost table. Per-row checks (unparseable dates,
 * invalid Tags JSON, null key columns, implausible billing periods) are part of the same SELECT: a
 * broken row raises an error naming the check, so a good file is read exactly once.
 *
 * Source columns absent from a file compile to typed NULLs; required ones are reported as missing.
 */
import { CostwiseError, assertNever } from "../../core/errors.js";
import { quoteIdent, quoteString } from "../../core/sql.js";
import { FOCUS_COLUMNS } from "../../core/focus/columns.js";
import { COST_TABLE_COLUMNS, MONEY_SQL_TYPE } from "../store/schema.js";
import { FORMAT_EXPECTED, sourceColumnOf, type MappingExpr, type SourceColumn, type SourceMapping, type SourceType, type TargetColumn } from "./mapping.js";

export const SOURCE_DECIMAL_TYPE = "DECIMAL(38,18)";

export function sourceSqlType(t: SourceType): string {
  switch (t) {
    case "string":
    case "json":
      return "VARCHAR";
    case "decimal":
      return MONEY_SQL_TYPE; // parsed straight to the store's precision; the control total re-reads at SOURCE_DECIMAL_TYPE
    case "timestamp":
      return "TIMESTAMPTZ";
    case "map":
      return "MAP(VARCHAR, VARCHAR)";
    default:
      return assertNever(t, "source type");
  }
}

export interface CompileInput {
  mapping: SourceMapping;
  /** column names present in the file, in file order */
  presentColumns: readonly string[];
  /** SQL of the relation holding the source rows (e.g. a read_csv(...) call), aliased as src */
  relation: string;
  /** constant provenance values */
  provenance: {
    file: string;
    ingestId: string;
    deliveryId: string;
    /** SQL reading the file path and delivery id when the caller bound them (store/duckdb/literal-path.ts bindText) */
    sql?: { file?: string; deliveryId?: string };
  };
  /**
   * The relation's name for each source column, when it differs (CSV columns are read under positional
   * names, since DuckDB matches names case-insensitively and real CURs have `user:team` and `user:Team`).
   */
  physicalNames?: ReadonlyMap<string, string>;
  /** the SQL type each source column has in `relation` (text timestamps are parsed and checked per row) */
  columnTypes?: Readonly<Record<string, string>>;
  /** the relation to read the control total from (default `relation`), e.g. with the cost column at full precision */
  controlRelation?: string;
  /** the SQL type of each source column in `controlRelation` (default `columnTypes`), for a control total expression */
  controlColumnTypes?: Readonly<Record<string, string>>;
  periodRule?: PeriodRule;
}

export interface CheckSpec {
  name: string;
  /** the source column at fault */
  column: string;
  expected: string;
  /** SQL over the source row (alias src): true where the row breaks the check */
  predicateSql: string;
  /** SQL over the source row that shows the offending value */
  valueSql: string;
}

export interface CompiledMapping {
  /**
   * The SELECT producing cost rows (every cost table column, in table order). A row that breaks a
   * check raises `costwise-check <n>` (DuckDB's error()), which stops the statement: the caller
   * finds the offending row with `diagnosticSql`.
   */
  sql: string;
  checks: CheckSpec[];
  /** a query over the source giving the first row (1-based, file order) that breaks `check`, and its value */
  diagnosticSql(check: CheckSpec): string;
  /** a query over the source giving its row count and the control-total column's sum */
  controlSql: string;
}

/** The message a failing check raises; `checkIndexFromError` reads it back. */
export const CHECK_ERROR_PREFIX = "costwise-check ";

export function checkIndexFromError(message: string): number | undefined {
  const m = /costwise-check (\d+)/.exec(message);
  return m ? Number(m[1]) : undefined;
}

/** Rules on the billing period of every row (a file for an unknown period is refused). */
export interface PeriodRule {
  /** earliest plausible BillingPeriodStart (inclusive), 'YYYY-MM-DD HH:MM:SS' */
  earliest: string;
  /** latest plausible BillingPeriodStart (inclusive) */
  latest: string;
  /** the exact BillingPeriodStart every row must have (from a CUR manifest) */
  exactStart?: string;
  /** what to tell the user when a row breaks the rule */
  expected: string;
}

/** The columns a mapping reads from a file, with the SQL types to read them as. */
export function readTypes(mapping: SourceMapping, presentColumns: readonly string[], kind: "csv" | "parquet" = "csv"): Record<string, string> {
  const declared = new Map<string, SourceColumn>(mapping.columns.map((c) => [c.name, c]));
  const out: Record<string, string> = {};
  for (const name of presentColumns) {
    const c = declared.get(name);
    // CSV timestamps are read as text and parsed in the mapping: DuckDB's CSV reader turns an
    // unparseable TIMESTAMPTZ into NULL without a word, and a lost date must be an error.
    out[name] = !c || (c.type === "timestamp" && kind === "csv") ? "VARCHAR" : sourceSqlType(c.type);
  }
  return out;
}

/**
 * The file's header names as the mapping's declared column names. Only mappings with
 * `headerMatch: "loose"` rename: case-insensitive match on names and aliases, a byte-order mark or
 * surrounding blanks dropped, and localized headers read by the English name in parentheses
 * ("Ressourcengruppe (ResourceGroup)" → ResourceGroup). The first header to claim a name wins; the
 * others keep their own (so two spellings of one column never collide).
 */
export function canonicalColumns(mapping: SourceMapping, headers: readonly string[]): string[] {
  if (mapping.headerMatch !== "loose") return [...headers];
  const index = new Map<string, string>();
  for (const c of mapping.columns) {
    for (const n of [c.name, ...(c.aliases ?? [])]) if (!index.has(n.toLowerCase())) index.set(n.toLowerCase(), c.name);
  }
  const claimed = new Set<string>();
  const out: string[] = [];
  for (const h of headers) {
    const clean = h.replace(/^\uFEFF/, "").trim();
    const inParens = /\(([^()]+)\)\s*$/.exec(clean)?.[1]?.trim();
    let name: string | undefined;
    for (const cand of [clean, inParens]) {
      const hit = cand ? index.get(cand.toLowerCase()) : undefined;
      if (hit && !claimed.has(hit)) {
        name = hit;
        break;
      }
    }
    if (name === undefined) name = claimed.has(clean) ? `${clean} (column ${out.length + 1})` : clean;
    claimed.add(name);
    out.push(name);
  }
  return out;
}

export function missingRequired(mapping: SourceMapping, presentColumns: readonly string[]): string[] {
  const present = new Set(presentColumns);
  return mapping.columns.filter((c) => c.required && !present.has(c.name)).map((c) => c.name);
}

export function compileMapping(input: CompileInput): CompiledMapping {
  const { mapping, presentColumns } = input;
  const missing = missingRequired(mapping, presentColumns);
  if (missing.length > 0) {
    throw new CostwiseError("UNKNOWN_FORMAT", `missing required column(s) for ${mapping.title}: ${missing.join(", ")}`);
  }
  const present = new Set(presentColumns);
  const declared = new Map(mapping.columns.map((c) => [c.name, c]));
  const ctx: Ctx = {
    present,
    declared,
    mapping,
    physical: input.physicalNames ?? new Map(),
    columnTypes: input.columnTypes ?? {},
    formatChecks: new Map(),
    decimalType: MONEY_SQL_TYPE,
  };

  // 1. the inner SELECT: every target column, plus cheap "value present" flags for format checks
  const inner: string[] = [];
  const targetSql = new Map<string, string>();
  for (const col of COST_TABLE_COLUMNS) {
    const target = col.name as TargetColumn;
    let expr: string;
    switch (target) {
      case "x_Source":
        expr = quoteString(mapping.id);
        break;
      case "x_SourceFile":
        expr = input.provenance.sql?.file ?? quoteString(input.provenance.file);
        break;
      case "x_IngestId":
        expr = quoteString(input.provenance.ingestId);
        break;
      case "x_DeliveryId":
        expr = input.provenance.sql?.deliveryId ?? quoteString(input.provenance.deliveryId);
        break;
      default: {
        const m = mapping.targets[target];
        expr = m ? compileExpr(m, col.sqlType, ctx) : `NULL::${col.sqlType}`;
        // a value that was there but did not parse shows as NULL in its own target column
        if (m && (m.op === "timestamp" || m.op === "tagsJson" || (m.op === "column" && ctx.declared.get(m.column)?.type === "json"))) {
          const f = ctx.formatChecks.get(m.column);
          if (f && !f.target) f.target = col.name;
        }
      }
    }
    inner.push(`${castTo(expr, col.sqlType)} AS ${quoteIdent(col.name)}`);
    targetSql.set(col.name, castTo(expr, col.sqlType));
  }
  const formats = [...ctx.formatChecks.values()];
  formats.forEach((f, i) => inner.push(f.target ? `(${f.presentSql}) AS __present_${i}` : `(${f.badSql}) AS __bad_${i}`));
  const rawColumns = formats.map((f, i) => `${srcRef(f.column, ctx)}::VARCHAR AS __raw_${i}`);

  // 2. checks over the inner row: value formats first (they explain a NULL better), then keys, then periods
  const checks: CheckSpec[] = formats.map((f, i) => ({
    name: "",
    column: f.column,
    expected: f.expected,
    predicateSql: f.target ? `__present_${i} AND ${quoteIdent(f.target)} IS NULL` : `__bad_${i}`,
    valueSql: `__raw_${i}`,
  }));
  for (const chk of mapping.checks) {
    const srcCol = describeSource(mapping.targets[chk.notNull]);
    const rawAt = formats.findIndex((f) => f.column === srcCol);
    checks.push({
      name: "",
      column: srcCol ?? chk.notNull,
      expected: chk.expected,
      predicateSql: `${quoteIdent(chk.notNull)} IS NULL`,
      valueSql: rawAt >= 0 ? `__raw_${rawAt}` : `NULL`,
    });
  }
  // ids (BillingAccountId, ResourceId, …) hold no control character: a NUL or a line break in an id is a broken
  // file, not a new account. One regexp over the ids joined (__ctl_ids, in the inner row) is the per-row cost (half
  // of one per id, measured at 1M rows); the per-id tests run only on a row it flags, to name the column.
  const ids = COST_TABLE_COLUMNS.filter((c) => mapping.targets[c.name as TargetColumn] && c.name.endsWith("Id") && c.sqlType === "VARCHAR");
  const CONTROL = `'[\\x00-\\x1f\\x7f]'`;
  if (ids.length > 0) inner.push(`coalesce(regexp_matches(concat_ws('', ${ids.map((c) => targetSql.get(c.name)!).join(", ")}), ${CONTROL}), false) AS __ctl_ids`);
  for (const c of ids) {
    checks.push({
      name: "",
      column: describeSource(mapping.targets[c.name as TargetColumn]) ?? c.name,
      expected: "an id without control characters (NUL, tab, line breaks)",
      predicateSql: `__ctl_ids AND coalesce(regexp_matches(${quoteIdent(c.name)}, ${CONTROL}), false)`,
      valueSql: quoteIdent(c.name),
    });
  }
  const rule = input.periodRule;
  if (rule) {
    const start = `"BillingPeriodStart"`;
    const end = `"BillingPeriodEnd"`;
    const exact = rule.exactStart ? ` OR ${start} <> TIMESTAMP ${quoteString(rule.exactStart)}` : "";
    checks.push({
      name: "",
      column: describeSource(mapping.targets.BillingPeriodStart) ?? "BillingPeriodStart",
      expected: rule.expected,
      predicateSql: `coalesce(${start} < TIMESTAMP ${quoteString(rule.earliest)} OR ${start} > TIMESTAMP ${quoteString(rule.latest)} OR ${end} <= ${start}${exact}, false)`,
      valueSql: `${start}::VARCHAR || ' – ' || coalesce(${end}::VARCHAR, '?')`,
    });
  }
  checks.forEach((c, i) => (c.name = `__chk_${i}`));

  // 3. the outer SELECT: the cost columns in table order; the first one carries the checks, so any
  //    broken rule stops the statement with its number (one pass over a good file, no staging)
  const innerSql = (extra: string[]) => `SELECT\n  ${[...inner, ...extra].join(",\n  ")}\nFROM ${input.relation} AS src`;
  const outer = COST_TABLE_COLUMNS.map((c) => quoteIdent(c.name));
  if (checks.length > 0) {
    const first = COST_TABLE_COLUMNS[0]!;
    const which = checks.map((c, i) => `WHEN ${c.predicateSql} THEN '${i}'`).join(" ");
    outer[0] = `CASE WHEN ${checks.map((c) => `(${c.predicateSql})`).join(" OR ")} THEN CAST(error(${quoteString(CHECK_ERROR_PREFIX)} || CASE ${which} END) AS ${first.sqlType}) ELSE ${quoteIdent(first.name)} END AS ${quoteIdent(first.name)}`;
  }
  const sql = `SELECT ${outer.join(", ")} FROM (\n${innerSql([])}\n)`;

  const ctl = mapping.controlTotal.sourceColumn;
  const controlRelation = input.controlRelation ?? input.relation;
  let controlValue = present.has(ctl) ? `CAST(${srcRef(ctl, ctx)} AS ${SOURCE_DECIMAL_TYPE})` : "NULL";
  if (mapping.controlTotal.expr) {
    // the source's own total when it is more than one column, read at full precision (its format checks are the mapping's)
    const controlCtx: Ctx = { ...ctx, columnTypes: input.controlColumnTypes ?? ctx.columnTypes, formatChecks: new Map(), decimalType: SOURCE_DECIMAL_TYPE };
    controlValue = `CAST(${compileExpr(mapping.controlTotal.expr, SOURCE_DECIMAL_TYPE, controlCtx)} AS ${SOURCE_DECIMAL_TYPE})`;
  }
  return {
    sql,
    checks,
    diagnosticSql: (c) =>
      `SELECT rn::BIGINT AS r, v FROM (SELECT row_number() OVER () AS rn, (${c.predicateSql}) AS bad, (${c.valueSql})::VARCHAR AS v FROM (\n${innerSql(rawColumns)}\n)) WHERE bad ORDER BY rn LIMIT 1`,
    controlSql: `SELECT count(*)::BIGINT AS n, coalesce(sum(${controlValue}), 0)::VARCHAR AS total FROM ${controlRelation} AS src`,
  };
}

interface FormatCheck {
  column: string;
  expected: string;
  /** the target column holding this source column's parsed value alone, if any */
  target?: string;
  /** cheap: the raw value is there (so a NULL target means it did not parse) */
  presentSql: string;
  /** the full test, when no target holds the value alone */
  badSql: string;
}

interface Ctx {
  present: ReadonlySet<string>;
  declared: ReadonlyMap<string, SourceColumn>;
  mapping: SourceMapping;
  physical: ReadonlyMap<string, string>;
  /** SQL type of each source column as the relation delivers it */
  columnTypes: Readonly<Record<string, string>>;
  /** value-format checks collected while compiling, one per source column */
  formatChecks: Map<string, FormatCheck>;
  /** the type text decimals are parsed to */
  decimalType: string;
}

/**
 * Text → TIMESTAMP (UTC). A plain cast drops UTC offsets silently, so values ending in an offset
 * (+02:00, -0530, +05) take the time-zone-aware path; the rest (naive, or Z) the fast one.
 */
function parseTimestamp(raw: string, formats: readonly string[] = []): string {
  const v = `NULLIF(${raw}, '')`;
  const hasOffset = `length(${raw}) > 19 AND (substr(${raw}, -6, 1) IN ('+', '-') OR substr(${raw}, -5, 1) IN ('+', '-') OR substr(${raw}, -3, 1) IN ('+', '-'))`;
  const iso = `CASE WHEN ${hasOffset} THEN CAST(TRY_CAST(${v} AS TIMESTAMPTZ) AS TIMESTAMP) ELSE TRY_CAST(${v} AS TIMESTAMP) END`;
  if (formats.length === 0) return iso;
  // declared non-ISO spellings (naive = UTC), tried in order when the ISO parse fails
  return `coalesce(${iso}, ${formats.map((f) => `CAST(try_strptime(${v}, ${quoteString(f)}) AS TIMESTAMP)`).join(", ")})`;
}

/** A timestamp-typed source column as TIMESTAMP (UTC), whatever type the relation delivers it as. */
function timestampRef(name: string, ctx: Ctx): string {
  const raw = srcRef(name, ctx);
  const t = (ctx.columnTypes[name] ?? "VARCHAR").toUpperCase();
  if (t.startsWith("TIMESTAMP") || t === "DATE") return `CAST(${raw} AS TIMESTAMP)`; // native (UTC session)
  const formats = ctx.declared.get(name)?.formats ?? [];
  if (!ctx.formatChecks.has(name)) {
    ctx.formatChecks.set(name, {
      column: name,
      expected: formats.length ? `${FORMAT_EXPECTED.timestamp} (or ${formats.map(strptimeExample).join(", or ")})` : FORMAT_EXPECTED.timestamp,
      presentSql: `NULLIF(${raw}, '') IS NOT NULL`,
      badSql: `NULLIF(${raw}, '') IS NOT NULL AND (${parseTimestamp(raw, formats)}) IS NULL`,
    });
  }
  return parseTimestamp(raw, formats);
}

/** "%m/%d/%Y" → "MM/DD/YYYY", for error messages and docs. */
export function strptimeExample(f: string): string {
  const parts: Record<string, string> = { "%Y": "YYYY", "%m": "MM", "%d": "DD", "%H": "hh", "%M": "mm", "%S": "ss", "%f": "ffffff", "%z": "+hh:mm" };
  return f.replace(/%[A-Za-z]/g, (p) => parts[p] ?? p);
}

/**
 * JSON text as written by BigQuery, or the Python-style repr some exporters write instead
 * ([{'key': 'a', 'value': None}]): single quotes become double, None/True/False JSON literals.
 */
function jsonText(ref: string): string {
  const py = `regexp_matches(${ref}, '^\\s*[\\[{]\\s*[{'']')`;
  const fixed = `regexp_replace(regexp_replace(regexp_replace(replace(${ref}, '''', '"'), '\\bNone\\b', 'null', 'g'), '\\bTrue\\b', 'true', 'g'), '\\bFalse\\b', 'false', 'g')`;
  return `CASE WHEN ${py} THEN ${fixed} ELSE ${ref} END`;
}

/** A JSON list column (as text) with a schema applied; NULL when it is not such a list. */
function jsonList(ref: string, schema: string): string {
  return `from_json(TRY_CAST(${jsonText(`NULLIF(trim(${ref}), '')`)} AS JSON), ${quoteString(schema)})`;
}

/** A JSON-list column as text, whatever the relation delivers it as (a native LIST from JSON input becomes JSON text). */
function listTextRef(name: string, ctx: Ctx): string {
  const t = (ctx.columnTypes[name] ?? "VARCHAR").toUpperCase();
  const ref = srcRef(name, ctx);
  return t === "VARCHAR" ? ref : `CAST(to_json(${ref}) AS VARCHAR)`;
}

function srcRef(name: string, ctx: Ctx): string {
  return `src.${quoteIdent(ctx.physical.get(name) ?? name)}`;
}

function castTo(expr: string, sqlType: string): string {
  return sqlType.startsWith("MAP") ? expr : `CAST(${expr} AS ${sqlType})`;
}

function columnRef(name: string, ctx: Ctx): string {
  if (!ctx.present.has(name)) {
    const d = ctx.declared.get(name);
    return `(NULL::${d ? sourceSqlType(d.type) : "VARCHAR"})`;
  }
  const d = ctx.declared.get(name);
  const ref = srcRef(name, ctx);
  if (d?.type === "timestamp") return timestampRef(name, ctx);
  if (d?.type === "json" && (ctx.columnTypes[name] ?? "VARCHAR").toUpperCase() === "VARCHAR") {
    if (!ctx.formatChecks.has(name)) {
      ctx.formatChecks.set(name, {
        column: name,
        expected: FORMAT_EXPECTED.json,
        presentSql: `NULLIF(trim(${ref}), '') IS NOT NULL`,
        badSql: `NULLIF(trim(${ref}), '') IS NOT NULL AND TRY_CAST(${ref} AS JSON) IS NULL`,
      });
    }
    return `TRY_CAST(NULLIF(trim(${ref}), '') AS JSON)`;
  }
  if (!d || d.type === "string" || d.type === "json") {
    // a Parquet file may hold an id as a number: read it as text (empty strings are absent values)
    const native = (ctx.columnTypes[name] ?? "VARCHAR").toUpperCase();
    return native === "VARCHAR" ? `NULLIF(${ref}, '')` : `CAST(${ref} AS VARCHAR)`;
  }
  if (d.type === "decimal") {
    const native = (ctx.columnTypes[name] ?? MONEY_SQL_TYPE).toUpperCase();
    if (native !== "VARCHAR") return ref;
    // decimals delivered as text (flattened JSON): a value that does not parse stops the load with its row
    if (!ctx.formatChecks.has(name)) {
      ctx.formatChecks.set(name, {
        column: name,
        expected: FORMAT_EXPECTED.decimal,
        presentSql: `NULLIF(trim(${ref}), '') IS NOT NULL`,
        badSql: `NULLIF(trim(${ref}), '') IS NOT NULL AND TRY_CAST(trim(${ref}) AS ${ctx.decimalType}) IS NULL`,
      });
    }
    return `TRY_CAST(NULLIF(trim(${ref}), '') AS ${ctx.decimalType})`;
  }
  return ref;
}

function literal(v: MappingExpr | string | null, want: string, ctx: Ctx): string {
  if (v === null) return `NULL::${want}`;
  if (typeof v === "string") return castTo(quoteString(v), want);
  return castTo(compileExpr(v, want, ctx), want);
}

function compileExpr(e: MappingExpr, want: string, ctx: Ctx): string {
  switch (e.op) {
    case "column":
      return columnRef(e.column, ctx);
    case "constant":
      return literal(e.value, want, ctx);
    case "timestamp":
      return ctx.present.has(e.column) ? timestampRef(e.column, ctx) : "NULL::TIMESTAMP";
    case "map": {
      const whens = Object.entries(e.values).map(([k, v]) => `WHEN ${quoteString(k)} THEN ${literal(v, want, ctx)}`);
      if (whens.length === 0) return literal(e.default, want, ctx);
      return `CASE ${columnRef(e.column, ctx)} ${whens.join(" ")} ELSE ${literal(e.default, want, ctx)} END`;
    }
    case "lookup": {
      const keys = [...e.table.entries.keys()].map(quoteString).join(", ");
      const vals = [...e.table.entries.values()].map(quoteString).join(", ");
      const ref = e.caseInsensitive ? `lower(${columnRef(e.column, ctx)})` : columnRef(e.column, ctx);
      const keyList = e.caseInsensitive ? [...e.table.entries.keys()].map((k) => quoteString(k.toLowerCase())).join(", ") : keys;
      return `coalesce(CASE WHEN ${ref} IS NULL THEN NULL ELSE map_extract_value(MAP([${keyList}], [${vals}]), ${ref}) END, ${literal(e.default, "VARCHAR", ctx)})`;
    }
    case "coalesce":
      return `coalesce(${e.args.map((a) => castTo(compileExpr(a, want, ctx), want)).join(", ")})`;
    case "tagColumns": {
      const cols = [...ctx.present].filter((c) => c.startsWith(e.prefix));
      if (cols.length === 0) return "NULL::MAP(VARCHAR, VARCHAR)";
      const entries = cols.map((c) => {
        let key = c.slice(e.prefix.length);
        for (const p of e.stripKeyPrefixes ?? []) if (key.startsWith(p)) key = key.slice(p.length);
        return `struct_pack(k := ${quoteString(key)}, v := ${srcRef(c, ctx)})`;
      });
      return `map_from_entries(list_filter([${entries.join(", ")}], e -> e.v IS NOT NULL AND e.v <> ''))`;
    }
    case "tagsJson": {
      if (!ctx.present.has(e.column)) return "MAP([]::VARCHAR[], []::VARCHAR[])";
      const raw = srcRef(e.column, ctx);
      // Azure EA exports may drop the outer braces ("a": "1","b": "2"): add them back
      const ref = e.bracesOptional ? `(CASE WHEN NOT starts_with(trim(${raw}), '{') AND trim(${raw}) <> '' THEN '{' || ${raw} || '}' ELSE ${raw} END)` : raw;
      if (!ctx.formatChecks.has(e.column)) {
        ctx.formatChecks.set(e.column, {
          column: e.column,
          expected: FORMAT_EXPECTED.tagsJson,
          presentSql: `${ref} IS NOT NULL AND trim(${ref}) NOT IN ('', '{}')`,
          badSql: `${ref} IS NOT NULL AND trim(${ref}) NOT IN ('', '{}') AND TRY_CAST(TRY_CAST(${ref} AS JSON) AS MAP(VARCHAR, VARCHAR)) IS NULL`,
        });
      }
      return `CASE WHEN ${ref} IS NULL OR trim(${ref}) IN ('', '{}') THEN MAP([]::VARCHAR[], []::VARCHAR[]) ELSE TRY_CAST(TRY_CAST(${ref} AS JSON) AS MAP(VARCHAR, VARCHAR)) END`;
    }
    case "tagsMap": {
      if (!ctx.present.has(e.column)) return "NULL::MAP(VARCHAR, VARCHAR)";
      const ref = srcRef(e.column, ctx);
      const strip = e.stripKeyPrefixes ?? [];
      let key = "e.key";
      for (const p of strip) key = `CASE WHEN starts_with(${key}, ${quoteString(p)}) THEN substr(${key}, ${p.length + 1}) ELSE ${key} END`;
      return `coalesce(map_from_entries(list_transform(list_filter(map_entries(CAST(${ref} AS MAP(VARCHAR, VARCHAR))), e -> e.value IS NOT NULL AND e.value <> ''), e -> struct_pack(k := ${key}, v := e.value))), MAP([]::VARCHAR[], []::VARCHAR[]))`;
    }
    case "tagsKeyValueList": {
      const schema = '[{"key":"VARCHAR","value":"VARCHAR"}]';
      const maps = e.columns.filter((c) => ctx.present.has(c)).map((c) => {
        const ref = listTextRef(c, ctx);
        const list = jsonList(ref, schema);
        if (!ctx.formatChecks.has(c)) {
          const present = `NULLIF(trim(${ref}), '') IS NOT NULL AND trim(${ref}) <> '[]'`;
          ctx.formatChecks.set(c, { column: c, expected: FORMAT_EXPECTED.keyValueList, presentSql: present, badSql: `${present} AND ${list} IS NULL` });
        }
        return `coalesce(map_from_entries(list_transform(list_filter(${list}, e -> e.key IS NOT NULL AND e.value IS NOT NULL AND e.value <> ''), e -> struct_pack(k := e.key, v := e.value))), MAP([]::VARCHAR[], []::VARCHAR[]))`;
      });
      if (maps.length === 0) return "MAP([]::VARCHAR[], []::VARCHAR[])";
      return maps.length === 1 ? maps[0]! : `map_concat(${maps.join(", ")})`;
    }
    case "sumJsonList": {
      if (!ctx.present.has(e.column)) return `NULL::${ctx.decimalType}`;
      const ref = listTextRef(e.column, ctx);
      const list = jsonList(ref, JSON.stringify([{ [e.field]: "VARCHAR" }]));
      const field = `e.${quoteIdent(e.field)}`;
      if (!ctx.formatChecks.has(e.column)) {
        const present = `NULLIF(trim(${ref}), '') IS NOT NULL AND trim(${ref}) <> '[]'`;
        ctx.formatChecks.set(e.column, {
          column: e.column,
          expected: FORMAT_EXPECTED.jsonList.replace("amount", e.field),
          presentSql: present,
          badSql: `${present} AND (${list} IS NULL OR len(list_filter(${list}, e -> ${field} IS NOT NULL AND TRY_CAST(${field} AS ${SOURCE_DECIMAL_TYPE}) IS NULL)) > 0)`,
        });
      }
      return `CAST(list_sum(list_transform(${list}, e -> TRY_CAST(${field} AS ${SOURCE_DECIMAL_TYPE}))) AS ${ctx.decimalType})`;
    }
    case "add": {
      const args = e.args.map((a) => `(${compileExpr(a, want, ctx)})`);
      return `CASE WHEN ${args.map((a) => `${a} IS NULL`).join(" AND ")} THEN NULL ELSE ${args.map((a) => `coalesce(${a}, 0)`).join(" + ")} END`;
    }
    case "sql":
      return `(${e.sql.replace(/\{\{([^}]+)\}\}/g, (_m, name: string) => columnRef(name, ctx))})`;
    default:
      return assertNever(e, "mapping operation");
  }
}

/** The source column a target is read from, for error messages. */
function describeSource(e: MappingExpr | undefined): string | undefined {
  if (!e) return undefined;
  if (e.op === "coalesce") return e.args.map(describeSource).filter(Boolean).join(" / ") || undefined;
  return sourceColumnOf(e);
}

/** Every FOCUS column a mapping does not produce (documented as NULL). */
export function unmappedFocusColumns(mapping: SourceMapping): string[] {
  return FOCUS_COLUMNS.map((c) => c.name).filter((n) => !(n in mapping.targets));
}

export { MONEY_SQL_TYPE };
