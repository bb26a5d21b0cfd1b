/**
 * `costwise jobs`: every job of the feedback loop with its schedule (notify.jobs, else the default schedule
 * `costwise serve` runs with a config file), its last run and status, its next run and its last error.
 */
import type { Command } from "commander";
import { lazyAction } from "./lazy-action.js";

export function registerJobs(program: Command): void {
  program
    .command("jobs")
    .description("list the feedback loop's jobs: schedule, last run and status, next run, last error")
    .addHelpText(
      "after",
      `
Schedules are those costwise serve runs: notify.jobs in costwise.yaml, else (with a config file and
notify.defaultSchedules not false) the default schedule. "after sync" jobs run when new data lands.
Runs are read from the store (job_runs): scheduled, caught up at start, chained or by costwise run;
while costwise serve holds the store, through the server.

Examples:
  costwise jobs
  costwise jobs --json`,
    )
    .action(lazyAction(() => import("./jobs-actions.js"), "jobs"));
}
