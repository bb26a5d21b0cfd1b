/**
 * Start-up checks of the notify config (every problem a user could have made, before anything runs) and the
 * scheduler `costwise serve` runs: each job on its cron schedule (time-zone aware, via croner), never two of a
 * kind at once (croner's `protect` in process, the store's job lock across processes).
 */
import { Cron } from "croner";
import { JOB_NAMES, type JobName, type NotifyConfig } from "../../core/config/sections/notify.js";
import { CostwiseError } from "../../core/errors.js";
import { resolveChannel } from "../notify/channels.js";
import { notifyConfigOf, runJob, type JobContext, type JobResult } from "./jobs.js";
import type { LoadedConfig } from "../config/load-config.js";

/** Throws BAD_CONFIG listing every problem: unknown channels in routes, missing secrets, bad cron or time zone. */
export function validateNotifyConfig(cfg: NotifyConfig, env: NodeJS.ProcessEnv = process.env, file = "costwise.yaml"): void {
  const problems: string[] = [];
  const names = Object.keys(cfg.channels);
  const known = (c: string) => names.includes(c);
  cfg.routes.forEach((r, i) => {
    for (const c of r.channels) {
      if (!known(c)) problems.push(`notify.routes[${i}] (team ${r.team}): unknown channel "${c}"${names.length ? ` (channels: ${names.join(", ")})` : " (no channels are configured)"}`);
    }
    if (r.quietHours && !validTimeZone(r.quietHours.timezone)) problems.push(`notify.routes[${i}].quietHours.timezone: unknown time zone "${r.quietHours.timezone}"`);
  });
  for (const c of cfg.fallback) if (!known(c)) problems.push(`notify.fallback: unknown channel "${c}"`);
  for (const [name, ch] of Object.entries(cfg.channels)) {
    try {
      resolveChannel(name, ch, env);
    } catch (e) {
      problems.push(e instanceof Error ? e.message : String(e));
    }
  }
  for (const [job, j] of Object.entries(cfg.jobs)) {
    if (!j) continue;
    if (!validTimeZone(j.timezone)) problems.push(`notify.jobs.${job}.timezone: unknown time zone "${j.timezone}"`);
    try {
      new Cron(j.schedule, { paused: true, timezone: validTimeZone(j.timezone) ? j.timezone : "UTC" }).stop();
    } catch (e) {
      problems.push(`notify.jobs.${job}.schedule: "${j.schedule}" is not a cron expression (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  if (problems.length > 0) {
    throw new CostwiseError("BAD_CONFIG", `${file}: the notify section has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n  ${problems.join("\n  ")}`);
  }
}

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export interface Scheduler {
  jobs: { job: JobName; schedule: string; timezone: string; next: string | null }[];
  stop(): void;
}

/** Starts every enabled job's schedule. Validates the config first (throws on any problem). */
export function startScheduler(ctx: JobContext, workspace: LoadedConfig = ctx.workspace, onJobDone?: (r: JobResult) => Promise<void>): Scheduler {
  const cfg = notifyConfigOf(workspace);
  validateNotifyConfig(cfg, ctx.env ?? process.env, workspace.file ?? "costwise.yaml");
  const crons: Cron[] = [];
  const jobs: Scheduler["jobs"] = [];
  for (const job of JOB_NAMES) {
    const j = cfg.jobs[job];
    if (!j || !j.enabled) continue;
    const cron = new Cron(j.schedule, { timezone: j.timezone, protect: true, name: `costwise-${job}` }, async () => {
      try {
        const r = await runJob(ctx, job, "schedule");
        ctx.log?.(`${job}: ${r.status}${r.error ? ` (${r.error.split("\n")[0]})` : ""}`);
        await onJobDone?.(r);
      } catch (e) {
        ctx.log?.(`${job}: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
    crons.push(cron);
    jobs.push({ job, schedule: j.schedule, timezone: j.timezone, next: cron.nextRun()?.toISOString() ?? null });
  }
  return {
    jobs,
    stop() {
      for (const c of crons) c.stop();
    },
  };
}
