/** Freshness: the last complete day per source and billing account, and where charts and detectors stop. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ingestFiles } from "../ingest/ingest.js";
import type { DuckDbStore } from "./duckdb/duckdb-store.js";
import { freshness, lastCompleteDay, listSources } from "./sources.js";
import { tempStore } from "../../../test/helpers/store.js";

let store: DuckDbStore;
let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ store, dir, cleanup } = await tempStore()));
afterEach(async () => cleanup());

const HEADER = "BilledCost,BillingCurrency,BillingAccountId,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd";
function focusFile(name: string, rows: string[]): string {
  const p = join(dir, name);
  writeFileSync(p, [HEADER, ...rows].join("\n") + "\n");
  return p;
}

describe("freshness", () => {
  it("a partly billed day is not complete; a day ending at midnight is; a stale source does not hold the others back", async () => {
    await ingestFiles(store, [
      focusFile("hourly.csv", [
        "1.00,USD,A,2024-09-01T00:00:00Z,2024-10-01T00:00:00Z,2024-09-15T11:00:00Z,2024-09-15T12:00:00Z",
        "1.00,USD,A,2024-09-01T00:00:00Z,2024-10-01T00:00:00Z,2024-09-15T12:00:00Z,2024-09-15T13:00:00Z",
      ]),
    ]);
    await ingestFiles(store, [focusFile("daily.csv", ["2.00,USD,B,2024-09-01T00:00:00Z,2024-10-01T00:00:00Z,2024-09-15T00:00:00Z,2024-09-16T00:00:00Z"])]);
    await ingestFiles(store, [focusFile("stale.csv", ["3.00,USD,C,2024-05-01T00:00:00Z,2024-06-01T00:00:00Z,2024-05-31T00:00:00Z,2024-06-01T00:00:00Z"])]);
    const f = await freshness(store);
    expect(f.map((x) => [x.billingAccountId, x.lastChargeEnd, x.lastCompleteDay])).toEqual([
      ["A", "2024-09-15 13:00:00", "2024-09-14"], // delivered through 13:00 on the 15th: the 15th is still being billed
      ["B", "2024-09-16 00:00:00", "2024-09-15"],
      ["C", "2024-06-01 00:00:00", "2024-05-31"],
    ]);
    expect(f.every((x) => x.configuredSources.length === 0 && x.lastSyncAt === null)).toBe(true); // loaded by `costwise ingest`
    expect(await lastCompleteDay(store)).toBe("2024-09-14"); // C stopped in May: not active
    expect(await lastCompleteDay(store, { activeDays: 200 })).toBe("2024-05-31");
    // costwise sources reports the same day
    expect((await listSources(store)).map((s) => s.lastCompleteDay)).toEqual(["2024-09-14", "2024-09-15", "2024-05-31"]);
  });

  it("an empty store has no last complete day", async () => {
    expect(await freshness(store)).toEqual([]);
    expect(await lastCompleteDay(store)).toBeNull();
  });
});
