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
