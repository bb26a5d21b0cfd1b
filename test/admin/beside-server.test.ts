/**
 * The CLI beside a running server, with real processes: `costwise serve` holds a store (DuckDB's file lock keeps
 * every other process out), and `costwise --store <same> ...` goes through the server's local admin endpoint
 * instead of failing; what it does shows in the API at once. Needs the build (`npx tsc -p tsconfig.build.json`).
 *
 *   serve ─ publishes <store>.serve.json (0600)          CLI ─ ingest, token create/list/revoke, run detect,
 *         └ /api/v1/admin/local/... (credential, loopback)     sources, query, allocate: same output as alone
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { loadBill } from "../helpers/bill.js";
import { builtCli, type BuiltRun } from "../helpers/built-cli.js";
import { FIXTURES, LOCAL_FIXTURES, tempDir } from "../helpers/store.js";

const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/costwise.js");
/** Each CLI run is a process that loads the whole program: seconds each on a busy machine. */
const SLOW = 240_000;
const built = existsSync(join(ROOT, "dist/src/cli/remote.js"));
// npm test builds before it tests; under CI a missing build is a failure, never a skip
if (!built && process.env["CI"] === "true") throw new Error("dist/ is missing: run npm run build (npm test does) before these tests");

type Run = BuiltRun;
/** Runs the built CLI as its own process. */
const costwise = builtCli;

/** Starts `costwise serve --port 0` on `store`; resolves with its URL once it listens and its endpoint file exists. */
async function serve(cwd: string, env: NodeJS.ProcessEnv, store: string): Promise<{ child: ChildProcess; url: string; log: () => string }> {
  const child = spawn(process.execPath, [BIN, "--store", store, "--json", "serve", "--port", "0", "--log-level", "warn"], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const m = /"url":\s*"([^"]+)"/.exec(out);
    if (m && existsSync(`${store}.serve.json`)) return { child, url: m[1]!, log: () => err };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`costwise serve did not start:\n${out}\n${err}`);
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  child.kill("SIGTERM");
  return exited;
}

describe.skipIf(!built)("the CLI beside a running server (real processes)", () => {
  const work = tempDir("costwise-beside-");
  const store = join(work.dir, "org.duckdb");
  const configDir = join(work.dir, "cfg");
  const config = join(configDir, "costwise.yaml");
  const slack: string[] = [];
  let http: Server;
  let env: NodeJS.ProcessEnv;
  let server: { child: ChildProcess; url: string; log: () => string };
  let adminToken = "";
  /** What the forwarded commands printed, to compare with the same commands run alone after the server stops. */
  const forwarded: Record<string, string> = {};

  const cli = (...args: string[]) => costwise(work.dir, env, "--store", store, ...args);
  const api = async (path: string, token = adminToken): Promise<{ status: number; body: unknown }> => {
    const r = await fetch(new URL(path, server.url), token ? { headers: { authorization: `Bearer ${token}` } } : {});
    return { status: r.status, body: await r.json() };
  };

  beforeAll(async () => {
    http = createServer((req, res) => {
      let b = "";
      req.on("data", (d: Buffer) => (b += d.toString()));
      req.on("end", () => {
        slack.push(b);
        res.end("ok");
      });
    });
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    // no COSTWISE_* from the test's own environment: the store and config are the ones named here
    env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("COSTWISE_")));
    env["COSTWISE_TEST_SLACK"] = `http://127.0.0.1:${(http.address() as AddressInfo).port}/slack`;
    // the CLI's config (the server starts without one: no schedules run beside the test)
    mkdirSync(configDir);
    writeFileSync(
      config,
      `detection:\n  monitors:\n    - name: teams\n      dimension: "tag:team"\n  alert: { minImpact: "10", minImpactPercent: 10 }\nnotify:\n  channels:\n    pay: { type: slack, webhookUrlEnv: COSTWISE_TEST_SLACK }\n  routes:\n    - { team: payments, channels: [pay] }\n`,
    );
    const s = await DuckDbStore.open(store);
    // 60 days for two teams ending yesterday, with a spike on payments the day before
    await loadBill(s, 60, true, new Date(Date.now() - 60 * 86_400_000).toISOString().slice(0, 10));
    await s.close();
    server = await serve(work.dir, env, store);
  }, 90_000);

  afterAll(async () => {
    if (server) await stop(server.child);
    await new Promise<void>((r) => http.close(() => r()));
    work.cleanup();
  }, SLOW);

  it("serve publishes its endpoint next to the store, readable by the owner only", async () => {
    const file = `${store}.serve.json`;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const ep = JSON.parse(readFileSync(file, "utf8")) as { url: string; pid: number; store: string; credential: string };
    expect(ep).toMatchObject({ url: server.url, pid: server.child.pid, store });
    expect(ep.credential).toMatch(/^cwadmin_[0-9a-f]{64}$/);
    // the endpoint answers the credential only, and is not part of the public API document
    expect((await api("/api/v1/admin/local/ping", "")).status).toBe(401);
    expect((await api("/api/v1/admin/local/ping", `cwadmin_${"0".repeat(64)}`)).status).toBe(401);
    expect((await api("/api/v1/admin/local/ping", ep.credential)).status).toBe(200);
    const openapi = (await api("/openapi.json", "")).body as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths).filter((p) => p.includes("/admin/local"))).toEqual([]);
  }, SLOW);

  it("run detect runs in the server: the alert is sent and the anomaly is in the API at once", async () => {
    // first: the detector stops at the last complete day over every source, and the CUR fixture ingested next ends in 2024
    const r = await cli("--config", config, "run", "detect");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^detect: ok/m);
    const anomalies = ((await api("/api/v1/anomalies")).body as { items: unknown[] }).items;
    expect(anomalies.length).toBeGreaterThan(0);
    expect(JSON.stringify(anomalies)).toContain("payments");
    expect(slack.length).toBeGreaterThan(0);
  }, SLOW);

  it("ingest goes through the server: the same lines as alone, and the API shows the rows at once", async () => {
    const r = await cli("ingest", join(LOCAL_FIXTURES, "cur-line-item-types.csv"));
    expect(r.err).not.toMatch(/lock|cwadmin_/i);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^loaded \S*cur-line-item-types\.csv as aws-cur: 12 rows, BilledCost /m);
    expect(r.out).toMatch(/ingest ing_\S+: 12 rows from 1 file\(s\), 585\.1910614728 USD; 0 rows replaced/);
    const sources = (await api("/api/v1/sources")).body as { source: string; rows: number }[];
    expect(sources.map((s) => s.source)).toContain("aws-cur");
    // a mistake is reported as alone: problem words, usage exit code, no secret
    const bad = await cli("ingest", "--format", "nope", join(FIXTURES, "focus/focus_sample.csv"));
    expect(bad.code).toBe(2);
    const missing = await cli("ingest", "no-such-bill.csv");
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^error: .*no-such-bill\.csv: no such file or folder/m);
    expect(missing.err).not.toContain("cwadmin_");
    // a command that does not go through the server says who holds the store
    const held = await cli("forecast");
    expect(held.code).toBe(1);
    expect(held.err).toMatch(/^error: the store \S+org\.duckdb is held by a running costwise serve \(pid \d+\)/m);
  }, SLOW);

  it("token create and revoke go through the server: the new token works at once, and is refused at once once revoked", async () => {
    const admin = await cli("--json", "token", "create", "--name", "ops", "--role", "admin");
    expect(admin.code).toBe(0);
    adminToken = (JSON.parse(admin.out) as { token: string }).token;
    // tokens are required from the first one on, at once
    expect((await api("/api/v1/sources", "")).status).toBe(401);
    expect((await api("/api/v1/me")).status).toBe(200);

    const viewer = await cli("--json", "token", "create", "--name", "leaked", "--role", "viewer");
    const { token, id } = JSON.parse(viewer.out) as { token: string; id: string };
    expect((await api("/api/v1/me", token)).status).toBe(200);
    const list = await cli("token", "list");
    expect(list.out).toMatch(new RegExp(`^${id}\\s+leaked\\s+viewer`, "m"));
    expect(list.out).not.toContain(token);

    const revoked = await cli("token", "revoke", id);
    expect(revoked.code).toBe(0);
    expect(revoked.out).toMatch(new RegExp(`^token ${id} \\(leaked\\) revoked at \\d{4}-\\d{2}-\\d{2}T`));
    expect((await api("/api/v1/me", token)).status).toBe(401);
    const unknown = await cli("token", "revoke", "000000000000");
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/^error: no token with id "000000000000"/m);
    forwarded["tokens"] = (await cli("--json", "token", "list", "--all")).out;
  }, SLOW);

  it("an ingest with a config loaded chains allocate → detect → budgets → deliver", async () => {
    const r = await cli("--config", config, "--json", "ingest", join(LOCAL_FIXTURES, "cur-line-item-types.csv"));
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { rowsLoaded: number; chained: { job: string; status: string }[] };
    expect(out.rowsLoaded).toBe(12);
    expect(out.chained.map((j) => j.job)).toEqual(["allocate", "detect", "budgets", "deliver"]);
    expect(out.chained.every((j) => j.status === "ok")).toBe(true);
  }, SLOW);

  it("sources --json and query --json are the server's answers, the same as the API's", async () => {
    const s = await cli("--json", "sources");
    expect(s.code).toBe(0);
    const listed = JSON.parse(s.out) as { source: string; rows: number }[];
    const viaApi = (await api("/api/v1/sources")).body as { source: string; rows: number }[];
    expect(listed.map((x) => [x.source, x.rows])).toEqual(viaApi.map((x) => [x.source, x.rows]));
    forwarded["sources"] = s.out;

    const q = await cli("--json", "query", "-g", "x_Source");
    expect(q.code).toBe(0);
    const result = JSON.parse(q.out) as { rows: Record<string, string>[]; totals: { lineItems: number } };
    expect(result.rows.map((r) => r["x_Source"]).sort()).toEqual(["aws-cur", "test"]);
    forwarded["query"] = q.out;
    // a bad query is still a usage error with its code
    const bad = await cli("--json", "query", "-g", "NoSuchColumn");
    expect(bad.code).toBe(2);
    expect((JSON.parse(bad.out) as { error: { code: string } }).error.code).toBe("BAD_QUERY");
  }, SLOW);

  it("after a clean stop the endpoint file is gone, and the same commands alone print the same", async () => {
    expect(await stop(server.child)).toBe(0);
    expect(existsSync(`${store}.serve.json`)).toBe(false);
    expect((await cli("--json", "sources")).out).toBe(forwarded["sources"]);
    expect((await cli("--json", "query", "-g", "x_Source")).out).toBe(forwarded["query"]);
    expect((await cli("--json", "token", "list", "--all")).out).toBe(forwarded["tokens"]);
  });
});

describe.skipIf(!built)("a stale endpoint file", () => {
  it("is ignored when its server is gone: the CLI opens the store itself", async () => {
    const work = tempDir("costwise-stale-");
    try {
      const store = join(work.dir, "s.duckdb");
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("COSTWISE_")));
      // a process that has exited: its pid is not running
      const dead = spawn(process.execPath, ["-e", ""]);
      const pid = dead.pid!;
      await new Promise((r) => dead.once("exit", r));
      writeFileSync(
        `${store}.serve.json`,
        JSON.stringify({ store, url: "http://127.0.0.1:9/", credential: `cwadmin_${"a".repeat(64)}`, pid, host: (await import("node:os")).hostname(), startedAt: "2026-01-01T00:00:00Z" }),
        { mode: 0o600 },
      );
      const r = await costwise(work.dir, env, "--store", store, "ingest", join(LOCAL_FIXTURES, "cur-line-item-types.csv"));
      expect(r.err).not.toMatch(/error|cwadmin_/);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/ingest ing_\S+: 12 rows from 1 file\(s\)/);
      const s = await costwise(work.dir, env, "--store", store, "--json", "sources");
      expect((JSON.parse(s.out) as { source: string }[]).map((x) => x.source)).toEqual(["aws-cur"]);
    } finally {
      work.cleanup();
    }
  }, SLOW);
});
