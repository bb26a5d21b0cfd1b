import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { optimizationDefaults } from "../../core/config/sections/optimization.js";
import type { RecommendationDraft } from "../../core/optimize/recommendation-model.js";
import { tempStore } from "../../../test/helpers/store.js";
import { lastCompleteDay, measureRealizedSavings } from "./realized-savings.js";
import { listRecommendations, saveRecommendations, setRecommendationStatus } from "./recommendation-store.js";

let ctx: Awaited<ReturnType<typeof tempStore>>;
beforeEach(async () => {
  ctx = await tempStore();
});
afterEach(async () => ctx.cleanup());

const draft = (resource: string, saving: string, owner: string): RecommendationDraft => ({
  key: `rightsize:${resource}`,
  type: "rightsize",
  resourceId: resource,
  resourceType: "ec2-instance",
  region: "us-east-1",
  accountId: null,
  owner,
  ownerSource: "resource tag",
  action: "resize",
  currentConfig: "m5.2xlarge",
  targetConfig: "m5.xlarge",
  monthlySaving: saving,
  currency: "USD",
  savingBasis: "billed",
  confidence: "high",
  reason: "low CPU",
  risks: [],
  details: {},
  baselineMonthlyCost: "300",
});

/**
 * The generated bill, one line per resource and day, 2026-09-01 .. 2026-10-05 (the newest day 10-05 is "still
 * filling", so the last complete day is 10-04):
 *   i-big   10.00/day until 09-14, 7.00 on the change day 09-15, 4.00/day from 09-16
 *   i-gone  3.00/day until 09-09; marked done 09-10, deleted: nothing billed after
 *   i-late  5.00/day throughout; marked done 09-25 (after window 09-26..10-09: still measuring on 10-04)
 *   i-first 2.00/day; marked done 09-01, the bill's first day (no day before it: no baseline)
 *   other   99.00/day, never recommended (must not leak into any figure)
 */
async function bill(): Promise<void> {
  await ctx.store.run(`INSERT INTO focus_costs ("ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BilledCost", "EffectiveCost", "BillingCurrency", "ServiceName", "ResourceId")
    SELECT day, day + INTERVAL 1 DAY, date_trunc('month', day), c, c, 'USD', 'Amazon EC2', rid FROM (
      SELECT TIMESTAMP '2026-09-01' + INTERVAL (d) DAY AS day, rid,
        CAST(CASE rid
          WHEN 'i-big' THEN (CASE WHEN d < 14 THEN 10 WHEN d = 14 THEN 7 ELSE 4 END)
          WHEN 'i-gone' THEN (CASE WHEN d < 9 THEN 3 ELSE NULL END)
          WHEN 'i-late' THEN 5 WHEN 'i-first' THEN 2 ELSE 99 END AS DECIMAL(38,10)) AS c
      FROM range(35) t(d), (VALUES ('i-big'), ('i-gone'), ('i-late'), ('i-first'), ('other')) v(rid)
    ) WHERE c IS NOT NULL`);
}

async function markDone(resource: string, at: string): Promise<void> {
  const r = (await listRecommendations(ctx.store)).find((x) => x.resourceId === resource)!;
  await setRecommendationStatus(ctx.store, String(r.id), "done", undefined, new Date(at));
}

describe("realized savings measured on the bill", () => {
  it("before/after per day over N days, hand-computed; measuring until N days after exist; per owner and total", async () => {
    await bill();
    await saveRecommendations(ctx.store, [draft("i-big", "150", "payments"), draft("i-gone", "91.25", "search"), draft("i-late", "20", "payments"), draft("i-first", "10", "search")], ["rightsize"], "run1");
    await markDone("i-big", "2026-09-15T10:00:00Z");
    await markDone("i-gone", "2026-09-10T08:00:00Z");
    await markDone("i-late", "2026-09-25T12:00:00Z");
    await markDone("i-first", "2026-09-01T12:00:00Z");
    const now = new Date("2026-12-01T00:00:00Z");
    expect(await lastCompleteDay(ctx.store, now)).toBe("2026-10-04");
    // yesterday caps it when the bill runs into today
    expect(await lastCompleteDay(ctx.store, new Date("2026-10-03T09:00:00Z"))).toBe("2026-10-02");

    const r = await measureRealizedSavings(ctx.store, optimizationDefaults(), { now });
    expect(r.windowDays).toBe(14);
    const by = Object.fromEntries(r.items.map((i) => [i.resourceId, i]));
    // i-big: before 09-01..09-14 = 14 × 10 = 140 → 10/day; after 09-16..09-29 = 14 × 4 = 56 → 4/day;
    // daily saving 6; monthly 6 × 730 / 24 = 182.5 (the change day's 7.00 counts in neither window)
    expect(by["i-big"]).toMatchObject({
      status: "measured",
      changeDay: "2026-09-15",
      before: { start: "2026-09-01", end: "2026-09-14", days: 14, cost: "140.0000000000", perDay: "10.0000000000" },
      after: { start: "2026-09-16", end: "2026-09-29", days: 14, cost: "56.0000000000", perDay: "4.0000000000" },
      measuredDailySaving: "6.0000000000",
      measuredMonthlySaving: "182.5000000000",
      expectedMonthlySaving: "150.0000000000",
    });
    // i-gone: before clipped to the bill's start: 09-01..09-09 = 9 days × 3 = 27 → 3/day; after: nothing billed → 0/day;
    // 3 × 730 / 24 = 91.25
    expect(by["i-gone"]).toMatchObject({ status: "measured", before: { days: 9, cost: "27.0000000000" }, after: { days: 14, cost: "0.0000000000", perDay: "0.0000000000" }, measuredMonthlySaving: "91.2500000000" });
    expect(by["i-late"]).toMatchObject({ status: "measuring", measurableOn: "2026-10-10", measuredMonthlySaving: null, after: { days: 9 } });
    expect(by["i-first"]).toMatchObject({ status: "no-baseline", before: { days: 0, perDay: null }, measuredMonthlySaving: null });

    expect(r.byOwner).toEqual([
      { owner: "payments", currency: "USD", done: 2, measured: 1, measuring: 1, noBaseline: 0, expectedMonthly: "170.0000000000", measuredMonthly: "182.5000000000", expectedMonthlyOfMeasured: "150.0000000000" },
      { owner: "search", currency: "USD", done: 2, measured: 1, measuring: 0, noBaseline: 1, expectedMonthly: "101.2500000000", measuredMonthly: "91.2500000000", expectedMonthlyOfMeasured: "91.2500000000" },
    ]);
    expect(r.headline).toMatchObject({ owner: "*", currency: "USD", done: 4, measured: 2, measuredMonthly: "273.7500000000", expectedMonthly: "271.2500000000" });

    // a window of 7 days (optimization.realizedWindowDays): i-big 09-08..09-14 vs 09-16..09-22, same 6/day
    const seven = await measureRealizedSavings(ctx.store, { ...optimizationDefaults(), realizedWindowDays: 7 }, { now });
    expect(seven.items.find((i) => i.resourceId === "i-big")).toMatchObject({ before: { start: "2026-09-08", days: 7 }, measuredMonthlySaving: "182.5000000000" });
    // i-late becomes measurable with 7 days (10-02 ≤ 10-04)
    expect(seven.items.find((i) => i.resourceId === "i-late")).toMatchObject({ status: "measured", measuredMonthlySaving: "0.0000000000" });

    // done in a month only (the review's filter)
    const sept10 = await measureRealizedSavings(ctx.store, optimizationDefaults(), { now, doneFrom: "2026-09-10", doneTo: "2026-09-16" });
    expect(sept10.items.map((i) => i.resourceId)).toEqual(["i-big", "i-gone"].sort((a, b) => (by[a]!.id < by[b]!.id ? -1 : 1)));
  });

  it("no recommendations table or nothing done: an empty report, not an error", async () => {
    const r = await measureRealizedSavings(ctx.store);
    expect(r.items).toEqual([]);
    expect(r.headline).toBeNull();
  });
});
