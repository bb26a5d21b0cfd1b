/**
 * The shape of SQL the core compiles and the engine runs: pure types, no database.
 */

export const SQL_DIALECTS = ["duckdb", "clickhouse"] as const;
export type SqlDialect = (typeof SQL_DIALECTS)[number];

/** A value bound to a placeholder. Money travels as a decimal string. */
export type SqlValue = string | number | boolean | bigint | null;

export interface CompiledSql {
  sql: string;
  params: SqlValue[];
}

/**
 * SQL text: the one place identifiers and string literals are quoted (DuckDB and ClickHouse both accept these
 * forms). Values that can be bound as parameters should be; these are for names and for SQL that is built as text
 * (mappings, DDL, IN-lists of known keys).
 */

/** `name` as a quoted identifier: `"a ""b"""`. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `value` as a DuckDB string literal: `'it''s'`. */
export function quoteString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** `value` as a string literal of `dialect` (ClickHouse also reads backslash escapes, so those are doubled there). */
export function quoteStringIn(dialect: SqlDialect, value: string): string {
  return quoteString(dialect === "clickhouse" ? value.replaceAll("\\", "\\\\") : value);
}

/** A comma-separated list of string literals, for `IN (...)`; `NULL` for an empty list (so `x IN (NULL)` matches nothing). */
export function quoteStringList(values: readonly string[], dialect: SqlDialect = "duckdb"): string {
  return values.length === 0 ? "NULL" : values.map((v) => quoteStringIn(dialect, v)).join(", ");
}
