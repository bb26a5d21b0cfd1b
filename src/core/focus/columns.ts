/**
 * The FOCUS 1.2 column catalogue, as data.
 *
 * Source: ../shared/fixtures/lookups/focus-1.2-columns.csv (FinOps Foundation FOCUS spec, CC-BY-4.0),
 * cross-checked with the FOCUS dataset metadata (FocusCost_1.2-preview.json). Allowed values are those
 * the spec fixes. One correction: the catalogue CSV types ConsumedUnit as Decimal; the spec says String.
 */

export const FEATURE_LEVELS = ["Mandatory", "Recommended", "Conditional"] as const;
export type FeatureLevel = (typeof FEATURE_LEVELS)[number];

export const COLUMN_TYPES = ["dimension", "metric"] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export const FOCUS_DATA_TYPES = ["String", "Decimal", "DateTime", "JSON"] as const;
export type FocusDataType = (typeof FOCUS_DATA_TYPES)[number];

export const FOCUS_VERSIONS = ["1.0", "1.1", "1.2"] as const;
export type FocusVersion = (typeof FOCUS_VERSIONS)[number];

export interface FocusColumn {
  readonly name: string;
  readonly featureLevel: FeatureLevel;
  readonly columnType: ColumnType;
  readonly dataType: FocusDataType;
  /** The spec version that introduced the column ("0.5", "1.0-preview", "1.0", "1.1", "1.2"). */
  readonly introduced: string;
  /** Values the spec fixes; absent when the provider chooses the values. */
  readonly allowedValues?: readonly string[];
}

export const FOCUS_COLUMNS = [
  { name: "BilledCost", featureLevel: "Mandatory", columnType: "metric", dataType: "Decimal", introduced: "0.5" },
  { name: "BillingAccountId", featureLevel: "Mandatory", columnType: "dimension", dataType: "String", introduced: "0.5" },
  { name: "BillingAccountName", featureLevel: "Mandatory", columnType: "dimension", dataType: "String", introduced: "0.5" },
  { name: "BillingCurrency", featureLevel: "Mandatory", columnType: "dimension", dataType: "String", introduced: "0.5" },
  { name: "BillingPeriodEnd", featureLevel: "Mandatory", columnType: "dimension", dataType: "DateTime", introduced: "0.5" },
  { name: "BillingPeriodStart", featureLevel: "Mandatory", columnType: "dimension", dataType: "DateTime", introduced: "0.5" },
  { name: "ChargeCategory", featureLevel: "Mandatory", columnType: "dimension", dataType: "String", introduced: "0.5", allowedValues: ["Usage", "Purchase", "Tax", "Credit", "Adjustment"] },
  { name: "ChargeClass", featureLevel: "Mandatory", columnType: "dimension", dataType: "String", introduced: "1.0", allowedValues: ["Correction"] },
  { name: "ChargeDescription", featureLevel: "Mandatory", columnType: "dimension", dataType: "String", introduced: "1.0-preview" },
  { name: "ChargePeriodEnd", featureLevel: "Mandatory", columnType: "dimension", dataType: "DateTime", introduced: "0.5" },
  { name: "ChargePeriodStart", featureLevel: "Mandatory", columnType: "dimension", dataType: "DateTime", introduced: "0.5" },
  { name: "ContractedCost", featureLevel: "Mandatory", columnType: "metric", dataType: "Decimal", introduced: "1.0" },
  { name: "EffectiveCost", featureLevel: "Mandatory", columnType: "metric", dataType: "Decimal", introduced: "0.5" },
  { name: "InvoiceIssuerName", featureLevel: "Mandatory", columnType: "dimension", dataType: "String", introduced: "0.5" },
  { name: "ListCost", featureLevel: "Mandatory", columnType: "metric", dataType: "Decimal", introduced: "1.0-preview" },
  { name: "PricingQuantity", featureLevel: "Mandatory", columnType: "metric", dataType: "Decimal", introduced: "1.0-preview" },
  { name: "PricingUnit", featureLevel: "Mandatory", columnType: "dimension", dataType: "String", introduced: "1.0-preview" },
  { name: "ProviderName", featureLevel: "Mandatory", columnType: "dimension", dataType: "String", introduced: "0.5" },
  { name: "PublisherName", featureLevel: "Mandatory", columnType: "dimension", dataType: "String", introduced: "0.5" },
  { name: "ServiceCategory", featureLevel: "Mandatory", columnType: "dimension", dataType: "String", introduced: "0.5", allowedValues: ["AI and Machine Learning", "Analytics", "Business Applications", "Compute", "Databases", "Developer Tools", "Multicloud", "Identity", "Integration", "Internet of Things", "Management and Governance", "Media", "Migration", "Mobile", "Networking", "Security", "Storage", "Web", "Other"] },
  { name: "ServiceName", featureLevel: "Mandatory", columnType: "dimension", dataType: "String", introduced: "0.5" },
  { name: "AvailabilityZone", featureLevel: "Recommended", columnType: "dimension", dataType: "String", introduced: "0.5" },
  { name: "ChargeFrequency", featureLevel: "Recommended", columnType: "dimension", dataType: "String", introduced: "1.0-preview", allowedValues: ["One-Time", "Recurring", "Usage-Based"] },
  { name: "InvoiceId", featureLevel: "Recommended", columnType: "dimension", dataType: "String", introduced: "1.2" },
  { name: "ServiceSubcategory", featureLevel: "Recommended", columnType: "dimension", dataType: "String", introduced: "1.1" },
  { name: "BillingAccountType", featureLevel: "Conditional", columnType: "dimension", dataType: "String", introduced: "1.2" },
  { name: "CapacityReservationId", featureLevel: "Conditional", columnType: "dimension", dataType: "String", introduced: "1.1" },
  { name: "CapacityReservationStatus", featureLevel: "Conditional", columnType: "dimension", dataType: "String", introduced: "1.1", allowedValues: ["Used", "Unused"] },
  { name: "CommitmentDiscountCategory", featureLevel: "Conditional", columnType: "dimension", dataType: "String", introduced: "1.0-preview", allowedValues: ["Spend", "Usage"] },
  { name: "CommitmentDiscountId", featureLevel: "Conditional", columnType: "dimension", dataType: "String", introduced: "1.0-preview" },
  { name: "CommitmentDiscountName", featureLevel: "Conditional", columnType: "dimension", dataType: "String", introduced: "1.0-preview" },
  { name: "CommitmentDiscountQuantity", featureLevel: "Conditional", columnType: "metric", dataType: "Decimal", introduced: "1.1" },
  { name: "CommitmentDiscountStatus", featureLevel: "Conditional", columnType: "dimension", dataType: "String", introduced: "1.0", allowedValues: ["Used", "Unused"] },
  { name: "CommitmentDiscountType", featureLevel: "Conditional", columnType: "dimension", dataType: "String", introduced: "1.0-preview" },
  { name: "CommitmentDiscountUnit", featureLevel: "Conditional", columnType: "dimension", dataType: "String", introduced: "1.1" },
  { name: "ConsumedQuantity", featureLevel: "Conditional", columnType: "metric", dataType: "Decimal", introduced: "1.0" },
  { name: "ConsumedUnit", featureLevel: "Conditional", columnType: "dimension", dataType: "String", introduced: "1.0" },
  { name: "ContractedUnitPrice", featureLevel: "Conditional", columnType: "metric", dataType: "Decimal", introduced: "1.0" },
  { name: "ListUnitPrice", featureLevel: "Conditional", columnType: "metric", dataType: "Decimal", introduced: "1.0-preview" },
  { name: "PricingCategory", featureLevel: "Conditional", columnType: "dimension", dataType: "String", introduced: "1.0-preview", allowedValues: ["Standard", "Dynamic", "Committed", "Other"] },
  { name: "PricingCurrency", featureLevel: "Conditional", columnType: "dimension", dataType: "String", introduced: "1.2" },
  { name: "PricingCurrencyContractedUnitPrice", featureLevel: "Conditional", columnType: "metric", dataType: "Decimal", introduced: "1.2" },
  { name: "PricingCurrencyEffectiveCost", featureLevel: "Conditional", columnType: "metric", dataType: "Decimal", introduced: "1.2" },
  { name: "PricingCurrencyListUnitPrice", featureLevel: "Conditional", columnType: "metric", dataType: "Decimal", introduced: "1.2" },
  { name: "RegionId", featureLevel: "Conditional", columnType: "dimension", dataType: "String", introduced: "1.0" },
  { name: "RegionName", featureLevel: "Conditional", columnType: "dimension", dataType: "String", introduced: "1.0" },
  { name: "ResourceId", featureLevel: "Conditional", columnType: "dimension", dataType: "String", introduced: "0.5" },
  { name: "ResourceName", featureLevel: "Conditional", columnType: "dimension", dataType: "String", introduced: "0.5" },
  { name: "ResourceType", featureLevel: "Conditional", columnType: "dimension", dataType: "String", introduced: "1.0-preview" },
  { name: "SkuId", featureLevel: "Conditional", columnType: "dimension", dataType: "String", introduced: "1.0-preview" },
  { name: "SkuMeter", featureLevel: "Conditional", columnType: "dimension", dataType: "String", introduced: "1.1" },
  { name: "SkuPriceDetails", featureLevel: "Conditional", columnType: "dimension", dataType: "JSON", introduced: "1.1" },
  { name: "SkuPriceId", featureLevel: "Conditional", columnType: "dimension", dataType: "String", introduced: "1.0-preview" },
  { name: "SubAccountId", featureLevel: "Conditional", columnType: "dimension", dataType: "String", introduced: "0.5" },
  { name: "SubAccountName", featureLevel: "Conditional", columnType: "dimension", dataType: "String", introduced: "0.5" },
  { name: "SubAccountType", featureLevel: "Conditional", columnType: "dimension", dataType: "String", introduced: "1.2" },
  { name: "Tags", featureLevel: "Conditional", columnType: "dimension", dataType: "JSON", introduced: "1.0-preview" },
] as const satisfies readonly FocusColumn[];

export type FocusColumnName = (typeof FOCUS_COLUMNS)[number]["name"];

const BY_NAME: ReadonlyMap<string, FocusColumn> = new Map(FOCUS_COLUMNS.map((c) => [c.name, c as FocusColumn]));

export function focusColumn(name: string): FocusColumn | undefined {
  return BY_NAME.get(name);
}

export function isFocusColumn(name: string): name is FocusColumnName {
  return BY_NAME.has(name);
}

const VERSION_ORDER = ["0.5", "1.0-preview", "1.0", "1.1", "1.2"];

/** Whether a column exists in the given FOCUS version. */
export function columnInVersion(column: FocusColumn, version: FocusVersion): boolean {
  return VERSION_ORDER.indexOf(column.introduced) <= VERSION_ORDER.indexOf(version);
}

/** Money-valued metrics (the ones a query may sum as cost). */
export const COST_METRICS = ["BilledCost", "EffectiveCost", "ListCost", "ContractedCost"] as const;
export type CostMetric = (typeof COST_METRICS)[number];
