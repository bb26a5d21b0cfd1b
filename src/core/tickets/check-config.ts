/**
 * The checks of a `tickets:` section that need no network (pure): every route names a tracker that exists and
 * the target that tracker needs (a repo for GitHub, a project for Jira), every tracker has a token source whose
 * environment variable is set, Jira has an account email. The engine adds what needs the tracker (the repo or
 * project exists, the token works) and reports all of them together, so one run lists every problem.
 */
import type { Problem } from "../errors.js";
import type { TicketRoute, TicketsConfig, TrackerConfig } from "../config/sections/tickets.js";

/** Where each check points: `tickets.routes[2].repo` and so on. */
function at(path: string, code: string, message: string): Problem {
  return { code, path: `tickets.${path}`, message: `tickets.${path}: ${message}` };
}

function checkRoute(cfg: TicketsConfig, r: TicketRoute, path: string): Problem[] {
  const out: Problem[] = [];
  const tracker = cfg.trackers[r.tracker];
  if (!tracker) {
    const known = Object.keys(cfg.trackers);
    out.push(at(`${path}.tracker`, "UNKNOWN_TRACKER", `no tracker "${r.tracker}" under tickets.trackers (${known.length ? `known: ${known.join(", ")}` : "none is configured"})`));
    return out;
  }
  if (tracker.type === "github") {
    if (!r.repo) out.push(at(path, "REPO_MISSING", `tracker "${r.tracker}" is GitHub: the route needs repo: owner/name`));
    if (r.project) out.push(at(`${path}.project`, "WRONG_TARGET", `tracker "${r.tracker}" is GitHub: use repo, not project`));
    if (r.components.length) out.push(at(`${path}.components`, "WRONG_TARGET", `tracker "${r.tracker}" is GitHub: components are Jira's (use labels)`));
  } else {
    if (!r.project) out.push(at(path, "PROJECT_MISSING", `tracker "${r.tracker}" is Jira: the route needs project: KEY`));
    if (r.repo) out.push(at(`${path}.repo`, "WRONG_TARGET", `tracker "${r.tracker}" is Jira: use project, not repo`));
  }
  return out;
}

function checkTracker(name: string, t: TrackerConfig, env: Readonly<Record<string, string | undefined>>): Problem[] {
  const out: Problem[] = [];
  const path = `trackers.${name}`;
  if (!t.tokenEnv && !t.tokenFile) out.push(at(path, "TOKEN_MISSING", "needs tokenEnv (an environment variable) or tokenFile; tokens are never written in costwise.yaml"));
  if (t.tokenEnv && t.tokenFile) out.push(at(path, "TOKEN_TWICE", "give tokenEnv or tokenFile, not both"));
  if (t.tokenEnv && !t.tokenFile && !env[t.tokenEnv]) out.push(at(`${path}.tokenEnv`, "TOKEN_ENV_UNSET", `environment variable ${t.tokenEnv} is not set`));
  if (t.type === "jira") {
    if (!t.email && !t.emailEnv) out.push(at(path, "EMAIL_MISSING", "Jira Cloud needs the token's account: email or emailEnv"));
    if (t.emailEnv && !env[t.emailEnv]) out.push(at(`${path}.emailEnv`, "EMAIL_ENV_UNSET", `environment variable ${t.emailEnv} is not set`));
  }
  return out;
}

/** Every problem of the section that can be seen without a network; [] when none. */
export function checkTicketsConfig(cfg: TicketsConfig, env: Readonly<Record<string, string | undefined>>): Problem[] {
  const out: Problem[] = [];
  for (const [name, t] of Object.entries(cfg.trackers)) out.push(...checkTracker(name, t, env));
  const teams = new Set<string>();
  cfg.routes.forEach((r, i) => {
    if (teams.has(r.team)) out.push(at(`routes[${i}].team`, "DUPLICATE_ROUTE", `team "${r.team}" has an earlier route`));
    teams.add(r.team);
    out.push(...checkRoute(cfg, r, `routes[${i}]`));
  });
  if (cfg.fallback) out.push(...checkRoute(cfg, cfg.fallback, "fallback"));
  if (Object.keys(cfg.trackers).length === 0) out.push(at("trackers", "NO_TRACKER", "no tracker is configured"));
  return out;
}

/** The route for a team: its own, else the fallback, else null (the item waits, listed as unrouted). */
export function routeFor(cfg: TicketsConfig, team: string): TicketRoute | null {
  const own = cfg.routes.find((r) => r.team === team);
  if (own) return own;
  return cfg.fallback ?? null;
}
