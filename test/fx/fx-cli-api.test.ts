/**
 * The reporting currency through the real command line (`costwise --json query --currency …`) and the HTTP API
 * (`POST /api/v1/costs/query` with `currency`): the same totals as the hand computation in fx-convert.test.ts,
 * and the API's answer equal to the CLI's.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema } from "../../src/core/config/schema.js";
import { buildServer, type App } from "../../src/server/app.js";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/store.js";
import { MIXED_ROWS, RATES_CSV } from "./fixture.js";

// 100 + 50 × 1.0800 + 50 × 1.0900 + 10 / 0.8370 × 1.0820, per line to 10 decimals (fx-convert.test.ts)
const USD_TOTAL = "221.4271206691";
// 100 / 1.0800 + 50 + 50 + 10 / 0.8370
const EUR_TOTAL = "204.5400238949";

let dir: string;
let cleanup: () => void;
let storePath: string;
let configPath: string;

function writeConfig(extra = ""): void {
  writeFileSync(configPath, `fx:\n  rates: rates.csv\n  base: EUR\n${extra}`);
}

beforeAll(async () => {
  ({ dir, cleanup } = tempDir("costwise-fx-cli-"));
  storePath = join(dir, "costs.duckdb");
  configPath = join(dir, "costwise.yaml");
  writeFileSync(join(dir, "rates.csv"), RATES_CSV);
  writeConfig();
  const s = await DuckDbStore.open(storePath);
  await s.run(MIXED_ROWS);
  await s.close();
});
afterAll(() => cleanup());

async function cliJson(...args: string[]): Promise<{ code: number; json: Record<string, any>; err: string }> {
  const r = await runCli("--config", configPath, "--store", storePath, "--json", "query", ...args);
  return { code: r.code, json: r.out.trim() ? JSON.parse(r.out) : {}, err: r.err };
}

describe("costwise query --currency", () => {
  it("USD: one total equal to the hand computation, saying which rates", async () => {
    const r = await cliJson("--currency", "USD");
    expect(r.code).toBe(0);
    expect(r.json.totals.total).toBe(USD_TOTAL);
    expect(r.json.totals.byUnit).toEqual([{ unit: "USD", total: USD_TOTAL, groups: 1, lineItems: 4 }]);
    expect(r.json.query.currency).toBe("USD");
    expect(r.json.fx).toMatchObject({ currency: "USD", base: "EUR", from: "2026-02-27", to: "2026-03-06", rates: 16, source: join(dir, "rates.csv") });
  });

  it("EUR likewise; lower case is accepted", async () => {
    const r = await cliJson("--currency", "eur");
    expect(r.json.totals.total).toBe(EUR_TOTAL);
  });

  it("the table rounds in the target's minor unit and names the rates", async () => {
    const r = await runCli("--config", configPath, "--store", storePath, "query", "--currency", "JPY", "-g", "BillingCurrency");
    expect(r.code).toBe(0);
    // 100 USD on 03-02 → 100 / 1.0800 × 159.90 = 14805.5555555556 → ¥14,806 (JPY has no minor unit)
    expect(r.out).toMatch(/USD\s+JPY\s+14,806\n/);
    expect(r.out).toContain("(converted to JPY with 16 rates from");
  });

  it("a missing rate: exit 1, the currency and the day, no stack", async () => {
    // JPY is N/A on 03-06, so 03-06 and Saturday 03-07 take 03-05's 161.20: converting works; CHF is not in the file
    const r = await runCli("--config", configPath, "--store", storePath, "query", "--currency", "CHF");
    expect(r.code).toBe(1);
    expect(r.err).toContain("no exchange rate for CHF on 2026-03-02");
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it("fx.reportingCurrency is the default", async () => {
    writeConfig("  reportingCurrency: EUR\n");
    try {
      const r = await cliJson();
      expect(r.json.totals.total).toBe(EUR_TOTAL);
      expect(r.json.query.currency).toBe("EUR");
    } finally {
      writeConfig();
    }
  });

  it("a bad currency code is a usage error naming --currency", async () => {
    const r = await runCli("--config", configPath, "--store", storePath, "query", "--currency", "US");
    expect(r.code).toBe(2);
    expect(r.err).toContain("--currency");
  });
});

describe("costwise budget status in the reporting currency", () => {
  it("reports the converted spend the query reports over the same days", async () => {
    writeConfig("  reportingCurrency: USD\ndetection:\n  budgets:\n    - name: all\n      amount: \"150\"\n      currency: USD\n      thresholds: [{ actual: 100 }]\n");
    try {
      const b = await runCli("--config", configPath, "--store", storePath, "--json", "budget", "status");
      expect(b.code, b.err).toBe(0);
      const [status] = JSON.parse(b.out) as { actual: string; asOf: string; crossed: string[]; fx: { currency: string } }[];
      // no load bookkeeping: the last complete day is the day before the last charge day (03-06), so 03-07 is out:
      // 100 + 50 × 1.0800 + 10 / 0.8370 × 1.0820
      expect(status!.asOf).toBe("2026-03-06");
      expect(status!.actual).toBe("166.9271206691");
      expect(status!.crossed).toEqual(["actual:100"]);
      expect(status!.fx.currency).toBe("USD");
      const q = await cliJson("--metric", "EffectiveCost", "--start", "2026-03-01", "--end", "2026-03-07");
      expect(q.json.totals.total).toBe(status!.actual);
    } finally {
      writeConfig();
    }
  });
});

describe("POST /api/v1/costs/query with currency", () => {
  const cases = [
    { currency: "USD", args: [] as string[], body: {}, total: USD_TOTAL },
    { currency: "EUR", args: ["-g", "ProviderName", "--granularity", "day"], body: { groupBy: ["ProviderName"], granularity: "day" }, total: EUR_TOTAL },
  ];
  const fromCli: Record<string, any>[] = [];
  let app: App;
  let store: DuckDbStore;
  beforeAll(async () => {
    // the CLI's answers first, while no server holds the store file
    for (const c of cases) fromCli.push((await cliJson("--currency", c.currency, ...c.args)).json);
    store = await DuckDbStore.open(storePath);
    app = await buildServer({ store, logLevel: false, warm: false, webDir: "/nonexistent", workspace: { config: configSchema.parse({ fx: { rates: "rates.csv" } }), baseDir: dir } });
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  it("answers what the CLI prints", async () => {
    for (const [i, c] of cases.entries()) {
      const res = await app.inject({ method: "POST", url: "/api/v1/costs/query", payload: { currency: c.currency, ...c.body } });
      expect(res.statusCode, res.body).toBe(200);
      const api = res.json();
      const cli = fromCli[i]!;
      expect(api.totals.total).toBe(c.total);
      expect(api.query.currency).toBe(c.currency);
      expect({ rows: api.rows, totals: api.totals, columns: api.columns, fx: api.fx }).toEqual({ rows: cli.rows, totals: cli.totals, columns: cli.columns, fx: cli.fx });
    }
  });

  it("a bad currency is a 400 naming the field", async () => {
    const res = await app.inject({ method: "POST", url: "/api/v1/costs/query", payload: { currency: "usd1" } });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain("currency");
  });
});
