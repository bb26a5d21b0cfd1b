/**
 * The operational state /metrics exposes, read from the store (so it survives restarts and counts runs of
 * every process: serve's scheduler, `costwise run` from cron, forwarded commands):
 *   1. per job (every JOB_NAMES entry, zeros for jobs never run): attempts, failed attempts, last success;
 *   2. per source and billing account: the last complete billing day (store/sources.ts freshness rules);
 *   3. the outbox: backlog (pending or sending) and the age of its oldest entry;
 *   4. per channel: notifications that failed for good, and those waiting for a retry after an error.
 */
import { JOB_NAMES } from "../../core/config/sections/notify.js";
import type { CostStore } from "../store/cost-store.js";
import { col, readRow, readRows } from "../store/read-rows.js";
import { freshness } from "../store/sources.js";
import { tableExists } from "../store/table-rows.js";
import { OUTBOX_TABLE } from "../notify/tables.js";
import { jobHistory } from "./status.js";

export interface OperationalState {
  jobs: { job: string; runs: number; failures: number; lastSuccessAt: string | null; lastStatus: string | null }[];
  sources: { source: string; billingAccountId: string; lastCompleteDay: string | null }[];
  outbox: { backlog: number; oldestPendingAt: string | null };
  channels: { channel: string; failed: number; retrying: number }[];
}

export async function operationalState(store: CostStore): Promise<OperationalState> {
  const history = await jobHistory(store);
  const names = [...new Set<string>([...JOB_NAMES, ...history.keys()])];
  const jobs = names.map((job) => {
    const h = history.get(job);
    return { job, runs: h?.runs ?? 0, failures: h?.failures ?? 0, lastSuccessAt: h?.lastSuccessAt ?? null, lastStatus: h?.lastStatus ?? null };
  });
  const sources = (await freshness(store)).map((f) => ({ source: f.source, billingAccountId: f.billingAccountId, lastCompleteDay: f.lastCompleteDay }));
  if (!(await tableExists(store, OUTBOX_TABLE))) return { jobs, sources, outbox: { backlog: 0, oldestPendingAt: null }, channels: [] };
  const outbox = await readRow(
    store,
    { backlog: col.int, oldest: col.text.nullable() },
    `SELECT count(*)::INTEGER AS backlog, strftime(min(created_at), '%Y-%m-%dT%H:%M:%SZ') AS oldest
     FROM ${OUTBOX_TABLE} WHERE status IN ('pending', 'sending')`,
  );
  const channels = await readRows(
    store,
    { channel: col.text, failed: col.int, retrying: col.int },
    `SELECT channel, count(*) FILTER (WHERE status = 'failed')::INTEGER AS failed,
            count(*) FILTER (WHERE status IN ('pending', 'sending') AND last_error IS NOT NULL)::INTEGER AS retrying
     FROM ${OUTBOX_TABLE} GROUP BY channel ORDER BY channel`,
  );
  return { jobs, sources, outbox: { backlog: outbox?.backlog ?? 0, oldestPendingAt: outbox?.oldest ?? null }, channels };
}
