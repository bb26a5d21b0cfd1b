/**
 * Scoring alarms against labelled windows and events, shared by the NAB and the generated sub-daily evaluations.
 *
 * - An alarm is one anomaly event, placed at the point it was raised (its detected point; the baseline's first
 *   flagged point).
 * - Per window: a window is found when an alarm falls inside it; an alarm inside no window is a false alarm.
 *   Precision = alarms inside a window / alarms, recall = windows found / windows.
 * - Per event (generated series): an alarm matches a labelled event when it is raised between the event's first
 *   point and `tolerance` points after its last; one alarm matches one event. Precision = matched alarms /
 *   alarms, recall = matched events / events.
 */

export interface AlarmScore {
  series: number;
  windows: number;
  found: number;
  alarms: number;
  /** Alarms inside a window (per window) or matched to an event (per event). */
  hits: number;
  falseAlarms: number;
}

export const emptyScore = (): AlarmScore => ({ series: 0, windows: 0, found: 0, alarms: 0, hits: 0, falseAlarms: 0 });

export function addScore(a: AlarmScore, b: AlarmScore): AlarmScore {
  return { series: a.series + b.series, windows: a.windows + b.windows, found: a.found + b.found, alarms: a.alarms + b.alarms, hits: a.hits + b.hits, falseAlarms: a.falseAlarms + b.falseAlarms };
}

export function precision(s: AlarmScore): number {
  return s.alarms === 0 ? (s.windows === 0 ? 1 : 0) : s.hits / s.alarms;
}

export function recall(s: AlarmScore): number {
  return s.windows === 0 ? 1 : s.found / s.windows;
}

export function f1(s: AlarmScore): number {
  const p = precision(s);
  const r = recall(s);
  return p + r === 0 ? 0 : (2 * p * r) / (p + r);
}

export function falsePerSeries(s: AlarmScore): number {
  return s.series === 0 ? 0 : s.falseAlarms / s.series;
}

/** One series scored per window: `windows` as inclusive [from, to] and alarm positions in the same unit. */
export function scoreWindows(windows: readonly (readonly [number, number])[], alarms: readonly number[]): AlarmScore {
  let found = 0;
  for (const [a, b] of windows) if (alarms.some((t) => t >= a && t <= b)) found++;
  const hits = alarms.filter((t) => windows.some(([a, b]) => t >= a && t <= b)).length;
  return { series: 1, windows: windows.length, found, alarms: alarms.length, hits, falseAlarms: alarms.length - hits };
}

/** One series scored per event: labelled [start, end] events, alarms raised at `alarms` points, `tolerance` points late at most. */
export function scoreEvents(events: readonly { start: number; end: number }[], alarms: readonly number[], tolerance: number): AlarmScore {
  const sorted = [...alarms].sort((a, b) => a - b);
  const used = new Uint8Array(sorted.length);
  let found = 0;
  for (const e of events) {
    const i = sorted.findIndex((t, k) => !used[k] && t >= e.start && t <= e.end + tolerance);
    if (i < 0) continue;
    used[i] = 1;
    found++;
  }
  return { series: 1, windows: events.length, found, alarms: sorted.length, hits: found, falseAlarms: sorted.length - found };
}
