/**
 * Daily spend forecasts with prediction intervals, and totals over any span of future days (month end,
 * quarter end, the next 12 months).
 *
 * Model, on the history cleaned of flagged anomalies (the detector replaces anomalous days by their expected
 * values and rebases level shifts, so a spike last week does not inflate next month):
 *   y(t) = (level + slope · Σ_{j≤h} φ^j) · weekly(t) · noise
 * - weekly: the multiplicative weekday profile (median per weekday over 12 weeks, shrunk towards 1 when the
 *   pattern is not distinguishable from noise);
 * - slope: a Theil–Sen line (median of pairwise slopes) through the deseasonalized cleaned last `window` days,
 *   damped (φ per day) so a trend is not extrapolated for a year at full strength;
 * - level: the median of the last `levelDays` deseasonalized actual days (a one-day spike does not move it; a
 *   step from last week does, before the detector has confirmed it);
 * - error: residual spread σ (robust), the line's own uncertainty (level and slope standard errors), and a
 *   random-walk term for level changes nobody has seen yet (`levelWalk` per √day), which is what makes
 *   month-ahead intervals honest. Errors of day sums add the per-day noise in quadrature and the level terms
 *   linearly (they are shared by every day of the span).
 * Intervals are normal approximations: 80% = ±1.2816·sd, 95% = ±1.96·sd.
 */
import { detect, type DetectorOptions } from "./detector.js";
import { addDays, dayNumber, median, numberToDecimal, weekday } from "./series.js";

export interface ForecastOptions {
  /** Days of history the line is fitted on. */
  window: number;
  /** Daily damping of the trend. */
  phi: number;
  /** Random-walk level uncertainty, relative to the level, per √day. */
  levelWalk: number;
  /** The level is the median of this many last days (0: the fitted line's end; 7 anyway while a drift or step is open). */
  levelDays: number;
  detector: Partial<DetectorOptions>;
}

export const DEFAULT_FORECAST_OPTIONS: ForecastOptions = {
  window: 56,
  phi: 0.985,
  levelWalk: 0.006,
  levelDays: 0,
  detector: {},
};

export const Z80 = 1.2816;
export const Z95 = 1.96;

export interface DayForecast {
  day: string;
  point: number;
  lower80: number;
  upper80: number;
  lower95: number;
  upper95: number;
}

export interface Interval {
  point: number;
  lower80: number;
  upper80: number;
  lower95: number;
  upper95: number;
}

export interface DailyForecast {
  /** The first forecast day (the day after the history). */
  start: string;
  days: DayForecast[];
  /** Interval for the sum of forecast days [fromDay, toDay] inclusive (both within the horizon). */
  sum(fromDay: string, toDay: string): Interval;
  /** Fitted components, for explanations. */
  level: number;
  slopePerDay: number;
  sigma: number;
  profile: number[];
  /** Days of history actually used (not missing). */
  used: number;
}

/**
 * Forecasts `horizon` days after a daily history starting on `startDay` (NaN = missing day).
 * Returns undefined when fewer than 7 days of history are present.
 */
export function forecastDaily(history: Float64Array | readonly number[], startDay: string, horizon: number, opts: Partial<ForecastOptions> = {}): DailyForecast | undefined {
  const o = { ...DEFAULT_FORECAST_OPTIONS, ...opts };
  const v = history instanceof Float64Array ? history : Float64Array.from(history);
  const n = v.length;
  let present = 0;
  for (let i = 0; i < n; i++) if (v[i] === v[i]) present++;
  if (present < 7) return undefined;

  // cleaned history (anomalies replaced) and weekday profile, phase aligned to real weekdays
  const startNum = dayNumber(startDay);
  const shift = weekday(startNum); // index i has weekday (shift + i) % 7
  const aligned = new Float64Array(n + shift).fill(NaN);
  aligned.set(v, shift);
  const monthStarts = new Uint8Array(n + shift);
  for (let i = 0; i < n; i++) if (addDays(startDay, i).endsWith("-01")) monthStarts[i + shift] = 1;
  const det = detect(aligned, { ...o.detector, period: 7, monthStarts, minHistory: Math.min(21, Math.max(14, o.detector.minHistory ?? 21)) });
  const recurring = det.monthlyRecurring;
  const cleaned = det.cleaned.subarray(shift);
  const profile = profileOf(cleaned, shift);

  // a drift or step still going on at the end: fit only the recent weeks, and take the level from the last days
  const moving = det.events.some((e) => e.open && (e.kind === "drift" || e.kind === "level_shift"));
  const levelDays = moving ? Math.max(o.levelDays, 7) : o.levelDays;
  // deseasonalized window
  const W = Math.min(moving ? Math.min(o.window, 28) : o.window, n);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = n - W; i < n; i++) {
    const c = cleaned[i]!;
    if (c === c) {
      xs.push(i);
      ys.push(c / profile[(shift + i) % 7]!);
    }
  }
  const m = xs.length;
  let slope = 0;
  if (m >= 14) {
    const slopes = new Float64Array((m * (m - 1)) / 2);
    let k = 0;
    for (let a = 0; a < m; a++) for (let b = a + 1; b < m; b++) slopes[k++] = (ys[b]! - ys[a]!) / (xs[b]! - xs[a]!);
    slope = median(slopes, k);
  }
  const inter = new Float64Array(m);
  for (let i = 0; i < m; i++) inter[i] = ys[i]! - slope * xs[i]!;
  const intercept = median(inter, m);
  const resid = new Float64Array(m);
  for (let i = 0; i < m; i++) resid[i] = Math.abs(ys[i]! - (intercept + slope * xs[i]!));
  let sigma = 1.4826 * median(resid, m);
  // the level: the median of the last `levelDays` deseasonalized actual days (not the cleaned ones: a recent
  // step that the detector has not confirmed yet is real spend), moved to the last day along the slope; a
  // one-day spike among them does not move a median
  const recent: number[] = [];
  for (let i = Math.max(0, n - levelDays); i < n; i++) {
    const x = v[i]!;
    if (x === x) recent.push(x / profile[(shift + i) % 7]! + slope * (n - 1 - i));
  }
  const lineLevel = intercept + slope * (n - 1);
  const level = levelDays > 0 && recent.length >= Math.min(3, levelDays) ? median(Float64Array.from(recent), recent.length) : lineLevel;
  sigma = Math.max(sigma, Math.abs(level) * 0.005, 1e-9);
  // standard errors of the line (OLS formulas with the robust sigma; median-based fits are ~25% noisier)
  let sxx = 0;
  let xbar = 0;
  for (const x of xs) xbar += x;
  xbar /= m;
  for (const x of xs) sxx += (x - xbar) ** 2;
  const seLevel = level === lineLevel ? 1.25 * sigma * Math.sqrt(1 / m + ((n - 1 - xbar) ** 2) / Math.max(sxx, 1e-9)) : (1.25 * sigma) / Math.sqrt(recent.length);
  const seSlope = m >= 14 ? (1.25 * sigma) / Math.sqrt(Math.max(sxx, 1e-9)) : 0;
  const walk = o.levelWalk * Math.abs(level);

  const days: DayForecast[] = [];
  const f = new Float64Array(horizon); // profile factors
  const trendSum = new Float64Array(horizon); // Σ φ^j, j = 1..h
  let acc = 0;
  let pow = 1;
  for (let h = 1; h <= horizon; h++) {
    pow *= o.phi;
    acc += pow;
    trendSum[h - 1] = acc;
    const wd = (shift + n - 1 + h) % 7;
    f[h - 1] = profile[wd]!;
  }
  // recurring month-start charges on future 1sts
  const extra = new Float64Array(horizon);
  for (let h = 1; h <= horizon; h++) if (recurring !== 0 && addDays(startDay, n - 1 + h).endsWith("-01")) extra[h - 1] = recurring;
  const pointAt = (h: number): number => Math.max(0, (level + slope * trendSum[h - 1]!) * f[h - 1]! + extra[h - 1]!);
  for (let h = 1; h <= horizon; h++) {
    const p = pointAt(h);
    const fac = f[h - 1]!;
    const sd = fac * Math.sqrt(sigma ** 2 + seLevel ** 2 + (trendSum[h - 1]! * seSlope) ** 2 + walk ** 2 * h);
    days.push({
      day: addDays(startDay, n - 1 + h),
      point: p,
      lower80: Math.max(0, p - Z80 * sd),
      upper80: p + Z80 * sd,
      lower95: Math.max(0, p - Z95 * sd),
      upper95: p + Z95 * sd,
    });
  }
  const first = addDays(startDay, n);
  const sum = (fromDay: string, toDay: string): Interval => {
    const a = dayNumber(fromDay) - dayNumber(first) + 1;
    const b = dayNumber(toDay) - dayNumber(first) + 1;
    if (b < a) return { point: 0, lower80: 0, upper80: 0, lower95: 0, upper95: 0 };
    if (a < 1 || b > horizon) throw new RangeError(`span ${fromDay}..${toDay} is outside the forecast horizon`);
    let point = 0;
    let noise = 0;
    let lev = 0;
    let slo = 0;
    let walkVar = 0;
    for (let h = a; h <= b; h++) {
      const fac = f[h - 1]!;
      point += pointAt(h);
      noise += (fac * sigma) ** 2;
      lev += fac;
      slo += fac * trendSum[h - 1]!;
    }
    // a random walk's level at day h is shared by all later days: var(Σ_h W_h) = Σ_j (days from j on)² · q²
    for (let j = 1; j <= b; j++) {
      let w = 0;
      for (let h = Math.max(a, j); h <= b; h++) w += f[h - 1]!;
      walkVar += w * w;
    }
    const sd = Math.sqrt(noise + (lev * seLevel) ** 2 + (slo * seSlope) ** 2 + walk ** 2 * walkVar);
    return {
      point,
      lower80: Math.max(0, point - Z80 * sd),
      upper80: point + Z80 * sd,
      lower95: Math.max(0, point - Z95 * sd),
      upper95: point + Z95 * sd,
    };
  };
  return { start: first, days, sum, level, slopePerDay: slope, sigma, profile: Array.from(profile), used: present };
}

/** Multiplicative weekday profile (index = weekday 0 Monday … 6 Sunday) over the last 12 weeks. */
function profileOf(cleaned: Float64Array, shift: number): Float64Array {
  const n = cleaned.length;
  const from = Math.max(0, n - 84);
  const meds = new Float64Array(7);
  const buf = new Float64Array(16);
  let total = 0;
  for (let wd = 0; wd < 7; wd++) {
    let k = 0;
    for (let i = from; i < n; i++) {
      if ((shift + i) % 7 !== wd) continue;
      const c = cleaned[i]!;
      if (c === c && k < 16) buf[k++] = c;
    }
    if (k < 2) return new Float64Array(7).fill(1);
    meds[wd] = median(buf, k);
    total += meds[wd]!;
  }
  if (total <= 0) return new Float64Array(7).fill(1);
  const mean = total / 7;
  // shrink towards 1 by how distinguishable the pattern is from noise
  const dev: number[] = [];
  for (let i = from; i < n; i++) {
    const c = cleaned[i]!;
    const base = meds[(shift + i) % 7]!;
    if (c === c && base > 0) dev.push(Math.abs(c / base - 1));
  }
  const relSigma = 1.4826 * median(Float64Array.from(dev), dev.length);
  const cycles = Math.max(2, Math.floor((n - from) / 7));
  const noiseVar = (1.2533 * (Number.isFinite(relSigma) ? relSigma : 0)) ** 2 / cycles;
  let between = 0;
  for (let wd = 0; wd < 7; wd++) between += (meds[wd]! / mean - 1) ** 2;
  between /= 7;
  const shrink = between > 0 ? Math.max(0, 1 - noiseVar / between) : 0;
  const out = new Float64Array(7);
  for (let wd = 0; wd < 7; wd++) out[wd] = Math.max(1e-6, 1 + (meds[wd]! / mean - 1) * shrink);
  return out;
}

/** An interval's numbers as decimal strings (money estimates, 4 decimals). */
export function intervalToDecimals(i: Interval, offset = 0): { point: string; lower80: string; upper80: string; lower95: string; upper95: string } {
  return {
    point: numberToDecimal(i.point + offset),
    lower80: numberToDecimal(i.lower80 + offset),
    upper80: numberToDecimal(i.upper80 + offset),
    lower95: numberToDecimal(i.lower95 + offset),
    upper95: numberToDecimal(i.upper95 + offset),
  };
}
