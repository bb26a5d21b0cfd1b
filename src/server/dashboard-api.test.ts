/**
 * The API behind the dashboard's commitments, governance and team overview, in-process (fastify.inject) on a
 * small demo store after the demo's analyses (allocation, forecasts and budgets, recommendations, the
 * governance scan): the numbers equal the engine's, money is decimal strings, errors are problem+json, and a
 * team-bound token sees its own team's forecast band, budget line and findings, never another team's.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CostwiseConfig } from "../core/config/schema.js";
import { optimizationDefaults } from "../core/config/sections/optimization.js";
import { addMoney } from "../core/money.js";
import { createToken } from "../engine/auth/tokens.js";
import { runDemoAnalyses } from "../demo/analyses.js";
import { governanceKpis } from "../engine/governance/kpi.js";
import { runDemo } from "../demo/run-demo.js";
import { commitmentReport } from "../engine/optimize/commitment-analysis.js";
import { DuckDbStore } from "../engine/store/duckdb/duckdb-store.js";
import { buildServer, type App } from "./app.js";

const DECIMAL = /^-?\d+(\.\d+)?$/;

let dir: string;
let store: DuckDbStore;
let app: App;
let config: CostwiseConfig;
let admin: string;
let payments: string;
let web: string;

async function get(url: string, token?: string) {
  const res = await app.inject({ method: "GET", url, headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.statusCode, type: String(res.headers["content-type"] ?? ""), json: () => res.json() };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "costwise-dash-api-"));
  store = await DuckDbStore.open(join(dir, "s.duckdb"));
  const summary = await runDemo(store, { seed: 42, months: 3, scale: 0.2, dataDir: join(dir, "demo"), focusSample: null });
  config = (await runDemoAnalyses(store, summary, { configDir: dir })).config;
  admin = (await createToken(store, { name: "ops", role: "admin" })).token;
  payments = (await createToken(store, { name: "payments-dash", role: "viewer", team: "payments" })).token;
  web = (await createToken(store, { name: "web-dash", role: "viewer", team: "web" })).token;
  app = await buildServer({ store, logLevel: false, webDir: join(dir, "no-web"), warm: false, workspace: { config, baseDir: dir } });
}, 180_000);

afterAll(async () => {
  await app?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("GET /api/v1/commitments", () => {
  it("reports the bill's commitments over the window, as the engine computes them, money as decimal strings", async () => {
    const r = await get("/api/v1/commitments?days=30", admin);
    expect(r.status).toBe(200);
    const c = r.json();
    expect(c.availability.available).toBe(true);
    expect(c.window.days).toBe(30);
    const direct = await commitmentReport(store, optimizationDefaults(), { start: new Date(`${c.window.start}T00:00:00Z`), end: new Date(`${c.window.end}T00:00:00Z`) });
    expect(c.overall).toEqual(direct.overall);
    expect(c.commitments.map((x: { commitmentId: string }) => x.commitmentId)).toEqual(direct.commitments.map((x) => x.commitmentId));
    expect(c.commitments.length).toBeGreaterThan(0);
    for (const x of c.commitments) {
      expect(x.used).toMatch(DECIMAL);
      expect(x.unused).toMatch(DECIMAL);
    }
    // the overall used commitment is the commitments' used, to the digit
    expect(addMoney("0", ...c.commitments.map((x: { used: string }) => x.used))).toBe(addMoney("0", c.overall.used));
    expect(Number(c.overall.coverage)).toBeGreaterThan(0);
  });

  it("lists the recommended Savings Plan purchase the recommend run saved, with its simulation", async () => {
    const c = (await get("/api/v1/commitments", admin)).json();
    const saved = await store.all(`SELECT id, monthly_saving::VARCHAR AS ms, resource_id FROM recommendations WHERE type = 'savings-plan'`);
    expect(saved.length).toBe(1);
    expect(c.purchases).toHaveLength(1);
    const p = c.purchases[0];
    expect(p).toMatchObject({ id: Number(saved[0]!["id"]), plan: saved[0]!["resource_id"], monthlySaving: saved[0]!["ms"], status: "open" });
    expect(p.hourlyCommitment).toMatch(DECIMAL);
    expect(p.alternatives.length).toBeGreaterThan(1);
    expect(Number(p.expectedUtilization)).toBeGreaterThan(0);
  });

  it("refuses bad input and team-bound tokens with problem+json", async () => {
    const bad = await get("/api/v1/commitments?days=0", admin);
    expect(bad.status).toBe(400);
    expect(bad.type).toContain("application/problem+json");
    expect(bad.json()).toMatchObject({ code: "BAD_REQUEST", status: 400 });
    const team = await get("/api/v1/commitments", payments);
    expect(team.status).toBe(403);
    expect(team.type).toContain("application/problem+json");
    expect(team.json().code).toBe("TEAM_SCOPE");
  });

  it("is in the OpenAPI document", async () => {
    const doc = (await get("/openapi.json")).json();
    expect(doc.paths["/api/v1/commitments"].get.responses["200"]).toBeDefined();
    expect(doc.paths["/api/v1/commitments"].get.parameters.some((p: { name: string }) => p.name === "days")).toBe(true);
  });
});

describe("GET /api/v1/governance/findings on the demo scan", () => {
  it("shows the demo scan's findings with their whole-scan summary", async () => {
    const r = (await get("/api/v1/governance/findings", admin)).json();
    expect(r.availability.available).toBe(true);
    expect(r.scan.origin).toBe("demo-inventory");
    const n = await store.all({ sql: `SELECT count(*)::INTEGER AS n FROM governance_findings WHERE scan_id = ?`, params: [String(r.scan.scan_id)] });
    expect(r.summary.findings).toBe(Number(n[0]!["n"]));
    expect(r.summary.findings).toBeGreaterThan(0);
    expect(r.items.length).toBe(Math.min(2000, r.summary.findings));
    expect(r.summary.byRule.map((x: { ruleId: string }) => x.ruleId)).toContain("required-team");
    expect(r.summary.byTeam.reduce((a: number, x: { findings: number }) => a + x.findings, 0)).toBe(r.summary.findings);
    // per team: the same findings, resources and monthly cost (each resource once) as `costwise report governance`
    const kpis = await governanceKpis(store);
    for (const t of kpis.openByTeam) {
      const mine = r.summary.byTeam.filter((x: { team: string | null }) => (x.team ?? "(unowned)") === t.team);
      expect(mine.reduce((a: number, x: { findings: number }) => a + x.findings, 0), t.team).toBe(t.openFindings);
      expect(mine.reduce((a: number, x: { resources: number }) => a + x.resources, 0), t.team).toBe(t.resources);
      expect(addMoney("0", ...mine.map((x: { monthlyCost: string }) => x.monthlyCost)), t.team).toBe(addMoney("0", t.monthlyCost));
    }
  });

  it("a team-bound token sees its team's findings only, whatever the query string says", async () => {
    const all = (await get("/api/v1/governance/findings", admin)).json();
    const mine = (await get("/api/v1/governance/findings?team=web&scan_id=x", payments)).json();
    expect(mine.items.length).toBeGreaterThan(0);
    expect(new Set(mine.items.map((f: { team: string }) => f.team))).toEqual(new Set(["payments"]));
    expect(mine.scan).toBeNull();
    const expected = all.summary.byTeam.filter((t: { team: string }) => t.team === "payments").reduce((a: number, t: { findings: number }) => a + t.findings, 0);
    expect(mine.summary.findings).toBe(expected);
    expect(mine.summary.byTeam.every((t: { team: string }) => t.team === "payments")).toBe(true);
  });
});

describe("overview forecast band and budget line", () => {
  const budgetOf = (name: string) => config.detection!.budgets.find((b) => b.name === name)!;

  it("an unscoped caller sees the organisation's forecast and budget", async () => {
    const o = (await get("/api/v1/overview", admin)).json();
    expect(o.forecast.available).toBe(true);
    expect(o.budget).toEqual({ available: true, monthlyAmount: budgetOf("organisation").amount });
    const snap = await store.all(`SELECT strftime(period_start, '%Y-%m-%d') AS p, point::VARCHAR AS e FROM detect_forecast_snapshots WHERE scope = 'total' AND period_kind = 'day' AND made_on = (SELECT max(made_on) FROM detect_forecast_snapshots) ORDER BY period_start`);
    expect(o.forecast.points.map((p: { period: string; expected: string }) => [p.period, p.expected])).toEqual(snap.map((r) => [r["p"], r["e"]]));
    expect(o.forecast.points[0].period > o.lastDay).toBe(true);
  });

  it("the forecast variance KPI measures the last closed month against the forecast made before it", async () => {
    const k = (await get("/api/v1/kpis", admin)).json();
    const v = k.kpis.find((x: { id: string }) => x.id === "forecast-variance");
    expect(v.available).toBe(true);
    expect(v.detail).toMatch(/made \d{4}-\d{2}-\d{2}/);
    expect(Number(v.value)).toBeGreaterThan(0);
  });

  it("a team-bound token sees its own team's forecast band and budget line, never another team's", async () => {
    const mine = (await get("/api/v1/overview", payments)).json();
    const theirs = (await get("/api/v1/overview", web)).json();
    expect(mine.scope.team).toBe("payments");
    expect(mine.budget).toEqual({ available: true, monthlyAmount: budgetOf("team-payments").amount });
    expect(theirs.budget).toEqual({ available: true, monthlyAmount: budgetOf("team-web").amount });
    expect(budgetOf("team-payments").amount).not.toBe(budgetOf("team-web").amount);
    const snap = async (scope: string) =>
      (await store.all({ sql: `SELECT strftime(period_start, '%Y-%m-%d') AS p, point::VARCHAR AS e, lower80::VARCHAR AS l, upper80::VARCHAR AS u FROM detect_forecast_snapshots WHERE scope = ? AND period_kind = 'day' AND made_on = (SELECT max(made_on) FROM detect_forecast_snapshots) ORDER BY period_start`, params: [scope] })).map((r) => ({ period: r["p"], expected: r["e"], lower: r["l"], upper: r["u"] }));
    expect(mine.forecast.available).toBe(true);
    expect(mine.forecast.points).toEqual(await snap("budget:team-payments"));
    expect(theirs.forecast.points).toEqual(await snap("budget:team-web"));
    expect(mine.forecast.points).not.toEqual(theirs.forecast.points);
    // the organisation's forecast is never a team's
    expect(mine.forecast.points).not.toEqual(await snap("total"));
  });

  it("a team without a budget of its own gets no band and no line (not the organisation's)", async () => {
    const lonely = (await createToken(store, { name: "nobody", role: "viewer", team: "nobody" })).token;
    await store.run({
      sql: `INSERT INTO cost_allocation (charge_date, currency, team, owners, rule_id, shared_pool, provider, sub_account_id, service_name, region_id, resource_id, billed_cost, effective_cost, line_items)
            SELECT charge_date, currency, 'nobody', owners, rule_id, shared_pool, provider, sub_account_id, service_name, region_id, resource_id, billed_cost, effective_cost, line_items
            FROM cost_allocation WHERE team = 'platform'`,
      params: [],
    });
    try {
      const o = (await get("/api/v1/overview", lonely)).json();
      expect(o.available).toBe(true);
      expect(o.forecast.available).toBe(false);
      expect(o.forecast.points).toEqual([]);
      expect(o.forecast.reason).toContain("team nobody");
      expect(o.budget.available).toBe(false);
      expect(o.budget.monthlyAmount).toBeNull();
    } finally {
      await store.run(`DELETE FROM cost_allocation WHERE team = 'nobody'`);
    }
  });
});

describe("on an empty store", () => {
  it("commitments and governance say they have no data and which command produces it", async () => {
    const empty = await DuckDbStore.open(join(dir, "empty.duckdb"));
    const a = await buildServer({ store: empty, logLevel: false, webDir: join(dir, "no-web"), warm: false, rollup: false });
    try {
      const c = (await a.inject({ method: "GET", url: "/api/v1/commitments" })).json();
      expect(c).toMatchObject({ availability: { available: false, feature: "commitments" }, window: null, overall: null, commitments: [], purchases: [] });
      expect(c.availability.produceWith).toContain("costwise ingest");
      const g = (await a.inject({ method: "GET", url: "/api/v1/governance/findings" })).json();
      expect(g).toMatchObject({ availability: { available: false, produceWith: "costwise policy scan" }, items: [], summary: { findings: 0 } });
      const o = (await a.inject({ method: "GET", url: "/api/v1/overview" })).json();
      expect(o.forecast.available).toBe(false);
      expect(o.budget.available).toBe(false);
    } finally {
      await a.close();
      await empty.close();
    }
  });
});
