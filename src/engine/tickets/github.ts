/**
 * GitHub Issues through the official client (@octokit/rest). A ticket is an issue; its body carries a hidden
 * marker with the item key. State: open; closed with state_reason "completed" (done) or "not_planned" /
 * "duplicate" (won't do; the reason is the last comment when there is one). Closing (an item marked done or
 * dismissed in costwise): a comment saying so, then the issue closed with state_reason completed / not_planned.
 * Rate limits (GitHub's documented rules, checked in this order): a `retry-after` header → wait that long;
 * `x-ratelimit-remaining: 0` → wait until `x-ratelimit-reset`; a 403/429 that says "secondary rate limit" with
 * neither header → wait one minute. 5xx and network failures mean the tracker is down for this run.
 */
import { Octokit } from "@octokit/rest";
import type { GithubTrackerConfig, TicketRoute } from "../../core/config/sections/tickets.js";
import { markdownBody, type RemoteTicketState, type TicketItem } from "../../core/tickets/model.js";
import { RateLimited, TrackerUnavailable, retryAfterMs, withRateLimit, type TrackerClient, type WaitBudget } from "./tracker.js";

interface HttpError {
  status: number;
  message: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

function isHttpError(e: unknown): e is HttpError {
  return typeof e === "object" && e !== null && typeof (e as { status?: unknown }).status === "number";
}

/** Turns GitHub's rate-limit answers into RateLimited and 5xx / network failures into TrackerUnavailable. */
export function classifyGithubError(e: unknown, now: number): unknown {
  if (!isHttpError(e)) return new TrackerUnavailable(`GitHub unreachable: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  const h = e.response?.headers ?? {};
  const header = (n: string) => (h[n] === undefined ? null : String(h[n]));
  if (e.status === 403 || e.status === 429) {
    const after = retryAfterMs(header("retry-after"), now);
    if (after !== null) return new RateLimited(after, `GitHub rate limit (retry-after ${Math.ceil(after / 1000)} s)`);
    if (header("x-ratelimit-remaining") === "0" && header("x-ratelimit-reset") !== null) {
      const wait = Math.max(0, Number(header("x-ratelimit-reset")) * 1000 - now) + 1000;
      return new RateLimited(wait, `GitHub rate limit exhausted until ${new Date(Number(header("x-ratelimit-reset")) * 1000).toISOString()}`);
    }
    if (/secondary rate limit|abuse/i.test(e.message)) return new RateLimited(60_000, "GitHub secondary rate limit");
  }
  if (e.status >= 500) return new TrackerUnavailable(`GitHub answered ${e.status}: ${e.message.split("\n")[0]}`, { cause: e });
  return e;
}

function splitRepo(target: string): { owner: string; repo: string } {
  const [owner = "", repo = ""] = target.split("/");
  return { owner, repo };
}

export function githubClient(cfg: GithubTrackerConfig, token: string, budget: WaitBudget, now: () => number = Date.now): TrackerClient {
  const octokit = new Octokit({
    auth: token,
    baseUrl: cfg.apiUrl.replace(/\/+$/, ""),
    userAgent: "costwise-tickets",
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
  const call = <T>(fn: () => Promise<T>) =>
    withRateLimit(budget, async () => {
      try {
        return await fn();
      } catch (e) {
        throw classifyGithubError(e, now());
      }
    });
  return {
    type: "github",
    ticketRef: (target, id) => `${target}#${id}`,
    async create(target, item, route, asOf) {
      const labels = [...new Set([...cfg.labels, ...route.labels])];
      const assignees = [...new Set([...cfg.assignees, ...route.assignees])];
      const r = await call(() =>
        octokit.rest.issues.create({ ...splitRepo(target), title: item.title, body: markdownBody(item, asOf), ...(labels.length ? { labels } : {}), ...(assignees.length ? { assignees } : {}) }),
      );
      return { remoteId: String(r.data.number), url: r.data.html_url };
    },
    async update(target, id, item, asOf) {
      await call(() => octokit.rest.issues.update({ ...splitRepo(target), issue_number: Number(id), title: item.title, body: markdownBody(item, asOf) }));
    },
    async close(target, id, o) {
      await call(() => octokit.rest.issues.createComment({ ...splitRepo(target), issue_number: Number(id), body: o.comment }));
      await call(() => octokit.rest.issues.update({ ...splitRepo(target), issue_number: Number(id), state: "closed", state_reason: o.as }));
    },
    async state(target, id): Promise<RemoteTicketState> {
      const r = await call(() => octokit.rest.issues.get({ ...splitRepo(target), issue_number: Number(id) }));
      if (r.data.state !== "closed") return { state: "open", closedAs: null, reason: null };
      const wontDo = r.data.state_reason === "not_planned" || r.data.state_reason === "duplicate";
      const by = r.data.closed_by?.login ? `by @${r.data.closed_by.login}` : null;
      if (!wontDo) return { state: "closed", closedAs: "completed", reason: by };
      // the reason people give is the last comment (GitHub has no close-reason text)
      let reason: string | null = [r.data.state_reason === "duplicate" ? "duplicate" : null, by].filter((x) => x !== null).join(" ") || null;
      if (r.data.comments > 0) {
        const c = await call(() => octokit.rest.issues.listComments({ ...splitRepo(target), issue_number: Number(id), per_page: 1, page: r.data.comments }));
        const body = c.data[0]?.body?.trim();
        if (body) reason = `${reason ? `${reason}: ` : ""}${body.slice(0, 500)}`;
      }
      return { state: "closed", closedAs: "not_planned", reason };
    },
    async checkAuth() {
      try {
        await call(() => octokit.rest.users.getAuthenticated());
        return null;
      } catch (e) {
        if (isHttpError(e) && (e.status === 401 || e.status === 403)) return `the token was refused (${e.status})`;
        throw e;
      }
    },
    async checkTarget(target) {
      try {
        const r = await call(() => octokit.rest.repos.get(splitRepo(target)));
        if (r.data.has_issues === false) return `repository ${target} has issues turned off`;
        return null;
      } catch (e) {
        if (isHttpError(e) && e.status === 404) return `repository ${target} does not exist, or the token cannot see it`;
        if (isHttpError(e) && e.status === 401) return "the token was refused (401 Bad credentials)";
        if (isHttpError(e) && e.status === 403) return `the token may not read repository ${target} (403)`;
        throw e;
      }
    },
  };
}
