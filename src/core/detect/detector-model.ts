/**
 * The anomaly detector's vocabulary: anomaly kinds, directions and severities, the detector's options (with the
 * defaults and the options for a series' step), the events and the per-point result it returns, and how an
 * event's severity is graded. Pure types and small functions; the detector is ./detector.ts.
 */

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
  /**
   * Scale floor in the series' own units: its resolution when the caller knows it (0.01 for money in a
   * currency). 0 (the default) keeps the detector scale-free: the floors are then all relative to the series
   * (`minRelScale` × level, `minMeanScale` × mean |value|, half the series' measured quantum).
   */
  minAbsScale: number;
  /** Scale floor as a fraction of the mean absolute (deseasonalized) value of the level window (for series whose median is 0). */
  minMeanScale: number;
  /**
   * Points per day for sub-daily series (24 hourly, 288 at 5 minutes, 1440 per minute); 0 for daily or coarser.
   * With it the seasonal profile is time-of-day (in bins of at least 15 minutes) × day-of-week.
   */
  perDay: number;
  /** Sub-daily only: also learn a day-of-week factor once a week of history exists. */
  weekly: boolean;
  /**
   * Heavy tails: the robust sigma is at least the `tailQuantile` quantile of the absolute residuals divided by the
   * normal quantile (so intermittent bursty series are not scored on a MAD of 0). 0 disables it (daily cost).
   */
  tailQuantile: number;
  /**
   * Drift confirmation: a CUSUM crossing is reported only when the run behind it has lasted `driftMinSpan`
   * points and the median z over the run is at least `driftMinMedianZ` (the level change persists and exceeds
   * what the seasonal model explains). 0 / 0 = the plain CUSUM (daily cost).
   */
  driftMinSpan: number;
  driftMinMedianZ: number;
  /**
   * Sub-daily only: what the series does about once a day is not an anomaly. The threshold is at least
   * `dailyTail` × the (1 − 1/perDay) quantile of |z| over the last 7 days of scored points (0 = off).
   */
  dailyTail: number;
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
  minAbsScale: 0,
  minMeanScale: 0.005,
  perDay: 0,
  weekly: false,
  tailQuantile: 0,
  driftMinSpan: 0,
  driftMinMedianZ: 0,
  dailyTail: 0,
};

/** Sensible options for a series whose points are `stepHours` apart (24 = daily). */
export function optionsForStep(stepHours: number, overrides: Partial<DetectorOptions> = {}): DetectorOptions {
  if (stepHours >= 24 * 6) return { ...DEFAULT_DETECTOR_OPTIONS, period: 1, levelWindow: 12, minHistory: 12, ...overrides };
  if (stepHours >= 24) return { ...DEFAULT_DETECTOR_OPTIONS, ...overrides };
  // sub-daily: a time-of-day × day-of-week profile, a level over the last day, the first day is warm-up
  const perDay = Math.max(1, Math.round(24 / stepHours));
  return {
    ...DEFAULT_DETECTOR_OPTIONS,
    period: perDay,
    perDay,
    weekly: true,
    levelWindow: Math.max(12, perDay),
    profileCycles: 7,
    minHistory: Math.max(12, perDay),
    shiftConfirm: Math.max(4, Math.round(perDay / 8)),
    tailQuantile: 0.9,
    driftMinSpan: Math.max(6, Math.round(perDay / 2)),
    driftMinMedianZ: 2,
    driftMergeGap: perDay,
    dailyTail: 1.2,
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
