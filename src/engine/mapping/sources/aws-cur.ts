/**
 * AWS Cost and Usage Report → FOCUS 1.2, for the legacy CSV CUR (`lineItem/UnblendedCost`) and CUR 2.0 /
 * Data Exports Parquet (`line_item_unblended_cost`). One definition, two spellings of the columns.
 *
 * Line item types (lineItem/LineItemType) and how they land:
 *
 * | LineItemType            | ChargeCategory | ChargeFrequency | EffectiveCost (amortized)                          |
 * |-------------------------|----------------|-----------------|----------------------------------------------------|
 * | Usage                   | Usage          | Usage-Based     | UnblendedCost                                      |
 * | DiscountedUsage (RI)    | Usage          | Usage-Based     | reservation/EffectiveCost                          |
 * | SavingsPlanCoveredUsage | Usage          | Usage-Based     | savingsPlan/SavingsPlanEffectiveCost               |
 * | SavingsPlanNegation     | Usage          | Usage-Based     | 0 (it only cancels the covered usage's on-demand)  |
 * | SavingsPlanRecurringFee | Purchase       | Recurring       | TotalCommitmentToDate - UsedCommitment (unused)    |
 * | SavingsPlanUpfrontFee   | Purchase       | One-Time        | 0 (amortized into covered usage)                   |
 * | RIFee                   | Purchase       | Recurring       | UnusedAmortizedUpfrontFee + UnusedRecurringFee     |
 * | Fee (RI upfront)        | Purchase       | One-Time        | 0 (amortized into discounted usage)                |
 * | Fee (other)             | Purchase       | One-Time        | UnblendedCost                                      |
 * | Tax                     | Tax            | Recurring       | UnblendedCost                                      |
 * | Credit, Refund          | Credit         | One-Time        | UnblendedCost                                      |
 * | *Discount (EDP, PRD, …) | Credit         | Usage-Based     | UnblendedCost                                      |
 *
 * BilledCost is always lineItem/UnblendedCost, so the billed total equals the CUR's unblended total.
 * ChargeClass is "Correction" when the charge period starts before the billing period (a fix to an
 * earlier month). The amortization follows AWS's published CUR amortized-cost query and the FinOps
 * Foundation converter rules.
 */
import { KEY_COLUMN_CHECKS, type MappingExpr, type SourceColumn, type SourceMapping } from "../mapping.js";
import { loadLookup } from "../lookups.js";

const SERVICE_CATEGORIES = loadLookup("aws_category_mapping.csv", "FinOps Foundation focus_converters");
const REGION_NAMES = loadLookup("aws_region_names.csv", "AWS region list (written for costwise)");

/** CUR 1 `category/Name` → CUR 2.0 `category_name` (AWS splits before every capital: ReservationARN → reservation_a_r_n). */
export function cur2Name(cur1: string): string {
  const [cat = "", name = ""] = cur1.split("/");
  const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace(/^_/, "");
  return `${snake(cat)}_${snake(name)}`;
}

type Spelling = "cur1" | "cur2";

function buildCurMapping(spelling: Spelling): SourceMapping {
  const n = (cur1: string) => (spelling === "cur1" ? cur1 : cur2Name(cur1));
  const col = (cur1: string): MappingExpr => ({ op: "column", column: n(cur1) });
  const ts = (cur1: string): MappingExpr => ({ op: "timestamp", column: n(cur1) });
  const ref = (cur1: string) => `{{${n(cur1)}}}`;
  const lineItemType = n("lineItem/LineItemType");
  const byType = (values: Record<string, MappingExpr | string | null>, dflt: MappingExpr | string | null): MappingExpr => ({
    op: "map",
    column: lineItemType,
    values,
    default: dflt,
  });

  const decimal = ["lineItem/UnblendedCost", "lineItem/UnblendedRate", "lineItem/UsageAmount", "lineItem/NetUnblendedCost",
    "lineItem/BlendedCost", "pricing/publicOnDemandCost", "pricing/publicOnDemandRate", "reservation/EffectiveCost",
    "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod", "reservation/UnusedRecurringFee",
    "savingsPlan/SavingsPlanEffectiveCost", "savingsPlan/TotalCommitmentToDate", "savingsPlan/UsedCommitment"];
  const timestamps = ["bill/BillingPeriodStartDate", "bill/BillingPeriodEndDate", "lineItem/UsageStartDate", "lineItem/UsageEndDate",
    "reservation/EndTime", "savingsPlan/EndTime"];
  const strings = ["bill/PayerAccountId", "bill/PayerAccountName", "bill/BillingEntity", "bill/InvoiceId", "bill/InvoicingEntity",
    "lineItem/UsageAccountId", "lineItem/UsageAccountName", "lineItem/LineItemType", "lineItem/CurrencyCode",
    "lineItem/LineItemDescription", "lineItem/ProductCode", "lineItem/UsageType", "lineItem/Operation",
    "lineItem/AvailabilityZone", "lineItem/ResourceId", "lineItem/LegalEntity", "pricing/unit", "pricing/term",
    "pricing/RateCode", "pricing/RateId", "product/ProductName", "product/region", "product/regionCode", "product/location",
    "product/instanceType", "product/sku", "reservation/ReservationARN", "savingsPlan/SavingsPlanARN"];
  const required = new Set(["bill/PayerAccountId", "bill/BillingPeriodStartDate", "bill/BillingPeriodEndDate",
    "lineItem/LineItemType", "lineItem/UsageStartDate", "lineItem/UsageEndDate", "lineItem/UnblendedCost",
    "lineItem/UsageAccountId", "lineItem/ProductCode", "lineItem/CurrencyCode"]);
  // In CUR 2.0 the product name lives in the `product` map column, not in a column of its own.
  const columns: SourceColumn[] = [
    ...decimal.map((c) => ({ name: n(c), type: "decimal" as const, required: required.has(c) })),
    ...timestamps.map((c) => ({ name: n(c), type: "timestamp" as const, required: required.has(c) })),
    ...strings.map((c) => ({ name: n(c), type: "string" as const, required: required.has(c) })),
    ...(spelling === "cur2" ? [{ name: "resource_tags", type: "map" as const }, { name: "product", type: "map" as const }] : []),
  ];

  const isSp = `${ref("savingsPlan/SavingsPlanARN")} IS NOT NULL`;
  const isRi = `${ref("reservation/ReservationARN")} IS NOT NULL`;
  const discountTypes = ["Discount", "BundledDiscount", "EdpDiscount", "PrivateRateDiscount", "SppDiscount", "DistributorDiscount"];

  return {
    id: spelling === "cur1" ? "aws-cur" : "aws-cur2",
    title: spelling === "cur1" ? "AWS Cost and Usage Report (legacy CSV)" : "AWS CUR 2.0 / Data Exports (Parquet)",
    fileKinds: spelling === "cur1" ? ["csv"] : ["parquet", "csv"],
    focusVersion: "1.2",
    columns,
    controlTotal: { sourceColumn: n("lineItem/UnblendedCost"), target: "BilledCost" },
    checks: [
      ...KEY_COLUMN_CHECKS,
      { notNull: "BillingAccountId", expected: "the payer account id" },
      { notNull: "x_ChargeType", expected: "a line item type such as Usage" },
    ],
    targets: {
      BilledCost: col("lineItem/UnblendedCost"),
      BillingAccountId: col("bill/PayerAccountId"),
      BillingAccountName: { op: "coalesce", args: [col("bill/PayerAccountName"), col("bill/PayerAccountId")] },
      BillingCurrency: col("lineItem/CurrencyCode"),
      BillingPeriodStart: ts("bill/BillingPeriodStartDate"),
      BillingPeriodEnd: ts("bill/BillingPeriodEndDate"),
      ChargeCategory: byType(
        {
          Usage: "Usage", DiscountedUsage: "Usage", SavingsPlanCoveredUsage: "Usage", SavingsPlanNegation: "Usage",
          Fee: "Purchase", RIFee: "Purchase", SavingsPlanRecurringFee: "Purchase", SavingsPlanUpfrontFee: "Purchase",
          Tax: "Tax", Credit: "Credit", Refund: "Credit",
          ...Object.fromEntries(discountTypes.map((t) => [t, "Credit"])),
          RiVolumeDiscount: "Credit",
        },
        "Adjustment",
      ),
      ChargeClass: {
        op: "sql",
        sql: `CASE WHEN ${ref("lineItem/UsageStartDate")} < ${ref("bill/BillingPeriodStartDate")} THEN 'Correction' END`,
        reason: "compares two timestamps: a charge for a period before this billing period corrects an earlier bill",
      },
      ChargeDescription: col("lineItem/LineItemDescription"),
      ChargeFrequency: byType(
        { RIFee: "Recurring", SavingsPlanRecurringFee: "Recurring", Tax: "Recurring", Fee: "One-Time",
          SavingsPlanUpfrontFee: "One-Time", Credit: "One-Time", Refund: "One-Time" },
        "Usage-Based",
      ),
      ChargePeriodStart: ts("lineItem/UsageStartDate"),
      ChargePeriodEnd: ts("lineItem/UsageEndDate"),
      CommitmentDiscountCategory: { op: "sql", sql: `CASE WHEN ${isSp} THEN 'Spend' WHEN ${isRi} THEN 'Usage' END`, reason: "depends on which of two ARN columns is set" },
      CommitmentDiscountId: { op: "coalesce", args: [col("savingsPlan/SavingsPlanARN"), col("reservation/ReservationARN")] },
      CommitmentDiscountType: { op: "sql", sql: `CASE WHEN ${isSp} THEN 'Savings Plan' WHEN ${isRi} THEN 'Reserved Instance' END`, reason: "depends on which of two ARN columns is set" },
      // the negation cancels the covered usage's on-demand cost; the consumption is counted once, on the covered row
      CommitmentDiscountStatus: byType({ DiscountedUsage: "Used", SavingsPlanCoveredUsage: "Used", SavingsPlanNegation: "Used" }, null),
      ConsumedQuantity: byType(
        { Usage: col("lineItem/UsageAmount"), DiscountedUsage: col("lineItem/UsageAmount"), SavingsPlanCoveredUsage: col("lineItem/UsageAmount"), SavingsPlanNegation: "0" },
        null,
      ),
      ConsumedUnit: byType(
        { Usage: col("pricing/unit"), DiscountedUsage: col("pricing/unit"), SavingsPlanCoveredUsage: col("pricing/unit"), SavingsPlanNegation: col("pricing/unit") },
        null,
      ),
      // the unblended cost is the unblended rate × the usage amount (ContractedUnitPrice × PricingQuantity, as FOCUS
      // requires); the net of negotiated discounts arrives on the discount line items, not in this column
      ContractedCost: col("lineItem/UnblendedCost"),
      ContractedUnitPrice: {
        op: "sql",
        sql: `abs(${ref("lineItem/UnblendedRate")})`,
        reason: "negation lines carry the negated (negative) rate; a unit price is never negative",
      },
      EffectiveCost: {
        op: "sql",
        reason: "amortization needs arithmetic and a two-column condition (AWS's amortized-cost query)",
        sql: `CASE ${ref("lineItem/LineItemType")}
          WHEN 'SavingsPlanCoveredUsage' THEN ${ref("savingsPlan/SavingsPlanEffectiveCost")}
          WHEN 'SavingsPlanRecurringFee' THEN coalesce(${ref("savingsPlan/TotalCommitmentToDate")}, 0) - coalesce(${ref("savingsPlan/UsedCommitment")}, 0)
          WHEN 'SavingsPlanNegation' THEN 0
          WHEN 'SavingsPlanUpfrontFee' THEN 0
          WHEN 'DiscountedUsage' THEN ${ref("reservation/EffectiveCost")}
          WHEN 'RIFee' THEN coalesce(${ref("reservation/UnusedAmortizedUpfrontFeeForBillingPeriod")}, 0) + coalesce(${ref("reservation/UnusedRecurringFee")}, 0)
          WHEN 'Fee' THEN CASE WHEN ${isRi} THEN 0 ELSE ${ref("lineItem/UnblendedCost")} END
          ELSE ${ref("lineItem/UnblendedCost")} END`,
      },
      InvoiceId: col("bill/InvoiceId"),
      InvoiceIssuerName: { op: "coalesce", args: [col("bill/InvoicingEntity"), { op: "constant", value: "Amazon Web Services, Inc." }] },
      ListCost: byType({ SavingsPlanNegation: "0", SavingsPlanRecurringFee: col("lineItem/UnblendedCost"), RIFee: col("lineItem/UnblendedCost") },
        { op: "coalesce", args: [col("pricing/publicOnDemandCost"), col("lineItem/UnblendedCost")] }),
      ListUnitPrice: col("pricing/publicOnDemandRate"),
      PricingCategory: {
        op: "sql",
        reason: "depends on the line item type, the pricing term and whether a reservation is set",
        // a simple CASE, not a long IN list: DuckDB plans long IN lists as a join, which hides the load's progress
        sql: `CASE ${ref("lineItem/LineItemType")}
          WHEN 'DiscountedUsage' THEN 'Committed' WHEN 'SavingsPlanCoveredUsage' THEN 'Committed' WHEN 'SavingsPlanNegation' THEN 'Committed'
          WHEN 'RIFee' THEN 'Committed' WHEN 'SavingsPlanRecurringFee' THEN 'Committed' WHEN 'SavingsPlanUpfrontFee' THEN 'Committed'
          WHEN 'Fee' THEN CASE WHEN ${isRi} THEN 'Committed' ELSE 'Standard' END
          WHEN 'Usage' THEN CASE ${ref("pricing/term")}
            WHEN 'OnDemand' THEN 'Standard' WHEN 'Spot' THEN 'Dynamic' WHEN 'Reserved' THEN 'Committed' WHEN 'Savings Plan' THEN 'Committed'
            ELSE CASE WHEN contains(${ref("lineItem/UsageType")}, 'SpotUsage') THEN 'Dynamic' ELSE 'Other' END END
          END`,
      },
      // a negation line carries the covered usage's amount with the negated rate and cost: its quantity is negated
      // too, so that ContractedUnitPrice (never negative) × PricingQuantity = ContractedCost holds on it as well
      PricingQuantity: {
        op: "sql",
        reason: "a negation line's quantity is negated with its cost",
        sql: `CASE WHEN ${ref("lineItem/LineItemType")} = 'SavingsPlanNegation' THEN -${ref("lineItem/UsageAmount")} ELSE ${ref("lineItem/UsageAmount")} END`,
      },
      PricingUnit: {
        op: "sql",
        reason: "a unit only where there is a quantity; commitment fees are billed per hour when CUR leaves pricing/unit empty",
        sql: `CASE WHEN ${ref("lineItem/UsageAmount")} IS NULL THEN NULL ELSE coalesce(${ref("pricing/unit")}, CASE ${ref("lineItem/LineItemType")}
          WHEN 'SavingsPlanRecurringFee' THEN 'Hours' WHEN 'RIFee' THEN 'Hours' END) END`,
      },
      ProviderName: { op: "constant", value: "AWS" },
      ServiceProviderName: { op: "constant", value: "AWS" },
      HostProviderName: { op: "constant", value: "AWS" },
      PublisherName: { op: "coalesce", args: [col("lineItem/LegalEntity"), { op: "constant", value: "Amazon Web Services, Inc." }] },
      RegionId: { op: "coalesce", args: [col("product/regionCode"), col("product/region")] },
      RegionName: {
        op: "coalesce",
        args: [
          col("product/location"),
          { op: "lookup", column: n("product/regionCode"), table: REGION_NAMES, default: null },
          { op: "lookup", column: n("product/region"), table: REGION_NAMES, default: null },
        ],
      },
      AvailabilityZone: col("lineItem/AvailabilityZone"),
      ResourceId: col("lineItem/ResourceId"),
      ServiceCategory: { op: "lookup", column: n("lineItem/ProductCode"), table: SERVICE_CATEGORIES, default: "Other" },
      ServiceName:
        spelling === "cur1"
          ? { op: "coalesce", args: [col("product/ProductName"), col("lineItem/ProductCode")] }
          : { op: "coalesce", args: [{ op: "sql", sql: "{{product}}['product_name']", reason: "CUR 2.0 keeps product_name inside the product map" }, col("product/ProductName"), col("lineItem/ProductCode")] },
      SkuId: col("product/sku"),
      SkuPriceId: { op: "coalesce", args: [col("pricing/RateCode"), col("pricing/RateId")] },
      SubAccountId: col("lineItem/UsageAccountId"),
      SubAccountName: { op: "coalesce", args: [col("lineItem/UsageAccountName"), col("lineItem/UsageAccountId")] },
      Tags:
        spelling === "cur1"
          ? { op: "tagColumns", prefix: "resourceTags/", stripKeyPrefixes: ["user:"] }
          : {
              // Parquet exports carry one MAP column; flattened (Athena/CSV) ones carry a column per key
              op: "coalesce",
              args: [
                { op: "tagsMap", column: "resource_tags", stripKeyPrefixes: ["user_"] },
                { op: "tagColumns", prefix: "resource_tags_", stripKeyPrefixes: ["user_"] },
              ],
            },
      x_ChargeType: col("lineItem/LineItemType"),
      x_ServiceCode: col("lineItem/ProductCode"),
      x_UsageType: col("lineItem/UsageType"),
      x_Operation: col("lineItem/Operation"),
      x_InstanceType: col("product/instanceType"),
      // the term's end, on every row of the commitment (usage, fee, unused): known without the purchase row
      x_CommitmentDiscountEndTime: { op: "coalesce", args: [ts("savingsPlan/EndTime"), ts("reservation/EndTime")] },
    },
  };
}

export const AWS_CUR_MAPPING: SourceMapping = buildCurMapping("cur1");
export const AWS_CUR2_MAPPING: SourceMapping = buildCurMapping("cur2");
