/**
 * One definition per number (issue 17): on a demo store, the tagged spend % for `team` in a billing month is the
 * same number from `costwise kpi --json`, `costwise report coverage --json`, `/api/v1/kpis`,
 * `/api/v1/tag-coverage` (in-process) and a hand-written SQL check of the definition (docs/kpis.md): allocable
 * EffectiveCost (not Tax / Credit / Adjustment, not a correction, not negative) whose `team` tag — any key
 * spelling once trimmed and lower-cased (the demo config has no alias or default for team) — has a value, over
 * all allocable EffectiveCost of that month and currency.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/engine/config/load-config.js";
import { runDemoAnalyses } from "../../src/demo/analyses.js";
import { runDemo } from "../../src/demo/run-demo.js";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { buildServer } from "../../src/server/app.js";
import { DEMO_CONFIG_FILE } from "../../src/demo/analyses.js";
import { readFileSync } from "node:fs";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/store.js";

let work: { dir: string; cleanup: () => void };
let storePath: string;
let configPath: string;
let month: string;

beforeAll(async () => {
  work = tempDir("costwise-kpi-readers-");
  storePath = join(work.dir, "s.duckdb");
  const store = await DuckDbStore.open(storePath);
  try {
    const summary = await runDemo(store, { seed: 42, months: 3, scale: 0.2, dataDir: join(work.dir, "demo"), focusSample: null });
    await runDemoAnalyses(store, summary, { configDir: work.dir });
    const months = await store.all(`SELECT DISTINCT strftime("BillingPeriodStart", '%Y-%m') AS m FROM focus_costs ORDER BY m`);
    // a closed month, not the latest: every reader must honour the month asked for
    month = String(months[months.length - 2]!["m"]);
  } finally {
    await store.close();
  }
  configPath = join(work.dir, DEMO_CONFIG_FILE);
}, 240_000);

afterAll(() => work?.cleanup());

describe("tagged spend % for team", () => {
  it("is the same number in costwise kpi, costwise report coverage, /api/v1/kpis, /api/v1/tag-coverage and SQL", async () => {
    // the CLI
    const kpi = await runCli("--config", configPath, "--store", storePath, "--json", "kpi", "--month", month);
    expect(kpi.code, kpi.err).toBe(0);
    const card = JSON.parse(kpi.out) as { month: string; currency: string; kpis: { id: string; value: string | null; target: { value: number } | null }[] };
    const fromKpi = card.kpis.find((k) => k.id === "tagged-spend")!;
    expect(card.month).toBe(month);
    expect(fromKpi.target?.value).toBe(85);
    const rep = await runCli("--config", configPath, "--store", storePath, "--json", "report", "coverage", "--month", month);
    expect(rep.code, rep.err).toBe(0);
    const rows = (JSON.parse(rep.out) as { rows: { period: string; currency: string; tag: string; spend: string; tagged: string; percent: string | null }[] }).rows;
    const fromReport = rows.find((r) => r.period === month && r.currency === card.currency && r.tag === "team")!;

    // the API, in process, on the same store and workspace
    const store = await DuckDbStore.open(storePath);
    const config = parseConfig(readFileSync(configPath, "utf8"), configPath);
    const app = await buildServer({ store, logLevel: false, webDir: join(work.dir, "no-web"), warm: false, workspace: { config, baseDir: work.dir } });
    try {
      const apiKpis = (await app.inject({ method: "GET", url: `/api/v1/kpis?month=${month}` })).json() as typeof card;
      const fromApiKpi = apiKpis.kpis.find((k) => k.id === "tagged-spend")!;
      const cov = (await app.inject({ method: "GET", url: `/api/v1/tag-coverage?month=${month}` })).json() as { month: string; currency: string; total: string; keys: { key: string; tagged: string; percent: string | null }[] };
      const fromCoverage = cov.keys.find((k) => k.key === "team")!;
      const raw = (await app.inject({ method: "GET", url: `/api/v1/tag-coverage?month=${month}&keys=raw` })).json() as { keyMode: string };
      expect(raw.keyMode).toBe("raw");

      // the definition, by hand
      const sql = await store.all(`
        WITH lines AS (
          SELECT "EffectiveCost" AS cost,
                 coalesce("ChargeCategory" IN ('Tax', 'Credit', 'Adjustment') OR "ChargeClass" = 'Correction' OR "EffectiveCost" < 0, false) AS apart,
                 coalesce(len(list_filter(map_entries("Tags"), lambda e: lower(trim(e.key)) = 'team' AND trim(coalesce(e.value, '')) <> '')) > 0, false) AS has_team
          FROM focus_costs WHERE strftime("BillingPeriodStart", '%Y-%m') = '${month}' AND "BillingCurrency" = '${card.currency}')
        SELECT CAST(sum(cost) FILTER (WHERE NOT apart) AS VARCHAR) AS spend,
               CAST(sum(cost) FILTER (WHERE NOT apart AND has_team) AS VARCHAR) AS tagged,
               CAST(round(100 * sum(cost) FILTER (WHERE NOT apart AND has_team) / sum(cost) FILTER (WHERE NOT apart), 2) AS DECIMAL(9, 2))::VARCHAR AS pct
        FROM lines`);
      const hand = sql[0]!;

      expect(fromKpi.value).toMatch(/^\d{1,3}\.\d{2}$/);
      expect(Number(fromKpi.value)).toBeGreaterThan(0);
      expect(Number(fromKpi.value)).toBeLessThanOrEqual(100);
      const values = {
        "costwise kpi": fromKpi.value,
        "costwise report coverage": fromReport.percent,
        "/api/v1/kpis": fromApiKpi.value,
        "/api/v1/tag-coverage": fromCoverage.percent,
        sql: String(hand["pct"]),
      };
      expect(values).toEqual(Object.fromEntries(Object.keys(values).map((k) => [k, fromKpi.value])));
      // and the money behind it, to the digit
      expect([fromReport.spend, fromReport.tagged]).toEqual([cov.total, fromCoverage.tagged]);
      expect([fromReport.spend, fromReport.tagged]).toEqual([String(hand["spend"]), String(hand["tagged"])]);
    } finally {
      await app.close();
      await store.close();
    }
  });
});
