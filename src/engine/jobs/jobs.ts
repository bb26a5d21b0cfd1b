/**
 * Jobs: the feedback loop's units of work, run one at a time per kind (a lock row in the store that survives
 * a crash: a lock whose holder process is gone, or whose heartbeat is older than 15 minutes, is taken over),
 * retried with backoff when they fail, and recorded in `job_runs`.
 *
 *   sync      fetch and ingest every configured source; when new data landed, chain allocate → detect →
 *             budgets → deliver at once, so an alert goes out minutes after the data arrives
 *   allocate  re-apply the allocation rules (when configured)
 *   detect    run the anomaly monitors; new alerts go to the outbox, then out
 *   forecast  forecast every default scope (the whole store, each budget's scope) and save the snapshots
 *             (the forecast variance KPI compares them with the actuals at month close)
 *   budgets   evaluate budgets; thresholds crossed for the first time go to the outbox, then out
 *   scan      the governance runtime scan (when governance.policy and governance.scan are configured),
 *             recorded; then blocking findings new since the previous scan go to their owners
 *   recommend an optimization run (recommendations saved); then the digest of new recommendations per owner
 *   commitments  expiry notices for commitments ending in 90/60/30/7 days
 *   summary   a daily summary (yesterday vs the day before) per team (allocation owners) to its channels
 *   summary-weekly  the weekly summary (last 7 days vs the 7 before) per team
 *   deliver   send what the outbox holds (retries, digests)
 *   kpi       compute the KPI scorecard for the day and keep it as history
 *   tickets   file and update tickets in GitHub / Jira (tickets: section) and read their state back
 *   review    the monthly FinOps review of the previous month on the 2nd working day: kept, emailed as PDF, linked in chat
 * Default schedules: DEFAULT_JOB_SCHEDULES in core/config/sections/notify.ts; catch-up: schedule.ts.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { join, dirname, resolve } from "node:path";
import { evaluatePolicy } from "../../core/governance/evaluate.js";
import { optimizationDefaults } from "../../core/config/sections/optimization.js";
import type { Notification } from "../../core/notify/message.js";
import type { JobName } from "../../core/config/sections/notify.js";
import { notifySection, type NotifyConfig } from "../../core/config/sections/notify.js";
import { CostwiseError } from "../../core/errors.js";
import { redactSecrets } from "../../core/redact.js";
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
import { teamTaggedSpend } from "../kpi/tagged-spend.js";
import { deliver, enqueue } from "../notify/outbox.js";
import { computeKpis } from "../kpi/history.js";
import { JOB_LOCKS_TABLE, JOB_RUNS_TABLE } from "../notify/tables.js";
import { ALLOCATION_TABLE } from "../allocation/tables.js";
import { col, readRows } from "../store/read-rows.js";
import { tableExists } from "../store/table-rows.js";
import { DuckDbStore } from "../store/duckdb/duckdb-store.js";
import { defaultForecastScopes, forecastScope } from "../detect/forecast-scope.js";
import { detectionConfig } from "../detect/monitors.js";
import { loadPolicyFile } from "../governance/load-policy.js";
import { monthlyCosts, recordScan } from "../governance/record.js";
import { scanAws } from "../governance/runtime-scan.js";
import { loadCatalog } from "../optimize/load-catalog.js";
import { runOptimization } from "../optimize/run.js";
import { commitmentExpiryNotices } from "../notify/commitment-expiry.js";
import { governanceFindingAlerts } from "../notify/governance-alerts.js";
import { recommendationDigests } from "../notify/recommendation-digest.js";
import type { AnalysisStore } from "../store/cost-store.js";
import { processAlive } from "../local-process.js";
import { assertNothingDeferred, syncTickets } from "../tickets/sync.js";
import { reviewJobNotification } from "../review/job.js";

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
  /** The runtime resource lister of the scan job (default: scanAws; tests pass a fake). */
  scanner?: typeof scanAws;
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
        const message = redactSecrets(e instanceof Error ? e.message : String(e));
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

/** Puts notifications in the outbox, then sends what is due. */
async function enqueueAndDeliver(ctx: JobContext, notifications: readonly Notification[]): Promise<Record<string, unknown>> {
  const cfg = notifyConfigOf(ctx.workspace);
  const now = ctx.now?.() ?? new Date();
  let queued = 0;
  let duplicates = 0;
  for (const n of notifications) {
    const e = await enqueue(ctx.store, cfg, n, now);
    queued += e.queued;
    duplicates += e.duplicates;
  }
  const sent = await deliver(ctx.store, cfg, { now, ...(ctx.env ? { env: ctx.env } : {}) });
  return { notifications: notifications.length, queued, duplicates, ...sent };
}

/** A summary per team with allocated spend in the last 7 days: `days` 1 is the daily summary, 7 the weekly one. */
async function teamSummaries(ctx: JobContext, days: number): Promise<Record<string, unknown>> {
  const cfg = notifyConfigOf(ctx.workspace);
  const asOf = await lastCompleteDayFromStore(ctx.store);
  if (asOf === null) return { note: "no data" };
  if (!(await tableExists(ctx.store, ALLOCATION_TABLE))) return { note: "no allocation yet: run costwise allocate" };
  const teams = await readRows(ctx.store, { team: col.text }, {
    sql: `SELECT DISTINCT team FROM ${ALLOCATION_TABLE} WHERE charge_date > CAST(? AS DATE) - 7 AND charge_date <= CAST(? AS DATE) ORDER BY team`,
    params: [asOf, asOf],
  });
  const out: Notification[] = [];
  for (const t of teams) {
    // the team's tagged spend % of the month so far, by the one KPI definition (src/engine/kpi)
    const tagCoverage = await teamTaggedSpend(ctx.store, ctx.workspace, t.team, asOf.slice(0, 7));
    out.push(await teamSummary(ctx.store, t.team, { asOf, days, dashboardUrl: cfg.dashboardUrl, tagCoverage }));
  }
  return { asOf, days, teams: teams.length, ...(await enqueueAndDeliver(ctx, out)) };
}

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
    const statuses = await budgetStatus(ctx.store, ctx.workspace.config, { baseDir: ctx.workspace.baseDir });
    const landedAt = await dataLandedAt(ctx.store);
    let queued = 0;
    for (const s of statuses) for (const n of budgetNotifications(s, ctx.workspace.config, { dashboardUrl: cfg.dashboardUrl, landedAt })) queued += (await enqueue(ctx.store, cfg, n, now)).queued;
    const sent = await deliver(ctx.store, cfg, { now, ...(ctx.env ? { env: ctx.env } : {}) });
    return { budgets: statuses.length, crossed: statuses.reduce((a, s) => a + s.newAlerts.length, 0), queued, ...sent };
  },

  async summary(ctx) {
    return teamSummaries(ctx, 1);
  },

  async "summary-weekly"(ctx) {
    return teamSummaries(ctx, 7);
  },

  async forecast(ctx) {
    const d = detectionConfig(ctx.workspace.config);
    const now = ctx.now?.() ?? new Date();
    const defs = defaultForecastScopes(d);
    const saved: { scope: string; currency: string; asOf: string }[] = [];
    for (const def of defs) {
      for (const f of await forecastScope(ctx.store, def, { metric: d.metric, months: d.forecast.months, persist: true, now })) saved.push({ scope: f.scope, currency: f.currency, asOf: f.asOf });
    }
    return { scopes: defs.length, snapshots: saved.length, saved };
  },

  async scan(ctx) {
    const now = ctx.now?.() ?? new Date();
    const gov = ctx.workspace.config.governance;
    let scan: Record<string, unknown> = { note: "no runtime scan configured (governance.policy and governance.scan)" };
    if (gov?.policy && gov.scan) {
      const loaded = loadPolicyFile(resolve(ctx.workspace.baseDir, gov.policy));
      const env = ctx.env ?? process.env;
      const regions = gov.scan.regions ?? [env["AWS_REGION"] ?? env["AWS_DEFAULT_REGION"] ?? "us-east-1"];
      const aws = { ...(gov.scan.endpoint ? { endpoint: gov.scan.endpoint } : {}), ...(gov.scan.profile ? { profile: gov.scan.profile } : {}) };
      const resources = await (ctx.scanner ?? scanAws)({ regions, aws });
      const result = evaluatePolicy(loaded.compiled, resources, { now });
      const costs = await monthlyCosts(ctx.store, resources);
      const scanId = `scan-${now.toISOString().replace(/[-:.]/g, "").slice(0, 15)}-${randomUUID().slice(0, 6)}`;
      await recordScan(ctx.store, { scanId, scannedAt: now, origin: "aws-runtime", policyFile: loaded.file, resources, result, costs, teamTag: gov.teamTag });
      scan = { scanId, resources: resources.length, findings: result.findings.length, blocking: result.summary.blocking };
    }
    const cfg = notifyConfigOf(ctx.workspace);
    const alerts = await governanceFindingAlerts(ctx.store, ctx.workspace.config, { now, dashboardUrl: cfg.dashboardUrl });
    return { ...scan, ...(await enqueueAndDeliver(ctx, alerts)) };
  },

  async recommend(ctx) {
    const now = ctx.now?.() ?? new Date();
    const r = await runOptimization(ctx.store, { config: ctx.workspace.config.optimization ?? optimizationDefaults(), catalog: loadCatalog(), ...(ctx.now ? { asOf: now } : {}) });
    const cfg = notifyConfigOf(ctx.workspace);
    const digests = await recommendationDigests(ctx.store, ctx.workspace.config, { now, dashboardUrl: cfg.dashboardUrl });
    return { runId: r.runId, drafts: r.analysis.drafts.length, saved: r.saved, ...(await enqueueAndDeliver(ctx, digests)) };
  },

  async commitments(ctx) {
    const now = ctx.now?.() ?? new Date();
    const cfg = notifyConfigOf(ctx.workspace);
    const notices = await commitmentExpiryNotices(ctx.store, ctx.workspace.config, { now, dashboardUrl: cfg.dashboardUrl });
    return await enqueueAndDeliver(ctx, notices);
  },

  async deliver(ctx) {
    const r = await deliver(ctx.store, notifyConfigOf(ctx.workspace), { ...(ctx.now ? { now: ctx.now() } : {}), ...(ctx.env ? { env: ctx.env } : {}) });
    return { ...r };
  },

  async kpi(ctx) {
    const now = ctx.now?.() ?? new Date();
    const k = await computeKpis(ctx.store, ctx.workspace, { now });
    return { day: k.day, kpis: k.kpis.filter((x) => x.value !== null).length };
  },

  async tickets(ctx) {
    const t = ctx.workspace.config.tickets;
    if (!t) return { note: "no tickets: section configured" };
    const r = await syncTickets(ctx.store, t, { ...(ctx.now ? { now: ctx.now() } : {}), ...(ctx.env ? { env: ctx.env } : {}), baseDir: ctx.workspace.baseDir, dashboardUrl: notifyConfigOf(ctx.workspace).dashboardUrl });
    // a tracker down or rate limited: what is left stays pending in the store; the failed run is retried
    assertNothingDeferred(r);
    return { items: r.items, filed: r.filed, updated: r.updated, unchanged: r.unchanged, unrouted: r.unrouted, pending: r.pending, statusChanges: r.statusChanges.length, closed: r.closed };
  },

  async review(ctx) {
    const now = ctx.now?.() ?? new Date();
    const r = await reviewJobNotification(ctx.store, ctx.workspace, { now, dashboardUrl: notifyConfigOf(ctx.workspace).dashboardUrl });
    if (!r.notification) return { month: r.month, due: r.due, note: r.note };
    return { month: r.month, due: r.due, pdf: r.pdf, ...(await enqueueAndDeliver(ctx, [r.notification])) };
  },
};
