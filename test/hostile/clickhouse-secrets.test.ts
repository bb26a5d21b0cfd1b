/**
 * The ClickHouse password never reaches the terminal (issue 18, item 4). The built CLI runs as its own process
 * against a ClickHouse-backed workspace whose "server" is a tiny local HTTP server that refuses every request
 * with 401 and echoes the request headers (Authorization: Basic base64(user:password)) in its error body, twice;
 * and against a closed port. No real ClickHouse is needed.
 * Each run must: exit non-zero, name the problem (refused credentials for the user / cannot reach … connection
 * refused), and print neither the password, nor its base64 credential, nor a stack trace.
 */
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtCli, requireBuild, type BuiltRun } from "../helpers/built-cli.js";
import { tempDir } from "../helpers/store.js";

const SLOW = 240_000;
const built = requireBuild();

const USER = "alice";
const PASSWORD = "Tr0ub4dor&3-hunter2";
const BASIC = Buffer.from(`${USER}:${PASSWORD}`).toString("base64");

type Run = BuiltRun;
const costwise = builtCli;

/** A server that answers every request 401 with the request's headers in the body (twice), as a hostile or misconfigured proxy might. */
function echo401(style: "clickhouse" | "plain"): Promise<Server> {
  const server = createServer((req, res) => {
    const headers = JSON.stringify(req.headers);
    res.writeHead(401, { "content-type": "text/plain" });
    res.end(
      style === "clickhouse"
        ? `Code: 516. DB::Exception: ${USER}: Authentication failed: request headers ${headers}; again: authorization: ${req.headers.authorization}. (AUTHENTICATION_FAILED) (version 24.3.1.1)\n`
        : `401 Unauthorized\n${headers}\nAuthorization: ${req.headers.authorization}\n`,
    );
  });
  return new Promise((done) => server.listen(0, "127.0.0.1", () => done(server)));
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((done) => s.listen(0, "127.0.0.1", () => done()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((done) => s.close(() => done()));
  return port;
}

function config(dir: string, name: string, url: string): string {
  const path = join(dir, name);
  writeFileSync(path, `store:\n  backend: clickhouse\n  clickhouse:\n    database: secrets_test\n    user: ${USER}\n    passwordEnv: CH_TEST_PASSWORD\n    urls:\n      - ${url}\n`);
  return path;
}

function expectNoSecret(r: Run): void {
  const all = r.out + r.err;
  expect(all).not.toContain(PASSWORD);
  expect(all).not.toContain(encodeURIComponent(PASSWORD));
  expect(all).not.toContain(BASIC);
  expect(all).not.toMatch(/\n\s+at /); // no stack trace
  expect(all).not.toContain("@clickhouse/client"); // the client's own logger stays silent
}

describe.runIf(built)("the ClickHouse password never leaks", () => {
  const work = tempDir("costwise-chsecrets-");
  const env = { ...process.env, CH_TEST_PASSWORD: PASSWORD, COSTWISE_DEBUG: "" };
  const servers: Server[] = [];

  beforeAll(async () => {
    servers.push(await echo401("clickhouse"), await echo401("plain"));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
    work.cleanup();
  });

  it.each([
    ["a ClickHouse-style 401 that echoes the headers", 0],
    ["a plain 401 (a proxy) that echoes the headers", 1],
  ])(
    "%s: names the refused user, prints no credential (text and --json)",
    async (_name, i) => {
      const url = `http://127.0.0.1:${(servers[i]!.address() as AddressInfo).port}`;
      const cfg = config(work.dir, `auth-${i}.yaml`, url);
      const text = await costwise(work.dir, env, "--config", cfg, "--store", join(work.dir, `r${i}.duckdb`), "sources");
      expectNoSecret(text);
      expect(text.code).toBe(2); // a configuration mistake
      expect(text.err).toContain(`ClickHouse at ${url} refused the credentials for user "${USER}" (HTTP 401)`);
      const json = await costwise(work.dir, env, "--json", "--config", cfg, "--store", join(work.dir, `r${i}.duckdb`), "sources");
      expectNoSecret(json);
      expect(json.code).toBe(2);
      expect(JSON.parse(json.out).error.message).toContain(`refused the credentials for user "${USER}"`);
    },
    SLOW,
  );

  it(
    "a closed port: says it cannot reach the server, with no stack trace",
    async () => {
      const port = await closedPort();
      const cfg = config(work.dir, "closed.yaml", `http://127.0.0.1:${port}`);
      const r = await costwise(work.dir, env, "--config", cfg, "--store", join(work.dir, "closed.duckdb"), "sources");
      expectNoSecret(r);
      expect(r.code).toBe(1);
      expect(r.err.trim()).toBe(`error: cannot reach ClickHouse at http://127.0.0.1:${port}: connection refused`);
    },
    SLOW,
  );
});
