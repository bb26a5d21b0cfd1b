/**
 * A DuckDB store made before FOCUS 1.3 (schema version 4: no 1.3/1.4 columns) is migrated when it is opened:
 * migration 5 adds the columns, and the rows it already holds get ServiceProviderName from ProviderName and
 * HostProviderName from ProviderName ("Not Applicable" on Tax rows); money and every other value are untouched.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FOCUS_COLUMNS } from "../../src/core/focus/columns.js";
import { ingestFiles } from "../../src/engine/ingest/ingest.js";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { SCHEMA_MIGRATIONS_TABLE } from "../../src/engine/store/feature-tables.js";
import { SCHEMA_VERSION } from "../../src/engine/store/schema.js";
import { LOCAL_FIXTURES, snapshot, tempDir } from "../helpers/store.js";

const NEW = FOCUS_COLUMNS.filter((c) => c.introduced === "1.3" || c.introduced === "1.4").map((c) => c.name);

describe("migration 5: FOCUS 1.3/1.4 columns on a store made before them", () => {
  it("adds the columns and derives the provider columns of the rows already loaded", async () => {
    const t = tempDir("costwise-focus-migration-");
    const path = join(t.dir, "old.duckdb");
    try {
      // the store as costwise left it at schema version 4: loaded rows, no 1.3/1.4 columns
      const first = await DuckDbStore.open(path);
      await ingestFiles(first, [join(LOCAL_FIXTURES, "cur-line-item-types.csv")]);
      for (const c of NEW) await first.run(`ALTER TABLE focus_costs DROP COLUMN "${c}"`);
      await first.run(`DELETE FROM ${SCHEMA_MIGRATIONS_TABLE} WHERE version = 5`);
      const before = await snapshot(first);
      const kinds = await first.all(`SELECT "ChargeCategory" AS c, count(*)::INT AS n FROM focus_costs GROUP BY ALL ORDER BY c`);
      expect(kinds.map((k) => k["c"])).toContain("Tax");
      await first.close();

      const store = await DuckDbStore.open(path);
      try {
        expect(await store.schemaVersion()).toBe(SCHEMA_VERSION);
        const cols = (await store.all(`SELECT column_name AS c FROM duckdb_columns() WHERE table_name = 'focus_costs'`)).map((r) => String(r["c"]));
        for (const c of NEW) expect(cols).toContain(c);
        const r = await store.all(`SELECT "ChargeCategory" AS c, "ServiceProviderName" AS sp, "HostProviderName" AS host, count(*)::INT AS n
          FROM focus_costs GROUP BY ALL ORDER BY c`);
        expect(r.length).toBe(kinds.length);
        for (const row of r) {
          expect(row["sp"]).toBe("AWS");
          expect(row["host"]).toBe(row["c"] === "Tax" ? "Not Applicable" : "AWS");
        }
        // the columns no older row can tell stay null; nothing else moved
        const empty = await store.all(`SELECT count(*)::INT AS n FROM focus_costs WHERE "AllocatedTags" IS NOT NULL OR "ContractApplied" IS NOT NULL OR "InvoiceDetailId" IS NOT NULL`);
        expect(empty[0]).toEqual({ n: 0 });
        expect(await snapshot(store)).toEqual(before);
      } finally {
        await store.close();
      }
    } finally {
      t.cleanup();
    }
  }, 60_000);
});
