/**
 * Newline-delimited JSON (BigQuery's export format) as a flat relation of text columns, so a mapping
 * reads it exactly like a CSV: nested records become `parent.child` columns, lists and maps become
 * their JSON text, and every scalar is text (numbers in their shortest exact form, so money keeps
 * its digits). DuckDB's read_json infers the types from the whole file; rows never pass through JS.
 */
import { CostwiseError } from "../../core/errors.js";
import { quoteIdent } from "../../core/sql.js";
import type { AnalysisStore } from "../store/cost-store.js";
import { col, readRows } from "../store/read-rows.js";
import { translateReadError } from "./duckdb-errors.js";
import type { InputFile } from "./files.js";

export interface JsonLayout {
  /** flattened column names (`service.description`), in file order */
  columns: string[];
  /** SQL over the read_json row (alias src) giving each column as text */
  exprs: string[];
}

/** The read_json call for a file; `path` is the SQL naming it (./store/duckdb/literal-path.ts readerPath). */
export function readJsonSql(file: InputFile, path: string): string {
  return `read_json(${path}, format = 'newline_delimited', records = true, sample_size = -1, maximum_object_size = 268435456, compression = ${file.gzip ? "'gzip'" : "'auto_detect'"})`;
}

/** Reads the file's inferred schema and flattens it. */
export async function jsonLayout(store: AnalysisStore, file: InputFile, shown: string, path: string): Promise<JsonLayout> {
  let rows: { column_name: string; column_type: string }[];
  try {
    rows = await readRows(store, { column_name: col.text, column_type: col.text }, `DESCRIBE SELECT * FROM ${readJsonSql(file, path)}`);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const line = /line (\d+)/i.exec(msg)?.[1];
    if (/json/i.test(msg) && /malformed|parse|invalid/i.test(msg)) {
      throw new CostwiseError("BAD_INPUT", `${shown}: ${line ? `line ${line}: ` : ""}not newline-delimited JSON (one object per line): ${msg.split("\n")[0]}`, {
        location: { file: shown, ...(line ? { line: Number(line) } : {}) },
        cause: e,
      });
    }
    throw translateReadError(e, shown, {});
  }
  const out: JsonLayout = { columns: [], exprs: [] };
  for (const r of rows) flatten(r.column_name, r.column_type, `src.${quoteIdent(r.column_name)}`, out);
  if (out.columns.length === 0) throw new CostwiseError("EMPTY_FILE", `${shown}: the JSON file holds no objects`, { location: { file: shown } });
  return out;
}

/** The relation a mapping reads: one text column per flattened field, named c0, c1, ... */
export function jsonRelation(file: InputFile, layout: JsonLayout, path: string): string {
  return `(SELECT ${layout.exprs.map((e, i) => `${e} AS ${quoteIdent(`c${i}`)}`).join(", ")} FROM ${readJsonSql(file, path)} AS src)`;
}

function flatten(name: string, type: string, expr: string, out: JsonLayout): void {
  const fields = structFields(type);
  if (fields) {
    for (const [child, childType] of fields) flatten(`${name}.${child}`, childType, `${expr}.${quoteIdent(child)}`, out);
    return;
  }
  const t = type.trim().toUpperCase();
  const nested = t.endsWith("]") || t.startsWith("MAP(") || t.startsWith("STRUCT(");
  out.columns.push(name);
  if (nested) out.exprs.push(`CAST(to_json(${expr}) AS VARCHAR)`);
  // a field whose values mix kinds (numbers and strings) arrives as JSON: strings without their quotes
  else if (t === "JSON") out.exprs.push(`(CASE WHEN json_type(${expr}) = 'VARCHAR' THEN json_extract_string(${expr}, '$') ELSE CAST(${expr} AS VARCHAR) END)`);
  else out.exprs.push(`CAST(${expr} AS VARCHAR)`);
}

/** The fields of a STRUCT(...) type (not a list of structs), or undefined. */
export function structFields(type: string): [string, string][] | undefined {
  const t = type.trim();
  if (!/^STRUCT\(/i.test(t) || !t.endsWith(")")) return undefined;
  const body = t.slice(t.indexOf("(") + 1, -1);
  // the closing parenthesis must be the one opened by STRUCT( (not STRUCT(...)[]-like suffixes)
  const parts: string[] = [];
  let depth = 0;
  let inQuote = false;
  let cur = "";
  for (const ch of body) {
    if (ch === '"') inQuote = !inQuote;
    if (!inQuote && ch === "(") depth++;
    if (!inQuote && ch === ")") depth--;
    if (depth < 0) return undefined;
    if (!inQuote && depth === 0 && ch === ",") {
      parts.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  if (cur.trim() !== "") parts.push(cur.trim());
  return parts.map((p) => {
    const m = /^"((?:[^"]|"")*)"\s+(.*)$/s.exec(p) ?? /^(\S+)\s+(.*)$/s.exec(p);
    if (!m) return [p, "VARCHAR"];
    return [m[1]!.replaceAll('""', '"'), m[2]!];
  });
}
