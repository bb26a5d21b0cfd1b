/**
 * ISO-8601 repeating intervals as Backstage's Cost Insights plugin sends them (`intervals` of CostInsightsApi):
 * `R2/P30D/2020-09-01` means two consecutive 30-day periods that END at 2020-09-01, exclusive — the plugin passes
 * the day after the last complete billing day (`exclusiveEndDateOf` in the plugin's utils/duration.ts). So the
 * window is [2020-07-03, 2020-09-01): bucket 1 = [07-03, 08-02), bucket 2 = [08-02, 09-01).
 *
 * Accepted forms (n = 1..24 repetitions; durations in days, weeks, months, quarters as months, years):
 *   R<n>/P<k>D/<end>         the plugin's form (P7D, P30D, P90D, custom P<k>D)
 *   R<n>/P<k>M/<end>         months: P3M (the plugin's quarter view, end on a quarter's first day), P1M
 *   R<n>/P<k>W/<end>, R<n>/P<k>Y/<end>
 *   R<n>/<start>/P<k>X       ISO's start-and-duration form: n periods starting at <start>
 *   R<n>/P<k>X  or  R<n>/P<k>X/   no end: the caller's default end (the day after the last complete billing day)
 * Dates are calendar days (YYYY-MM-DD; a time part of 00:00:00 with Z is tolerated). Month arithmetic clamps to
 * the month's last day (2021-03-31 minus P1M = 2021-02-28) so every bucket is non-empty.
 *
 * Order of operations: split on "/" → repetitions → which part is the duration → parse the duration → parse the
 * anchor date (or take the default end) → each edge i durations back (or forward) from the anchor → check the bounds
 * (at most MAX_WINDOW_DAYS in all).
 *
 * Pure: returns `{ ok, value | message }`, never throws.
 */

export const MAX_REPETITIONS = 24;
/** About 10 years: the longest window one call may ask for. */
export const MAX_WINDOW_DAYS = 3700;

export interface IsoDuration {
  /** Whole months (P1M, P3M; P1Y = 12). */
  months: number;
  /** Whole days (P30D; P1W = 7). */
  days: number;
  /** The text as given, normalized to upper case. */
  text: string;
}

export interface Bucket {
  /** Inclusive first day, YYYY-MM-DD. */
  start: string;
  /** Exclusive end day, YYYY-MM-DD. */
  end: string;
}

export interface RepeatingIntervals {
  repetitions: number;
  duration: IsoDuration;
  /** Oldest first; consecutive (each bucket's end is the next one's start). */
  buckets: Bucket[];
  /** The first bucket's start (inclusive). */
  start: string;
  /** The last bucket's end (exclusive). */
  end: string;
}

export type IntervalsResult = { ok: true; value: RepeatingIntervals } | { ok: false; message: string };

const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T00:00(?::00(?:\.0+)?)?Z?)?$/;
const DURATION = /^P(?:(\d{1,4})Y)?(?:(\d{1,4})M)?(?:(\d{1,4})W)?(?:(\d{1,5})D)?$/;

function dayNumber(y: number, m: number, d: number): number {
  return Math.floor(Date.UTC(y, m - 1, d) / 86_400_000);
}

function dayText(n: number): string {
  return new Date(n * 86_400_000).toISOString().slice(0, 10);
}

/** A calendar day YYYY-MM-DD, or null when it is not one (2021-02-30 is not). */
export function parseDay(text: string): string | null {
  const m = DATE.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return null;
  const t = dayText(dayNumber(y, mo, d));
  return t === `${m[1]}-${m[2]}-${m[3]}` ? t : null;
}

export function parseDuration(text: string): IsoDuration | null {
  const up = text.toUpperCase();
  const m = DURATION.exec(up);
  if (!m || up === "P") return null;
  const [y, mo, w, d] = [m[1], m[2], m[3], m[4]].map((x) => (x === undefined ? 0 : Number(x))) as [number, number, number, number];
  const months = y * 12 + mo;
  const days = w * 7 + d;
  if (months === 0 && days === 0) return null;
  return { months, days, text: up };
}

/** `day` moved by `sign` × duration: months first (clamped to the month's last day), then days. */
export function shiftDay(day: string, duration: IsoDuration, sign: 1 | -1): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  let n: number;
  if (duration.months !== 0) {
    const total = y * 12 + (m - 1) + sign * duration.months;
    const ny = Math.floor(total / 12);
    const nm = (total % 12) + 1;
    const last = new Date(Date.UTC(ny, nm, 0)).getUTCDate();
    n = dayNumber(ny, nm, Math.min(d, last));
  } else n = dayNumber(y, m, d);
  return dayText(n + sign * duration.days);
}

/** Days from `a` to `b` (b − a). */
export function daysBetween(a: string, b: string): number {
  const [ay, am, ad] = a.split("-").map(Number) as [number, number, number];
  const [by, bm, bd] = b.split("-").map(Number) as [number, number, number];
  return dayNumber(by, bm, bd) - dayNumber(ay, am, ad);
}

/** Every day of [start, end), YYYY-MM-DD. */
export function daysOf(start: string, end: string): string[] {
  const out: string[] = [];
  const n = daysBetween(start, end);
  for (let i = 0; i < n; i++) out.push(shiftDay(start, { months: 0, days: i, text: "" }, 1));
  return out;
}

const FORMS = "R<n>/P<k>D/<end day> (e.g. R2/P30D/2020-09-01), R<n>/P<k>M/<end day>, R<n>/<start day>/P<k>D, or R<n>/P<k>D with no end";

/**
 * Parses `text`; `defaultEnd` (exclusive, YYYY-MM-DD) is used when the text names no date (null: a date is required).
 */
export function parseIntervals(text: string, defaultEnd: string | null): IntervalsResult {
  const bad = (why: string): IntervalsResult => ({ ok: false, message: `intervals ${JSON.stringify(text.slice(0, 80))}: ${why}; expected ${FORMS}` });
  const parts = text.trim().split("/");
  if (parts[parts.length - 1] === "" && parts.length === 3) parts.pop(); // "R2/P1M/": no end
  if (parts.length < 2 || parts.length > 3) return bad("not a repeating interval");
  const r = /^R(\d{1,3})$/i.exec(parts[0]!);
  if (!r) return bad("it must start with R<n> (the number of periods)");
  const repetitions = Number(r[1]);
  if (repetitions < 1 || repetitions > MAX_REPETITIONS) return bad(`the number of periods must be 1 to ${MAX_REPETITIONS}`);

  let duration: IsoDuration | null;
  let anchor: string | null;
  let anchorIsStart = false;
  if (parts.length === 2) {
    duration = parseDuration(parts[1]!);
    if (!duration) return bad(`${JSON.stringify(parts[1])} is not a duration (P30D, P3M, P1Y, P2W)`);
    if (defaultEnd === null) return bad("no end day");
    anchor = defaultEnd;
  } else if (parts[1]!.toUpperCase().startsWith("P")) {
    duration = parseDuration(parts[1]!);
    if (!duration) return bad(`${JSON.stringify(parts[1])} is not a duration (P30D, P3M, P1Y, P2W)`);
    anchor = parseDay(parts[2]!);
    if (!anchor) return bad(`${JSON.stringify(parts[2])} is not a calendar day (YYYY-MM-DD)`);
  } else {
    anchor = parseDay(parts[1]!);
    if (!anchor) return bad(`${JSON.stringify(parts[1])} is not a calendar day (YYYY-MM-DD)`);
    duration = parseDuration(parts[2]!);
    if (!duration) return bad(`${JSON.stringify(parts[2])} is not a duration (P30D, P3M, P1Y, P2W)`);
    anchorIsStart = true;
  }
  // a duration and a date outside the Gregorian years we can write would make nonsense days
  const approxDays = repetitions * (duration.months * 31 + duration.days);
  if (approxDays > MAX_WINDOW_DAYS + 31 * repetitions) return bad(`the window is longer than ${MAX_WINDOW_DAYS} days`);

  // each edge from the anchor (i × the duration), so month clamping never drifts: 03-31 − P1M = 02-28, − P2M = 01-31
  const edges: string[] = [];
  for (let i = 0; i <= repetitions; i++) edges.push(shiftDay(anchor, { months: i * duration.months, days: i * duration.days, text: "" }, anchorIsStart ? 1 : -1));
  if (!anchorIsStart) edges.reverse();
  const start = edges[0]!;
  const end = edges[edges.length - 1]!;
  if (daysBetween(start, end) > MAX_WINDOW_DAYS) return bad(`the window is longer than ${MAX_WINDOW_DAYS} days`);
  if (start < "1970-01-01" || end > "9999-12-31") return bad("the window is out of range");
  const buckets = edges.slice(0, -1).map((s, i) => ({ start: s, end: edges[i + 1]! }));
  return { ok: true, value: { repetitions, duration, buckets, start, end } };
}
