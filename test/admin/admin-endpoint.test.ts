/**
 * The local admin endpoint in process: the endpoint file (0600, live / stale, removed only by its own server) and
 * who the admin routes answer (the credential, from this machine, not through a proxy; a wrong caller learns
 * nothing). The real-process path is beside-server.test.ts.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminEndpointFile, findAdminEndpoint, newAdminCredential, publishAdminEndpoint } from "../../src/engine/auth/admin-endpoint.js";
import { defaultConfig } from "../../src/core/config/schema.js";
import { listTokens } from "../../src/engine/auth/tokens.js";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { buildServer, type App } from "../../src/server/app.js";
import { tempDir } from "../helpers/store.js";

async function deadPid(): Promise<number> {
  const p = spawn(process.execPath, ["-e", ""]);
  await new Promise((r) => p.once("exit", r));
  return p.pid!;
}

describe("the endpoint file", () => {
  const t = tempDir("costwise-endpoint-");
  afterAll(() => t.cleanup());

  it("is published next to the store, mode 0600, found live, and removed by its own server only", () => {
    const store = join(t.dir, "a.duckdb");
    const credential = newAdminCredential();
    expect(findAdminEndpoint(store)).toEqual({ kind: "none" });
    const remove = publishAdminEndpoint({ store, url: "http://127.0.0.1:1234/", credential });
    const file = adminEndpointFile(store)!;
    expect(file).toBe(`${store}.serve.json`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const found = findAdminEndpoint(store);
    expect(found).toMatchObject({ kind: "live", endpoint: { store, url: "http://127.0.0.1:1234/", credential, pid: process.pid, host: hostname() } });
    // another server took the store over since: its file stays
    const other = { ...JSON.parse(readFileSync(file, "utf8")), credential: newAdminCredential() };
    writeFileSync(file, JSON.stringify(other), { mode: 0o600 });
    remove();
    expect(existsSync(file)).toBe(true);
    // published again and removed: gone
    publishAdminEndpoint({ store, url: "http://127.0.0.1:1234/", credential })();
    expect(existsSync(file)).toBe(false);
    expect(adminEndpointFile(":memory:")).toBeUndefined();
  });

  it("is stale when its pid is gone, it was written on another host, it names another store, or it is unreadable", async () => {
    const store = join(t.dir, "b.duckdb");
    const file = `${store}.serve.json`;
    const base = { store, url: "http://127.0.0.1:9/", credential: newAdminCredential(), pid: process.pid, host: hostname(), startedAt: "" };
    const cases: [string, unknown, string | undefined][] = [
      // what the file says                                        the lookup
      ["dead pid", { ...base, pid: await deadPid() }, "is not running"],
      ["other host", { ...base, host: `${hostname()}-elsewhere` }, "another host"],
      ["other store", { ...base, store: join(t.dir, "c.duckdb") }, "another store"],
      ["not JSON", "{", "unreadable"],
      ["bad credential", { ...base, credential: "cw_token" }, "unreadable"],
      ["live", base, undefined],
    ];
    for (const [name, content, reason] of cases) {
      writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content), { mode: 0o600 });
      const found = findAdminEndpoint(store);
      if (reason === undefined) expect(found.kind, name).toBe("live");
      else {
        expect(found.kind, name).toBe("stale");
        expect(found.kind === "stale" ? found.reason : "", name).toContain(reason);
      }
    }
  });
});

describe("the admin routes", () => {
  const t = tempDir("costwise-admin-routes-");
  const credential = newAdminCredential();
  let store: DuckDbStore;
  let app: App;
  let bare: App;

  beforeAll(async () => {
    store = await DuckDbStore.open(join(t.dir, "s.duckdb"));
    const workspace = { config: defaultConfig(), file: undefined, baseDir: t.dir };
    app = await buildServer({ store, logLevel: false, rollup: false, warm: false, admin: { credential, storeFile: join(t.dir, "s.duckdb"), workspace } });
    bare = await buildServer({ store, logLevel: false, rollup: false, warm: false });
  });
  afterAll(async () => {
    await app.close();
    await bare.close();
    await store.close();
    t.cleanup();
  });

  const call = (a: App, headers: Record<string, string>, remoteAddress = "127.0.0.1") =>
    a.inject({ method: "POST", url: "/api/v1/admin/local/tokens/create", headers, payload: { name: "ci", role: "viewer", team: null }, remoteAddress });

  it("answer the credential from this machine only; a refused caller learns nothing and nothing is written", async () => {
    const good = { authorization: `Bearer ${credential}` };
    const refused: [string, Awaited<ReturnType<typeof call>>, number][] = [
      // caller                                                           status
      ["no credential", await call(app, {}), 401],
      ["another credential", await call(app, { authorization: `Bearer ${newAdminCredential()}` }), 401],
      ["an API token's shape", await call(app, { authorization: "Bearer cw_0123456789ab_" + "a".repeat(43) }), 401],
      ["another machine", await call(app, good, "10.1.2.3"), 403],
      ["through a proxy", await call(app, { ...good, "x-forwarded-for": "203.0.113.9" }), 403],
      ["a server without the endpoint", await call(bare, good), 404],
    ];
    for (const [who, res, status] of refused) {
      expect(res.statusCode, who).toBe(status);
      expect(String(res.headers["content-type"]), who).toContain("application/problem+json");
      expect(res.body, who).not.toContain(credential);
    }
    expect(await listTokens(store)).toEqual([]);

    const ok = await call(app, good);
    expect(ok.statusCode).toBe(200);
    const answer = ok.json() as { value: { token: string; record: { name: string } }; log: string[] };
    expect(answer.value.record.name).toBe("ci");
    expect((await listTokens(store)).map((x) => x.name)).toEqual(["ci"]);
    // from now on the API needs a token, at once (no cached "open" answer)
    expect((await app.inject({ method: "GET", url: "/api/v1/sources" })).statusCode).toBe(401);
  });

  it("report a CostwiseError with its code and words (the CLI prints it as it would have)", async () => {
    const res = await app.inject({ method: "POST", url: "/api/v1/admin/local/tokens/revoke", headers: { authorization: `Bearer ${credential}` }, payload: { id: "nope" } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: "NOT_FOUND", error: { code: "NOT_FOUND", message: 'no token with id "nope"; see `costwise token list`' } });
  });
});
