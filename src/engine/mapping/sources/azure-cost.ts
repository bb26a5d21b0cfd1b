/**
 * Azure Cost Management exports → FOCUS 1.2: EA and MCA "cost details" (actual or amortized), the
 * older pay-as-you-go / EA usage-details layout (SubscriptionGuid, UsageDateTime, PreTaxCost) and the
 * hybrids between them that real exports carry. One mapping, matched loosely:
 *
 * - headers are matched case-insensitively (EA PascalCase and MCA camelCase), with a byte-order mark
 *   dropped, and localized headers are read by the English name Azure puts in parentheses
 *   ("Ressourcengruppe (ResourceGroup)" → ResourceGroup);
 * - the same column under its other names is declared as aliases (PreTaxCost → CostInBillingCurrency,
 *   UsageDateTime → Date, SubscriptionGuid → SubscriptionId, InstanceId → ResourceId, ...);
 * - dates are ISO 8601 or US MM/DD/YYYY (MCA exports); amounts are plain decimals with a dot. A German
 *   export with decimal commas ("0,075") is refused with file, line and column: re-export it with
 *   English number formatting.
 *
 * | ChargeType                          | ChargeCategory | ChargeClass | CommitmentDiscountStatus |
 * |-------------------------------------|----------------|-------------|--------------------------|
 * | Usage (absent in usage-details)     | Usage          |             | Used, when PricingModel is Reservation or SavingsPlan |
 * | UnusedReservation, UnusedSavingsPlan| Usage          |             | Unused                   |
 * | Purchase                            | Purchase       |             |                          |
 * | Refund                              | Purchase       | Correction  |                          |
 * | Tax                                 | Tax            |             |                          |
 * | RoundingAdjustment, other           | Adjustment     |             |                          |
 *
 * Amortized and actual exports have the same columns: a file's cost column is both its BilledCost and
 * its EffectiveCost (an actual-cost export is the invoice view, an amortized one spreads reservation
 * and savings plan purchases over the usage they cover). Load one kind per billing account and period:
 * a later load of the same period replaces the earlier one, so the two never add up twice.
 * BillingAccountId is the invoice scope: the MCA billing profile, else the EA billing account
 * (enrollment), else (pay-as-you-go) the subscription. Azure's period end dates are inclusive; FOCUS
 * ends are exclusive, so a day is added. Files without a billing period take the calendar month of the
 * charge date.
 */
import { KEY_COLUMN_CHECKS, type MappingExpr, type SourceColumn, type SourceMapping } from "../mapping.js";
import { loadLookup } from "../lookups.js";

const REGION_IDS = loadLookup("azure_region_ids.csv", "Microsoft FinOps toolkit open data (Regions.csv)");
const REGION_NAMES = loadLookup("azure_region_names.csv", "Microsoft FinOps toolkit open data (Regions.csv)");
// ServiceCategory and ServiceSubcategory by ConsumedService, from the FinOps toolkit's open data (Services.csv) where it
// names one subcategory for the service (the category is then that subcategory's parent), else the converters'
// category and its "Other (<category>)" subcategory: the two always agree (see data/lookups/README.md)
const SERVICE_CATEGORY = loadLookup("azure_service_categories.csv", "Microsoft FinOps toolkit open data (Services.csv) and FinOps Foundation focus_converters");
const SERVICE_SUBCATEGORIES = loadLookup("azure_service_subcategories.csv", "Microsoft FinOps toolkit open data (Services.csv)");
const OTHER_SUBCATEGORIES = loadLookup("azure_service_other_subcategories.csv", "Microsoft FinOps toolkit open data (Services.csv) and FinOps Foundation focus_converters");

/** Dates as Azure writes them besides ISO 8601: MCA's US month/day/year. */
const DATE_FORMATS = ["%m/%d/%Y", "%m/%d/%Y %H:%M:%S"] as const;

const col = (column: string): MappingExpr => ({ op: "column", column });
const first = (...columns: string[]): MappingExpr => ({ op: "coalesce", args: columns.map(col) });

const decimals: [string, string[]][] = [
  ["CostInBillingCurrency", ["PreTaxCost", "Cost"]],
  ["PaygCostInBillingCurrency", []],
  ["Quantity", ["UsageQuantity"]],
  ["EffectivePrice", ["ResourceRate"]],
  ["UnitPrice", []],
  ["PayGPrice", []],
];
const dates: [string, string[]][] = [
  ["Date", ["UsageDateTime", "UsageDate"]],
  ["BillingPeriodStartDate", []],
  ["BillingPeriodEndDate", []],
];
const strings: [string, string[]][] = [
  ["SubscriptionId", ["SubscriptionGuid"]],
  ["SubscriptionName", []],
  ["BillingAccountId", []],
  ["BillingAccountName", []],
  ["BillingProfileId", []],
  ["BillingProfileName", []],
  ["BillingCurrencyCode", ["BillingCurrency", "Currency"]],
  ["InvoiceId", []],
  ["ResourceGroup", ["ResourceGroupName"]],
  ["ResourceLocation", []],
  ["Location", []],
  ["ResourceId", ["InstanceId", "InstanceName"]],
  ["ResourceName", []],
  ["ResourceType", []],
  ["MeterCategory", []],
  ["MeterSubCategory", []],
  ["MeterId", []],
  ["MeterName", []],
  ["MeterRegion", []],
  ["UnitOfMeasure", []],
  ["ConsumedService", []],
  ["ServiceName", []],
  ["ServiceTier", []],
  ["ProductName", ["Product"]],
  ["ProductId", []],
  ["PartNumber", []],
  ["ChargeType", []],
  ["Frequency", []],
  ["PricingModel", []],
  ["PublisherName", []],
  ["PublisherType", []],
  ["ReservationId", []],
  ["ReservationName", []],
  ["BenefitId", []],
  ["AvailabilityZone", []],
  ["Tags", []],
];
const required = new Set(["SubscriptionId", "Date", "CostInBillingCurrency", "MeterCategory"]);

const columns: SourceColumn[] = [
  ...decimals.map(([name, aliases]) => ({ name, aliases, type: "decimal" as const, required: required.has(name) })),
  ...dates.map(([name, aliases]) => ({ name, aliases, type: "timestamp" as const, required: required.has(name), formats: DATE_FORMATS })),
  ...strings.map(([name, aliases]) => ({ name, aliases, type: "string" as const, required: required.has(name) })),
];

const byChargeType = (values: Record<string, MappingExpr | string | null>, dflt: MappingExpr | string | null): MappingExpr => ({
  op: "map",
  column: "ChargeType",
  values,
  default: dflt,
});
/** Azure's unit prices, as SQL: list = the pay-as-you-go price (a zero one means none was published), contracted = the negotiated price. */
const contractedUnit = "coalesce({{UnitPrice}}, {{EffectivePrice}})";
const commitment = "{{PricingModel}} IN ('Reservation', 'SavingsPlan')";

export const AZURE_COST_MAPPING: SourceMapping = {
  id: "azure-cost",
  title: "Azure Cost Management export (EA / MCA cost details, actual or amortized; pay-as-you-go usage details)",
  fileKinds: ["csv"],
  focusVersion: "1.2",
  headerMatch: "loose",
  columns,
  controlTotal: { sourceColumn: "CostInBillingCurrency", target: "BilledCost" },
  checks: [...KEY_COLUMN_CHECKS, { notNull: "BillingAccountId", expected: "a billing account, billing profile or subscription id" }],
  targets: {
    BilledCost: col("CostInBillingCurrency"),
    EffectiveCost: col("CostInBillingCurrency"),
    // FOCUS: contracted and list cost are unit price × quantity (Microsoft's own FOCUS export does the same)
    ContractedCost: {
      op: "coalesce",
      args: [
        { op: "sql", sql: "coalesce({{UnitPrice}}, {{EffectivePrice}}) * {{Quantity}}", reason: "contracted cost is the negotiated unit price times the quantity (usage-details exports only have the effective rate)" },
        col("CostInBillingCurrency"),
      ],
    },
    ListCost: {
      op: "coalesce",
      args: [
        { op: "sql", sql: "coalesce(CASE WHEN {{PayGPrice}} > 0 THEN {{PayGPrice}} END, {{UnitPrice}}, {{EffectivePrice}}) * {{Quantity}}", reason: "list cost is the list unit price times the quantity" },
        col("PaygCostInBillingCurrency"),
        col("CostInBillingCurrency"),
      ],
    },
    ListUnitPrice: {
      op: "sql",
      sql: "coalesce(CASE WHEN {{PayGPrice}} > 0 THEN {{PayGPrice}} END, {{UnitPrice}}, {{EffectivePrice}})",
      reason: "the pay-as-you-go price; a zero one means none was published, and the negotiated price is the list price then",
    },
    ContractedUnitPrice: { op: "sql", sql: contractedUnit, reason: "usage-details exports only have the effective rate" },
    BillingAccountId: first("BillingProfileId", "BillingAccountId", "SubscriptionId"),
    BillingAccountName: first("BillingProfileName", "BillingAccountName", "SubscriptionName", "SubscriptionId"),
    BillingCurrency: col("BillingCurrencyCode"),
    BillingPeriodStart: {
      op: "sql",
      sql: "coalesce({{BillingPeriodStartDate}}, date_trunc('month', {{Date}}))",
      reason: "pay-as-you-go and some MCA exports carry no billing period: the charge date's calendar month is the period",
    },
    BillingPeriodEnd: {
      op: "sql",
      sql: "coalesce({{BillingPeriodEndDate}} + INTERVAL 1 DAY, date_trunc('month', {{Date}}) + INTERVAL 1 MONTH)",
      reason: "Azure's period end date is the last day (inclusive); FOCUS ends are exclusive, so one day is added",
    },
    ChargePeriodStart: { op: "timestamp", column: "Date" },
    ChargePeriodEnd: { op: "sql", sql: "{{Date}} + INTERVAL 1 DAY", reason: "cost details are daily: the charge period is the day of the Date column" },
    ChargeCategory: byChargeType(
      { Usage: "Usage", UnusedReservation: "Usage", UnusedSavingsPlan: "Usage", Purchase: "Purchase", Refund: "Purchase", Tax: "Tax", RoundingAdjustment: "Adjustment" },
      { op: "sql", sql: "CASE WHEN {{ChargeType}} IS NULL THEN 'Usage' ELSE 'Adjustment' END", reason: "usage-details exports have no ChargeType (every row is usage); an unknown charge type is an adjustment" },
    ),
    ChargeClass: byChargeType({ Refund: "Correction" }, null),
    ChargeFrequency: {
      op: "map",
      column: "Frequency",
      values: { UsageBased: "Usage-Based", OneTime: "One-Time", Recurring: "Recurring" },
      default: "Usage-Based",
    },
    ChargeDescription: first("ProductName", "MeterName"),
    CommitmentDiscountId: first("BenefitId", "ReservationId"),
    CommitmentDiscountName: col("ReservationName"),
    CommitmentDiscountCategory: { op: "map", column: "PricingModel", values: { Reservation: "Usage", SavingsPlan: "Spend" }, default: null },
    CommitmentDiscountType: { op: "map", column: "PricingModel", values: { Reservation: "Reservation", SavingsPlan: "Savings Plan" }, default: null },
    CommitmentDiscountStatus: byChargeType(
      { UnusedReservation: "Unused", UnusedSavingsPlan: "Unused" },
      { op: "sql", sql: `CASE WHEN coalesce({{ChargeType}}, 'Usage') = 'Usage' AND ${commitment} THEN 'Used' END`, reason: "usage covered by a reservation or savings plan is the commitment's use" },
    ),
    ConsumedQuantity: { op: "sql", sql: "CASE WHEN coalesce({{ChargeType}}, 'Usage') = 'Usage' THEN {{Quantity}} END", reason: "only usage rows consume; purchases and unused commitments do not" },
    ConsumedUnit: {
      op: "sql",
      sql: "CASE WHEN coalesce({{ChargeType}}, 'Usage') = 'Usage' THEN coalesce({{UnitOfMeasure}}, 'Units') END",
      reason: "only usage rows consume; a usage-details export without UnitOfMeasure gets Microsoft's generic 'Units'",
    },
    // FOCUS: tax rows carry no pricing quantity, unit or SKU
    PricingQuantity: byChargeType({ Tax: null }, col("Quantity")),
    // some usage-details exports have no UnitOfMeasure: Microsoft's own FOCUS data says 'Units' then
    PricingUnit: byChargeType({ Tax: null }, { op: "coalesce", args: [col("UnitOfMeasure"), { op: "constant", value: "Units" }] }),
    PricingCategory: {
      op: "map",
      column: "PricingModel",
      values: { OnDemand: "Standard", Spot: "Dynamic", Reservation: "Committed", SavingsPlan: "Committed" },
      default: "Standard",
    },
    ProviderName: { op: "constant", value: "Microsoft" },
    ServiceProviderName: { op: "constant", value: "Microsoft" },
    HostProviderName: { op: "constant", value: "Microsoft" },
    PublisherName: { op: "coalesce", args: [col("PublisherName"), { op: "constant", value: "Microsoft" }] },
    InvoiceIssuerName: { op: "constant", value: "Microsoft" },
    InvoiceId: col("InvoiceId"),
    RegionId: {
      op: "lookup",
      column: "ResourceLocation",
      table: REGION_IDS,
      caseInsensitive: true,
      default: {
        op: "sql",
        sql: "CASE WHEN {{ResourceLocation}} IS NULL OR lower({{ResourceLocation}}) IN ('unassigned', 'global', 'unknown') THEN NULL ELSE lower(replace({{ResourceLocation}}, ' ', '')) END",
        reason: "a location the region table does not know: lower case without spaces, as Azure region ids are; Unassigned is no region",
      },
    },
    RegionName: {
      op: "lookup",
      column: "ResourceLocation",
      table: REGION_NAMES,
      caseInsensitive: true,
      default: {
        op: "sql",
        sql: "CASE WHEN {{ResourceLocation}} IS NULL OR lower({{ResourceLocation}}) IN ('unassigned', 'global', 'unknown') THEN NULL ELSE coalesce(CASE WHEN lower({{MeterRegion}}) <> 'unassigned' THEN {{MeterRegion}} END, {{Location}}, {{ResourceLocation}}) END",
        reason: "a location the region table does not know: the meter region, else MCA's display location, else the location itself",
      },
    },
    AvailabilityZone: col("AvailabilityZone"),
    ResourceId: col("ResourceId"),
    ResourceName: {
      op: "coalesce",
      args: [col("ResourceName"), { op: "sql", sql: "NULLIF(regexp_extract({{ResourceId}}, '[^/]+$'), '')", reason: "the resource name is the last segment of an Azure resource id" }],
    },
    ResourceType: {
      op: "coalesce",
      args: [
        col("ResourceType"),
        { op: "sql", sql: "NULLIF(regexp_extract({{ResourceId}}, '/providers/([^/]+/[^/]+)', 1), '')", reason: "EA/MCA cost details carry no resource type: it is the provider/type part of the resource id" },
      ],
    },
    ServiceCategory: { op: "lookup", column: "ConsumedService", table: SERVICE_CATEGORY, default: "Other", caseInsensitive: true },
    ServiceSubcategory: {
      op: "lookup",
      column: "ConsumedService",
      table: SERVICE_SUBCATEGORIES,
      caseInsensitive: true,
      default: { op: "lookup", column: "ConsumedService", table: OTHER_SUBCATEGORIES, default: "Other (Other)", caseInsensitive: true },
    },
    ServiceName: first("MeterCategory", "ServiceName", "ConsumedService"),
    SkuId: byChargeType({ Tax: null }, first("ProductId", "PartNumber", "MeterId")),
    SkuPriceId: byChargeType({ Tax: null }, col("MeterId")),
    SubAccountId: col("SubscriptionId"),
    SubAccountName: first("SubscriptionName", "SubscriptionId"),
    Tags: { op: "tagsJson", column: "Tags", bracesOptional: true },
    x_ChargeType: col("ChargeType"),
    x_ServiceCode: col("ConsumedService"),
    x_UsageType: first("MeterName", "MeterSubCategory"),
  },
};
