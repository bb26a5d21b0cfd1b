/**
 * Exact decimal money as strings, with BigInt arithmetic at a fixed scale.
 *
 * The store keeps money as DECIMAL(38,10); these helpers let domain code add, compare and round the
 * decimal strings the store returns, without ever going through a JS `number`.
 */

export const MONEY_SCALE = 10;
const FACTOR = 10n ** BigInt(MONEY_SCALE);
const DECIMAL_RE = /^([+-])?(\d+)(?:\.(\d+))?$/;
/** Also accepts exponent notation, which billing exports do contain ("2.5893953072562468e-05"). */
const NUMBER_RE = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** A money amount in units of 10^-MONEY_SCALE (exact). */
export type Minor = bigint;

export function isDecimalString(s: string): boolean {
  const m = NUMBER_RE.exec(s.trim());
  return m !== null && `${m[2] ?? ""}${m[3] ?? ""}`.length > 0;
}

/** Rewrites exponent notation as a plain decimal string, exactly ("1.5e-3" -> "0.0015"). */
function plainDecimal(s: string): string {
  const m = NUMBER_RE.exec(s.trim());
  if (!m || `${m[2] ?? ""}${m[3] ?? ""}`.length === 0) throw new RangeError(`not a decimal number: ${JSON.stringify(s)}`);
  const sign = m[1] === "-" ? "-" : "";
  let int = m[2] ?? "";
  let frac = m[3] ?? "";
  let exp = Number(m[4] ?? "0");
  for (; exp > 0; exp--) {
    int += frac[0] ?? "0";
    frac = frac.slice(1);
  }
  for (; exp < 0; exp++) {
    frac = (int.slice(-1) || "0") + frac;
    int = int.slice(0, -1);
  }
  return `${sign}${int || "0"}${frac ? `.${frac}` : ""}`;
}

/**
 * Parse a decimal string ("12.34", "-0.5", "7") to scaled units. Digits past MONEY_SCALE are rounded
 * half away from zero, as DuckDB does when casting to DECIMAL(38,10).
 */
export function parseMoney(s: string): Minor {
  const m = DECIMAL_RE.exec(plainDecimal(s));
  if (!m) throw new RangeError(`not a decimal number: ${JSON.stringify(s)}`);
  const sign = m[1] === "-" ? -1n : 1n;
  const int = m[2] ?? "0";
  const frac = m[3] ?? "";
  let units = BigInt(int) * FACTOR + BigInt((frac.slice(0, MONEY_SCALE) || "0").padEnd(MONEY_SCALE, "0"));
  if (frac.length > MONEY_SCALE && Number(frac[MONEY_SCALE]) >= 5) units += 1n;
  return sign * units;
}

/** Format scaled units as a decimal string with `scale` fraction digits (default: full precision). */
export function formatMoney(units: Minor, scale: number = MONEY_SCALE): string {
  const rounded = roundUnits(units, scale);
  const neg = rounded < 0n;
  const abs = neg ? -rounded : rounded;
  const whole = abs / FACTOR;
  const frac = (abs % FACTOR).toString().padStart(MONEY_SCALE, "0").slice(0, scale);
  return `${neg ? "-" : ""}${whole}${scale > 0 ? `.${frac}` : ""}`;
}

/** Round scaled units to `scale` fraction digits, half away from zero; result still in scaled units. */
export function roundUnits(units: Minor, scale: number): Minor {
  if (scale >= MONEY_SCALE) return units;
  const step = 10n ** BigInt(MONEY_SCALE - scale);
  const neg = units < 0n;
  const abs = neg ? -units : units;
  const q = (abs + step / 2n) / step;
  return (neg ? -q : q) * step;
}

export function addMoney(...amounts: string[]): string {
  return formatMoney(amounts.reduce((acc, a) => acc + parseMoney(a), 0n));
}

export function subMoney(a: string, b: string): string {
  return formatMoney(parseMoney(a) - parseMoney(b));
}

export function compareMoney(a: string, b: string): -1 | 0 | 1 {
  const d = parseMoney(a) - parseMoney(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** Round to cents ("12.345" -> "12.35"). */
export function toCents(a: string): string {
  return formatMoney(parseMoney(a), 2);
}

/** Whether two amounts are equal to the cent (their difference is below half a cent). */
export function equalToTheCent(a: string, b: string): boolean {
  const d = parseMoney(a) - parseMoney(b);
  const halfCent = FACTOR / 200n;
  return (d < 0n ? -d : d) < halfCent;
}

/** Strip trailing zeros for display: "12.3400000000" -> "12.34" (keeps at least `minScale` digits). */
export function trimMoney(a: string, minScale = 2): string {
  const m = DECIMAL_RE.exec(a.trim());
  if (!m) return a;
  let frac = (m[3] ?? "").replace(/0+$/, "");
  if (frac.length < minScale) frac = frac.padEnd(minScale, "0");
  return `${m[1] === "-" ? "-" : ""}${m[2]}${frac ? `.${frac}` : ""}`;
}
