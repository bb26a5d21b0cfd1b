/**
 * The outbox: every notification is first written to `notify_outbox` (one row per channel, deduplicated by
 * key), then delivered by `deliver`, at least once:
 *
 * - a row is claimed (status `sending`, a lease) in its own statement before the send; after the send it is
 *   marked `sent`, or rescheduled with exponential backoff (network errors, timeouts, 429 honouring
 *   Retry-After, 5xx, SMTP 4xx), or `failed` (other 4xx, SMTP 5xx, attempts exhausted);
 * - a process that dies mid-send leaves a `sending` row whose lease expires: the next `deliver` sends it again.
 *   Every send carries the key as `Idempotency-Key` (X-Costwise-Key for email) so a receiver can drop the
 *   rare redelivery of a message it did get before the crash;
 * - the same key is never enqueued twice for a channel (UNIQUE dedup_key), so a re-run of detection never
 *   alerts twice for the same anomaly and threshold;
 * - when more rows are due for a channel than its hourly limit leaves room for, they go out as one digest.
 */
import { randomUUID } from "node:crypto";
import { redactSecrets } from "../../core/redact.js";
import type { NotifyConfig } from "../../core/config/sections/notify.js";
import { digestOf, type Notification } from "../../core/notify/message.js";
import { afterQuietHours, routeFor } from "../../core/notify/routing.js";
import type { CostStore } from "../store/cost-store.js";
import { col, readRow, readRows, type RowOf } from "../store/read-rows.js";
import { resolveChannel, send, type ResolvedChannel } from "./channels.js";
import { OUTBOX_TABLE } from "./tables.js";

const LEASE_MS = 2 * 60_000;

function ts(d: Date): string {
  return d.toISOString().slice(0, 19).replace("T", " ");
}

export interface EnqueueResult {
  /** Rows written (new key × channel). */
  queued: number;
  /** Key × channel pairs already in the outbox (deduplicated). */
  duplicates: number;
  channels: string[];
}

export async function enqueue(store: CostStore, config: NotifyConfig, n: Notification, now: Date = new Date()): Promise<EnqueueResult> {
  const targets = routeFor(config, n.team, n.kind);
  let queued = 0;
  let duplicates = 0;
  for (const t of targets) {
    const ch = config.channels[t.channel];
    const dedup = `${n.key}|${t.channel}`;
    const due = n.severity === "critical" ? now : afterQuietHours(t.quietHours, now);
    const rows = await readRows(store, { id: col.text }, {
      sql: `INSERT INTO ${OUTBOX_TABLE} (id, dedup_key, channel, channel_type, team, kind, title, message, status, attempts, next_attempt_at, created_at, data_landed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP))
            ON CONFLICT (dedup_key) DO NOTHING RETURNING id`,
      params: [randomUUID(), dedup, t.channel, ch?.type ?? "unknown", n.team, n.kind, n.title, JSON.stringify(n), ts(due), ts(now), n.dataLandedAt ? n.dataLandedAt.slice(0, 19).replace("T", " ") : null],
    });
    if (rows.length > 0) queued++;
    else duplicates++;
  }
  return { queued, duplicates, channels: targets.map((t) => t.channel) };
}

export interface DeliverOptions {
  now?: Date;
  env?: NodeJS.ProcessEnv;
  /** Test hook: runs after a row is claimed, before it is sent (throwing simulates a crash mid-send). */
  afterClaim?: (row: { id: string; channel: string }) => Promise<void> | void;
  timeoutMs?: number;
}

export interface DeliverResult {
  sent: number;
  retried: number;
  failed: number;
  digested: number;
}

const DUE_ROW = { id: col.text, dedup_key: col.text, channel: col.text, message: col.text, attempts: col.int };
type DueRow = RowOf<typeof DUE_ROW>;

export function backoffMs(attempt: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempt - 1), 3_600_000);
}

export async function deliver(store: CostStore, config: NotifyConfig, opts: DeliverOptions = {}): Promise<DeliverResult> {
  const now = opts.now ?? new Date();
  // sent_at on the caller's clock: `now` plus the real time spent since (the wall clock when none was given)
  const realStart = Date.now();
  const clock = () => new Date(now.getTime() + Date.now() - realStart);
  const env = opts.env ?? process.env;
  const result: DeliverResult = { sent: 0, retried: 0, failed: 0, digested: 0 };
  const due = await readRows(store, DUE_ROW, {
    sql: `SELECT id, dedup_key, channel, CAST(message AS VARCHAR) AS message, attempts FROM ${OUTBOX_TABLE}
          WHERE (status = 'pending' AND next_attempt_at <= CAST(? AS TIMESTAMP))
             OR (status = 'sending' AND lease_until < CAST(? AS TIMESTAMP))
          ORDER BY created_at, id`,
    params: [ts(now), ts(now)],
  });
  const byChannel = new Map<string, DueRow[]>();
  for (const r of due) byChannel.set(r.channel, [...(byChannel.get(r.channel) ?? []), r]);

  const resolved = new Map<string, ResolvedChannel | Error>();
  for (const [channel, rows] of byChannel) {
    let ch = resolved.get(channel);
    if (!ch) {
      const cfg = config.channels[channel];
      try {
        if (!cfg) throw new Error(`channel "${channel}" is no longer configured`);
        ch = resolveChannel(channel, cfg, env);
      } catch (e) {
        ch = e instanceof Error ? e : new Error(String(e));
      }
      resolved.set(channel, ch);
    }
    if (ch instanceof Error) {
      for (const r of rows) {
        await store.run({ sql: `UPDATE ${OUTBOX_TABLE} SET status = 'failed', last_error = ? WHERE id = ?`, params: [redactSecrets(ch.message), r.id] });
        result.failed++;
      }
      continue;
    }
    // rate limit: what this channel sent in the last hour
    const sentLastHour = await readRow(store, { n: col.int }, {
      sql: `SELECT count(*)::INTEGER AS n FROM ${OUTBOX_TABLE} WHERE channel = ? AND status = 'sent' AND sent_at > CAST(? AS TIMESTAMP)`,
      params: [channel, ts(new Date(now.getTime() - 3_600_000))],
    });
    const room = config.rateLimit.perChannelPerHour - (sentLastHour?.n ?? 0);
    let batch = rows;
    if (rows.length > Math.max(room, 0) && rows.length > 1) {
      if (room <= 0) continue; // wait for room; the rows stay due
      // one digest for all of them
      const items = rows.map((r) => JSON.parse(r.message) as Notification);
      const digest = digestOf(items, channel, ts(now));
      const digestId = randomUUID();
      await store.transaction(async () => {
        await store.run({
          sql: `INSERT INTO ${OUTBOX_TABLE} (id, dedup_key, channel, channel_type, team, kind, title, message, status, attempts, next_attempt_at, created_at, data_landed_at)
                VALUES (?, ?, ?, ?, ?, 'digest', ?, ?, 'pending', 0, CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP),
                        (SELECT min(data_landed_at) FROM ${OUTBOX_TABLE} WHERE id IN (${rows.map(() => "?").join(", ")})))`,
          params: [digestId, `${digest.key}|${channel}|${digestId}`, channel, ch.config.type, digest.team, digest.title, JSON.stringify(digest), ts(now), ts(now), ...rows.map((r) => r.id)],
        });
        for (const r of rows) await store.run({ sql: `UPDATE ${OUTBOX_TABLE} SET status = 'digested', digest_id = ? WHERE id = ?`, params: [digestId, r.id] });
      });
      result.digested += rows.length;
      batch = [{ id: digestId, dedup_key: `${digest.key}|${channel}|${digestId}`, channel, message: JSON.stringify(digest), attempts: 0 }];
    }
    for (const r of batch) {
      const claimed = await readRow(store, { attempts: col.int }, {
        sql: `UPDATE ${OUTBOX_TABLE} SET status = 'sending', attempts = attempts + 1, lease_until = CAST(? AS TIMESTAMP)
              WHERE id = ? AND (status = 'pending' OR (status = 'sending' AND lease_until < CAST(? AS TIMESTAMP))) RETURNING attempts`,
        params: [ts(new Date(now.getTime() + LEASE_MS)), r.id, ts(now)],
      });
      if (!claimed) continue; // someone else has it
      const attempts = claimed.attempts;
      await opts.afterClaim?.({ id: r.id, channel });
      const n = JSON.parse(r.message) as Notification;
      const outcome = await send(ch, n, { key: r.dedup_key, now, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
      if (outcome.ok) {
        await store.run({ sql: `UPDATE ${OUTBOX_TABLE} SET status = 'sent', sent_at = CAST(? AS TIMESTAMP), lease_until = NULL, last_error = NULL WHERE id = ?`, params: [ts(clock()), r.id] });
        result.sent++;
      } else if (outcome.retry && attempts < config.maxAttempts) {
        const wait = Math.max(outcome.retryAfterMs ?? 0, backoffMs(attempts));
        await store.run({
          sql: `UPDATE ${OUTBOX_TABLE} SET status = 'pending', lease_until = NULL, last_error = ?, next_attempt_at = CAST(? AS TIMESTAMP) WHERE id = ?`,
          params: [redactSecrets(outcome.error), ts(new Date(now.getTime() + wait)), r.id],
        });
        result.retried++;
      } else {
        await store.run({ sql: `UPDATE ${OUTBOX_TABLE} SET status = 'failed', lease_until = NULL, last_error = ? WHERE id = ?`, params: [redactSecrets(outcome.error), r.id] });
        result.failed++;
      }
    }
  }
  return result;
}

export interface OutboxRow {
  id: string;
  channel: string;
  team: string;
  kind: string;
  title: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
  /** Seconds from the data landing to delivery. */
  latencySeconds: number | null;
}

export async function listNotifications(store: CostStore, o: { status?: string; team?: string; limit?: number } = {}): Promise<OutboxRow[]> {
  const where: string[] = [];
  const params: string[] = [];
  if (o.status) {
    where.push("status = ?");
    params.push(o.status);
  }
  if (o.team) {
    where.push("team = ?");
    params.push(o.team);
  }
  const rows = await readRows(
    store,
    {
      id: col.text,
      channel: col.text,
      team: col.text,
      kind: col.text,
      title: col.text,
      status: col.text,
      attempts: col.int,
      last_error: col.text.nullable().optional(),
      created_at: col.text,
      sent_at: col.text.nullable().optional(),
      latency: col.int.nullable().optional(),
    },
    {
    sql: `SELECT id, channel, team, kind, title, status, attempts, last_error, strftime(created_at, '%Y-%m-%dT%H:%M:%SZ') AS created_at,
            strftime(sent_at, '%Y-%m-%dT%H:%M:%SZ') AS sent_at, date_diff('second', data_landed_at, sent_at) AS latency
          FROM ${OUTBOX_TABLE} ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at DESC, id LIMIT ${Math.max(1, Math.min(o.limit ?? 100, 10_000))}`,
      params,
    },
  );
  return rows.map((r) => ({
    id: r.id,
    channel: r.channel,
    team: r.team,
    kind: r.kind,
    title: r.title,
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error ?? null,
    createdAt: r.created_at,
    sentAt: r.sent_at ?? null,
    latencySeconds: r.latency ?? null,
  }));
}
