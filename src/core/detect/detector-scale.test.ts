import { describe, expect, it } from "vitest";
import { generateSeries, SERIES_KINDS } from "../../../eval/generator.js";
import { generateSubdaily, SUBDAILY_KINDS } from "../../../eval/subdaily-generator.js";
import { detect, optionsForStep, type DetectorOptions } from "./detector.js";

/** Events as the property compares them: what, where, when raised. */
function shape(values: Float64Array, o: Partial<DetectorOptions>): string[] {
  return detect(values, o).events.map((e) => `${e.kind}/${e.direction} ${e.startIndex}-${e.endIndex} @${e.detectedIndex}`);
}

const scaled = (v: Float64Array, k: number): Float64Array => v.map((x) => x * k);

describe("the detector is scale-free: a series ×0.001 and ×1000 gives the same anomalies", () => {
  it("on generated hourly and per-minute series of every kind (bases from 0.001 to 1,000,000)", () => {
    let events = 0;
    for (const step of [60, 1]) {
      const o = optionsForStep(step / 60);
      for (const kind of SUBDAILY_KINDS) {
        for (let i = 0; i < (step === 60 ? 8 : 3); i++) {
          const v = generateSubdaily(3, step, i, kind).values;
          const base = shape(v, o);
          events += base.length;
          expect(shape(scaled(v, 0.001), o), `${step}m ${kind} #${i}`).toEqual(base);
          expect(shape(scaled(v, 1000), o), `${step}m ${kind} #${i}`).toEqual(base);
        }
      }
    }
    expect(events).toBeGreaterThan(10); // the property is not vacuous
  });

  it("on generated daily series of every kind (no money floor: that is the cost monitors' option)", () => {
    for (const kind of SERIES_KINDS) {
      for (let i = 0; i < 5; i++) {
        const v = generateSeries(3, i, kind, 200).values;
        const base = shape(v, {});
        expect(shape(scaled(v, 0.001), {}), `${kind} #${i}`).toEqual(base);
        expect(shape(scaled(v, 1000), {}), `${kind} #${i}`).toEqual(base);
      }
    }
  });

  it("a crash-rate series of small values finds its spike as it does ×1000 (no absolute floor)", () => {
    // 0.002 ± 5% hourly for 10 days with a daily cycle, a 3-hour burst to 0.006 on day 8
    const v = new Float64Array(240);
    for (let i = 0; i < v.length; i++) v[i] = 0.002 * (1 + 0.2 * Math.sin((2 * Math.PI * (i % 24)) / 24)) * (1 + 0.05 * Math.sin(i * 12.9898));
    for (let i = 200; i < 203; i++) v[i] = 0.006;
    const o = optionsForStep(1);
    const small = detect(v, o).events;
    expect(small.map((e) => [e.direction, e.startIndex])).toEqual([["up", 200]]);
    expect(shape(scaled(v, 1000), o)).toEqual(shape(v, o));
  });
});
