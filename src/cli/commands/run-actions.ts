/**
 * `costwise run <job>`: one job of the feedback loop, for cron or CI (the same jobs `costwise serve` schedules).
 */
import type { Command } from "commander";
import { JOB_NAMES, type JobName } from "../../core/config/sections/notify.js";
import { runJob, type JobResult } from "../../engine/jobs/jobs.js";
import { validateNotifyConfig } from "../../engine/jobs/scheduler.js";
import { notifyConfigOf } from "../../engine/jobs/jobs.js";
import { EXIT, globalOptions, setExit, stdio, usageError, withStoreOrServer, workspaceRef } from "../context.js";

function flatten(r: JobResult): JobResult[] {
  return [r, ...r.chained.flatMap(flatten)];
}

export async function run(job: string, opts: { attempts: string }, cmd: Command) {
  const g = globalOptions(cmd);
  if (!(JOB_NAMES as readonly string[]).includes(job)) throw usageError(`unknown job "${job}"; jobs: ${JOB_NAMES.join(", ")}`);
  const attempts = Number(opts.attempts);
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 10) throw usageError("--attempts must be an integer from 1 to 10");
  const cfg = notifyConfigOf(g.workspace);
  if (job !== "allocate" && job !== "kpi" && job !== "forecast") validateNotifyConfig(cfg, process.env, g.workspace.file ?? "costwise.yaml");
  // beside a running server the job runs in it (the store is its); the same result comes back
  const result = await withStoreOrServer(g, { op: "run", body: { job, attempts, workspace: workspaceRef(g) } }, (store) =>
    runJob({ store, workspace: g.workspace, attempts, log: (l) => (g.json ? undefined : stdio.err(l)) }, job as JobName),
    // the sync job itself brings a ClickHouse workspace's replica in step (and chains the analyses on new rows)
    { syncReplica: job !== "sync" },
  );
  if (flatten(result).some((r) => r.status === "failed")) setExit(cmd, EXIT.failure);
  if (g.json) return stdio.json(result);
  for (const r of flatten(result)) {
    stdio.out(`${r.job}: ${r.status}${r.attempts > 1 ? ` after ${r.attempts} attempts` : ""}${r.error ? ` — ${r.error.split("\n")[0]}` : ""}`);
    const s = Object.entries(r.summary).filter(([, v]) => typeof v !== "object" || v === null);
    if (s.length > 0) stdio.out(`  ${s.map(([k, v]) => `${k}=${String(v)}`).join("  ")}`);
  }
}
