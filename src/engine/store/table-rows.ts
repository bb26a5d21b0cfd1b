/** Whether a table exists in a DuckDB store, and whether it holds any row (feature pages' empty states). */
import { quoteIdent } from "../../core/sql.js";
import type { CostStore } from "./cost-store.js";
import { sql } from "./cost-store.js";
import { col, readRow } from "./read-rows.js";

export async function tableExists(store: CostStore, table: string): Promise<boolean> {
  const r = await readRow(store, { n: col.int }, sql(`SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = ?`, table));
  return (r?.n ?? 0) > 0;
}

export async function tableHasRows(store: CostStore, table: string): Promise<boolean> {
  const r = await readRow(store, { n: col.int }, sql(`SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = ?`, table));
  if ((r?.n ?? 0) === 0) return false;
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) return false;
  const rows = await readRow(store, { n: col.int }, `SELECT count(*)::BIGINT AS n FROM (SELECT 1 FROM ${quoteIdent(table)} LIMIT 1)`);
  return (rows?.n ?? 0) > 0;
}
