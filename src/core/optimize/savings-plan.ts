/**
 * Savings Plan purchase simulation (pure, exact): given the hourly on-demand spend a plan could cover and the
 * plan's rate discount d, find the hourly commitment c (USD/h of plan charges) that maximizes net savings.
 *
 * Model (AWS's): each hour the plan charges c; it covers up to K = c / (1 - d) of on-demand-priced usage, the
 * rest stays on demand. Savings in hour h versus all on-demand: min(s_h, K) - c. Net over H hours:
 *   N(c) = sum_h min(s_h, c/(1-d)) - H*c,
 * concave and piecewise linear in c with breakpoints at c = s_h*(1-d); it is maximal where the share of hours
 * with s_h > K falls to (1 - d), i.e. K is the d-quantile of the hourly spend. We evaluate N at every
 * breakpoint (rounded down and up to whole micro-dollars) using sorted prefix sums, so the search is
 * O(H log H) and exact: amounts are BigInt micro-dollars, the discount an exact fraction.
 */
import { MONEY_SCALE, formatMoney, parseMoney } from "../money.js";

const MICRO_PER_UNIT = 10n ** BigInt(MONEY_SCALE - 6); // money minor units per micro-dollar

export interface SpSimulationInput {
  /** On-demand eligible spend per hour, in order, zeros included (decimal strings). */
  hourlySpend: readonly string[];
  /** Rate discount versus on-demand, e.g. "0.28". */
  discount: string;
  hoursPerMonth: number;
  /** Term in months, for the break-even point (12 or 36). */
  termMonths: number;
}

export interface SpSimulationResult {
  hours: number;
  /** Recommended commitment, USD per hour ("0" when no commitment saves money). */
  hourlyCommitment: string;
  onDemandCost: string;
  costWithPlan: string;
  netSavings: string;
  monthlyNetSavings: string;
  /** Share of the commitment used (0..1, 4 digits). */
  expectedUtilization: string | null;
  /** Share of eligible on-demand spend the plan covers (0..1). */
  expectedCoverage: string | null;
  /** The plan pays off when utilization stays at or above this (= 1 - d). */
  breakEvenUtilization: string;
  /** Months after which covered on-demand spend equals the whole term's commitment (all-upfront view). */
  breakEvenMonths: string | null;
  candidatesEvaluated: number;
}

function toMicro(s: string): bigint {
  const m = parseMoney(s);
  const q = m / MICRO_PER_UNIT;
  const r = m % MICRO_PER_UNIT;
  // half away from zero
  if (2n * (r < 0n ? -r : r) >= MICRO_PER_UNIT) return q + (m < 0n ? -1n : 1n);
  return q;
}
const fromMicro = (u: bigint): string => formatMoney(u * MICRO_PER_UNIT);

function decimalRatio(num: bigint, den: bigint, digits = 4): string | null {
  if (den === 0n) return null;
  const scale = 10n ** BigInt(digits);
  const q = (num * scale * 2n + den) / (2n * den);
  const s = q.toString().padStart(digits + 1, "0");
  return `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

export function simulateSavingsPlan(input: SpSimulationInput): SpSimulationResult {
  const H = input.hourlySpend.length;
  const s = input.hourlySpend.map((v) => {
    const u = toMicro(v);
    return u < 0n ? 0n : u; // credits/refunds are not coverable usage
  });
  const q = 10n ** BigInt(MONEY_SCALE);
  const dMinor = parseMoney(input.discount);
  if (dMinor < 0n || dMinor >= q) throw new RangeError(`discount ${input.discount} must be in [0, 1)`);
  const p = q - dMinor; // (1 - d) = p / q
  const sorted = [...s].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const prefix: bigint[] = [0n];
  for (const v of sorted) prefix.push(prefix[prefix.length - 1]! + v);
  const total = prefix[H]!;

  // covered(c) * p = sum_h min(s_h * p, c * q)
  const coveredTimesP = (c: bigint): bigint => {
    const cap = c * q;
    let lo = 0;
    let hi = H; // first index with s*p >= cap
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! * p < cap) lo = mid + 1;
      else hi = mid;
    }
    return prefix[lo]! * p + BigInt(H - lo) * cap;
  };
  // N(c) * p
  const netTimesP = (c: bigint): bigint => coveredTimesP(c) - BigInt(H) * c * p;

  let bestC = 0n;
  let bestN = 0n;
  let evaluated = 0;
  const seen = new Set<bigint>();
  for (const v of sorted) {
    if (v === 0n) continue;
    const floorC = (v * p) / q;
    for (const c of [floorC, floorC + 1n]) {
      if (c <= 0n || seen.has(c)) continue;
      seen.add(c);
      evaluated++;
      const n = netTimesP(c);
      if (n > bestN || (n === bestN && n > 0n && c < bestC)) {
        bestN = n;
        bestC = c;
      }
    }
  }
  const covP = bestC > 0n ? coveredTimesP(bestC) : 0n;
  // net savings in micro-dollars: N = bestN / p (rounded half up; exact when p divides)
  const net = bestC > 0n ? (bestN * 2n + p) / (2n * p) : 0n;
  const costWithPlan = total - net;
  const monthly = H > 0 ? (net * BigInt(input.hoursPerMonth) * 2n + BigInt(H)) / (2n * BigInt(H)) : 0n;
  const utilNum = covP; // used commitment * q * p... : used = min(s p/q, c) summed = covP / q
  const utilDen = BigInt(H) * bestC * q;
  const utilization = bestC > 0n ? decimalRatio(utilNum, utilDen) : null;
  const coverage = bestC > 0n && total > 0n ? decimalRatio(covP, total * p) : null;
  // break-even months = term * (1 - d) / utilization = term * p/q * utilDen/utilNum
  const breakEvenMonths =
    bestC > 0n && utilNum > 0n ? decimalRatio(BigInt(input.termMonths) * p * utilDen, q * utilNum, 2) : null;
  return {
    hours: H,
    hourlyCommitment: fromMicro(bestC),
    onDemandCost: fromMicro(total),
    costWithPlan: fromMicro(costWithPlan),
    netSavings: fromMicro(net),
    monthlyNetSavings: fromMicro(monthly),
    expectedUtilization: utilization,
    expectedCoverage: coverage,
    breakEvenUtilization: decimalRatio(p, q) ?? "0",
    breakEvenMonths,
    candidatesEvaluated: evaluated,
  };
}

/** Net savings of a given hourly commitment (exact, micro-dollar rounding), for checks and what-ifs. */
export function netSavingsOf(hourlySpend: readonly string[], discount: string, hourlyCommitment: string): string {
  const q = 10n ** BigInt(MONEY_SCALE);
  const p = q - parseMoney(discount);
  const c = toMicro(hourlyCommitment);
  let covP = 0n;
  for (const v of hourlySpend) {
    const sp = toMicro(v) * p;
    covP += sp < c * q ? sp : c * q;
  }
  const nP = covP - BigInt(hourlySpend.length) * c * p;
  return fromMicro((nP * 2n + p) / (2n * p));
}
