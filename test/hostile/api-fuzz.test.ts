/**
 * Parameter fuzzing of every route, driven by the OpenAPI document (issue 18, item 5): the server runs on a small
 * demo store with every analysis produced (allocation, anomalies, forecasts, budgets, recommendations, commitments,
 * governance findings, notifications), `/openapi.json` is fetched, and for EVERY route and EVERY parameter (path,
 * query, body field) generated invalid values are sent, plus a few valid combinations and whole-body attacks
 * (malformed JSON, wrong content type, deep nesting, huge bodies). Every answer must be < 500, and every 4xx an
 * `application/problem+json` with a detail.
 *
 * Order of operations:
 *   1. the demo store and its analyses (once);
 *   2. phase "open": no token exists, so the loopback server treats the caller as local admin and write routes are
 *      reached;
 *   3. tokens are created and a second server requires them (auth: tokens): the same cases run with an admin token,
 *      a team-bound viewer, an unscoped viewer, a wrong token, a garbage one and none, so the auth paths are fuzzed too;
 *   4. the count of routes covered is asserted equal to the routes in the document, and the count of ≥ 500 answers
 *      to be 0 (each one is printed with its request, so a failure names the case).
 *
 * Sampling, not the cartesian product: each parameter gets the probe's cases (ALWAYS_TEXT) and a sample of the other
 * bad values drawn from a seeded PRNG (FUZZ_SEED, default 18), so a run is reproducible and another seed explores
 * others; the token phase sends a third of the bad cases, each under one token drawn by the PRNG.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CostwiseConfig } from "../../src/core/config/schema.js";
import { runDemoAnalyses } from "../../src/demo/analyses.js";
import { runDemo } from "../../src/demo/run-demo.js";
import { createToken } from "../../src/engine/auth/tokens.js";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { buildServer, type App } from "../../src/server/app.js";

const SEED = Number(process.env["FUZZ_SEED"] ?? 18);

/** mulberry32: a tiny seeded PRNG, so every run sends the same cases. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ─── the bad values ────────────────────────────────────────────────────────────────────────────

/** Hostile scalar values for a URL parameter (query or path), as the text sent (encoded when sent). */
const BAD_TEXT: readonly string[] = [
  "",
  " ",
  "-1",
  "0",
  "-0",
  "1.5",
  "NaN",
  "Infinity",
  "-Infinity",
  "1e309",
  "99999999999999999999999",
  "0x10",
  "2026-13",
  "9999-12",
  "0000-00",
  "2026-00",
  "1999-12",
  "2026-02-30",
  "2026-13-01",
  "2026-00-10",
  "9999-12-31",
  "+010000-01-01",
  "2026-1-1",
  "2026-02-28T25:61:00Z",
  "true",
  "null",
  "undefined",
  "[]",
  "{}",
  "__proto__",
  "constructor",
  "ü-ñ-日本-🙂",
  "\u0000",
  "a\u0000b",
  "\u0001\u001f\u007f",
  "\r\n\t",
  "' OR 1=1 --",
  "\"; DROP TABLE cost; --",
  "'); SELECT * FROM tokens; --",
  "%",
  "%00",
  "../../etc/passwd",
  "<script>alert(1)</script>",
  "${7*7}{{7*7}}",
  "x".repeat(100_000),
  "9".repeat(5000),
];

/** Hostile JSON values for a body field: wrong types, extremes, nested structures. */
const BAD_JSON: readonly unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  -1e308,
  1e308,
  Number.MAX_SAFE_INTEGER + 2,
  {},
  [],
  [[["deep"]]],
  { $gt: "" },
  ["a", 1, null],
  Array.from({ length: 5000 }, (_, i) => `v${i}`),
  ...BAD_TEXT,
];

/** Sent for every URL parameter in every phase: the probe's own cases (issue 18, item 5). */
const ALWAYS_TEXT: readonly string[] = ["", "-1", "NaN", "2026-13", "9999-12", "2026-02-30", "\u0000", "' OR 1=1 --", "x".repeat(100_000)];
/** How many more of BAD_TEXT / BAD_JSON each parameter gets per phase, drawn by the PRNG. */
const SAMPLE_TEXT = 4;
const SAMPLE_JSON = 8;

function deepArray(n: number): string {
  return "[".repeat(n) + "]".repeat(n);
}
function deepObject(n: number): string {
  return '{"a":'.repeat(n) + "1" + "}".repeat(n);
}

/** Whole-body attacks on a route with a JSON body: [content-type, raw payload]. */
const BAD_BODIES: readonly { name: string; type: string | undefined; payload: string }[] = [
  { name: "malformed", type: "application/json", payload: "{" },
  { name: "trailing garbage", type: "application/json", payload: '{"a":1} x' },
  { name: "empty", type: "application/json", payload: "" },
  { name: "null", type: "application/json", payload: "null" },
  { name: "array", type: "application/json", payload: "[]" },
  { name: "string", type: "application/json", payload: '"x"' },
  { name: "number", type: "application/json", payload: "42" },
  { name: "NUL in JSON", type: "application/json", payload: '{"a":"\u0000"}' },
  { name: "raw NUL", type: "application/json", payload: "{\u0000}" },
  { name: "proto pollution", type: "application/json", payload: '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}' },
  { name: "deep array", type: "application/json", payload: deepArray(100_000) },
  { name: "deep object", type: "application/json", payload: deepObject(50_000) },
  { name: "too large", type: "application/json", payload: JSON.stringify({ a: "x".repeat(1_200_000) }) },
  { name: "text/plain", type: "text/plain", payload: "status=open" },
  { name: "form", type: "application/x-www-form-urlencoded", payload: "status=open&reason=x" },
  { name: "multipart", type: "multipart/form-data; boundary=x", payload: "--x\r\n\r\n--x--" },
  { name: "no content type", type: undefined, payload: '{"status":"open"}' },
  { name: "utf-16 charset", type: "application/json; charset=utf-16", payload: '{"status":"open"}' },
  { name: "bogus type", type: "application/json\u0000", payload: "{}" },
];

// ─── the OpenAPI document ──────────────────────────────────────────────────────────────────────

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  format?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}
interface Parameter {
  in: "query" | "path" | "header" | "cookie";
  name: string;
  required?: boolean;
  schema: JsonSchema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}
interface Route {
  method: string;
  path: string;
  op: Operation;
}

/** Hand-picked valid values for parameters whose schema is a pattern, by name. */
const VALID_BY_NAME: Record<string, readonly string[]> = {
  month: ["2026-09", "2026-08"],
  since: ["2026-08-01", "2026-01-01"],
  start: ["2026-08-01", "2026-07-01T00:00:00Z"],
  end: ["2026-10-01", "2026-09-15"],
  until: ["2099-01-01", "2099-06-01T08:00:00Z"],
  currency: ["USD"],
  id: ["1", "2"],
  monitor: ["total", "by-service"],
  reason: ["planned migration", "ok"],
  tagKey: ["team", "environment"],
  days: ["30", "7"],
  limit: ["10", "200"],
  // Cost Insights: repeating intervals ending the day after the last complete billing day (no end day given)
  intervals: ["R2/P30D/", "R2/P1M/", "R1/P30D/"],
  group: ["payments", "platform"],
};

/** Valid values per route and field name, where the generic ones would be refused (real ids, known dimensions). */
const VALID_BY_ROUTE: Record<string, Record<string, readonly unknown[]>> = {
  "/api/v1/costs/query": { metric: ["EffectiveCost", "BilledCost"], groupBy: ["ServiceName", "tag:team"], on: ["ServiceName"], value: ["Amazon EC2"], values: ["Amazon EC2"], by: ["EffectiveCost"] },
  "/api/v1/allocation/query": { groupBy: ["team", "service_name"], on: ["team"], value: ["payments"], values: ["payments"] },
  "/api/v1/anomalies/{id}/feedback": { id: [] }, // filled with the store's anomaly ids before the run
  "/api/v1/reviews/items": { dueDate: ["2026-12-15"], title: ["Delete idle dev volumes"], owner: ["platform"] },
  "/api/v1/reviews/items/{id}": { dueDate: ["2026-12-31"] },
  // filled from the store's own lists before the run (a demo project, business metric, product)
  "/api/v1/cost-insights/projects/{project}/daily-cost": { project: [] },
  "/api/v1/cost-insights/metrics/{metric}/daily": { metric: [] },
  "/api/v1/cost-insights/products/{product}/insights": { product: [] },
};

/**
 * Routes whose success path is expensive (POST /api/v1/reviews/{month} builds and renders a whole review: seconds
 * each under load; 20–35 s a run before this budget, ~5 s with it), by how many of their cases may reach the handler
 * per phase. Their other cases (bad values, which the schema refuses before the handler) all still run; only the
 * extra valid combinations are dropped.
 */
const EXPENSIVE: Record<string, number> = { "POST /api/v1/reviews/{month}": 1 };
/** Cases with valid parameters (they reach the handler): the valid combinations, unknown query, unexpected body. */
function reachesHandler(c: { what: string }): boolean {
  return c.what.startsWith("valid") || c.what === "unknown query" || c.what === "unexpected body";
}
/** Drops an expensive route's handler-reaching cases beyond its budget (keeps the PRNG's sequence: filters after generating). */
function budgeted<T extends { what: string; route: { method: string; path: string } }>(cases: T[]): T[] {
  const budget = EXPENSIVE[`${cases[0]?.route.method} ${cases[0]?.route.path}`];
  if (budget === undefined) return cases;
  let n = 0;
  return cases.filter((c) => !reachesHandler(c) || n++ < budget);
}
/** The route whose cases are being generated (casesFor is synchronous). */
let currentRoute = "";

/** A valid-looking value for a schema (enum member, default, bounds), used as the baseline the bad value replaces. */
function validFor(name: string, s: JsonSchema, rnd: () => number): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const special = VALID_BY_ROUTE[currentRoute]?.[name];
  if (special && special.length > 0 && (s.type === "string" || s.type === undefined)) return pick(special);
  if (s.enum && s.enum.length > 0) return pick(s.enum);
  if (s.const !== undefined) return s.const;
  if (s.anyOf?.[0]) return validFor(name, s.anyOf[0], rnd);
  if (s.oneOf?.[0]) return validFor(name, s.oneOf[0], rnd);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
  if (type === "integer" || type === "number") {
    const byName = VALID_BY_NAME[name];
    if (byName) return Number(pick(byName));
    const lo = s.minimum ?? 1;
    const hi = Math.min(s.maximum ?? 100, lo + 100);
    return Math.floor(lo + rnd() * (hi - lo));
  }
  if (type === "boolean") return rnd() < 0.5;
  if (type === "array") return s.items ? [validFor(name, s.items, rnd)] : [];
  if (type === "object") {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s.properties ?? {})) if (s.required?.includes(k) || rnd() < 0.5) o[k] = validFor(k, v, rnd);
    return o;
  }
  if (s.default !== undefined) return s.default;
  const byName = VALID_BY_NAME[name];
  if (byName) return pick(byName);
  return "x";
}

function listRoutes(doc: { paths: Record<string, Record<string, Operation>> }): Route[] {
  const out: Route[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (["get", "post", "put", "patch", "delete"].includes(method)) out.push({ method: method.toUpperCase(), path, op });
    }
  }
  return out;
}

function bodySchema(r: Route): JsonSchema | undefined {
  return r.op.requestBody?.content["application/json"]?.schema;
}

// ─── sending and judging ───────────────────────────────────────────────────────────────────────

interface Case {
  route: Route;
  what: string;
  path: Record<string, string>;
  query: [string, string][];
  body?: { type: string | undefined; payload: string };
  /** Path values sent as they are, not percent-encoded (a bad encoding, a raw slash). */
  raw?: boolean;
}

interface Outcome {
  status: number;
  type: string;
  detail: unknown;
}

const failures: string[] = [];
const covered = new Set<string>();
let sent = 0;
let over500 = 0;
const byStatus = new Map<number, number>();
const msByRoute = new Map<string, number>();
/** Statuses per route in the open phase (no tokens: every route is reachable). */
const openStatuses = new Map<string, Set<number>>();

function urlOf(c: Case): string {
  const path = c.route.path.replace(/\{(\w+)\}/g, (_, k: string) => (c.raw ? (c.path[k] ?? "x") : encodeURIComponent(c.path[k] ?? "x")));
  const qs = c.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
  return qs ? `${path}?${qs}` : path;
}

function describeCase(c: Case, token: string): string {
  const short = (s: string): string => (s.length > 120 ? `${JSON.stringify(s.slice(0, 120))}…(${s.length} chars)` : JSON.stringify(s));
  return `[${token}] ${c.route.method} ${c.route.path} ${c.what}: url=${short(urlOf(c))}${c.body ? ` body(${c.body.type ?? "no type"})=${short(c.body.payload)}` : ""}`;
}

async function send(app: App, c: Case, token: { name: string; value: string | undefined }): Promise<Outcome> {
  const headers: Record<string, string> = {};
  if (token.value !== undefined) headers["authorization"] = `Bearer ${token.value}`;
  if (c.body?.type !== undefined) headers["content-type"] = c.body.type;
  const t0 = performance.now();
  const res = await app.inject({ method: c.route.method as "GET", url: urlOf(c), headers, ...(c.body ? { payload: c.body.payload } : {}) });
  const key = `${c.route.method} ${c.route.path}`;
  msByRoute.set(key, (msByRoute.get(key) ?? 0) + performance.now() - t0);
  sent++;
  covered.add(key);
  byStatus.set(res.statusCode, (byStatus.get(res.statusCode) ?? 0) + 1);
  const type = String(res.headers["content-type"] ?? "");
  let detail: unknown;
  if (res.statusCode >= 400) {
    try {
      detail = (res.json() as { detail?: unknown }).detail;
    } catch {
      detail = undefined;
    }
  }
  const label = describeCase(c, token.name);
  if (res.statusCode >= 500) {
    over500++;
    failures.push(`${res.statusCode} ${label} → ${res.body.slice(0, 300)}`);
  } else if (res.statusCode >= 400) {
    if (!type.startsWith("application/problem+json")) failures.push(`${res.statusCode} not problem+json (${type}) ${label}`);
    else if (typeof detail !== "string" || detail.length === 0) failures.push(`${res.statusCode} problem without a detail ${label}`);
  }
  return { status: res.statusCode, type, detail };
}

/** The cases for one route: baselines, then every parameter with every bad value, then whole-body attacks. */
function casesFor(route: Route, rnd: () => number): Case[] {
  const shuffle = <T>(xs: readonly T[]): T[] => {
    const a = [...xs];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  };
  currentRoute = route.path;
  const params = (route.op.parameters ?? []).filter((p) => p.in === "query" || p.in === "path");
  const schema = bodySchema(route);
  const baseline = (): { path: Record<string, string>; query: [string, string][]; body: Record<string, unknown> | undefined } => {
    const path: Record<string, string> = {};
    const query: [string, string][] = [];
    for (const p of params) {
      if (p.in === "path") path[p.name] = String(validFor(p.name, p.schema, rnd));
      else if (p.required || rnd() < 0.5) query.push([p.name, String(validFor(p.name, p.schema, rnd))]);
    }
    const body = schema ? (validFor("body", schema, rnd) as Record<string, unknown>) : undefined;
    return { path, query, body };
  };
  const json = (b: unknown) => ({ type: "application/json", payload: JSON.stringify(b) });
  const out: Case[] = [];
  // a few valid combinations
  for (let i = 0; i < 6; i++) {
    const b = baseline();
    out.push({ route, what: `valid #${i}`, path: b.path, query: b.query, ...(b.body !== undefined ? { body: json(b.body) } : {}) });
  }
  // every URL parameter, every bad value (as the only bad thing), plus repeated (array) and bracketed forms
  for (const p of params) {
    for (const v of [...ALWAYS_TEXT, ...shuffle(BAD_TEXT.filter((x) => !ALWAYS_TEXT.includes(x))).slice(0, SAMPLE_TEXT)]) {
      const b = baseline();
      if (p.in === "path") b.path[p.name] = v;
      else b.query = [...b.query.filter(([k]) => k !== p.name), [p.name, v]];
      out.push({ route, what: `${p.in} ${p.name}`, path: b.path, query: b.query, ...(b.body !== undefined ? { body: json(b.body) } : {}) });
    }
    if (p.in === "path") {
      // not percent-encoded: a broken escape, an encoded NUL, a raw slash and dot segments
      for (const v of ["%E0%A4%A", "%", "%00", "a/b", "..", "%2e%2e%2f"]) {
        const b = baseline();
        b.path[p.name] = v;
        out.push({ route, what: `raw path ${p.name}`, path: b.path, query: b.query, raw: true, ...(b.body !== undefined ? { body: json(b.body) } : {}) });
      }
    }
    if (p.in === "query") {
      const b = baseline();
      out.push({ route, what: `query ${p.name} twice`, path: b.path, query: [...b.query.filter(([k]) => k !== p.name), [p.name, "1"], [p.name, "2"]] });
      out.push({ route, what: `query ${p.name}[]`, path: b.path, query: [...b.query, [`${p.name}[]`, "1"], [`${p.name}[0]`, "2"]] });
    }
  }
  // unknown query parameters
  out.push({ route, what: "unknown query", path: baseline().path, query: [["__proto__[x]", "1"], ["zzz", "\u0000"]] });
  // every body field (top level, and the fields of array items), every bad value
  if (schema) {
    const fields: { path: string[]; item: boolean }[] = [];
    for (const [k, v] of Object.entries(schema.properties ?? {})) {
      fields.push({ path: [k], item: false });
      if (v.items?.properties) for (const ik of Object.keys(v.items.properties)) fields.push({ path: [k, ik], item: true });
    }
    for (const f of fields) {
      for (const v of [...ALWAYS_TEXT, null, 1.5, -1, [], {}, ...shuffle(BAD_JSON).slice(0, SAMPLE_JSON)]) {
        const b = baseline();
        const body = { ...(b.body ?? {}) } as Record<string, unknown>;
        const [k, ik] = f.path as [string, string | undefined];
        if (ik === undefined) body[k] = v;
        else {
          const itemSchema = schema.properties![k]!.items!;
          const item = validFor(k, itemSchema, rnd) as Record<string, unknown>;
          item[ik] = v;
          body[k] = [item];
        }
        out.push({ route, what: `body ${f.path.join("[].")}`, path: b.path, query: b.query, body: json(body) });
      }
      // the field missing
      const b = baseline();
      const body = { ...(b.body ?? {}) } as Record<string, unknown>;
      delete body[f.path[0]!];
      out.push({ route, what: `body without ${f.path[0]}`, path: b.path, query: b.query, body: json(body) });
    }
    for (const bad of BAD_BODIES) {
      const b = baseline();
      out.push({ route, what: `body ${bad.name}`, path: b.path, query: b.query, body: { type: bad.type, payload: bad.payload } });
    }
  } else if (route.method !== "GET") {
    // a body where none is expected
    const b = baseline();
    out.push({ route, what: "unexpected body", path: b.path, query: b.query, body: { type: "application/json", payload: '{"x":[1,2,{"y":null}]}' } });
  }
  return out;
}

// ─── the suite ─────────────────────────────────────────────────────────────────────────────────

let dir: string;
let store: DuckDbStore;
let config: CostwiseConfig;
let routes: Route[] = [];

async function server(auth: "auto" | "tokens"): Promise<App> {
  return buildServer({ store, auth, logLevel: false, webDir: join(dir, "no-web"), warm: false, workspace: { config, baseDir: dir } });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "costwise-fuzz-"));
  store = await DuckDbStore.open(join(dir, "s.duckdb"));
  const summary = await runDemo(store, { seed: 42, months: 3, scale: 0.2, dataDir: join(dir, "demo"), focusSample: null });
  config = (await runDemoAnalyses(store, summary, { configDir: dir })).config;
}, 180_000);

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
  if (failures.length > 0) console.log(`api-fuzz failures (seed ${SEED}):\n${failures.slice(0, 200).join("\n")}`);
});

describe(`OpenAPI-driven parameter fuzzing (seed ${SEED})`, () => {
  it("phase open: no tokens, the loopback caller is local admin and reaches every route", async () => {
    const app = await server("auto");
    try {
      const res = await app.inject({ method: "GET", url: "/openapi.json" });
      expect(res.statusCode).toBe(200);
      routes = listRoutes(res.json());
      // the document lists the API: at least the routes this suite knows exist
      expect(routes.length).toBeGreaterThanOrEqual(20);
      expect(routes.map((r) => `${r.method} ${r.path}`)).toContain("POST /api/v1/recommendations/{id}/status");
      const anomalies = (await app.inject({ method: "GET", url: "/api/v1/anomalies?limit=20" })).json() as { items: { id: string }[] };
      VALID_BY_ROUTE["/api/v1/anomalies/{id}/feedback"]!["id"] = anomalies.items.map((a) => a.id);
      expect(anomalies.items.length).toBeGreaterThan(0);
      // Cost Insights ids the demo store has: a project of group payments, a business metric, a product
      const ci = async <T>(url: string): Promise<T> => (await app.inject({ method: "GET", url: `/api/v1/cost-insights/${url}` })).json() as T;
      const projects = (await ci<{ id: string }[]>("groups/payments/projects")).map((p) => p.id);
      const metrics = (await ci<{ kind: string }[]>("metrics")).map((m) => m.kind);
      const products = (await ci<{ kind: string }[]>("products")).map((p) => p.kind);
      expect(projects.length).toBeGreaterThan(0);
      expect(products.length).toBeGreaterThan(0);
      expect(metrics.length).toBeGreaterThan(0);
      VALID_BY_ROUTE["/api/v1/cost-insights/projects/{project}/daily-cost"]!["project"] = projects.slice(0, 3);
      VALID_BY_ROUTE["/api/v1/cost-insights/metrics/{metric}/daily"]!["metric"] = metrics.slice(0, 3);
      VALID_BY_ROUTE["/api/v1/cost-insights/products/{product}/insights"]!["product"] = products.slice(0, 3);
      const rnd = prng(SEED);
      for (const r of routes) {
        const key = `${r.method} ${r.path}`;
        openStatuses.set(key, new Set());
        for (const c of budgeted(casesFor(r, rnd))) openStatuses.get(key)!.add((await send(app, c, { name: "open", value: undefined })).status);
      }
    } finally {
      await app.close();
    }
    expect(failures.slice(0, 30)).toEqual([]);
    // every route was reached past authentication, and answered 2xx at least once (write routes included)
    const never2xx = [...openStatuses.entries()].filter(([, st]) => ![...st].some((x) => x >= 200 && x < 300)).map(([k]) => k);
    expect(never2xx).toEqual([]);
  }, 120_000);

  it("phase tokens: admin, team viewer, unscoped viewer, a wrong token and none", async () => {
    const admin = (await createToken(store, { name: "fuzz-admin", role: "admin" })).token;
    const team = (await createToken(store, { name: "fuzz-team", role: "viewer", team: "payments" })).token;
    const viewer = (await createToken(store, { name: "fuzz-viewer", role: "viewer" })).token;
    const app = await server("tokens");
    const tokens = [
      { name: "admin", value: admin },
      { name: "team", value: team },
      { name: "viewer", value: viewer },
      { name: "wrong", value: `${admin.slice(0, -4)}AAAA` },
      { name: "garbage", value: "\u0001' OR 1=1 --" },
      { name: "none", value: undefined },
    ];
    const seenAuth = new Map<string, Set<number>>();
    try {
      const rnd = prng(SEED + 1);
      for (const r of routes) {
        // each case once, under a token drawn from the PRNG (every token gets every route's valid cases)
        const cases = casesFor(r, rnd);
        for (const [i, c] of cases.entries()) {
          // a sample of the bad cases (a third), each under one token drawn by the PRNG; the valid ones in turn under
          // each token (6 valid cases: every token gets every route once)
          const valid = c.what.startsWith("valid");
          if (!valid && rnd() > 1 / 3) continue;
          const list = valid ? [tokens[i % tokens.length]!] : [tokens[Math.floor(rnd() * tokens.length)]!];
          for (const t of list) {
            const o = await send(app, { ...c, what: `${c.what} #${i}` }, t);
            if (!r.path.startsWith("/api/")) continue;
            if (!seenAuth.has(t.name)) seenAuth.set(t.name, new Set());
            seenAuth.get(t.name)!.add(o.status);
          }
        }
      }
    } finally {
      await app.close();
    }
    // the auth paths were reached: on /api/ routes a wrong token is refused (401) or the request is (a router error),
    // never answered; no token is refused; the admin gets through; a team token is refused organisation-wide routes
    expect(seenAuth.get("wrong")?.has(401)).toBe(true);
    expect([...seenAuth.get("wrong")!].filter((s) => s < 400)).toEqual([]);
    expect([...seenAuth.get("garbage")!].filter((s) => s < 400)).toEqual([]);
    expect(seenAuth.get("none")?.has(401)).toBe(true);
    expect(seenAuth.get("admin")?.has(200)).toBe(true);
    expect(seenAuth.get("team")?.has(403)).toBe(true);
    expect(failures.slice(0, 30)).toEqual([]);
  }, 120_000);

  it("covers every route in /openapi.json and got no answer ≥ 500", () => {
    const inDoc = new Set(routes.map((r) => `${r.method} ${r.path}`));
    const statuses = [...byStatus.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(" ");
    const slow = [...msByRoute.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([r, ms]) => `${r} ${Math.round(ms)} ms`).join(", ");
    console.log(`api-fuzz (seed ${SEED}): ${covered.size} of ${inDoc.size} routes covered, ${sent} requests, ${over500} responses ≥ 500 (${statuses}); slowest: ${slow}`);
    expect([...inDoc].filter((r) => !covered.has(r))).toEqual([]);
    expect(covered.size).toBe(inDoc.size);
    expect(over500).toBe(0);
    expect(failures).toEqual([]);
  });
});
