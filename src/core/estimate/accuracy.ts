/**
 * Estimate accuracy (pure): absolute percentage error per resource and its median (the "estimate accuracy" KPI).
 *
 * Order of operations: per pair with an actual > 0, error = |estimated − actual| / actual × 100, rounded to two
 * decimals (half away from zero) from exact decimals; pairs with no actual (not in the bill yet, or 0) are left
 * out and counted; the median is the middle error, or the mean of the two middle ones (rounded to two decimals).
 */
import { parseMoney, subMoney } from "../money.js";
import { ratio } from "../optimize/money-math.js";

/** |estimated − actual| / actual × 100 with two decimals; null when actual is 0 or negative. */
export function absPercentError(estimated: string, actual: string): string | null {
  if (parseMoney(actual) <= 0n) return null;
  const diff = subMoney(estimated, actual);
  const abs = diff.startsWith("-") ? diff.slice(1) : diff;
  return percent(abs, actual);
}

function percent(abs: string, actual: string): string {
  // ×100 before dividing keeps the two decimals exact: ratio rounds once
  const hundred = (parseMoney(abs) * 100n).toString();
  const r = ratio(fromUnits(hundred), actual, 2);
  return r ?? "0.00";
}

function fromUnits(units: string): string {
  const neg = units.startsWith("-");
  const d = (neg ? units.slice(1) : units).padStart(11, "0");
  return `${neg ? "-" : ""}${d.slice(0, -10)}.${d.slice(-10)}`;
}

/** The median of decimal strings with two decimals; null for an empty list. */
export function medianPercent(values: readonly string[]): string | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => (parseMoney(a) < parseMoney(b) ? -1 : parseMoney(a) > parseMoney(b) ? 1 : 0));
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[mid]!;
  const sum = parseMoney(sorted[mid - 1]!) + parseMoney(sorted[mid]!);
  return ratio(fromUnits(sum.toString()), "2", 2);
}
