import { describe, expect, it } from "vitest";
import { parseIntervals } from "./intervals.js";
import { changeOf, costOf, entityOf, productKind, toAmount } from "./shapes.js";

describe("toAmount: rounded to the currency's minor unit, half away from zero", () => {
  const TABLE: [string, string, number][] = [
    ["12.3450000000", "USD", 12.35],
    ["12.3449999999", "USD", 12.34],
    ["-0.005", "USD", -0.01],
    ["1234.5", "JPY", 1235],
    ["1.2345", "BHD", 1.235],
    ["0", "EUR", 0],
  ];
  for (const [d, c, n] of TABLE) it(`${d} ${c} → ${n}`, () => expect(toAmount(d, c)).toBe(n));
});

describe("changeOf", () => {
  it("is last − first, ratio over first", () => expect(changeOf("100", "150.005", "USD")).toEqual({ amount: 50.01, ratio: 0.50005 }));
  it("has no ratio when the first period is 0", () => expect(changeOf("0", "20", "USD")).toEqual({ amount: 20 }));
  it("goes negative", () => expect(changeOf("200", "50", "USD")).toEqual({ amount: -150, ratio: -0.75 }));
});

describe("costOf", () => {
  it("fills every day, rounds once per day and per bucket total", () => {
    const iv = parseIntervals("R2/P2D/2024-01-05", null);
    if (!iv.ok) throw new Error(iv.message);
    // days 01-01 .. 01-04; 01-02 has no charge
    const daily = new Map([["2024-01-01", "1.004"], ["2024-01-03", "2.004"], ["2024-01-04", "3.004"], ["2023-12-31", "99"]]);
    const c = costOf("team-a", daily, iv.value, "USD");
    expect(c.aggregation).toEqual([
      { date: "2024-01-01", amount: 1 },
      { date: "2024-01-02", amount: 0 },
      { date: "2024-01-03", amount: 2 },
      { date: "2024-01-04", amount: 3 },
    ]);
    // buckets: 1.004 and 5.008 → change 4.004 → 4.00; ratio 4.004 / 1.004
    expect(c.change.amount).toBe(4);
    expect(c.change.ratio).toBeCloseTo(3.988048, 6);
    expect(c.id).toBe("team-a");
    expect(c.groupedCosts).toBeUndefined();
  });
});

describe("entityOf and productKind", () => {
  it("builds a two-period entity", () => {
    expect(entityOf("ec2", "10", "15", "USD")).toEqual({ id: "ec2", aggregation: [10, 15], change: { amount: 5, ratio: 0.5 }, entities: {} });
  });
  it("slugs service names", () => {
    expect(productKind("Amazon Elastic Compute Cloud")).toBe("amazon-elastic-compute-cloud");
    expect(productKind("  ")).toBe("none");
  });
});
