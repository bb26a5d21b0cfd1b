/**
 * The CLI's date and month options, checked before a command opens a store: a day is YYYY-MM-DD and a real
 * calendar day (2026-02-30 is refused, 2024-02-29 accepted), a month YYYY-MM with a month 01–12, a time a day or a
 * UTC date-time (2024-09-01T12:00:00Z). A bad value is a usage error (exit 2) naming the option, what it got and
 * what was expected, so it never reaches the engine (where it would be a conversion error).
 *
 * Order of operations for each value: the shape (a pattern), then the calendar (month 1–12, day within that
 * month of that year, leap years included), then for a date-time the clock (hours < 24, minutes and seconds < 60)
 * and that JavaScript reads it as a time at all.
 */
import { CostwiseError } from "../../core/errors.js";

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH = /^(\d{4})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;
const MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

function usage(flag: string, value: string, expected: string, why?: string): CostwiseError {
  return new CostwiseError("USAGE", `${flag} must be ${expected}, got ${JSON.stringify(value)}${why ? ` (${why})` : ""}`);
}

/** Days in a month of a year (month 1–12), by the Gregorian rule. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Why year-month-day is not a calendar day, or undefined when it is one. */
function calendarProblem(year: number, month: number, day: number): string | undefined {
  if (month < 1 || month > 12) return `there is no month ${String(month).padStart(2, "0")}`;
  const days = daysInMonth(year, month);
  if (day < 1 || day > days) return `${MONTH_NAMES[month - 1]} ${year} has ${days} days`;
  return undefined;
}

/** `--flag YYYY-MM-DD`: the value as given, once it is a real calendar day; undefined when the option is absent. */
export function dayOption(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  const expected = "a date YYYY-MM-DD such as 2024-09-01";
  const m = DAY.exec(value);
  if (!m) throw usage(flag, value, expected);
  const problem = calendarProblem(Number(m[1]), Number(m[2]), Number(m[3]));
  if (problem) throw usage(flag, value, expected, problem);
  return value;
}

/** `--flag YYYY-MM`: the value as given, once its month is 01–12; undefined when the option is absent. */
export function monthOption(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  const expected = "a month YYYY-MM such as 2024-09";
  const m = MONTH.exec(value);
  if (!m) throw usage(flag, value, expected);
  const problem = calendarProblem(Number(m[1]), Number(m[2]), 1);
  if (problem) throw usage(flag, value, expected, problem);
  return value;
}

/**
 * `--flag <date>` where a date-time is allowed too: YYYY-MM-DD (a real calendar day) or an ISO date-time with a
 * or without a zone, read as UTC (2024-09-01T12:00:00Z, 2024-09-01T12:00+02:00, 2024-09-01T12:00). Returns the value
 * as given; undefined when absent.
 */
export function timeOption(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (DAY.test(value)) return dayOption(value, flag);
  const expected = "a date YYYY-MM-DD or a UTC date-time such as 2024-09-01T12:00:00Z";
  const m = DATE_TIME.exec(value);
  if (!m) throw usage(flag, value, expected);
  const problem = calendarProblem(Number(m[1]), Number(m[2]), Number(m[3]));
  if (problem) throw usage(flag, value, expected, problem);
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? "0") > 59) throw usage(flag, value, expected, "no such time of day");
  if (Number.isNaN(asUtc(value).getTime())) throw usage(flag, value, expected);
  return value;
}

/** `timeOption` as a Date (a day is its midnight UTC); undefined when the option is absent. */
export function timeOptionDate(value: string | undefined, flag: string): Date | undefined {
  const v = timeOption(value, flag);
  if (v === undefined) return undefined;
  return asUtc(v);
}

/** A day at midnight UTC; a date-time without a zone in UTC. */
function asUtc(v: string): Date {
  if (DAY.test(v)) return new Date(`${v}T00:00:00Z`);
  return new Date(DATE_TIME.exec(v)?.[7] === undefined ? `${v}Z` : v.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));
}
