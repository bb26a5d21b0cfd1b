import { describe, expect, it } from "vitest";
import { parseQueryArgs, type QueryArgs } from "../../../core/query/cost-query.js";
import { queryOrThrow } from "../../query/run-query.js";
import { rollupFillSql, rollupFor } from "./rollup.js";

const fit = (a: QueryArgs) => rollupFor(queryOrThrow(parseQueryArgs(a)));

describe("which ClickHouse rollup answers a typed query", () => {
  it("takes the monthly rollup for month/no granularity over whole months", () => {
    expect(fit({ metric: "BilledCost" })).toBe("monthly");
    expect(fit({ metric: "EffectiveCost", groupBy: ["ServiceName,tag:team"], granularity: "month", start: "2024-01-01", end: "2024-03-01" })).toBe("monthly");
    expect(fit({ metric: "ListCost", groupBy: ["RegionId"], filter: ["tag:env in prod,dev", "x_Source=aws-cur"] })).toBe("monthly");
  });

  it("takes the daily rollup for daily buckets or windows on whole days", () => {
    expect(fit({ metric: "BilledCost", granularity: "day" })).toBe("daily");
    expect(fit({ metric: "BilledCost", groupBy: ["SubAccountId"], start: "2024-01-03", end: "2024-02-01" })).toBe("daily");
    expect(fit({ metric: "BilledCost", granularity: "month", start: "2024-01-01", end: "2024-01-15" })).toBe("daily");
  });

  it("keeps queries the rollups cannot answer exactly on the line items", () => {
    expect(fit({ metric: "BilledCost", granularity: "hour" })).toBeUndefined();
    expect(fit({ metric: "ConsumedQuantity", groupBy: ["ConsumedUnit"] })).toBeUndefined();
    expect(fit({ metric: "BilledCost", groupBy: ["ResourceId"] })).toBeUndefined();
    expect(fit({ metric: "BilledCost", groupBy: ["ServiceName"], filter: ["ChargeFrequency=Usage-Based"] })).toBeUndefined();
    expect(fit({ metric: "BilledCost", groupBy: ["ChargePeriodStart"] })).toBeUndefined();
    expect(fit({ metric: "BilledCost", start: "2024-01-01T06:00:00Z" })).toBeUndefined();
  });

  it("fills the monthly rollup by summing the daily line-item counts, the daily one by counting rows", () => {
    expect(rollupFillSql("daily", "t", "s", "x_Partition")).toMatch(/count\(\)/);
    expect(rollupFillSql("monthly", "t", "s", "x_Partition")).toMatch(/sum\("x_LineItems"\)/);
    expect(rollupFillSql("monthly", "t", "s", "x_Partition")).toMatch(/toStartOfMonth/);
  });
});
