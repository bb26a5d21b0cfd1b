import { describe, expect, it } from "vitest";
import { BUILTIN_PROFILES, rightsizingProfileSchema } from "../config/sections/optimization.js";
import type { InstanceType } from "./instance-catalog.js";
import { chooseTarget } from "./instance-catalog.js";
import { evaluateRightsizing, type RightsizingInput } from "./rightsizing.js";
import { percentile, summarize, type HourlyPoint } from "./stats.js";

const T = (type: string, vcpu: number, memoryMiB: number, price: string, arch = "amd64"): InstanceType => {
  const [family, size] = type.split(".") as [string, string];
  return { type, family, category: family[0]!, generation: Number(family.replace(/\D/g, "")), size, vcpu, memoryMiB, arch, gpuCount: 0, hourlyPrice: price };
};
const catalog = new Map(
  [
    T("m5.large", 2, 8192, "0.096"),
    T("m5.xlarge", 4, 16384, "0.192"),
    T("m5.2xlarge", 8, 32768, "0.384"),
    T("m5.4xlarge", 16, 65536, "0.768"),
    T("m6i.large", 2, 8192, "0.096"),
    T("c5.xlarge", 4, 8192, "0.17"),
    T("t3.xlarge", 4, 16384, "0.1664"),
    T("m6g.large", 2, 8192, "0.077", "arm64"),
  ].map((t) => [t.type, t]),
);

/** n hours where every hour's avg and max are the given value. */
const flat = (n: number, v: number): HourlyPoint[] => Array.from({ length: n }, (_, i) => ({ hour: `h${i}`, avg: v, max: v }));
const co = BUILTIN_PROFILES["compute-optimizer"]!;
const avgT = BUILTIN_PROFILES["average-threshold"]!;

function input(type: string, cpu: HourlyPoint[], mem: HourlyPoint[] | null, profilePct: number, billed: string | null = null): RightsizingInput {
  return {
    resourceId: "i-1",
    instanceType: type,
    cpu: summarize(cpu, profilePct),
    memory: mem ? summarize(mem, profilePct) : null,
    billedCost: billed,
    billedHours: billed ? 720 : 0,
  };
}

describe("percentile (quantile_cont)", () => {
  it("interpolates between closest ranks", () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10, 0], 100)).toBe(10);
    expect(percentile([], 99)).toBeNull();
    // 334 x 10 and 2 x 90: position 335 * 0.995 = 333.325 -> 10 + 0.325 * 80
    expect(percentile([...Array(334).fill(10), 90, 90], 99.5)).toBeCloseTo(36, 10);
  });
});

describe("compute-optimizer profile", () => {
  it("no data: no recommendation, insufficient data", () => {
    const out = evaluateRightsizing(input("m5.4xlarge", [], null, 99.5), co, "compute-optimizer", catalog, 730);
    expect(out.kind).toBe("insufficient-data");
  });
  it("29 hours is too little, 30 is enough", () => {
    expect(evaluateRightsizing(input("m5.4xlarge", flat(29, 5), null, 99.5), co, "co", catalog, 730).kind).toBe("insufficient-data");
    expect(evaluateRightsizing(input("m5.4xlarge", flat(30, 5), null, 99.5), co, "co", catalog, 730).kind).toBe("recommend");
  });
  it("bursty peak: sized for p99.5 of the hourly maxima plus 20% (16 x 0.36 x 1.2 = 6.912 vCPU -> m5.2xlarge)", () => {
    const cpu = [...flat(334, 10), ...flat(2, 90)];
    const out = evaluateRightsizing(input("m5.4xlarge", cpu, flat(336, 30), 99.5), co, "compute-optimizer", catalog, 730);
    expect(out.kind).toBe("recommend");
    if (out.kind !== "recommend") return;
    expect(out.target).toBe("m5.2xlarge");
    expect(out.tier).toBe("same-family");
    expect(out.figures["neededVcpu"]).toBeCloseTo(6.912, 9);
    // (0.768 - 0.384) x 730 h
    expect(out.monthlySaving).toBe("280.3200000000");
    expect(out.savingBasis).toBe("list-price");
    expect(out.confidence).toBe("high");
    expect(out.reason).toContain("p99.5 CPU 36.0%");
  });
  it("monthly saving from the billed cost: 100 over 720 h -> 101.3888888889/month, half of it saved", () => {
    const cpu = [...flat(334, 10), ...flat(2, 90)];
    const out = evaluateRightsizing(input("m5.4xlarge", cpu, flat(336, 30), 99.5, "100"), co, "co", catalog, 730);
    if (out.kind !== "recommend") throw new Error(out.kind);
    expect(out.savingBasis).toBe("billed");
    expect(out.monthlySaving).toBe("50.6944444445");
  });
  it("exactly at the fit: need 4 x 0.50 x 1.0 = 2 vCPU fits m5.large; 50.5% does not, and a burstable or arm type is never chosen", () => {
    const noHeadroom = rightsizingProfileSchema.parse({ cpuHeadroomPct: 0, memoryHeadroomPct: 0 });
    const at = evaluateRightsizing(input("m5.xlarge", flat(100, 50), null, 99.5), noHeadroom, "x", catalog, 730);
    expect(at.kind === "recommend" && at.target).toBe("m5.large");
    const over = evaluateRightsizing(input("m5.xlarge", flat(100, 50.5), null, 99.5), noHeadroom, "x", catalog, 730);
    expect(over.kind === "recommend" && [over.target, over.tier]).toEqual(["c5.xlarge", "other-family"]);
    if (over.kind === "recommend") expect(over.risks.join(" ")).toMatch(/memory unknown.*8192 MiB vs 16384 MiB/);
  });
  it("memory peak plus headroom constrains the target", () => {
    // CPU alone allows m5.xlarge (16 x 0.14 x 1.2 = 2.688 vCPU); memory 30% of 65536 x 1.2 = 23592.96 MiB needs m5.2xlarge
    const out = evaluateRightsizing(input("m5.4xlarge", flat(336, 14), flat(336, 30), 99.5), co, "co", catalog, 730);
    expect(out.kind === "recommend" && out.target).toBe("m5.2xlarge");
    const noMem = evaluateRightsizing(input("m5.4xlarge", flat(336, 14), null, 99.5), co, "co", catalog, 730);
    expect(noMem.kind === "recommend" && [noMem.target, noMem.confidence]).toEqual(["m5.xlarge", "medium"]);
  });
  it("unknown instance type: no recommendation", () => {
    expect(evaluateRightsizing(input("x9.huge", flat(100, 5), null, 99.5), co, "co", catalog, 730).kind).toBe("unknown-type");
  });
});

describe("average-threshold profile", () => {
  it("exactly at the threshold (15.0%) is not a candidate; just below is", () => {
    expect(evaluateRightsizing(input("m5.4xlarge", flat(336, 15), null, 100), avgT, "average-threshold", catalog, 730).kind).toBe("not-triggered");
    const below = evaluateRightsizing(input("m5.4xlarge", flat(336, 14.99), null, 100), avgT, "average-threshold", catalog, 730);
    // sized for the max: 16 x 0.1499 x 1.2 = 2.878 vCPU -> m5.xlarge
    expect(below.kind === "recommend" && below.target).toBe("m5.xlarge");
  });
  it("bursty peak: average 10.48% triggers, but the 90% max + 20% needs 17.28 vCPU, so nothing cheaper fits", () => {
    const cpu = [...flat(334, 10), ...flat(2, 90)];
    const out = evaluateRightsizing(input("m5.4xlarge", cpu, null, 100), avgT, "average-threshold", catalog, 730);
    expect(out.kind).toBe("no-cheaper-fit");
    expect(out.reason).toContain("17.28 vCPU");
  });
  it("no data: insufficient data", () => {
    expect(evaluateRightsizing(input("m5.4xlarge", [], null, 100), avgT, "average-threshold", catalog, 730).kind).toBe("insufficient-data");
  });
});

describe("chooseTarget", () => {
  it("prefers the same family, then the same category, then any family; keeps architecture", () => {
    const cur = catalog.get("m5.xlarge")!;
    expect(chooseTarget(cur, { vcpu: 1.5, memoryMiB: null, allowBurstable: false }, catalog)?.target.type).toBe("m5.large");
    const m6g = catalog.get("m6g.large")!;
    expect(chooseTarget(m6g, { vcpu: 1, memoryMiB: null, allowBurstable: false }, catalog)).toBeNull();
    expect(chooseTarget(cur, { vcpu: 3, memoryMiB: null, allowBurstable: true }, catalog)?.target.type).toBe("t3.xlarge");
  });
});
