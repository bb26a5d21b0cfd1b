import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { netSavingsOf, simulateSavingsPlan } from "./savings-plan.js";

describe("Savings Plan simulation", () => {
  it("finds the analytic optimum on hourly spend 1..100 (shuffled) with a 30.5% discount", () => {
    // N(K) = sum min(s, K) - 100 * K * 0.695 rises while #{s > K} > 69.5 and falls after: optimum K = 31,
    // c = 31 * 0.695 = 21.545/h; covered = 1+..+31 + 69 * 31 = 496 + 2139 = 2635; N = 2635 - 2154.5 = 480.5
    const values = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) + 1);
    expect(new Set(values).size).toBe(100);
    const r = simulateSavingsPlan({ hourlySpend: values.map(String), discount: "0.305", hoursPerMonth: 730, termMonths: 12 });
    expect(r.hourlyCommitment).toBe("21.5450000000");
    expect(r.netSavings).toBe("480.5000000000");
    expect(r.onDemandCost).toBe("5050.0000000000");
    expect(r.costWithPlan).toBe("4569.5000000000");
    expect(r.monthlyNetSavings).toBe("3507.6500000000"); // 480.5 x 730 / 100
    expect(r.expectedUtilization).toBe("0.8500"); // 2635 / (100 x 31)
    expect(r.expectedCoverage).toBe("0.5218"); // 2635 / 5050
    expect(r.breakEvenUtilization).toBe("0.6950");
    expect(r.breakEvenMonths).toBe("9.81"); // 12 x 0.695 / 0.85
  });

  it("a flat series is fully committed: c = s(1-d), utilization 1, coverage 1", () => {
    const r = simulateSavingsPlan({ hourlySpend: Array(48).fill("2.50"), discount: "0.28", hoursPerMonth: 730, termMonths: 36 });
    expect(r.hourlyCommitment).toBe("1.8000000000");
    expect(r.netSavings).toBe("33.6000000000"); // 48 x 0.70
    expect(r.expectedUtilization).toBe("1.0000");
    expect(r.expectedCoverage).toBe("1.0000");
  });

  it("no spend: no commitment", () => {
    const r = simulateSavingsPlan({ hourlySpend: Array(24).fill("0"), discount: "0.28", hoursPerMonth: 730, termMonths: 12 });
    expect(r.hourlyCommitment).toBe("0.0000000000");
    expect(r.netSavings).toBe("0.0000000000");
    expect(r.expectedUtilization).toBeNull();
  });

  it("no other commitment (on a micro-dollar grid around it) saves more than the one reported", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5_000_000 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 5, max: 70 }), (micros, pct) => {
        const spend = micros.map((m) => (m / 1e6).toFixed(6));
        const d = `0.${String(pct).padStart(2, "0")}`;
        const r = simulateSavingsPlan({ hourlySpend: spend, discount: d, hoursPerMonth: 730, termMonths: 12 });
        expect(netSavingsOf(spend, d, r.hourlyCommitment)).toBe(r.netSavings);
        const best = Number(r.netSavings);
        const c0 = Number(r.hourlyCommitment);
        for (const delta of [-0.01, -0.001, -0.000001, 0.000001, 0.001, 0.01, 0.1]) {
          const c = c0 + delta;
          if (c <= 0) continue;
          expect(Number(netSavingsOf(spend, d, c.toFixed(6)))).toBeLessThanOrEqual(best + 1e-9);
        }
      }),
      { numRuns: 200 },
    );
  });
});
