/**
 * JSON rates files (engine/fx/load-rates.ts): the time-series layout of frankfurter / exchangerate.host
 * ({"base":"EUR","rates":{"YYYY-MM-DD":{"USD":1.08,…}}}), read by DuckDB's read_json, loaded exactly as the CSV
 * layouts are (same tables, same conversion), and located errors naming the JSON path.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema } from "../../src/core/config/schema.js";
import { fxSection } from "../../src/core/config/sections/fx.js";
import { isCostwiseError } from "../../src/core/errors.js";
import { parseCostQuery } from "../../src/core/query/cost-query.js";
import { fxContextOf } from "../../src/engine/fx/convert.js";
import { ensureFxRates } from "../../src/engine/fx/load-rates.js";
import { FX_RATE_DAYS_TABLE, FX_RATES_TABLE } from "../../src/engine/fx/tables.js";
import { queryOrThrow, runCostQuery } from "../../src/engine/query/run-query.js";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { col, readRows } from "../../src/engine/store/read-rows.js";
import { MIXED_ROWS } from "./fixture.js";

let dir: string;
let store: DuckDbStore;
let n = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "costwise-fx-json-"));
  store = await DuckDbStore.open(":memory:");
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function write(text: string): string {
  const name = `rates-${++n}.json`;
  writeFileSync(join(dir, name), text);
  return name;
}

async function load(text: string, fx: Record<string, unknown> = {}) {
  return ensureFxRates(store, fxSection.parse({ rates: write(text), ...fx }), dir);
}

async function loadError(text: string, fx: Record<string, unknown> = {}): Promise<{ message: string; location: unknown }> {
  try {
    await load(text, fx);
  } catch (e) {
    if (isCostwiseError(e)) return { message: e.message, location: e.location };
    throw e;
  }
  throw new Error("expected an error");
}

// the rates of test/fx/fixture.ts's RATES_CSV, as frankfurter.app answers a time series (other keys ignored,
// days in any order; JPY missing on 03-06 and GBP null on 03-04: no rate those days)
const FRANKFURTER = JSON.stringify({
  amount: 1.0,
  base: "EUR",
  start_date: "2026-02-27",
  end_date: "2026-03-06",
  rates: {
    "2026-02-27": { USD: 1.07, JPY: 158.0, GBP: 0.835 },
    "2026-03-02": { USD: 1.08, JPY: 159.9, GBP: 0.836 },
    "2026-03-03": { USD: 1.081, JPY: 160.1, GBP: 0.837 },
    "2026-03-04": { USD: 1.082, JPY: 160.5, GBP: null },
    "2026-03-05": { USD: 1.085, JPY: 161.2, GBP: 0.839 },
    "2026-03-06": { USD: 1.09, GBP: 0.84 },
  },
});

describe("JSON layout", () => {
  it("loads the rates as published, null and missing keys are no rate, the base at 1", async () => {
    const info = await load(FRANKFURTER);
    expect(info).toMatchObject({ base: "EUR", from: "2026-02-27", to: "2026-03-06", rates: 16, currencies: ["GBP", "JPY", "USD"] });
    const rows = await readRows(store, { c: col.text, r: col.money }, `SELECT fx_currency AS c, fx_rate::VARCHAR AS r FROM ${FX_RATES_TABLE} WHERE fx_day = DATE '2026-03-05' ORDER BY c`);
    expect(rows).toEqual([
      { c: "GBP", r: "0.8390000000" },
      { c: "JPY", r: "161.2000000000" },
      { c: "USD", r: "1.0850000000" },
    ]);
    // GBP on 03-04 (null) takes 03-03's; EUR is 1
    const days = await readRows(store, { c: col.text, u: col.text, p: col.text }, `SELECT fx_currency AS c, fx_units::VARCHAR AS u, strftime(fx_published, '%Y-%m-%d') AS p FROM ${FX_RATE_DAYS_TABLE} WHERE fx_day = DATE '2026-03-04' ORDER BY c`);
    expect(days).toEqual([
      { c: "EUR", u: "10000000000", p: "2026-03-04" },
      { c: "GBP", u: "8370000000", p: "2026-03-03" },
      { c: "JPY", u: "1605000000000", p: "2026-03-04" },
      { c: "USD", u: "10820000000", p: "2026-03-04" },
    ]);
  });

  it("a query over the mixed store gives the same USD total as the CSV file (the hand computation of fx-convert.test.ts)", async () => {
    const s = await DuckDbStore.open(":memory:");
    try {
      await s.run(MIXED_ROWS);
      const ws = { config: configSchema.parse({ fx: { rates: write(FRANKFURTER), reportingCurrency: "USD" } }), baseDir: dir };
      const r = await runCostQuery(s, queryOrThrow(parseCostQuery({ currency: "USD" })), {}, fxContextOf(ws));
      expect(r.totals.total).toBe("221.4271206691");
      expect(r.fx?.source).toMatch(/\.json$/);
    } finally {
      await s.close();
    }
  });

  it("numbers given as strings and N/A are read like the CSV cells", async () => {
    const info = await load(`{"base":"EUR","rates":{"2026-03-02":{"USD":"1.0800","JPY":"N/A"}}}`);
    expect(info).toMatchObject({ rates: 1, currencies: ["USD"] });
  });
});

describe("located errors", () => {
  it("a rate that is not a positive decimal names its day and currency", async () => {
    const e = await loadError(`{"base":"EUR","rates":{"2026-03-02":{"USD":1.08},"2026-03-03":{"USD":1.08,"GBP":"abc"}}}`);
    expect(e.message).toMatch(/rates-\d+\.json, rates\."2026-03-03"\.GBP: "abc" is not a rate \(a positive decimal, or N\/A\)/);
    expect(e.location).toMatchObject({ row: 2, column: "GBP" });
    const neg = await loadError(`{"base":"EUR","rates":{"2026-03-02":{"USD":-1.08}}}`);
    expect(neg.message).toMatch(/rates\."2026-03-02"\.USD: "-1\.08" is not a rate/);
  });

  it("a day that is not a date, or not an object", async () => {
    expect((await loadError(`{"base":"EUR","rates":{"2026-02-30":{"USD":1.08}}}`)).message).toMatch(/rates\."2026-02-30": "2026-02-30" is not a date \(expected YYYY-MM-DD\)/);
    expect((await loadError(`{"base":"EUR","rates":{"2026-03-02":1.08}}`)).message).toMatch(/rates\."2026-03-02": expected an object of rates by currency/);
  });

  it("a key that is not a currency code", async () => {
    expect((await loadError(`{"base":"EUR","rates":{"2026-03-02":{"usd":1.08}}}`)).message).toMatch(/rates\."2026-03-02"\.usd: "usd" is not an ISO 4217 currency code/);
  });

  it("a base other than fx.base, or a base rate other than 1", async () => {
    expect((await loadError(`{"base":"USD","rates":{"2026-03-02":{"EUR":0.92}}}`)).message).toMatch(/"base" is "USD" but fx\.base is EUR/);
    expect((await loadError(`{"base":"EUR","rates":{"2026-03-02":{"EUR":1.1,"USD":1.08}}}`)).message).toMatch(/rates\."2026-03-02"\.EUR: the base currency EUR has rate 1\.1/);
    // the base is taken from fx.base: a USD-based file loads with fx.base USD
    expect(await load(`{"base":"USD","rates":{"2026-03-02":{"EUR":0.92}}}`, { base: "USD" })).toMatchObject({ base: "USD", currencies: ["EUR"] });
  });

  it("not JSON of this layout: a clear error naming the file and the layout expected", async () => {
    expect((await loadError(`{"base":"EUR","rates":[1,2]}`)).message).toMatch(/expected one object with a "rates" object keyed by day/);
    expect((await loadError(`{"base":"EUR","rates":{`)).message).toMatch(/could not be read as JSON \(expected \{"base":"EUR"/);
  });
});
