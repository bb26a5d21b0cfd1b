/**
 * Issue 18 item 5, each probe's case kept: query and body parameters the route's schema refuses with a 400
 * problem+json naming the parameter and what was expected (never a 500), and the recommendation status reason bound
 * as a parameter (a NUL or a quote is stored exactly when the engine is called directly; the API refuses control
 * characters in free text with a clear 400).
 *
 * Before the fix: showback month=2026-13 → 500 (RangeError), month=9999-12 → 500 ("+010000-01 is not a date"),
 * anomalies since=2026-02-30 → 500 (the engine's date conversion), a status reason with NUL → 500 ("unterminated
 * quoted string": the reason was spliced into SQL text).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDemoAnalyses } from "../../src/demo/analyses.js";
import { runDemo } from "../../src/demo/run-demo.js";
import { getRecommendation, listRecommendations, recommendationHistory, setRecommendationStatus } from "../../src/engine/optimize/recommendation-store.js";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { buildServer, type App } from "../../src/server/app.js";

let dir: string;
let store: DuckDbStore;
let app: App;
let recId: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "costwise-params-"));
  store = await DuckDbStore.open(join(dir, "s.duckdb"));
  const summary = await runDemo(store, { seed: 42, months: 3, scale: 0.2, dataDir: join(dir, "demo"), focusSample: null });
  const { config } = await runDemoAnalyses(store, summary, { configDir: dir });
  app = await buildServer({ store, logLevel: false, webDir: join(dir, "no-web"), warm: false, workspace: { config, baseDir: dir } });
  recId = (await listRecommendations(store))[0]!.id;
}, 180_000);

afterAll(async () => {
  await app?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: "GET" | "POST" | "DELETE", url: string, body?: unknown) {
  const res = await app.inject({ method, url, ...(body !== undefined ? { payload: body as object } : {}) });
  const type = String(res.headers["content-type"] ?? "");
  return { status: res.statusCode, type, json: () => res.json() as Record<string, unknown> };
}

/** A 400 problem+json whose detail names the parameter and says what was expected. */
async function expectRefused(method: "GET" | "POST" | "DELETE", url: string, param: string, expected: RegExp, body?: unknown): Promise<void> {
  const r = await call(method, url, body);
  expect(r.status, `${method} ${url}`).toBe(400);
  expect(r.type).toMatch(/^application\/problem\+json/);
  const p = r.json();
  expect(p["code"]).toBe("BAD_REQUEST");
  expect(p["detail"]).toContain(`${param}: `);
  expect(p["detail"]).toMatch(expected);
  expect(p["detail"]).not.toMatch(/RangeError|at .*\.js|stack/);
}

describe("query parameters: 400 naming the parameter, never 500", () => {
  it("showback month=2026-13 and month=9999-12 (were 500)", async () => {
    await expectRefused("GET", "/api/v1/showback?month=2026-13", "month", /YYYY-MM \(month 01–12, year 2000–2100\)/);
    await expectRefused("GET", "/api/v1/showback?month=9999-12", "month", /year 2000–2100/);
    await expectRefused("GET", "/api/v1/showback?month=2026-00", "month", /YYYY-MM/);
    await expectRefused("GET", "/api/v1/showback?month=2026-9", "month", /YYYY-MM/);
    // a real month still answers
    const ok = await call("GET", "/api/v1/showback?month=2026-09");
    expect(ok.status).toBe(200);
    expect(ok.json()["month"]).toBe("2026-09");
  });

  it("anomalies since=2026-02-30 (was 500), month 13, and out-of-range years", async () => {
    await expectRefused("GET", "/api/v1/anomalies?since=2026-02-30", "since", /real calendar date YYYY-MM-DD/);
    await expectRefused("GET", "/api/v1/anomalies?since=2026-13-01", "since", /real calendar date/);
    await expectRefused("GET", "/api/v1/anomalies?since=9999-12-31", "since", /year 2000–2100/);
    await expectRefused("GET", "/api/v1/anomalies?limit=0", "limit", /whole number from 1 to 1000/);
    await expectRefused("GET", "/api/v1/anomalies?limit=NaN", "limit", /whole number/);
    await expectRefused("GET", "/api/v1/anomalies?limit=1.5", "limit", /whole number/);
    const ok = await call("GET", "/api/v1/anomalies?since=2024-02-29&limit=5");
    expect(ok.status).toBe(200);
  });

  it("tag coverage and KPIs: month, currency, tag key with a NUL (the key was 500), days", async () => {
    await expectRefused("GET", "/api/v1/tag-coverage?month=2026-13", "month", /YYYY-MM/);
    await expectRefused("GET", "/api/v1/tag-coverage?currency=usd%00", "currency", /ISO 4217/);
    await expectRefused("GET", "/api/v1/kpis?tagKey=a%00b", "tagKey", /without control characters/);
    await expectRefused("GET", "/api/v1/kpis?days=99999", "days", /1 to 3650/);
    await expectRefused("GET", "/api/v1/kpis/history?days=-1", "days", /1 to 3650/);
    await expectRefused("GET", "/api/v1/commitments?days=1e309", "days", /whole number/);
    await expectRefused("GET", "/api/v1/overview?currency=%27%20OR%201%3D1", "currency", /ISO 4217/);
    await expectRefused("GET", "/api/v1/forecasts?currency=EURO", "currency", /ISO 4217/);
    await expectRefused("GET", "/api/v1/recommendations?all=yes", "all", /"true" or "false"/);
  });

  it("body dates of the cost and allocation queries are real calendar dates", async () => {
    await expectRefused("POST", "/api/v1/costs/query", "start", /ISO-8601 date/, { start: "2026-02-30" });
    await expectRefused("POST", "/api/v1/costs/query", "end", /ISO-8601 date/, { end: "+010000-01-01" });
    await expectRefused("POST", "/api/v1/allocation/query", "start", /ISO-8601 date/, { start: "2026-09-01T25:00:00Z" });
    const ok = await call("POST", "/api/v1/costs/query", { start: "2026-08-01", end: "2026-09-01T00:00:00Z" });
    expect(ok.status).toBe(200);
  });

  it("snooze until Feb 30 is refused, not rolled over to March", async () => {
    await expectRefused("POST", "/api/v1/monitors/total/snooze", "until", /ISO-8601 date/, { until: "2099-02-30" });
  });

  it("a path parameter longer than the router allows is a 414 problem+json, not Fastify's own JSON", async () => {
    const r = await call("POST", `/api/v1/anomalies/${"a".repeat(5000)}/feedback`, { action: "ack" });
    expect(r.status).toBe(414);
    expect(r.type).toMatch(/^application\/problem\+json/);
    expect(r.json()["detail"]).toMatch(/path parameter is too long/);
  });
});

describe("status reason: control characters refused by the API, bound as a parameter by the engine", () => {
  it("a reason with NUL is a 400 naming reason (was 500 'unterminated quoted string'), and nothing changed", async () => {
    const before = await getRecommendation(store, String(recId));
    await expectRefused("POST", `/api/v1/recommendations/${recId}/status`, "reason", /control characters/, { status: "dismissed", reason: "no\u0000thanks" });
    await expectRefused("POST", `/api/v1/recommendations/${recId}/status`, "reason", /control characters/, { status: "dismissed", reason: "esc \u001b[31m" });
    await expectRefused("POST", "/api/v1/anomalies/0123456789abcdef/feedback", "reason", /control characters/, { action: "expected", reason: "a\u0000" });
    expect((await getRecommendation(store, String(recId))).status).toBe(before.status);
  });

  it("a reason with quotes, SQL and newlines is stored exactly through the API", async () => {
    const reason = `won't fix'); DROP TABLE recommendations; --\nsecond line\tand a tab`;
    const r = await call("POST", `/api/v1/recommendations/${recId}/status`, { status: "dismissed", reason });
    expect(r.status).toBe(200);
    expect(r.json()["statusReason"]).toBe(reason);
    expect((await getRecommendation(store, String(recId))).statusReason).toBe(reason);
    const reopened = await call("POST", `/api/v1/recommendations/${recId}/status`, { status: "open" });
    expect(reopened.status).toBe(200);
  });

  it("the engine binds the reason: a NUL is stored and read back exactly, in the row and its history", async () => {
    const reason = "a\u0000b ' \" \\ ; --";
    const rec = await setRecommendationStatus(store, String(recId), "dismissed", reason);
    expect(rec.statusReason).toBe(reason);
    const events = await recommendationHistory(store, recId);
    expect(events.at(-1)).toMatchObject({ event: "status", toStatus: "dismissed", reason });
    await setRecommendationStatus(store, String(recId), "open", undefined);
  });

  it("the engine looks up by key with a bound value, and a numeric ref too large for an id matches nothing", async () => {
    await expect(getRecommendation(store, "x' OR '1'='1")).rejects.toThrow(/no recommendation/);
    await expect(getRecommendation(store, "9".repeat(40))).rejects.toThrow(/no recommendation/);
    const key = (await getRecommendation(store, String(recId))).key;
    expect((await getRecommendation(store, key)).id).toBe(recId);
    // a recommendation id beyond INTEGER is a 400 at the API, not a conversion error
    await expectRefused("POST", `/api/v1/recommendations/${"9".repeat(40)}/status`, "id", /numeric id/, { status: "open" });
  });
});
