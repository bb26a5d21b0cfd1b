import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatMoney, parseMoney } from "../money.js";
import { minorDigits, splitLargestRemainder } from "./split.js";

describe("splitLargestRemainder", () => {
  it("hand-computed: 10.00 over 150:30 -> 8.33 / 1.67; 10.00 in thirds -> 3.34 (first by name) / 3.33 / 3.33", () => {
    expect(splitLargestRemainder("10", [{ receiver: "payments", weight: "150" }, { receiver: "search", weight: "30" }], 2)).toEqual([
      { receiver: "payments", amount: "8.3300000000" },
      { receiver: "search", amount: "1.6700000000" },
    ]);
    expect(splitLargestRemainder("10", ["web", "search", "payments"].map((r) => ({ receiver: r, weight: "1" })), 2)).toEqual([
      { receiver: "web", amount: "3.3300000000" },
      { receiver: "search", amount: "3.3300000000" },
      { receiver: "payments", amount: "3.3400000000" },
    ]);
  });

  it("keeps sub-cent digits on the first-ranked share and signs credits", () => {
    expect(splitLargestRemainder("-1.0000000003", [{ receiver: "a", weight: "1" }, { receiver: "b", weight: "1" }], 2)).toEqual([
      { receiver: "a", amount: "-0.5000000003" },
      { receiver: "b", amount: "-0.5000000000" },
    ]);
  });

  it("uses the currency's minor unit (JPY whole yen)", () => {
    expect(minorDigits("JPY")).toBe(0);
    expect(splitLargestRemainder("100", [{ receiver: "a", weight: "1" }, { receiver: "b", weight: "1" }, { receiver: "c", weight: "1" }], 0)).toEqual([
      { receiver: "a", amount: "34.0000000000" },
      { receiver: "b", amount: "33.0000000000" },
      { receiver: "c", amount: "33.0000000000" },
    ]);
  });

  it("returns null when no weight is positive", () => {
    expect(splitLargestRemainder("5", [{ receiver: "a", weight: "0" }, { receiver: "b", weight: "-3" }], 2)).toBeNull();
  });

  it("property: shares sum to the amount exactly, each within one minor unit of its exact quota, order-independent", () => {
    const money = fc.bigInt({ min: -(10n ** 16n), max: 10n ** 16n }).map((u) => formatMoney(u));
    const weights = fc.uniqueArray(fc.record({ receiver: fc.string({ minLength: 1, maxLength: 4 }), weight: fc.bigInt({ min: 0n, max: 10n ** 14n }).map((u) => formatMoney(u)) }), {
      minLength: 1,
      maxLength: 8,
      selector: (w) => w.receiver,
    });
    fc.assert(
      fc.property(money, weights, fc.constantFrom(0, 2, 3), (amount, ws, digits) => {
        const shares = splitLargestRemainder(amount, ws, digits);
        const total = ws.reduce((a, w) => a + parseMoney(w.weight), 0n);
        if (total === 0n) {
          // no positive weight: nothing to split on (the caller keeps the pool unallocated)
          expect(shares).toBeNull();
          return;
        }
        expect(shares!.reduce((a, s) => a + parseMoney(s.amount), 0n)).toBe(parseMoney(amount));
        const step = 10n ** BigInt(10 - digits);
        for (const s of shares!) {
          const w = parseMoney(ws.find((x) => x.receiver === s.receiver)!.weight);
          const exact = (parseMoney(amount) * w) / total; // truncated exact quota in 10^-10 units
          const diff = parseMoney(s.amount) - exact;
          expect(diff < 0n ? -diff : diff).toBeLessThanOrEqual(2n * step);
        }
        const reversed = splitLargestRemainder(amount, [...ws].reverse(), digits)!;
        expect(Object.fromEntries(reversed.map((s) => [s.receiver, s.amount]))).toEqual(Object.fromEntries(shares!.map((s) => [s.receiver, s.amount])));
      }),
      { numRuns: 300, examples: [["0.0000000000", [{ receiver: " ", weight: "0.0000000000" }], 0]] },
    );
  });
});
