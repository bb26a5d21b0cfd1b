/**
 * Prometheus cost metrics on /metrics (server.metrics.cost) on the demo store: the series stay under the documented
 * bound (maxCostSeries), each value equals the API route that serves the same number, the answer is cached per data
 * version (a change behind the server's back is not seen until the server is told the data changed), and nothing
 * is rendered when the option is off.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CostwiseConfig } from "../../src/core/config/schema.js";
import { serverSection } from "../../src/core/config/sections/server.js";
import { addDays } from "../../src/core/detect/series.js";
import { addMoney, formatMoney, parseMoney, trimMoney } from "../../src/core/money.js";
import { runDemoAnalyses } from "../../src/demo/analyses.js";
import { runDemo } from "../../src/demo/run-demo.js";
import { ALLOCATION_TABLE } from "../../src/engine/allocation/tables.js";
import { createToken } from "../../src/engine/auth/tokens.js";
import { lastCompleteDayFromStore } from "../../src/engine/detect/load-series.js";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { buildServer, notifyDataChanged, type App } from "../../src/server/app.js";
import { COST_METRICS_TOKEN_NOTE, maxCostSeries, OTHER } from "../../src/server/cost-metrics.js";
import { tempDir } from "../helpers/store.js";

const TOP = 3;

let work: { dir: string; cleanup: () => void };
let store: DuckDbStore;
let app: App;
let config: CostwiseConfig;
let lastDay: string;

beforeAll(async () => {
  work = tempDir("costwise-prom-cost-");
  store = await DuckDbStore.open(join(work.dir, "s.duckdb"));
  const summary = await runDemo(store, { seed: 7, months: 3, scale: 0.2, dataDir: join(work.dir, "demo"), focusSample: null });
  config = (await runDemoAnalyses(store, summary, { configDir: work.dir })).config;
  config = { ...config, server: serverSection.parse({ metrics: { cost: true, top: TOP } }) };
  app = await buildServer({ store, logLevel: false, webDir: join(work.dir, "no-web"), warm: false, workspace: { config, baseDir: work.dir } });
  lastDay = (await lastCompleteDayFromStore(store))!;
}, 240_000);

afterAll(async () => {
  await app?.close();
  await store?.close();
  rmSync(work.dir, { recursive: true, force: true });
});

interface Series {
  name: string;
  labels: Record<string, string>;
  value: string;
}

function parseExposition(text: string): Series[] {
  const out: Series[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("costwise_") || line.startsWith("#")) continue;
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: m[3]! });
  }
  return out;
}

const COST_FAMILIES = /^costwise_(cost_day|daily_cost|service_daily|account_daily|owner_daily|budget_|tag_coverage|recommendations_|anomalies_)/;

async function scrape(): Promise<Series[]> {
  const r = await app.inject({ method: "GET", url: "/metrics" });
  expect(r.statusCode).toBe(200);
  expect(r.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(r.body).filter((s) => COST_FAMILIES.test(s.name));
}

const api = async <T>(method: "GET" | "POST", url: string, payload?: unknown): Promise<T> => {
  const r = await app.inject({ method, url, ...(payload !== undefined ? { payload: payload as object } : {}) });
  expect(r.statusCode, r.body).toBe(200);
  return r.json() as T;
};
const exact = (v: string): string => trimMoney(v, 0);

/** Top N per currency from API rows, the rest as `other` (what the metrics promise). */
function expectTop(series: Series[], label: string, rows: { key: string; currency: string; amount: string }[]): void {
  for (const cur of new Set(rows.map((r) => r.currency))) {
    const mine = rows.filter((r) => r.currency === cur).sort((a, b) => Number(parseMoney(b.amount) - parseMoney(a.amount)) || a.key.localeCompare(b.key));
    const got = series.filter((s) => s.labels["currency"] === cur);
    expect(got.length).toBe(mine.length <= TOP ? mine.length : TOP + 1);
    for (const r of mine.slice(0, TOP)) expect(got.find((s) => s.labels[label] === r.key)?.value, `${label}=${r.key} ${cur}`).toBe(exact(r.amount));
    if (mine.length > TOP) expect(got.find((s) => s.labels[label] === OTHER)?.value).toBe(exact(addMoney(formatMoney(0n), ...mine.slice(TOP).map((r) => r.amount))));
  }
}

describe("cost metrics on /metrics", () => {
  it("stays under the documented series bound, with top N + other per currency", async () => {
    const series = await scrape();
    expect(series.length).toBeGreaterThan(10);
    expect(series.length).toBeLessThanOrEqual(maxCostSeries(TOP));
    expect(maxCostSeries(20)).toBe(559);
    for (const name of ["costwise_owner_daily_cost", "costwise_service_daily_cost", "costwise_account_daily_cost"]) {
      const fam = series.filter((s) => s.name === name);
      expect(fam.length, name).toBeGreaterThan(0);
      for (const cur of new Set(fam.map((s) => s.labels["currency"]))) expect(fam.filter((s) => s.labels["currency"] === cur).length).toBeLessThanOrEqual(TOP + 1);
    }
    // the demo has more services and teams than TOP: the rest is summed as "other"
    expect(series.some((s) => s.name === "costwise_service_daily_cost" && s.labels["service"] === OTHER)).toBe(true);
    expect(series.some((s) => s.name === "costwise_owner_daily_cost" && s.labels["owner"] === OTHER)).toBe(true);
    expect(series.find((s) => s.name === "costwise_cost_day_timestamp_seconds")?.value).toBe(String(Date.parse(`${lastDay}T00:00:00Z`) / 1000));
  });

  it("daily cost by currency, service, account and owner equals the cost query and allocation APIs", async () => {
    const series = await scrape();
    const window = { start: lastDay, end: addDays(lastDay, 1) };
    type Q = { rows: Record<string, string | null>[] };
    const byCur = await api<Q>("POST", "/api/v1/costs/query", { metric: "EffectiveCost", groupBy: ["BillingCurrency"], ...window });
    for (const r of byCur.rows) expect(series.find((s) => s.name === "costwise_daily_cost" && s.labels["currency"] === r["BillingCurrency"])?.value).toBe(exact(r["EffectiveCost"]!));
    const rowsOf = (q: Q, col: string) => q.rows.map((r) => ({ key: r[col] || "(none)", currency: r["BillingCurrency"]!, amount: r["EffectiveCost"]! }));
    const svc = await api<Q>("POST", "/api/v1/costs/query", { metric: "EffectiveCost", groupBy: ["ServiceName", "BillingCurrency"], ...window });
    expectTop(series.filter((s) => s.name === "costwise_service_daily_cost"), "service", rowsOf(svc, "ServiceName"));
    const acc = await api<Q>("POST", "/api/v1/costs/query", { metric: "EffectiveCost", groupBy: ["SubAccountId", "BillingCurrency"], ...window });
    expectTop(series.filter((s) => s.name === "costwise_account_daily_cost"), "account", rowsOf(acc, "SubAccountId"));
    const own = await api<{ rows: Record<string, string | null>[] }>("POST", "/api/v1/allocation/query", { groupBy: ["team"], ...window });
    expectTop(
      series.filter((s) => s.name === "costwise_owner_daily_cost"),
      "owner",
      own.rows.map((r) => ({ key: r["team"]!, currency: r["currency"]!, amount: r["amount"]! })),
    );
  });

  it("budgets, tag coverage, recommendations and anomalies equal their API routes", async () => {
    const series = await scrape();
    const budgets = (await api<{ items: { budget: string; currency: string; burn: number | null; forecastBurn: number | null; actual: string }[] }>("GET", "/api/v1/budgets")).items;
    expect(budgets.length).toBeGreaterThan(0);
    for (const b of budgets) {
      const s = (n: string) => series.find((x) => x.name === n && x.labels["budget"] === b.budget)?.value;
      expect(s("costwise_budget_actual_cost")).toBe(exact(b.actual));
      if (b.burn !== null) expect(Number(s("costwise_budget_burn_ratio"))).toBe(b.burn);
      if (b.forecastBurn !== null) expect(Number(s("costwise_budget_forecast_ratio"))).toBe(b.forecastBurn);
    }
    const cov = await api<{ currency: string; requiredTags: string[]; keys: { key: string; percent: string | null }[] }>("GET", "/api/v1/tag-coverage");
    const required = cov.keys.filter((k) => cov.requiredTags.includes(k.key) && k.percent !== null);
    expect(required.length).toBeGreaterThan(0);
    for (const k of required) {
      const v = series.find((s) => s.name === "costwise_tag_coverage_ratio" && s.labels["tag"] === k.key)!;
      expect(v.labels["currency"]).toBe(cov.currency);
      expect(exact(formatMoney(parseMoney(v.value) * 100n))).toBe(exact(k.percent!));
    }
    const recs = (await api<{ items: { status: string; currency: string; monthlySaving: string }[] }>("GET", "/api/v1/recommendations")).items.filter((r) => r.status === "open");
    expect(recs.length).toBeGreaterThan(0);
    for (const cur of new Set(recs.map((r) => r.currency))) {
      const mine = recs.filter((r) => r.currency === cur);
      expect(series.find((s) => s.name === "costwise_recommendations_open" && s.labels["currency"] === cur)?.value).toBe(String(mine.length));
      expect(series.find((s) => s.name === "costwise_recommendations_open_monthly_savings" && s.labels["currency"] === cur)?.value).toBe(exact(addMoney(formatMoney(0n), ...mine.map((r) => r.monthlySaving))));
    }
    const anomalies = (await api<{ items: { is_open: boolean; severity: string; direction: string }[] }>("GET", "/api/v1/anomalies?limit=1000")).items.filter((a) => a.is_open);
    const counted = series.filter((s) => s.name === "costwise_anomalies_open");
    expect(counted).toHaveLength(8);
    expect(counted.reduce((n, s) => n + Number(s.value), 0)).toBe(anomalies.length);
    for (const s of counted) expect(Number(s.value)).toBe(anomalies.filter((a) => a.severity === s.labels["severity"] && a.direction === s.labels["direction"]).length);
  });

  it("is computed once per data version: a change is seen only once the server is told the data changed", async () => {
    const before = (await scrape()).find((s) => s.name === "costwise_owner_daily_cost" && s.labels["owner"] === OTHER)!;
    await store.run({
      sql: `INSERT INTO ${ALLOCATION_TABLE} (charge_date, currency, team, owners, rule_id, shared_pool, provider, sub_account_id, service_name, region_id, resource_id, billed_cost, effective_cost, line_items)
            SELECT charge_date, currency, 'zz-late-team', owners, rule_id, shared_pool, provider, sub_account_id, service_name, region_id, resource_id, 0, 1.25, 1
            FROM ${ALLOCATION_TABLE} WHERE charge_date = CAST(? AS DATE) AND currency = ? LIMIT 1`,
      params: [lastDay, before.labels["currency"]!],
    });
    const cached = (await scrape()).find((s) => s.name === "costwise_owner_daily_cost" && s.labels["owner"] === OTHER)!;
    expect(cached.value).toBe(before.value);
    await notifyDataChanged(app);
    const after = (await scrape()).find((s) => s.name === "costwise_owner_daily_cost" && s.labels["owner"] === OTHER)!;
    expect(after.value).toBe(exact(addMoney(before.value, "1.25")));
  });

  it("renders no cost family when server.metrics.cost is off", async () => {
    const off = await buildServer({ store, logLevel: false, webDir: join(work.dir, "no-web"), warm: false, rollup: false, workspace: { config: { ...config, server: serverSection.parse({}) }, baseDir: work.dir } });
    try {
      const r = await off.inject({ method: "GET", url: "/metrics" });
      expect(r.body).toContain("costwise_http_requests_total");
      expect(parseExposition(r.body).filter((s) => COST_FAMILIES.test(s.name))).toEqual([]);
    } finally {
      await off.close();
    }
  });

  it("once the server has tokens, the cost families need an unscoped token (a team token is refused)", async () => {
    const viewer = (await createToken(store, { name: "prometheus", role: "viewer" })).token;
    const team = (await createToken(store, { name: "payments-graf", role: "viewer", team: "payments" })).token;
    const secured = await buildServer({ store, logLevel: false, webDir: join(work.dir, "no-web"), warm: false, rollup: false, auth: "tokens", workspace: { config, baseDir: work.dir } });
    try {
      const as = async (token?: string) => (await secured.inject({ method: "GET", url: "/metrics", headers: token ? { authorization: `Bearer ${token}` } : {} })).body;
      for (const body of [await as(), await as(team), await as("cw_000000000000_" + "x".repeat(43))]) {
        expect(body).toContain("costwise_http_requests_total");
        expect(body).toContain(COST_METRICS_TOKEN_NOTE.trim());
        expect(parseExposition(body).filter((s) => COST_FAMILIES.test(s.name))).toEqual([]);
      }
      const ok = parseExposition(await as(viewer)).filter((s) => COST_FAMILIES.test(s.name));
      expect(ok.some((s) => s.name === "costwise_daily_cost")).toBe(true);
    } finally {
      await secured.close();
    }
  });
});
