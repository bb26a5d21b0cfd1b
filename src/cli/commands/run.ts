/**
 * `costwise run <job>`: one job of the feedback loop, for cron or CI (the same jobs `costwise serve` schedules).
 */
import type { Command } from "commander";
import { JOB_NAMES } from "../../core/config/sections/notify.js";
import { lazyAction } from "./lazy-action.js";

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
    .action(lazyAction(() => import("./run-actions.js"), "run"));
}
