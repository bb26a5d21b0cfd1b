import { describe, expect, it } from "vitest";
import { prng } from "../../../eval/generator.js";
import { detect, severityOf } from "./detector.js";

/** 120 days, weekday 100 / weekend 60 (index 0 = Monday), ±2% deterministic noise. */
function weekly(days = 120, seed = 7): number[] {
  const r = prng(seed);
  return Array.from({ length: days }, (_, i) => (i % 7 >= 5 ? 60 : 100) * (1 + (r() - 0.5) * 0.04));
}

describe("detector on hand-built series", () => {
  it("a weekly pattern alone raises nothing (weekends are not dips)", () => {
    const r = detect(weekly());
    expect(r.events).toEqual([]);
    expect(r.lastScored).toBe(119);
  });

  it("finds a one-day spike on its day, with expected, impact and severity", () => {
    const v = weekly();
    v[80] = v[80]! * 1.6; // day 80 is a Thursday
    const r = detect(v);
    expect(r.events).toHaveLength(1);
    const e = r.events[0]!;
    expect(e).toMatchObject({ kind: "spike", direction: "up", startIndex: 80, endIndex: 80, detectedIndex: 80, points: 1 });
    expect(e.expected).toBeGreaterThan(95);
    expect(e.expected).toBeLessThan(105);
    expect((e.actual - e.expected) / e.expected).toBeGreaterThan(0.5);
    expect(e.severity).toBe("high");
    // the spike does not raise the baseline afterwards
    expect(r.expected[87]!).toBeLessThan(105);
  });

  it("a level shift is one event, reclassified after it persists, and the new level becomes normal", () => {
    const v = weekly(150);
    for (let i = 70; i < 150; i++) v[i] = v[i]! * 1.5;
    const r = detect(v);
    expect(r.events).toHaveLength(1);
    expect(r.events[0]).toMatchObject({ kind: "level_shift", direction: "up", startIndex: 70, detectedIndex: 70 });
    expect(r.flagged.slice(90).every((f) => f === 0)).toBe(true);
    expect(r.expected[140]! / (140 % 7 >= 5 ? 90 : 150)).toBeCloseTo(1, 1);
  });

  it("finds a gradual drift within two weeks of its start", () => {
    const v = weekly(160);
    for (let i = 70; i < 160; i++) v[i] = v[i]! * (1 + 0.6 * Math.min(1, (i - 69) / 30));
    const r = detect(v);
    const drift = r.events.find((e) => e.direction === "up");
    expect(drift).toBeDefined();
    expect(drift!.startIndex).toBeGreaterThanOrEqual(66);
    expect(drift!.detectedIndex).toBeLessThanOrEqual(70 + 14);
    expect(r.events.filter((e) => e.direction === "up" && e.startIndex < 65)).toEqual([]);
  });

  it("missing days are skipped, never read as zero", () => {
    const v = weekly();
    for (const i of [30, 31, 50, 79, 81, 100]) v[i] = NaN;
    v[80] = v[80]! * 1.6;
    const r = detect(v);
    expect(r.events.map((e) => [e.kind, e.startIndex])).toEqual([["spike", 80]]);
    for (const i of [30, 31, 50, 79, 81, 100]) {
      expect(r.flagged[i]).toBe(0);
      expect(Number.isNaN(r.z[i]!)).toBe(true);
    }
  });

  it("never scores past lastIndex (a partial last day)", () => {
    const v = weekly(100);
    v[99] = v[99]! * 0.2; // only a few hours billed so far
    expect(detect(v).events.map((e) => [e.direction, e.startIndex])).toEqual([["down", 99]]);
    const r = detect(v, { lastIndex: 98 });
    expect(r.events).toEqual([]);
    expect(r.lastScored).toBe(98);
    expect(Number.isNaN(r.expected[99]!)).toBe(true);
  });

  it("a holiday-like dip is one downward event and does not drag the baseline", () => {
    const v = weekly(120);
    v[86] = v[86]! * 0.45; // a Friday that nobody worked
    const r = detect(v);
    expect(r.events).toHaveLength(1);
    expect(r.events[0]).toMatchObject({ kind: "spike", direction: "down", startIndex: 86 });
    expect(r.expected[93]!).toBeGreaterThan(95); // the next Friday is expected at the normal level
    expect(r.flagged[93]).toBe(0);
  });

  it("severity bands grow with the deviation", () => {
    expect(severityOf(5, 0.1, 5)).toBe("low");
    expect(severityOf(5, 0.3, 5)).toBe("medium");
    expect(severityOf(5, 0.6, 5)).toBe("high");
    expect(severityOf(5, 1.5, 5)).toBe("critical");
    expect(severityOf(20, 0.1, 5)).toBe("medium"); // extreme for a quiet series
  });
  it("a recurring charge on the 1st of every month is expected after two months; a bigger one still alerts", () => {
    // 2024-01-01 is a Monday: index 0; month starts at 0, 31, 60, 91, 121, 152
    const starts = [0, 31, 60, 91, 121, 152];
    const v = weekly(180);
    const monthStarts = new Uint8Array(180);
    for (const i of starts) {
      monthStarts[i] = 1;
      v[i] = v[i]! + 500; // support plan billed on the 1st
    }
    v[152] = v[152]! + 1500; // and one month a much larger charge
    const withMonthly = detect(v, { monthStarts });
    // the first two scored month starts (index 0 is history) are new; after that only the outlier alerts
    expect(withMonthly.events.map((e) => e.startIndex)).toEqual([31, 60, 152]);
    expect(withMonthly.expected[121]! - 500).toBeGreaterThan(90);
    expect(withMonthly.monthlyRecurring).toBeGreaterThan(490);
    // without the calendar every 1st is an anomaly
    expect(detect(v).events.map((e) => e.startIndex)).toEqual([31, 60, 91, 121, 152]);
  });
});
