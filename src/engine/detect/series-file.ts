/**
 * The detector on any series from a CSV file (`costwise detect --series file.csv`): columns timestamp,value
 * (a header naming them; other columns are ignored), any interval. `interval: "auto"` averages points closer
 * than an hour into hourly buckets (5-minute CloudWatch metrics scored hour by hour); `"native"` scores them at
 * their own step (1-minute, 5-minute) with the time-of-day × day-of-week seasonality it implies. Each anomaly is
 * reported at its peak in series units, and the buckets not scored are counted by reason.
 */
import { readFileSync } from "node:fs";
import { CostwiseError } from "../../core/errors.js";
import { detect, optionsForStep, type AnomalyEvent, type DetectorOptions, type Direction } from "../../core/detect/detector.js";
import { detectSeparator, parseCsv, parseNumber } from "../../core/detect/series-csv.js";
import { medianStep, resample, type RegularSeries } from "../../core/detect/series.js";

export const SERIES_INTERVALS = ["auto", "native", "hour", "day"] as const;
export type SeriesInterval = (typeof SERIES_INTERVALS)[number];

export interface SeriesPoint {
  t: number;
  value: number;
}

const HOUR = 3_600_000;

/**
 * Parses CSV text with a header holding a time column (`timestamp`, `time` or `date`) and a `value` column
 * (case-insensitive; other columns ignored): RFC 4180 quoting, BOM, separator `,` `;` tab or `|`, decimal commas
 * (see core/detect/series-csv.ts). Empty values are missing points (NaN), never 0.
 */
export function parseSeriesCsv(text: string, file: string): SeriesPoint[] {
  const sep = detectSeparator(text);
  const { rows, problem } = parseCsv(text, sep);
  if (problem) throw new CostwiseError("BAD_INPUT", `${file}: line ${problem.line}: ${problem.message}`, { location: { file, line: problem.line } });
  const headerRow = rows[0];
  const header = (headerRow?.cells ?? []).map((h) => h.trim().toLowerCase());
  const ti = header.findIndex((h) => h === "timestamp" || h === "time" || h === "date");
  const vi = header.findIndex((h) => h === "value");
  if (ti < 0 || vi < 0) {
    throw new CostwiseError("BAD_INPUT", `${file}: line 1: expected a header with columns timestamp,value; found ${JSON.stringify((headerRow?.cells ?? []).join(sep))}`, { location: { file, line: 1 } });
  }
  const points: SeriesPoint[] = [];
  for (let i = 1; i < rows.length; i++) {
    const { line, cells } = rows[i]!;
    const ts = (cells[ti] ?? "").trim();
    const vs = (cells[vi] ?? "").trim();
    const t = parseTimestamp(ts);
    if (t === undefined) {
      throw new CostwiseError("BAD_INPUT", `${file}: line ${line}, column timestamp: expected an ISO date or date-time (UTC) or epoch seconds, found ${JSON.stringify(ts)}`, { location: { file, line, column: "timestamp" } });
    }
    if (vs === "") {
      points.push({ t, value: NaN });
      continue;
    }
    const value = parseNumber(vs);
    if (typeof value !== "number" || !Number.isFinite(value)) {
      const why = typeof value === "number" ? "expected a finite number" : value.error;
      throw new CostwiseError("BAD_INPUT", `${file}: line ${line}, column value: ${why}, found ${JSON.stringify(vs)}`, { location: { file, line, column: "value" } });
    }
    points.push({ t, value });
  }
  if (points.length === 0) throw new CostwiseError("EMPTY_FILE", `${file}: no data rows`, { location: { file } });
  points.sort((a, b) => a.t - b.t);
  return points;
}

function parseTimestamp(s: string): number | undefined {
  if (/^\d{9,11}(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (!m) return undefined;
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4] ?? "00"}:${m[5] ?? "00"}:${m[6] ?? "00"}${m[7] ? (m[7] === "Z" ? "Z" : m[7].length === 5 ? `${m[7].slice(0, 3)}:${m[7].slice(3)}` : m[7]) : "Z"}`;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

/** Puts points on a regular grid (mean per bucket). */
export function regularize(points: readonly SeriesPoint[], interval: SeriesInterval): RegularSeries {
  const step = medianStep(points.map((p) => p.t)) ?? 24 * HOUR;
  let bucket: number;
  switch (interval) {
    case "hour":
      bucket = HOUR;
      break;
    case "day":
      bucket = 24 * HOUR;
      break;
    case "native":
      bucket = Math.max(1000, step);
      break;
    case "auto":
      bucket = step < HOUR ? HOUR : step;
      break;
  }
  return resample(points, bucket, "mean")!;
}

export interface SeriesAnomaly {
  kind: AnomalyEvent["kind"];
  direction: AnomalyEvent["direction"];
  severity: AnomalyEvent["severity"];
  /** First and last anomalous bucket, the bucket it was raised at, and its peak (largest |z|). */
  start: string;
  end: string;
  detected: string;
  peak: string;
  /** At the peak, in series units: the value, the expected value, and value − expected (and in % of expected). */
  peakValue: number;
  expectedAtPeak: number;
  deviation: number;
  deviationPercent: number | null;
  /** Means over the event's flagged buckets (not sums: a CPU % stays a CPU %). */
  meanValue: number;
  meanExpected: number;
  maxZ: number;
  points: number;
  /** Still anomalous at the last scored bucket. */
  open: boolean;
  /** Passes the alert thresholds (`--min-deviation`, `--min-percent`, `--direction`). */
  alert: boolean;
}

/** Why buckets were not scored. */
export interface NotScored {
  /** Before the detector had enough history (the first day on sub-daily series, 4 weeks on daily ones). */
  warmUp: number;
  /** Buckets with no point (gaps in the file) or an empty value. */
  missing: number;
  /** Buckets with a value that could not be scored because too little history was left after a gap. */
  afterGap: number;
  total: number;
}

export interface SeriesAlertThresholds {
  /** |value − expected| at the peak, in series units. */
  minDeviation: number;
  /** |value − expected| / expected at the peak, in percent. */
  minPercent: number;
  direction: Direction | "both";
}

export const DEFAULT_SERIES_ALERT: SeriesAlertThresholds = { minDeviation: 0, minPercent: 0, direction: "both" };

export interface SeriesDetection {
  file: string;
  points: number;
  bucketSeconds: number;
  buckets: number;
  /** "scored", or "too_short" when no bucket could be scored (then `message` says how many are needed). */
  status: "scored" | "too_short";
  message: string;
  /** What the detector models at this resolution. */
  seasonality: string;
  scored: number;
  notScored: NotScored;
  /** The first bucket scored (null when none was). */
  firstScored: string | null;
  options: Omit<DetectorOptions, "monthStarts">;
  anomalies: SeriesAnomaly[];
}

/** The seasonality the detector models for a bucket of `stepMs`. */
function seasonalityOf(o: DetectorOptions): string {
  if (o.perDay > 1) return `time of day (${Math.min(o.perDay, 96)} bins)${o.weekly ? " × day of week (after 7 days)" : ""}`;
  if (o.period > 1) return `${o.period}-point cycle (day of week)`;
  return "none";
}

/**
 * Scores a series: regularize, choose options for the bucket (./core optionsForStep), detect, then report each
 * anomaly at its peak in series units and count the buckets not scored by reason.
 */
export function detectSeries(points: readonly SeriesPoint[], interval: SeriesInterval = "auto", overrides: Partial<DetectorOptions> = {}, thresholds: SeriesAlertThresholds = DEFAULT_SERIES_ALERT): Omit<SeriesDetection, "file"> {
  const reg = regularize(points, interval);
  const options = optionsForStep(reg.stepMs / HOUR, overrides);
  let monthStarts: Uint8Array | undefined;
  if (reg.stepMs === 24 * HOUR) {
    monthStarts = new Uint8Array(reg.values.length);
    for (let i = 0; i < reg.values.length; i++) if (new Date(reg.startMs + i * reg.stepMs).getUTCDate() === 1) monthStarts[i] = 1;
  }
  const v = reg.values;
  const r = detect(v, monthStarts ? { ...options, monthStarts } : options);
  const at = (i: number): string => new Date(reg.startMs + i * reg.stepMs).toISOString().replace(".000Z", "Z");
  // buckets not scored, by reason
  let first = -1;
  for (let i = 0; i < v.length; i++) if (r.z[i] === r.z[i]) {
    first = i;
    break;
  }
  const notScored: NotScored = { warmUp: 0, missing: 0, afterGap: 0, total: 0 };
  for (let i = 0; i < v.length; i++) {
    if (r.z[i] === r.z[i]) continue;
    if (v[i] !== v[i]) notScored.missing++;
    else if (first < 0 || i < first) notScored.warmUp++;
    else notScored.afterGap++;
  }
  notScored.total = notScored.warmUp + notScored.missing + notScored.afterGap;
  const scored = v.length - notScored.total;
  const stepText = reg.stepMs % HOUR === 0 ? `${reg.stepMs / HOUR} h` : `${reg.stepMs / 60_000} min`;
  const status = scored === 0 ? "too_short" : "scored";
  const message =
    status === "too_short"
      ? `cannot be scored: ${v.length - notScored.missing} bucket${v.length - notScored.missing === 1 ? "" : "s"} of ${stepText} with a value; the detector needs more than ${options.minHistory} (its warm-up) before it scores the next one`
      : `${scored} of ${v.length} buckets scored; not scored: ${notScored.warmUp} warm-up, ${notScored.missing} missing, ${notScored.afterGap} after a gap`;
  const { monthStarts: _ms, ...publicOptions } = { ...options, monthStarts: undefined };
  return {
    points: points.length,
    bucketSeconds: reg.stepMs / 1000,
    buckets: v.length,
    status,
    message,
    seasonality: seasonalityOf(options),
    scored,
    notScored,
    firstScored: first >= 0 ? at(first) : null,
    options: publicOptions,
    anomalies: r.events.map((e) => {
      const p = e.peakIndex;
      const peakValue = v[p]!;
      const expectedAtPeak = r.expected[p]!;
      const deviation = peakValue - expectedAtPeak;
      const deviationPercent = expectedAtPeak !== 0 ? (deviation / Math.abs(expectedAtPeak)) * 100 : null;
      const alert =
        (thresholds.direction === "both" || thresholds.direction === e.direction) &&
        Math.abs(deviation) >= thresholds.minDeviation &&
        (thresholds.minPercent <= 0 || deviationPercent === null || Math.abs(deviationPercent) >= thresholds.minPercent);
      return {
        kind: e.kind,
        direction: e.direction,
        severity: e.severity,
        start: at(e.startIndex),
        end: at(e.endIndex),
        detected: at(e.detectedIndex),
        peak: at(p),
        peakValue,
        expectedAtPeak,
        deviation,
        deviationPercent,
        meanValue: e.points > 0 ? e.actual / e.points : peakValue,
        meanExpected: e.points > 0 ? e.expected / e.points : expectedAtPeak,
        maxZ: e.maxAbsZ,
        points: e.points,
        open: e.open,
        alert,
      };
    }),
  };
}

export function detectSeriesFile(file: string, interval: SeriesInterval = "auto", overrides: Partial<DetectorOptions> = {}, thresholds: SeriesAlertThresholds = DEFAULT_SERIES_ALERT): SeriesDetection {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new CostwiseError("NOT_FOUND", `cannot read ${file}: ${(e as Error).message}`, { cause: e, location: { file } });
  }
  return { file, ...detectSeries(parseSeriesCsv(text, file), interval, overrides, thresholds) };
}
