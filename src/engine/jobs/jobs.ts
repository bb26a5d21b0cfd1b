/**
 * Jobs: the feedback loop's units of work, run one at a time per kind (a lock row in the store that survives
 * a crash: a lock whose holder process is gone, or whose heartbeat is older than 15 minutes, is taken over),
 * retried with backoff when they fail, and recorded in `job_runs`.
 *
 *   sync      fetch and ingest every configured source; when new data landed, chain allocate → detect →
 *             budgets → deliver at once, so an alert goes out minutes after the data arrives
 *   allocate  re-apply the allocation rules (when configured)
 *   detect    run the anomaly monitors; new alerts go to the outbox, then out
 *   budgets   evaluate budgets; thresholds crossed for the first time go to the outbox, then out
 *   summary   a summary per team (allocation owners) to its channels
 *   deliver   send what the outbox holds (retries, digests)
 *   kpi       compute the KPI scorecard for the day and keep it as history
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { join, dirname, resolve } from "node:path";
import type { JobName } from "../../core/config/sections/notify.js";
import { notifySection, type NotifyConfig } from "../../core/config/sections/notify.js";
import { CostwiseError } from "../../core/errors.js";
import type { LoadedConfig } from "../config/load-config.js";
import { applyAllocation } from "../allocation/allocate.js";
import { loadAllocation } from "../allocation/load-rules.js";
import { budgetStatus } from "../detect/budget-status.js";
import { runMonitors } from "../detect/monitors.js";
import { lastCompleteDayFromStore } from "../detect/load-series.js";
import { syncSources } from "../connectors/sync.js";
import { openClickHouseFromConfig } from "../store/clickhouse/clickhouse-store.js";
import { replicaOptionsOf, syncReplica } from "../store/clickhouse/analysis-replica.js";
import { anomalyNotification, budgetNotifications, dataLandedAt, teamSummary } from "../notify/build-messages.js";
import { deliver, enqueue } from "../notify/outbox.js";
import { computeKpis } from "../notify/kpi.js";
import { JOB_LOCKS_TABLE, JOB_RUNS_TABLE } from "../notify/tables.js";
import { ALLOCATION_TABLE } from "../allocation/tables.js";
import { col, readRows } from "../store/read-rows.js";
import { tableExists } from "../store/table-rows.js";
import { DuckDbStore } from "../store/duckdb/duckdb-store.js";
import type { AnalysisStore } from "../store/cost-store.js";

export interface JobContext {
  store: AnalysisStore;
  workspace: LoadedConfig;
  env?: NodeJS.ProcessEnv;
  /** Clock (tests pin it). */
  now?: () => Date;
  /** Backoff between attempts of a failed job, ms (default 5 s, 20 s, 80 s). */
  retryDelayMs?: (attempt: number) => number;
  /** Attempts per job run (default 3). */
  attempts?: number;
  log?: (line: string) => void;
}

export interface JobResult {
  job: JobName;
  runId: string;
  status: "ok" | "failed" | "skipped";
  attempts: number;
  summary: Record<string, unknown>;
  error?: string;
  /** Jobs this one triggered (sync → allocate, detect, budgets, deliver). */
  chained: JobResult[];
}

const STALE_MS = 15 * 60_000;

function ts(d: Date): string {
  return d.toISOString().slice(0, 19).replace("T", " ");
}

export function notifyConfigOf(workspace: LoadedConfig): NotifyConfig {
  return workspace.config.notify ?? notifySection.parse({});
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the lock for `job`, or returns the current holder when it is held by a live process. */
export async function acquireLock(store: AnalysisStore, job: string, holder: string, now: Date): Promise<{ ok: true } | { ok: false; holder: string }> {
  return store.transaction(async () => {
    const cur = (
      await readRows(store, { holder: col.text, pid: col.int, host: col.text, hb: col.text }, {
        sql: `SELECT holder, pid, host, strftime(heartbeat_at, '%Y-%m-%dT%H:%M:%SZ') AS hb FROM ${JOB_LOCKS_TABLE} WHERE job = ?`,
        params: [job],
      })
    )[0];
    if (cur) {
      const sameHost = cur.host === hostname();
      const dead = sameHost && !processAlive(cur.pid);
      const stale = now.getTime() - Date.parse(cur.hb) > STALE_MS;
      const mine = cur.holder === holder;
      if (!dead && !stale && !mine) return { ok: false as const, holder: `${cur.holder} (pid ${cur.pid} on ${cur.host})` };
    }
    await store.run({
      sql: `INSERT OR REPLACE INTO ${JOB_LOCKS_TABLE} VALUES (?, ?, ?, ?, CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP))`,
      params: [job, holder, process.pid, hostname(), ts(now), ts(now)],
    });
    return { ok: true as const };
  });
}

export async function releaseLock(store: AnalysisStore, job: string, holder: string): Promise<void> {
  await store.run({ sql: `DELETE FROM ${JOB_LOCKS_TABLE} WHERE job = ? AND holder = ?`, params: [job, holder] });
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Runs one job (with its lock, retries and run record); chains follow-up jobs when sync loaded new data. */
export async function runJob(ctx: JobContext, job: JobName, trigger = "manual"): Promise<JobResult> {
  const now = ctx.now ?? (() => new Date());
  const runId = `job_${randomUUID().slice(0, 12)}`;
  const holder = `${hostname()}:${process.pid}:${runId}`;
  const lock = await acquireLock(ctx.store, job, holder, now());
  if (!lock.ok) {
    ctx.log?.(`${job}: skipped, already running in ${lock.holder}`);
    return { job, runId, status: "skipped", attempts: 0, summary: { heldBy: lock.holder }, chained: [] };
  }
  const attempts = ctx.attempts ?? 3;
  const delay = ctx.retryDelayMs ?? ((a: number) => 5000 * 4 ** (a - 1));
  let result: JobResult | undefined;
  try {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const started = now();
      await ctx.store.run({
        sql: `INSERT INTO ${JOB_RUNS_TABLE} VALUES (?, ?, ?, CAST(? AS TIMESTAMP), NULL, 'running', ?, NULL, NULL)`,
        params: [`${runId}_${attempt}`, job, trigger, ts(started), attempt],
      });
      try {
        const summary = await JOBS[job](ctx);
        await ctx.store.run({
          sql: `UPDATE ${JOB_RUNS_TABLE} SET finished_at = CAST(? AS TIMESTAMP), status = 'ok', summary = ? WHERE id = ?`,
          params: [ts(now()), JSON.stringify(summary), `${runId}_${attempt}`],
        });
        result = { job, runId, status: "ok", attempts: attempt, summary, chained: [] };
        break;
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        await ctx.store.run({
          sql: `UPDATE ${JOB_RUNS_TABLE} SET finished_at = CAST(? AS TIMESTAMP), status = 'failed', error = ? WHERE id = ?`,
          params: [ts(now()), message.slice(0, 2000), `${runId}_${attempt}`],
        });
        ctx.log?.(`${job}: attempt ${attempt}/${attempts} failed: ${message.split("\n")[0]}`);
        // a configuration or input mistake will not fix itself: do not retry it
        const permanent = e instanceof CostwiseError && e.isUserError && e.code !== "REMOTE";
        if (attempt === attempts || permanent) {
          result = { job, runId, status: "failed", attempts: attempt, summary: {}, error: message, chained: [] };
          break;
        }
        await sleep(delay(attempt));
      }
    }
  } finally {
    await releaseLock(ctx.store, job, holder);
  }
  const r = result!;
  if (job === "sync" && r.status === "ok" && Number(r.summary["rowsLoaded"] ?? 0) > 0) r.chained.push(...(await runAfterDataLanded(ctx, `after ${job}`)));
  return r;
}

/** The jobs that follow new data, whatever brought it (sync, `costwise ingest`, the API): in this order, at once. */
export const AFTER_DATA_LANDED = ["allocate", "detect", "budgets", "deliver"] as const satisfies readonly JobName[];

/** Runs the chain that follows committed rows (AFTER_DATA_LANDED), so an alert goes out minutes after the data arrives. */
export async function runAfterDataLanded(ctx: JobContext, trigger: string): Promise<JobResult[]> {
  const out: JobResult[] = [];
  for (const next of AFTER_DATA_LANDED) out.push(await runJob(ctx, next, trigger));
  return out;
}

type JobFn = (ctx: JobContext) => Promise<Record<string, unknown>>;

const JOBS: Record<JobName, JobFn> = {
  async sync(ctx) {
    const ch = ctx.workspace.config.store?.backend === "clickhouse" ? ctx.workspace.config.store.clickhouse : undefined;
    if (ch) {
      // ClickHouse is the system of record: new data lands there (costwise ingest, or the organisation's own
      // pipeline); sync brings the analysis replica in step, and new rows chain the analyses as usual
      const warehouse = await openClickHouseFromConfig(ch);
      try {
        const r = await syncReplica(warehouse, ctx.store, replicaOptionsOf(ch, ctx.now?.()));
        return { rowsLoaded: r.rows, replica: r, note: "ClickHouse workspace: sources are loaded with costwise ingest; sync copies changed partitions" };
      } finally {
        await warehouse.close();
      }
    }
    const sources = ctx.workspace.config.sources ?? [];
    if (sources.length === 0) return { rowsLoaded: 0, note: "no sources configured" };
    const report = await syncSources(sources, {
      store: ctx.store,
      stagingDir: join(dirname(resolve(ctx.store.location === ":memory:" ? "." : ctx.store.location)), ".costwise-staging"),
      baseDir: ctx.workspace.baseDir,
      ...(ctx.now ? { now: ctx.now() } : {}),
    });
    const rowsLoaded = report.sources.reduce((a, s) => a + s.rowsLoaded, 0);
    if (report.failed > 0 && rowsLoaded === 0) {
      throw new CostwiseError("REMOTE", `${report.failed} source(s) failed: ${report.sources.filter((s) => s.status === "failed").map((s) => `${s.name}: ${s.message}`).join("; ")}`);
    }
    return { rowsLoaded, failed: report.failed, sources: report.sources.map((s) => ({ name: s.name, status: s.status, rows: s.rowsLoaded })) };
  },

  async allocate(ctx) {
    if (!ctx.workspace.config.allocation) return { note: "no allocation configured" };
    const res = await applyAllocation(ctx.store, loadAllocation(ctx.workspace.config, ctx.workspace.baseDir));
    return { rows: res.rows, lineItems: res.lineItems, rulesHash: res.rulesHash };
  },

  async detect(ctx) {
    const cfg = notifyConfigOf(ctx.workspace);
    const now = ctx.now?.() ?? new Date();
    const found = await runMonitors(ctx.store, ctx.workspace.config, { now });
    const landedAt = await dataLandedAt(ctx.store);
    let queued = 0;
    let duplicates = 0;
    for (const a of found.anomalies.filter((x) => x.alert && x.newAlert)) {
      const n = await anomalyNotification(ctx.store, a, { dashboardUrl: cfg.dashboardUrl, landedAt });
      const e = await enqueue(ctx.store, cfg, n, now);
      queued += e.queued;
      duplicates += e.duplicates;
    }
    const sent = await deliver(ctx.store, cfg, { now, ...(ctx.env ? { env: ctx.env } : {}) });
    return { asOf: found.asOf, anomalies: found.anomalies.length, alerts: found.anomalies.filter((x) => x.alert).length, queued, duplicates, ...sent };
  },

  async budgets(ctx) {
    const cfg = notifyConfigOf(ctx.workspace);
    const now = ctx.now?.() ?? new Date();
    const statuses = await budgetStatus(ctx.store, ctx.workspace.config, {});
    const landedAt = await dataLandedAt(ctx.store);
    let queued = 0;
    for (const s of statuses) for (const n of budgetNotifications(s, ctx.workspace.config, { dashboardUrl: cfg.dashboardUrl, landedAt })) queued += (await enqueue(ctx.store, cfg, n, now)).queued;
    const sent = await deliver(ctx.store, cfg, { now, ...(ctx.env ? { env: ctx.env } : {}) });
    return { budgets: statuses.length, crossed: statuses.reduce((a, s) => a + s.newAlerts.length, 0), queued, ...sent };
  },

  async summary(ctx) {
    const cfg = notifyConfigOf(ctx.workspace);
    const now = ctx.now?.() ?? new Date();
    const asOf = await lastCompleteDayFromStore(ctx.store);
    if (asOf === null) return { note: "no data" };
    if (!(await tableExists(ctx.store, ALLOCATION_TABLE))) return { note: "no allocation yet: run costwise allocate" };
    const teams = await readRows(ctx.store, { team: col.text }, {
      sql: `SELECT DISTINCT team FROM ${ALLOCATION_TABLE} WHERE charge_date > CAST(? AS DATE) - 7 AND charge_date <= CAST(? AS DATE) ORDER BY team`,
      params: [asOf, asOf],
    });
    let queued = 0;
    for (const t of teams) {
      const n = await teamSummary(ctx.store, t.team, { asOf, dashboardUrl: cfg.dashboardUrl });
      queued += (await enqueue(ctx.store, cfg, n, now)).queued;
    }
    const sent = await deliver(ctx.store, cfg, { now, ...(ctx.env ? { env: ctx.env } : {}) });
    return { asOf, teams: teams.length, queued, ...sent };
  },

  async deliver(ctx) {
    const r = await deliver(ctx.store, notifyConfigOf(ctx.workspace), { ...(ctx.now ? { now: ctx.now() } : {}), ...(ctx.env ? { env: ctx.env } : {}) });
    return { ...r };
  },

  async kpi(ctx) {
    const now = ctx.now?.() ?? new Date();
    const k = await computeKpis(ctx.store, ctx.workspace, { now });
    return { day: k.day, kpis: k.kpis.length };
  },
};
