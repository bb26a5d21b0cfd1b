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

import { median } from "./series.js";

export const ANOMALY_KINDS = ["spike", "level_shift", "drift"] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];
export const DIRECTIONS = ["up", "down"] as const;
export type Direction = (typeof DIRECTIONS)[number];
export const SEVERITIES = ["low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface DetectorOptions {
  /** Seasonal period in points (7 for daily series with a weekly pattern, 24 for hourly, 1 for none). */
  period: number;
  /** Detection threshold in robust sigmas. */
  z: number;
  /** Points in the level window. */
  levelWindow: number;
  /** Cycles of history the seasonal profile is estimated from. */
  profileCycles: number;
  /** Points of history required before the first point is scored. */
  minHistory: number;
  /** Consecutive flagged points on one side that make a level shift. */
  shiftConfirm: number;
  /** CUSUM allowance (in sigmas) and decision threshold, for drift. */
  cusumK: number;
  cusumH: number;
  /** A drift signal within this many points of the last one continues the same event (a drift keeps drifting). */
  driftMergeGap: number;
  /** Residuals are clipped to ±this many sigmas before entering the CUSUM. */
  cusumClip: number;
  /**
   * The in-sample MAD understates the error of a one-step-ahead expectation (the level and profile are
   * estimates too); the scale is multiplied by this.
   */
  scaleInflation: number;
  /** Scale floor as a fraction of the level. */
  minRelScale: number;
  /** Scale floor in the series' own units (e.g. 0.01 of a currency). */
  minAbsScale: number;
  /**
   * 1 where a point is the first day of a month (daily series): recurring monthly charges on that day become
   * expected once two month starts have been seen. Omitted: no monthly component.
   */
  monthStarts?: Uint8Array;
  /** Index of the last point to score (e.g. the last complete billing day); later points are ignored. */
  lastIndex?: number;
}

export const DEFAULT_DETECTOR_OPTIONS: DetectorOptions = {
  period: 7,
  z: 5,
  levelWindow: 28,
  profileCycles: 12,
  minHistory: 28,
  shiftConfirm: 4,
  cusumK: 1,
  cusumH: 6,
  cusumClip: 3,
  driftMergeGap: 28,
  scaleInflation: 1.05,
  minRelScale: 0.015,
  minAbsScale: 0.01,
};

/** Sensible options for a series whose points are `stepHours` apart (24 = daily). */
export function optionsForStep(stepHours: number, overrides: Partial<DetectorOptions> = {}): DetectorOptions {
  if (stepHours >= 24 * 6) return { ...DEFAULT_DETECTOR_OPTIONS, period: 1, levelWindow: 12, minHistory: 12, ...overrides };
  if (stepHours >= 24) return { ...DEFAULT_DETECTOR_OPTIONS, ...overrides };
  const perDay = Math.max(1, Math.round(24 / stepHours));
  return {
    ...DEFAULT_DETECTOR_OPTIONS,
    period: perDay,
    levelWindow: Math.max(14, perDay * 2),
    profileCycles: 7,
    minHistory: Math.max(28, perDay * 2),
    shiftConfirm: Math.max(4, Math.round(perDay / 4)),
    ...overrides,
  };
}

export interface AnomalyEvent {
  kind: AnomalyKind;
  direction: Direction;
  /** First anomalous point (for a drift: where the CUSUM started rising). */
  startIndex: number;
  /** Last point flagged as part of the event. */
  endIndex: number;
  /** The point at which the event was first raised (the alert day); detection delay = detectedIndex − startIndex. */
  detectedIndex: number;
  /** The point with the largest |z|. */
  peakIndex: number;
  maxAbsZ: number;
  /** Sums over the event's points (a spike: one point). */
  actual: number;
  expected: number;
  /** Points of the event. */
  points: number;
  /** Still anomalous at the last scored point. */
  open: boolean;
  severity: Severity;
}

export interface DetectResult {
  options: DetectorOptions;
  /** Per point: expected value, band (expected ± z·scale) and z; NaN where not scored. */
  expected: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
  z: Float64Array;
  /** The series with anomalous points replaced by their expected values (NaN where missing). */
  cleaned: Float64Array;
  /** 1 where the point was part of an anomaly. */
  flagged: Uint8Array;
  events: AnomalyEvent[];
  /** Index of the last point scored (−1 when none was). */
  lastScored: number;
  /** Scale (robust sigma) and seasonal profile at the end, for the forecaster. */
  finalScale: number;
  finalProfile: Float64Array;
  /** The recurring month-start charge expected on the next 1st (0 without `monthStarts` or history). */
  monthlyRecurring: number;
}

/**
 * Severity from the deviation in percent of the expected value (what a person weighs), lifted one band when the
 * deviation is extreme for the series' own noise: low < 20% ≤ medium < 50% ≤ high < 100% ≤ critical.
 */
export function severityOf(absZ: number, pct: number, zThreshold: number): Severity {
  const p = Math.abs(pct);
  const band = p >= 1 ? 3 : p >= 0.5 ? 2 : p >= 0.2 ? 1 : 0;
  const lifted = absZ >= zThreshold * 3 && band < 2 ? band + 1 : band;
  return SEVERITIES[lifted]!;
}

const SIGMA_PER_MAD = 1.4826;

/**
 * Everything one walk over a series keeps: the per-point outputs, the reusable buffers and the running state of
 * the profile, level, scale, month-start charges, the open event, the flag run and the CUSUM. One per `detect`
 * call; the named steps below read and update it.
 */
interface Walk {
  o: DetectorOptions;
  v: Float64Array;
  /** Seasonal period and level window, as used (P ≥ 1, L ≥ 3). */
  P: number;
  L: number;
  cleaned: Float64Array;
  expected: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
  zs: Float64Array;
  flagged: Uint8Array;
  /** 1 where `cleaned` holds the expected value instead of the actual (left out of the scale estimate). */
  replaced: Uint8Array;
  profile: Float64Array;
  /** cleaned / profile under the current profile (refreshed with it). */
  ds: Float64Array;
  buf: Float64Array;
  resid: Float64Array;
  phaseBuf: Float64Array;
  profWin: number;
  profRaw: Float64Array;
  profDev: Float64Array;
  profileAt: number;
  profileDirty: boolean;
  /** Trend and scale are refreshed every `refresh` points. */
  refresh: number;
  statsAt: number;
  statsDirty: boolean;
  slope: number;
  mad: number;
  finalScale: number;
  events: AnomalyEvent[];
  open: AnomalyEvent | undefined;
  lastSignal: number;
  runSign: number;
  runStart: number;
  runLen: number;
  cPos: number;
  cNeg: number;
  cPosStart: number;
  cNegStart: number;
  /** The last three month-start excesses over the daily baseline, newest first, and how many there are. */
  msExcess: Float64Array;
  msTmp: Float64Array;
  msN: number;
  /** The deseasonalized level window, sorted, its length and the point it was built for. */
  win: Float64Array;
  winN: number;
  winT: number;
}

function newWalk(v: Float64Array, o: DetectorOptions): Walk {
  const n = v.length;
  const P = Math.max(1, Math.floor(o.period));
  const L = Math.max(3, Math.floor(o.levelWindow));
  const profWin = P > 1 ? o.profileCycles * P : 0;
  return {
    o,
    v,
    P,
    L,
    cleaned: Float64Array.from(v),
    expected: new Float64Array(n).fill(NaN),
    lower: new Float64Array(n).fill(NaN),
    upper: new Float64Array(n).fill(NaN),
    zs: new Float64Array(n).fill(NaN),
    flagged: new Uint8Array(n),
    replaced: new Uint8Array(n),
    profile: new Float64Array(P).fill(1),
    ds: new Float64Array(n).fill(NaN),
    buf: new Float64Array(Math.max(2 * L, o.profileCycles + 2) + 4),
    resid: new Float64Array(L + 4),
    phaseBuf: new Float64Array(Math.max(o.profileCycles, 1) + 2),
    profWin,
    profRaw: new Float64Array(P),
    profDev: new Float64Array(profWin + 2),
    profileAt: -Infinity,
    profileDirty: true,
    refresh: Math.min(P > 1 ? P : 7, 7),
    statsAt: -Infinity,
    statsDirty: true,
    slope: 0,
    mad: NaN,
    finalScale: NaN,
    events: [],
    open: undefined,
    lastSignal: -1,
    runSign: 0,
    runStart: -1,
    runLen: 0,
    cPos: 0,
    cNeg: 0,
    cPosStart: -1,
    cNegStart: -1,
    msExcess: new Float64Array(3),
    msTmp: new Float64Array(3),
    msN: 0,
    win: new Float64Array(L + 2),
    winN: 0,
    winT: -2,
  };
}

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
  // the weekday pattern moves slowly: re-estimated every 4 cycles (and after a level shift), not every point
  const profileEvery = 4 * P;
  for (let t = 0; t <= last; t++) {
    // 1. deseasonalize the previous point
    if (t > 0) {
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
    if (absZ >= o.z) {
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

function phaseOf(w: Walk, i: number): number {
  return w.P === 1 ? 0 : i % w.P;
}

/** Step 2: the multiplicative seasonal profile from the phase medians of the cleaned history before t, shrunk towards 1 by its noise. */
function computeProfile(w: Walk, t: number): void {
  const { P, cleaned, phaseBuf, profRaw, profDev, profile } = w;
  w.profileAt = t;
  w.profileDirty = false;
  if (P === 1) return;
  const from = Math.max(0, t - w.profWin);
  let total = 0;
  let valid = 0;
  for (let p = 0; p < P; p++) {
    let m = 0;
    // points of phase p in [from, t)
    let i = from + ((p - (from % P) + P) % P);
    for (; i < t; i += P) {
      const x = cleaned[i]!;
      if (x === x) phaseBuf[m++] = x;
    }
    if (m < 2) {
      profRaw[p] = NaN;
      continue;
    }
    const med = median(phaseBuf, m);
    profRaw[p] = med;
    total += med;
    valid++;
  }
  if (valid < P || total <= 0) {
    profile.fill(1);
    return;
  }
  const mean = total / P;
  for (let p = 0; p < P; p++) profRaw[p] = profRaw[p]! / mean;
  // relative noise around the phase medians, to shrink a pattern that noise alone would produce
  let k = 0;
  for (let i = from; i < t; i++) {
    const x = cleaned[i]!;
    const base = profRaw[phaseOf(w, i)]! * mean;
    if (x === x && base > 0) profDev[k++] = Math.abs(x / base - 1);
  }
  const relSigma = k > 0 ? SIGMA_PER_MAD * median(profDev, k) : 0;
  const m = Math.max(2, Math.floor((t - from) / P));
  const noiseVar = (1.2533 * relSigma) ** 2 / m;
  let between = 0;
  for (let p = 0; p < P; p++) between += (profRaw[p]! - 1) ** 2;
  between /= P;
  const shrink = between > 0 ? Math.max(0, 1 - noiseVar / between) : 0;
  for (let p = 0; p < P; p++) profile[p] = Math.max(1e-6, 1 + (profRaw[p]! - 1) * shrink);
}

/**
 * Step 3: the deseasonalized level at t, the median of the last L points kept in a sorted sliding window
 * (rebuilt after a profile change or a skipped point). NaN when the window holds too few points to score.
 */
function levelWindow(w: Walk, t: number, rebuild: boolean): number {
  const { L, ds, win } = w;
  if (rebuild) {
    w.winN = 0;
    for (let i = t - L < 0 ? 0 : t - L; i < t; i++) {
      const x = ds[i]!;
      if (x === x) win[w.winN++] = x;
    }
    win.subarray(0, w.winN).sort();
  } else {
    const out = t - L - 1;
    if (out >= 0) {
      const x = ds[out]!;
      if (x === x) w.winN = sortedRemove(win, w.winN, x);
    }
    const x = ds[t - 1]!;
    if (x === x) w.winN = sortedInsert(win, w.winN, x);
  }
  w.winT = t;
  const m1 = w.winN;
  if (m1 < Math.max(3, L >> 1)) return NaN;
  return m1 & 1 ? win[m1 >> 1]! : (win[(m1 >> 1) - 1]! + win[m1 >> 1]!) / 2;
}

/** Step 4: the robust trend (difference of the medians of the last two windows) and the MAD around the fitted line. */
function refreshTrendAndScale(w: Walk, t: number, level: number, center: number): void {
  const { L, ds, buf, resid, replaced } = w;
  w.statsAt = t;
  w.statsDirty = false;
  let m2 = 0;
  for (let i = Math.max(0, t - 2 * L); i < t - L; i++) {
    const x = ds[i]!;
    if (x === x) buf[m2++] = x;
  }
  w.slope = m2 >= Math.max(3, L >> 1) ? (level - median(buf, m2)) / L : 0;
  // MAD around the fitted line, over points that were not replaced by their expected value
  let k = 0;
  for (let i = Math.max(0, t - L); i < t; i++) {
    const x = ds[i]!;
    if (x === x && !replaced[i]) resid[k++] = Math.abs(x - (level + w.slope * (i - center)));
  }
  w.mad = k >= 3 ? median(resid, k) : NaN;
}

interface Expectation {
  /** Expected value (seasonal baseline plus any month-start charge) and its scale. */
  exp: number;
  sc: number;
  /** The seasonal baseline alone. */
  base: number;
  recurring: number;
  isMonthStart: boolean;
}

/** Step 5: the expected value and band at t from the projected level, the scale and the month-start charge. */
function expectAt(w: Walk, t: number, levelNow: number): Expectation {
  const { o, P } = w;
  const m1 = w.winN;
  // predictive spread: noise plus the error of the level (median of m1 points) and of the profile
  // (medians over the cycles seen so far), var(median) ≈ (π/2)·σ²/n
  const cycles = P > 1 ? Math.min(o.profileCycles, Math.floor(t / P)) : 0;
  // the residuals are measured against a profile fitted to the same points: with c cycles they understate
  // the noise by about √((c−1)/c), which matters in the first weeks
  const dof = cycles > 1 ? cycles / (cycles - 1) : 1;
  const predictive = Math.sqrt((1 + 1.5708 / m1 + (cycles > 0 ? 1.5708 / cycles : 0)) * dof);
  let scale = SIGMA_PER_MAD * o.scaleInflation * predictive * w.mad;
  const floor = Math.max(o.minRelScale * Math.abs(levelNow), o.minAbsScale);
  if (!(scale >= floor)) scale = floor;
  w.finalScale = scale;

  const f = w.profile[phaseOf(w, t)]!;
  const base = levelNow * f;
  let exp = base;
  let sc = scale * f;
  // recurring monthly charges (support, tax, fixed fees billed on the 1st): once two month starts have been
  // seen, the median of their excess over the daily baseline is expected again (±10%, it follows spend)
  const isMonthStart = o.monthStarts !== undefined && o.monthStarts[t] === 1;
  let recurring = 0;
  if (isMonthStart && w.msN >= 2) {
    recurring = recurringOf(w);
    exp = base + recurring;
    // uncertain by 10% (it follows spend) and by how much the recorded month starts disagree
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < w.msN; i++) {
      if (w.msExcess[i]! < lo) lo = w.msExcess[i]!;
      if (w.msExcess[i]! > hi) hi = w.msExcess[i]!;
    }
    sc = sc + 0.1 * Math.abs(recurring) + (hi - lo) / (2 * o.z);
  }
  w.expected[t] = exp;
  w.lower[t] = exp - o.z * sc;
  w.upper[t] = exp + o.z * sc;
  return { exp, sc, base, recurring, isMonthStart };
}

/** The recurring month-start charge expected from the recorded excesses (0 before two month starts). */
function recurringOf(w: Walk): number {
  if (w.msN < 2) return 0;
  if (w.msN === 2) return (w.msExcess[0]! + w.msExcess[1]!) / 2;
  w.msTmp.set(w.msExcess);
  return median(w.msTmp, 3);
}

/** Step 6, on a month start: remember the last three excesses; the daily level is learnt without the monthly charge. */
function rememberMonthStart(w: Walk, t: number, x: number, base: number, recurring: number): void {
  const { msExcess } = w;
  msExcess[2] = msExcess[1]!;
  msExcess[1] = msExcess[0]!;
  msExcess[0] = x - base;
  w.msN = Math.min(3, w.msN + 1);
  w.cleaned[t] = x - recurring;
}

/** Step 7, |z| ≥ z: flag the point (its cleaned value becomes the baseline); a confirmed run is a level shift, else a spike. */
function flagPoint(w: Walk, t: number, z: number, absZ: number, base: number): void {
  const sign = z > 0 ? 1 : -1;
  const dir: Direction = sign > 0 ? "up" : "down";
  if (w.runSign === sign) w.runLen++;
  else {
    w.runSign = sign;
    w.runStart = t;
    w.runLen = 1;
  }
  w.flagged[t] = 1;
  w.cleaned[t] = base;
  w.replaced[t] = 1;
  if (w.runLen >= w.o.shiftConfirm) {
    rebaseAfterShift(w, t);
    signal(w, t, "level_shift", dir, w.runStart, absZ);
    w.runSign = 0;
    w.runLen = 0;
    w.cPos = w.cNeg = 0;
    w.profileDirty = true;
    w.statsDirty = true;
  } else {
    signal(w, t, "spike", dir, t, absZ);
  }
}

/** A confirmed level shift: the new level becomes normal; the history before the run is rescaled to it. */
function rebaseAfterShift(w: Walk, t: number): void {
  const { v, cleaned, flagged, expected, replaced, runStart, runLen } = w;
  let a = 0;
  let e = 0;
  for (let i = runStart; i <= t; i++) {
    if (flagged[i] && v[i] === v[i]) {
      a += v[i]!;
      e += expected[i]!;
    }
  }
  const ratio = e > 0 && a > 0 ? a / e : NaN;
  const diff = (a - e) / runLen;
  for (let i = 0; i < runStart; i++) {
    const c = cleaned[i]!;
    if (c === c) cleaned[i] = ratio === ratio ? c * ratio : c + diff;
  }
  for (let i = runStart; i <= t; i++) {
    if (v[i] === v[i]) cleaned[i] = v[i]!;
    replaced[i] = 0;
  }
}

/** Step 7, otherwise: a two-sided CUSUM on the clipped z of unflagged points; crossing `cusumH` is a drift from where it left zero. */
function trackDrift(w: Walk, t: number, z: number, absZ: number): void {
  const { o, v, expected, flagged } = w;
  const zc = z > o.cusumClip ? o.cusumClip : z < -o.cusumClip ? -o.cusumClip : z;
  if (w.cPos === 0) w.cPosStart = t;
  w.cPos = Math.max(0, w.cPos + zc - o.cusumK);
  if (w.cNeg === 0) w.cNegStart = t;
  w.cNeg = Math.max(0, w.cNeg - zc - o.cusumK);
  if (w.cPos > o.cusumH || w.cNeg > o.cusumH) {
    const up = w.cPos > o.cusumH;
    const start = up ? w.cPosStart : w.cNegStart;
    for (let i = start; i <= t; i++) if (v[i] === v[i] && expected[i] === expected[i]) flagged[i] = 1;
    signal(w, t, "drift", up ? "up" : "down", start, absZ);
    w.cPos = w.cNeg = 0;
  }
}

/** Opens an event, or extends the open one when it is on the same side and close enough (a multi-day anomaly is one event). */
function signal(w: Walk, t: number, kind: AnomalyKind, dir: Direction, start: number, absZ: number): void {
  const { o, P } = w;
  const open = w.open;
  const gap = kind === "drift" || open?.kind === "drift" ? o.driftMergeGap : P > 1 ? Math.max(2, Math.ceil(P / 4)) : 2;
  if (open && open.direction === dir && t - w.lastSignal <= gap) {
    open.endIndex = t;
    if (kind === "level_shift" || (kind === "drift" && open.kind === "spike")) open.kind = kind;
    if (start < open.startIndex) open.startIndex = start;
    if (absZ > open.maxAbsZ) {
      open.maxAbsZ = absZ;
      open.peakIndex = t;
    }
  } else {
    if (open) w.events.push(open);
    w.open = {
      kind,
      direction: dir,
      startIndex: start,
      endIndex: t,
      detectedIndex: t,
      peakIndex: t,
      maxAbsZ: absZ,
      actual: 0,
      expected: 0,
      points: 0,
      open: false,
      severity: "low",
    };
  }
  w.lastSignal = t;
}

/** After the walk: each event's sums over its flagged points, severity and open state. Returns the last scored index. */
function finishEvents(w: Walk, last: number): number {
  const { o, v, expected, flagged, zs } = w;
  let lastScored = -1;
  for (let t = last; t >= 0; t--) {
    if (zs[t] === zs[t]) {
      lastScored = t;
      break;
    }
  }
  for (const ev of w.events) {
    let a = 0;
    let e = 0;
    let pts = 0;
    for (let i = ev.startIndex; i <= ev.endIndex; i++) {
      if (!flagged[i] || v[i] !== v[i] || expected[i] !== expected[i]) continue;
      a += v[i]!;
      e += expected[i]!;
      pts++;
    }
    ev.actual = a;
    ev.expected = e;
    ev.points = pts;
    const pct = e !== 0 ? (a - e) / Math.abs(e) : a !== 0 ? Infinity : 0;
    ev.severity = severityOf(ev.maxAbsZ, pct, o.z);
    const gap = ev.kind === "drift" ? o.driftMergeGap : 1;
    ev.open = lastScored >= 0 && lastScored - ev.endIndex < gap;
  }
  return lastScored;
}

/** Removes one occurrence of `x` from the sorted first `n` entries; returns the new count. */
function sortedRemove(a: Float64Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  if (lo >= n || a[lo] !== x) return n; // not present (cannot happen while the window is kept in step)
  a.copyWithin(lo, lo + 1, n);
  return n - 1;
}

/** Inserts `x` into the sorted first `n` entries; returns the new count. */
function sortedInsert(a: Float64Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  a.copyWithin(lo + 1, lo, n);
  a[lo] = x;
  return n + 1;
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
