/**
 * Network faults between costwise and AWS, made deterministic by a small HTTP proxy in front of moto that
 * answers the first matching request(s) with a fault: 5xx and throttling are retried with backoff, a hung
 * request times out and is retried, and an error that echoes request headers never shows a credential.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AwsCurS3Source } from "../../src/core/config/sections/sources.js";
import { syncCostExplorer } from "../../src/engine/connectors/aws-cost-explorer.js";
import { syncCurS3 } from "../../src/engine/connectors/aws-cur-s3.js";
import { syncSources } from "../../src/engine/connectors/sync.js";
import type { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY, queueCostExplorerResults, useTestAwsEnv } from "../helpers/aws-env.js";
import { splitCsv, writeCurDelivery } from "../helpers/cur-folder.js";
import { freePort, requireMoto, startMoto, type Moto } from "../helpers/moto.js";
import { LOCAL_FIXTURES, tempDir, tempStore } from "../helpers/store.js";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { relative } from "node:path";

const enabled = requireMoto("AWS network faults");
const BUCKET = "acme-billing";
const SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKENvalue0123456789abcdef";

type Fault = (req: IncomingMessage, res: ServerResponse, seen: number) => boolean;

interface FaultProxy {
  endpoint: string;
  /** requests seen per "METHOD path-without-query" */
  seen: Map<string, number>;
  fault: Fault | undefined;
  close(): Promise<void>;
}

async function faultProxy(target: string): Promise<FaultProxy> {
  const t = new URL(target);
  const state: FaultProxy = { endpoint: "", seen: new Map(), fault: undefined, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const key = `${req.method} ${(req.url ?? "").split("?")[0]}${req.headers["x-amz-target"] ? ` ${req.headers["x-amz-target"]}` : ""}`;
    const n = (state.seen.get(key) ?? 0) + 1;
    state.seen.set(key, n);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (state.fault?.(req, res, n)) return;
      const fwd = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      fwd.on("error", () => res.destroy());
      fwd.end(Buffer.concat(chunks));
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  state.endpoint = `http://127.0.0.1:${port}`;
  state.close = () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
  return state;
}

describe.runIf(enabled)("AWS network faults (moto behind a fault proxy)", () => {
  let moto: Moto;
  let proxy: FaultProxy;
  let s3: S3Client;
  let store: DuckDbStore;
  let dir: string;
  let cleanup: () => Promise<void>;
  const source = (): AwsCurS3Source => ({ name: "cur", type: "aws-cur-s3", bucket: BUCKET, prefix: "cur", report: "my-report", endpoint: proxy.endpoint });
  /** the bucket listing (ListObjectsV2, path-style) */
  const isList = (req: IncomingMessage) => req.method === "GET" && new RegExp(`^/${BUCKET}/?\\?list-type=2`).test(req.url ?? "");
  const listCount = () => [...proxy.seen].filter(([k]) => new RegExp(`^GET /${BUCKET}/?$`).test(k)).reduce((a, [, n]) => a + n, 0);

  beforeAll(async () => {
    useTestAwsEnv();
    moto = await startMoto();
    proxy = await faultProxy(moto.endpoint);
    s3 = new S3Client(moto.clientConfig);
  });
  afterAll(async () => {
    await proxy?.close();
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    proxy.seen.clear();
    proxy.fault = undefined;
    ({ store, dir, cleanup } = await tempStore());
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const { header, rows } = splitCsv(join(LOCAL_FIXTURES, "cur-line-item-types.csv"));
    const local = tempDir();
    writeCurDelivery(local.dir, { header, rows, parts: 1, assemblyId: "asm-1", period: ["2024-09-01", "2024-10-01"] });
    const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
    for (const f of walk(local.dir)) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `cur/${relative(local.dir, f)}`, Body: readFileSync(f) }));
    local.cleanup();
  });
  afterEach(async () => {
    delete process.env["AWS_SESSION_TOKEN"];
    await cleanup();
  });

  it("a 500 on the listing is retried and the sync completes", async () => {
    proxy.fault = (req, res, n) => {
      if (!isList(req) || n > 1) return false;
      res.writeHead(500, { "content-type": "application/xml" }).end(`<?xml version="1.0"?><Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>`);
      return true;
    };
    const r = await syncCurS3({ store, stagingDir: join(dir, "s"), baseDir: dir }, source());
    expect(r.status).toBe("ok");
    expect(r.rowsLoaded).toBe(12);
    expect(listCount()).toBe(2); // the failed attempt and its retry
  });

  it("a hung request times out and is retried", async () => {
    proxy.fault = (req, _res, n) => isList(req) && n === 1; // never answered
    const r = await syncCurS3({ store, stagingDir: join(dir, "s"), baseDir: dir }, { ...source(), timeoutSeconds: 2 });
    expect(r.status).toBe("ok");
    // the hung attempt, then a retry that is answered (on a very loaded machine a retry may time out too)
    expect(listCount()).toBeGreaterThanOrEqual(2);
  });

  it("Cost Explorer throttling (429 ThrottlingException) is retried with backoff", async () => {
    await queueCostExplorerResults(moto.endpoint, [
      { ResultsByTime: [{ TimePeriod: { Start: "2024-09-01", End: "2024-09-02" }, Total: {}, Estimated: false, Groups: [{ Keys: ["AWS Lambda"], Metrics: { UnblendedCost: { Amount: "1.5", Unit: "USD" } } }] }] },
    ]);
    let throttled = 0;
    proxy.fault = (req, res) => {
      if (!String(req.headers["x-amz-target"] ?? "").endsWith("GetCostAndUsage") || throttled >= 2) return false;
      throttled++;
      res.writeHead(429, { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": "ThrottlingException" }).end(JSON.stringify({ __type: "ThrottlingException", message: "Rate exceeded" }));
      return true;
    };
    const r = await syncCostExplorer(
      { store, stagingDir: join(dir, "s"), baseDir: dir, now: new Date("2024-09-02T00:00:00Z") },
      { name: "ce", type: "aws-cost-explorer", groupBy: ["SERVICE"], tagKeys: [], lookbackDays: 1, billingAccountId: "999999999999", endpoint: proxy.endpoint },
    );
    expect(throttled).toBe(2);
    expect(r.status).toBe("ok");
    expect(r.rowsLoaded).toBe(1);
  });

  it("after the last attempt the error names service, operation and status, and never a credential, signature or token", async () => {
    process.env["AWS_SESSION_TOKEN"] = SESSION_TOKEN;
    let authSeen = "";
    proxy.fault = (req, res) => {
      authSeen = String(req.headers["authorization"] ?? "");
      // a hostile or misconfigured endpoint echoing what it was sent
      const echo = `auth=${authSeen} token=${req.headers["x-amz-security-token"]} raw ${TEST_SECRET_ACCESS_KEY}`;
      res.writeHead(503, { "content-type": "application/xml" }).end(`<?xml version="1.0"?><Error><Code>SlowDown</Code><Message>${echo}</Message></Error>`);
      return true;
    };
    const report = await syncSources([{ ...source(), maxAttempts: 2 }], { store, stagingDir: join(dir, "s"), baseDir: dir });
    const failure = report.sources[0]!;
    expect(failure.status).toBe("failed");
    expect(failure.message).toMatch(/^AWS S3 ListObjectsV2 failed: SlowDown \(HTTP 503\)/);
    expect(listCount()).toBe(2); // maxAttempts honoured
    const signature = /Signature=([0-9a-f]{64})/.exec(authSeen)?.[1];
    expect(signature).toBeDefined();
    const stored = JSON.stringify(await store.all(`SELECT message FROM connector_syncs`));
    for (const text of [failure.message, JSON.stringify(report), stored]) {
      expect(text).not.toContain(TEST_ACCESS_KEY_ID);
      expect(text).not.toContain(TEST_SECRET_ACCESS_KEY);
      expect(text).not.toContain(SESSION_TOKEN);
      expect(text).not.toContain(signature!);
    }
  });
});
