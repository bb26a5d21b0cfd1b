/**
 * Scoring detectors on the generated series (./generator.ts): precision and recall per anomaly kind,
 * detection delay, and false alerts per series-month on clean series.
 *
 * Matching rules (one alert = one event's first day; an event can match one label, a label one event):
 * - spike: an event starting on the spike day or the day after;
 * - level_shift: an event starting between 1 day before and 3 days after the step;
 * - drift: an event starting between 3 days before the ramp and 7 days after its end ("found"); it counts as
 *   "found within 7 days" when it was raised at most 7 days after the ramp began.
 * Every other event on the series is a false alert. Precision for a kind is computed over the series of
 * that kind only (each series carries one kind), so a detector cannot borrow precision from clean series.
 */
import type { GeneratedSeries, Label, SeriesKind } from "./generator.js";

export interface SimpleEvent {
  startIndex: number;
  detectedIndex: number;
}

export type Detector = (s: GeneratedSeries) => SimpleEvent[];

export interface KindScore {
  kind: SeriesKind;
  series: number;
  labels: number;
  alerts: number;
  matched: number;
  falseAlerts: number;
  precision: number;
  recall: number;
  /** Mean detection delay in days of matched labels. */
  meanDelay: number;
  /** Drift only: share of labels found at most 7 days after they began. */
  within7: number;
  /** Clean only: false alerts per series-month. */
  falsePerSeriesMonth: number;
}

function matches(l: Label, e: SimpleEvent, seriesEnd: number): boolean {
  switch (l.kind) {
    case "spike":
      return e.startIndex >= l.start - 1 && e.startIndex <= l.start + 1 && e.detectedIndex <= l.start + 1;
    case "level_shift":
      return e.startIndex >= l.start - 1 && e.startIndex <= l.start + 3;
    case "drift":
      return e.startIndex >= l.start - 3 && e.detectedIndex <= Math.min(seriesEnd, l.end + 7);
  }
}

export function scoreKind(kind: SeriesKind, set: readonly GeneratedSeries[], detector: Detector): KindScore {
  const series = set.filter((s) => s.kind === kind);
  let labels = 0;
  let alerts = 0;
  let matched = 0;
  let delaySum = 0;
  let within7 = 0;
  let days = 0;
  for (const s of series) {
    const events = detector(s).slice().sort((a, b) => a.detectedIndex - b.detectedIndex);
    labels += s.labels.length;
    alerts += events.length;
    days += s.values.length;
    const used = new Set<number>();
    for (const l of s.labels) {
      const i = events.findIndex((e, k) => !used.has(k) && matches(l, e, s.values.length - 1));
      if (i < 0) continue;
      used.add(i);
      matched++;
      const delay = Math.max(0, events[i]!.detectedIndex - l.start);
      delaySum += delay;
      if (delay <= 7) within7++;
    }
  }
  const falseAlerts = alerts - matched;
  const months = days / (365 / 12);
  return {
    kind,
    series: series.length,
    labels,
    alerts,
    matched,
    falseAlerts,
    precision: alerts === 0 ? (labels === 0 ? 1 : 0) : matched / alerts,
    recall: labels === 0 ? 1 : matched / labels,
    meanDelay: matched === 0 ? NaN : delaySum / matched,
    within7: labels === 0 ? NaN : within7 / labels,
    falsePerSeriesMonth: months === 0 ? 0 : falseAlerts / months,
  };
}
