/**
 * The exact truths of the AWS bill, added up line by line as the CUR is written (rows, unblended and amortized cost
 * in 10^-10 USD; by month, account, line item type and team; untagged spend; the team tag's two spellings; what the
 * commitments were used for), and turned into the manifest's `truths.aws`.
 */

import { isoDate } from "./calendar.js";
import { RDS_RI } from "./catalog.js";
import type { DemoCommitments } from "./commitments.js";
import type { CurLine } from "./cur-format.js";
import { divRound, fmt, SCALE } from "./decimal.js";
import type { DemoTruths } from "./manifest.js";

/** Rows and exact costs of a set of lines. */
export interface Acc {
  rows: number;
  unblended: bigint;
  amortized: bigint;
}

export const newAcc = (): Acc => ({ rows: 0, unblended: 0n, amortized: 0n });

function addTo(map: Map<string, Acc>, key: string, unblended: bigint, amortized: bigint): void {
  let a = map.get(key);
  if (!a) map.set(key, (a = newAcc()));
  a.rows++;
  a.unblended += unblended;
  a.amortized += amortized;
}

export class AwsTotals {
  readonly total = newAcc();
  readonly byMonth = new Map<string, Acc>();
  readonly byAccount = new Map<string, Acc>();
  readonly byType = new Map<string, Acc>();
  readonly byTeam = new Map<string, Acc>();
  readonly untagged = newAcc();
  lowerKeyRows = 0;
  upperKeyRows = 0;
  readonly upperExamples = new Set<string>();
  spTotalCommit = 0n;
  spTotalUsed = 0n;
  spCoveredOd = 0n;
  riUsedHoursTotal = 0n;
  riReservedHoursTotal = 0n;

  /** The accumulator of a month ("YYYY-MM"), new. */
  startMonth(ym: string): Acc {
    const a = newAcc();
    this.byMonth.set(ym, a);
    return a;
  }

  /** Counts one line written in the month of `monthAcc`. */
  add(line: CurLine, unblended: bigint, amortized: bigint, monthAcc: Acc): void {
    this.total.rows++;
    this.total.unblended += unblended;
    this.total.amortized += amortized;
    monthAcc.rows++;
    monthAcc.unblended += unblended;
    monthAcc.amortized += amortized;
    addTo(this.byAccount, line.usageAccountId, unblended, amortized);
    addTo(this.byType, line.lineItemType, unblended, amortized);
    const teamValue = line.tagTeam || line.tagTeamUpper;
    if (teamValue === "") {
      this.untagged.rows++;
      this.untagged.unblended += unblended;
      this.untagged.amortized += amortized;
    }
    if (line.tagTeam) this.lowerKeyRows++;
    if (line.tagTeamUpper) {
      this.upperKeyRows++;
      if (this.upperExamples.size < 10 && line.resourceId) this.upperExamples.add(line.resourceId);
    }
    addTo(this.byTeam, teamValue === "" ? "__untagged__" : teamValue.toLowerCase(), unblended, amortized);
  }

  /** The manifest's `truths.aws`. */
  truths(c: DemoCommitments, months: readonly { startMs: number }[], windowStartMs: number): DemoTruths["aws"] {
    const accRecord = (map: Map<string, Acc>, withRows: boolean): Record<string, { rows: number; unblendedCost: string; amortizedCost: string }> =>
      Object.fromEntries(
        [...map.keys()].sort().map((k) => {
          const a = map.get(k) ?? newAcc();
          return [k, withRows ? { rows: a.rows, unblendedCost: fmt(a.unblended), amortizedCost: fmt(a.amortized) } : ({ unblendedCost: fmt(a.unblended), amortizedCost: fmt(a.amortized) } as never)];
        }),
      );
    const share = this.total.amortized === 0n ? "0" : fmt(divRound(this.untagged.amortized * SCALE, this.total.amortized));
    const untagged = this.untagged;
    return {
      rows: this.total.rows,
      unblendedCost: fmt(this.total.unblended),
      amortizedCost: fmt(this.total.amortized),
      byMonth: accRecord(this.byMonth, true),
      byAccount: accRecord(this.byAccount, false),
      byLineItemType: accRecord(this.byType, true),
      untagged: { rows: untagged.rows, unblendedCost: fmt(untagged.unblended), amortizedCost: fmt(untagged.amortized), amortizedShare: share },
      amortizedByTeam: Object.fromEntries([...this.byTeam.keys()].sort().map((k) => [k, fmt(this.byTeam.get(k)?.amortized ?? 0n)])),
      teamTagKeys: { lowerCaseKeyRows: this.lowerKeyRows, upperCaseKeyRows: this.upperKeyRows, upperCaseKeyResourceExamples: [...this.upperExamples].sort() },
      savingsPlan: {
        arn: c.spArn,
        hourlyCommitment: fmt(c.spHourly),
        startDate: isoDate(months[c.spStartMonth]?.startMs ?? windowStartMs),
        totalCommitment: fmt(this.spTotalCommit),
        usedCommitment: fmt(this.spTotalUsed),
        coveredOnDemandCost: fmt(this.spCoveredOd),
      },
      reservedInstance: {
        arn: c.riArn,
        instanceType: RDS_RI.instanceType,
        count: RDS_RI.count,
        startDate: isoDate(windowStartMs),
        upfrontFee: fmt(c.riUpfront),
        hourlyRecurringFee: fmt(c.riHourly),
        usedHours: fmt(this.riUsedHoursTotal),
        reservedHours: fmt(this.riReservedHoursTotal),
      },
    };
  }
}
