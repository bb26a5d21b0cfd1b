/**
 * Jira Cloud through its REST API v3 with plain fetch (Basic auth: account email + API token). A ticket is an
 * issue whose description is an Atlassian Document Format body. State: the status category "done" means
 * closed; its resolution says how (a name in `wontDoResolutions`, e.g. "Won't Do", is won't do, the reason
 * being the resolution and the last comment; any other resolution is done).
 * Rate limits: 429 with `Retry-After` (seconds), else `X-RateLimit-Reset` (a timestamp), else one minute.
 * 5xx and network failures mean the tracker is down for this run.
 */
import type { JiraTrackerConfig, TicketRoute } from "../../core/config/sections/tickets.js";
import { adfDocument, adfText, type RemoteTicketState } from "../../core/tickets/model.js";
import { RateLimited, TrackerUnavailable, retryAfterMs, withRateLimit, type TrackerClient, type WaitBudget } from "./tracker.js";

export class JiraHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "JiraHttpError";
  }
}

/** Jira's error body: {"errorMessages": [...], "errors": {field: message}}. */
function jiraMessages(body: unknown): string {
  if (body === null || typeof body !== "object") return "";
  const b = body as { errorMessages?: unknown; errors?: unknown };
  const msgs = Array.isArray(b.errorMessages) ? b.errorMessages.map(String) : [];
  const fields = b.errors && typeof b.errors === "object" ? Object.entries(b.errors as Record<string, unknown>).map(([k, v]) => `${k}: ${String(v)}`) : [];
  return [...msgs, ...fields].join("; ");
}

interface IssueFields {
  status?: { name?: string; statusCategory?: { key?: string } };
  resolution?: { name?: string } | null;
  comment?: { comments?: { body?: unknown }[] };
}

export function jiraClient(cfg: JiraTrackerConfig, auth: { email: string; token: string }, budget: WaitBudget, now: () => number = Date.now): TrackerClient {
  const site = cfg.site.replace(/\/+$/, "");
  const authorization = `Basic ${Buffer.from(`${auth.email}:${auth.token}`).toString("base64")}`;

  async function request(method: string, path: string, body?: unknown): Promise<unknown> {
    return withRateLimit(budget, async () => {
      let res: Response;
      try {
        res = await fetch(`${site}${path}`, {
          method,
          headers: { authorization, accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(30_000),
        });
      } catch (e) {
        throw new TrackerUnavailable(`Jira ${site} unreachable: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      const text = await res.text();
      let json: unknown = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        json = null;
      }
      if (res.status === 429) {
        const wait = retryAfterMs(res.headers.get("retry-after"), now()) ?? retryAfterMs(res.headers.get("x-ratelimit-reset"), now()) ?? 60_000;
        throw new RateLimited(wait, `Jira rate limit (429, retry after ${Math.ceil(wait / 1000)} s)`);
      }
      if (res.status >= 500) throw new TrackerUnavailable(`Jira answered ${res.status}${jiraMessages(json) ? `: ${jiraMessages(json)}` : ""}`);
      if (res.status >= 400) throw new JiraHttpError(res.status, `Jira ${method} ${path} answered ${res.status}${jiraMessages(json) ? `: ${jiraMessages(json)}` : ""}`);
      return json;
    });
  }

  return {
    type: "jira",
    ticketRef: (_target, id) => id,
    async create(target, item, route: TicketRoute, asOf) {
      const labels = [...new Set([...cfg.labels, ...route.labels])];
      const components = [...new Set([...cfg.components, ...route.components])];
      const r = (await request("POST", "/rest/api/3/issue", {
        fields: {
          project: { key: target },
          issuetype: { name: cfg.issueType },
          summary: item.title.slice(0, 255),
          description: adfDocument(item, asOf),
          ...(labels.length ? { labels } : {}),
          ...(components.length ? { components: components.map((name) => ({ name })) } : {}),
        },
      })) as { key?: unknown };
      if (typeof r?.key !== "string") throw new TrackerUnavailable("Jira's create answer has no issue key");
      return { remoteId: r.key, url: `${site}/browse/${r.key}` };
    },
    async update(_target, id, item, asOf) {
      await request("PUT", `/rest/api/3/issue/${encodeURIComponent(id)}?notifyUsers=false`, { fields: { summary: item.title.slice(0, 255), description: adfDocument(item, asOf) } });
    },
    async close(_target, id, o) {
      const path = `/rest/api/3/issue/${encodeURIComponent(id)}`;
      await request("POST", `${path}/comment`, { body: { type: "doc", version: 1, content: [{ type: "paragraph", content: [{ type: "text", text: o.comment }] }] } });
      // the workflow's first transition into the Done category; won't do also sets the first won't-do resolution
      const t = (await request("GET", `${path}/transitions`)) as { transitions?: { id?: string; to?: { statusCategory?: { key?: string } } }[] } | null;
      const done = (t?.transitions ?? []).find((x) => x.to?.statusCategory?.key === "done" && typeof x.id === "string");
      if (!done) throw new JiraHttpError(409, `Jira issue ${id} has no transition into a Done status for this account`);
      const resolution = o.as === "not_planned" ? cfg.wontDoResolutions[0] : undefined;
      try {
        await request("POST", `${path}/transitions`, { transition: { id: done.id }, ...(resolution ? { fields: { resolution: { name: resolution } } } : {}) });
      } catch (e) {
        // a transition screen without the resolution field refuses it: close without
        if (!(e instanceof JiraHttpError && e.status === 400 && resolution)) throw e;
        await request("POST", `${path}/transitions`, { transition: { id: done.id } });
      }
    },
    async state(_target, id): Promise<RemoteTicketState> {
      const r = (await request("GET", `/rest/api/3/issue/${encodeURIComponent(id)}?fields=status,resolution,comment`)) as { fields?: IssueFields };
      const f = r?.fields ?? {};
      if (f.status?.statusCategory?.key !== "done") return { state: "open", closedAs: null, reason: null };
      const resolution = f.resolution?.name ?? null;
      if (resolution === null || !cfg.wontDoResolutions.some((w) => w.toLowerCase() === resolution.toLowerCase())) {
        return { state: "closed", closedAs: "completed", reason: null };
      }
      const comments = f.comment?.comments ?? [];
      const last = comments.length ? adfText(comments[comments.length - 1]!.body).slice(0, 500) : "";
      return { state: "closed", closedAs: "not_planned", reason: last ? `${resolution}: ${last}` : resolution };
    },
    async checkAuth() {
      try {
        await request("GET", "/rest/api/3/myself");
        return null;
      } catch (e) {
        if (e instanceof JiraHttpError && (e.status === 401 || e.status === 403)) return `the email and token were refused (${e.status})`;
        throw e;
      }
    },
    async checkTarget(target) {
      try {
        await request("GET", `/rest/api/3/project/${encodeURIComponent(target)}`);
        return null;
      } catch (e) {
        if (e instanceof JiraHttpError && e.status === 404) return `project ${target} does not exist on ${site}, or the account cannot see it`;
        if (e instanceof JiraHttpError && (e.status === 401 || e.status === 403)) return `the email and token were refused (${e.status})`;
        throw e;
      }
    },
  };
}
