/**
 * What the generator reports about its output (`demo-manifest.json`): the files written, the anomalies injected on
 * purpose, and the exact truths (totals by month, account, line item type, team; the commitments) the loaded data
 * is checked against.
 */

import type { Granularity } from "./options.js";

export interface DemoFile {
  /** Path relative to the output directory, with "/" separators. */
  path: string;
  provider: "AWS" | "Microsoft";
  format: "aws-cur-csv-gzip" | "focus-1.2-csv";
  /** "YYYY-MM" */
  billingPeriod: string;
  /** 1-based part number within the billing period's delivery, and the number of parts. */
  part: number;
  parts: number;
  /** Data rows, header excluded. */
  rows: number;
  /** The column whose exact sum is `totalCost`. */
  costColumn: "lineItem/UnblendedCost" | "BilledCost";
  totalCost: string;
  /** Exact sum of the amortized cost of the file's rows (CUR: the amortized cost generate.ts's header defines; FOCUS: EffectiveCost). */
  totalEffectiveCost: string;
}

export interface DemoAnomaly {
  id: string;
  kind: "spike" | "level-shift";
  provider: "AWS";
  /** First affected day, "YYYY-MM-DD". */
  date: string;
  /** Last affected day (inclusive). */
  endDate: string;
  accountId: string;
  /** lineItem/ProductCode */
  service: string;
  serviceName: string;
  usageType: string;
  /** Resources that carry the extra cost (for the EC2 spike: the injected instances; their volumes add to extraCost). */
  resourceIds: string[];
  /** Exact extra cost at on-demand rates (UnblendedCost before any Savings Plan coverage). */
  extraCost: string;
  description: string;
}

export interface DemoManifest {
  generator: "costwise-demo";
  version: 1;
  seed: number;
  months: number;
  endMonth: string;
  granularity: Granularity;
  scale: number;
  /** "YYYY-MM-DD" first day and last day (inclusive) of the window. */
  startDate: string;
  endDate: string;
  currency: "USD";
  payerAccountId: string;
  accounts: { id: string; name: string }[];
  teams: string[];
  /** CUR data files and FOCUS files, in the order written. */
  files: DemoFile[];
  /** The per-period CUR manifests (`<report>-Manifest.json`), relative paths. */
  curManifests: string[];
  anomalies: DemoAnomaly[];
  truths: DemoTruths;
}

export interface DemoTruths {
  aws: {
    rows: number;
    unblendedCost: string;
    amortizedCost: string;
    byMonth: Record<string, { rows: number; unblendedCost: string; amortizedCost: string }>;
    byAccount: Record<string, { unblendedCost: string; amortizedCost: string }>;
    byLineItemType: Record<string, { rows: number; unblendedCost: string; amortizedCost: string }>;
    /** Rows with neither resourceTags/user:team nor resourceTags/user:Team. */
    untagged: { rows: number; unblendedCost: string; amortizedCost: string; amortizedShare: string };
    /** Amortized cost by team tag value (either key, value lower-cased); "__untagged__" for the rest. */
    amortizedByTeam: Record<string, string>;
    teamTagKeys: { lowerCaseKeyRows: number; upperCaseKeyRows: number; upperCaseKeyResourceExamples: string[] };
    savingsPlan: { arn: string; hourlyCommitment: string; startDate: string; totalCommitment: string; usedCommitment: string; coveredOnDemandCost: string };
    reservedInstance: { arn: string; instanceType: string; count: number; startDate: string; upfrontFee: string; hourlyRecurringFee: string; usedHours: string; reservedHours: string };
  };
  focus: {
    provider: "Microsoft";
    rows: number;
    billedCost: string;
    effectiveCost: string;
    untaggedEffectiveCost: string;
  };
}
