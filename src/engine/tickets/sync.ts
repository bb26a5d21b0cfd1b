/**
 * The ticket sync: files new tickets, updates changed ones, reads every ticket's state back. Order of operations:
 * 1. the trackers: a client per configured tracker whose token resolves (env var or file); one that does not is
 *    unavailable for this run (its items wait, pending);
 * 2. the items the rules select now (items.ts), each routed by its team (tickets.routes, else tickets.fallback;
 *    neither: counted as unrouted, nothing filed);
 * 3. per item, by its dedupe key in the `tickets` table:
 *    - no row yet: a `pending` row is written FIRST, so an item is never lost whatever the tracker does;
 *    - pending (new, or left by an earlier run that failed): file it; success → `filed` with the remote id;
 *      failure → stays pending with `attempts` + 1 and `last_error` (the backlog, retried next run);
 *    - filed: when the body's figures changed (hash of the body without its date), update the ticket; never
 *      file a second one;
 *    a tracker that is down (5xx, network) or rate limited beyond the run's wait budget is skipped for the rest
 *    of the run;
 * 4. state: every filed ticket's state is read; for a recommendation, closed as completed → `done`, closed as
 *    won't do → `dismissed` with the ticket's reason, reopened (closed when last read, open now) → `open`, each
 *    through the recommendation store's status change (which records when, and the reason naming the ticket);
 *    the other way: a recommendation marked done or dismissed by hand (CLI, API) whose ticket is open (and was
 *    not just reopened) gets its ticket closed — a comment saying who/why, then closed as completed (done) or
 *    won't do (dismissed); a failure leaves it open, tried again next run;
 * 5. the summary: filed, updated, unchanged, state changes, pending (backlog), unrouted, deferred trackers.
 * `dryRun`: steps 1–3 without writing anything or calling a tracker: what would be filed and updated.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { TicketRoute, TicketsConfig, TrackerConfig } from "../../core/config/sections/tickets.js";
import { routeFor } from "../../core/tickets/check-config.js";
import { markdownBody, recommendationChange, type RemoteTicketState, type TicketItem } from "../../core/tickets/model.js";
import { RECOMMENDATION_STATUSES, type RecommendationStatus } from "../../core/optimize/recommendation-model.js";
import { CostwiseError } from "../../core/errors.js";
import { redactSecrets } from "../../core/redact.js";
import { getRecommendation, setRecommendationStatus } from "../optimize/recommendation-store.js";
import { sql, type AnalysisStore } from "../store/cost-store.js";
import { col, readRow, readRows } from "../store/read-rows.js";
import { githubClient } from "./github.js";
import { ticketItems } from "./items.js";
import { jiraClient } from "./jira.js";
import { TICKETS_TABLE } from "./tables.js";
import { TrackerUnavailable, waitBudget, type TrackerClient, type WaitBudget } from "./tracker.js";

export interface TicketsSyncOptions {
  now?: Date;
  env?: Readonly<Record<string, string | undefined>>;
  /** Folder tokenFile paths resolve against. */
  baseDir: string;
  dashboardUrl: string;
  dryRun?: boolean;
  /** Sleep used for rate-limit waits (tests pass a recorder). */
  sleep?: (ms: number) => Promise<void>;
}

export interface TicketAction {
  key: string;
  action: "file" | "update" | "unchanged" | "unrouted" | "pending" | "status" | "close";
  tracker?: string;
  target?: string;
  ticket?: string;
  detail?: string;
}

export interface TicketsSyncReport {
  dryRun: boolean;
  items: number;
  filed: number;
  updated: number;
  unchanged: number;
  unrouted: number;
  /** Items waiting for their tracker (the backlog): pending rows after this run. */
  pending: number;
  statusChanges: { key: string; ticket: string; from: string; to: string; reason: string }[];
  /** Tickets closed because their recommendation was marked done or dismissed in costwise. */
  closed: number;
  /** Trackers skipped for the rest of the run, with why. */
  deferred: Record<string, string>;
  rateLimitWaitsMs: number[];
  actions: TicketAction[];
}

/** The token of a tracker: its env var or its file (trimmed); null when neither yields one. */
export function trackerToken(t: TrackerConfig, env: Readonly<Record<string, string | undefined>>, baseDir: string): string | null {
  if (t.tokenEnv) return env[t.tokenEnv] || null;
  if (t.tokenFile) {
    try {
      return readFileSync(resolve(baseDir, t.tokenFile), "utf8").trim() || null;
    } catch {
      return null;
    }
  }
  return null;
}

/** A client per tracker, or why it cannot have one (no token, no Jira email). */
export function trackerClients(cfg: TicketsConfig, o: { env: Readonly<Record<string, string | undefined>>; baseDir: string; budget: WaitBudget }): { clients: Map<string, TrackerClient>; unavailable: Record<string, string> } {
  const clients = new Map<string, TrackerClient>();
  const unavailable: Record<string, string> = {};
  for (const [name, t] of Object.entries(cfg.trackers)) {
    const token = trackerToken(t, o.env, o.baseDir);
    if (token === null) {
      unavailable[name] = t.tokenEnv ? `environment variable ${t.tokenEnv} is not set` : t.tokenFile ? `token file ${t.tokenFile} is missing or empty` : "no tokenEnv or tokenFile";
      continue;
    }
    if (t.type === "github") clients.set(name, githubClient(t, token, o.budget));
    else {
      const email = t.email ?? (t.emailEnv ? o.env[t.emailEnv] : undefined);
      if (!email) {
        unavailable[name] = "no account email (email or emailEnv)";
        continue;
      }
      clients.set(name, jiraClient(t, { email, token }, o.budget));
    }
  }
  return { clients, unavailable };
}

/** The hash of a ticket's content without its date: a re-run updates the ticket only when a figure changed. */
export function bodyHash(item: TicketItem): string {
  return createHash("sha256").update(`${item.title}\n${markdownBody(item, "")}`).digest("hex").slice(0, 32);
}

function ts(d: Date): string {
  return d.toISOString().slice(0, 19).replace("T", " ");
}

const TICKET_ROW = {
  key: col.text,
  item_kind: col.text,
  item_ref: col.text,
  team: col.text,
  tracker: col.text,
  tracker_type: col.text,
  target: col.text,
  title: col.text,
  status: col.text,
  remote_id: col.text.nullable(),
  remote_url: col.text.nullable(),
  remote_state: col.text.nullable(),
  remote_closed_as: col.text.nullable(),
  body_hash: col.text.nullable(),
  attempts: col.int,
  last_error: col.text.nullable(),
  created_at: col.timestamp,
  filed_at: col.timestamp.nullable(),
  synced_at: col.timestamp.nullable(),
};
const TICKET_COLUMNS = `key, item_kind, item_ref, team, tracker, tracker_type, target, title, status, remote_id, remote_url, remote_state, remote_closed_as, body_hash, attempts, last_error,
  strftime(created_at, '%Y-%m-%dT%H:%M:%SZ') AS created_at, strftime(filed_at, '%Y-%m-%dT%H:%M:%SZ') AS filed_at, strftime(synced_at, '%Y-%m-%dT%H:%M:%SZ') AS synced_at`;

export type TicketRow = ReturnType<typeof toTicket>;

function toTicket(r: { [K in keyof typeof TICKET_ROW]: unknown }) {
  return r as {
    key: string; item_kind: string; item_ref: string; team: string; tracker: string; tracker_type: string; target: string; title: string; status: "pending" | "filed";
    remote_id: string | null; remote_url: string | null; remote_state: "open" | "closed" | null; remote_closed_as: string | null; body_hash: string | null;
    attempts: number; last_error: string | null; created_at: string; filed_at: string | null; synced_at: string | null;
  };
}

/** Every ticket row, pending first, then by creation. */
export async function listTickets(store: AnalysisStore, f: { status?: "pending" | "filed" } = {}): Promise<TicketRow[]> {
  const rows = await readRows(store, TICKET_ROW, f.status ? sql(`SELECT ${TICKET_COLUMNS} FROM ${TICKETS_TABLE} WHERE status = ? ORDER BY created_at, key`, f.status) : `SELECT ${TICKET_COLUMNS} FROM ${TICKETS_TABLE} ORDER BY status DESC, created_at, key`);
  return rows.map(toTicket);
}

async function ticketRow(store: AnalysisStore, key: string): Promise<TicketRow | undefined> {
  const r = await readRow(store, TICKET_ROW, sql(`SELECT ${TICKET_COLUMNS} FROM ${TICKETS_TABLE} WHERE key = ?`, key));
  return r ? toTicket(r) : undefined;
}

function message(e: unknown): string {
  return redactSecrets(e instanceof Error ? e.message : String(e)).slice(0, 1000);
}

/** Runs one sync (see the order of operations above). */
export async function syncTickets(store: AnalysisStore, cfg: TicketsConfig, o: TicketsSyncOptions): Promise<TicketsSyncReport> {
  const now = o.now ?? new Date();
  const env = o.env ?? process.env;
  const asOf = now.toISOString().slice(0, 10);
  const budget = waitBudget(cfg.maxRateLimitWaitSeconds, o.sleep);
  const { clients, unavailable } = trackerClients(cfg, { env, baseDir: o.baseDir, budget });
  const deferred: Record<string, string> = { ...unavailable };
  const report: TicketsSyncReport = { dryRun: !!o.dryRun, items: 0, filed: 0, updated: 0, unchanged: 0, unrouted: 0, pending: 0, statusChanges: [], closed: 0, deferred, rateLimitWaitsMs: budget.waits, actions: [] };

  /** Calls a tracker unless it is deferred; a TrackerUnavailable defers it for the rest of the run. */
  async function use<T>(tracker: string, fn: (c: TrackerClient) => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
    if (deferred[tracker] !== undefined) return { ok: false, error: `tracker ${tracker} deferred: ${deferred[tracker]}` };
    const c = clients.get(tracker);
    if (!c) return { ok: false, error: `tracker ${tracker} is not configured` };
    try {
      return { ok: true, value: await fn(c) };
    } catch (e) {
      if (e instanceof TrackerUnavailable) deferred[tracker] = message(e);
      return { ok: false, error: message(e) };
    }
  }

  // 2–3: file and update
  const items = await ticketItems(store, cfg, { now, dashboardUrl: o.dashboardUrl });
  report.items = items.length;
  for (const item of items) {
    const existing = await ticketRow(store, item.key);
    const route: TicketRoute | null = routeFor(cfg, item.team);
    const hash = bodyHash(item);
    if (existing?.status === "filed") {
      if (existing.body_hash === hash) {
        report.unchanged++;
        report.actions.push({ key: item.key, action: "unchanged", tracker: existing.tracker, target: existing.target, ticket: existing.remote_id! });
        continue;
      }
      report.actions.push({ key: item.key, action: "update", tracker: existing.tracker, target: existing.target, ticket: existing.remote_id! });
      if (o.dryRun) continue;
      const r = await use(existing.tracker, (c) => c.update(existing.target, existing.remote_id!, item, asOf));
      if (r.ok) {
        report.updated++;
        await store.run(sql(`UPDATE ${TICKETS_TABLE} SET body_hash = ?, title = ?, updated_at = CAST(? AS TIMESTAMP), last_error = NULL WHERE key = ?`, hash, item.title, ts(now), item.key));
      } else await store.run(sql(`UPDATE ${TICKETS_TABLE} SET last_error = ? WHERE key = ?`, r.error, item.key));
      continue;
    }
    const tracker = existing && !route ? existing.tracker : route?.tracker;
    const target = existing && !route ? existing.target : (route?.repo ?? route?.project);
    if (!route || !tracker || !target || !cfg.trackers[tracker]) {
      report.unrouted++;
      report.actions.push({ key: item.key, action: "unrouted", detail: `no route for team ${item.team} and no tickets.fallback` });
      continue;
    }
    report.actions.push({ key: item.key, action: "file", tracker, target });
    if (o.dryRun) continue;
    const trackerType = cfg.trackers[tracker]!.type;
    if (!existing) {
      await store.run(
        sql(`INSERT INTO ${TICKETS_TABLE} (key, item_kind, item_ref, team, tracker, tracker_type, target, title, status, attempts, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, CAST(? AS TIMESTAMP))`,
          item.key, item.kind, item.ref, item.team, tracker, trackerType, target, item.title, ts(now)),
      );
    } else {
      await store.run(sql(`UPDATE ${TICKETS_TABLE} SET tracker = ?, tracker_type = ?, target = ?, team = ?, title = ? WHERE key = ?`, tracker, trackerType, target, item.team, item.title, item.key));
    }
    const r = await use(tracker, (c) => c.create(target, item, route, asOf));
    if (r.ok) {
      report.filed++;
      await store.run(
        sql(`UPDATE ${TICKETS_TABLE} SET status = 'filed', remote_id = ?, remote_url = ?, remote_state = 'open', body_hash = ?, attempts = attempts + 1, last_error = NULL,
               filed_at = CAST(? AS TIMESTAMP), updated_at = CAST(? AS TIMESTAMP) WHERE key = ?`, r.value.remoteId, r.value.url, hash, ts(now), ts(now), item.key),
      );
    } else {
      await store.run(sql(`UPDATE ${TICKETS_TABLE} SET attempts = attempts + 1, last_error = ? WHERE key = ?`, r.error, item.key));
    }
  }

  // 4: state flows back
  if (!o.dryRun) {
    for (const t of await listTickets(store, { status: "filed" })) {
      const r = await use(t.tracker, (c) => c.state(t.target, t.remote_id!));
      if (!r.ok) continue;
      let remote: RemoteTicketState = r.value;
      const ref = clients.get(t.tracker)!.ticketRef(t.target, t.remote_id!);
      if (t.item_kind === "recommendation") {
        const rec = await getRecommendation(store, t.item_ref).catch(() => null);
        if (rec && (RECOMMENDATION_STATUSES as readonly string[]).includes(rec.status)) {
          const change = recommendationChange(rec.status as RecommendationStatus, t.remote_state, remote, `${t.tracker_type === "github" ? "GitHub issue" : "Jira issue"} ${ref}`);
          if (change) {
            await setRecommendationStatus(store, String(rec.id), change.to, change.reason, now);
            report.statusChanges.push({ key: t.key, ticket: ref, from: rec.status, to: change.to, reason: change.reason });
            report.actions.push({ key: t.key, action: "status", tracker: t.tracker, target: t.target, ticket: t.remote_id!, detail: `${rec.status} → ${change.to}` });
          } else if (remote.state === "open" && t.remote_state !== "closed" && (rec.status === "done" || rec.status === "dismissed")) {
            const as = rec.status === "done" ? "completed" : "not_planned";
            const comment = `Marked ${rec.status} in costwise${rec.statusChangedAt ? ` on ${rec.statusChangedAt.slice(0, 10)}` : ""}${rec.statusReason ? `: ${rec.statusReason}` : ""}. Closed by costwise.`;
            const c = await use(t.tracker, (cl) => cl.close(t.target, t.remote_id!, { comment, as }));
            if (c.ok) {
              remote = { state: "closed", closedAs: as, reason: comment };
              report.closed++;
              report.actions.push({ key: t.key, action: "close", tracker: t.tracker, target: t.target, ticket: t.remote_id!, detail: `recommendation ${rec.status}: closed as ${as === "completed" ? "completed" : "won't do"}` });
            } else await store.run(sql(`UPDATE ${TICKETS_TABLE} SET last_error = ? WHERE key = ?`, c.error, t.key));
          }
        }
      }
      await store.run(sql(`UPDATE ${TICKETS_TABLE} SET remote_state = ?, remote_closed_as = ?, synced_at = CAST(? AS TIMESTAMP) WHERE key = ?`, remote.state, remote.closedAs, ts(now), t.key));
    }
  }

  // 5: the backlog
  const pending = await readRow(store, { n: col.int }, `SELECT count(*)::INTEGER AS n FROM ${TICKETS_TABLE} WHERE status = 'pending'`);
  report.pending = pending?.n ?? 0;
  for (const p of o.dryRun ? [] : await listTickets(store, { status: "pending" })) report.actions.push({ key: p.key, action: "pending", tracker: p.tracker, target: p.target, detail: p.last_error ?? "not yet filed" });
  return report;
}

/** Fails (REMOTE) when the sync left work for the next run, so the job's run is recorded as failed and retried. */
export function assertNothingDeferred(r: TicketsSyncReport): void {
  const d = Object.entries(r.deferred);
  if (d.length > 0) throw new CostwiseError("REMOTE", `tickets: ${r.pending} pending, tracker(s) unavailable: ${d.map(([k, v]) => `${k}: ${v}`).join("; ")}`);
}
