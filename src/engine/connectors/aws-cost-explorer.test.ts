/**
 * The Cost Explorer staging reads exactly its own pages file (issue 18): a staging folder (or TMPDIR) whose name holds
 * DuckDB glob characters must not make the JSON reader open another file. `ce[x]` read as a pattern matches `cex`;
 * a decoy page there carries 999.00, the real page 1.25.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempStore } from "../../../test/helpers/store.js";
import type { DuckDbStore } from "../store/duckdb/duckdb-store.js";
import { stageCostExplorerPages } from "./aws-cost-explorer.js";

const page = (amount: string) =>
  JSON.stringify({
    ResultsByTime: [
      {
        TimePeriod: { Start: "2024-09-01", End: "2024-09-02" },
        Estimated: false,
        Total: {},
        Groups: [{ Keys: ["AWS Lambda"], Metrics: { UnblendedCost: { Amount: amount, Unit: "USD" }, AmortizedCost: { Amount: amount, Unit: "USD" } } }],
      },
    ],
  }) + "\n";

describe("stageCostExplorerPages: paths with glob characters", () => {
  let store: DuckDbStore;
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ store, dir, cleanup } = await tempStore());
  });
  afterEach(async () => cleanup());

  // folder name      | decoy folder (what the unescaped pattern matches)
  const cases: [string, string][] = [
    ["ce[x]", "cex"],
    ["ce*", "ce-other"],
    ["ce?", "ceq"],
  ];
  for (const [name, decoy] of cases) {
    it(`reads ${name}/pages.ndjson, not ${decoy}/pages.ndjson`, async () => {
      for (const [d, amount] of [[name, "1.25"], [decoy, "999.00"]] as const) {
        mkdirSync(join(dir, d), { recursive: true });
        writeFileSync(join(dir, d, "pages.ndjson"), page(amount));
      }
      const csv = join(dir, name, "out[1].csv");
      const n = await stageCostExplorerPages(store, join(dir, name, "pages.ndjson"), csv, [{ Type: "DIMENSION", Key: "SERVICE" }], "123456789012");
      expect(n).toBe(1);
      const text = readFileSync(csv, "utf8"); // the COPY target is bound too: written under its own name
      expect(text).toContain("1.25");
      expect(text).not.toContain("999");
    });
  }
});
