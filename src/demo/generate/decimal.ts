/**
 * Exact decimals for the demo generator: amounts, rates and quantities are BigInt counts of 10^-10
 * (the store's DECIMAL(38,10) scale). Costs are products of a quantity and a rate, rounded half away
 * from zero to 10 places, and written as plain decimal strings without exponent or trailing zeros.
 */

export const SCALE_DIGITS = 10;
export const SCALE = 10n ** 10n;

const DEC_RE = /^(-)?(\d+)(?:\.(\d{1,10}))?$/;

/** Parse an exact decimal literal with at most 10 fraction digits ("0.096" -> 960000000n). */
export function dec(s: string): bigint {
  const m = DEC_RE.exec(s);
  if (!m) throw new RangeError(`not an exact decimal with <= 10 places: ${JSON.stringify(s)}`);
  const v = BigInt(m[2] ?? "0") * SCALE + BigInt((m[3] ?? "").padEnd(SCALE_DIGITS, "0"));
  return m[1] ? -v : v;
}

/** Format scaled units as a plain decimal string: "0", "12.5", "-0.0000166667". */
export function fmt(units: bigint): string {
  if (units === 0n) return "0";
  const neg = units < 0n;
  const a = neg ? -units : units;
  const whole = (a / SCALE).toString();
  const frac = a % SCALE;
  let s = whole;
  if (frac !== 0n) {
    let f = frac.toString().padStart(SCALE_DIGITS, "0");
    let end = f.length;
    while (end > 0 && f.charCodeAt(end - 1) === 48) end--;
    f = f.slice(0, end);
    s += "." + f;
  }
  return neg ? "-" + s : s;
}

/** round(num / den), half away from zero. */
export function divRound(num: bigint, den: bigint): bigint {
  if (den === 0n) throw new RangeError("division by zero");
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  const q = num / den;
  const r = num % den;
  if (r === 0n) return q;
  if (num > 0n) return r * 2n >= den ? q + 1n : q;
  return -r * 2n >= den ? q - 1n : q;
}

/** a * b for two scaled values (quantity x rate), rounded to the scale. */
export function mul(a: bigint, b: bigint): bigint {
  return divRound(a * b, SCALE);
}

/** a * num / den, rounded to the scale (for percentages and prorations). */
export function mulRatio(a: bigint, num: bigint, den: bigint): bigint {
  return divRound(a * num, den);
}

/** A whole number as scaled units. */
export function whole(n: number): bigint {
  if (!Number.isSafeInteger(n)) throw new RangeError(`not a safe integer: ${n}`);
  return BigInt(n) * SCALE;
}

/**
 * A (non-money) quantity computed in floating point, rounded to `places` decimals, as scaled units.
 * Used for usage amounts only: the model's noise is float, the money derived from it is exact.
 */
export function qty(x: number, places: number): bigint {
  if (places < 0 || places > SCALE_DIGITS) throw new RangeError(`places out of range: ${places}`);
  const n = Math.round(x * 10 ** places);
  if (!Number.isSafeInteger(n)) throw new RangeError(`quantity out of range: ${x}`);
  return BigInt(n) * 10n ** BigInt(SCALE_DIGITS - places);
}

/** Sum of a list of scaled values. */
export function sum(xs: Iterable<bigint>): bigint {
  let s = 0n;
  for (const x of xs) s += x;
  return s;
}
