import { describe, expect, it } from "vitest";
import { parseIntervals } from "./intervals.js";

// The plugin builds `R2/<duration>/<exclusive end>` (utils/duration.ts: intervalsOf). With a last complete billing
// day of 2020-06-05 it sends R2/P30D/2020-06-06 and means [2020-04-07, 2020-06-06); its quarter view P3M sends the
// day after the last complete quarter (2020-04-01) and means [2019-10-01, 2020-04-01). Hand-computed.
const TABLE: { text: string; defaultEnd: string | null; buckets: [string, string][] }[] = [
  { text: "R2/P30D/2020-09-01", defaultEnd: null, buckets: [["2020-07-03", "2020-08-02"], ["2020-08-02", "2020-09-01"]] },
  { text: "R2/P30D/2020-06-06", defaultEnd: null, buckets: [["2020-04-07", "2020-05-07"], ["2020-05-07", "2020-06-06"]] },
  { text: "R2/P7D/2024-03-01", defaultEnd: null, buckets: [["2024-02-16", "2024-02-23"], ["2024-02-23", "2024-03-01"]] },
  { text: "R2/P90D/2020-06-06", defaultEnd: null, buckets: [["2019-12-09", "2020-03-08"], ["2020-03-08", "2020-06-06"]] },
  { text: "R2/P3M/2020-04-01", defaultEnd: null, buckets: [["2019-10-01", "2020-01-01"], ["2020-01-01", "2020-04-01"]] },
  { text: "R2/P1M/2021-03-01", defaultEnd: null, buckets: [["2021-01-01", "2021-02-01"], ["2021-02-01", "2021-03-01"]] },
  // month clamping from the anchor, never drifting: 03-31 − 1 month = 02-28, − 2 months = 01-31
  { text: "R2/P1M/2021-03-31", defaultEnd: null, buckets: [["2021-01-31", "2021-02-28"], ["2021-02-28", "2021-03-31"]] },
  // the plugin's custom range: 31 days ending 2020-01-31 inclusive
  { text: "R2/P15D/2020-02-01", defaultEnd: null, buckets: [["2020-01-02", "2020-01-17"], ["2020-01-17", "2020-02-01"]] },
  { text: "R1/P31D/2020-02-01", defaultEnd: null, buckets: [["2020-01-01", "2020-02-01"]] },
  { text: "R3/P1W/2024-01-22", defaultEnd: null, buckets: [["2024-01-01", "2024-01-08"], ["2024-01-08", "2024-01-15"], ["2024-01-15", "2024-01-22"]] },
  { text: "R2/P1Y/2024-01-01", defaultEnd: null, buckets: [["2022-01-01", "2023-01-01"], ["2023-01-01", "2024-01-01"]] },
  // no end day: the default end (the day after the last complete billing day)
  { text: "R2/P1M/", defaultEnd: "2024-05-01", buckets: [["2024-03-01", "2024-04-01"], ["2024-04-01", "2024-05-01"]] },
  { text: "R2/P30D", defaultEnd: "2024-05-01", buckets: [["2024-03-02", "2024-04-01"], ["2024-04-01", "2024-05-01"]] },
  // ISO's start/duration form
  { text: "R2/2020-07-03/P30D", defaultEnd: null, buckets: [["2020-07-03", "2020-08-02"], ["2020-08-02", "2020-09-01"]] },
  // lower case and a midnight time are tolerated; leap day
  { text: "r2/p1d/2024-03-01T00:00:00Z", defaultEnd: null, buckets: [["2024-02-28", "2024-02-29"], ["2024-02-29", "2024-03-01"]] },
];

describe("parseIntervals: the plugin's forms", () => {
  for (const t of TABLE) {
    it(`${t.text} → ${t.buckets.map((b) => `[${b[0]}, ${b[1]})`).join(" ")}`, () => {
      const r = parseIntervals(t.text, t.defaultEnd);
      if (!r.ok) throw new Error(r.message);
      expect(r.value.buckets.map((b) => [b.start, b.end])).toEqual(t.buckets);
      expect(r.value.start).toBe(t.buckets[0]![0]);
      expect(r.value.end).toBe(t.buckets[t.buckets.length - 1]![1]);
      expect(r.value.repetitions).toBe(t.buckets.length);
    });
  }
});

const BAD: { text: string; defaultEnd: string | null; says: RegExp }[] = [
  { text: "", defaultEnd: null, says: /not a repeating interval/ },
  { text: "P30D/2020-09-01", defaultEnd: null, says: /R<n>/ },
  { text: "R0/P30D/2020-09-01", defaultEnd: null, says: /1 to 24/ },
  { text: "R25/P30D/2020-09-01", defaultEnd: null, says: /1 to 24/ },
  { text: "R2/P30X/2020-09-01", defaultEnd: null, says: /not a duration/ },
  { text: "R2/P0D/2020-09-01", defaultEnd: null, says: /not a duration/ },
  { text: "R2/PT1H/2020-09-01", defaultEnd: null, says: /not a duration/ },
  { text: "R2/P30D/2021-02-30", defaultEnd: null, says: /not a calendar day/ },
  { text: "R2/P30D/yesterday", defaultEnd: null, says: /not a calendar day/ },
  { text: "R2/P30D", defaultEnd: null, says: /no end day/ },
  { text: "R2/P9999D/2020-09-01", defaultEnd: null, says: /longer than/ },
  { text: "R24/P10Y/2020-09-01", defaultEnd: null, says: /longer than/ },
  { text: "R2/P30D/2020-09-01/x", defaultEnd: null, says: /not a repeating interval/ },
];

describe("parseIntervals: refusals name the text and the expected forms", () => {
  for (const t of BAD) {
    it(`${JSON.stringify(t.text)} is refused`, () => {
      const r = parseIntervals(t.text, t.defaultEnd);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.message).toMatch(t.says);
        expect(r.message).toContain("expected R<n>/P<k>D/<end day>");
      }
    });
  }
});
