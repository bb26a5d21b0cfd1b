/**
 * Largest-remainder splitting of an exact amount into shares, in the currency's minor unit, with BigInt.
 *
 * Allocation precision. Amounts are DECIMAL(38,10) (10^-10 units). A split of amount A over weights w_i:
 *   1. s = sign(A); U = |A| in 10^-10 units; step = 10^(10 - d) where d = the currency's minor-unit digits
 *      (2 for USD: step = 10^8 units = one cent).
 *   2. M = floor(U / step) whole minor units; r = U - M * step, the sub-minor residue (0 <= r < step).
 *   3. W = sum w_i (weights clamped at 0, as integers: 10^-10 units of the weight); receiver i gets
 *      f_i = floor(M * w_i / W) minor units, remainder q_i = (M * w_i) mod W.
 *   4. L = M - sum f_i leftover minor units (0 <= L < n, since sum q_i / W < n). The L receivers with the
 *      largest q_i (ties: receiver name ascending) get one more minor unit.
 *   5. The receiver ranked first also takes the residue r.
 *   share_i = s * ((f_i + [rank_i <= L]) * step + [rank_i = 1] * r).
 * Conservation: sum share_i = s * ((sum f_i + L) * step + r) = s * (M * step + r) = s * U = A, exactly.
 * Every share is a whole number of minor units except one, which carries A's own sub-minor digits.
 * The SQL in src/engine/allocation/sql.ts computes the same formula with HUGEINT; tests compare both.
 */
import { parseMoney, formatMoney, MONEY_SCALE } from "../money.js";

/** Minor-unit digits of currencies that do not use 2 (ISO 4217). Config `minorUnits` adds to or overrides these. */
export const BUILTIN_MINOR_UNITS: Readonly<Record<string, number>> = {
  JPY: 0, KRW: 0, VND: 0, CLP: 0, ISK: 0, HUF: 2, BHD: 3, KWD: 3, OMR: 3, JOD: 3, TND: 3, IQD: 3, LYD: 3,
};

export function minorDigits(currency: string | null, overrides: Readonly<Record<string, number>> = {}): number {
  if (currency === null) return 2;
  return overrides[currency] ?? BUILTIN_MINOR_UNITS[currency] ?? 2;
}

export interface Weight {
  receiver: string;
  /** A non-negative decimal string; negative weights count as 0. */
  weight: string;
}

export interface Share {
  receiver: string;
  amount: string;
}

/** Splits `amount` over `weights` (see the module header); receivers with weight <= 0 get nothing and are left out. Returns null when no weight is positive. */
export function splitLargestRemainder(amount: string, weights: readonly Weight[], digits: number): Share[] | null {
  const units = parseMoney(amount);
  const sign = units < 0n ? -1n : 1n;
  const abs = units < 0n ? -units : units;
  const step = 10n ** BigInt(MONEY_SCALE - digits);
  const whole = abs / step;
  const residue = abs - whole * step;
  const ws = weights.map((w) => {
    const v = parseMoney(w.weight);
    return { receiver: w.receiver, w: v > 0n ? v : 0n };
  }).filter((w) => w.w > 0n);
  const total = ws.reduce((a, w) => a + w.w, 0n);
  if (total === 0n) return null;
  const parts = ws.map((w) => ({ receiver: w.receiver, floor: (whole * w.w) / total, rem: (whole * w.w) % total }));
  const leftover = whole - parts.reduce((a, p) => a + p.floor, 0n);
  const ranked = [...parts].sort((a, b) => (a.rem === b.rem ? (a.receiver < b.receiver ? -1 : a.receiver > b.receiver ? 1 : 0) : a.rem > b.rem ? -1 : 1));
  const rank = new Map(ranked.map((p, i) => [p, i + 1]));
  return parts.map((p) => {
    const r = BigInt(rank.get(p)!);
    const minor = p.floor + (r <= leftover ? 1n : 0n);
    return { receiver: p.receiver, amount: formatMoney(sign * (minor * step + (r === 1n ? residue : 0n))) };
  });
}
