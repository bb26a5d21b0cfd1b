/**
 * The demo's two commitments: a 1-year No Upfront Compute Savings Plan bought by the payer account in the window's
 * second month (the first when the window is one month long), and a Partial Upfront RDS Reserved Instance in the
 * payments account from the window's first month. Both last 12 months.
 */

import type { BillingMonth } from "./calendar.js";
import { ACCOUNTS, COMPUTE_SP, PAYER, RDS_RI, RDS_TYPES, type DemoAccount } from "./catalog.js";
import { dec } from "./decimal.js";

export interface DemoCommitments {
  spArn: string;
  /** The plan's hourly commitment. */
  spHourly: bigint;
  /** Index of the plan's first month in the window. */
  spStartMonth: number;
  spActive(m: BillingMonth): boolean;
  riAccount: DemoAccount;
  riArn: string;
  riUpfront: bigint;
  riHourly: bigint;
  riActive(m: BillingMonth): boolean;
  riType: (typeof RDS_TYPES)[keyof typeof RDS_TYPES];
}

export function demoCommitments(months: number): DemoCommitments {
  const spStartMonth = months >= 2 ? 1 : 0;
  const riAccount = ACCOUNTS.payments;
  return {
    spArn: `arn:aws:savingsplans::${PAYER.id}:savingsplan/${COMPUTE_SP.id}`,
    spHourly: dec(COMPUTE_SP.hourlyCommitment),
    spStartMonth,
    spActive: (m) => m.index >= spStartMonth && m.index < spStartMonth + 12,
    riAccount,
    riArn: `arn:aws:rds:${RDS_RI.region}:${riAccount.id}:ri:${RDS_RI.leaseId}`,
    riUpfront: dec(RDS_RI.upfront),
    riHourly: dec(RDS_RI.hourly),
    riActive: (m) => m.index < 12,
    riType: RDS_TYPES[RDS_RI.instanceType],
  };
}
