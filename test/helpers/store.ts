/** Test helpers: throwaway stores, deterministic exports of the cost table, golden files. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { expect } from "vitest";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { COST_TABLE, COST_TABLE_COLUMNS } from "../../src/engine/store/schema.js";

export const FIXTURES = resolve(import.meta.dirname, "../../../shared/fixtures");
export const LOCAL_FIXTURES = resolve(import.meta.dirname, "../fixtures");
export const GOLDEN = resolve(import.meta.dirname, "../golden");

export function tempDir(prefix = "costwise-test-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh file-backed store in a temp folder (file-backed like production, so WAL and rollback are real). */
export async function tempStore(): Promise<{ store: DuckDbStore; dir: string; cleanup: () => Promise<void> }> {
  const t = tempDir();
  const store = await DuckDbStore.open(join(t.dir, "costwise.duckdb"));
  return { store, dir: t.dir, cleanup: async () => { await store.close(); t.cleanup(); } };
}

/** Per-table fingerprint: row count, billed total and a content hash, to prove "unchanged". */
export async function snapshot(store: DuckDbStore): Promise<{ rows: string; billed: string; hash: string; runs: string }> {
  const r = await store.all(
    `SELECT count(*)::VARCHAR AS rows, coalesce(sum("BilledCost"), 0)::VARCHAR AS billed,
            coalesce(bit_xor(hash(x_IngestId, x_SourceFile, "BilledCost", "ChargePeriodStart", "ResourceId")), 0)::VARCHAR AS hash,
            (SELECT count(*) FROM ingest_runs)::VARCHAR AS runs FROM ${COST_TABLE}`,
  );
  const row = r[0]!;
  return { rows: String(row["rows"]), billed: String(row["billed"]), hash: String(row["hash"]), runs: String(row["runs"]) };
}

/** The cost table as CSV, provenance reduced to what is stable (file base name), in a stable order. */
export async function exportFocusCsv(store: DuckDbStore, where = "TRUE"): Promise<string> {
  const cols = COST_TABLE_COLUMNS.filter((c) => !["x_IngestId", "x_DeliveryId", "x_SourceFile"].includes(c.name));
  const sel = cols
    .map((c) => (c.name === "Tags" ? `CASE WHEN "Tags" IS NULL THEN NULL ELSE to_json(map_from_entries(list_sort(map_entries("Tags"))))::VARCHAR END AS "Tags"` : `"${c.name}"::VARCHAR AS "${c.name}"`))
    .join(", ");
  const rows = await store.all(`SELECT ${sel}, x_SourceFile AS __f FROM ${COST_TABLE} WHERE ${where}`);
  const lines = rows.map((r) => cols.map((c) => csvCell(r[c.name])).join(","));
  lines.sort();
  return [cols.map((c) => c.name).join(","), ...lines].join("\n") + "\n";
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Compares with test/golden/<name>; UPDATE_GOLDEN=1 rewrites it (review the diff before committing). */
export function expectGolden(name: string, actual: string): void {
  const path = join(GOLDEN, name);
  if (process.env["UPDATE_GOLDEN"] === "1" || !existsSync(path)) {
    if (process.env["CI"] === "true" && !existsSync(path)) throw new Error(`golden file ${name} is missing (run UPDATE_GOLDEN=1 locally)`);
    writeFileSync(path, actual);
    return;
  }
  expect(actual).toBe(readFileSync(path, "utf8"));
}

export { basename };
