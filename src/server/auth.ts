/**
 * Who is asking, and what a route lets them see.
 *
 * Deny by default: every API route declares an `access` policy in its route config. A route that does
 * not say `team: "scoped"` refuses team-bound tokens outright (403), so a new endpoint can never leak
 * another team's numbers by forgetting a filter; a route that says `scoped` must narrow every read to
 * `principal.team` itself (the allocation queries add `team = <bound team>` as an outer AND that no
 * user filter can undo).
 *
 * Auth modes: when no token exists and the server listens on loopback, requests are open (a local
 * user is an admin). Once any token exists (or `server.auth: tokens`), every API request needs
 * `Authorization: Bearer <token>`.
 *
 * The local admin endpoint (/api/v1/admin/local/..., policy `access: "local"`) is the CLI beside a running server: it
 * takes no API token but the admin credential `costwise serve` publishes next to the store
 * (engine/auth/admin-endpoint.ts), and only from this machine (`localAdminCaller`).
 */
import type { FastifyRequest } from "fastify";
import { sameCredential } from "../engine/auth/admin-endpoint.js";
import { verifyToken, type Role, type TokenRecord } from "../engine/auth/tokens.js";
import type { CostStore } from "../engine/store/cost-store.js";
import { HttpProblem } from "./problem.js";

export type Principal =
  | { kind: "local"; role: Role; team: null }
  | { kind: "token"; id: string; name: string; role: Role; team: string | null };

export interface AccessPolicy {
  /**
   * public: no token needed (health, metrics, OpenAPI, dashboard assets); read: any valid token; admin: admin role;
   * local: the local admin endpoint's credential, from this machine (checked by `localAdminCaller`, not by tokens).
   */
  access: "public" | "read" | "admin" | "local";
  /** Whether team-bound tokens may call the route (it then narrows its reads to the token's team). */
  team: "deny" | "scoped";
}

export const DEFAULT_POLICY: AccessPolicy = { access: "read", team: "deny" };

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === "::ffff:127.0.0.1";
}

export interface AuthState {
  /** True when requests need a token. Re-read on every request from the token table (revocations apply at once). */
  required(store: CostStore): Promise<boolean>;
}

/** Resolves the caller, or throws 401/403 as a problem. */
export async function authenticate(
  req: FastifyRequest,
  policy: AccessPolicy,
  store: CostStore,
  tokensRequired: boolean,
): Promise<Principal | undefined> {
  if (policy.access === "public") return undefined;
  // the local admin routes check their own credential (localAdminCaller); no API token is looked at here
  if (policy.access === "local") return undefined;
  const header = req.headers.authorization;
  let principal: Principal;
  if (header === undefined) {
    if (tokensRequired) {
      throw new HttpProblem(401, "UNAUTHORIZED", "this server needs an API token: send `Authorization: Bearer <token>` (create one with `costwise token create`)");
    }
    principal = { kind: "local", role: "admin", team: null };
  } else {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const rec: TokenRecord | undefined = m ? await verifyToken(store, m[1]!) : undefined;
    if (!rec) throw new HttpProblem(401, "UNAUTHORIZED", "the API token is not valid (malformed, unknown or revoked)");
    principal = { kind: "token", id: rec.id, name: rec.name, role: rec.role, team: rec.team };
  }
  if (policy.access === "admin" && principal.role !== "admin") {
    throw new HttpProblem(403, "FORBIDDEN", "this action needs a token with the admin role");
  }
  if (principal.team !== null && policy.team !== "scoped") {
    throw new HttpProblem(
      403,
      "TEAM_SCOPE",
      `this token is bound to team ${JSON.stringify(principal.team)} and this endpoint reads unallocated or organisation-wide data; use the allocation endpoints`,
    );
  }
  return principal;
}

/**
 * The caller of a local admin route: the CLI on this machine presenting the server's admin credential. Refuses
 * (401/403, never saying what was expected) a request from another address, one that came through a proxy, or one
 * without the exact credential.
 */
export function localAdminCaller(req: FastifyRequest, credential: string): Principal {
  const remote = req.socket.remoteAddress ?? "";
  const local = req.socket.localAddress ?? "";
  const proxied = req.headers["x-forwarded-for"] !== undefined || req.headers["forwarded"] !== undefined;
  if (proxied || !(isLoopbackHost(remote) || (remote !== "" && remote === local))) {
    throw new HttpProblem(403, "FORBIDDEN", "the local admin endpoint answers only the costwise CLI on this machine");
  }
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  if (!m || !sameCredential(credential, m[1]!)) {
    throw new HttpProblem(401, "UNAUTHORIZED", "the local admin endpoint needs the credential costwise serve published next to the store");
  }
  return { kind: "local", role: "admin", team: null };
}

// ─── DNS rebinding and cross-site writes (issue 18) ──────────────────────────────────────────────────────────────
//
// A server with no tokens treats every caller as the local admin. A web page the user happens to visit can reach
// it too: by DNS rebinding (attacker.example.com first resolves to the attacker, then to 127.0.0.1, so the page's
// same-origin requests land here with `Host: attacker.example.com:8787`) or by a cross-site form/fetch POST. So:
//   1. open mode (no token needed) answers only this machine (loopback peer) and only a Host this server is known
//      by: localhost, 127.0.0.1, [::1] or the bind address, on the port the request arrived on, plus
//      `server.allowedHosts` (the names a reverse proxy forwards). With `server.allowedHosts` set, the Host check
//      applies with tokens too.
//   2. a state-changing request (POST/PUT/PATCH/DELETE) carrying an `Origin` must come from this server's own
//      origin (the Origin's host:port equals the Host header), with or without tokens: browsers always send Origin
//      on such requests, so a page from elsewhere cannot write; CLI and scripts send none and are not affected.

/** The host names open mode always answers to. */
const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "::1"] as const;

export interface HostPolicy {
  /** The listen address (its name is allowed; 0.0.0.0 and :: are not names). */
  bindHost?: string | undefined;
  /** `server.allowedHosts`: `name` (any port) or `name:port`, IPv6 in brackets. */
  allowedHosts: readonly string[];
}

/** A Host header split into a lower-case name (IPv6 without brackets) and a port (undefined when absent); undefined when malformed. */
export function parseHostHeader(value: string): { name: string; port: number | undefined } | undefined {
  const m = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9_.-]+))(?::(\d{1,5}))?$/i.exec(value.trim());
  if (!m) return undefined;
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (port !== undefined && port > 65535) return undefined;
  return { name: (m[1] ?? m[2]!).toLowerCase(), port };
}

/**
 * Why a request's Host is refused, or undefined when it is allowed. `localPort` is the port the connection
 * arrived on (undefined for in-process `inject` requests, which never cross the network).
 */
export function hostRefusal(hostHeader: string | undefined, localPort: number | undefined, policy: HostPolicy): string | undefined {
  const allowedNote = "; a reverse proxy's public name goes in server.allowedHosts (docs/security.md)";
  if (hostHeader === undefined || hostHeader === "") return `the request has no Host header${allowedNote}`;
  const host = parseHostHeader(hostHeader);
  if (!host) return `the Host header ${JSON.stringify(hostHeader.slice(0, 100))} is not a host name${allowedNote}`;
  for (const entry of policy.allowedHosts) {
    const allowed = parseHostHeader(entry);
    if (allowed && allowed.name === host.name && (allowed.port === undefined || allowed.port === (host.port ?? 80))) return undefined;
  }
  const bind = policy.bindHost ? parseHostHeader(policy.bindHost.includes(":") && !policy.bindHost.startsWith("[") ? `[${policy.bindHost}]` : policy.bindHost) : undefined;
  const names: string[] = [...LOOPBACK_NAMES];
  if (bind && bind.name !== "0.0.0.0" && bind.name !== "::") names.push(bind.name);
  if (names.includes(host.name) && (localPort === undefined || (host.port ?? 80) === localPort)) return undefined;
  return `this server answers requests without a token only for ${names.map((n) => (n.includes(":") ? `[${n}]` : n)).join(", ")} on its own port, not Host ${JSON.stringify(hostHeader.slice(0, 100))} (a page elsewhere reaching a local server by DNS rebinding)${allowedNote}`;
}

export const STATE_CHANGING_METHODS: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Why a state-changing request's Origin is refused, or undefined when it is absent or this server's own origin. */
export function originRefusal(method: string, origin: string | undefined, hostHeader: string | undefined): string | undefined {
  if (!STATE_CHANGING_METHODS.has(method.toUpperCase()) || origin === undefined) return undefined;
  const refused = `a ${method.toUpperCase()} from the web page at ${JSON.stringify(origin.slice(0, 100))} is refused: only this server's own pages may change state (cross-site request)`;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return refused;
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.origin === "null") return refused;
  const host = hostHeader === undefined ? undefined : parseHostHeader(hostHeader);
  if (!host) return refused;
  const defaultPort = url.protocol === "https:" ? 443 : 80;
  const originName = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const originPort = url.port === "" ? defaultPort : Number(url.port);
  return originName === host.name && originPort === (host.port ?? defaultPort) ? undefined : refused;
}
