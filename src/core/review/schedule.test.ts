import { describe, expect, it } from "vitest";
import { monthReviewedAt, nthWorkingDay } from "./schedule.js";

describe("review schedule", () => {
  it.each([
    // month, 2nd working day (by hand from a calendar)
    ["2026-11", "2026-11-03"], // Sun 1st → Mon 2nd, Tue 3rd
    ["2026-12", "2026-12-02"], // Tue 1st → Wed 2nd
    ["2027-01", "2027-01-04"], // Fri 1st, Sat, Sun → Mon 4th
    ["2026-08", "2026-08-04"], // Sat 1st, Sun → Mon 3rd, Tue 4th
  ])("%s: 2nd working day %s", (month, day) => {
    expect(nthWorkingDay(month, 2)).toBe(day);
  });
  it("reviews the month before, across a year end", () => {
    expect(monthReviewedAt(new Date("2027-01-04T09:00:00Z"))).toBe("2026-12");
    expect(monthReviewedAt(new Date("2026-12-02T09:00:00Z"))).toBe("2026-11");
  });
});
