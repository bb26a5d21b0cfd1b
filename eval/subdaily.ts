/**
 * Injected anomalies on generated hourly and per-minute series (./subdaily-generator.ts), scored per event and
 * per window (./alarms.ts) for costwise and the mean ± 3σ baseline over the previous 24 points.
 *
 * - per event: an alarm raised between an event's first point and 2 points (hourly) or 5 points (per minute)
 *   after its last;
 * - per window: the window is the event's points and the 3 hours after them.
 * Honest tuning: z is chosen on seed 1 (best per-event F1 among ./nab.ts's grid) and reported on seed 2.
 */
import { detect, detectMeanSigma, optionsForStep } from "../src/core/detect/detector.js";
import { addScore, emptyScore, f1, scoreEvents, scoreWindows, type AlarmScore } from "./alarms.js";
import { Z_GRID } from "./nab.js";
import { generateSubdailySet, SUBDAILY_KINDS, type SubdailyKind, type SubdailySeries } from "./subdaily-generator.js";

export const SUBDAILY_TRAIN_SEED = 1;
export const SUBDAILY_TEST_SEED = 2;
export const SUBDAILY_STEPS = [60, 1] as const;

export interface SubdailyScores {
  perEvent: AlarmScore;
  perWindow: AlarmScore;
  /** Per-event scores by series kind (clean: false alarms only). */
  byKind: Record<SubdailyKind, AlarmScore>;
}

export interface SubdailyResult {
  stepMinutes: number;
  seriesPerKind: number;
  z: number;
  train: AlarmScore;
  ours: SubdailyScores;
  baseline: SubdailyScores;
}

type Alarmer = (s: SubdailySeries) => number[];

function scoreSet(set: readonly SubdailySeries[], alarmsOf: Alarmer): SubdailyScores {
  let perEvent = emptyScore();
  let perWindow = emptyScore();
  const byKind = Object.fromEntries(SUBDAILY_KINDS.map((k) => [k, emptyScore()])) as Record<SubdailyKind, AlarmScore>;
  for (const s of set) {
    const perDay = Math.round(1440 / s.stepMinutes);
    const alarms = alarmsOf(s);
    const ev = scoreEvents(s.labels, alarms, s.stepMinutes >= 60 ? 2 : 5);
    perEvent = addScore(perEvent, ev);
    byKind[s.kind] = addScore(byKind[s.kind], ev);
    perWindow = addScore(perWindow, scoreWindows(s.labels.map((l) => [l.start, l.end + perDay / 8] as const), alarms));
  }
  return { perEvent, perWindow, byKind };
}

const ours =
  (z: number): Alarmer =>
  (s) =>
    detect(s.values, optionsForStep(s.stepMinutes / 60, { z })).events.map((e) => e.detectedIndex);
const baseline: Alarmer = (s) => detectMeanSigma(s.values, 24, 3).events.map((e) => e.startIndex);

export function evaluateSubdaily(stepMinutes: number, perKind: number): SubdailyResult {
  const train = generateSubdailySet(SUBDAILY_TRAIN_SEED, stepMinutes, perKind);
  const rows = Z_GRID.map((z) => ({ z, score: scoreSet(train, ours(z)).perEvent }));
  const best = rows.reduce((b, r) => (f1(r.score) > f1(b.score) ? r : b));
  const test = generateSubdailySet(SUBDAILY_TEST_SEED, stepMinutes, perKind);
  return { stepMinutes, seriesPerKind: perKind, z: best.z, train: best.score, ours: scoreSet(test, ours(best.z)), baseline: scoreSet(test, baseline) };
}
