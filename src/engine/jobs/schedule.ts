/**
 * Which jobs run when, and whether a missed run is caught up at start.
 *
 * Effective schedule of a job, in this order:
 *   1. its entry under notify.jobs (schedule, timezone, enabled), when present;
 *   2. else, when default schedules apply (serve with a config file, notify.defaultSchedules not false), its
 *      DEFAULT_JOB_SCHEDULES entry in UTC;
 *   3. else no schedule (the job runs by hand, from cron with `costwise run`, or chained after a sync).
 * An entry that gives only `enabled` or `timezone` takes the default cron expression.
 *
 * Catch-up after downtime (catchUpDue): at start, a job whose last successful run is older than its previous
 * scheduled time (there is a scheduled time in (last success, now]) runs once, whatever the number of runs
 * missed; a job that never succeeded runs once as well.
 */
import { Cron } from "croner";
import { DEFAULT_JOB_SCHEDULES, JOB_NAMES, type JobName, type NotifyConfig } from "../../core/config/sections/notify.js";

export interface JobSchedule {
  job: JobName;
  /** Cron expression; null when the job has no schedule. */
  schedule: string | null;
  timezone: string;
  enabled: boolean;
  /** Where the schedule comes from. */
  origin: "config" | "default" | "none";
}

/** Every job with its effective schedule (see the header), in JOB_NAMES order. */
export function effectiveSchedules(cfg: NotifyConfig, o: { defaults: boolean }): JobSchedule[] {
  const useDefaults = o.defaults && cfg.defaultSchedules;
  return JOB_NAMES.map((job): JobSchedule => {
    const j = cfg.jobs[job];
    const fallback = DEFAULT_JOB_SCHEDULES[job];
    if (j) {
      const schedule = j.schedule ?? fallback;
      return { job, schedule, timezone: j.timezone, enabled: j.enabled && schedule !== null, origin: j.schedule ? "config" : schedule ? "default" : "none" };
    }
    if (useDefaults && fallback) return { job, schedule: fallback, timezone: "UTC", enabled: true, origin: "default" };
    return { job, schedule: null, timezone: "UTC", enabled: false, origin: "none" };
  });
}

/** The first scheduled time strictly after `after`, or null (a schedule that never fires again). */
export function nextRunAfter(schedule: string, timezone: string, after: Date): Date | null {
  const c = new Cron(schedule, { paused: true, timezone });
  try {
    return c.nextRun(after);
  } finally {
    c.stop();
  }
}

/** Whether a job should run once at start: it never succeeded, or a scheduled time passed since its last success. */
export function catchUpDue(schedule: string, timezone: string, lastSuccess: Date | null, now: Date): boolean {
  if (lastSuccess === null) return true;
  const next = nextRunAfter(schedule, timezone, lastSuccess);
  return next !== null && next.getTime() <= now.getTime();
}
