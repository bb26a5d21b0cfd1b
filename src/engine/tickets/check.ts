/**
 * `costwise tickets check` and the start of `costwise serve`: every problem of the `tickets:` section at once.
 * Order of operations:
 * 1. the checks without network (core/tickets/check-config.ts): routes, targets, token sources, env vars set;
 * 2. token files exist and are not empty;
 * 3. per tracker with a token: the token works (GitHub GET /user, Jira GET /rest/api/3/myself);
 * 4. per route (and the fallback) whose tracker's token works: the repository (GET /repos/{owner}/{repo}) or
 *    project (GET /rest/api/3/project/{key}) exists and the token can see it.
 * A tracker that cannot be reached (down, rate limited) is not a configuration problem: it is listed apart
 * (`unreachable`), so `costwise serve` still starts (tickets wait, pending) while `costwise tickets check` says so.
 * Nothing is filed. `assertTicketsConfig` throws BAD_CONFIG listing every problem.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { TicketsConfig } from "../../core/config/sections/tickets.js";
import { CostwiseError, type Problem } from "../../core/errors.js";
import { checkTicketsConfig } from "../../core/tickets/check-config.js";
import { trackerClients } from "./sync.js";
import { TrackerUnavailable, waitBudget } from "./tracker.js";

export interface TicketsCheck {
  problems: Problem[];
  /** Trackers that could not be reached, with why (not configuration problems). */
  unreachable: Record<string, string>;
}

export async function checkTickets(cfg: TicketsConfig, o: { env?: Readonly<Record<string, string | undefined>>; baseDir: string; offline?: boolean }): Promise<TicketsCheck> {
  const env = o.env ?? process.env;
  const problems = checkTicketsConfig(cfg, env);
  for (const [name, t] of Object.entries(cfg.trackers)) {
    if (!t.tokenFile || t.tokenEnv) continue;
    const file = resolve(o.baseDir, t.tokenFile);
    if (!existsSync(file)) problems.push({ code: "TOKEN_FILE_MISSING", path: `tickets.trackers.${name}.tokenFile`, message: `tickets.trackers.${name}.tokenFile: ${file} does not exist` });
    else if (readFileSync(file, "utf8").trim() === "") problems.push({ code: "TOKEN_FILE_EMPTY", path: `tickets.trackers.${name}.tokenFile`, message: `tickets.trackers.${name}.tokenFile: ${file} is empty` });
  }
  const unreachable: Record<string, string> = {};
  if (o.offline) return { problems, unreachable };
  /** Runs a check; an unreachable tracker is noted apart and the check counts as not done. */
  async function attempt(tracker: string, fn: () => Promise<string | null>): Promise<string | null | undefined> {
    if (unreachable[tracker] !== undefined) return undefined;
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof TrackerUnavailable)) throw e;
      unreachable[tracker] = e.message;
      return undefined;
    }
  }
  const { clients } = trackerClients(cfg, { env, baseDir: o.baseDir, budget: waitBudget(Math.min(cfg.maxRateLimitWaitSeconds, 10)) });
  const authOk = new Set<string>();
  for (const [name, c] of clients) {
    const p = await attempt(name, () => c.checkAuth());
    if (p === undefined) continue;
    if (p === null) authOk.add(name);
    else problems.push({ code: "TOKEN_REFUSED", path: `tickets.trackers.${name}`, message: `tickets.trackers.${name}: ${p}` });
  }
  const routes = [...cfg.routes.map((r, i) => ({ r, path: `routes[${i}]` })), ...(cfg.fallback ? [{ r: cfg.fallback, path: "fallback" }] : [])];
  const seen = new Map<string, string | null>();
  for (const { r, path } of routes) {
    const c = clients.get(r.tracker);
    const target = c?.type === "github" ? r.repo : r.project;
    if (!c || !authOk.has(r.tracker) || !target) continue;
    const k = `${r.tracker}\u0000${target}`;
    if (!seen.has(k)) seen.set(k, (await attempt(r.tracker, () => c.checkTarget(target))) ?? null);
    const p = seen.get(k);
    if (p) problems.push({ code: c.type === "github" ? "UNKNOWN_REPO" : "UNKNOWN_PROJECT", path: `tickets.${path}.${c.type === "github" ? "repo" : "project"}`, message: `tickets.${path}.${c.type === "github" ? "repo" : "project"}: ${p}` });
  }
  return { problems, unreachable };
}

/** Throws BAD_CONFIG naming every problem (one per line); returns the check (with any unreachable tracker) when there is none. */
export async function assertTicketsConfig(cfg: TicketsConfig, o: { env?: Readonly<Record<string, string | undefined>>; baseDir: string; file?: string | undefined; offline?: boolean }): Promise<TicketsCheck> {
  const check = await checkTickets(cfg, o);
  const problems = check.problems;
  if (problems.length === 0) return check;
  throw new CostwiseError("BAD_CONFIG", `${o.file ?? "costwise.yaml"}: the tickets section has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `  - ${p.message}`).join("\n")}`, {
    ...(o.file ? { location: { file: o.file } } : {}),
    details: { problems },
  });
}
