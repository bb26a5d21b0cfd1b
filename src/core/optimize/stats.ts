/**
 * Utilization statistics on small, already-hourly series (pure). The engine computes the same figures in SQL
 * over the store (quantile_cont = the linear interpolation below); these are the reference definitions.
 */

/** One hour of one metric for one resource. */
export interface HourlyPoint {
  hour: string; // ISO hour start, UTC
  avg: number;
  max: number;
}

/**
 * Percentile with linear interpolation between closest ranks (DuckDB `quantile_cont`, NumPy default):
 * position (n - 1) * p/100 in the ascending values. Empty input: null.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  if (p < 0 || p > 100) throw new RangeError(`percentile ${p} is not within 0..100`);
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * (p / 100);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = s[lo]!;
  const b = s[hi]!;
  return a + (b - a) * (pos - lo);
}

/** What a profile needs about one metric of one resource over the lookback window. */
export interface MetricSummary {
  /** Hours with data. */
  hours: number;
  /** Mean of the hourly averages. */
  avg: number | null;
  /** Largest hourly maximum. */
  max: number | null;
  /** The sizing percentile of the hourly maxima (see the profile's sizingPercentile). */
  peak: number | null;
}

export function summarize(points: readonly HourlyPoint[], sizingPercentile: number): MetricSummary {
  if (points.length === 0) return { hours: 0, avg: null, max: null, peak: null };
  const avg = points.reduce((a, p) => a + p.avg, 0) / points.length;
  const maxes = points.map((p) => p.max);
  return { hours: points.length, avg, max: Math.max(...maxes), peak: percentile(maxes, sizingPercentile) };
}
