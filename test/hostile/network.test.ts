/**
 * A hostile network against a real `costwise serve` (startServer on 127.0.0.1, port 0; requests over real sockets
 * so the Host header is exactly what a browser or an attacker sends):
 *   - DNS rebinding: with no tokens (the caller is the local admin) only localhost / 127.0.0.1 / [::1] / the bind
 *     address on the server's own port, or a name in server.allowedHosts, is answered;
 *   - cross-site writes: a POST/DELETE whose Origin is not the server's own is refused, with or without tokens;
 *   - the request log never holds a token (query string or Authorization header);
 *   - security headers on API, static, problem and 404 responses.
 */
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken } from "../../src/engine/auth/tokens.js";
import { CONTENT_SECURITY_POLICY } from "../../src/server/app.js";
import { startServer, type RunningServer } from "../../src/server/serve.js";
import { tempStore } from "../helpers/store.js";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP/1.1 request with exactly these headers (no Host added when none is given). */
function send(port: number, method: string, path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, method, path, headers, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** An HTTP/1.0 request without a Host header (HTTP/1.1 servers must answer it; Node refuses only 1.1 without Host). */
function sendRawHttp10(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => s.write(`GET ${path} HTTP/1.0\r\n\r\n`));
    let text = "";
    s.on("data", (d) => (text += d.toString("utf8")));
    s.on("end", () => resolve(text));
    s.on("error", reject);
  });
}

const SECURITY_HEADERS = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
};

function expectProblem(a: Answer, status: number, code: string): { detail: string } {
  expect(a.status, a.body).toBe(status);
  expect(String(a.headers["content-type"])).toContain("application/problem+json");
  const body = JSON.parse(a.body) as { code: string; detail: string };
  expect(body.code).toBe(code);
  return body;
}

type Store = Awaited<ReturnType<typeof tempStore>>;

describe("open server (no tokens): Host and Origin", () => {
  let t: Store;
  let server: RunningServer;
  let port: number;
  const log: string[] = [];

  beforeAll(async () => {
    t = await tempStore();
    const web = join(t.dir, "web");
    mkdirSync(join(web, "assets"), { recursive: true });
    writeFileSync(join(web, "index.html"), "<!doctype html><title>costwise</title><div id=root></div>");
    writeFileSync(join(web, "assets", "app.js"), "console.log(1)");
    server = await startServer(t.store, { store: t.store, host: "127.0.0.1", port: 0, logLevel: "info", webDir: web, warm: false, logStream: { write: (l) => void log.push(l) } });
    port = Number(new URL(server.url).port);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await t?.cleanup();
  });

  // hand-made table: the Host a request carries → answered (200) or refused (403 HOST_NOT_ALLOWED)
  const hosts = (p: number): [string, boolean][] => [
    [`localhost:${p}`, true],
    [`127.0.0.1:${p}`, true],
    [`[::1]:${p}`, true],
    [`LOCALHOST:${p}`, true],
    [`attacker.example.com:${p}`, false],
    [`attacker.example.com`, false],
    [`localhost.attacker.com:${p}`, false],
    [`127.0.0.1.nip.io:${p}`, false],
    [`localhost:${p + 1}`, false], // another port: not this server's origin
    [`localhost`, false], // port 80
    [`127.0.0.2:${p}`, false],
    [`[::2]:${p}`, false],
    [`::1:${p}`, false], // IPv6 without brackets is not a Host
    [`localhost:${p}@attacker.example.com`, false],
    [``, false],
  ];

  it("answers only its own loopback names on its own port", async () => {
    for (const [host, ok] of hosts(port)) {
      for (const path of ["/api/v1/me", "/", "/openapi.json"]) {
        const a = await send(port, "GET", path, { host });
        if (ok) expect(a.status, `${host} ${path}`).toBe(200);
        else expectProblem(a, 403, "HOST_NOT_ALLOWED");
      }
    }
  });

  it("refuses the issue's request: a status change with Host: attacker.example.com", async () => {
    const a = await send(port, "POST", "/api/v1/admin/rollup", { host: `attacker.example.com:${port}`, "content-type": "application/json" });
    const body = expectProblem(a, 403, "HOST_NOT_ALLOWED");
    expect(body.detail).toContain("attacker.example.com");
    expect(body.detail).toContain("server.allowedHosts");
  });

  it("refuses a request without any Host header", async () => {
    const raw = await sendRawHttp10(port, "/api/v1/me");
    expect(raw).toMatch(/^HTTP\/1\.[01] 403/);
    expect(raw).toContain("HOST_NOT_ALLOWED");
  });

  // Origin on a state-changing request → answered or refused (403 ORIGIN_NOT_ALLOWED)
  const origins = (p: number): [string, boolean][] => [
    [`http://127.0.0.1:${p}`, true],
    [`http://attacker.example.com`, false],
    [`http://127.0.0.1:${p + 1}`, false],
    [`http://localhost:${p}`, false], // a different origin than the Host the request names
    [`null`, false],
    [`file://`, false],
    [`not a url`, false],
  ];

  it("refuses a state-changing request from another origin; its own origin and no Origin are answered", async () => {
    for (const [origin, ok] of origins(port)) {
      for (const method of ["POST", "DELETE"]) {
        const path = method === "POST" ? "/api/v1/admin/rollup" : "/api/v1/monitors/m1/snooze";
        const a = await send(port, method, path, { host: `127.0.0.1:${port}`, origin });
        if (ok) expect(a.status, `${method} ${origin}`).not.toBe(403);
        else expectProblem(a, 403, "ORIGIN_NOT_ALLOWED");
      }
    }
    expect((await send(port, "POST", "/api/v1/admin/rollup", { host: `127.0.0.1:${port}` })).status).toBe(200);
    // a GET with a foreign Origin changes nothing (the browser does not let that page read the answer)
    expect((await send(port, "GET", "/api/v1/me", { host: `127.0.0.1:${port}`, origin: "http://attacker.example.com" })).status).toBe(200);
  });

  it("security headers on API, static, problem and 404 responses", async () => {
    const h = { host: `127.0.0.1:${port}` };
    const answers: [string, Answer][] = [
      ["api", await send(port, "GET", "/api/v1/me", h)],
      ["index", await send(port, "GET", "/", h)],
      ["spa route", await send(port, "GET", "/explorer", h)],
      ["asset", await send(port, "GET", "/assets/app.js", h)],
      ["404 api", await send(port, "GET", "/api/v1/nope", h)],
      ["404 asset", await send(port, "GET", "/assets/nope.js", h)],
      ["400 problem", await send(port, "GET", "/api/v1/costs?groupBy=%00", h)],
      ["host refused", await send(port, "GET", "/api/v1/me", { host: "attacker.example.com" })],
      ["openapi", await send(port, "GET", "/openapi.json", h)],
      ["healthz", await send(port, "GET", "/healthz", h)],
    ];
    for (const [what, a] of answers) {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(a.headers[name], `${what}: ${name}`).toBe(value);
    }
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toContain("unsafe-eval");
    expect(CONTENT_SECURITY_POLICY).toMatch(/script-src 'self'(;|$)/);
  });

  it("never logs a token: query-string credentials and the Authorization header are redacted", async () => {
    const secret = "cw_SECRETtoken0123456789abcdef";
    log.length = 0;
    const h = { host: `127.0.0.1:${port}` };
    await send(port, "GET", `/api/v1/me?access_token=${secret}&month=2026-01`, h);
    await send(port, "GET", `/api/v1/me?Token=${secret}A`, h);
    await send(port, "GET", `/api/v1/me?api_key=${secret}B&X-Amz-Signature=${secret}C&password=${secret}D&sig=${secret}E`, h);
    await send(port, "GET", `/api/v1/me?%61ccess_token=${secret}F`, h); // percent-encoded name
    await send(port, "GET", "/api/v1/me", { ...h, authorization: `Bearer ${secret}G` });
    await send(port, "GET", `/api/v1/nope?secret=${secret}H`, h);
    await new Promise((r) => setTimeout(r, 100));
    const text = log.join("");
    expect(text).toContain("/api/v1/me?access_token=[redacted]&month=2026-01"); // the request is still logged, harmless params kept
    expect(text).toContain("incoming request");
    expect(text).not.toContain("SECRETtoken");
  });
});

describe("server.allowedHosts (behind a reverse proxy)", () => {
  let t: Store;
  let server: RunningServer;
  let port: number;
  beforeAll(async () => {
    t = await tempStore();
    server = await startServer(t.store, { store: t.store, host: "127.0.0.1", port: 0, logLevel: false, warm: false, allowedHosts: ["costwise.example.com", "other.example.com:8443"] });
    port = Number(new URL(server.url).port);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await t?.cleanup();
  });

  it("answers the proxy's public name, any port unless the entry names one, and still its loopback names", async () => {
    const table: [string, boolean][] = [
      ["costwise.example.com", true],
      ["costwise.example.com:443", true],
      ["COSTWISE.example.com", true],
      ["other.example.com:8443", true],
      ["other.example.com", false],
      ["evil.costwise.example.com", false],
      ["costwise.example.com.attacker.com", false],
      [`127.0.0.1:${port}`, true],
    ];
    for (const [host, ok] of table) {
      const a = await send(port, "GET", "/api/v1/me", { host });
      if (ok) expect(a.status, host).toBe(200);
      else expectProblem(a, 403, "HOST_NOT_ALLOWED");
    }
  });

  it("a TLS proxy's own origin may write: Origin https://name matches Host name", async () => {
    const ok = await send(port, "POST", "/api/v1/admin/rollup", { host: "costwise.example.com", origin: "https://costwise.example.com" });
    expect(ok.status).toBe(200);
    const bad = await send(port, "POST", "/api/v1/admin/rollup", { host: "costwise.example.com", origin: "https://attacker.example.com" });
    expectProblem(bad, 403, "ORIGIN_NOT_ALLOWED");
  });
});

describe("with tokens", () => {
  let t: Store;
  let server: RunningServer;
  let port: number;
  let token: string;
  beforeAll(async () => {
    t = await tempStore();
    token = (await createToken(t.store, { name: "ops", role: "admin", team: null })).token;
    server = await startServer(t.store, { store: t.store, host: "127.0.0.1", port: 0, logLevel: false, warm: false });
    port = Number(new URL(server.url).port);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await t?.cleanup();
  });

  it("any Host reaches the token check (a token is the proof; a rebinding page has none)", async () => {
    expectProblem(await send(port, "GET", "/api/v1/me", { host: "attacker.example.com" }), 401, "UNAUTHORIZED");
    expect((await send(port, "GET", "/api/v1/me", { host: "costwise.internal:8443", authorization: `Bearer ${token}` })).status).toBe(200);
  });

  it("a cross-site state-changing request is refused even with a valid token (CSRF, defence in depth)", async () => {
    const h = { host: `127.0.0.1:${port}`, authorization: `Bearer ${token}` };
    expectProblem(await send(port, "POST", "/api/v1/admin/rollup", { ...h, origin: "https://attacker.example.com" }), 403, "ORIGIN_NOT_ALLOWED");
    expect((await send(port, "POST", "/api/v1/admin/rollup", { ...h, origin: `http://127.0.0.1:${port}` })).status).toBe(200);
    expect((await send(port, "POST", "/api/v1/admin/rollup", h)).status).toBe(200);
  });

  it("security headers on a 401 problem", async () => {
    const a = await send(port, "GET", "/api/v1/me", { host: `127.0.0.1:${port}` });
    expect(a.status).toBe(401);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(a.headers[name], name).toBe(value);
  });
});
