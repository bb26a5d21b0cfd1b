/**
 * Every mapping's golden FOCUS output (test/golden/*.focus.csv) run through the FinOps Foundation's requirements
 * model: a failing MUST rule is either fixed in the mapping or a documented limit of that provider's data or of
 * the model (src/core/focus/requirements/limits.ts, printed in docs/mappings.md, "Conformance limits"). The per-rule results are kept beside as
 * test/conformance/mappings/<golden>.txt (UPDATE_GOLDEN=1 rewrites them; review the diff).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runModel } from "../../src/engine/validate/run-model.js";
import type { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { CONFORMANCE_LIMITS, limitsFor } from "../../src/core/focus/requirements/limits.js";
import { ingestFiles } from "../../src/engine/ingest/ingest.js";
import { COST_TABLE } from "../../src/engine/store/schema.js";
import { LOCAL_FIXTURES, tempStore } from "../helpers/store.js";
import { writeCur2Parquet } from "../helpers/cur2.js";
import { failingMust, listing, loadGoldenTable, MODEL } from "./golden-model.js";


let store: DuckDbStore;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ store, cleanup } = await tempStore()));
afterAll(async () => cleanup());

const GOLDENS = [
  "cur-line-item-types.focus.csv",
  "cur-commitment-end-times.focus.csv",
  "koku-2023-06-01.focus.csv",
  "koku-2022-07-01-alt-columns.focus.csv",
  "azure-ea-mca.focus.csv",
  "azure-header-variants.focus.csv",
  "gcp-csv.focus.csv",
  "gcp-ndjson.focus.csv",
  "gcp-detailed-jsonl.focus.csv",
  "oci-cost.focus.csv",
  "aws-ce-awscli-service-tag.focus.csv",
  "aws-ce-cloudscape-monthly-service.focus.csv",
  "opencost-allocation-daily-prod-eu.focus.csv",
  "opencost-swagger-allocation-namespace-2d.focus.csv",
  "focus-sample.focus.csv",
];

const OUT = resolve(import.meta.dirname, "mappings");

describe("golden mapping outputs under the official FOCUS 1.2 requirements model", () => {
  for (const [i, name] of GOLDENS.entries()) {
    it(name, async () => {
      const table = `golden_${i}`;
      const sources = await loadGoldenTable(store, name, table);
      const report = await runModel(store, MODEL, { kind: "table", table, sources }, { examples: 0 });
      expect(report.rowsChecked).toBeGreaterThan(0);
      const path = join(OUT, name.replace(/\.focus\.csv$/, ".txt"));
      const text = listing(report);
      if (process.env["UPDATE_GOLDEN"] === "1" || !existsSync(path)) {
        if (process.env["CI"] === "true" && !existsSync(path)) throw new Error(`${path} is missing (run UPDATE_GOLDEN=1 locally)`);
        mkdirSync(OUT, { recursive: true });
        writeFileSync(path, text);
      } else expect(text).toBe(readFileSync(path, "utf8"));
      // every failing MUST rule is a documented limit of one of the sources in the file
      const documented = new Set(sources.flatMap((s) => limitsFor(s).flatMap((l) => l.rules)));
      expect(failingMust(report).filter((id) => !documented.has(id))).toEqual([]);
    });
  }

  // CUR 2.0 has no golden of its own (golden.test.ts proves its rows equal the legacy CUR's but for x_Source), so its
  // output is loaded here from Parquet written in the CUR 2.0 layout and run through the model as it sits in a store.
  it("CUR 2.0 (Data Exports Parquet): same rule results as the legacy CUR golden of the same lines", async () => {
    const { store: cur2Store, cleanup: done, dir } = await tempStore();
    try {
      const parquet = await writeCur2Parquet(cur2Store, join(LOCAL_FIXTURES, "cur-line-item-types.csv"), join(dir, "cur2.parquet"));
      await ingestFiles(cur2Store, [parquet]);
      const report = await runModel(cur2Store, MODEL, { kind: "table", table: COST_TABLE, sources: ["aws-cur2"] }, { examples: 0 });
      expect(report.rowsChecked).toBeGreaterThan(0);
      expect(listing(report)).toBe(readFileSync(join(OUT, "cur-line-item-types.txt"), "utf8"));
      const documented = new Set(limitsFor("aws-cur2").flatMap((l) => l.rules));
      expect(failingMust(report).filter((id) => !documented.has(id))).toEqual([]);
    } finally {
      await done();
    }
  });

  it("every documented limit is listed in docs/mappings.md", () => {
    const doc = readFileSync(resolve(import.meta.dirname, "../../docs/mappings.md"), "utf8");
    const ids = [...new Set(CONFORMANCE_LIMITS.flatMap((l) => l.rules))];
    expect(ids.filter((id) => !doc.includes(id))).toEqual([]);
  });
});
