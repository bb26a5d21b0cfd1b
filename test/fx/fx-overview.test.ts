/**
 * Issue 27 item 3: the overview (API tiles and series) in the reporting currency. On the mixed USD/EUR/GBP store of
 * fx-convert.test.ts, the overview's month total and series equal `runCostQuery` in the same currency, to the digit,
 * and say which rates were used; without a reporting currency the overview stays in one billed currency.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema, type CostwiseConfig } from "../../src/core/config/schema.js";
import { parseCostQuery } from "../../src/core/query/cost-query.js";
import { fxContextOf } from "../../src/engine/fx/convert.js";
import { overview } from "../../src/engine/query/overview.js";
import { queryOrThrow, runCostQuery } from "../../src/engine/query/run-query.js";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { buildServer } from "../../src/server/app.js";
import { MIXED_ROWS, RATES_CSV } from "./fixture.js";

// the hand computations of fx-convert.test.ts (same rows, same rates, day granularity)
const USD_TOTAL = "221.4271206691";
const EUR_TOTAL = "204.5400238949";

let dir: string;
let store: DuckDbStore;

function workspace(fx: Record<string, unknown> | null): { config: CostwiseConfig; baseDir: string } {
  return { config: configSchema.parse(fx ? { fx: { rates: "rates.csv", ...fx } } : {}), baseDir: dir };
}

async function overviewOf(fx: Record<string, unknown> | null, currency?: string, metric: "EffectiveCost" | "BilledCost" = "EffectiveCost") {
  const ws = workspace(fx);
  return overview(store, { team: null, currency, metric, rollupReady: false, config: ws.config, fx: fxContextOf(ws) });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "costwise-fx-overview-"));
  writeFileSync(join(dir, "rates.csv"), RATES_CSV);
  store = await DuckDbStore.open(":memory:");
  await store.run(MIXED_ROWS);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("overview in the reporting currency", () => {
  it("USD: the month total equals runCostQuery in USD to the digit (and the hand computation)", async () => {
    const o = await overviewOf({ reportingCurrency: "USD" });
    const ws = workspace({ reportingCurrency: "USD" });
    const q = await runCostQuery(store, queryOrThrow(parseCostQuery({ metric: "EffectiveCost", currency: "USD" })), {}, fxContextOf(ws));
    expect(q.totals.total).toBe(USD_TOTAL);
    expect(o.available).toBe(true);
    expect(o.currency).toBe("USD");
    expect(o.monthly).toEqual([{ period: "2026-03-01", amount: USD_TOTAL }]);
    expect(o.total).toBe(q.totals.total);
    // the billed currencies are still listed as billed
    expect(o.currencies.map((c) => c.currency).sort()).toEqual(["EUR", "GBP", "USD"]);
    expect(o.fx).toMatchObject({ currency: "USD", granularity: "day", base: "EUR", from: "2026-02-27", to: "2026-03-06", source: join(dir, "rates.csv") });
    expect(o.forecast.available).toBe(false);
    expect(o.forecast.reason).toMatch(/per billed currency/);
  });

  it("the daily series and the services are converted per day, summing to the same total", async () => {
    const o = await overviewOf({ reportingCurrency: "USD" });
    // 03-02: 100 + 50 × 1.08; 03-04: 10 / 0.8370 × 1.0820; 03-07: 50 × 1.09 (Friday's rate)
    expect(o.daily).toEqual([
      { period: "2026-03-02", amount: "154.0000000000" },
      { period: "2026-03-04", amount: "12.9271206691" },
      { period: "2026-03-07", amount: "54.5000000000" },
    ]);
    const q = await runCostQuery(store, queryOrThrow(parseCostQuery({ metric: "EffectiveCost", currency: "USD", groupBy: ["ServiceName"] })), {}, fxContextOf(workspace({ reportingCurrency: "USD" })));
    const byService = Object.fromEntries(q.rows.map((r) => [r["ServiceName"], r["EffectiveCost"]]));
    expect(byService["Virtual Machines"]).toBe("108.5000000000");
    expect(byService["Storage"]).toBe("12.9271206691");
  });

  it("another currency asked (EUR) converts to it; BilledCost too", async () => {
    const o = await overviewOf({ reportingCurrency: "USD" }, "EUR", "BilledCost");
    expect(o.currency).toBe("EUR");
    expect(o.total).toBe(EUR_TOTAL);
    expect(o.fx?.currency).toBe("EUR");
  });

  it("without fx: one billed currency, no conversion, fx null", async () => {
    const o = await overviewOf(null, "GBP");
    expect(o.fx).toBeNull();
    expect(o.currency).toBe("GBP");
    expect(o.total).toBe("10.0000000000");
    const eur = await overviewOf(null, "EUR");
    expect(eur.total).toBe("100.0000000000");
    expect(eur.currency).toBe("EUR");
  });

  it("a missing rate is an error naming the currency and day, never a silent 1.0", async () => {
    await expect(overviewOf({ reportingCurrency: "CHF" })).rejects.toThrow(/no exchange rate for CHF on 2026-03-02 \(converting EUR to CHF\)/);
  });
});

describe("GET /api/v1/overview with fx.reportingCurrency", () => {
  it("answers the converted overview, with fx, through the response schema", async () => {
    const ws = workspace({ reportingCurrency: "USD" });
    const app = await buildServer({ store, logLevel: false, warm: false, webDir: "/nonexistent", workspace: ws });
    try {
      const res = await app.inject({ method: "GET", url: "/api/v1/overview" });
      expect(res.statusCode, res.body).toBe(200);
      const o = res.json();
      expect(o.currency).toBe("USD");
      expect(o.total).toBe(USD_TOTAL);
      expect(o.fx).toMatchObject({ currency: "USD", base: "EUR", rates: 16 });
      const eur = (await app.inject({ method: "GET", url: "/api/v1/overview?currency=EUR" })).json();
      expect(eur.total).toBe(EUR_TOTAL);
    } finally {
      await app.close();
    }
  });
});
