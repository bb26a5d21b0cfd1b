/**
 * What the ticket sync needs from a tracker (GitHub Issues, Jira Cloud), and the waits both share.
 *
 * Rate limits: a tracker client turns a rate-limited answer into `RateLimited` with the time to wait (GitHub:
 * `retry-after`, else `x-ratelimit-reset` when `x-ratelimit-remaining` is 0, else one minute for a secondary
 * limit; Jira: `Retry-After`, else `X-RateLimit-Reset`). `withRateLimit` waits and tries again while the run's
 * wait budget lasts; past it the call fails as `TrackerUnavailable`, which the sync treats like a tracker that is
 * down: what is left stays pending and the next run retries it.
 */
import type { RemoteTicketState, TicketItem } from "../../core/tickets/model.js";
import type { TicketRoute } from "../../core/config/sections/tickets.js";

export interface TrackerClient {
  readonly type: "github" | "jira";
  /** "acme/payments#12" or "PLAT-7": how people refer to the ticket. */
  ticketRef(target: string, remoteId: string): string;
  create(target: string, item: TicketItem, route: TicketRoute, asOf: string): Promise<{ remoteId: string; url: string }>;
  update(target: string, remoteId: string, item: TicketItem, asOf: string): Promise<void>;
  state(target: string, remoteId: string): Promise<RemoteTicketState>;
  /** Comments, then closes the ticket: as completed (the item is done) or as won't do (dismissed). */
  close(target: string, remoteId: string, o: { comment: string; as: "completed" | "not_planned" }): Promise<void>;
  /** null when the token works; else what is wrong (TrackerUnavailable when the tracker cannot be reached). */
  checkAuth(): Promise<string | null>;
  /** null when the repository / project exists and the token can see it; else what is wrong (TrackerUnavailable: unreachable). */
  checkTarget(target: string): Promise<string | null>;
}

/** The tracker asked us to wait `waitMs` before the next request. */
export class RateLimited extends Error {
  constructor(
    readonly waitMs: number,
    message: string,
  ) {
    super(message);
    this.name = "RateLimited";
  }
}

/** The tracker cannot be used in this run (down, or rate limited beyond the wait budget): retry next run. */
export class TrackerUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TrackerUnavailable";
  }
}

export interface WaitBudget {
  /** Milliseconds of rate-limit waiting left in this run (shared by every call). */
  remainingMs: number;
  sleep: (ms: number) => Promise<void>;
  /** Each wait, for the run's summary and tests. */
  waits: number[];
}

export function waitBudget(maxSeconds: number, sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))): WaitBudget {
  return { remainingMs: maxSeconds * 1000, sleep, waits: [] };
}

/** Runs `call`, waiting out rate limits while the budget lasts (at most 5 waits per call). */
export async function withRateLimit<T>(budget: WaitBudget, call: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await call();
    } catch (e) {
      if (!(e instanceof RateLimited)) throw e;
      if (i >= 5 || e.waitMs > budget.remainingMs) {
        throw new TrackerUnavailable(`${e.message}; waiting ${Math.ceil(e.waitMs / 1000)} s is beyond this run's budget, retried next run`, { cause: e });
      }
      budget.remainingMs -= e.waitMs;
      budget.waits.push(e.waitMs);
      await budget.sleep(e.waitMs);
    }
  }
}

/** Seconds (an integer or an HTTP date) of a Retry-After header, as milliseconds from `now`; null when absent or unreadable. */
export function retryAfterMs(value: string | null | undefined, now: number): number | null {
  if (value === null || value === undefined || value.trim() === "") return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
