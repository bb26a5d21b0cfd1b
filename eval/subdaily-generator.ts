/**
 * The published generator of synthetic operational series (hourly and per-minute metrics) with injected,
 * labelled anomalies, used by `npm run eval` next to the daily-cost generator (./generator.ts).
 *
 * Every series is a pure function of (seed, step, index). A series is
 *   x(t) = base · daily(time of day) · weekly(weekday) · noise(t) · anomaly(t)
 * with
 * - base: log-uniform between 0.001 and 1,000,000 (crash rates to byte counts: the detector must be scale-free);
 *   one series in five is instead a count (Poisson with a mean of 3 to 40 per point) — small integers;
 * - daily: a business-hours bump of 0–60% (two series in three), none otherwise; weekly (hourly series only): a
 *   weekend dip of 0–40% on half of the series;
 * - noise: log-normal with σ between 2% and 12% a point, for a third of the series AR(1)-correlated (φ = 0.6);
 *   a quarter of the non-count series is quantized to 1/500 of its base (a metric logged with few digits);
 * - missing points: each point is missing (NaN) with probability 0.5%;
 * - anomalies of one kind per series (the kind decides the set):
 *   - `spike`: 1–3 bursts of 1–3 points (hourly) or 1–10 points (per minute), at least a day apart, up (80%)
 *     or down (20%), of 6 to 15 noise sigmas (at least ±30%);
 *   - `level_shift`: one lasting step of 4 to 10 noise sigmas (at least 20%), up (70%) or down;
 *   - `clean`: none (false alarms per series).
 *   Anomalies start after the first 3 days (hourly) or 2 days (per minute) so the daily cycle has been seen.
 */
import { prng } from "./generator.js";

export const SUBDAILY_KINDS = ["spike", "level_shift", "clean"] as const;
export type SubdailyKind = (typeof SUBDAILY_KINDS)[number];

export interface SubdailyLabel {
  kind: Exclude<SubdailyKind, "clean">;
  /** First and last anomalous point (a level shift: its first point). */
  start: number;
  end: number;
}

export interface SubdailySeries {
  id: string;
  kind: SubdailyKind;
  stepMinutes: number;
  values: Float64Array;
  labels: SubdailyLabel[];
}

/** Days generated per series: 42 for hourly series, 5 for per-minute series. */
export function daysFor(stepMinutes: number): number {
  return stepMinutes >= 60 ? 42 : 5;
}

function normal(r: () => number): number {
  const u = Math.max(1e-12, r());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

function poisson(r: () => number, lambda: number): number {
  if (lambda > 50) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal(r)));
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= r();
  } while (p > l);
  return k - 1;
}

export function generateSubdaily(seed: number, stepMinutes: number, index: number, kind: SubdailyKind): SubdailySeries {
  const r = prng(seed * 1_000_003 + stepMinutes * 7919 + index * 31 + 17);
  const perDay = Math.round(1440 / stepMinutes);
  const n = daysFor(stepMinutes) * perDay;
  const isCount = r() < 0.2;
  const base = isCount ? 3 + r() * 37 : 10 ** (-3 + 9 * r());
  const dailyAmp = r() < 2 / 3 ? r() * 0.6 : 0;
  const weekendDip = stepMinutes >= 60 && r() < 0.5 ? r() * 0.4 : 0;
  const sigma = 0.02 + r() * 0.1;
  const ar = r() < 1 / 3 ? 0.6 : 0;
  const quantum = !isCount && r() < 0.25 ? base / 500 : 0;
  // the noise sigma a point shows (a count's Poisson noise relative to its mean)
  const effSigma = isCount ? Math.max(sigma, 1 / Math.sqrt(base)) : sigma;

  const mult = new Float64Array(n).fill(1);
  const labels: SubdailyLabel[] = [];
  const first = (stepMinutes >= 60 ? 3 : 2) * perDay;
  if (kind === "spike") {
    const count = 1 + Math.floor(r() * 3);
    let at = first + Math.floor(r() * perDay);
    for (let k = 0; k < count && at < n - perDay / 4; k++) {
      const dur = 1 + Math.floor(r() * (stepMinutes >= 60 ? 3 : 10));
      const m = Math.max(0.3, (6 + r() * 9) * effSigma);
      const f = r() < 0.8 ? 1 + m : 1 / (1 + m);
      for (let i = at; i < Math.min(n, at + dur); i++) mult[i] = f;
      labels.push({ kind: "spike", start: at, end: Math.min(n, at + dur) - 1 });
      at += perDay + Math.floor(r() * 5 * perDay);
    }
  } else if (kind === "level_shift") {
    const at = first + Math.floor(r() * (n - first - 2 * perDay));
    const m = Math.max(0.2, (4 + r() * 6) * effSigma);
    const f = r() < 0.7 ? 1 + m : 1 / (1 + m);
    for (let i = at; i < n; i++) mult[i] = f;
    labels.push({ kind: "level_shift", start: at, end: at });
  }

  const values = new Float64Array(n);
  let e = 0;
  for (let i = 0; i < n; i++) {
    const hour = ((i % perDay) / perDay) * 24;
    // business hours 8–18 with soft edges
    const bump = 1 / (1 + Math.exp(-(hour - 8) * 1.5)) - 1 / (1 + Math.exp(-(hour - 18) * 1.5));
    const day = Math.floor(i / perDay) % 7;
    const seasonal = (1 + dailyAmp * bump) * (day >= 5 ? 1 - weekendDip : 1);
    e = ar * e + Math.sqrt(1 - ar * ar) * normal(r);
    let x: number;
    if (isCount) x = poisson(r, base * seasonal * mult[i]! * Math.exp(sigma * e * 0.5));
    else {
      x = base * seasonal * mult[i]! * Math.exp(sigma * e);
      if (quantum > 0) x = Math.round(x / quantum) * quantum;
    }
    values[i] = r() < 0.005 ? NaN : x;
  }
  return { id: `${stepMinutes}m-${seed}-${index}`, kind, stepMinutes, values, labels };
}

/** `perKind` series of each kind at one step, for one seed. */
export function generateSubdailySet(seed: number, stepMinutes: number, perKind: number): SubdailySeries[] {
  const out: SubdailySeries[] = [];
  for (const kind of SUBDAILY_KINDS) for (let i = 0; i < perKind; i++) out.push(generateSubdaily(seed, stepMinutes, i, kind));
  return out;
}
