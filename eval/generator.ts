/**
 * The published generator of synthetic daily cost series with labelled anomalies, used by `npm run eval`.
 *
 * Every series is a pure function of (seed, index): same seed, same numbers on every machine. A series is
 *   cost(day) = base · growth(day) · weekly(weekday) · noise(day) · anomaly(day)
 * with
 * - base: log-uniform between 20 and 20,000 per day;
 * - growth: a compound trend between −20% and +60% a year;
 * - weekly: a weekend dip of 0–35% (workloads that scale down), or none for a third of the series;
 * - noise: log-normal with σ between 2% and 7% a day (the day-to-day wobble of aggregated spend);
 * - missing days: each day is missing (NaN) with probability 0.5% — a late or lost export, not zero;
 * - anomalies of one kind per series (the kind decides the series' set):
 *   - `spike`: 1–3 one-day spikes of +20% to +150% of the day's cost, at least 21 days apart;
 *   - `level_shift`: one lasting step of +20% to +100% (70%) or −20% to −50% (30%);
 *   - `drift`: a linear ramp of +30% to +100% over 14 to 45 days, then a plateau at the new level;
 *   - `clean`: none (for false alerts per series-month).
 * Anomalies start on day 60 or later so every detector has two months of history.
 */

export const SERIES_KINDS = ["spike", "level_shift", "drift", "clean"] as const;
export type SeriesKind = (typeof SERIES_KINDS)[number];

export interface Label {
  kind: Exclude<SeriesKind, "clean">;
  /** First anomalous day (index). */
  start: number;
  /** Last day of the ramp (drift) or the spike day; for a level shift the start day. */
  end: number;
  /** Relative size (0.3 = +30%). */
  magnitude: number;
}

export interface GeneratedSeries {
  id: string;
  kind: SeriesKind;
  /** Day index 0 is `startDay`; a Monday, so weekday = index % 7. */
  startDay: string;
  values: Float64Array;
  labels: Label[];
  /** The series without anomalies or noise (for forecast truth checks). */
  params: { base: number; growthPerYear: number; weekendDip: number; noise: number };
}

/** mulberry32: a small, fast, well-mixed 32-bit PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  const v = r();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** 2024-01-01, a Monday. */
export const GENERATOR_START_DAY = "2024-01-01";

export function generateSeries(seed: number, index: number, kind: SeriesKind, days = 365): GeneratedSeries {
  const r = prng((seed * 1_000_003 + index * 7919 + SERIES_KINDS.indexOf(kind) * 104_729) >>> 0);
  const base = Math.exp(Math.log(20) + r() * (Math.log(20_000) - Math.log(20)));
  const growthPerYear = -0.2 + r() * 0.8;
  const weekendDip = r() < 1 / 3 ? 0 : r() * 0.35;
  const noise = 0.02 + r() * 0.05;
  const daily = Math.log(1 + growthPerYear) / 365;
  const mult = new Float64Array(days).fill(1);
  const labels: Label[] = [];

  if (kind === "spike") {
    const count = 1 + Math.floor(r() * 3);
    const taken: number[] = [];
    for (let k = 0; k < count; k++) {
      for (let attempt = 0; attempt < 20; attempt++) {
        const d = 60 + Math.floor(r() * (days - 61));
        if (taken.every((x) => Math.abs(x - d) >= 21)) {
          const m = 0.2 + r() * 1.3;
          taken.push(d);
          mult[d] = mult[d]! * (1 + m);
          labels.push({ kind: "spike", start: d, end: d, magnitude: m });
          break;
        }
      }
    }
  } else if (kind === "level_shift") {
    const d = 60 + Math.floor(r() * (days - 120));
    const m = r() < 0.7 ? 0.2 + r() * 0.8 : -(0.2 + r() * 0.3);
    for (let i = d; i < days; i++) mult[i] = 1 + m;
    labels.push({ kind: "level_shift", start: d, end: d, magnitude: m });
  } else if (kind === "drift") {
    const len = 14 + Math.floor(r() * 32);
    const d = 60 + Math.floor(r() * (days - 120 - len));
    const m = 0.3 + r() * 0.7;
    for (let i = d; i < days; i++) mult[i] = 1 + m * Math.min(1, (i - d + 1) / len);
    labels.push({ kind: "drift", start: d, end: d + len - 1, magnitude: m });
  }
  labels.sort((a, b) => a.start - b.start);

  const values = new Float64Array(days);
  for (let i = 0; i < days; i++) {
    const wd = i % 7;
    const weekly = wd >= 5 ? 1 - weekendDip : 1;
    const eps = Math.exp(noise * gaussian(r) - (noise * noise) / 2);
    values[i] = base * Math.exp(daily * i) * weekly * eps * mult[i]!;
    if (r() < 0.005 && !labels.some((l) => l.start === i)) values[i] = NaN;
  }
  return { id: `${kind}-${seed}-${index}`, kind, startDay: GENERATOR_START_DAY, values, labels, params: { base, growthPerYear, weekendDip, noise } };
}

/** A set of series: `perKind` of each kind. */
export function generateSet(seed: number, perKind: number, days = 365): GeneratedSeries[] {
  const out: GeneratedSeries[] = [];
  for (const kind of SERIES_KINDS) for (let i = 0; i < perKind; i++) out.push(generateSeries(seed, i, kind, days));
  return out;
}
