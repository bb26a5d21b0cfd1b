import { describe, expect, it } from "vitest";
import { evaluateThresholds, percentOf, periodProgress, type FiredAlert, type Threshold } from "./budget.js";

const T: Threshold[] = [
  { kind: "actual", percent: 50 },
  { kind: "actual", percent: 80 },
  { kind: "actual", percent: 100 },
  { kind: "forecast", percent: 100 },
];

/** Runs the state machine over a sequence of days, keeping fired alerts per period like the store does. */
function run(amount: string, steps: { day: string; period: string; actual: string; forecast: string | null }[]): string[][] {
  const state = new Map<string, FiredAlert[]>();
  return steps.map((s) => {
    const prev = state.get(s.period) ?? [];
    const r = evaluateThresholds(amount, T, { actual: s.actual, forecast: s.forecast }, prev, s.day);
    state.set(s.period, [...prev, ...r.filter((x) => x.firesNow).map((x) => ({ threshold: x.threshold, firedOn: s.day }))]);
    return r.filter((x) => x.firesNow).map((x) => x.threshold);
  });
}

describe("budget alert state machine", () => {
  it("fires each threshold once, never flaps, and resets with the period", () => {
    const fired = run("1000", [
      { day: "2024-03-05", period: "2024-03-01", actual: "200", forecast: "1100" }, // forecast over budget
      { day: "2024-03-06", period: "2024-03-01", actual: "260", forecast: "990" }, // forecast back under: no flap
      { day: "2024-03-10", period: "2024-03-01", actual: "500.00", forecast: "1200" }, // exactly 50%
      { day: "2024-03-11", period: "2024-03-01", actual: "499.99", forecast: "1200" }, // (a credit) still fired
      { day: "2024-03-20", period: "2024-03-01", actual: "1000.0000000001", forecast: "1300" },
      { day: "2024-04-01", period: "2024-04-01", actual: "30", forecast: "1050" }, // new period: state resets
      { day: "2024-04-02", period: "2024-04-01", actual: "60", forecast: "1060" },
    ]);
    expect(fired).toEqual([["forecast:100"], [], ["actual:50"], [], ["actual:80", "actual:100"], ["forecast:100"], []]);
  });

  it("compares money exactly", () => {
    expect(percentOf("1000", 80)).toBe("800.0000000000");
    expect(percentOf("333.33", 12.5)).toBe("41.6662500000");
    const r = evaluateThresholds("100", [{ kind: "actual", percent: 100 }], { actual: "99.9999999999", forecast: null }, [], "2024-01-01");
    expect(r[0]!.crossed).toBe(false);
    expect(r[0]!.fired).toBe(false);
  });

  it("a forecast threshold without a forecast does not fire", () => {
    const r = evaluateThresholds("100", [{ kind: "forecast", percent: 100 }], { actual: "150", forecast: null }, [], "2024-01-01");
    expect(r[0]).toMatchObject({ crossed: false, firesNow: false });
  });

  it("period progress counts days left after the last complete day", () => {
    expect(periodProgress("2024-02-15", "month")).toEqual({ start: "2024-02-01", end: "2024-03-01", days: 29, elapsed: 15, daysLeft: 14 });
    expect(periodProgress("2024-05-31", "quarter")).toMatchObject({ start: "2024-04-01", end: "2024-07-01", daysLeft: 30 });
    expect(periodProgress("2024-12-31", "year")).toMatchObject({ days: 366, daysLeft: 0 });
  });
});
