/**
 * `costwise run <job>`: one job of the feedback loop, for cron or CI (the same jobs `costwise serve` schedules).
 */
import type { Command } from "commander";
import { JOB_NAMES, type JobName } from "../../core/config/sections/notify.js";
import { runJob, type JobResult } from "../../engine/jobs/jobs.js";
import { validateNotifyConfig } from "../../engine/jobs/scheduler.js";
import { notifyConfigOf } from "../../engine/jobs/jobs.js";
import { EXIT, globalOptions, setExit, stdio, usageError, withStoreOrServer, workspaceRef } from "../context.js";

export function registerRun(program: Command): void {
  program
    .command("run")
    .description(`run one job of the feedback loop now: ${JOB_NAMES.join(", ")}`)
    .argument("<job>", JOB_NAMES.join(" | "))
    .option("--attempts <n>", "attempts before the job is reported failed (backoff 5 s, 20 s, ...)", "3")
    .addHelpText(
      "after",
      `
Jobs:
  sync      fetch and ingest every configured source; when new data landed, run allocate, detect,
            budgets and deliver right after (alerts go out minutes after the data arrives). On a
            ClickHouse workspace: copy the billing partitions that changed in ClickHouse into the analysis
            replica (data lands there with costwise ingest), with the same chaining
  allocate  re-apply the allocation rules
  detect    run the anomaly monitors; new alerts go to the owning team's channels
  forecast  forecast the whole store and each budget's scope; save the snapshots (forecast variance KPI)
  budgets   evaluate budgets; thresholds crossed for the first time are sent
  scan      the governance runtime scan (governance.policy + governance.scan), recorded; then blocking
            findings new since the previous scan are sent to their owners
  recommend an optimization run (recommendations saved); then each owner's digest of new ones
  commitments  expiry notices for commitments ending in 90, 60, 30 or 7 days
  summary   send each team its daily summary (spend, change, top movers, open recommendations)
  summary-weekly  the same over the last 7 days
  deliver   send what the outbox holds (retries with backoff, digests when a channel is flooded)
  kpi       compute today's KPI scorecard and keep it as history

Schedules (costwise serve; defaults and overrides under notify.jobs): costwise jobs lists them.
One job of a kind runs at a time (a lock in the store; a crashed holder's lock is taken over).
Exit code 1 when the job failed after its attempts, 0 otherwise (also when skipped because it is running).

Examples:
  costwise run sync           # e.g. hourly from cron
  costwise run summary        # e.g. weekdays at 08:00`,
    )
    .action(async (job: string, opts: { attempts: string }, cmd: Command) => {
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
    });
}

function flatten(r: JobResult): JobResult[] {
  return [r, ...r.chained.flatMap(flatten)];
}
