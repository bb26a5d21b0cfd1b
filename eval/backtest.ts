/**
 * Forecast backtest on the generated series: on day 15 of every month (with two months of history before it)
 * forecast the month's total (actual through day 15 + forecast of the rest) and compare with the actual.
 * Measured in the same run: naive (the last day repeated) and seasonal-naive (the last week repeated).
 * Months with a missing day are left out (their actual total is unknown).
 */
import { forecastDaily } from "../src/core/detect/forecast.js";
import { addDays, dayNumber, periodOf } from "../src/core/detect/series.js";
import type { GeneratedSeries } from "./generator.js";

export interface MethodError {
  method: string;
  mape: number;
  wape: number;
}

export interface BacktestResult {
  forecasts: number;
  methods: MethodError[];
  coverage80: number;
  coverage95: number;
}

export function backtest(set: readonly GeneratedSeries[]): BacktestResult {
  const acc = { ours: [0, 0], naive: [0, 0], seasonal: [0, 0] } as Record<string, [number, number]>;
  let n = 0;
  let total = 0;
  let in80 = 0;
  let in95 = 0;
  for (const s of set) {
    const v = s.values;
    const origin = dayNumber(s.startDay);
    for (let month = periodOf(addDays(s.startDay, 59), "month").end; ; month = periodOf(month, "month").end) {
      const ms = dayNumber(month) - origin;
      const me = dayNumber(periodOf(month, "month").end) - origin;
      if (me > v.length) break;
      const cut = ms + 15; // data through the 15th
      let complete = true;
      let toDate = 0;
      let actual = 0;
      for (let i = ms; i < me; i++) {
        if (v[i] !== v[i]) complete = false;
        else {
          actual += v[i]!;
          if (i < cut) toDate += v[i]!;
        }
      }
      if (!complete) continue;
      const f = forecastDaily(v.subarray(0, cut), s.startDay, me - cut);
      if (!f) continue;
      const iv = f.sum(addDays(s.startDay, cut), addDays(s.startDay, me - 1));
      const ours = toDate + iv.point;
      let k = cut - 1;
      while (k > 0 && v[k] !== v[k]) k--;
      const naive = toDate + v[k]! * (me - cut);
      let seasonal = toDate;
      for (let i = cut; i < me; i++) {
        let j = i - 7 * Math.ceil((i - cut + 1) / 7);
        while (j > 0 && v[j] !== v[j]) j -= 7;
        seasonal += v[j]!;
      }
      n++;
      total += actual;
      for (const [m, x] of [["ours", ours], ["naive", naive], ["seasonal", seasonal]] as const) {
        acc[m]![0] += Math.abs(x - actual) / actual;
        acc[m]![1] += Math.abs(x - actual);
      }
      if (actual >= toDate + iv.lower80 && actual <= toDate + iv.upper80) in80++;
      if (actual >= toDate + iv.lower95 && actual <= toDate + iv.upper95) in95++;
    }
  }
  const names: Record<string, string> = { ours: "costwise (robust seasonal + damped trend)", naive: "naive (last day repeated)", seasonal: "seasonal naive (last week repeated)" };
  return {
    forecasts: n,
    methods: Object.entries(acc).map(([m, [ape, ae]]) => ({ method: names[m]!, mape: ape / n, wape: ae / total })),
    coverage80: in80 / n,
    coverage95: in95 / n,
  };
}
