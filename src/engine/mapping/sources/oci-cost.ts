/**
 * Oracle Cloud Infrastructure cost reports (`reports/cost-csv/*.csv`) → FOCUS 1.2.
 *
 * - BilledCost = EffectiveCost = ContractedCost = ListCost = cost/myCost (OCI publishes no list price
 *   in the cost report; myCost is the amount charged for the line, overage included);
 * - the tenancy is the billing account, the compartment the sub-account; tags come from the
 *   `tags/<namespace>.<key>` columns (free-form tags have no namespace);
 * - the cost report has no billing period: the calendar month of the usage interval is used;
 * - OCI writes no currency on some zero-cost lines: those take the file's one currency (a file with
 *   several currencies leaves them empty, which stops the load with the row named);
 * - lineItem/isCorrection = true → ChargeClass Correction.
 *
 * OCI usage reports (`reports/usage-csv`) hold quantities but no cost; they are not a cost source and
 * are refused as "it looks like an OCI cost report but cost/myCost is missing".
 */
import { KEY_COLUMN_CHECKS, type MappingExpr, type SourceColumn, type SourceMapping } from "../mapping.js";
import { loadLookup } from "../lookups.js";

const SERVICE_CATEGORIES = loadLookup("oci_category_mapping.csv", "costwise (OCI service names)");

/** OCI writes interval times without seconds: 2022-04-21T18:00Z. */
const OCI_TIMES = ["%Y-%m-%dT%H:%MZ"] as const;

const col = (column: string): MappingExpr => ({ op: "column", column });

const required = new Set(["lineItem/tenantId", "lineItem/intervalUsageStart", "lineItem/intervalUsageEnd", "product/service", "cost/myCost", "cost/currencyCode"]);
const decimals = ["cost/myCost", "cost/myCostOverage", "cost/unitPrice", "usage/billedQuantity"];
const strings = ["lineItem/referenceNo", "lineItem/tenantId", "lineItem/isCorrection", "product/service", "product/compartmentId",
  "product/compartmentName", "product/region", "product/availabilityDomain", "product/resourceId", "product/Description",
  "cost/subscriptionId", "cost/productSku", "cost/currencyCode", "cost/billingUnitReadable", "cost/skuUnitDescription", "cost/overageFlag"];

const columns: SourceColumn[] = [
  ...decimals.map((name) => ({ name, type: "decimal" as const, required: required.has(name) })),
  { name: "lineItem/intervalUsageStart", type: "timestamp", required: true, formats: OCI_TIMES },
  { name: "lineItem/intervalUsageEnd", type: "timestamp", required: true, formats: OCI_TIMES },
  ...strings.map((name) => ({ name, type: "string" as const, required: required.has(name) })),
];

export const OCI_COST_MAPPING: SourceMapping = {
  id: "oci-cost",
  title: "Oracle Cloud Infrastructure cost report (CSV)",
  fileKinds: ["csv"],
  focusVersion: "1.2",
  columns,
  controlTotal: { sourceColumn: "cost/myCost", target: "BilledCost" },
  checks: [...KEY_COLUMN_CHECKS, { notNull: "BillingAccountId", expected: "the tenancy OCID" }],
  targets: {
    BilledCost: col("cost/myCost"),
    EffectiveCost: col("cost/myCost"),
    ContractedCost: col("cost/myCost"),
    ListCost: col("cost/myCost"),
    ContractedUnitPrice: {
      op: "coalesce",
      args: [
        col("cost/unitPrice"),
        { op: "sql", sql: "CASE WHEN {{cost/myCost}} = 0 THEN 0 END", reason: "OCI leaves the unit price empty on some zero-cost lines: their price is 0" },
      ],
    },
    BillingAccountId: col("lineItem/tenantId"),
    BillingAccountName: col("lineItem/tenantId"),
    BillingCurrency: {
      op: "coalesce",
      args: [
        col("cost/currencyCode"),
        {
          op: "sql",
          sql: "CASE WHEN min({{cost/currencyCode}}) OVER () = max({{cost/currencyCode}}) OVER () THEN max({{cost/currencyCode}}) OVER () END",
          reason: "OCI leaves the currency empty on some zero-cost lines; the file's single currency fills them",
        },
      ],
    },
    BillingPeriodStart: { op: "sql", sql: "date_trunc('month', {{lineItem/intervalUsageStart}})", reason: "the cost report has no billing period: the usage interval's calendar month" },
    BillingPeriodEnd: { op: "sql", sql: "date_trunc('month', {{lineItem/intervalUsageStart}}) + INTERVAL 1 MONTH", reason: "the cost report has no billing period: the usage interval's calendar month" },
    ChargePeriodStart: { op: "timestamp", column: "lineItem/intervalUsageStart" },
    ChargePeriodEnd: { op: "timestamp", column: "lineItem/intervalUsageEnd" },
    ChargeCategory: { op: "constant", value: "Usage" },
    ChargeClass: { op: "map", column: "lineItem/isCorrection", values: { true: "Correction" }, default: null },
    ChargeFrequency: { op: "constant", value: "Usage-Based" },
    ChargeDescription: col("product/Description"),
    ConsumedQuantity: col("usage/billedQuantity"),
    ConsumedUnit: col("cost/skuUnitDescription"),
    PricingQuantity: col("usage/billedQuantity"),
    PricingUnit: col("cost/skuUnitDescription"),
    PricingCategory: { op: "constant", value: "Standard" },
    ProviderName: { op: "constant", value: "Oracle" },
    ServiceProviderName: { op: "constant", value: "Oracle" },
    HostProviderName: { op: "constant", value: "Oracle" },
    PublisherName: { op: "constant", value: "Oracle" },
    InvoiceIssuerName: { op: "constant", value: "Oracle" },
    RegionId: col("product/region"),
    RegionName: col("product/region"),
    AvailabilityZone: col("product/availabilityDomain"),
    ResourceId: col("product/resourceId"),
    ServiceName: col("product/service"),
    ServiceCategory: { op: "lookup", column: "product/service", table: SERVICE_CATEGORIES, default: "Other" },
    SkuId: col("cost/productSku"),
    SubAccountId: col("product/compartmentId"),
    SubAccountName: { op: "coalesce", args: [col("product/compartmentName"), col("product/compartmentId")] },
    Tags: { op: "tagColumns", prefix: "tags/" },
    x_ServiceCode: col("product/service"),
    x_UsageType: col("cost/billingUnitReadable"),
  },
};
