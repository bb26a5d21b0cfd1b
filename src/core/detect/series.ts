/**
 * Series utilities for detection and forecasting: UTC day arithmetic, dense daily series with gaps as NaN,
 * resampling of irregular points into fixed buckets, and small fast statistics (median by quickselect).
 *
 * Pure. Values are JS numbers: these are statistics on already-aggregated series (a few hundred points),
 * never money bookkeeping; money reported to users goes back out as decimal strings (see `numberToDecimal`).
 */

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` → days since 1970-01-01 (UTC). Throws RangeError on a malformed date. */
export function dayNumber(isoDay: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(isoDay);
  if (!m) throw new RangeError(`not a date: ${JSON.stringify(isoDay)}`);
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const back = new Date(t);
  if (back.getUTCDate() !== Number(m[3]) || back.getUTCMonth() !== Number(m[2]) - 1) throw new RangeError(`not a real date: ${isoDay}`);
  return Math.round(t / DAY_MS);
}

/** Days since 1970-01-01 → `YYYY-MM-DD`. */
export function dayString(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(isoDay: string, n: number): string {
  return dayString(dayNumber(isoDay) + n);
}

/** 0 = Monday … 6 = Sunday. */
export function weekday(day: number): number {
  return (((day + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday (3)
}

export type PeriodKind = "month" | "quarter" | "year";
export const PERIOD_KINDS = ["month", "quarter", "year"] as const satisfies readonly PeriodKind[];

/** The period holding `isoDay`: first day (inclusive) and the day after its last (exclusive). */
export function periodOf(isoDay: string, kind: PeriodKind): { start: string; end: string } {
  const y = Number(isoDay.slice(0, 4));
  const m = Number(isoDay.slice(5, 7)) - 1;
  const startMonth = kind === "month" ? m : kind === "quarter" ? m - (m % 3) : 0;
  const months = kind === "month" ? 1 : kind === "quarter" ? 3 : 12;
  const start = new Date(Date.UTC(y, startMonth, 1)).toISOString().slice(0, 10);
  const end = new Date(Date.UTC(y, startMonth + months, 1)).toISOString().slice(0, 10);
  return { start, end };
}

/** A dense daily series: value per day from `start`, NaN where the day is missing. */
export interface DailySeries {
  /** First day, `YYYY-MM-DD`. */
  start: string;
  values: Float64Array;
}

/**
 * Builds a dense daily series from (day, value) points: days between the first and last point that have no
 * point are NaN (missing, not zero). `through` extends (with NaN) or cuts the series at that day.
 */
export function denseDaily(points: readonly { day: string; value: number }[], through?: string): DailySeries | undefined {
  if (points.length === 0) return undefined;
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) {
    const d = dayNumber(p.day);
    if (d < lo) lo = d;
    if (d > hi) hi = d;
  }
  if (through !== undefined) hi = dayNumber(through);
  if (hi < lo) return undefined;
  const values = new Float64Array(hi - lo + 1).fill(NaN);
  for (const p of points) {
    const i = dayNumber(p.day) - lo;
    if (i >= 0 && i < values.length) values[i] = Number.isNaN(values[i]!) ? p.value : values[i]! + p.value;
  }
  return { start: dayString(lo), values };
}

/** A regular series of buckets of `stepMs` milliseconds starting at `startMs` (UTC epoch ms). */
export interface RegularSeries {
  startMs: number;
  stepMs: number;
  values: Float64Array;
}

/** The median spacing of sorted timestamps (ms), or undefined with fewer than two. */
export function medianStep(timesMs: readonly number[]): number | undefined {
  if (timesMs.length < 2) return undefined;
  const d = new Float64Array(timesMs.length - 1);
  for (let i = 1; i < timesMs.length; i++) d[i - 1] = timesMs[i]! - timesMs[i - 1]!;
  return median(d, d.length);
}

/**
 * Resamples irregular (time, value) points into buckets of `stepMs` aligned to the UTC epoch, taking the mean
 * of the points in each bucket (a mean, not a sum, so a bucket only partly covered is not a false dip).
 * Empty buckets are NaN.
 */
export function resample(points: readonly { t: number; value: number }[], stepMs: number, how: "mean" | "sum" = "mean"): RegularSeries | undefined {
  if (points.length === 0) return undefined;
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) {
    if (p.t < lo) lo = p.t;
    if (p.t > hi) hi = p.t;
  }
  const first = Math.floor(lo / stepMs);
  const n = Math.floor(hi / stepMs) - first + 1;
  const sum = new Float64Array(n);
  const count = new Uint32Array(n);
  for (const p of points) {
    if (!Number.isFinite(p.value)) continue;
    const i = Math.floor(p.t / stepMs) - first;
    sum[i]! += p.value;
    count[i]! += 1;
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = count[i] === 0 ? NaN : how === "mean" ? sum[i]! / count[i]! : sum[i]!;
  return { startMs: first * stepMs, stepMs, values };
}

// ─── statistics ─────────────────────────────────────────────────────────────────────────────────

/** k-th smallest (0-based) of the first `n` entries of `a`, in place (Hoare quickselect). */
export function select(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/** Median of the first `n` entries of `a` (reorders them). NaN when n = 0. */
export function median(a: Float64Array, n: number): number {
  if (n <= 0) return NaN;
  const mid = n >> 1;
  const hi = select(a, n, mid);
  if (n % 2 === 1) return hi;
  let lo = -Infinity;
  for (let i = 0; i < mid; i++) if (a[i]! > lo) lo = a[i]!;
  return (lo + hi) / 2;
}

/** Median of the finite values of a plain list (copy). */
export function medianOf(values: readonly number[]): number {
  const a = new Float64Array(values.length);
  let n = 0;
  for (const v of values) if (Number.isFinite(v)) a[n++] = v;
  return median(a, n);
}

/** Quantile q ∈ [0,1] of finite values (linear interpolation between order statistics). */
export function quantile(values: readonly number[], q: number): number {
  const a = values.filter((v) => Number.isFinite(v)).sort((x, y) => x - y);
  if (a.length === 0) return NaN;
  const pos = (a.length - 1) * q;
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < a.length ? a[i]! * (1 - f) + a[i + 1]! * f : a[i]!;
}

/**
 * A number as a plain decimal string with `decimals` fraction digits (never exponent notation), for estimates
 * (expected cost, forecasts) that go out next to exact amounts.
 */
export function numberToDecimal(x: number, decimals = 4): string {
  if (!Number.isFinite(x)) return "0";
  const s = x.toFixed(decimals);
  if (!/e/i.test(s)) return s === `-${(0).toFixed(decimals)}` ? (0).toFixed(decimals) : s;
  // |x| ≥ 1e21: toFixed falls back to exponent notation
  return BigInt(Math.round(x)).toString();
}
