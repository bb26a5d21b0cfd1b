/** Exact decimal products and quotients on decimal strings (10 fraction digits, half away from zero), for the estimate. */
import { MONEY_SCALE, formatMoney, parseMoney } from "../money.js";

const FACTOR = 10n ** BigInt(MONEY_SCALE);

// plans repeat the same sizes, prices and quantities thousands of times: parse each text once (bounded)
const parsed = new Map<string, bigint>();
/** parseMoney, memoized. */
export function units(s: string): bigint {
  let v = parsed.get(s);
  if (v === undefined) {
    v = parseMoney(s);
    if (parsed.size > 50_000) parsed.clear();
    parsed.set(s, v);
  }
  return v;
}

function roundDiv(num: bigint, den: bigint): bigint {
  const neg = num < 0n !== den < 0n;
  const an = num < 0n ? -num : num;
  const ad = den < 0n ? -den : den;
  const q = (an * 2n + ad) / (2n * ad);
  return neg ? -q : q;
}

/** a × b, exact to 10 digits. */
export function mulDec(...xs: string[]): string {
  let acc = FACTOR;
  for (const x of xs) acc = roundDiv(acc * units(x), FACTOR);
  return formatMoney(acc);
}

/** a ÷ b to 10 digits; null when b is 0. */
export function divDec(a: string, b: string): string | null {
  const d = units(b);
  if (d === 0n) return null;
  return formatMoney(roundDiv(units(a) * FACTOR, d));
}

/** A plain decimal string without trailing zeros ("730.0000000000" → "730", "0.1250" → "0.125"). */
export function plain(s: string): string {
  if (!s.includes(".")) return s;
  const t = s.replace(/0+$/, "").replace(/\.$/, "");
  return t === "-0" ? "0" : t;
}

/** A JSON number or numeric string from a plan or usage file as an exact decimal string; null when it is not a number. */
export function decOf(v: unknown): string | null {
  if (typeof v === "number" && Number.isFinite(v)) return Number.isInteger(v) && Math.abs(v) < 1e15 ? String(v) : plain(formatMoney(units(String(v))));
  if (typeof v === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return plain(formatMoney(units(v.trim())));
  return null;
}

/** Σ of decimal strings, exact. */
export function sumDec(xs: readonly string[]): string {
  let acc = 0n;
  for (const x of xs) acc += units(x);
  return formatMoney(acc);
}
