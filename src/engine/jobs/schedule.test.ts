/**
 * Which jobs run when (defaults, overrides, disabled), and the catch-up decision after downtime, as tables.
 * 2026-12-07 is a Monday.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_JOB_SCHEDULES, JOB_NAMES, notifySection } from "../../core/config/sections/notify.js";
import { CostwiseError } from "../../core/errors.js";
import { catchUpDue, effectiveSchedules, nextRunAfter } from "./schedule.js";
import { validateNotifyConfig } from "./scheduler.js";

describe("catch-up after downtime: run once at start when a scheduled time passed since the last success", () => {
  // schedule            timezone         last success               now                        run?
  const table: [string, string, string | null, string, boolean][] = [
    ["0 8 * * *", "UTC", "2026-12-06T08:00:05Z", "2026-12-07T07:59:00Z", false], // today's 08:00 not reached yet
    ["0 8 * * *", "UTC", "2026-12-06T08:00:05Z", "2026-12-07T08:00:00Z", true], // today's 08:00 is now
    ["0 8 * * *", "UTC", "2026-12-01T08:00:05Z", "2026-12-07T09:00:00Z", true], // six missed: one run (the scheduler runs it once)
    ["0 8 * * *", "UTC", "2026-12-07T08:00:03Z", "2026-12-07T09:00:00Z", false], // ran today
    ["0 8 * * *", "UTC", null, "2026-12-07T09:00:00Z", true], // never succeeded
    ["0 8 * * *", "Europe/Berlin", "2026-12-06T07:00:05Z", "2026-12-07T07:00:00Z", true], // 08:00 Berlin = 07:00 UTC
    ["0 8 * * *", "UTC", "2026-12-06T08:00:05Z", "2026-12-07T07:00:00Z", false], // the same instant, UTC schedule
    ["0 8 * * 1", "UTC", "2026-11-30T08:00:10Z", "2026-12-07T07:59:59Z", false], // weekly: next Monday 08:00 not reached
    ["0 8 * * 1", "UTC", "2026-11-30T08:00:10Z", "2026-12-07T08:30:00Z", true], // weekly: missed this Monday's run
    ["0 * * * *", "UTC", "2026-12-07T10:00:02Z", "2026-12-07T10:59:59Z", false], // hourly, within the hour
    ["0 * * * *", "UTC", "2026-12-07T10:00:02Z", "2026-12-07T13:20:00Z", true], // hourly, three missed
    ["* * * * *", "UTC", "2026-12-07T12:00:30Z", "2026-12-07T12:00:59Z", false], // every minute
    ["* * * * *", "UTC", "2026-12-07T12:00:30Z", "2026-12-07T12:01:00Z", true],
    ["0 8 * * *", "UTC", "2026-12-08T09:00:00Z", "2026-12-07T09:00:00Z", false], // last success after now (clock skew): no
  ];
  it.each(table)("%s (%s), last %s, now %s → %s", (schedule, tz, last, now, want) => {
    expect(catchUpDue(schedule, tz, last === null ? null : new Date(last), new Date(now))).toBe(want);
  });

  it("nextRunAfter is strictly after its argument", () => {
    expect(nextRunAfter("0 8 * * *", "UTC", new Date("2026-12-07T08:00:00Z"))?.toISOString()).toBe("2026-12-08T08:00:00.000Z");
    expect(nextRunAfter("0 8 * * 1", "UTC", new Date("2026-12-07T09:00:00Z"))?.toISOString()).toBe("2026-12-14T08:00:00.000Z");
  });
});

describe("default schedules and overrides", () => {
  it("every job is listed; with defaults each gets DEFAULT_JOB_SCHEDULES in UTC", () => {
    const s = effectiveSchedules(notifySection.parse({}), { defaults: true });
    expect(s.map((x) => x.job)).toEqual([...JOB_NAMES]);
    // job              schedule         enabled
    const want: [string, string | null, boolean][] = [
      ["sync", "0 * * * *", true],
      ["allocate", null, false],
      ["detect", null, false],
      ["forecast", "30 6 * * *", true],
      ["budgets", null, false],
      ["scan", "0 5 * * *", true],
      ["recommend", "0 4 * * 1", true],
      ["commitments", "0 7 * * *", true],
      ["summary", "0 8 * * *", true],
      ["summary-weekly", "0 8 * * 1", true],
      ["deliver", "* * * * *", true],
      ["kpi", "0 6 * * *", true],
      ["tickets", "20 * * * *", true],
      ["review", "0 9 1-7 * *", true],
    ];
    expect(s.map((x) => [x.job, x.schedule, x.enabled])).toEqual(want);
    expect(s.every((x) => x.timezone === "UTC")).toBe(true);
    expect(Object.keys(DEFAULT_JOB_SCHEDULES)).toEqual([...JOB_NAMES]);
  });

  it("without defaults (no config file, or defaultSchedules: false) only the configured jobs are scheduled", () => {
    const cfg = notifySection.parse({ jobs: { kpi: { schedule: "0 6 * * *", timezone: "Europe/Berlin" } } });
    expect(effectiveSchedules(cfg, { defaults: false }).filter((x) => x.enabled)).toEqual([{ job: "kpi", schedule: "0 6 * * *", timezone: "Europe/Berlin", enabled: true, origin: "config" }]);
    const off = notifySection.parse({ defaultSchedules: false, jobs: { sync: { schedule: "15 * * * *" } } });
    expect(effectiveSchedules(off, { defaults: true }).filter((x) => x.enabled).map((x) => x.job)).toEqual(["sync"]);
  });

  it("an entry overrides one job: a new cron, only a time zone (default cron), or disabled", () => {
    const cfg = notifySection.parse({ jobs: { sync: { schedule: "15 * * * *" }, summary: { timezone: "Europe/Berlin" }, recommend: { enabled: false } } });
    const by = new Map(effectiveSchedules(cfg, { defaults: true }).map((x) => [x.job, x]));
    expect(by.get("sync")).toEqual({ job: "sync", schedule: "15 * * * *", timezone: "UTC", enabled: true, origin: "config" });
    expect(by.get("summary")).toEqual({ job: "summary", schedule: "0 8 * * *", timezone: "Europe/Berlin", enabled: true, origin: "default" });
    expect(by.get("recommend")!.enabled).toBe(false);
    expect(by.get("kpi")).toEqual({ job: "kpi", schedule: "0 6 * * *", timezone: "UTC", enabled: true, origin: "default" });
  });

  it("start-up validation: an enabled job without a schedule of its own or by default is a config error", () => {
    let err: unknown;
    try {
      validateNotifyConfig(notifySection.parse({ jobs: { detect: {}, summary: { timezone: "Europe/Berlin" }, allocate: { enabled: false } } }), {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CostwiseError);
    const msg = (err as CostwiseError).message;
    expect(msg).toContain("notify.jobs.detect: no schedule given, and detect has no default schedule");
    expect(msg).toContain("1 problem:");
    expect(() => validateNotifyConfig(notifySection.parse({ jobs: { summary: { timezone: "Europe/Berlin" } } }), {})).not.toThrow();
  });
});
