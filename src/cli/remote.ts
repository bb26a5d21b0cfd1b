/**
 * The CLI beside a running server: the client of the local admin endpoint (src/server/routes/admin.ts).
 *
 * While `costwise serve` holds a store, DuckDB's file lock keeps every other process out. The server publishes
 * `<store>.serve.json` (engine/auth/admin-endpoint.ts); a command on that store finds it here and asks the server to
 * do its work instead of opening the file (context.ts `withStoreOrServer`).
 *
 * Order of operations of `servingServer`:
 *   1. no endpoint file, or a stale one (its server's pid is gone, or another host's): none, the command opens the
 *      store itself;
 *   2. a live file: ping the server with the credential (2 s); no answer: none (opening the store then says it is
 *      locked, as before);
 *   3. otherwise every call goes to the server; a failure comes back as the CostwiseError the command would have
 *      thrown itself (same message, same exit code). The credential is sent, never printed or put in a message.
 */
import { CostwiseError, ERROR_CODES, type ErrorCode } from "../core/errors.js";
import { ADMIN_PATH, findAdminEndpoint, type AdminEndpoint } from "../engine/auth/admin-endpoint.js";

export interface ServedStore {
  /** The server's pid and URL, for messages (never its credential). */
  readonly describe: string;
  /** Runs an admin operation (`ingest`, `tokens/revoke`, ...) on the server; `log` receives the lines the work logged. */
  call<T>(op: string, body: unknown, log: (line: string) => void): Promise<T>;
}

/** The server holding `store`, if one is running and answers; undefined when the command should open the store itself. */
export async function servingServer(store: string, o: { pingTimeoutMs?: number } = {}): Promise<ServedStore | undefined> {
  const found = findAdminEndpoint(store);
  if (found.kind === "none") return undefined;
  if (found.kind === "stale") {
    if (process.env["COSTWISE_DEBUG"]) process.stderr.write(`ignoring ${found.file}: ${found.reason}\n`);
    return undefined;
  }
  const server = client(found.endpoint);
  try {
    await request(found.endpoint, "GET", "ping", undefined, AbortSignal.timeout(o.pingTimeoutMs ?? 2000));
    return server;
  } catch {
    return undefined;
  }
}

function client(ep: AdminEndpoint): ServedStore {
  const describe = `costwise serve (pid ${ep.pid}, ${ep.url})`;
  return {
    describe,
    async call<T>(op: string, body: unknown, log: (line: string) => void): Promise<T> {
      let answer: Answer;
      try {
        answer = await request(ep, "POST", op, body);
      } catch (e) {
        if (e instanceof CostwiseError) throw e;
        throw new CostwiseError("REMOTE", `${describe}, which holds the store, did not answer: ${e instanceof Error ? e.message : String(e)}`);
      }
      for (const l of answer.log) log(l);
      if (answer.error) throw answer.error;
      return answer.value as T;
    },
  };
}

interface Answer {
  value: unknown;
  log: string[];
  error?: Error;
}

async function request(ep: AdminEndpoint, method: "GET" | "POST", op: string, body: unknown, signal?: AbortSignal): Promise<Answer> {
  const res = await fetch(new URL(`${ADMIN_PATH}/${op}`, ep.url), {
    method,
    headers: { authorization: `Bearer ${ep.credential}`, ...(method === "POST" ? { "content-type": "application/json" } : {}) },
    ...(method === "POST" ? { body: JSON.stringify(body) } : {}),
    ...(signal ? { signal } : {}),
  });
  const text = await res.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new CostwiseError("REMOTE", `the server holding the store answered HTTP ${res.status} with a body that is not JSON`);
  }
  const log = Array.isArray(json["log"]) ? json["log"].map(String) : [];
  if (res.ok) return { value: json["value"], log };
  if (method === "GET") throw new Error(`HTTP ${res.status}`);
  return { value: undefined, log, error: errorOf(res.status, json) };
}

/** The CostwiseError the server reported (code, message, location, details), or one made from a plain problem. */
function errorOf(status: number, problem: Record<string, unknown>): Error {
  const e = problem["error"] as { code?: unknown; message?: unknown; location?: unknown; details?: unknown } | undefined;
  if (e && typeof e.message === "string" && typeof e.code === "string") {
    if (isErrorCode(e.code)) {
      return new CostwiseError(e.code, e.message, {
        ...(e.location && typeof e.location === "object" ? { location: e.location } : {}),
        ...(e.details && typeof e.details === "object" ? { details: e.details as Record<string, unknown> } : {}),
      });
    }
    return new Error(e.message); // a bug on the server's side: reported as one
  }
  const detail = typeof problem["detail"] === "string" ? problem["detail"] : `HTTP ${status}`;
  const code = typeof problem["code"] === "string" ? problem["code"] : "";
  if (isErrorCode(code)) return new CostwiseError(code, detail);
  return new CostwiseError("REMOTE", `the server holding the store refused the request (${code || status}): ${detail}`);
}

function isErrorCode(s: string): s is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(s);
}
