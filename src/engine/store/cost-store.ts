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

/**
 * The store the analyses run on (allocation, detection, forecasts, budgets, recommendations, governance, reports):
 * a cost store that speaks DuckDB SQL — the embedded store, or a ClickHouse workspace's analysis replica. The analyses
 * need nothing of the store beyond this interface; they never take the concrete DuckDbStore.
 */
export interface AnalysisStore extends CostStore {
  readonly dialect: "duckdb";
  /** How far the statement running on this store's connection is (0..1), or -1 when unknown. */
  statementProgress?(): number;
}

/** Narrows a store to one the analyses can run on, or says why not. */
export function isAnalysisStore(s: CostStore): s is AnalysisStore {
  return s.dialect === "duckdb";
}

export function sql(sqlText: string, ...params: SqlValue[]): CompiledSql {
  return { sql: sqlText, params };
}
