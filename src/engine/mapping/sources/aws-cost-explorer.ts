/**
 * AWS Cost Explorer `GetCostAndUsage` results (daily, grouped) → FOCUS 1.2.
 *
 * The Cost Explorer connector (src/engine/connectors/aws-cost-explorer.ts) lands each fetched window as a
 * CSV staged by DuckDB from the raw API pages, one row per day and group, with these columns:
 *
 * | column                     | from the API                                                   |
 * |----------------------------|----------------------------------------------------------------|
 * | ce_start, ce_end           | ResultsByTime[].TimePeriod (a day; End exclusive)              |
 * | ce_estimated               | ResultsByTime[].Estimated ("true"/"false")                     |
 * | ce_service, ce_linked_account, ce_region, ce_usage_type | the group's DIMENSION keys        |
 * | ce_linked_account_name     | DimensionValueAttributes description of the linked account     |
 * | ce_tag:<key>               | the group's TAG key value (`key$value`, empty = untagged)      |
 * | ce_unblended_cost, ce_currency | Metrics.UnblendedCost                                      |
 * | ce_amortized_cost          | Metrics.AmortizedCost                                          |
 * | ce_usage_quantity/unit     | Metrics.UsageQuantity (PricingQuantity/PricingUnit; the unit is "N/A" when a group mixes units) |
 * | ce_billing_account_id      | the payer account the source bills to (config or Organizations)|
 * | ce_billing_period_start/end| the calendar month of the day                                  |
 *
 * Cost Explorer has no list prices, SKUs or resources: ListCost and ContractedCost are the unblended cost
 * (what was billed), EffectiveCost the amortized cost. ChargeCategory is Tax for the "Tax" service, else Usage
 * (credits and refunds show up as negative usage per service, as in Cost Explorer's own view).
 */
import { KEY_COLUMN_CHECKS, type MappingExpr, type SourceMapping } from "../mapping.js";

const col = (column: string): MappingExpr => ({ op: "column", column });

export const AWS_COST_EXPLORER_MAPPING: SourceMapping = {
  id: "aws-ce",
  title: "AWS Cost Explorer GetCostAndUsage (daily, grouped; staged by costwise sync)",
  fileKinds: ["csv"],
  focusVersion: "1.2",
  columns: [
    { name: "ce_start", type: "timestamp", required: true },
    { name: "ce_end", type: "timestamp", required: true },
    { name: "ce_estimated", type: "string", required: true },
    { name: "ce_service", type: "string" },
    { name: "ce_linked_account", type: "string" },
    { name: "ce_linked_account_name", type: "string" },
    { name: "ce_region", type: "string" },
    { name: "ce_usage_type", type: "string" },
    { name: "ce_unblended_cost", type: "decimal", required: true },
    { name: "ce_amortized_cost", type: "decimal" },
    { name: "ce_usage_quantity", type: "decimal" },
    { name: "ce_usage_unit", type: "string" },
    { name: "ce_currency", type: "string", required: true },
    { name: "ce_billing_account_id", type: "string", required: true },
    { name: "ce_billing_period_start", type: "timestamp", required: true },
    { name: "ce_billing_period_end", type: "timestamp", required: true },
  ],
  controlTotal: { sourceColumn: "ce_unblended_cost", target: "BilledCost" },
  checks: [...KEY_COLUMN_CHECKS, { notNull: "BillingAccountId", expected: "the payer account id" }],
  targets: {
    BilledCost: col("ce_unblended_cost"),
    EffectiveCost: { op: "coalesce", args: [col("ce_amortized_cost"), col("ce_unblended_cost")] },
    ListCost: col("ce_unblended_cost"),
    ContractedCost: col("ce_unblended_cost"),
    BillingAccountId: col("ce_billing_account_id"),
    BillingAccountName: col("ce_billing_account_id"),
    BillingCurrency: col("ce_currency"),
    BillingPeriodStart: { op: "timestamp", column: "ce_billing_period_start" },
    BillingPeriodEnd: { op: "timestamp", column: "ce_billing_period_end" },
    ChargePeriodStart: { op: "timestamp", column: "ce_start" },
    ChargePeriodEnd: { op: "timestamp", column: "ce_end" },
    ChargeCategory: { op: "map", column: "ce_service", values: { Tax: "Tax" }, default: "Usage" },
    ChargeFrequency: { op: "map", column: "ce_service", values: { Tax: "Recurring" }, default: "Usage-Based" },
    ProviderName: { op: "constant", value: "AWS" },
    ServiceProviderName: { op: "constant", value: "AWS" },
    HostProviderName: { op: "constant", value: "AWS" },
    PublisherName: { op: "constant", value: "Amazon Web Services, Inc." },
    InvoiceIssuerName: { op: "constant", value: "Amazon Web Services, Inc." },
    ServiceName: col("ce_service"),
    ServiceCategory: { op: "constant", value: "Other" },
    RegionId: col("ce_region"),
    SubAccountId: col("ce_linked_account"),
    SubAccountName: { op: "coalesce", args: [col("ce_linked_account_name"), col("ce_linked_account")] },
    Tags: { op: "tagColumns", prefix: "ce_tag:" },
    // Cost Explorer's UsageQuantity of the group (its unit is "N/A" when the group mixes units); null on Tax rows
    PricingQuantity: { op: "map", column: "ce_service", values: { Tax: null }, default: col("ce_usage_quantity") },
    PricingUnit: { op: "map", column: "ce_service", values: { Tax: null }, default: col("ce_usage_unit") },
    x_UsageType: col("ce_usage_type"),
  },
};
