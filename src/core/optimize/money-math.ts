/** Exact rational helpers on decimal strings for optimization figures (pure, BigInt). */
import { MONEY_SCALE, formatMoney, parseMoney } from "../money.js";

/** a * num / den on money, rounded half away from zero to MONEY_SCALE digits. */
export function mulDiv(amount: string, num: bigint, den: bigint): string {
  if (den === 0n) throw new RangeError("division by zero");
  const a = parseMoney(amount) * num;
  const neg = a < 0n !== den < 0n;
  const absA = a < 0n ? -a : a;
  const absD = den < 0n ? -den : den;
  const q = (absA * 2n + absD) / (2n * absD);
  return formatMoney(neg ? -q : q);
}

/** A decimal string as an exact fraction [num, den]. */
export function fraction(s: string): [bigint, bigint] {
  return [parseMoney(s), 10n ** BigInt(MONEY_SCALE)];
}

/** num/den as a decimal string with `digits` fraction digits (half away from zero); null when den is 0. */
export function ratio(num: string, den: string, digits = 4): string | null {
  const n = parseMoney(num);
  const d = parseMoney(den);
  if (d === 0n) return null;
  const scale = 10n ** BigInt(digits);
  const neg = n < 0n !== d < 0n;
  const an = n < 0n ? -n : n;
  const ad = d < 0n ? -d : d;
  const q = (an * scale * 2n + ad) / (2n * ad);
  const s = q.toString().padStart(digits + 1, "0");
  const out = digits > 0 ? `${s.slice(0, -digits)}.${s.slice(-digits)}` : s;
  return q === 0n ? out : `${neg ? "-" : ""}${out}`;
}

export function multiplyMoney(a: string, b: string): string {
  return formatMoney((parseMoney(a) * parseMoney(b)) / 10n ** BigInt(MONEY_SCALE));
}
