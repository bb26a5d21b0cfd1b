/**
 * Issue 27 item 3: `costwise report allocation` (showback) in a reporting currency. On the mixed USD/EUR/GBP store
 * of fx-convert.test.ts, allocated by the `team` tag, the converted showback total equals `runCostQuery` in the same
 * currency to the digit, and each team's amount equals the hand computation.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema } from "../../src/core/config/schema.js";
import { allocationSection } from "../../src/core/config/sections/allocation.js";
import { isCostwiseError } from "../../src/core/errors.js";
import { parseCostQuery } from "../../src/core/query/cost-query.js";
import { applyAllocation } from "../../src/engine/allocation/allocate.js";
import { compileLoaded } from "../../src/engine/allocation/load-rules.js";
import { allocationSummary } from "../../src/engine/allocation/reports.js";
import { fxContextOf } from "../../src/engine/fx/convert.js";
import { queryOrThrow, runCostQuery } from "../../src/engine/query/run-query.js";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { MIXED_ROWS, RATES_CSV } from "./fixture.js";

const USD_TOTAL = "221.4271206691"; // fx-convert.test.ts's hand computation

let dir: string;
let store: DuckDbStore;
const fx = (reportingCurrency: string) => fxContextOf({ config: configSchema.parse({ fx: { rates: "rates.csv", reportingCurrency } }), baseDir: dir });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "costwise-fx-alloc-"));
  writeFileSync(join(dir, "rates.csv"), RATES_CSV);
  store = await DuckDbStore.open(":memory:");
  await store.run(MIXED_ROWS);
  const config = allocationSection.parse({ rules: [{ id: "team-tag", match: { "tag:team": { present: true } }, set: { team: "${tag:team}" } }] });
  await applyAllocation(store, compileLoaded(config, null, null));
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("showback in a reporting currency", () => {
  it("billed: per currency, no total across currencies", async () => {
    const s = await allocationSummary(store, { by: "team" });
    expect(s.totals.map((t) => t.currency)).toEqual(["EUR", "GBP", "USD"]);
    expect(s.fx).toBeUndefined();
  });

  it("USD: one currency, teams by hand, the total equal to runCostQuery in USD to the digit", async () => {
    const s = await allocationSummary(store, { by: "team", currency: "USD", fx: fx("USD") });
    const q = await runCostQuery(store, queryOrThrow(parseCostQuery({ metric: "BilledCost", currency: "USD" })), {}, fx("USD"));
    expect(q.totals.total).toBe(USD_TOTAL);
    expect(s.totals).toEqual([{ currency: "USD", billedCost: USD_TOTAL, effectiveCost: USD_TOTAL, unallocated: "66.9271206691" }]);
    // a: 100 USD; b: 50 EUR on Saturday 03-07 × Friday's 1.0900; unallocated: 50 EUR × 1.0800 + 10 GBP / 0.8370 × 1.0820
    expect(s.rows.map((r) => [r.currency, r.key, r.billedCost, r.lineItems])).toEqual([
      ["USD", "a", "100.0000000000", 1],
      ["USD", "__unallocated__", "66.9271206691", 2],
      ["USD", "b", "54.5000000000", 1],
    ]);
    expect(s.fx).toMatchObject({ currency: "USD", base: "EUR", from: "2026-02-27", to: "2026-03-06" });
  });

  it("by month and for one team, still converted", async () => {
    const s = await allocationSummary(store, { by: "team", granularity: "month", team: "b", currency: "EUR", fx: fx("USD") });
    expect(s.rows.map((r) => [r.period, r.currency, r.key, r.billedCost])).toEqual([["2026-03", "EUR", "b", "50.0000000000"]]);
  });

  it("a missing rate names the currency and day; no rates at all is a clear error", async () => {
    const e1 = await allocationSummary(store, { by: "team", currency: "CHF", fx: fx("USD") }).catch((e: unknown) => e);
    expect(isCostwiseError(e1) && e1.message).toMatch(/no exchange rate for CHF on 2026-03-02/);
    const e2 = await allocationSummary(store, { by: "team", currency: "USD" }).catch((e: unknown) => e);
    expect(isCostwiseError(e2) && e2.message).toMatch(/needs exchange rates: add an fx: section/);
  });
});
