/**
 * The steps of the detector's walk over a series (see the order of operations on `detect` in ./detector.ts):
 * the walk's state (`Walk`), the seasonal profile, the level window, trend and scale, the expectation at a point,
 * month-start charges, flagging (spikes and level shifts), drift (CUSUM), and finishing the events. Each step
 * reads and updates the one `Walk` of a `detect` call; nothing here is used on its own.
 */
import { severityOf, type AnomalyEvent, type AnomalyKind, type DetectorOptions, type Direction } from "./detector-model.js";
import { median, select } from "./series.js";

const SIGMA_PER_MAD = 1.4826;

/**
 * Everything one walk over a series keeps: the per-point outputs, the reusable buffers and the running state of
 * the profile, level, scale, month-start charges, the open event, the flag run and the CUSUM. One per `detect`
 * call; the named steps below read and update it.
 */
export interface Walk {
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
  /** Sub-daily: points per day, time-of-day bins, points per bin buffer, per-bin and per-weekday buffers. */
  perDay: number;
  bins: number;
  binCap: number;
  binBuf: Float64Array;
  binN: Uint32Array;
  dayProf: Float64Array;
  wkBuf: Float64Array;
  /** The series' measured resolution (smallest step between distinct values of the first points; 0 if continuous). */
  quantum: number;
  /** Mean |deseasonalized value| over the level window (refreshed with the scale). */
  meanAbs: number;
  /** Sum and count of |actual| over every point before t (a magnitude for series whose recent history is all 0). */
  absSum: number;
  absN: number;
  /** The threshold in use: max(z, dailyTail × the daily-tail quantile of recent |z|), and its buffer. */
  zThr: number;
  tailBuf: Float64Array;
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

export function newWalk(v: Float64Array, o: DetectorOptions): Walk {
  const n = v.length;
  const L = Math.max(3, Math.floor(o.levelWindow));
  const perDay = o.perDay > 1 ? Math.floor(o.perDay) : 0;
  // sub-daily: one profile phase per point of the week (or of the day), estimated in time-of-day bins
  const P = perDay > 0 ? (o.weekly ? 7 * perDay : perDay) : Math.max(1, Math.floor(o.period));
  const profWin = perDay > 0 ? (o.weekly ? 28 : o.profileCycles) * perDay : P > 1 ? o.profileCycles * P : 0;
  const bins = perDay > 0 ? Math.min(perDay, 96) : 0;
  const binCap = perDay > 0 ? Math.ceil(perDay / bins) * (o.profileCycles + 1) : 0;
  return {
    o,
    v,
    P,
    L,
    perDay,
    bins,
    binCap,
    binBuf: new Float64Array(bins * binCap),
    binN: new Uint32Array(bins),
    dayProf: new Float64Array(bins),
    wkBuf: new Float64Array(perDay > 0 && o.weekly ? 5 * perDay : 0),
    quantum: quantumOf(v, Math.max(256, o.minHistory)),
    meanAbs: NaN,
    absSum: 0,
    absN: 0,
    zThr: o.z,
    tailBuf: new Float64Array(perDay > 0 && o.dailyTail > 0 ? 7 * perDay : 0),
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
    refresh: perDay > 0 ? Math.max(7, L >> 3) : Math.min(P > 1 ? P : 7, 7),
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
 * The series' resolution: the smallest gap between distinct values among its first `n` points (a CPU % logged
 * to 0.002, a count to 1), 0 when the values look continuous (the gap is below 1e-9 of their range).
 */
function quantumOf(v: Float64Array, n: number): number {
  const a = new Float64Array(Math.min(n, v.length));
  let k = 0;
  for (let i = 0; i < a.length; i++) if (v[i] === v[i]) a[k++] = v[i]!;
  if (k < 3) return 0;
  const s = a.subarray(0, k).sort();
  let q = Infinity;
  for (let i = 1; i < k; i++) {
    const d = s[i]! - s[i - 1]!;
    if (d > 0 && d < q) q = d;
  }
  const range = s[k - 1]! - s[0]!;
  return q === Infinity || q <= range * 1e-9 ? 0 : q;
}

function phaseOf(w: Walk, i: number): number {
  return w.P === 1 ? 0 : i % w.P;
}

/** Step 2: the multiplicative seasonal profile from the phase medians of the cleaned history before t, shrunk towards 1 by its noise. */
export function computeProfile(w: Walk, t: number): void {
  const { P, cleaned, phaseBuf, profRaw, profDev, profile } = w;
  w.profileAt = t;
  w.profileDirty = false;
  if (P === 1) return;
  if (w.perDay > 0) return computeSubdailyProfile(w, t);
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
 * Step 2 on a sub-daily series: a time-of-day profile (median per bin over the last `profileCycles` days, shrunk
 * towards flat by its noise) times, once a week is seen, a day-of-week factor (median per weekday of the
 * values divided by the time-of-day profile over the last 4 weeks, shrunk likewise).
 */
function computeSubdailyProfile(w: Walk, t: number): void {
  const { o, perDay, bins, binCap, binBuf, binN, dayProf, cleaned, profDev, profile, P } = w;
  const fromD = Math.max(0, t - o.profileCycles * perDay);
  binN.fill(0);
  for (let i = fromD; i < t; i++) {
    const x = cleaned[i]!;
    if (x !== x) continue;
    const b = Math.floor(((i % perDay) * bins) / perDay);
    const n = binN[b]!;
    if (n < binCap) {
      binBuf[b * binCap + n] = x;
      binN[b] = n + 1;
    }
  }
  let total = 0;
  let minPer = Infinity;
  for (let b = 0; b < bins; b++) {
    const n = binN[b]!;
    if (n < 2) {
      profile.fill(1);
      return;
    }
    if (n < minPer) minPer = n;
    const med = median(binBuf.subarray(b * binCap, b * binCap + n), n);
    dayProf[b] = med;
    total += med;
  }
  if (!(total > 0)) {
    profile.fill(1);
    return;
  }
  const mean = total / bins;
  for (let b = 0; b < bins; b++) dayProf[b] = dayProf[b]! / mean;
  // noise around the profile, to shrink a pattern that noise alone would produce
  let k = 0;
  for (let i = fromD; i < t && k < profDev.length; i++) {
    const x = cleaned[i]!;
    const base = dayProf[Math.floor(((i % perDay) * bins) / perDay)]! * mean;
    if (x === x && base > 0) profDev[k++] = Math.abs(x / base - 1);
  }
  const relSigma = k > 0 ? SIGMA_PER_MAD * median(profDev, k) : 0;
  let between = 0;
  for (let b = 0; b < bins; b++) between += (dayProf[b]! - 1) ** 2;
  between /= bins;
  const noiseVar = (1.2533 * relSigma) ** 2 / minPer;
  const shrink = between > 0 ? Math.max(0, 1 - noiseVar / between) : 0;
  for (let b = 0; b < bins; b++) dayProf[b] = 1 + (dayProf[b]! - 1) * shrink;
  for (let p = 0; p < P; p++) profile[p] = Math.max(1e-6, dayProf[Math.floor(((p % perDay) * bins) / perDay)]!);
  if (!o.weekly || t < 7 * perDay) return;
  // day-of-week factor over the last 4 weeks (index-aligned weeks: phase p's weekday is ⌊p / perDay⌋)
  const fromW = Math.max(0, t - 28 * perDay);
  const wk = new Float64Array(7);
  let wTotal = 0;
  for (let d = 0; d < 7; d++) {
    let n = 0;
    for (let day = Math.floor(fromW / perDay); day * perDay < t; day++) {
      if (day % 7 !== d) continue;
      for (let i = Math.max(fromW, day * perDay); i < Math.min(t, (day + 1) * perDay) && n < w.wkBuf.length; i++) {
        const x = cleaned[i]!;
        const f = profile[i % P]!;
        if (x === x) w.wkBuf[n++] = x / f;
      }
    }
    if (n < perDay) return; // fewer than a day's points on some weekday: no weekly factor yet
    wk[d] = median(w.wkBuf, n);
    wTotal += wk[d]!;
  }
  if (!(wTotal > 0)) return;
  let wBetween = 0;
  for (let d = 0; d < 7; d++) {
    wk[d] = (wk[d]! * 7) / wTotal;
    wBetween += (wk[d]! - 1) ** 2;
  }
  wBetween /= 7;
  // a weekday's median pools ~4 days; day-level noise is the point noise over the points of a day, correlated
  const wNoise = (1.2533 * relSigma) ** 2 / (3 * Math.sqrt(perDay));
  const wShrink = wBetween > 0 ? Math.max(0, 1 - wNoise / wBetween) : 0;
  for (let p = 0; p < P; p++) profile[p] = Math.max(1e-6, profile[p]! * (1 + (wk[Math.floor(p / perDay)]! - 1) * wShrink));
}

/**
 * Step 3: the deseasonalized level at t, the median of the last L points kept in a sorted sliding window
 * (rebuilt after a profile change or a skipped point). NaN when the window holds too few points to score.
 */
export function levelWindow(w: Walk, t: number, rebuild: boolean): number {
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
export function refreshTrendAndScale(w: Walk, t: number, level: number, center: number): void {
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
  // heavy tails (bursty series): the sigma is at least what the tail quantile of the residuals implies
  if (w.o.tailQuantile > 0 && k >= 8) {
    const q = select(resid, k, Math.min(k - 1, Math.floor(w.o.tailQuantile * k)));
    const zq = w.o.tailQuantile >= 0.9 ? 1.645 : 1.2816 * (w.o.tailQuantile / 0.8); // |N(0,1)| quantile (0.9 → 1.645)
    const madFromTail = q / zq / SIGMA_PER_MAD;
    if (madFromTail > w.mad) w.mad = madFromTail;
  }
  let sa = 0;
  let na = 0;
  for (let i = Math.max(0, t - L); i < t; i++) {
    const x = ds[i]!;
    if (x === x) {
      sa += x < 0 ? -x : x;
      na++;
    }
  }
  w.meanAbs = na > 0 ? sa / na : NaN;
  // what the series does about once a day (over the last week of scores) is not an anomaly
  if (w.tailBuf.length > 0) {
    const { zs, tailBuf, perDay } = w;
    let m = 0;
    for (let i = Math.max(0, t - tailBuf.length); i < t; i++) {
      const z = zs[i]!;
      if (z === z) tailBuf[m++] = z < 0 ? -z : z;
    }
    w.zThr = w.o.z;
    if (m >= perDay) {
      const q = select(tailBuf, m, Math.min(m - 1, Math.floor(m * (1 - 1 / perDay))));
      if (w.o.dailyTail * q > w.zThr) w.zThr = w.o.dailyTail * q;
    }
  }
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
export function expectAt(w: Walk, t: number, levelNow: number): Expectation {
  const { o, P } = w;
  const m1 = w.winN;
  // predictive spread: noise plus the error of the level (median of m1 points) and of the profile
  // (medians over the cycles seen so far), var(median) ≈ (π/2)·σ²/n
  const cycles = P > 1 ? Math.min(o.profileCycles, Math.floor(t / (w.perDay > 0 ? w.perDay : P))) : 0;
  // the residuals are measured against a profile fitted to the same points: with c cycles they understate
  // the noise by about √((c−1)/c), which matters in the first weeks
  const dof = cycles > 1 ? cycles / (cycles - 1) : 1;
  const predictive = Math.sqrt((1 + 1.5708 / m1 + (cycles > 0 ? 1.5708 / cycles : 0)) * dof);
  let scale = SIGMA_PER_MAD * o.scaleInflation * predictive * w.mad;
  // floors relative to the series: its level, its mean magnitude (series mostly at 0), its resolution
  let floor = o.minRelScale * Math.abs(levelNow);
  if (o.minMeanScale > 0) {
    const mag = w.meanAbs === w.meanAbs && w.meanAbs > 0 ? w.meanAbs : w.absN > 0 ? w.absSum / w.absN : 0;
    if (o.minMeanScale * mag > floor) floor = o.minMeanScale * mag;
  }
  if (0.5 * w.quantum > floor) floor = 0.5 * w.quantum;
  if (o.minAbsScale > floor) floor = o.minAbsScale;
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
  w.lower[t] = exp - w.zThr * sc;
  w.upper[t] = exp + w.zThr * sc;
  return { exp, sc, base, recurring, isMonthStart };
}

/** The recurring month-start charge expected from the recorded excesses (0 before two month starts). */
export function recurringOf(w: Walk): number {
  if (w.msN < 2) return 0;
  if (w.msN === 2) return (w.msExcess[0]! + w.msExcess[1]!) / 2;
  w.msTmp.set(w.msExcess);
  return median(w.msTmp, 3);
}

/** Step 6, on a month start: remember the last three excesses; the daily level is learnt without the monthly charge. */
export function rememberMonthStart(w: Walk, t: number, x: number, base: number, recurring: number): void {
  const { msExcess } = w;
  msExcess[2] = msExcess[1]!;
  msExcess[1] = msExcess[0]!;
  msExcess[0] = x - base;
  w.msN = Math.min(3, w.msN + 1);
  w.cleaned[t] = x - recurring;
}

/** Step 7, |z| ≥ z: flag the point (its cleaned value becomes the baseline); a confirmed run is a level shift, else a spike. */
export function flagPoint(w: Walk, t: number, z: number, absZ: number, base: number): void {
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
export function trackDrift(w: Walk, t: number, z: number, absZ: number): void {
  const { o, v, expected, flagged } = w;
  const zc = z > o.cusumClip ? o.cusumClip : z < -o.cusumClip ? -o.cusumClip : z;
  if (w.cPos === 0) w.cPosStart = t;
  w.cPos = Math.max(0, w.cPos + zc - o.cusumK);
  if (w.cNeg === 0) w.cNegStart = t;
  w.cNeg = Math.max(0, w.cNeg - zc - o.cusumK);
  if (w.cPos > o.cusumH || w.cNeg > o.cusumH) {
    const up = w.cPos > o.cusumH;
    const start = up ? w.cPosStart : w.cNegStart;
    if (o.driftMinSpan > 0 && !driftConfirmed(w, start, t, up)) return;
    for (let i = start; i <= t; i++) if (v[i] === v[i] && expected[i] === expected[i]) flagged[i] = 1;
    signal(w, t, "drift", up ? "up" : "down", start, absZ);
    w.cPos = w.cNeg = 0;
  }
}

/**
 * A drift is confirmed when its run has lasted `driftMinSpan` points and the median z over the run is at least
 * `driftMinMedianZ` on its side: a level change that persists and that the seasonal model does not explain.
 * Until then the CUSUM keeps accumulating (a real drift confirms a little later; a bump that fades never does).
 */
function driftConfirmed(w: Walk, start: number, t: number, up: boolean): boolean {
  const { o, zs, buf } = w;
  if (t - start + 1 < o.driftMinSpan) return false;
  let n = 0;
  for (let i = Math.max(start, t - buf.length + 1); i <= t; i++) {
    const z = zs[i]!;
    if (z === z) buf[n++] = up ? z : -z;
  }
  return n >= o.driftMinSpan >> 1 && median(buf, n) >= o.driftMinMedianZ;
}

/** Opens an event, or extends the open one when it is on the same side and close enough (a multi-day anomaly is one event). */
function signal(w: Walk, t: number, kind: AnomalyKind, dir: Direction, start: number, absZ: number): void {
  const { o, P } = w;
  const open = w.open;
  // signals merge within a quarter cycle (daily: 2 days of a week), an hour on sub-daily series
  const gap = kind === "drift" || open?.kind === "drift" ? o.driftMergeGap : w.perDay > 0 ? Math.max(2, Math.ceil(w.perDay / 24)) : P > 1 ? Math.max(2, Math.ceil(P / 4)) : 2;
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
export function finishEvents(w: Walk, last: number): number {
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

/** The first index in the sorted first `n` entries whose value is not below `x` (binary search). */
function lowerBound(a: Float64Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Removes one occurrence of `x` from the sorted first `n` entries; returns the new count. */
function sortedRemove(a: Float64Array, n: number, x: number): number {
  const lo = lowerBound(a, n, x);
  if (lo >= n || a[lo] !== x) return n; // not present (cannot happen while the window is kept in step)
  a.copyWithin(lo, lo + 1, n);
  return n - 1;
}

/** Inserts `x` into the sorted first `n` entries; returns the new count. */
function sortedInsert(a: Float64Array, n: number, x: number): number {
  const lo = lowerBound(a, n, x);
  a.copyWithin(lo + 1, lo, n);
  a[lo] = x;
  return n + 1;
}
