/**
 * The local admin endpoint: how the CLI finds a `costwise serve` that holds a store, so it can work beside it.
 *
 * DuckDB's file is opened by one process. While `serve` holds a store it publishes, next to the store file,
 * `<store>.serve.json`: its pid, host, the loopback URL and a random admin credential (file mode 0600, so only the
 * store's owner reads it). CLI commands on that store find the file and ask the server to do their work under
 * /api/v1/admin/... with that credential instead of failing on the file lock. The file is removed when the server
 * stops cleanly; a file left by a server that died is stale: its pid is gone (same host), and it is ignored.
 *
 * The credential is 256 random bits, never a token of the tokens table, never logged or printed.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { resolve } from "node:path";
import { processAlive } from "../local-process.js";

export interface AdminEndpoint {
  /** The store file the server holds (absolute). */
  store: string;
  /** The server's base URL for the CLI, on loopback (`http://127.0.0.1:<port>/`). */
  url: string;
  /** Sent as `Authorization: Bearer <credential>` to /api/v1/admin/...; never printed. */
  credential: string;
  pid: number;
  host: string;
  startedAt: string;
}

/** Where the local admin routes live on the server (src/server/routes/admin.ts). */
export const ADMIN_PATH = "/api/v1/admin/local";

const CREDENTIAL_RE = /^cwadmin_[0-9a-f]{64}$/;

/** `<store>.serve.json` beside the store file; undefined for an in-memory store (nothing to share). */
export function adminEndpointFile(store: string): string | undefined {
  if (store === ":memory:") return undefined;
  return `${resolve(store)}.serve.json`;
}

export function newAdminCredential(): string {
  return `cwadmin_${randomBytes(32).toString("hex")}`;
}

/** Constant-time comparison of a presented credential with the server's. */
export function sameCredential(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Writes the endpoint file (mode 0600, atomically: a temp file renamed over any stale one). Returns the function that
 * removes it, which removes only this server's file (another server may have replaced it since).
 */
export function publishAdminEndpoint(endpoint: Omit<AdminEndpoint, "pid" | "host" | "startedAt">): () => void {
  const file = adminEndpointFile(endpoint.store);
  if (!file) return () => undefined;
  const full: AdminEndpoint = { ...endpoint, store: resolve(endpoint.store), pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, `${JSON.stringify(full, null, 2)}\n`);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  let removed = false;
  const remove = (): void => {
    if (removed) return;
    removed = true;
    const now = parseEndpoint(file);
    if (now && now.pid === process.pid && now.credential === full.credential) {
      try {
        unlinkSync(file);
      } catch {
        // already gone
      }
    }
  };
  // a server that exits without stopping cleanly (an uncaught error) still takes its file with it
  process.once("exit", remove);
  return remove;
}

function parseEndpoint(file: string): AdminEndpoint | undefined {
  try {
    const v = JSON.parse(readFileSync(file, "utf8")) as Partial<AdminEndpoint>;
    if (typeof v.url !== "string" || typeof v.credential !== "string" || !CREDENTIAL_RE.test(v.credential)) return undefined;
    if (typeof v.pid !== "number" || typeof v.host !== "string" || typeof v.store !== "string") return undefined;
    return { store: v.store, url: v.url, credential: v.credential, pid: v.pid, host: v.host, startedAt: String(v.startedAt ?? "") };
  } catch {
    return undefined;
  }
}

export type EndpointLookup =
  | { kind: "none" }
  /** a file left by a server that is gone (its pid is not running on this host), or unreadable: ignored */
  | { kind: "stale"; file: string; reason: string }
  | { kind: "live"; file: string; endpoint: AdminEndpoint };

/**
 * The endpoint published for `store`, if a live process on this host published it. A stale file is reported (and
 * left alone: the next `serve` replaces it); the caller still checks the server answers (see cli/remote.ts).
 */
export function findAdminEndpoint(store: string): EndpointLookup {
  const file = adminEndpointFile(store);
  if (!file || !existsSync(file)) return { kind: "none" };
  const endpoint = parseEndpoint(file);
  if (!endpoint) return { kind: "stale", file, reason: "unreadable" };
  if (endpoint.host !== hostname()) return { kind: "stale", file, reason: `published on another host (${endpoint.host})` };
  if (!processAlive(endpoint.pid)) return { kind: "stale", file, reason: `its server (pid ${endpoint.pid}) is not running` };
  if (endpoint.store !== resolve(store)) return { kind: "stale", file, reason: "it names another store" };
  return { kind: "live", file, endpoint };
}
