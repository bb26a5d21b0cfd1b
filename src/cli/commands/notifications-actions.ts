/**
 * `costwise notifications`: the outbox — what was sent to whom, what is waiting or failed, and the alert latency.
 */
import type { Command } from "commander";
import { listNotifications } from "../../engine/notify/outbox.js";
import { globalOptions, stdio, usageError, withStore } from "../context.js";
import { renderTable } from "../table.js";

const STATUSES = ["pending", "sending", "sent", "failed", "digested"];

export async function notifications(opts: { status?: string; team?: string; limit: string }, cmd: Command) {
  const g = globalOptions(cmd);
  if (opts.status && !STATUSES.includes(opts.status)) throw usageError(`--status must be one of ${STATUSES.join(", ")}`);
  const limit = Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1) throw usageError("--limit must be a positive integer");
  const rows = await withStore(g, (store) => listNotifications(store, { ...(opts.status ? { status: opts.status } : {}), ...(opts.team ? { team: opts.team } : {}), limit }));
  if (g.json) return stdio.json(rows);
  if (rows.length === 0) return stdio.out("no notifications yet: `costwise run detect` or a schedule in costwise.yaml (notify.jobs) produces them");
  stdio.out(
    renderTable(
      ["created", "kind", "team", "channel", "status", "attempts", "latency", "title / last error"],
      rows.map((r) => [r.createdAt, r.kind, r.team, r.channel, r.status, String(r.attempts), r.latencySeconds === null ? "" : `${r.latencySeconds} s`, r.lastError ? `${r.title} (${r.lastError})` : r.title]),
      { rightAlign: [5, 6] },
    ),
  );
}
