/**
 * Starts a real Azurite (Microsoft's Azure Storage emulator, the `azurite` npm package) for a test file: the
 * blob service only, in memory, on a free loopback port, and stops it after. Missing Azurite: the suite skips
 * loudly on a laptop; under CI=true it fails.
 *
 *   const azurite = await startAzurite();     // in beforeAll
 *   azurite.connectionString                  // the well-known emulator account (devstoreaccount1)
 *   await azurite.stop();                     // in afterAll
 *
 * Also a fault proxy (`startFaultProxy`) to put in front of it: it answers chosen requests with 503 Server
 * Busy (or any status) before forwarding the rest, for the retry tests.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { freePort } from "./moto.js";

/** Azurite's published development account (documented by Microsoft; not a secret of anyone's). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface Azurite {
  port: number;
  /** http://127.0.0.1:<port>/devstoreaccount1 */
  blobEndpoint: string;
  connectionString: string;
  /** a connection string for the same account through another endpoint (a fault proxy) */
  connectionStringVia(endpoint: string): string;
  stop(): Promise<void>;
}

function azuriteBlobMain(): string | undefined {
  try {
    const req = createRequire(import.meta.url);
    const main = join(dirname(req.resolve("azurite/package.json")), "dist", "src", "blob", "main.js");
    return existsSync(main) ? main : undefined;
  } catch {
    return undefined;
  }
}

/** Throws under CI when Azurite is missing; otherwise returns false after printing a loud message. */
export function requireAzurite(suite: string): boolean {
  if (azuriteBlobMain()) return true;
  const msg = `Azurite is not installed: ${suite} needs it (npm install: it is a devDependency)`;
  if (process.env["CI"] === "true") throw new Error(`${msg}; CI=true, so this is a failure, not a skip`);
  console.warn(`\n*** SKIPPING ${suite}: ${msg} ***\n`);
  return false;
}

export async function startAzurite(): Promise<Azurite> {
  const main = azuriteBlobMain();
  if (!main) throw new Error("Azurite is not installed (node_modules/azurite)");
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [main, "--blobHost", "127.0.0.1", "--blobPort", String(port), "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry", "--silent", "--loose"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const blobEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Azurite exited with ${child.exitCode}: ${output}`);
    try {
      // any HTTP answer (an auth error included) means the blob service is up
      const res = await fetch(`${blobEndpoint}?comp=list`);
      await res.arrayBuffer();
      break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`Azurite did not start on ${blobEndpoint} within 30 s: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const via = (endpoint: string) => `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${endpoint};`;
  return {
    port,
    blobEndpoint,
    connectionString: via(blobEndpoint),
    connectionStringVia: via,
    async stop() {
      if (child.exitCode !== null) return;
      await new Promise<void>((done) => {
        child.once("exit", () => done());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 3000).unref();
      });
    },
  };
}

export interface FaultProxy {
  /** http://127.0.0.1:<port>/devstoreaccount1 (same path layout as Azurite) */
  blobEndpoint: string;
  /** requests answered with a fault so far, and requests forwarded */
  faults: number;
  forwarded: number;
  /** every request seen, "METHOD /path?query" */
  log: string[];
  /** the next `count` requests whose method and path match are answered with `status` (count Infinity: all) */
  failNext(count: number, match?: { method?: string; path?: RegExp }, status?: number): void;
  close(): Promise<void>;
}

/** A tiny HTTP proxy in front of Azurite that answers chosen requests with a fault (503 Server Busy by default). */
export async function startFaultProxy(target: Azurite): Promise<FaultProxy> {
  let remaining = 0;
  let match: { method?: string; path?: RegExp } = {};
  let status = 503;
  const state = { faults: 0, forwarded: 0 };
  const log: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    log.push(`${req.method} ${req.url}`);
    const path = decodeURIComponent((req.url ?? "").split("?")[0] ?? "");
    const hit = remaining > 0 && (!match.method || match.method === req.method) && (!match.path || match.path.test(path));
    if (hit) {
      remaining--;
      state.faults++;
      req.resume();
      const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code><Message>The server is currently unable to receive requests. Please retry your request.</Message></Error>`;
      res.writeHead(status, { "content-type": "application/xml", "x-ms-error-code": status === 503 ? "ServerBusy" : "InternalError", "content-length": Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    state.forwarded++;
    const up = request(
      { host: "127.0.0.1", port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: `127.0.0.1:${target.port}` } },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on("error", (e) => {
      res.writeHead(502);
      res.end(String(e));
    });
    req.pipe(up);
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r()));
  return {
    blobEndpoint: `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`,
    get faults() {
      return state.faults;
    },
    get forwarded() {
      return state.forwarded;
    },
    log,
    failNext(count, m = {}, s = 503) {
      remaining = count;
      match = m;
      status = s;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
