/**
 * The detector on any series from a CSV file (`costwise detect --series file.csv`): columns timestamp,value
 * (a header naming them; other columns are ignored), any interval. Points closer than an hour are averaged
 * into hourly buckets (`interval: "auto"`), so 5-minute CloudWatch metrics are scored hour by hour.
 */
import { readFileSync } from "node:fs";
import { CostwiseError } from "../../core/errors.js";
import { detect, optionsForStep, type AnomalyEvent, type DetectorOptions } from "../../core/detect/detector.js";
import { medianStep, resample, type RegularSeries } from "../../core/detect/series.js";

export const SERIES_INTERVALS = ["auto", "native", "hour", "day"] as const;
export type SeriesInterval = (typeof SERIES_INTERVALS)[number];

export interface SeriesPoint {
  t: number;
  value: number;
}

const HOUR = 3_600_000;

/** Parses CSV text with a header holding `timestamp` and `value` columns (case-insensitive). */
export function parseSeriesCsv(text: string, file: string): SeriesPoint[] {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? "").split(",").map((h) => h.trim().replace(/^"|"$/g, "").toLowerCase());
  const ti = header.findIndex((h) => h === "timestamp" || h === "time" || h === "date");
  const vi = header.findIndex((h) => h === "value");
  if (ti < 0 || vi < 0) {
    throw new CostwiseError("BAD_INPUT", `${file}: line 1: expected a header with columns timestamp,value; found ${JSON.stringify(lines[0] ?? "")}`, { location: { file, line: 1 } });
  }
  const points: SeriesPoint[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    const cells = line.split(",").map((c) => c.trim().replace(/^"|"$/g, ""));
    const ts = cells[ti] ?? "";
    const vs = cells[vi] ?? "";
    const t = parseTimestamp(ts);
    if (t === undefined) {
      throw new CostwiseError("BAD_INPUT", `${file}: line ${i + 1}, column timestamp: expected an ISO date or date-time (UTC) or epoch seconds, found ${JSON.stringify(ts)}`, { location: { file, line: i + 1, column: "timestamp" } });
    }
    if (vs === "") {
      points.push({ t, value: NaN });
      continue;
    }
    const value = Number(vs);
    if (!Number.isFinite(value)) {
      throw new CostwiseError("BAD_INPUT", `${file}: line ${i + 1}, column value: expected a number, found ${JSON.stringify(vs)}`, { location: { file, line: i + 1, column: "value" } });
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
  start: string;
  end: string;
  detected: string;
  peak: string;
  actual: number;
  expected: number;
  impact: number;
  impactPercent: number | null;
  maxZ: number;
  points: number;
}

export interface SeriesDetection {
  file: string;
  points: number;
  bucketSeconds: number;
  buckets: number;
  options: DetectorOptions;
  anomalies: SeriesAnomaly[];
}

export function detectSeries(points: readonly SeriesPoint[], interval: SeriesInterval = "auto", overrides: Partial<DetectorOptions> = {}): Omit<SeriesDetection, "file"> {
  const reg = regularize(points, interval);
  const options = optionsForStep(reg.stepMs / HOUR, overrides);
  let monthStarts: Uint8Array | undefined;
  if (reg.stepMs === 24 * HOUR) {
    monthStarts = new Uint8Array(reg.values.length);
    for (let i = 0; i < reg.values.length; i++) if (new Date(reg.startMs + i * reg.stepMs).getUTCDate() === 1) monthStarts[i] = 1;
  }
  const r = detect(reg.values, monthStarts ? { ...options, monthStarts } : options);
  const at = (i: number): string => new Date(reg.startMs + i * reg.stepMs).toISOString().replace(".000Z", "Z");
  return {
    points: points.length,
    bucketSeconds: reg.stepMs / 1000,
    buckets: reg.values.length,
    options,
    anomalies: r.events.map((e) => ({
      kind: e.kind,
      direction: e.direction,
      severity: e.severity,
      start: at(e.startIndex),
      end: at(e.endIndex),
      detected: at(e.detectedIndex),
      peak: at(e.peakIndex),
      actual: e.actual,
      expected: e.expected,
      impact: e.actual - e.expected,
      impactPercent: e.expected !== 0 ? (e.actual - e.expected) / Math.abs(e.expected) : null,
      maxZ: e.maxAbsZ,
      points: e.points,
    })),
  };
}

export function detectSeriesFile(file: string, interval: SeriesInterval = "auto", overrides: Partial<DetectorOptions> = {}): SeriesDetection {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new CostwiseError("NOT_FOUND", `cannot read ${file}: ${(e as Error).message}`, { cause: e, location: { file } });
  }
  return { file, ...detectSeries(parseSeriesCsv(text, file), interval, overrides) };
}
