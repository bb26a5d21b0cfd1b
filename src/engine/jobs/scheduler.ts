/**
 * Start-up checks of the notify config (every problem a user could have made, before anything runs) and the
 * scheduler `costwise serve` runs: each job on its effective cron schedule (schedule.ts: notify.jobs, else the
 * default schedules; time-zone aware, via croner), never two of a kind at once (croner's `protect` in process,
 * the store's job lock across processes).
 *
 * At start, in order: validate the config; start every enabled schedule; then, in the background, catch up:
 * each scheduled job whose last success is older than its previous scheduled time runs once (sync first, the
 * rest in JOB_NAMES order, one at a time).
 */
import { Cron } from "croner";
import { type JobName, type NotifyConfig } from "../../core/config/sections/notify.js";
import { CostwiseError } from "../../core/errors.js";
import { resolveChannel } from "../notify/channels.js";
import { notifyConfigOf, runJob, type JobContext, type JobResult } from "./jobs.js";
import type { LoadedConfig } from "../config/load-config.js";
import { catchUpDue, effectiveSchedules } from "./schedule.js";
import { jobHistory } from "./status.js";

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
    const schedule = effectiveSchedules(cfg, { defaults: true }).find((x) => x.job === job)?.schedule ?? null;
    if (schedule === null) {
      if (j.enabled) problems.push(`notify.jobs.${job}: no schedule given, and ${job} has no default schedule (it runs after every sync that lands data)`);
      continue;
    }
    try {
      new Cron(schedule, { paused: true, timezone: validTimeZone(j.timezone) ? j.timezone : "UTC" }).stop();
    } catch (e) {
      problems.push(`notify.jobs.${job}.schedule: "${schedule}" is not a cron expression (${e instanceof Error ? e.message : String(e)})`);
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
  /** Settles when the start-up catch-up is done: the jobs it ran (empty without catch-up). */
  caughtUp: Promise<JobResult[]>;
  stop(): void;
}

export interface SchedulerOptions {
  /** Schedule jobs not listed in notify.jobs on their default schedules (serve with a config file; default false). */
  defaults?: boolean;
  /** Run each job that missed its previous scheduled time once at start (default: same as `defaults`). */
  catchUp?: boolean;
}

/** Starts every enabled job's schedule. Validates the config first (throws on any problem). */
export function startScheduler(ctx: JobContext, workspace: LoadedConfig = ctx.workspace, onJobDone?: (r: JobResult) => Promise<void>, opts: SchedulerOptions = {}): Scheduler {
  const cfg = notifyConfigOf(workspace);
  validateNotifyConfig(cfg, ctx.env ?? process.env, workspace.file ?? "costwise.yaml");
  const crons: Cron[] = [];
  const jobs: Scheduler["jobs"] = [];
  let stopped = false;
  const run = async (job: JobName, trigger: string): Promise<JobResult | undefined> => {
    try {
      const r = await runJob(ctx, job, trigger);
      ctx.log?.(`${job}: ${r.status}${r.error ? ` (${r.error.split("\n")[0]})` : ""}`);
      await onJobDone?.(r);
      return r;
    } catch (e) {
      ctx.log?.(`${job}: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  };
  const scheduled = effectiveSchedules(cfg, { defaults: opts.defaults ?? false }).filter((s) => s.enabled && s.schedule !== null);
  for (const s of scheduled) {
    const cron = new Cron(s.schedule!, { timezone: s.timezone, protect: true, name: `costwise-${s.job}` }, async () => {
      await run(s.job, "schedule");
    });
    crons.push(cron);
    jobs.push({ job: s.job, schedule: s.schedule!, timezone: s.timezone, next: cron.nextRun()?.toISOString() ?? null });
  }
  const catchUp = async (): Promise<JobResult[]> => {
    const now = ctx.now?.() ?? new Date();
    const history = await jobHistory(ctx.store);
    const done: JobResult[] = [];
    for (const s of scheduled) {
      if (stopped) break;
      const last = history.get(s.job)?.lastSuccessAt ?? null;
      if (!catchUpDue(s.schedule!, s.timezone, last === null ? null : new Date(last), now)) continue;
      ctx.log?.(`${s.job}: catching up (last success ${last ?? "never"})`);
      const r = await run(s.job, "catch-up");
      if (r) done.push(r);
    }
    return done;
  };
  const caughtUp = (opts.catchUp ?? opts.defaults ?? false)
    ? catchUp().catch((e: unknown) => {
        ctx.log?.(`catch-up: ${e instanceof Error ? e.message : String(e)}`);
        return [];
      })
    : Promise.resolve([]);
  return {
    jobs,
    caughtUp,
    stop() {
      stopped = true;
      for (const c of crons) c.stop();
    },
  };
}
