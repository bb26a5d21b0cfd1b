/**
 * The CLI's date and month options (date-options.ts): the helper on a hand-drawn table of values, then every
 * command that takes a date or a month, run through the CLI's `main`, refusing an impossible date with exit 2 and a
 * message naming the option, before any store is opened (the store path given does not exist).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { isCostwiseError } from "../../core/errors.js";
import { main } from "../main.js";
import { dayOption, daysInMonth, monthOption, timeOption, timeOptionDate } from "./date-options.js";

/** The message of the usage error `fn` throws, or "ok" when it returns. */
function outcome(fn: () => unknown): string {
  try {
    fn();
    return "ok";
  } catch (e) {
    if (!isCostwiseError(e) || e.code !== "USAGE") throw e;
    return e.message;
  }
}

describe("dayOption", () => {
  // value            → outcome
  const table: [string, string][] = [
    ["2024-09-01", "ok"],
    ["2024-02-29", "ok"], // leap year
    ["2000-02-29", "ok"], // divisible by 400: leap
    ["2026-12-31", "ok"],
    ["2026-02-30", '--since must be a date YYYY-MM-DD such as 2024-09-01, got "2026-02-30" (February 2026 has 28 days)'],
    ["2026-02-29", '--since must be a date YYYY-MM-DD such as 2024-09-01, got "2026-02-29" (February 2026 has 28 days)'],
    ["1900-02-29", '--since must be a date YYYY-MM-DD such as 2024-09-01, got "1900-02-29" (February 1900 has 28 days)'], // divisible by 100: not leap
    ["2026-04-31", '--since must be a date YYYY-MM-DD such as 2024-09-01, got "2026-04-31" (April 2026 has 30 days)'],
    ["2026-01-00", '--since must be a date YYYY-MM-DD such as 2024-09-01, got "2026-01-00" (January 2026 has 31 days)'],
    ["2026-13-01", '--since must be a date YYYY-MM-DD such as 2024-09-01, got "2026-13-01" (there is no month 13)'],
    ["2026-00-10", '--since must be a date YYYY-MM-DD such as 2024-09-01, got "2026-00-10" (there is no month 00)'],
    ["2026-2-3", '--since must be a date YYYY-MM-DD such as 2024-09-01, got "2026-2-3"'],
    ["2026-02-03T00:00:00Z", '--since must be a date YYYY-MM-DD such as 2024-09-01, got "2026-02-03T00:00:00Z"'],
    ["", '--since must be a date YYYY-MM-DD such as 2024-09-01, got ""'],
  ];
  it.each(table)("%s → %s", (value, expected) => {
    expect(outcome(() => dayOption(value, "--since"))).toBe(expected);
  });
  it("an absent option is undefined; a valid one comes back as given", () => {
    expect(dayOption(undefined, "--since")).toBeUndefined();
    expect(dayOption("2024-02-29", "--since")).toBe("2024-02-29");
  });
  it("days in a month", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((m) => daysInMonth(2023, m))).toEqual([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]);
    expect([daysInMonth(2024, 2), daysInMonth(2100, 2), daysInMonth(2400, 2)]).toEqual([29, 28, 29]);
  });
});

describe("monthOption", () => {
  const table: [string, string][] = [
    ["2024-09", "ok"],
    ["2024-12", "ok"],
    ["2024-01", "ok"],
    ["2024-13", '--month must be a month YYYY-MM such as 2024-09, got "2024-13" (there is no month 13)'],
    ["2024-00", '--month must be a month YYYY-MM such as 2024-09, got "2024-00" (there is no month 00)'],
    ["2024-9", '--month must be a month YYYY-MM such as 2024-09, got "2024-9"'],
    ["2024-09-01", '--month must be a month YYYY-MM such as 2024-09, got "2024-09-01"'],
  ];
  it.each(table)("%s → %s", (value, expected) => {
    expect(outcome(() => monthOption(value, "--month"))).toBe(expected);
  });
});

describe("timeOption", () => {
  const E = "a date YYYY-MM-DD or a UTC date-time such as 2024-09-01T12:00:00Z";
  // value                            → outcome                                              → as a Date (ISO), when ok
  const table: [string, string, string | null][] = [
    ["2024-09-01", "ok", "2024-09-01T00:00:00.000Z"],
    ["2024-09-01T12:30:00Z", "ok", "2024-09-01T12:30:00.000Z"],
    ["2024-09-01T12:30Z", "ok", "2024-09-01T12:30:00.000Z"],
    ["2024-09-01T12:30:00", "ok", "2024-09-01T12:30:00.000Z"], // no zone: UTC
    ["2024-09-01T12:30:00+02:00", "ok", "2024-09-01T10:30:00.000Z"],
    ["2024-09-01T12:30:00+0200", "ok", "2024-09-01T10:30:00.000Z"],
    ["2024-09-01T12:30:00.250Z", "ok", "2024-09-01T12:30:00.250Z"],
    ["2026-02-30", '--now must be a date YYYY-MM-DD such as 2024-09-01, got "2026-02-30" (February 2026 has 28 days)', null],
    ["2026-02-30T00:00:00Z", `--now must be ${E}, got "2026-02-30T00:00:00Z" (February 2026 has 28 days)`, null],
    ["2026-02-10T24:00:00Z", `--now must be ${E}, got "2026-02-10T24:00:00Z" (no such time of day)`, null],
    ["2026-02-10T10:60:00Z", `--now must be ${E}, got "2026-02-10T10:60:00Z" (no such time of day)`, null],
    ["next tuesday", `--now must be ${E}, got "next tuesday"`, null],
    ["Sep 1 2024", `--now must be ${E}, got "Sep 1 2024"`, null],
  ];
  it.each(table)("%s → %s", (value, expected, iso) => {
    expect(outcome(() => timeOption(value, "--now"))).toBe(expected);
    if (iso !== null) expect(timeOptionDate(value, "--now")!.toISOString()).toBe(iso);
  });
});

describe("every command that takes a date or a month refuses an impossible one (exit 2, the option named)", () => {
  let dir: string;
  let store: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "cw-date-options-"));
    store = join(dir, "absent.duckdb");
    writeFileSync(join(dir, "costwise.yaml"), "# defaults\n");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function run(args: string[]): Promise<{ code: number; err: string; out: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
    const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
    try {
      const code = await main(["node", "costwise", "--store", store, "--config", join(dir, "costwise.yaml"), ...args]);
      return { code, err: err.join(""), out: out.join("") };
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  }

  const PLAN = ["-p", "test/fixtures/governance/tags-policy.yaml", "test/fixtures/governance/plans/default-tags-plan.json"];
  // command line                                                          → option named
  const table: [string[], string][] = [
    [["anomalies", "list", "--since", "2026-02-30"], "--since"],
    [["anomalies", "snooze", "total", "--until", "2026-02-30"], "--until"],
    [["detect", "--as-of", "2026-02-30"], "--as-of"],
    [["forecast", "--as-of", "2026-02-30"], "--as-of"],
    [["budget", "status", "--as-of", "2026-02-30"], "--as-of"],
    [["budget", "check", "--as-of", "2026-04-31"], "--as-of"],
    [["report", "allocation", "--from", "2026-02-30"], "--from"],
    [["report", "allocation", "--to", "2026-13-01"], "--to"],
    [["report", "unit-cost", "--from", "2026-02-30"], "--from"],
    [["report", "coverage", "--month", "2026-13"], "--month"],
    [["report", "governance", "--since", "2026-02-30"], "--since"],
    [["kpi", "--month", "2026-00"], "--month"],
    [["commitments", "report", "--start", "2026-02-30"], "--start"],
    [["commitments", "report", "--end", "2026-02-30T10:00:00Z"], "--end"],
    [["recommend", "run", "--as-of", "2026-02-30"], "--as-of"],
    [["query", "--start", "2026-02-30"], "--start"],
    [["query", "--end", "2026-02-29T00:00:00Z"], "--end"],
    [["policy", "check", "--now", "2026-02-30", ...PLAN], "--now"],
  ];
  it.each(table)("costwise %s", async (args, flag) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^error: ${flag} must be a (date|month)[^\\n]*"${args[args.indexOf(flag) + 1]}"`));
    expect(r.err).not.toMatch(/internal error|    at /);
  });

  it("--json gives the same error as JSON", async () => {
    const r = await run(["--json", "anomalies", "list", "--since", "2026-02-30"]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toEqual({ error: expect.objectContaining({ code: "USAGE", message: '--since must be a date YYYY-MM-DD such as 2024-09-01, got "2026-02-30" (February 2026 has 28 days)' }) });
  });
});
