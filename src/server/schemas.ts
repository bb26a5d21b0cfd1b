/** Zod schemas shared by routes: they validate, type and document (OpenAPI) the API. */
import { z } from "zod";

export const money = z.string().regex(/^-?\d+(\.\d+)?$/).describe("exact decimal amount as a string (DECIMAL(38,10) in the store)");
export const nullableMoney = money.nullable();

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    code: z.string(),
    requestId: z.string().optional(),
    problems: z.array(z.unknown()).optional(),
  })
  .describe("RFC 9457 problem details (application/problem+json)");

/** Error responses every API route may give. */
export const errorResponses = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  500: problemSchema,
} as const;

/** What a feature page needs to know when its data does not exist yet. */
export const availabilitySchema = z.object({
  available: z.boolean(),
  feature: z.string(),
  /** Why it is unavailable, for a person. */
  reason: z.string().optional(),
  /** The command that produces the data. */
  produceWith: z.string().optional(),
});
export type Availability = z.infer<typeof availabilitySchema>;

// ─── request parameters: one definition per kind, used by every route ───────────────────────────
//
// A value the schema lets through must never make a handler throw (RangeError, an engine conversion error, SQL that
// does not parse): so dates are real calendar dates in a sane range, numbers are bounded integers, and text has a
// length limit and no control characters. Each message says what was expected; the error handler prefixes it with
// the parameter's name (app.ts), giving a 400 problem+json such as "month: expected a month YYYY-MM, …".

/** Years a date parameter may name: billing data before 2000 or after 2100 is a typo, not a query. */
export const MIN_YEAR = 2000;
export const MAX_YEAR = 2100;

/** C0 controls and DEL, except tab, line feed and carriage return (which free text may hold). */
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/** Every C0 control and DEL (single-line values: names, ids, keys). */
const CONTROL_IN_NAME = /[\u0000-\u001f\u007f]/;

function realDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

const MONTH_EXPECTED = `expected a month YYYY-MM (month 01–12, year ${MIN_YEAR}–${MAX_YEAR}), e.g. 2026-09`;
/** A billing month, YYYY-MM, month 01..12, year MIN_YEAR..MAX_YEAR. */
export const isoMonth = z
  .string({ error: MONTH_EXPECTED })
  .regex(/^\d{4}-\d{2}$/, { error: MONTH_EXPECTED, abort: true })
  .refine((s) => {
    const m = /^(\d{4})-(\d{2})$/.exec(s);
    if (!m) return false;
    const y = Number(m[1]);
    const mo = Number(m[2]);
    return y >= MIN_YEAR && y <= MAX_YEAR && mo >= 1 && mo <= 12;
  }, MONTH_EXPECTED)
  .describe(`a month YYYY-MM (year ${MIN_YEAR}–${MAX_YEAR})`);

const DATE_EXPECTED = `expected a real calendar date YYYY-MM-DD (year ${MIN_YEAR}–${MAX_YEAR}), e.g. 2026-09-01`;
/** A calendar date, YYYY-MM-DD, that exists (no Feb 30), year MIN_YEAR..MAX_YEAR. */
export const isoDate = z
  .string({ error: DATE_EXPECTED })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: DATE_EXPECTED, abort: true })
  .refine((s) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
    if (!m) return false;
    const y = Number(m[1]);
    return y >= MIN_YEAR && y <= MAX_YEAR && realDate(y, Number(m[2]), Number(m[3]));
  }, DATE_EXPECTED)
  .describe(`a date YYYY-MM-DD (year ${MIN_YEAR}–${MAX_YEAR})`);

const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?\s*(?:Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;
const TIME_EXPECTED = `expected an ISO-8601 date or UTC date-time (year ${MIN_YEAR}–${MAX_YEAR}), e.g. 2026-09-01 or 2026-09-01T13:00:00Z`;
/** An ISO-8601 date or date-time whose date and time exist (no Feb 30, no 25:00), year MIN_YEAR..MAX_YEAR. */
export const isoDateOrTime = z
  .string({ error: TIME_EXPECTED })
  .max(40, { error: TIME_EXPECTED, abort: true })
  .regex(TIME_RE, { error: TIME_EXPECTED, abort: true })
  .refine((s) => {
    const m = TIME_RE.exec(s);
    if (!m) return false;
    const y = Number(m[1]);
    const [h, mi, sec] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
    return y >= MIN_YEAR && y <= MAX_YEAR && realDate(y, Number(m[2]), Number(m[3])) && h <= 23 && mi <= 59 && sec <= 59;
  }, TIME_EXPECTED)
  .describe(`an ISO-8601 date or UTC date-time (year ${MIN_YEAR}–${MAX_YEAR})`);

/** A whole number in 1..max (query strings: the text is converted; "", NaN, 1.5, 1e309 are refused). */
export function positiveInt(max: number) {
  const expected = `expected a whole number from 1 to ${max}`;
  return z.coerce.number({ error: expected }).int({ error: expected, abort: true }).min(1, { error: expected, abort: true }).max(max, expected);
}

/** Free text a person writes (a reason): at most `max` characters, no control characters but tab and newline. */
export function freeText(max: number) {
  return z
    .string({ error: `expected text (at most ${max} characters)` })
    .max(max, { error: `expected at most ${max} characters`, abort: true })
    .refine((s) => !CONTROL_IN_TEXT.test(s), "control characters (NUL, ESC, …) are not allowed in text; only tab and newline");
}

/** A single-line name, key or id: 1..max characters, no control characters. */
export function nameText(max: number, what = "a name") {
  return z
    .string({ error: `expected ${what} (1 to ${max} characters)` })
    .min(1, { error: `expected ${what} (1 to ${max} characters), got an empty value`, abort: true })
    .max(max, { error: `expected ${what} of at most ${max} characters`, abort: true })
    .refine((s) => !CONTROL_IN_NAME.test(s), `expected ${what} without control characters (NUL, newline, …)`);
}

/** An ISO 4217 currency code. */
export const currencyCode = z
  .string({ error: "expected a currency code of 3 capital letters (ISO 4217), e.g. USD" })
  .regex(/^[A-Z]{3}$/, "expected a currency code of 3 capital letters (ISO 4217), e.g. USD");

/** A numeric id (a positive integer the store's INTEGER holds). */
export const numericId = z
  .string({ error: "expected a numeric id (digits only)" })
  .regex(/^[1-9]\d{0,9}$/, { error: "expected a numeric id: a positive whole number, digits only", abort: true })
  .refine((s) => Number(s) <= 2_147_483_647, "expected a numeric id of at most 2147483647");

/** A boolean flag in a query string. */
export const flag = z.enum(["true", "false"], { error: 'expected "true" or "false"' });
