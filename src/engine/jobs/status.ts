/**
 * Each job's state for `costwise jobs`, the scheduler's catch-up and /metrics: its effective schedule, its last
 * run (any status), its last success, its last error and its next scheduled run — all from `job_runs`.
 */
import type { JobName } from "../../core/config/sections/notify.js";
import type { CostStore } from "../store/cost-store.js";
import { col, readRows } from "../store/read-rows.js";
import { tableExists } from "../store/table-rows.js";
import { JOB_RUNS_TABLE } from "../notify/tables.js";
import { nextRunAfter, type JobSchedule } from "./schedule.js";

export interface JobHistory {
  job: string;
  /** Start of the latest attempt ("YYYY-MM-DDTHH:MM:SSZ"). */
  lastRunAt: string | null;
  /** running | ok | failed (the latest attempt's). */
  lastStatus: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  /** Attempts recorded, and failed ones. */
  runs: number;
  failures: number;
}

export interface JobStatus extends JobHistory {
  job: JobName;
  schedule: string | null;
  timezone: string;
  enabled: boolean;
  origin: JobSchedule["origin"];
  nextRunAt: string | null;
}

const iso = (column: string) => `strftime(${column}, '%Y-%m-%dT%H:%M:%SZ')`;

/** Per job that has any recorded attempt: the last run, last success, last error and counts. */
export async function jobHistory(store: CostStore): Promise<Map<string, JobHistory>> {
  const out = new Map<string, JobHistory>();
  if (!(await tableExists(store, JOB_RUNS_TABLE))) return out;
  const rows = await readRows(
    store,
    {
      job: col.text,
      last_run: col.text.nullable(),
      last_status: col.text.nullable(),
      last_ok: col.text.nullable(),
      last_error: col.text.nullable(),
      last_error_at: col.text.nullable(),
      runs: col.int,
      failures: col.int,
    },
    `SELECT job, ${iso("max(started_at)")} AS last_run, arg_max(status, started_at) AS last_status,
            ${iso("max(coalesce(finished_at, started_at)) FILTER (WHERE status = 'ok')")} AS last_ok,
            arg_max(error, started_at) FILTER (WHERE status = 'failed') AS last_error,
            ${iso("max(started_at) FILTER (WHERE status = 'failed')")} AS last_error_at,
            count(*) FILTER (WHERE status <> 'running')::INTEGER AS runs,
            count(*) FILTER (WHERE status = 'failed')::INTEGER AS failures
     FROM ${JOB_RUNS_TABLE} GROUP BY job ORDER BY job`,
  );
  for (const r of rows) {
    out.set(r.job, { job: r.job, lastRunAt: r.last_run, lastStatus: r.last_status, lastSuccessAt: r.last_ok, lastError: r.last_error, lastErrorAt: r.last_error_at, runs: r.runs, failures: r.failures });
  }
  return out;
}

/** Every job's schedule joined with its history; nextRunAt from `now`. */
export async function jobStatuses(store: CostStore, schedules: readonly JobSchedule[], now: Date): Promise<JobStatus[]> {
  const history = await jobHistory(store);
  return schedules.map((s) => {
    const h = history.get(s.job);
    const next = s.enabled && s.schedule ? nextRunAfter(s.schedule, s.timezone, now) : null;
    return {
      job: s.job,
      schedule: s.schedule,
      timezone: s.timezone,
      enabled: s.enabled,
      origin: s.origin,
      nextRunAt: next ? next.toISOString().slice(0, 19) + "Z" : null,
      lastRunAt: h?.lastRunAt ?? null,
      lastStatus: h?.lastStatus ?? null,
      lastSuccessAt: h?.lastSuccessAt ?? null,
      lastError: h?.lastError ?? null,
      lastErrorAt: h?.lastErrorAt ?? null,
      runs: h?.runs ?? 0,
      failures: h?.failures ?? 0,
    };
  });
}
