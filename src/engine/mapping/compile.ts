/**
 * Compiles a declarative source mapping into one SQL SELECT (DuckDB dialect) over a relation holding
 * the source rows, producing every column of the cost table plus control columns:
 *
 *   __src_cost   the control-total column, as the source states it
 *   __chk_<n>    true where a row breaks check n (unparseable date, invalid Tags JSON, null key column)
 *
 * Source columns absent from a file compile to typed NULLs; required ones are reported as missing.
 */
import { CostwiseError, assertNever } from "../../core/errors.js";
import { FOCUS_COLUMNS } from "../../core/focus/columns.js";
import { COST_TABLE_COLUMNS, MONEY_SQL_TYPE } from "../store/schema.js";
import type { MappingExpr, SourceColumn, SourceMapping, SourceType, TargetColumn } from "./mapping.js";

export const SOURCE_DECIMAL_TYPE = "DECIMAL(38,18)";

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export function sourceSqlType(t: SourceType): string {
  switch (t) {
    case "string":
    case "json":
      return "VARCHAR";
    case "decimal":
      return SOURCE_DECIMAL_TYPE;
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
  provenance: { file: string; ingestId: string; deliveryId: string };
  /**
   * The relation's name for each source column, when it differs (CSV columns are read under positional
   * names, since DuckDB matches names case-insensitively and real CURs have `user:team` and `user:Team`).
   */
  physicalNames?: ReadonlyMap<string, string>;
  /** whether timestamp columns arrive as text to parse (CSV) or as native timestamps (Parquet); default text */
  textTimestamps?: boolean;
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
  /** the SELECT producing staged rows: cost table columns, __src_cost and one boolean __chk_<n> per check */
  sql: string;
  checks: CheckSpec[];
  /** a query over the source giving the first row (1-based, file order) that breaks `check`, and its value */
  diagnosticSql(check: CheckSpec): string;
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
    textTimestamps: input.textTimestamps ?? true,
    formatChecks: new Map(),
  };

  const selects: string[] = [];
  const targetSql = new Map<string, string>();
  for (const col of COST_TABLE_COLUMNS) {
    const target = col.name as TargetColumn;
    let expr: string;
    switch (target) {
      case "x_Source":
        expr = quoteString(mapping.id);
        break;
      case "x_SourceFile":
        expr = quoteString(input.provenance.file);
        break;
      case "x_IngestId":
        expr = quoteString(input.provenance.ingestId);
        break;
      case "x_DeliveryId":
        expr = quoteString(input.provenance.deliveryId);
        break;
      default: {
        const m = mapping.targets[target];
        expr = m ? compileExpr(m, col.sqlType, ctx) : `NULL::${col.sqlType}`;
      }
    }
    targetSql.set(col.name, castTo(expr, col.sqlType));
    selects.push(`${castTo(expr, col.sqlType)} AS ${quoteIdent(col.name)}`);
  }
  const ctl = mapping.controlTotal.sourceColumn;
  selects.push(`${present.has(ctl) ? `CAST(${srcRef(ctl, ctx)} AS ${SOURCE_DECIMAL_TYPE})` : `NULL::${SOURCE_DECIMAL_TYPE}`} AS __src_cost`);

  // checks: value formats first (they explain a NULL better than the null check would), then keys
  const checks: CheckSpec[] = [...ctx.formatChecks.values()];
  for (const chk of mapping.checks) {
    const srcCol = describeSource(mapping.targets[chk.notNull]);
    checks.push({
      name: "",
      column: srcCol ?? chk.notNull,
      expected: chk.expected,
      predicateSql: `(${targetSql.get(chk.notNull) ?? "NULL"}) IS NULL`,
      valueSql: srcCol && present.has(srcCol) ? srcRef(srcCol, ctx) : "NULL",
    });
  }
  checks.forEach((c, i) => {
    c.name = `__chk_${i}`;
    selects.push(`(${c.predicateSql}) AS ${c.name}`);
  });

  const sql = `SELECT\n  ${selects.join(",\n  ")}\nFROM ${input.relation} AS src`;
  return {
    sql,
    checks,
    diagnosticSql: (c) =>
      `SELECT rn::BIGINT AS r, v FROM (SELECT row_number() OVER () AS rn, (${c.predicateSql}) AS bad, (${c.valueSql})::VARCHAR AS v FROM ${input.relation} AS src) WHERE bad ORDER BY rn LIMIT 1`,
  };
}

interface Ctx {
  present: ReadonlySet<string>;
  declared: ReadonlyMap<string, SourceColumn>;
  mapping: SourceMapping;
  physical: ReadonlyMap<string, string>;
  textTimestamps: boolean;
  /** value-format checks collected while compiling, one per source column */
  formatChecks: Map<string, CheckSpec>;
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
  if (d?.type === "timestamp") return ctx.textTimestamps ? `TRY_CAST(NULLIF(${ref}, '') AS TIMESTAMPTZ)` : `CAST(${ref} AS TIMESTAMPTZ)`;
  // empty strings are absent values for strings; other types are already NULL when empty
  return !d || d.type === "string" || d.type === "json" ? `NULLIF(${ref}, '')` : ref;
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
    case "timestamp": {
      if (!ctx.present.has(e.column)) return "NULL::TIMESTAMP";
      if (!ctx.textTimestamps) return `CAST(CAST(${srcRef(e.column, ctx)} AS TIMESTAMPTZ) AS TIMESTAMP)`;
      const raw = srcRef(e.column, ctx);
      if (!ctx.formatChecks.has(e.column)) {
        ctx.formatChecks.set(e.column, {
          name: "",
          column: e.column,
          expected: "a date and time such as 2024-09-01T00:00:00Z",
          predicateSql: `NULLIF(${raw}, '') IS NOT NULL AND TRY_CAST(${raw} AS TIMESTAMPTZ) IS NULL`,
          valueSql: raw,
        });
      }
      // naive timestamps are UTC (the session time zone); offsets are converted to UTC
      return `CAST(TRY_CAST(NULLIF(${raw}, '') AS TIMESTAMPTZ) AS TIMESTAMP)`;
    }
    case "map": {
      const whens = Object.entries(e.values).map(([k, v]) => `WHEN ${quoteString(k)} THEN ${literal(v, want, ctx)}`);
      if (whens.length === 0) return literal(e.default, want, ctx);
      return `CASE ${columnRef(e.column, ctx)} ${whens.join(" ")} ELSE ${literal(e.default, want, ctx)} END`;
    }
    case "lookup": {
      const keys = [...e.table.entries.keys()].map(quoteString).join(", ");
      const vals = [...e.table.entries.values()].map(quoteString).join(", ");
      const ref = columnRef(e.column, ctx);
      return `coalesce(CASE WHEN ${ref} IS NULL THEN NULL ELSE map_extract_value(MAP([${keys}], [${vals}]), ${ref}) END, ${literal(e.default, "VARCHAR", ctx)})`;
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
      const ref = srcRef(e.column, ctx);
      if (!ctx.formatChecks.has(e.column)) {
        ctx.formatChecks.set(e.column, {
          name: "",
          column: e.column,
          expected: 'a JSON object of tag key/value pairs, e.g. {"team":"search"}',
          predicateSql: `${ref} IS NOT NULL AND trim(${ref}) NOT IN ('', '{}') AND TRY_CAST(TRY_CAST(${ref} AS JSON) AS MAP(VARCHAR, VARCHAR)) IS NULL`,
          valueSql: ref,
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
    case "sql":
      return `(${e.sql.replace(/\{\{([^}]+)\}\}/g, (_m, name: string) => columnRef(name, ctx))})`;
    default:
      return assertNever(e, "mapping operation");
  }
}

/** The source column a target is read from, for error messages. */
function describeSource(e: MappingExpr | undefined): string | undefined {
  if (!e) return undefined;
  switch (e.op) {
    case "column":
    case "timestamp":
    case "map":
    case "lookup":
    case "tagsJson":
    case "tagsMap":
      return e.column;
    case "coalesce":
      return e.args.map(describeSource).filter(Boolean).join(" / ") || undefined;
    default:
      return undefined;
  }
}

/** Every FOCUS column a mapping does not produce (documented as NULL). */
export function unmappedFocusColumns(mapping: SourceMapping): string[] {
  return FOCUS_COLUMNS.map((c) => c.name).filter((n) => !(n in mapping.targets));
}

export { MONEY_SQL_TYPE };
