/**
 * Google Cloud Billing export (BigQuery "standard" and "detailed" resource-level usage cost tables)
 * → FOCUS 1.2, from a CSV with flattened `parent.child` column names, or from newline-delimited JSON
 * as BigQuery exports it (nested records are flattened to the same names on read; label and credit
 * lists arrive as JSON text).
 *
 * Credits (sustained and committed use discounts, free tier, promotions, resellers' margins) are
 * netted into the row they apply to, not split into rows of their own: Google applies them to that
 * line on the invoice, and FOCUS defines BilledCost as "inclusive of the impacts of all reduced rates
 * and discounts". So
 *
 * - BilledCost = EffectiveCost = cost + the sum of credits[].amount (credit amounts are negative);
 * - ContractedCost = cost (the price after negotiated pricing, before credits);
 * - ListCost = cost_at_list when exported (detailed export), else cost.
 *
 * The control total is the source's own invoice total, cost plus credits, per file, to the cent.
 * Each row stays one row, so row counts reconcile too. Labels become Tags: Google's system labels,
 * then project labels, then resource labels (a later one wins on the same key). Project → SubAccount.
 * Lists written Python-style ([{'key': 'a', 'value': None}], as some exporters do) are read as well.
 */
import { KEY_COLUMN_CHECKS, type MappingExpr, type SourceColumn, type SourceMapping } from "../mapping.js";
import { loadLookup } from "../lookups.js";

const SERVICE_CATEGORIES = loadLookup("gcp_category_mapping.csv", "FinOps Foundation focus_converters");

/** BigQuery's JSON export writes timestamps as "2020-11-09 23:00:00 UTC". */
const BIGQUERY_TIMES = ["%Y-%m-%d %H:%M:%S UTC", "%Y-%m-%d %H:%M:%S.%f UTC"] as const;

const col = (column: string): MappingExpr => ({ op: "column", column });
const first = (...columns: string[]): MappingExpr => ({ op: "coalesce", args: columns.map(col) });

const required = new Set(["billing_account_id", "service.description", "usage_start_time", "usage_end_time", "cost", "currency", "invoice.month"]);
const decimals = ["cost", "cost_at_list", "usage.amount", "usage.amount_in_pricing_units", "price.effective_price"];
const strings = ["billing_account_id", "service.id", "service.description", "sku.id", "sku.description", "project.id", "project.name",
  "project.number", "location.location", "location.region", "location.zone", "currency", "usage.unit", "usage.pricing_unit", "cost_type",
  "resource.name", "resource.global_name", "seller_name", "transaction_type", "labels", "project.labels", "system_labels", "credits"];

const columns: SourceColumn[] = [
  ...decimals.map((name) => ({ name, type: "decimal" as const, required: required.has(name) })),
  { name: "usage_start_time", type: "timestamp", required: true, formats: BIGQUERY_TIMES },
  { name: "usage_end_time", type: "timestamp", required: true, formats: BIGQUERY_TIMES },
  // invoice.month is YYYYMM: the billing period's first day
  { name: "invoice.month", type: "timestamp", required: true, formats: ["%Y%m"] },
  ...strings.map((name) => ({ name, type: "string" as const, required: required.has(name) })),
];

const credits: MappingExpr = { op: "sumJsonList", column: "credits", field: "amount" };
const costWithCredits: MappingExpr = { op: "add", args: [col("cost"), credits] };
const byCostType = (values: Record<string, MappingExpr | string | null>, dflt: MappingExpr | string | null): MappingExpr => ({
  op: "map",
  column: "cost_type",
  values,
  default: dflt,
});

export const GCP_BILLING_MAPPING: SourceMapping = {
  id: "gcp-billing",
  title: "Google Cloud Billing export (BigQuery standard or detailed usage cost; CSV or newline-delimited JSON)",
  fileKinds: ["csv", "json"],
  focusVersion: "1.2",
  columns,
  controlTotal: { sourceColumn: "cost", target: "BilledCost", expr: costWithCredits, description: "cost plus credits[].amount" },
  checks: [...KEY_COLUMN_CHECKS, { notNull: "BillingAccountId", expected: "the billing account id" }],
  targets: {
    BilledCost: costWithCredits,
    EffectiveCost: costWithCredits,
    ContractedCost: col("cost"),
    ListCost: first("cost_at_list", "cost"),
    ContractedUnitPrice: col("price.effective_price"),
    BillingAccountId: col("billing_account_id"),
    BillingAccountName: col("billing_account_id"),
    BillingCurrency: col("currency"),
    BillingPeriodStart: { op: "timestamp", column: "invoice.month" },
    BillingPeriodEnd: { op: "sql", sql: "{{invoice.month}} + INTERVAL 1 MONTH", reason: "the invoice month names the period's first day; FOCUS wants its exclusive end" },
    ChargePeriodStart: { op: "timestamp", column: "usage_start_time" },
    ChargePeriodEnd: { op: "timestamp", column: "usage_end_time" },
    ChargeCategory: byCostType({ regular: "Usage", tax: "Tax", adjustment: "Credit", rounding_error: "Adjustment" }, "Usage"),
    ChargeClass: byCostType({ adjustment: "Correction" }, null),
    ChargeFrequency: byCostType({ tax: "Recurring", adjustment: "One-Time", rounding_error: "One-Time" }, "Usage-Based"),
    ChargeDescription: col("sku.description"),
    ConsumedQuantity: byCostType({ regular: col("usage.amount") }, null),
    ConsumedUnit: byCostType({ regular: col("usage.unit") }, null),
    // FOCUS: tax rows carry no pricing quantity, unit or SKU
    PricingQuantity: byCostType({ tax: null }, col("usage.amount_in_pricing_units")),
    PricingUnit: byCostType({ tax: null }, col("usage.pricing_unit")),
    PricingCategory: byCostType({ regular: "Standard" }, null),
    ProviderName: { op: "constant", value: "Google Cloud" },
    ServiceProviderName: { op: "constant", value: "Google Cloud" },
    HostProviderName: { op: "constant", value: "Google Cloud" },
    PublisherName: { op: "coalesce", args: [col("seller_name"), { op: "constant", value: "Google Cloud" }] },
    InvoiceIssuerName: { op: "constant", value: "Google Cloud" },
    RegionId: {
      op: "coalesce",
      args: [col("location.region"), { op: "sql", sql: "CASE WHEN {{location.location}} <> 'global' THEN {{location.location}} END", reason: "global is no region" }],
    },
    RegionName: {
      op: "coalesce",
      args: [col("location.region"), { op: "sql", sql: "CASE WHEN {{location.location}} <> 'global' THEN {{location.location}} END", reason: "global is no region" }],
    },
    AvailabilityZone: col("location.zone"),
    ResourceId: first("resource.global_name", "resource.name"),
    ResourceName: col("resource.name"),
    ServiceName: col("service.description"),
    ServiceCategory: { op: "lookup", column: "service.description", table: SERVICE_CATEGORIES, default: "Other" },
    SkuId: byCostType({ tax: null }, col("sku.id")),
    SubAccountId: col("project.id"),
    SubAccountName: first("project.name", "project.id"),
    Tags: { op: "tagsKeyValueList", columns: ["system_labels", "project.labels", "labels"] },
    x_ChargeType: col("cost_type"),
    x_ServiceCode: col("service.id"),
    x_UsageType: col("sku.description"),
  },
};
