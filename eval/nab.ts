/**
 * NAB (Numenta Anomaly Benchmark) real AWS CloudWatch series with labelled anomaly windows
 * (../shared/fixtures/nab/, MIT): per file, windows detected, false alarms outside the windows, and detection
 * delay (from the window's start to the first alarm inside it). An alarm is an event's first point (its alert).
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { detectMeanSigma } from "../src/core/detect/detector.js";
import { detectSeries, parseSeriesCsv, regularize } from "../src/engine/detect/series-file.js";
import { optionsForStep } from "../src/core/detect/detector.js";

export interface NabFileScore {
  file: string;
  windows: number;
  detected: number;
  falseAlarms: number;
  /** Hours from window start to the first alarm in it, per detected window. */
  delaysHours: number[];
}

export interface NabScore {
  ours: NabFileScore[];
  baseline: NabFileScore[];
}

const HOUR = 3_600_000;

function parseNabTime(s: string): number {
  return Date.parse(`${s.slice(0, 19).replace(" ", "T")}Z`);
}

function score(file: string, windows: [number, number][], alarms: number[]): NabFileScore {
  let detected = 0;
  const delays: number[] = [];
  for (const [a, b] of windows) {
    const inside = alarms.filter((t) => t >= a && t <= b);
    if (inside.length > 0) {
      detected++;
      delays.push((Math.min(...inside) - a) / HOUR);
    }
  }
  const falseAlarms = alarms.filter((t) => !windows.some(([a, b]) => t >= a && t <= b)).length;
  return { file, windows: windows.length, detected, falseAlarms, delaysHours: delays };
}

export function evaluateNab(dir: string): NabScore {
  const windowsJson = JSON.parse(readFileSync(join(dir, "combined_windows.json"), "utf8")) as Record<string, [string, string][]>;
  const ours: NabFileScore[] = [];
  const baseline: NabFileScore[] = [];
  const files = readdirSync(join(dir, "realAWSCloudwatch")).filter((f) => f.endsWith(".csv")).sort();
  for (const f of files) {
    const rel = `realAWSCloudwatch/${f}`;
    const windows = (windowsJson[rel] ?? []).map(([a, b]): [number, number] => [parseNabTime(a), parseNabTime(b)]);
    const points = parseSeriesCsv(readFileSync(join(dir, rel), "utf8"), rel);
    const r = detectSeries(points, "auto");
    ours.push(score(f, windows, r.anomalies.map((a) => Date.parse(a.detected))));
    // the plain baseline on the same hourly series, trailing window as long as our level window
    const reg = regularize(points, "auto");
    const o = optionsForStep(reg.stepMs / HOUR);
    const b = detectMeanSigma(reg.values, o.levelWindow, 3);
    baseline.push(score(f, windows, b.events.map((e) => reg.startMs + e.startIndex * reg.stepMs)));
  }
  return { ours, baseline };
}
