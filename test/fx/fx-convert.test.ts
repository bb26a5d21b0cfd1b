/**
 * Issue 27 item 3: one total in a reporting currency, converted at query time by the rate of each charge's day.
 * A hand-made mixed USD/EUR/GBP store and a hand-written ECB-style rates file (EUR base); every expected total below
 * is computed by hand from these rates, rounded to 10 decimals per line (half away from zero).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema, type CostwiseConfig } from "../../src/core/config/schema.js";
import { isCostwiseError } from "../../src/core/errors.js";
import { parseCostQuery } from "../../src/core/query/cost-query.js";
import { budgetStatus } from "../../src/engine/detect/budget-status.js";
import { kpiScorecard } from "../../src/engine/kpi/scorecard.js";
import { tagCoverage, taggedSpend } from "../../src/engine/kpi/tagged-spend.js";
import { fxContextOf } from "../../src/engine/fx/convert.js";
import { FX_LOADS_TABLE, FX_RATES_TABLE } from "../../src/engine/fx/tables.js";
import { queryOrThrow, runCostQuery } from "../../src/engine/query/run-query.js";
import { runApiQuery } from "../../src/engine/query/api-query.js";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { MIXED_ROWS, RATES_CSV } from "./fixture.js";
import { col, readRow } from "../../src/engine/store/read-rows.js";

// By hand, USD, day rates (USD per EUR: 03-02 1.0800, 03-06 1.0900 (Saturday 03-07 takes Friday's), 03-04 1.0820;
// GBP per EUR on 03-04 is N/A, so 03-03's 0.8370):
//   100.00 + 50.00 × 1.0800 + 50.00 × 1.0900 + 10.00 / 0.8370 × 1.0820
//   = 100 + 54.0000000000 + 54.5000000000 + 12.9271206691 = 221.4271206691
const USD_TOTAL = "221.4271206691";
// EUR: 100.00 / 1.0800 + 50.00 + 50.00 + 10.00 / 0.8370 = 92.5925925926 + 100 + 11.9474313023 = 204.5400238949
const EUR_TOTAL = "204.5400238949";
// USD with month granularity: every March charge at the rate in force on 2026-03-01 (a Sunday → Friday 02-27):
//   100 + 50 × 1.0700 × 2 + 10 / 0.8350 × 1.0700 = 100 + 107 + 12.8143712575 = 219.8143712575
const USD_MONTH_TOTAL = "219.8143712575";

let dir: string;
let store: DuckDbStore;

function workspace(fx: Record<string, unknown>, extra: Record<string, unknown> = {}): { config: CostwiseConfig; baseDir: string } {
  return { config: configSchema.parse({ fx: { rates: "rates.csv", ...fx }, ...extra }), baseDir: dir };
}

async function query(input: Record<string, unknown>, fx: Record<string, unknown> = {}) {
  return runCostQuery(store, queryOrThrow(parseCostQuery(input)), {}, fxContextOf(workspace(fx)));
}

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string; location?: unknown }> {
  try {
    await p;
  } catch (e) {
    if (isCostwiseError(e)) return { code: e.code, message: e.message, location: e.location };
    throw e;
  }
  throw new Error("expected a CostwiseError");
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "costwise-fx-"));
  writeFileSync(join(dir, "rates.csv"), RATES_CSV);
  store = await DuckDbStore.open(":memory:");
  await store.run(MIXED_ROWS);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("query in a reporting currency", () => {
  it("without a currency, the currencies stay apart (no total)", async () => {
    const r = await query({});
    expect(r.totals.total).toBeNull();
    expect(r.totals.byUnit.map((u) => u.unit)).toEqual(["EUR", "GBP", "USD"]);
  });

  it("USD: one total equal to the hand computation, and the rates used", async () => {
    const r = await query({ currency: "USD" });
    expect(r.totals.total).toBe(USD_TOTAL);
    expect(r.totals.byUnit).toEqual([{ unit: "USD", total: USD_TOTAL, groups: 1, lineItems: 4 }]);
    expect(r.fx).toMatchObject({ currency: "USD", granularity: "day", base: "EUR", from: "2026-02-27", to: "2026-03-06", rates: 16 });
    expect(r.fx!.source).toBe(join(dir, "rates.csv"));
  });

  it("EUR: likewise", async () => {
    const r = await query({ currency: "EUR" });
    expect(r.totals.total).toBe(EUR_TOTAL);
  });

  it("per row: grouped by provider and day, each group converted by its own day's rate", async () => {
    const r = await query({ currency: "USD", groupBy: ["ProviderName", "BillingCurrency"], granularity: "day", orderBy: [{ by: "period" }, { by: "ProviderName" }] });
    expect(r.columns).toEqual(["ProviderName", "BillingCurrency", "period", "ReportingCurrency", "BilledCost"]);
    expect(r.rows).toEqual([
      { ProviderName: "AWS", BillingCurrency: "USD", period: "2026-03-02T00:00:00Z", ReportingCurrency: "USD", BilledCost: "100.0000000000" },
      { ProviderName: "Azure", BillingCurrency: "EUR", period: "2026-03-02T00:00:00Z", ReportingCurrency: "USD", BilledCost: "54.0000000000" },
      { ProviderName: "Azure", BillingCurrency: "GBP", period: "2026-03-04T00:00:00Z", ReportingCurrency: "USD", BilledCost: "12.9271206691" },
      { ProviderName: "Azure", BillingCurrency: "EUR", period: "2026-03-07T00:00:00Z", ReportingCurrency: "USD", BilledCost: "54.5000000000" },
    ]);
  });

  it("month granularity: the rate in force on the month's first day", async () => {
    const r = await query({ currency: "USD" }, { granularity: "month" });
    expect(r.totals.total).toBe(USD_MONTH_TOTAL);
  });

  it("a limit cuts rows but not the converted total", async () => {
    const r = await query({ currency: "USD", groupBy: ["ServiceName"], limit: 1 });
    expect(r.truncated).toBe(true);
    expect(r.totals.total).toBe(USD_TOTAL);
  });

  it("the API's runner gives the same answer, never from a rollup", async () => {
    const q = queryOrThrow(parseCostQuery({ currency: "USD" }));
    const r = await runApiQuery(store, q, true, fxContextOf(workspace({})));
    expect(r.servedFrom).toBe("store");
    expect(r.totals.total).toBe(USD_TOTAL);
  });

  it("fx.reportingCurrency is the default currency of money queries, not of quantities", async () => {
    const r = await query({}, { reportingCurrency: "EUR" });
    expect(r.query.currency).toBe("EUR");
    expect(r.totals.total).toBe(EUR_TOTAL);
    const asked = await query({ currency: "USD" }, { reportingCurrency: "EUR" });
    expect(asked.totals.total).toBe(USD_TOTAL);
    const qty = await query({ metric: "PricingQuantity" }, { reportingCurrency: "EUR" });
    expect(qty.query.currency).toBeUndefined();
    expect(qty.fx).toBeUndefined();
  });

  it("a quantity metric takes no currency", () => {
    const p = parseCostQuery({ metric: "PricingQuantity", currency: "USD" });
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.problems[0]).toMatchObject({ code: "BAD_CURRENCY", path: "currency" });
    const bad = parseCostQuery({ currency: "usd$" });
    expect(bad.ok).toBe(false);
  });

  it("without an fx: section a currency is refused as a bad query (400 in the API), saying what to add", async () => {
    const f = await failure(runCostQuery(store, queryOrThrow(parseCostQuery({ currency: "USD" }))));
    expect(f.code).toBe("BAD_QUERY");
    expect(f.message).toContain("fx:");
  });
});

describe("missing rates are errors naming the currency and the day", () => {
  let other: DuckDbStore;
  beforeAll(async () => {
    other = await DuckDbStore.open(":memory:");
    await other.run(MIXED_ROWS);
  });
  afterAll(async () => other.close());

  it("a currency the file does not have", async () => {
    await other.run(`INSERT INTO focus_costs ("ChargePeriodStart", "BillingCurrency", "BilledCost", "EffectiveCost", "BillingPeriodStart") VALUES ('2026-03-05 08:00:00', 'CHF', 5, 5, '2026-03-01')`);
    const f = await failure(runCostQuery(other, queryOrThrow(parseCostQuery({ currency: "USD" })), {}, fxContextOf(workspace({}))));
    expect(f.code).toBe("BAD_INPUT");
    expect(f.message).toMatch(/^no exchange rate for CHF on 2026-03-05 \(converting CHF to USD\)/);
    // outside the window the CHF row is not summed, so no rate is needed
    const ok = await runCostQuery(other, queryOrThrow(parseCostQuery({ currency: "USD", end: "2026-03-05" })), {}, fxContextOf(workspace({})));
    expect(ok.totals.total).toBe("166.9271206691"); // 100 + 50 × 1.0800 + 10 / 0.8370 × 1.0820
  });

  it("a day past the last rate + maxAgeDays, for the target currency", async () => {
    const s = await DuckDbStore.open(":memory:");
    try {
      await s.run(`INSERT INTO focus_costs ("ChargePeriodStart", "BillingCurrency", "BilledCost", "EffectiveCost", "BillingPeriodStart") VALUES ('2026-03-14 08:00:00', 'EUR', 5, 5, '2026-03-01'), ('2026-03-13 08:00:00', 'EUR', 5, 5, '2026-03-01')`);
      // 2026-03-13 is the last day the 03-06 rate covers (7 days); 03-14 has none
      const f = await failure(runCostQuery(s, queryOrThrow(parseCostQuery({ currency: "USD" })), {}, fxContextOf(workspace({}))));
      expect(f.message).toMatch(/^no exchange rate for USD on 2026-03-14 \(converting EUR to USD\)/);
      const ok = await runCostQuery(s, queryOrThrow(parseCostQuery({ currency: "USD", end: "2026-03-14" })), {}, fxContextOf(workspace({})));
      expect(ok.totals.total).toBe("5.4500000000");
      const strict = await failure(runCostQuery(s, queryOrThrow(parseCostQuery({ currency: "USD", end: "2026-03-14" })), {}, fxContextOf(workspace({ maxAgeDays: 3 }))));
      expect(strict.message).toMatch(/^no exchange rate for USD on 2026-03-13/);
    } finally {
      await s.close();
    }
  });
});

describe("budgets in the reporting currency", () => {
  it("compare against the converted spend: the query's total", async () => {
    const ws = workspace({ reportingCurrency: "USD" }, { detection: { budgets: [{ name: "all", amount: "200", currency: "USD", thresholds: [{ actual: 100 }] }] } });
    const [b] = await budgetStatus(store, ws.config, { persist: false, asOf: "2026-03-31", lastCompleteDay: async () => "2026-03-31", baseDir: dir });
    expect(b!.actual).toBe(USD_TOTAL);
    expect(b!.fx).toMatchObject({ currency: "USD", base: "EUR" });
    expect(b!.crossed).toEqual(["actual:100"]); // 221.43 ≥ 200
    const q = await query({ currency: "USD", start: "2026-03-01", end: "2026-04-01", metric: "EffectiveCost" });
    expect(b!.actual).toBe(q.totals.total);
  });

  it("a budget in another currency still reads only its own currency", async () => {
    const ws = workspace({ reportingCurrency: "USD" }, { detection: { budgets: [{ name: "eur", amount: "200", currency: "EUR" }] } });
    const [b] = await budgetStatus(store, ws.config, { persist: false, asOf: "2026-03-31", lastCompleteDay: async () => "2026-03-31", baseDir: dir });
    expect(b!.actual).toBe("100.0000000000");
    expect(b!.fx).toBeUndefined();
  });
});

describe("KPIs in the reporting currency", () => {
  // tagged (team): USD 100.00 on 03-02 and EUR 50.00 on 03-07 → 100 + 54.50 = 154.50 of 221.4271206691 → 69.77 %
  it("tagged spend: one row in USD whose spend is the query's total", async () => {
    const ws = workspace({ reportingCurrency: "USD" });
    const r = await taggedSpend(store, ws, { month: "2026-03", tags: ["team"] });
    expect(r.rows).toEqual([expect.objectContaining({ period: "2026-03", currency: "USD", tag: "team", spend: USD_TOTAL, tagged: "154.5000000000", percent: "69.77" })]);
    expect(r.fx).toMatchObject({ currency: "USD", base: "EUR" });
    const q = await query({ currency: "USD", metric: "EffectiveCost" });
    expect(r.rows[0]!.spend).toBe(q.totals.total);
  });

  it("EUR likewise: 92.5925925926 + 50 tagged of 204.5400238949 → 69.71 %", async () => {
    const r = await taggedSpend(store, workspace({ reportingCurrency: "EUR" }), { month: "2026-03", tags: ["team"] });
    expect(r.rows).toEqual([expect.objectContaining({ currency: "EUR", spend: EUR_TOTAL, tagged: "142.5925925926", percent: "69.71" })]);
  });

  it("the scorecard and the tag page read the same converted figure", async () => {
    const ws = workspace({ reportingCurrency: "USD" });
    const card = await kpiScorecard(store, ws, { month: "2026-03" });
    const k = card.kpis.find((x) => x.id === "tagged-spend")!;
    expect(k.value).toBe("69.77");
    expect(k.scope).toBe("team · 2026-03 · USD");
    const page = await tagCoverage(store, ws, { month: "2026-03" });
    expect(page.currency).toBe("USD");
    expect(page.total).toBe(USD_TOTAL);
    expect(page.keys.find((x) => x.key === "team")).toMatchObject({ tagged: "154.5000000000", percent: "69.77" });
  });

  it("without a reporting currency the KPI stays per billed currency", async () => {
    const r = await taggedSpend(store, workspace({}), { month: "2026-03", tags: ["team"] });
    expect(r.rows.map((x) => x.currency)).toEqual(["EUR", "GBP", "USD"]);
    expect(r.fx).toBeUndefined();
  });
});

describe("rates are loaded into the store, and reloaded only when the file changes", () => {
  it("reloads after an edit", async () => {
    const s = await DuckDbStore.open(":memory:");
    try {
      await s.run(MIXED_ROWS);
      const ws = workspace({});
      const first = await runCostQuery(s, queryOrThrow(parseCostQuery({ currency: "USD" })), {}, fxContextOf(ws));
      expect(first.totals.total).toBe(USD_TOTAL);
      const loaded1 = await readRow(s, { t: col.text }, `SELECT strftime(loaded_at, '%Y-%m-%d %H:%M:%S.%f') AS t FROM ${FX_LOADS_TABLE}`);
      await runCostQuery(s, queryOrThrow(parseCostQuery({ currency: "USD" })), {}, fxContextOf(ws));
      const loaded2 = await readRow(s, { t: col.text }, `SELECT strftime(loaded_at, '%Y-%m-%d %H:%M:%S.%f') AS t FROM ${FX_LOADS_TABLE}`);
      expect(loaded2!.t).toBe(loaded1!.t); // unchanged file: not reloaded
      const d2 = mkdtempSync(join(tmpdir(), "costwise-fx-"));
      try {
        writeFileSync(join(d2, "rates.csv"), RATES_CSV.replace("2026-03-06,1.0900", "2026-03-06,1.1000"));
        const changed = await runCostQuery(s, queryOrThrow(parseCostQuery({ currency: "USD" })), {}, { config: ws.config.fx!, baseDir: d2 });
        // 221.4271206691 − 54.50 + 50 × 1.1000
        expect(changed.totals.total).toBe("221.9271206691");
        const n = await readRow(s, { n: col.int }, `SELECT count(*)::INTEGER AS n FROM ${FX_RATES_TABLE}`);
        expect(n!.n).toBe(16);
      } finally {
        rmSync(d2, { recursive: true, force: true });
      }
    } finally {
      await s.close();
    }
  });
});
