/**
 * The demo's two commitments: a 1-year No Upfront Compute Savings Plan bought by the payer account in the window's
 * second month (the first when the window is one month long), and a Partial Upfront RDS Reserved Instance in the
 * payments account from the window's first month. Both are bought at the start of their first month and last
 * their 1-year term (12 months); the CUR states each term's end on the commitment's rows (reservation/EndTime,
 * savingsPlan/EndTime).
 */

import type { BillingMonth } from "./calendar.js";
import { ACCOUNTS, COMPUTE_SP, PAYER, RDS_RI, RDS_TYPES, type DemoAccount } from "./catalog.js";
import { dec } from "./decimal.js";

/** Both demo commitments have a 1-year term. */
const TERM_MONTHS = 12;

export interface DemoCommitments {
  spArn: string;
  /** The plan's hourly commitment. */
  spHourly: bigint;
  /** Index of the plan's first month in the window. */
  spStartMonth: number;
  spActive(m: BillingMonth): boolean;
  /** The plan's term end as CUR's savingsPlan/EndTime states it ("2027-09-01T00:00:00.000Z"); `m` is any month of the window. */
  spEndTime(m: BillingMonth): string;
  riAccount: DemoAccount;
  riArn: string;
  riUpfront: bigint;
  riHourly: bigint;
  riActive(m: BillingMonth): boolean;
  /** The reservation's term end as CUR's reservation/EndTime states it; `m` is any month of the window. */
  riEndTime(m: BillingMonth): string;
  riType: (typeof RDS_TYPES)[keyof typeof RDS_TYPES];
}

/** The start of the window's month `index` (may lie past the window), as an ISO timestamp with milliseconds, from any month `m` of the window. */
function windowMonthStartIso(m: BillingMonth, index: number): string {
  return new Date(Date.UTC(m.year, m.month - 1 - m.index + index, 1)).toISOString();
}

export function demoCommitments(months: number): DemoCommitments {
  const spStartMonth = months >= 2 ? 1 : 0;
  const riStartMonth = 0;
  const riAccount = ACCOUNTS.payments;
  return {
    spArn: `arn:aws:savingsplans::${PAYER.id}:savingsplan/${COMPUTE_SP.id}`,
    spHourly: dec(COMPUTE_SP.hourlyCommitment),
    spStartMonth,
    spActive: (m) => m.index >= spStartMonth && m.index < spStartMonth + TERM_MONTHS,
    spEndTime: (m) => windowMonthStartIso(m, spStartMonth + TERM_MONTHS),
    riAccount,
    riArn: `arn:aws:rds:${RDS_RI.region}:${riAccount.id}:ri:${RDS_RI.leaseId}`,
    riUpfront: dec(RDS_RI.upfront),
    riHourly: dec(RDS_RI.hourly),
    riActive: (m) => m.index >= riStartMonth && m.index < riStartMonth + TERM_MONTHS,
    riEndTime: (m) => windowMonthStartIso(m, riStartMonth + TERM_MONTHS),
    riType: RDS_TYPES[RDS_RI.instanceType],
  };
}
