import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../engine/config/load-config.js";
import { optimizationDefaults, rightsizingProfiles, spDiscounts } from "./optimization.js";

describe("optimization config section", () => {
  it("defaults: compute-optimizer p99.5 + 20%/20% over 14 days; average-threshold avg < 15% sized for the max", () => {
    const p = rightsizingProfiles(optimizationDefaults());
    expect(p["compute-optimizer"]).toMatchObject({ trigger: "none", sizingPercentile: 99.5, cpuHeadroomPct: 20, memoryHeadroomPct: 20, lookbackDays: 14, minHours: 30 });
    expect(p["average-threshold"]).toMatchObject({ trigger: "average-cpu-below", averageCpuBelowPct: 15, sizingPercentile: 100, lookbackDays: 14 });
    expect(optimizationDefaults().idle.maxCpuPct).toBe(1);
  });

  it("a partial profile is laid over the built-in of the same name; new profiles start from the defaults", () => {
    const cfg = parseConfig(`optimization:
  rightsizing:
    profile: strict
    profiles:
      average-threshold: { averageCpuBelowPct: 10 }
      strict: { sizingPercentile: 100, cpuHeadroomPct: 40 }
  savingsPlans:
    discounts: { compute-1y-no-upfront: "0.30" }
`).optimization!;
    const p = rightsizingProfiles(cfg);
    expect(p["average-threshold"]).toMatchObject({ trigger: "average-cpu-below", averageCpuBelowPct: 10, sizingPercentile: 100 });
    expect(p["strict"]).toMatchObject({ trigger: "none", sizingPercentile: 100, cpuHeadroomPct: 40, memoryHeadroomPct: 20 });
    expect(cfg.rightsizing.profile).toBe("strict");
    expect(spDiscounts(cfg)["compute-1y-no-upfront"]).toBe("0.30");
    expect(spDiscounts(cfg)["compute-3y-no-upfront"]).toBe("0.50");
  });

  it("a typo or a bad value is an error naming the key and line", () => {
    expect(() => parseConfig("optimization:\n  idle:\n    maxCpuPercent: 2\n")).toThrow(/optimization\.idle.*maxCpuPercent|maxCpuPercent/);
    expect(() => parseConfig('optimization:\n  savingsPlans:\n    discounts: { x: "28%" }\n')).toThrow(/:3/);
  });
});
