/**
 * The cost store interface: the small surface every analysis talks to. The embedded DuckDB store is
 * the default; a distributed warehouse implements the same interface.
 */

import type { CompiledSql, SqlValue } from "../../core/sql.js";
export { SQL_DIALECTS, type CompiledSql, type SqlDialect, type SqlValue } from "../../core/sql.js";
import type { SqlDialect } from "../../core/sql.js";
import type { CostQuery } from "../../core/query/cost-query.js";

/** A result row as JSON-safe values: DECIMAL and BIGINT arrive as strings, timestamps as ISO-like strings. */
export type Row = Record<string, unknown>;

export interface CostStore {
  readonly dialect: SqlDialect;
  /** Where the store lives (a file path, or a URL for a server). */
  readonly location: string;
  all(q: CompiledSql | string): Promise<Row[]>;
  run(q: CompiledSql | string): Promise<void>;
  /** Runs `fn` in one transaction: everything it did is committed together, or nothing is. */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
  /**
   * Optional, for stores that keep pre-aggregated copies of the cost table (the ClickHouse rollups): the table
   * that answers `query` exactly, with its line-item count column, or undefined for the cost table itself.
   */
  costQueryTable?(query: CostQuery): { table: string; lineItemsColumn: string } | undefined;
}

export function sql(sqlText: string, ...params: SqlValue[]): CompiledSql {
  return { sql: sqlText, params };
}
