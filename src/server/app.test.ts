/**
 * The HTTP API in-process (fastify.inject, no ports) on a small demo store: typed cost queries (rollup
 * and cost table agree to the digit), problem+json errors, OpenAPI, metrics, tokens and team scoping.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCostQuery } from "../core/query/cost-query.js";
import { addMoney } from "../core/money.js";
import { createToken, revokeToken } from "../engine/auth/tokens.js";
import { runDemo } from "../demo/run-demo.js";
import { queryOrThrow, runCostQuery } from "../engine/query/run-query.js";
import { DuckDbStore } from "../engine/store/duckdb/duckdb-store.js";
import { buildServer, type App } from "./app.js";
import { checkBind } from "./serve.js";

let dir: string;
let store: DuckDbStore;
let app: App;

// hand-made allocation rows (the contract table cost_allocation): payments 10.5 + 2.25 shared, search 7, unallocated 1.125
const ALLOC_ROWS = [
  ["2026-09-03", "USD", "payments", "{'team': 'payments', 'environment': 'prod'}", "r1", null, "AWS", "111", "Amazon EC2", "us-east-1", "i-1", "10.5"],
  ["2026-09-04", "USD", "payments", "{'team': 'payments'}", "shared", "platform", "AWS", "111", "Amazon S3", "us-east-1", null, "2.25"],
  ["2026-09-03", "USD", "search", "{'team': 'search', 'environment': 'prod'}", "r2", null, "AWS", "222", "Amazon EC2", "eu-west-1", "i-2", "7"],
  ["2026-09-05", "USD", "__unallocated__", "NULL", "__unallocated__", null, "AWS", "333", "AWS Lambda", "us-east-1", null, "1.125"],
] as const;

async function inject(method: "GET" | "POST", url: string, opts: { token?: string; body?: unknown } = {}) {
  const res = await app.inject({
    method,
    url,
    headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
    ...(opts.body !== undefined ? { payload: opts.body as object } : {}),
  });
  return { status: res.statusCode, type: String(res.headers["content-type"] ?? ""), json: () => res.json(), headers: res.headers, text: res.body };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "costwise-api-"));
  store = await DuckDbStore.open(join(dir, "s.duckdb"));
  await runDemo(store, { seed: 42, months: 3, scale: 0.2, dataDir: join(dir, "demo"), focusSample: null });
  for (const r of ALLOC_ROWS) {
    await store.run({
      sql: `INSERT INTO cost_allocation (charge_date, currency, team, owners, rule_id, shared_pool, provider, sub_account_id, service_name, region_id, resource_id, billed_cost, effective_cost, line_items)
            VALUES (CAST(? AS DATE), ?, ?, ${r[3]}, ?, ?, ?, ?, ?, ?, ?, CAST(? AS DECIMAL(38,10)), CAST(? AS DECIMAL(38,10)), 1)`,
      params: [r[0], r[1], r[2], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[11]],
    });
  }
  app = await buildServer({ store, logLevel: false, webDir: join(dir, "no-web") });
}, 120_000);

afterAll(async () => {
  await app?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("open local API (no tokens yet)", () => {
  it("answers /healthz with a request id and the rollup state", async () => {
    const r = await inject("GET", "/healthz");
    expect(r.status).toBe(200);
    expect(r.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.json()).toMatchObject({ status: "ok", rollup: { ready: true } });
  });

  it("runs a cost query from the rollup with the same rows and totals as the cost table, to the digit", async () => {
    const body = { metric: "EffectiveCost", groupBy: ["ServiceName", "tag:team"], granularity: "month", filters: [{ on: "ProviderName", op: "eq", value: "AWS" }] };
    const r = await inject("POST", "/api/v1/costs/query", { body });
    expect(r.status).toBe(200);
    const got = r.json();
    expect(got.servedFrom).toBe("rollup");
    const direct = await runCostQuery(store, queryOrThrow(parseCostQuery(body)));
    expect(got.rows).toEqual(direct.rows);
    expect(got.totals).toEqual(direct.totals);
    expect(got.rows.length).toBeGreaterThan(10);
    expect(typeof got.rows[0].EffectiveCost).toBe("string");
  });

  it("answers daily queries from the daily rollup with the same rows as the cost table", async () => {
    const body = { metric: "BilledCost", groupBy: ["tag:team", "RegionId"], granularity: "day", start: "2026-09-10", end: "2026-10-03", filters: [{ on: "tag:env", op: "not_in", values: ["dev"] }] };
    const got = (await inject("POST", "/api/v1/costs/query", { body })).json();
    expect(got.servedFrom).toBe("rollup");
    const direct = await runCostQuery(store, queryOrThrow(parseCostQuery(body)));
    expect(got.rows).toEqual(direct.rows);
    expect(got.totals).toEqual(direct.totals);
  });

  it("answers from the cost table when the rollup lacks a dimension (ResourceId), with the same totals", async () => {
    const body = { groupBy: ["ResourceId"], limit: 5 };
    const r = await inject("POST", "/api/v1/costs/query", { body });
    expect(r.json().servedFrom).toBe("store");
    const all = await inject("POST", "/api/v1/costs/query", { body: {} });
    expect(r.json().totals.total).toBe(all.json().totals.total);
  });

  it("gives problem+json naming each problem for a bad query", async () => {
    const r = await inject("POST", "/api/v1/costs/query", { body: { groupBy: ["Servicename"], metric: "Costs" } });
    expect(r.status).toBe(400);
    expect(r.type).toContain("application/problem+json");
    const p = r.json();
    expect(p).toMatchObject({ status: 400, code: "BAD_QUERY", title: "Bad Request" });
    expect(p.detail).toContain("ServiceName");
    expect(p.problems.map((x: { code: string }) => x.code).sort()).toEqual(["BAD_METRIC", "UNKNOWN_DIMENSION"]);
    expect(p.requestId).toBe(r.headers["x-request-id"]);
  });

  it("gives problem+json for schema violations and unknown routes", async () => {
    const bad = await inject("POST", "/api/v1/costs/query", { body: { limit: "ten" } });
    expect(bad.status).toBe(400);
    expect(bad.type).toContain("application/problem+json");
    expect(bad.json().code).toBe("BAD_REQUEST");
    const missing = await inject("GET", "/api/v1/nope");
    expect(missing.status).toBe(404);
    expect(missing.type).toContain("application/problem+json");
  });

  it("serves OpenAPI 3.1 built from the route schemas", async () => {
    const r = await inject("GET", "/openapi.json");
    const doc = r.json();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/api/v1/costs/query", "/api/v1/overview", "/api/v1/showback", "/api/v1/allocation/query", "/api/v1/sources", "/healthz"]));
    expect(doc.paths["/api/v1/costs/query"].post.requestBody.content["application/json"].schema.properties.groupBy.type).toBe("array");
  });

  it("overview's month-over-month equals the cost query's monthly totals", async () => {
    const o = (await inject("GET", "/api/v1/overview")).json();
    expect(o.available).toBe(true);
    const q = (await inject("POST", "/api/v1/costs/query", { body: { metric: "EffectiveCost", granularity: "month", filters: [{ on: "BillingCurrency", op: "eq", value: o.currency }] } })).json();
    const byMonth = new Map(q.rows.map((r: Record<string, string>) => [r["period"]!.slice(0, 7), r["EffectiveCost"]]));
    expect(o.monthOverMonth.amount).toBe(byMonth.get(o.monthOverMonth.month));
    expect(o.monthOverMonth.previousAmount).toBe(byMonth.get(o.monthOverMonth.previousMonth));
    expect(o.forecast.available).toBe(false);
    expect(o.freshness.length).toBeGreaterThan(0);
  });

  it("counts requests in Prometheus text format", async () => {
    const r = await inject("GET", "/metrics");
    expect(r.text).toMatch(/costwise_http_requests_total\{method="POST",route="\/api\/v1\/costs\/query",status="200"\} \d+/);
    expect(r.text).toContain('costwise_http_request_duration_seconds_bucket{method="GET",route="/healthz",le="0.15"}');
  });

  it("refuses to bind a non-loopback address while no token exists", async () => {
    await expect(checkBind(store, "0.0.0.0")).rejects.toThrow(/refusing to listen on 0\.0\.0\.0 without authentication/);
    await expect(checkBind(store, "127.0.0.1")).resolves.toBeUndefined();
  });
});

describe("tokens and team scoping", () => {
  let admin: string;
  let viewer: string;
  let payments: string;
  let revoked: string;

  beforeAll(async () => {
    admin = (await createToken(store, { name: "ops", role: "admin" })).token;
    viewer = (await createToken(store, { name: "grafana", role: "viewer" })).token;
    payments = (await createToken(store, { name: "pay", role: "viewer", team: "payments" })).token;
    const r = await createToken(store, { name: "old", role: "admin" });
    await revokeToken(store, r.record.id);
    revoked = r.token;
    await new Promise((res) => setTimeout(res, 1100)); // the server re-reads whether tokens exist once a second
  });

  it("stores only a salted hash, never the token", async () => {
    const rows = await store.all("SELECT * FROM api_tokens");
    const dump = JSON.stringify(rows);
    for (const t of [admin, viewer, payments]) expect(dump).not.toContain(t.slice("cw_123456789abc_".length));
  });

  it("needs a valid, unrevoked token once tokens exist", async () => {
    expect((await inject("GET", "/api/v1/sources")).status).toBe(401);
    expect((await inject("GET", "/api/v1/sources", { token: revoked })).status).toBe(401);
    expect((await inject("GET", "/api/v1/sources", { token: `${admin.slice(0, -2)}xx` })).status).toBe(401);
    const r = await inject("GET", "/api/v1/sources", { token: viewer });
    expect(r.status).toBe(200);
    expect(r.json()[0].billedCost).toMatch(/^\d+\.\d+$/);
    expect((await inject("GET", "/healthz")).status).toBe(200);
  });

  it("does not let outside requests pose as the server's warm-up", async () => {
    const r = await app.inject({ method: "GET", url: "/api/v1/sources", headers: { authorization: "Bearer x", "x-costwise-warmup": "1" } });
    expect(r.statusCode).toBe(401);
    expect((await inject("GET", "/healthz")).json().warm).toBe(true);
  });

  it("keeps admin actions for admins", async () => {
    const v = await inject("POST", "/api/v1/admin/rollup", { token: viewer });
    expect(v.status).toBe(403);
    expect(v.type).toContain("application/problem+json");
    expect((await inject("POST", "/api/v1/admin/rollup", { token: admin })).status).toBe(200);
  });

  it("refuses team tokens on every organisation-wide endpoint", async () => {
    for (const [m, url] of [
      ["POST", "/api/v1/costs/query"],
      ["GET", "/api/v1/costs/dimensions"],
      ["GET", "/api/v1/tag-coverage"],
      ["GET", "/api/v1/kpis"],
      ["GET", "/api/v1/anomalies"],
      ["GET", "/api/v1/forecasts"],
      ["GET", "/api/v1/budgets"],
      ["GET", "/api/v1/unit-costs"],
      ["POST", "/api/v1/recommendations/1/status"],
      ["POST", "/api/v1/admin/rollup"],
    ] as const) {
      const r = await inject(m, url, { token: payments, body: m === "POST" ? { groupBy: ["tag:team"], filters: [{ on: "tag:team", op: "eq", value: "payments" }] } : undefined });
      expect(r.status, url).toBe(403);
    }
  });

  it("shows a team token only its team's allocated costs, whatever the filters or group-by", async () => {
    const q = (body: unknown) => inject("POST", "/api/v1/allocation/query", { token: payments, body });
    const sum = (rows: { amount: string }[]) => addMoney("0", ...rows.map((r) => r.amount));
    const tricks: unknown[] = [
      {},
      { groupBy: ["team"] },
      { groupBy: ["team", "owner:team"] },
      { filters: [{ on: "team", op: "in", values: ["payments", "search", "__unallocated__"] }] },
      { filters: [{ on: "team", op: "neq", value: "payments" }] },
      { filters: [{ on: "team", op: "not_in", values: ["payments"] }] },
      { filters: [{ on: "team", op: "is_null" }] },
      { filters: [{ on: "owner:team", op: "eq", value: "search" }] },
      { filters: [{ on: "owner:environment", op: "is_not_null" }], groupBy: ["owner:team"] },
      { filters: [{ on: "owner:no_such_dimension", op: "is_null" }] },
      { groupBy: ["sub_account_id", "resource_id"] },
    ];
    for (const body of tricks) {
      const r = await q(body);
      expect(r.status, JSON.stringify(body)).toBe(200);
      const rows = r.json().rows as Record<string, string>[];
      for (const row of rows) if ("team" in row) expect(row["team"]).toBe("payments");
      expect(["12.7500000000", "0", "10.5000000000", "0.0000000000"]).toContain(rows.length ? sum(rows as unknown as { amount: string }[]) : "0");
    }
    const all = (await q({ groupBy: ["team"] })).json().rows;
    expect(all).toEqual([{ team: "payments", currency: "USD", amount: "12.7500000000", lineItems: "2" }]);
    // an unscoped token sees every team, and allocated + unallocated add up
    const org = (await inject("POST", "/api/v1/allocation/query", { token: viewer, body: { groupBy: ["team"] } })).json().rows as { amount: string }[];
    expect(org).toHaveLength(3);
    expect(sum(org)).toBe("20.8750000000");
  });

  it("narrows showback and the overview to the team", async () => {
    const s = (await inject("GET", "/api/v1/showback", { token: payments })).json();
    expect(s.currencies).toHaveLength(1);
    expect(s.currencies[0].teams.map((t: { team: string }) => t.team)).toEqual(["payments"]);
    expect(s.currencies[0]).toMatchObject({ total: "12.7500000000", shared: "2.2500000000", unallocated: "0.0000000000" });
    const org = (await inject("GET", "/api/v1/showback", { token: viewer })).json();
    expect(org.currencies[0]).toMatchObject({ total: "20.8750000000", unallocated: "1.1250000000" });
    const o = (await inject("GET", "/api/v1/overview", { token: payments })).json();
    expect(o.scope).toEqual({ team: "payments", basis: "allocation" });
    expect(o.total).toBe("12.7500000000");
    // the team's rows are in 2026-09 (incomplete month): they show in the daily trend, August has none
    expect(addMoney("0", ...o.daily.map((p: { amount: string }) => p.amount))).toBe("12.7500000000");
    expect(o.monthOverMonth).toMatchObject({ month: "2026-08", amount: "0.0000000000" });
  });

  it("gives team tokens freshness but no money or accounts from /sources", async () => {
    const r = (await inject("GET", "/api/v1/sources", { token: payments })).json();
    expect(r.length).toBeGreaterThan(0);
    for (const s of r) expect(s).toMatchObject({ billedCost: null, billingAccountId: null, rows: null });
  });

  it("never logs or echoes the token", async () => {
    const r = await inject("GET", "/api/v1/costs/dimensions", { token: payments });
    expect(r.text).not.toContain(payments);
  });
});
