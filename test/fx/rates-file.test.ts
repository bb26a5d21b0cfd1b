/**
 * The rates file reader (engine/fx/load-rates.ts): ECB's wide layout with N/A and a trailing empty column, the long
 * layout, and located errors (file, row, column) for bad dates, bad rates, non-currency columns and duplicates.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fxSection } from "../../src/core/config/sections/fx.js";
import { isCostwiseError } from "../../src/core/errors.js";
import { ensureFxRates } from "../../src/engine/fx/load-rates.js";
import { FX_RATE_DAYS_TABLE, FX_RATES_TABLE } from "../../src/engine/fx/tables.js";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { col, readRows } from "../../src/engine/store/read-rows.js";

let dir: string;
let store: DuckDbStore;
let n = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "costwise-fx-rates-"));
  store = await DuckDbStore.open(":memory:");
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function load(text: string, fx: Record<string, unknown> = {}) {
  const name = `rates-${++n}.csv`;
  writeFileSync(join(dir, name), text);
  return ensureFxRates(store, fxSection.parse({ rates: name, ...fx }), dir);
}

async function loadError(text: string): Promise<{ message: string; location: unknown }> {
  try {
    await load(text);
  } catch (e) {
    if (isCostwiseError(e)) return { message: e.message, location: e.location };
    throw e;
  }
  throw new Error("expected an error");
}

describe("layouts", () => {
  it("ECB wide: N/A and empty cells are no rate, the trailing comma's column is ignored", async () => {
    const info = await load("Date,USD,JPY,\n2026-03-03,1.0810,N/A,\n2026-03-02,1.0800,159.90,\n");
    expect(info).toMatchObject({ base: "EUR", from: "2026-03-02", to: "2026-03-03", rates: 3, currencies: ["JPY", "USD"] });
    const rows = await readRows(store, { d: col.text, c: col.text, r: col.money }, `SELECT strftime(fx_day, '%Y-%m-%d') AS d, fx_currency AS c, fx_rate::VARCHAR AS r FROM ${FX_RATES_TABLE} ORDER BY d, c`);
    expect(rows).toEqual([
      { d: "2026-03-02", c: "JPY", r: "159.9000000000" },
      { d: "2026-03-02", c: "USD", r: "1.0800000000" },
      { d: "2026-03-03", c: "USD", r: "1.0810000000" },
    ]);
    // JPY on 03-03 (N/A) takes 03-02's rate; EUR (the base) is 1 every day
    const days = await readRows(store, { c: col.text, u: col.text, p: col.text }, `SELECT fx_currency AS c, fx_units::VARCHAR AS u, strftime(fx_published, '%Y-%m-%d') AS p FROM ${FX_RATE_DAYS_TABLE} WHERE fx_day = DATE '2026-03-03' ORDER BY c`);
    expect(days).toEqual([
      { c: "EUR", u: "10000000000", p: "2026-03-03" },
      { c: "JPY", u: "1599000000000", p: "2026-03-02" },
      { c: "USD", u: "10810000000", p: "2026-03-03" },
    ]);
  });

  it("long: date,currency,rate in any order and case", async () => {
    const info = await load("Currency,Rate,DATE\nUSD,1.1,2026-01-02\nGBP,0.85,2026-01-02\n", { base: "EUR" });
    expect(info).toMatchObject({ from: "2026-01-02", to: "2026-01-02", rates: 2, currencies: ["GBP", "USD"] });
  });

  it("another base: a rate per 1 USD", async () => {
    const info = await load("Date,EUR,USD\n2026-01-02,0.9,1\n", { base: "USD" });
    expect(info).toMatchObject({ base: "USD", currencies: ["EUR"] });
  });
});

describe("located errors", () => {
  it("a bad date names file, row and column", async () => {
    const e = await loadError("Date,USD\n2026-03-03,1.08\n2026-02-30,1.07\n");
    expect(e.message).toMatch(/rates-\d+\.csv, row 2, column Date: "2026-02-30" is not a date \(expected YYYY-MM-DD\)$/);
    expect(e.location).toMatchObject({ row: 2, column: "Date" });
  });

  it("a rate that is not a positive decimal", async () => {
    const e = await loadError("Date,USD,GBP\n2026-03-03,1.08,0.84\n2026-03-02,1.07,abc\n");
    expect(e.message).toMatch(/row 2, column GBP: "abc" is not a rate \(a positive decimal, or N\/A\)$/);
    const z = await loadError("Date,USD\n2026-03-03,0\n");
    expect(z.message).toMatch(/row 1, column USD: "0" is not a rate/);
  });

  it("a column that is not a currency code but holds values", async () => {
    const e = await loadError("Date,USD,Dollars\n2026-03-03,1.08,1.08\n");
    expect(e.message).toMatch(/row 1, column Dollars: "Dollars" is not an ISO 4217 currency code$/);
  });

  it("no Date column", async () => {
    const e = await loadError("day,USD\n2026-03-03,1.08\n");
    expect(e.message).toContain("the header has no Date column");
  });

  it("a day and currency twice", async () => {
    const e = await loadError("date,currency,rate\n2026-03-03,USD,1.08\n2026-03-03,USD,1.09\n");
    expect(e.message).toMatch(/row 2: a second USD rate for 2026-03-03$/);
  });

  it("the base currency with a rate other than 1", async () => {
    const e = await loadError("Date,USD,EUR\n2026-03-03,1.08,1.2\n");
    expect(e.message).toContain("the base currency EUR has rate 1.2, not 1");
  });

  it("a missing file is a configuration error naming it", async () => {
    await expect(ensureFxRates(store, fxSection.parse({ rates: "nope.csv" }), dir)).rejects.toThrow(/fx.rates: the rates file .*nope\.csv does not exist/);
  });
});
