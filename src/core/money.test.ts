import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { addMoney, compareMoney, equalToTheCent, formatMoney, parseMoney, toCents, trimMoney } from "./money.js";

describe("money", () => {
  it("parses and formats exactly", () => {
    expect(formatMoney(parseMoney("12.34"))).toBe("12.3400000000");
    expect(formatMoney(parseMoney("-0.0000000001"))).toBe("-0.0000000001");
    expect(formatMoney(parseMoney("0.00000000005"))).toBe("0.0000000001"); // half away from zero
    expect(formatMoney(parseMoney("-0.00000000005"))).toBe("-0.0000000001");
  });
  it("adds without float error", () => {
    expect(addMoney("0.1", "0.2")).toBe("0.3000000000");
    expect(toCents(addMoney("0.005", "0"))).toBe("0.01");
    expect(toCents("-2.345")).toBe("-2.35");
  });
  it("compares and checks cent equality", () => {
    expect(compareMoney("1.00", "1")).toBe(0);
    expect(compareMoney("1.01", "1")).toBe(1);
    expect(equalToTheCent("10.004", "10.0")).toBe(true);
    expect(equalToTheCent("10.006", "10.0")).toBe(false);
  });
  it("reads exponent notation exactly", () => {
    expect(formatMoney(parseMoney("2.5893953072562468e-05"))).toBe("0.0000258940");
    expect(formatMoney(parseMoney("1.5E3"), 2)).toBe("1500.00");
    expect(formatMoney(parseMoney("-12e-2"), 2)).toBe("-0.12");
  });
  it("rejects non-decimals", () => {
    expect(() => parseMoney("1e")).toThrow(/not a decimal/);
    expect(() => parseMoney(".")).toThrow(/not a decimal/);
    expect(() => parseMoney("abc")).toThrow(/not a decimal/);
  });
  it("trims for display", () => {
    expect(trimMoney("12.3400000000")).toBe("12.34");
    expect(trimMoney("12.3456000000")).toBe("12.3456");
  });
  it("sum is order independent (property)", () => {
    const amount = fc.tuple(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n })).map(([u]) => formatMoney(u));
    fc.assert(
      fc.property(fc.array(amount, { maxLength: 30 }), (xs) => {
        const fwd = addMoney("0", ...xs);
        const rev = addMoney("0", ...[...xs].reverse());
        expect(fwd).toBe(rev);
      }),
    );
  });
});
