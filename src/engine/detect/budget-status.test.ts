import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { detectionSection } from "../../core/config/sections/detection.js";
import { compareMoney } from "../../core/money.js";
import type { DuckDbStore } from "../store/duckdb/duckdb-store.js";
import { tempStore } from "../../../test/helpers/store.js";
import { seedDetectStore } from "../../../test/helpers/detect-seed.js";
import { budgetStatus } from "./budget-status.js";
import { forecastScope, forecastVariance } from "./forecast-scope.js";

describe("forecasts and budgets over the store", () => {
  let store: DuckDbStore;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ store, cleanup } = await tempStore());
    await seedDetectStore(store);
  });
  afterEach(async () => cleanup());

  const sum = async (where: string): Promise<string> =>
    String((await store.all(`SELECT CAST(sum("EffectiveCost") AS VARCHAR) AS s FROM focus_costs WHERE ${where}`))[0]!["s"]);

  it("forecasts month, quarter and 12 months with ordered intervals and exact actuals to date", async () => {
    const [f] = await forecastScope(store, { name: "total" }, { asOf: "2024-03-15" });
    expect(f).toBeDefined();
    expect(f!.asOf).toBe("2024-03-15");
    expect(f!.monthEnd.actualToDate).toBe(await sum(`"ChargePeriodStart" >= '2024-03-01' AND "ChargePeriodStart" < '2024-03-16'`));
    expect(f!.monthly).toHaveLength(12);
    expect(f!.monthly[11]!.start).toBe("2025-02-01");
    for (const p of [f!.monthEnd, f!.quarterEnd, f!.yearEnd, ...f!.monthly, ...f!.daily]) {
      expect(compareMoney(p.lower95, p.lower80)).toBeLessThanOrEqual(0);
      expect(compareMoney(p.lower80, p.point)).toBeLessThanOrEqual(0);
      expect(compareMoney(p.point, p.upper80)).toBeLessThanOrEqual(0);
      expect(compareMoney(p.upper80, p.upper95)).toBeLessThanOrEqual(0);
    }
    // weekdays 400, weekends 280: March has 21 weekdays and 10 weekend days (+ the 500 spike before the 15th? no: the 26th)
    const truth = 21 * 400 + 10 * 280;
    expect(Math.abs(Number(f!.monthEnd.point) - truth) / truth).toBeLessThan(0.03);
    expect(Number(f!.monthEnd.lower80)).toBeLessThan(truth);
    expect(Number(f!.monthEnd.upper95)).toBeGreaterThan(truth);
  });

  it("stores snapshots and reports forecast variance per closed month", async () => {
    await forecastScope(store, { name: "total" }, { asOf: "2024-02-15", persist: true });
    const v = await forecastVariance(store, [{ name: "total" }]);
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ scope: "total", month: "2024-02", madeOn: "2024-02-15" });
    expect(v[0]!.actual).toBe(await sum(`"ChargePeriodStart" >= '2024-02-01' AND "ChargePeriodStart" < '2024-03-01'`));
    expect(v[0]!.variance!).toBeLessThan(0.05);
  });

  it("budget check: thresholds fire once per period, stay crossed, and reset with the period", async () => {
    const config = {
      detection: detectionSection.parse({
        budgets: [
          { name: "all", amount: "10000", thresholds: [{ actual: 50 }, { actual: 80 }, { actual: 100 }, { forecast: 100 }] },
          { name: "web", scope: { owner: "web" }, amount: "100000", period: "quarter" },
        ],
      }),
    };
    const first = await budgetStatus(store, config, { now: new Date("2024-03-30T06:00:00Z") });
    const all = first.find((b) => b.budget === "all")!;
    expect(all).toMatchObject({ periodStart: "2024-03-01", periodEnd: "2024-03-31", asOf: "2024-03-29", daysLeft: 2 });
    expect(all.actual).toBe(await sum(`"ChargePeriodStart" >= '2024-03-01' AND "ChargePeriodStart" < '2024-03-30'`));
    expect(all.newAlerts).toEqual(["actual:50", "actual:80", "actual:100", "forecast:100"]);
    // owner without an allocation table: the team tag (EC2 only here), far from its budget
    const web = first.find((b) => b.budget === "web")!;
    expect(web.actual).toBe(await sum(`"ChargePeriodStart" >= '2024-01-01' AND "ChargePeriodStart" < '2024-03-30' AND "Tags"['team'] = 'web'`));
    expect(web.crossed).toEqual([]);

    const again = await budgetStatus(store, config);
    expect(again.find((b) => b.budget === "all")!.newAlerts).toEqual([]);
    expect(again.find((b) => b.budget === "all")!.crossed).toEqual(["actual:50", "actual:80", "actual:100", "forecast:100"]);

    // February is another period: its own state
    const feb = await budgetStatus(store, config, { asOf: "2024-02-10" });
    const febAll = feb.find((b) => b.budget === "all")!;
    expect(febAll.periodStart).toBe("2024-02-01");
    expect(febAll.newAlerts).toEqual(["forecast:100"]);
    const rows = await store.all(`SELECT budget, strftime(period_start, '%Y-%m-%d') AS p, threshold FROM detect_budget_alerts ORDER BY p, threshold`);
    expect(rows.map((r) => `${r["p"]} ${r["threshold"]}`)).toEqual(["2024-02-01 forecast:100", "2024-03-01 actual:100", "2024-03-01 actual:50", "2024-03-01 actual:80", "2024-03-01 forecast:100"]);
  });
});
