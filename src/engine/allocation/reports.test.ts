/**
 * Unit costs, hand-computed (tag coverage is the tagged-spend KPI: src/engine/kpi/tagged-spend.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { allocationSection } from "../../core/config/sections/allocation.js";
import type { DuckDbStore } from "../store/duckdb/duckdb-store.js";
import { insertCostRows, type CostRow } from "../../../test/helpers/allocation-rows.js";
import { tempStore } from "../../../test/helpers/store.js";
import { applyAllocation } from "./allocate.js";
import { compileLoaded } from "./load-rules.js";
import { allocationSummary, divideMoney, unitCosts } from "./reports.js";
import { percentOf } from "../kpi/tagged-spend.js";

let store: DuckDbStore;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ store, cleanup } = await tempStore());
});
afterEach(async () => cleanup());

//  account  service  resource  tags                           billed
//  a1       EC2      i-1       team=payments, env=prod         60.00
//  a1       EC2      i-2       Team=payments                   20.00   (no env)
//  a2       S3       b-1       -                               15.00   (no tags; account default team=data does not count)
//  a2       EC2      i-3       env=dev                          5.00
const ROWS: CostRow[] = [
  { date: "2026-01-02", billed: "60", account: "a1", service: "EC2", resource: "i-1", tags: { team: "payments", env: "prod" } },
  { date: "2026-01-02", billed: "20", account: "a1", service: "EC2", resource: "i-2", tags: { Team: "payments" } },
  { date: "2026-01-03", billed: "15", account: "a2", service: "S3", resource: "b-1" },
  { date: "2026-02-03", billed: "5", account: "a2", service: "EC2", resource: "i-3", tags: { env: "dev" } },
];
const config = allocationSection.parse({
  tags: { aliases: { environment: ["env"] }, accountDefaults: { a2: { team: "data" } } },
  rules: [{ id: "team-tag", match: { "tag:team": { present: true } }, set: { team: "${tag:team}", product: "checkout" } }],
  coverage: { requiredTags: ["team", "environment"], target: 75 },
  unitCosts: [{ name: "cost-per-order", metric: "orders", filter: { team: "payments" }, costMetric: "BilledCost" }],
});
const loaded = () => compileLoaded(config, null, null);

describe("unit costs", () => {
  it("divides the filtered allocated cost by the metric per period, explaining the numerator", async () => {
    await insertCostRows(store, ROWS);
    await applyAllocation(store, loaded());
    await store.run(`INSERT INTO business_metrics (metric, ts, value, service, environment) VALUES
      ('orders', '2026-01-01', 3000, NULL, NULL), ('orders', '2026-02-01', 10, NULL, NULL), ('signups', '2026-01-01', 5, NULL, NULL)`);
    const u = await unitCosts(store, loaded().model, { granularity: "month" });
    // January: payments 80.00 / 3000 orders = 0.026667; February: no payments cost
    expect(u.rows.map((r) => [r.period, r.cost, r.units, r.unitCost])).toEqual([
      ["2026-01", "80.0000000000", "3000.0000000000", "0.026667"],
      ["2026-02", "0.0000000000", "10.0000000000", null],
    ]);
    expect(u.explain[0]!.rules).toEqual([{ ruleId: "team-tag", currency: "USD", cost: "80.0000000000" }]);
  });

  it("matches metric service and environment to owner dimensions", async () => {
    await insertCostRows(store, ROWS);
    await applyAllocation(store, loaded());
    await store.run(`INSERT INTO business_metrics (metric, ts, value, service, environment) VALUES ('orders', '2026-01-05', 40, 'checkout', NULL), ('orders', '2026-01-06', 60, 'checkout', NULL)`);
    const u = await unitCosts(store, loaded().model, { granularity: "month" });
    expect(u.rows.map((r) => [r.service, r.cost, r.units, r.unitCost])).toEqual([["checkout", "80.0000000000", "100.0000000000", "0.800000"]]);
  });
});

describe("helpers", () => {
  it("percentOf and divideMoney are exact and round half away from zero", () => {
    expect(percentOf("1", "3")).toBe("33.33");
    expect(percentOf("2", "3")).toBe("66.67");
    expect(percentOf("1", "0")).toBeNull();
    expect(divideMoney("1", "3")).toBe("0.333333");
    expect(divideMoney("-2", "3")).toBe("-0.666667");
  });

  it("allocationSummary filters by team and period and groups by owner dimensions", async () => {
    await insertCostRows(store, ROWS);
    await applyAllocation(store, loaded());
    const s = await allocationSummary(store, { by: "product", team: "payments", from: "2026-01-01", to: "2026-02-01", granularity: "month" });
    expect(s.rows.map((r) => [r.period, r.key, r.billedCost])).toEqual([["2026-01", "checkout", "80.0000000000"]]);
    await expect(allocationSummary(store, { by: "Bad Column" })).rejects.toThrow(/cannot group by/);
  });
});
