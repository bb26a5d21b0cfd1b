/**
 * The anomaly detector: a walk-forward, seasonality-aware, robust scorer for one regular series (daily cost,
 * hourly cost, any metric resampled to fixed buckets).
 *
 * For each point t it builds the expected value only from points before t:
 * - a seasonal profile (multiplicative, one factor per phase of `period`, e.g. weekday) from the medians of
 *   each phase over the last `profileCycles` cycles, shrunk towards 1 when the pattern is not distinguishable
 *   from noise;
 * - a level: the median of the deseasonalized last `levelWindow` points, plus a robust trend (difference of
 *   the medians of the last two windows), projected to t;
 * - a scale: 1.4826 × the median absolute deviation of the deseasonalized window around that line (a robust
 *   sigma), floored at `minRelScale` × level so a flat series does not turn pennies into alarms.
 * The history it uses is *cleaned*: points flagged as anomalous are replaced by their expected value, so one
 * spike does not raise the baseline for the weeks after it. Missing points (NaN) are skipped, never read as 0.
 *
 * What it detects:
 * - spikes and dips: |z| ≥ `z` on a point (z = (actual − expected) / scale);
 * - level shifts: `shiftConfirm` consecutive flagged points on the same side; the history before the shift is
 *   then rescaled to the new level, so the new level becomes normal and stops alarming;
 * - gradual drift: a two-sided CUSUM on the (clipped) z of unflagged points; when it crosses `cusumH` a drift
 *   is reported from the point where the CUSUM last left zero.
 * Consecutive signals on the same side merge into one event (a multi-day anomaly is one event that is
 * updated, not one per day).
 *
 * Pure and allocation-light: scoring 10,000 series of 365 days is one benchmark (bench/detect-bench.ts).
 */

import { DEFAULT_DETECTOR_OPTIONS, type DetectResult, type DetectorOptions, type Direction } from "./detector-model.js";
import { computeProfile, expectAt, finishEvents, flagPoint, levelWindow, newWalk, recurringOf, refreshTrendAndScale, rememberMonthStart, trackDrift } from "./detector-steps.js";

export * from "./detector-model.js";

/**
 * Scores every point of `values` (NaN = missing) walking forward in time.
 *
 * Order of operations, per point t from `minHistory` to the last index:
 *  1. deseasonalize the point before t under the current profile;
 *  2. re-estimate the seasonal profile when due (every 4 cycles, or after a level shift) — `computeProfile`;
 *  3. the level: median of the last L deseasonalized points (sorted sliding window) — `levelWindow`;
 *  4. trend and robust scale, refreshed every `refresh` points (or after a rebase) — `refreshTrendAndScale`;
 *  5. the expected value and band at t, with the recurring month-start charge — `expectAt`;
 *  6. score the actual (missing: skip); on a month start remember its excess — `rememberMonthStart`;
 *  7. |z| ≥ z: a spike, or after `shiftConfirm` on one side a level shift that rebases the history — `flagPoint`;
 *     otherwise the CUSUM for drift — `trackDrift`.
 * Then each event gets its sums, severity and open state — `finishEvents`.
 */
export function detect(values: Float64Array | readonly number[], opts: Partial<DetectorOptions> = {}): DetectResult {
  const o: DetectorOptions = { ...DEFAULT_DETECTOR_OPTIONS, ...opts };
  const v = values instanceof Float64Array ? values : Float64Array.from(values);
  const n = v.length;
  const last = Math.min(n - 1, o.lastIndex ?? n - 1);
  const w = newWalk(v, o);
  const { P, profile, cleaned, ds } = w;
  // the weekday pattern moves slowly: re-estimated every 4 cycles (and after a level shift), not every point;
  // a sub-daily profile once a day
  const profileEvery = w.perDay > 0 ? w.perDay : 4 * P;
  for (let t = 0; t <= last; t++) {
    // 1. deseasonalize the previous point
    if (t > 0) {
      const a = v[t - 1]!;
      if (a === a) {
        w.absSum += a < 0 ? -a : a;
        w.absN++;
      }
      const c = cleaned[t - 1]!;
      ds[t - 1] = c === c ? c / profile[P === 1 ? 0 : (t - 1) % P]! : NaN;
    }
    if (t < o.minHistory) continue;
    // 2. seasonal profile
    let rebuild = w.winT !== t - 1;
    if (w.profileDirty || (P > 1 && t - w.profileAt >= profileEvery)) {
      computeProfile(w, t);
      for (let i = Math.max(0, t - 2 * w.L); i < t; i++) {
        const c = cleaned[i]!;
        ds[i] = c === c ? c / profile[P === 1 ? 0 : i % P]! : NaN;
      }
      rebuild = true;
    }
    // 3. level
    const level = levelWindow(w, t, rebuild);
    if (level !== level) continue;
    // 4. trend and scale
    const center = t - (w.L + 1) / 2; // the level window's middle
    if (w.statsDirty || t - w.statsAt >= w.refresh) refreshTrendAndScale(w, t, level, center);
    // 5. expected value and band
    const e = expectAt(w, t, level + w.slope * (t - center));
    // 6. score
    const x = v[t]!;
    if (x !== x) continue; // missing: nothing to score
    if (e.isMonthStart) rememberMonthStart(w, t, x, e.base, e.recurring);
    const z = (x - e.exp) / e.sc;
    w.zs[t] = z;
    const absZ = Math.abs(z);
    // 7. spike / level shift, else drift
    if (absZ >= w.zThr) {
      flagPoint(w, t, z, absZ, e.base);
      continue;
    }
    w.runSign = 0;
    w.runLen = 0;
    trackDrift(w, t, z, absZ);
  }
  if (w.open) w.events.push(w.open);
  const lastScored = finishEvents(w, last);
  return {
    options: o,
    expected: w.expected,
    lower: w.lower,
    upper: w.upper,
    z: w.zs,
    cleaned,
    flagged: w.flagged,
    events: w.events,
    lastScored,
    finalScale: w.finalScale,
    finalProfile: profile,
    monthlyRecurring: recurringOf(w),
  };
}

/**
 * The plain baseline the issue compares against: mean ± k·σ over a trailing window (no seasonality, no
 * robustness). Returns the indices it flags, and events made by merging consecutive flags.
 */
export function detectMeanSigma(values: Float64Array | readonly number[], window = 28, k = 3, lastIndex?: number): { flagged: Uint8Array; events: { startIndex: number; endIndex: number; direction: Direction }[] } {
  const v = values instanceof Float64Array ? values : Float64Array.from(values);
  const n = v.length;
  const last = Math.min(n - 1, lastIndex ?? n - 1);
  const flagged = new Uint8Array(n);
  const events: { startIndex: number; endIndex: number; direction: Direction }[] = [];
  let s = 0;
  let s2 = 0;
  let c = 0;
  for (let t = 0; t <= last; t++) {
    const x = v[t]!;
    if (c >= Math.min(window, 7) && x === x) {
      const mean = s / c;
      const sd = Math.sqrt(Math.max(0, s2 / c - mean * mean));
      if (Math.abs(x - mean) > k * sd && sd > 0) {
        flagged[t] = 1;
        const dir: Direction = x > mean ? "up" : "down";
        const prev = events[events.length - 1];
        if (prev && prev.endIndex >= t - 2 && prev.direction === dir) prev.endIndex = t;
        else events.push({ startIndex: t, endIndex: t, direction: dir });
      }
    }
    if (x === x) {
      s += x;
      s2 += x * x;
      c++;
    }
    const old = t - window >= 0 ? v[t - window]! : NaN;
    if (old === old && t - window >= 0) {
      s -= old;
      s2 -= old * old;
      c--;
    }
  }
  return { flagged, events };
}
