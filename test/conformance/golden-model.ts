/**
 * Helpers for the conformance tests: the official FOCUS 1.2 requirements model, a golden FOCUS CSV (as the
 * mapping tests write them) loaded back into a table with the store's column types, and a compact per-rule listing.
 */
import { join } from "node:path";
import { quoteIdent } from "../../src/core/sql.js";
import type { ModelReport } from "../../src/engine/validate/run-model.js";
import { loadRequirementsModel } from "../../src/engine/validate/run-model.js";
import type { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { COST_TABLE_COLUMNS } from "../../src/engine/store/schema.js";
import { FIXTURES, GOLDEN } from "../helpers/store.js";

export const MODEL_PATH = join(FIXTURES, "focus/requirements-model/model-1.2.json");
export const MODEL = loadRequirementsModel(MODEL_PATH);

/** Loads test/golden/<name> into table `table`, every column cast back to the store's type (Tags JSON -> MAP). */
export async function loadGoldenTable(store: DuckDbStore, name: string, table: string): Promise<string[]> {
  const file = join(GOLDEN, name);
  const described = await store.all({ sql: "DESCRIBE SELECT * FROM read_csv(?, header = true, all_varchar = true)", params: [file] });
  const have = new Set(described.map((r) => String(r["column_name"])));
  const select = COST_TABLE_COLUMNS.filter((c) => have.has(c.name)).map((c) => {
    const q = quoteIdent(c.name);
    if (c.sqlType.startsWith("MAP(")) return `CAST(json(${q}) AS ${c.sqlType}) AS ${q}`;
    return `CAST(${q} AS ${c.sqlType}) AS ${q}`;
  });
  await store.run({ sql: `CREATE OR REPLACE TABLE ${quoteIdent(table)} AS SELECT ${select.join(", ")} FROM read_csv(?, header = true, all_varchar = true)`, params: [file] });
  const sources = await store.all(`SELECT DISTINCT "x_Source" AS s FROM ${quoteIdent(table)} ORDER BY 1`);
  return sources.map((r) => String(r["s"]));
}

/** One line per rule: `id status [violations]`, in model order. */
export function listing(report: ModelReport): string {
  return (
    report.rules
      .map((o) => `${o.id} ${o.keyword.replace(" ", "_")} ${o.status}${o.violations !== null && o.status === "fail" ? ` ${o.violations}` : ""}`)
      .join("\n") + "\n"
  );
}

/** The failing MUST / MUST NOT rules that are not composites (a composite fails because the rules it references do). */
export function failingMust(report: ModelReport): string[] {
  return report.rules.filter((o) => o.status === "fail" && (o.keyword === "MUST" || o.keyword === "MUST NOT") && !o.failedReferences).map((o) => o.id);
}
