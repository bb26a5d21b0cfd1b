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
