/**
 * Fetching OpenCost's `/allocation` API: the URL for a configured source (relative windows as whole UTC days)
 * and a GET with timeouts and retries with backoff on 429/5xx/network errors; a bearer token never appears in
 * logs or errors. The caller (./opencost.ts) writes the body to a temp file first, so a half-fetched response
 * never lands.
 */
import { CostwiseError } from "../../core/errors.js";
import type { OpenCostSourceInput } from "./opencost.js";

export interface FetchOptions {
  /** per attempt, headers and body (default 60 s) */
  timeoutMs?: number;
  /** attempts including the first (default 4) */
  attempts?: number;
  /** first backoff delay (default 500 ms), doubled per retry, with jitter, capped by maxDelayMs (default 10 s) */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** progress lines (retries); never contain the token */
  log?: (line: string) => void;
}


const DEFAULT_AGGREGATE = "cluster,node,namespace,controllerKind,controller,pod,container";

/** The /allocation URL for a source: `Nd` windows become the last N complete UTC days (so re-syncs line up). */
export function allocationUrl(source: OpenCostSourceInput, now: Date): URL {
  let url: URL;
  try {
    url = new URL(source.url!);
  } catch {
    throw new CostwiseError("BAD_CONFIG", `source ${source.name}: url: expected an http(s) URL such as http://opencost.opencost:9003`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new CostwiseError("BAD_CONFIG", `source ${source.name}: url: expected an http(s) URL`);
  if (!/\/allocation(\/compute)?\/?$/.test(url.pathname)) url.pathname = `${url.pathname.replace(/\/$/, "")}/allocation`;
  const window = source.window ?? "7d";
  const days = /^(\d+)d$/.exec(window);
  let w = window;
  if (days) {
    const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const start = new Date(end.getTime() - Number(days[1]) * 86_400_000);
    w = `${start.toISOString().slice(0, 19)}Z,${end.toISOString().slice(0, 19)}Z`;
  }
  const set = (k: string, v: string) => {
    if (!url.searchParams.has(k)) url.searchParams.set(k, v);
  };
  set("window", w);
  set("aggregate", source.aggregate ?? DEFAULT_AGGREGATE);
  set("step", source.step ?? "1d");
  set("includeIdle", "true");
  set("accumulate", "false");
  return url;
}

/** The URL as it may be shown: no user/password. */
export function safeUrl(url: URL): string {
  const u = new URL(url.toString());
  u.username = "";
  u.password = "";
  return u.toString();
}

/**
 * GET with a timeout per attempt and retries with exponential backoff (and jitter) on 429, 5xx and network errors;
 * honours Retry-After. The whole body is read and its length checked against Content-Length before it is returned.
 * The token goes in an Authorization header and is scrubbed from every message.
 */
export async function fetchWithRetry(url: URL, options: FetchOptions & { token?: string } = {}): Promise<Buffer> {
  const attempts = options.attempts ?? 4;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const base = options.baseDelayMs ?? 500;
  const max = options.maxDelayMs ?? 10_000;
  const shown = safeUrl(url);
  const scrub = (s: string) => {
    let out = s;
    if (options.token) out = out.split(options.token).join("***");
    if (url.password) out = out.split(url.password).join("***");
    return out;
  };
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.token) headers["authorization"] = `Bearer ${options.token}`;
  if (url.username || url.password) {
    headers["authorization"] ??= `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64")}`;
  }
  const target = new URL(safeUrl(url));
  let last = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let retryAfterMs: number | undefined;
    try {
      const res = await fetch(target, { headers, signal: AbortSignal.timeout(timeoutMs), redirect: "follow" });
      if (res.ok) {
        const buf = Buffer.from(await res.arrayBuffer());
        const declared = res.headers.get("content-length");
        if (declared !== null && res.headers.get("content-encoding") === null && Number(declared) !== buf.length) {
          throw new TransientError(`the response was cut short (${buf.length} of ${declared} bytes)`);
        }
        return buf;
      }
      const text = scrub((await res.text().catch(() => "")).slice(0, 300).replace(/\s+/g, " ").trim());
      const what = `HTTP ${res.status} ${res.statusText}${text ? `: ${text}` : ""}`;
      if (res.status !== 429 && res.status < 500) {
        throw new CostwiseError("REMOTE", `OpenCost ${shown}: ${what}${res.status === 401 || res.status === 403 ? " (check the token)" : ""}`);
      }
      const ra = res.headers.get("retry-after");
      if (ra !== null) retryAfterMs = /^\d+$/.test(ra) ? Number(ra) * 1000 : Math.max(0, Date.parse(ra) - Date.now());
      last = what;
    } catch (e) {
      if (e instanceof CostwiseError) throw e;
      last = scrub(networkMessage(e, timeoutMs));
    }
    if (attempt < attempts) {
      const backoff = Math.min(max, base * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5);
      const wait = Math.min(max, Math.max(backoff, retryAfterMs ?? 0));
      options.log?.(`OpenCost ${shown}: ${last}; retry ${attempt}/${attempts - 1} in ${(wait / 1000).toFixed(1)} s`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
  throw new CostwiseError("REMOTE", `OpenCost ${shown}: failed after ${attempts} attempt(s): ${last}; nothing was loaded`);
}

class TransientError extends Error {}

function networkMessage(e: unknown, timeoutMs: number): string {
  if (e instanceof TransientError) return e.message;
  if (e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError")) return `no complete answer within ${timeoutMs / 1000} s (timeout)`;
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause : undefined;
  const code = (cause as { code?: string } | undefined)?.code;
  return `network error${code ? ` ${code}` : ""}: ${cause?.message ?? (e instanceof Error ? e.message : String(e))}`;
}
