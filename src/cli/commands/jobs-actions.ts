/**
 * `costwise jobs`: every job of the feedback loop with its schedule (notify.jobs, else the default schedule
 * `costwise serve` runs with a config file), its last run and status, its next run and its last error.
 */
import type { Command } from "commander";
import { effectiveSchedules } from "../../engine/jobs/schedule.js";
import { notifyConfigOf } from "../../engine/jobs/jobs.js";
import { jobStatuses } from "../../engine/jobs/status.js";
import { globalOptions, stdio, withStoreOrServer } from "../context.js";
import { renderTable } from "../table.js";

export async function jobs(_opts: Record<string, never>, cmd: Command) {
  const g = globalOptions(cmd);
  const schedules = effectiveSchedules(notifyConfigOf(g.workspace), { defaults: g.workspace.file !== undefined });
  // beside a running server the history is read through it (the store is its)
  const rows = await withStoreOrServer(g, { op: "jobs", body: { schedules } }, (store) => jobStatuses(store, schedules, new Date()));
  if (g.json) return stdio.json(rows);
  stdio.out(
    renderTable(
      ["job", "schedule", "last run", "status", "next run", "last error"],
      rows.map((r) => [
        r.job,
        r.schedule === null ? (["allocate", "detect", "budgets"].includes(r.job) ? "after sync" : "-") : `${r.schedule}${r.timezone !== "UTC" ? ` (${r.timezone})` : ""}${r.enabled ? "" : " (disabled)"}${r.origin === "default" ? " [default]" : ""}`,
        r.lastRunAt ?? "never",
        r.lastStatus ?? "",
        r.nextRunAt ?? "",
        r.lastError ? `${r.lastErrorAt ?? ""} ${r.lastError.split("\n")[0]!.slice(0, 80)}` : "",
      ]),
    ),
  );
}
