/**
 * Starts a real `moto_server` (the AWS API emulator) on 127.0.0.1 on a free port for a test file, and stops
 * it after. Missing moto: the suite skips loudly on a laptop; under CI=true it fails.
 *
 *   const moto = await startMoto();           // in beforeAll
 *   const s3 = new S3Client(moto.clientConfig);
 *   await moto.stop();                        // in afterAll
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

export interface Moto {
  endpoint: string;
  port: number;
  /** Config for any AWS SDK v3 client: endpoint, region us-east-1, static test credentials, path-style S3. */
  clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    forcePathStyle: boolean;
  };
  /** Clears all moto state (between tests). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export function motoAvailable(): boolean {
  return spawnSync("moto_server", ["--help"], { stdio: "ignore" }).status === 0;
}

/** Throws under CI when moto_server is missing; otherwise returns false after printing a loud message. */
export function requireMoto(suite: string): boolean {
  if (motoAvailable()) return true;
  const msg = `moto_server is not installed: ${suite} needs it (pip install 'moto[server]')`;
  if (process.env["CI"] === "true") throw new Error(`${msg}; CI=true, so this is a failure, not a skip`);
  console.warn(`\n*** SKIPPING ${suite}: ${msg} ***\n`);
  return false;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const child: ChildProcess = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, PYTHONUNBUFFERED: "1" },
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${stderr}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.ok || res.status < 500) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`moto_server did not start on ${endpoint} within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    port,
    clientConfig: {
      endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
      forcePathStyle: true,
    },
    async reset() {
      await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
    },
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
