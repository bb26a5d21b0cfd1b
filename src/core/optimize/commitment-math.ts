/**
 * Commitment (RI / Savings Plan) figures from aggregated billing sums (pure; the engine sums in SQL).
 *
 * Definitions (FOCUS columns; all amounts EffectiveCost unless said):
 * - used      = usage the commitment covered: ChargeCategory = 'Usage' and CommitmentDiscountStatus = 'Used'
 * - unused    = commitment paid but not used: CommitmentDiscountStatus = 'Unused' rows, plus the amortized
 *               unused part AWS CUR books on the RIFee / SavingsPlanRecurringFee purchase rows (their
 *               EffectiveCost; FOCUS purchase rows otherwise carry EffectiveCost 0)
 * - utilization = used / (used + unused)
 * - coverage  = used / (used + on-demand eligible usage), eligible = the services (ServiceName) that have
 *               commitment usage in the window or the configured eligible services
 * - effective savings rate (ESR) = (on-demand equivalent - actual) / on-demand equivalent, with the on-demand
 *               equivalent = ListCost of the covered usage (per commitment) or of all eligible usage
 *               (overall), actual = used + unused (+ on-demand eligible, overall). Null without ListCost.
 */
import { addMoney, compareMoney, subMoney } from "../money.js";
import { ratio } from "./money-math.js";

export interface CommitmentSums {
  commitmentId: string;
  type: string | null;
  category: string | null;
  used: string;
  unused: string;
  /** ListCost of the covered usage rows (null when no covered row had a ListCost). */
  coveredList: string | null;
  usedQuantity: string | null;
  unusedQuantity: string | null;
  /** End of the term when the data says (One-Time purchase charge period end), else null. */
  endsAt: string | null;
}

export interface CommitmentFigures extends CommitmentSums {
  utilization: string | null;
  netSavings: string | null;
  effectiveSavingsRate: string | null;
}

export function commitmentFigures(s: CommitmentSums): CommitmentFigures {
  const paid = addMoney(s.used, s.unused);
  const netSavings = s.coveredList === null ? null : subMoney(s.coveredList, paid);
  return {
    ...s,
    utilization: ratio(s.used, paid),
    netSavings,
    effectiveSavingsRate: s.coveredList === null || compareMoney(s.coveredList, "0") === 0 ? null : ratio(netSavings!, s.coveredList),
  };
}

export interface OverallSums {
  used: string;
  unused: string;
  onDemandEligible: string;
  /** ListCost of covered + on-demand eligible usage; null when unknown. */
  eligibleList: string | null;
}

export interface OverallFigures extends OverallSums {
  utilization: string | null;
  coverage: string | null;
  effectiveSavingsRate: string | null;
  netSavings: string | null;
}

export function overallFigures(s: OverallSums): OverallFigures {
  const actual = addMoney(s.used, s.unused, s.onDemandEligible);
  const netSavings = s.eligibleList === null ? null : subMoney(s.eligibleList, actual);
  return {
    ...s,
    utilization: ratio(s.used, addMoney(s.used, s.unused)),
    coverage: ratio(s.used, addMoney(s.used, s.onDemandEligible)),
    netSavings,
    effectiveSavingsRate: s.eligibleList === null || compareMoney(s.eligibleList, "0") === 0 ? null : ratio(netSavings!, s.eligibleList),
  };
}

/** Which of the windows (days, ascending) a commitment ending at `endsAt` falls in, seen from `now`; null if none. */
export function expiryBucket(endsAt: string | null, now: Date, windows: readonly number[]): number | null {
  if (endsAt === null) return null;
  const end = Date.parse(endsAt.endsWith("Z") || endsAt.includes("+") ? endsAt : `${endsAt.replace(" ", "T")}Z`);
  if (!Number.isFinite(end) || end < now.getTime()) return null;
  const days = (end - now.getTime()) / 86_400_000;
  for (const w of [...windows].sort((a, b) => a - b)) if (days <= w) return w;
  return null;
}
