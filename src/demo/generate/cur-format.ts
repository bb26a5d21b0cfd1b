/**
 * The legacy AWS Cost and Usage Report (CUR) CSV shape the demo writes: column list, one-line
 * formatting and the per-period manifest.
 */

import { csvField } from "./csv-sink.js";

export const CUR_COLUMNS = [
  "identity/LineItemId",
  "identity/TimeInterval",
  "bill/InvoiceId",
  "bill/BillingEntity",
  "bill/BillType",
  "bill/PayerAccountId",
  "bill/BillingPeriodStartDate",
  "bill/BillingPeriodEndDate",
  "lineItem/UsageAccountId",
  "lineItem/LineItemType",
  "lineItem/UsageStartDate",
  "lineItem/UsageEndDate",
  "lineItem/ProductCode",
  "lineItem/UsageType",
  "lineItem/Operation",
  "lineItem/AvailabilityZone",
  "lineItem/ResourceId",
  "lineItem/UsageAmount",
  "lineItem/CurrencyCode",
  "lineItem/UnblendedRate",
  "lineItem/UnblendedCost",
  "lineItem/BlendedCost",
  "lineItem/LineItemDescription",
  "lineItem/LegalEntity",
  "lineItem/TaxType",
  "pricing/publicOnDemandCost",
  "pricing/publicOnDemandRate",
  "pricing/term",
  "pricing/unit",
  "product/ProductName",
  "product/region",
  "product/instanceType",
  "product/productFamily",
  "product/servicecode",
  "reservation/ReservationARN",
  "reservation/EffectiveCost",
  "reservation/AmortizedUpfrontCostForUsage",
  "reservation/AmortizedUpfrontFeeForBillingPeriod",
  "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod",
  "reservation/RecurringFeeForUsage",
  "reservation/UnusedRecurringFee",
  "reservation/EndTime",
  "savingsPlan/SavingsPlanARN",
  "savingsPlan/SavingsPlanRate",
  "savingsPlan/SavingsPlanEffectiveCost",
  "savingsPlan/TotalCommitmentToDate",
  "savingsPlan/UsedCommitment",
  "savingsPlan/AmortizedUpfrontCommitmentForBillingPeriod",
  "savingsPlan/RecurringCommitmentForBillingPeriod",
  "savingsPlan/EndTime",
  "resourceTags/user:team",
  "resourceTags/user:Team",
  "resourceTags/user:env",
  "resourceTags/user:cost-center",
] as const;

export type CurColumn = (typeof CUR_COLUMNS)[number];

export const CUR_HEADER = CUR_COLUMNS.join(",");

export const CUR_LINE_ITEM_TYPES = [
  "Usage",
  "DiscountedUsage",
  "SavingsPlanCoveredUsage",
  "SavingsPlanNegation",
  "SavingsPlanRecurringFee",
  "RIFee",
  "Fee",
  "Tax",
  "Credit",
  "Refund",
  "EdpDiscount",
] as const;
export type CurLineItemType = (typeof CUR_LINE_ITEM_TYPES)[number];

/** One CUR line; every field is already formatted (empty string = absent). */
export interface CurLine {
  lineItemId: string;
  timeInterval: string;
  invoiceId: string;
  billingPeriodStart: string;
  billingPeriodEnd: string;
  usageAccountId: string;
  lineItemType: CurLineItemType;
  usageStart: string;
  usageEnd: string;
  productCode: string;
  usageType: string;
  operation: string;
  availabilityZone: string;
  resourceId: string;
  usageAmount: string;
  unblendedRate: string;
  unblendedCost: string;
  description: string;
  legalEntity: string;
  taxType: string;
  publicOnDemandCost: string;
  publicOnDemandRate: string;
  term: string;
  pricingUnit: string;
  productName: string;
  region: string;
  instanceType: string;
  productFamily: string;
  servicecode: string;
  reservationArn: string;
  riEffectiveCost: string;
  riAmortizedUpfrontCostForUsage: string;
  riAmortizedUpfrontFeeForBillingPeriod: string;
  riUnusedAmortizedUpfrontFeeForBillingPeriod: string;
  riRecurringFeeForUsage: string;
  riUnusedRecurringFee: string;
  /** reservation/EndTime, the reservation's term end ("2027-03-01T00:00:00.000Z") */
  riEndTime: string;
  spArn: string;
  spRate: string;
  spEffectiveCost: string;
  spTotalCommitmentToDate: string;
  spUsedCommitment: string;
  spAmortizedUpfrontCommitment: string;
  spRecurringCommitment: string;
  /** savingsPlan/EndTime, the plan's term end */
  spEndTime: string;
  tagTeam: string;
  tagTeamUpper: string;
  tagEnv: string;
  tagCostCenter: string;
}

export const EMPTY_CUR_LINE: Readonly<CurLine> = {
  lineItemId: "",
  timeInterval: "",
  invoiceId: "",
  billingPeriodStart: "",
  billingPeriodEnd: "",
  usageAccountId: "",
  lineItemType: "Usage",
  usageStart: "",
  usageEnd: "",
  productCode: "",
  usageType: "",
  operation: "",
  availabilityZone: "",
  resourceId: "",
  usageAmount: "",
  unblendedRate: "",
  unblendedCost: "",
  description: "",
  legalEntity: "",
  taxType: "",
  publicOnDemandCost: "",
  publicOnDemandRate: "",
  term: "",
  pricingUnit: "",
  productName: "",
  region: "",
  instanceType: "",
  productFamily: "",
  servicecode: "",
  reservationArn: "",
  riEffectiveCost: "",
  riAmortizedUpfrontCostForUsage: "",
  riAmortizedUpfrontFeeForBillingPeriod: "",
  riUnusedAmortizedUpfrontFeeForBillingPeriod: "",
  riRecurringFeeForUsage: "",
  riUnusedRecurringFee: "",
  riEndTime: "",
  spArn: "",
  spRate: "",
  spEffectiveCost: "",
  spTotalCommitmentToDate: "",
  spUsedCommitment: "",
  spAmortizedUpfrontCommitment: "",
  spRecurringCommitment: "",
  spEndTime: "",
  tagTeam: "",
  tagTeamUpper: "",
  tagEnv: "",
  tagCostCenter: "",
};

const quoted = new Map<string, string>();

/** csvField with a small cache: descriptions, names and tag values repeat on most lines. */
function q(s: string): string {
  if (s === "") return s;
  let v = quoted.get(s);
  if (v === undefined) {
    if (quoted.size > 50_000) quoted.clear();
    v = csvField(s);
    quoted.set(s, v);
  }
  return v;
}

/**
 * Format one line in CUR_COLUMNS order. The blended cost equals the unblended cost (a single payer
 * without blended-rate modelling), except for EdpDiscount lines, where AWS leaves it empty.
 */
export function formatCurLine(l: CurLine, payerAccountId: string): string {
  return [
    l.lineItemId,
    l.timeInterval,
    l.invoiceId,
    "AWS",
    "Anniversary",
    payerAccountId,
    l.billingPeriodStart,
    l.billingPeriodEnd,
    l.usageAccountId,
    l.lineItemType,
    l.usageStart,
    l.usageEnd,
    l.productCode,
    l.usageType,
    l.operation,
    l.availabilityZone,
    l.resourceId,
    l.usageAmount,
    "USD",
    l.unblendedRate,
    l.unblendedCost,
    l.lineItemType === "EdpDiscount" ? "" : l.unblendedCost,
    q(l.description),
    q(l.legalEntity),
    l.taxType,
    l.publicOnDemandCost,
    l.publicOnDemandRate,
    l.term,
    l.pricingUnit,
    q(l.productName),
    l.region,
    l.instanceType,
    l.productFamily,
    l.servicecode,
    l.reservationArn,
    l.riEffectiveCost,
    l.riAmortizedUpfrontCostForUsage,
    l.riAmortizedUpfrontFeeForBillingPeriod,
    l.riUnusedAmortizedUpfrontFeeForBillingPeriod,
    l.riRecurringFeeForUsage,
    l.riUnusedRecurringFee,
    l.riEndTime,
    l.spArn,
    l.spRate,
    l.spEffectiveCost,
    l.spTotalCommitmentToDate,
    l.spUsedCommitment,
    l.spAmortizedUpfrontCommitment,
    l.spRecurringCommitment,
    l.spEndTime,
    q(l.tagTeam),
    q(l.tagTeamUpper),
    q(l.tagEnv),
    q(l.tagCostCenter),
  ].join(",");
}

/** The per-billing-period manifest AWS writes next to the assembly folders. */
export interface CurManifest {
  assemblyId: string;
  account: string;
  columns: { category: string; name: string }[];
  charset: "UTF-8";
  compression: "GZIP";
  contentType: "text/csv";
  reportId: string;
  reportName: string;
  billingPeriod: { start: string; end: string };
  bucket: string;
  reportKeys: string[];
  additionalArtifactKeys: never[];
}

export function curManifestColumns(): { category: string; name: string }[] {
  return CUR_COLUMNS.map((c) => {
    const slash = c.indexOf("/");
    return { category: c.slice(0, slash), name: c.slice(slash + 1) };
  });
}
