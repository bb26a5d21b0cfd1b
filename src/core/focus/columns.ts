/**
 * The FOCUS column catalogue (Cost and Usage dataset, 1.0 to 1.4), as data.
 *
 * Source: ../shared/fixtures/lookups/focus-1.2-columns.csv (FinOps Foundation FOCUS spec, CC-BY-4.0),
 * cross-checked with the FOCUS dataset metadata (FocusCost_1.2-preview.json). Allowed values are those
 * the spec fixes. One correction: the catalogue CSV types ConsumedUnit as Decimal; the spec says String.
 * FOCUS 1.3 and 1.4 columns from the spec repository (FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec,
 * specification/datasets/cost_and_usage/columns): 1.3 adds split cost allocation (Allocated*), ContractApplied,
 * ServiceProviderName and HostProviderName and deprecates ProviderName and PublisherName; 1.4 adds InvoiceDetailId
 * and CommitmentProgramEligibilityDetails and removes ProviderName and PublisherName (`removed`). The store keeps
 * every column of every version, so a 1.2 export and a 1.4 file both fit.
 */

export const FEATURE_LEVELS = ["Mandatory", "Recommended", "Conditional"] as const;
export type FeatureLevel = (typeof FEATURE_LEVELS)[number];

export const COLUMN_TYPES = ["dimension", "metric"] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export const FOCUS_DATA_TYPES = ["String", "Decimal", "DateTime", "JSON"] as const;
export type FocusDataType = (typeof FOCUS_DATA_TYPES)[number];

export const FOCUS_VERSIONS = ["1.0", "1.1", "1.2", "1.3", "1.4"] as const;
export type FocusVersion = (typeof FOCUS_VERSIONS)[number];

export interface FocusColumn {
  readonly name: string;
  readonly featureLevel: FeatureLevel;
  readonly columnType: ColumnType;
  readonly dataType: FocusDataType;
  /** The spec version that introduced the column ("0.5", "1.0-preview", "1.0", "1.1", "1.2"). */
  readonly introduced: string;
  /** The version that removed the column (ProviderName, PublisherName: "1.4"); absent while it is in the spec. */
  readonly removed?: string;
  /** The version that deprecated the column (still present, to be removed). */
  readonly deprecated?: string;
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
  { name: "HostProviderName", featureLevel: "Mandatory", columnType: "dimension", dataType: "String", introduced: "1.3" },
  { name: "InvoiceIssuerName", featureLevel: "Mandatory", columnType: "dimension", dataType: "String", introduced: "0.5" },
  { name: "ListCost", featureLevel: "Mandatory", columnType: "metric", dataType: "Decimal", introduced: "1.0-preview" },
  { name: "PricingQuantity", featureLevel: "Mandatory", columnType: "metric", dataType: "Decimal", introduced: "1.0-preview" },
  { name: "PricingUnit", featureLevel: "Mandatory", columnType: "dimension", dataType: "String", introduced: "1.0-preview" },
  { name: "ProviderName", featureLevel: "Mandatory", columnType: "dimension", dataType: "String", introduced: "0.5", deprecated: "1.3", removed: "1.4" },
  { name: "PublisherName", featureLevel: "Mandatory", columnType: "dimension", dataType: "String", introduced: "0.5", deprecated: "1.3", removed: "1.4" },
  { name: "ServiceCategory", featureLevel: "Mandatory", columnType: "dimension", dataType: "String", introduced: "0.5", allowedValues: ["AI and Machine Learning", "Analytics", "Business Applications", "Compute", "Databases", "Developer Tools", "Multicloud", "Identity", "Integration", "Internet of Things", "Management and Governance", "Media", "Migration", "Mobile", "Networking", "Security", "Storage", "Web", "Other"] },
  { name: "ServiceName", featureLevel: "Mandatory", columnType: "dimension", dataType: "String", introduced: "0.5" },
  { name: "ServiceProviderName", featureLevel: "Mandatory", columnType: "dimension", dataType: "String", introduced: "1.3" },
  { name: "AvailabilityZone", featureLevel: "Recommended", columnType: "dimension", dataType: "String", introduced: "0.5" },
  { name: "ChargeFrequency", featureLevel: "Recommended", columnType: "dimension", dataType: "String", introduced: "1.0-preview", allowedValues: ["One-Time", "Recurring", "Usage-Based"] },
  { name: "InvoiceId", featureLevel: "Recommended", columnType: "dimension", dataType: "String", introduced: "1.2" },
  { name: "ServiceSubcategory", featureLevel: "Recommended", columnType: "dimension", dataType: "String", introduced: "1.1" },
  { name: "AllocatedMethodDetails", featureLevel: "Conditional", columnType: "dimension", dataType: "JSON", introduced: "1.3" },
  { name: "AllocatedMethodId", featureLevel: "Conditional", columnType: "dimension", dataType: "String", introduced: "1.3" },
  { name: "AllocatedResourceId", featureLevel: "Conditional", columnType: "dimension", dataType: "String", introduced: "1.3" },
  { name: "AllocatedResourceName", featureLevel: "Conditional", columnType: "dimension", dataType: "String", introduced: "1.3" },
  { name: "AllocatedTags", featureLevel: "Conditional", columnType: "dimension", dataType: "JSON", introduced: "1.3" },
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
  { name: "CommitmentProgramEligibilityDetails", featureLevel: "Conditional", columnType: "dimension", dataType: "JSON", introduced: "1.4" },
  { name: "ConsumedQuantity", featureLevel: "Conditional", columnType: "metric", dataType: "Decimal", introduced: "1.0" },
  { name: "ConsumedUnit", featureLevel: "Conditional", columnType: "dimension", dataType: "String", introduced: "1.0" },
  { name: "ContractApplied", featureLevel: "Conditional", columnType: "dimension", dataType: "JSON", introduced: "1.3" },
  { name: "ContractedUnitPrice", featureLevel: "Conditional", columnType: "metric", dataType: "Decimal", introduced: "1.0" },
  { name: "InvoiceDetailId", featureLevel: "Conditional", columnType: "dimension", dataType: "String", introduced: "1.4" },
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

const VERSION_ORDER = ["0.5", "1.0-preview", "1.0", "1.1", "1.2", "1.3", "1.4"];

/** Whether a column exists in the given FOCUS version (introduced by then, not yet removed). */
export function columnInVersion(column: FocusColumn, version: FocusVersion): boolean {
  const v = VERSION_ORDER.indexOf(version);
  if (VERSION_ORDER.indexOf(column.introduced) > v) return false;
  return column.removed === undefined || VERSION_ORDER.indexOf(column.removed) > v;
}

/** The Cost and Usage columns of one FOCUS version, in catalogue order. */
export function columnsOfVersion(version: FocusVersion): readonly FocusColumn[] {
  return (FOCUS_COLUMNS as readonly FocusColumn[]).filter((c) => columnInVersion(c, version));
}

export function isFocusVersion(v: string): v is FocusVersion {
  return (FOCUS_VERSIONS as readonly string[]).includes(v);
}

/** Money-valued metrics (the ones a query may sum as cost). */
export const COST_METRICS = ["BilledCost", "EffectiveCost", "ListCost", "ContractedCost"] as const;
export type CostMetric = (typeof COST_METRICS)[number];

/**
 * The Contract Commitment dataset (introduced in FOCUS 1.3): one row per contract commitment, joined to Cost and
 * Usage through ContractApplied's ContractCommitmentId (spec: specification/datasets/contract_commitment).
 */
export const CONTRACT_COMMITMENT_COLUMNS = [
  { name: "BillingCurrency", featureLevel: "Mandatory", columnType: "dimension", dataType: "String", introduced: "1.3" },
  { name: "ContractCommitmentCategory", featureLevel: "Mandatory", columnType: "dimension", dataType: "String", introduced: "1.3", allowedValues: ["Spend", "Usage"] },
  { name: "ContractCommitmentCost", featureLevel: "Mandatory", columnType: "metric", dataType: "Decimal", introduced: "1.3" },
  { name: "ContractCommitmentDescription", featureLevel: "Mandatory", columnType: "dimension", dataType: "String", introduced: "1.3" },
  { name: "ContractCommitmentId", featureLevel: "Mandatory", columnType: "dimension", dataType: "String", introduced: "1.3" },
  { name: "ContractCommitmentPeriodEnd", featureLevel: "Mandatory", columnType: "dimension", dataType: "DateTime", introduced: "1.3" },
  { name: "ContractCommitmentPeriodStart", featureLevel: "Mandatory", columnType: "dimension", dataType: "DateTime", introduced: "1.3" },
  { name: "ContractCommitmentQuantity", featureLevel: "Mandatory", columnType: "metric", dataType: "Decimal", introduced: "1.3" },
  { name: "ContractCommitmentType", featureLevel: "Mandatory", columnType: "dimension", dataType: "String", introduced: "1.3" },
  { name: "ContractCommitmentUnit", featureLevel: "Mandatory", columnType: "dimension", dataType: "String", introduced: "1.3" },
  { name: "ContractId", featureLevel: "Mandatory", columnType: "dimension", dataType: "String", introduced: "1.3" },
  { name: "ContractPeriodEnd", featureLevel: "Mandatory", columnType: "dimension", dataType: "DateTime", introduced: "1.3" },
  { name: "ContractPeriodStart", featureLevel: "Mandatory", columnType: "dimension", dataType: "DateTime", introduced: "1.3" },
] as const satisfies readonly FocusColumn[];
