/**
 * The steps of the detector's walk over a series (see the order of operations on `detect` in ./detector.ts):
 * the walk's state (`Walk`), the seasonal profile, the level window, trend and scale, the expectation at a point,
 * month-start charges, flagging (spikes and level shifts), drift (CUSUM), and finishing the events. Each step
 * reads and updates the one `Walk` of a `detect` call; nothing here is used on its own.
 */
import { severityOf, type AnomalyEvent, type AnomalyKind, type DetectorOptions, type Direction } from "./detector-model.js";
import { median } from "./series.js";

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

function phaseOf(w: Walk, i: number): number {
  return w.P === 1 ? 0 : i % w.P;
}

/** Step 2: the multiplicative seasonal profile from the phase medians of the cleaned history before t, shrunk towards 1 by its noise. */
export function computeProfile(w: Walk, t: number): void {
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
