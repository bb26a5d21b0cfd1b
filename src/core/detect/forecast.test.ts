import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateSeries, SERIES_KINDS } from "../../../eval/generator.js";
import { forecastDaily } from "./forecast.js";
import { addDays } from "./series.js";

describe("forecast", () => {
  it("intervals are ordered: lower95 ≤ lower80 ≤ point ≤ upper80 ≤ upper95, per day and per span", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.constantFrom(...SERIES_KINDS), fc.integer({ min: 30, max: 300 }), (seed, kind, cut) => {
        const s = generateSeries(seed, 0, kind);
        const f = forecastDaily(s.values.subarray(0, cut), s.startDay, 60)!;
        for (const d of f.days) {
          expect(d.lower95).toBeLessThanOrEqual(d.lower80);
          expect(d.lower80).toBeLessThanOrEqual(d.point);
          expect(d.point).toBeLessThanOrEqual(d.upper80);
          expect(d.upper80).toBeLessThanOrEqual(d.upper95);
        }
        const span = f.sum(f.start, addDays(f.start, 29));
        expect(span.lower95).toBeLessThanOrEqual(span.lower80);
        expect(span.lower80).toBeLessThanOrEqual(span.point);
        expect(span.point).toBeLessThanOrEqual(span.upper80);
        expect(span.upper80).toBeLessThanOrEqual(span.upper95);
        // a wider span is less certain in total
        const longer = f.sum(f.start, addDays(f.start, 59));
        expect(longer.upper80 - longer.lower80).toBeGreaterThan(span.upper80 - span.lower80);
      }),
      { numRuns: 40, seed: 42 },
    );
  });

  it("keeps the weekly pattern and is not pulled up by a spike in the history", () => {
    const v: number[] = Array.from({ length: 84 }, (_, i) => (i % 7 >= 5 ? 50 : 100)); // starts on a Monday
    const clean = forecastDaily(v, "2024-01-01", 14)!;
    const spiked = v.slice();
    spiked[80] = 1000;
    const withSpike = forecastDaily(spiked, "2024-01-01", 14)!;
    expect(clean.days[0]!.day).toBe("2024-03-25"); // a Monday
    expect(clean.days[0]!.point).toBeCloseTo(100, 0);
    expect(clean.days[5]!.point).toBeCloseTo(50, 0); // Saturday
    for (let i = 0; i < 14; i++) expect(Math.abs(withSpike.days[i]!.point - clean.days[i]!.point)).toBeLessThan(1);
    const week = clean.sum("2024-03-25", "2024-03-31");
    expect(week.point).toBeCloseTo(600, 0);
  });

  it("needs a week of history", () => {
    expect(forecastDaily([1, 2, 3], "2024-01-01", 5)).toBeUndefined();
  });
});
