/**
 * FOCUS 1.2 conformance rules for a cost dataset, as data.
 *
 * Every rule is a row-level requirement of the FOCUS 1.2 specification that can be decided from the
 * data alone: a stable id, the column it belongs to, a severity (error for MUST, warning for SHOULD),
 * the normative statement it checks, and a condition that matches the *violating* rows. The condition
 * is a small expression tree over catalogue column names and catalogue constants; `violationSql`
 * compiles it to a SQL predicate (DuckDB dialect). Nothing here touches a database.
 *
 * Derived from the catalogue (./columns.ts): one "not null" rule per Mandatory column whose spec text
 * says "MUST NOT be null" (the exceptions are listed in MANDATORY_NULLABILITY), and one
 * "allowed values" rule per column with `allowedValues`. The conditional rules below are transcribed
 * from the FOCUS 1.2 column requirements
 * (https://github.com/FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec/tree/v1.2/specification/columns).
 *
 * Left out on purpose, because the data cannot decide them: requirements that hinge on provider
 * capabilities or intent (e.g. "EffectiveCost MUST be 0 when the purchase is intended to cover future
 * eligible charges", "ResourceId MUST NOT be null when a charge is related to a resource"), uniqueness
 * and consistency over time, and dataset-level sums (invoice totals, commitment amortization). The
 * spec states no ordering between charge and billing periods (corrections may charge earlier
 * periods), so there is no such rule.
 *
 * Presence: a Recommended or Conditional column need only be present when the provider supports the
 * feature. In the cost store every column exists, so a column with no value in the checked rows is
 * treated as absent; "not null" rules on such columns carry `appliesWhenPresent` and are reported as
 * not applicable when their column holds no value (the coverage report shows which columns are empty).
 */
import { assertNever, CostwiseError, type Problem } from "../errors.js";
import { FOCUS_COLUMNS, focusColumn, isFocusColumn, type FocusColumn, type FocusColumnName } from "./columns.js";

export const FOCUS_CONFORMANCE_VERSION = "1.2";

export const RULE_SEVERITIES = ["error", "warning"] as const;
export type RuleSeverity = (typeof RULE_SEVERITIES)[number];

export const RULE_KEYWORDS = ["MUST", "SHOULD"] as const;
export type RuleKeyword = (typeof RULE_KEYWORDS)[number];

export const RULE_KINDS = [
  "not-null", // the column must hold a value (possibly only under a condition)
  "null-when", // the column must be null under a condition
  "allowed-values", // the value must be one the spec fixes
  "format", // currency code, key-value format
  "period", // an inclusive start bound before its exclusive end bound
  "range", // e.g. non-negative unit prices
  "consistency", // cross-column requirements (unit price x quantity = cost, ...)
] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/**
 * A row predicate over catalogue columns. Every node compiles to a two-valued SQL boolean (never
 * NULL), so `not`, `and` and `or` mean what they say on rows with nulls.
 */
export type Condition =
  | { readonly op: "is-null"; readonly column: FocusColumnName }
  | { readonly op: "is-not-null"; readonly column: FocusColumnName }
  /** column = value (false when the column is null) */
  | { readonly op: "equals"; readonly column: FocusColumnName; readonly value: string }
  /** column is not value (true when the column is null) */
  | { readonly op: "not-equals"; readonly column: FocusColumnName; readonly value: string }
  /** column is one of values (false when the column is null) */
  | { readonly op: "in"; readonly column: FocusColumnName; readonly values: readonly string[] }
  /** column holds a value that is none of values (false when the column is null) */
  | { readonly op: "not-in"; readonly column: FocusColumnName; readonly values: readonly string[] }
  | { readonly op: "and"; readonly items: readonly Condition[] }
  | { readonly op: "or"; readonly items: readonly Condition[] }
  | { readonly op: "not"; readonly item: Condition }
  /** column holds a value that is not three upper-case letters (ISO 4217 alphabetic code format) */
  | { readonly op: "not-currency-code"; readonly column: FocusColumnName }
  /** both bounds hold a value and start is not before end */
  | { readonly op: "not-before"; readonly start: FocusColumnName; readonly end: FocusColumnName }
  /** column holds a negative value */
  | { readonly op: "negative"; readonly column: FocusColumnName }
  /** a MAP column with an empty or blank key */
  | { readonly op: "blank-key"; readonly column: FocusColumnName }
  /** a JSON column holding something other than an object */
  | { readonly op: "not-json-object"; readonly column: FocusColumnName }
  /**
   * All three hold a value and |a x b - product| exceeds `tolerance` (a decimal string). The product
   * is computed in DOUBLE: DECIMAL(38,10) x DECIMAL(38,10) overflows DECIMAL(38) on large values, and
   * the tolerance is far above DOUBLE's rounding at any plausible amount.
   */
  | {
      readonly op: "product-mismatch";
      readonly factors: readonly [FocusColumnName, FocusColumnName];
      readonly product: FocusColumnName;
      readonly tolerance: string;
    };

export interface ConformanceRule {
  /** Stable id, `<Column>.<check>`, e.g. "BilledCost.not-null". */
  readonly id: string;
  readonly column: FocusColumnName;
  readonly kind: RuleKind;
  /** The spec's keyword for the requirement. */
  readonly keyword: RuleKeyword;
  /** error for MUST, warning for SHOULD (and for a MUST the data can only suggest, see its description). */
  readonly severity: RuleSeverity;
  /** The normative statement checked, as FOCUS 1.2 words it. */
  readonly requirement: string;
  /** What the check does, for people reading a report. */
  readonly description: string;
  /** Where the requirement lives in the spec. */
  readonly specUrl: string;
  /** Matches the rows that violate the rule. */
  readonly violation: Condition;
  /** The rule applies only when these columns hold at least one value in the checked rows. */
  readonly appliesWhenPresent: readonly FocusColumnName[];
}

// ---------------------------------------------------------------------------------------------
// Condition builders

const isNull = (column: FocusColumnName): Condition => ({ op: "is-null", column });
const isNotNull = (column: FocusColumnName): Condition => ({ op: "is-not-null", column });
const equals = (column: FocusColumnName, value: string): Condition => ({ op: "equals", column, value });
const notEquals = (column: FocusColumnName, value: string): Condition => ({ op: "not-equals", column, value });
const isIn = (column: FocusColumnName, values: readonly string[]): Condition => ({ op: "in", column, values });
const and = (...items: Condition[]): Condition => ({ op: "and", items });
const or = (...items: Condition[]): Condition => ({ op: "or", items });
const not = (item: Condition): Condition => ({ op: "not", item });

/** `ChargeClass is not "Correction"` */
const NOT_CORRECTION = notEquals("ChargeClass", "Correction");
/** `ChargeCategory is "Usage" or "Purchase" and ChargeClass is not "Correction"` */
const USAGE_OR_PURCHASE_NOT_CORRECTION = and(isIn("ChargeCategory", ["Usage", "Purchase"]), NOT_CORRECTION);
const IS_TAX = equals("ChargeCategory", "Tax");

/**
 * Unit price x PricingQuantity must "match" the cost. Providers round costs; a difference below one
 * hundredth of the currency unit is treated as rounding, not as a violation.
 */
export const PRODUCT_TOLERANCE = "0.01";

// ---------------------------------------------------------------------------------------------
// Spec references

const SPEC_BASE = "https://github.com/FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec/blob/v1.2/specification";
/** Spec files whose name is not the lower-cased column id. */
const SPEC_FILE_OVERRIDES: Partial<Record<FocusColumnName, string>> = {
  ProviderName: "provider",
  PublisherName: "publisher",
  InvoiceIssuerName: "invoiceissuer",
};

export function specUrlOf(column: FocusColumnName): string {
  return `${SPEC_BASE}/columns/${SPEC_FILE_OVERRIDES[column] ?? column.toLowerCase()}.md`;
}

// ---------------------------------------------------------------------------------------------
// Rules

type RuleInput = Omit<ConformanceRule, "id" | "specUrl" | "appliesWhenPresent" | "keyword" | "severity"> & {
  check: string;
  keyword?: RuleKeyword;
  severity?: RuleSeverity;
  appliesWhenPresent?: readonly FocusColumnName[];
};

function rule(r: RuleInput): ConformanceRule {
  const keyword = r.keyword ?? "MUST";
  return {
    id: `${r.column}.${r.check}`,
    column: r.column,
    kind: r.kind,
    keyword,
    severity: r.severity ?? (keyword === "MUST" ? "error" : "warning"),
    requirement: r.requirement,
    description: r.description,
    specUrl: specUrlOf(r.column),
    violation: r.violation,
    appliesWhenPresent: r.appliesWhenPresent ?? [],
  };
}

const PRESENCE_NOTE =
  "The column is not Mandatory, so the rule applies only when it holds a value somewhere in the checked rows.";

/** A "MUST NOT be null when <condition>" rule on a non-Mandatory column, gated on the column's presence. */
function notNullWhen(
  column: FocusColumnName,
  when: Condition | undefined,
  requirement: string,
  extra: Partial<RuleInput> = {},
): ConformanceRule {
  return rule({
    column,
    check: "not-null",
    kind: "not-null",
    requirement,
    description: `Rows where ${column} is null although the spec requires a value. ${PRESENCE_NOTE}`,
    violation: when ? and(when, isNull(column)) : isNull(column),
    appliesWhenPresent: [column],
    ...extra,
  });
}

/** A "MUST be null when <condition>" rule. */
function nullWhen(column: FocusColumnName, check: string, when: Condition, requirement: string): ConformanceRule {
  return rule({
    column,
    check,
    kind: "null-when",
    requirement,
    description: `Rows where ${column} holds a value although the spec requires it to be null.`,
    violation: and(when, isNotNull(column)),
  });
}

/**
 * Mandatory columns whose nullability is not a plain "MUST NOT be null" in FOCUS 1.2, and how the
 * rule set handles each. Every other Mandatory column gets `<Column>.not-null` (error).
 */
export const MANDATORY_NULLABILITY: Readonly<Partial<Record<FocusColumnName, string>>> = {
  ChargeClass:
    "MUST be null unless the row corrects a previously invoiced billing period: no not-null rule, only allowed values",
  BillingAccountName:
    "MUST NOT be null when the provider supports naming billing accounts: warning, applies when any row has a name",
  ChargeDescription: "SHOULD NOT be null: warning",
  PricingQuantity: 'MUST NOT be null when ChargeCategory is "Usage" or "Purchase" and ChargeClass is not "Correction"',
  PricingUnit: "MUST NOT be null when PricingQuantity is not null",
};

function mandatoryNotNullRules(): ConformanceRule[] {
  return FOCUS_COLUMNS.filter((c) => c.featureLevel === "Mandatory" && !(c.name in MANDATORY_NULLABILITY)).map((c) =>
    rule({
      column: c.name,
      check: "not-null",
      kind: "not-null",
      requirement: `${c.name} MUST NOT be null.`,
      description: `Rows where ${c.name} is null. ${c.name} is a Mandatory column that allows no nulls.`,
      violation: isNull(c.name),
    }),
  );
}

function allowedValuesRules(): ConformanceRule[] {
  const out: ConformanceRule[] = [];
  for (const c of FOCUS_COLUMNS as readonly FocusColumn[]) {
    if (!c.allowedValues || !isFocusColumn(c.name)) continue;
    const list = c.allowedValues.map((v) => `"${v}"`).join(", ");
    out.push(
      rule({
        column: c.name,
        check: "allowed-values",
        kind: "allowed-values",
        requirement:
          c.name === "ChargeClass"
            ? 'ChargeClass MUST be "Correction" when ChargeClass is not null.'
            : `${c.name} MUST be one of the allowed values.`,
        description: `Rows where ${c.name} holds a value other than ${list} (case-sensitive; null is not checked here).`,
        violation: { op: "not-in", column: c.name, values: c.allowedValues },
      }),
    );
  }
  return out;
}

/** Nullability of the Mandatory columns that are not plain "MUST NOT be null". */
const MANDATORY_CONDITIONAL_RULES: readonly ConformanceRule[] = [
  notNullWhen(
    "BillingAccountName",
    undefined,
    "BillingAccountName MUST NOT be null when the provider supports assigning a display name for the billing account.",
    {
      severity: "warning",
      description:
        "Rows without a BillingAccountName while other rows in scope have one. Whether the provider supports naming billing accounts is not in the data, so this MUST is reported as a warning, and only when some row carries a name.",
    },
  ),
  rule({
    column: "ChargeDescription",
    check: "not-null",
    kind: "not-null",
    keyword: "SHOULD",
    requirement: "ChargeDescription SHOULD NOT be null.",
    description: "Rows where ChargeDescription is null.",
    violation: isNull("ChargeDescription"),
  }),
  rule({
    column: "PricingQuantity",
    check: "not-null",
    kind: "not-null",
    requirement: 'PricingQuantity MUST NOT be null when ChargeCategory is "Usage" or "Purchase" and ChargeClass is not "Correction".',
    description: "Usage and purchase rows (other than corrections) without a PricingQuantity.",
    violation: and(USAGE_OR_PURCHASE_NOT_CORRECTION, isNull("PricingQuantity")),
  }),
  nullWhen("PricingQuantity", "null-when-tax", IS_TAX, 'PricingQuantity MUST be null when ChargeCategory is "Tax".'),
  rule({
    column: "PricingUnit",
    check: "not-null",
    kind: "not-null",
    requirement: "PricingUnit MUST NOT be null when PricingQuantity is not null.",
    description: "Rows with a PricingQuantity but no PricingUnit.",
    violation: and(isNotNull("PricingQuantity"), isNull("PricingUnit")),
  }),
  nullWhen(
    "PricingUnit",
    "null-when-no-quantity",
    isNull("PricingQuantity"),
    "PricingUnit MUST be null when PricingQuantity is null.",
  ),
];

/** Conditional and Recommended column requirements that the data can decide. */
const CONDITIONAL_RULES: readonly ConformanceRule[] = [
  // Billing account and sub account
  nullWhen(
    "BillingAccountType",
    "null-when-no-account",
    isNull("BillingAccountId"),
    "BillingAccountType MUST be null when BillingAccountId is null.",
  ),
  notNullWhen(
    "BillingAccountType",
    isNotNull("BillingAccountId"),
    "BillingAccountType MUST NOT be null when BillingAccountId is not null.",
  ),
  nullWhen(
    "SubAccountName",
    "null-when-no-sub-account",
    isNull("SubAccountId"),
    "SubAccountName MUST be null when SubAccountId is null.",
  ),
  notNullWhen("SubAccountName", isNotNull("SubAccountId"), "SubAccountName MUST NOT be null when SubAccountId is not null."),
  nullWhen(
    "SubAccountType",
    "null-when-no-sub-account",
    isNull("SubAccountId"),
    "SubAccountType MUST be null when SubAccountId is null.",
  ),
  notNullWhen("SubAccountType", isNotNull("SubAccountId"), "SubAccountType MUST NOT be null when SubAccountId is not null."),

  // Charge
  notNullWhen("ChargeFrequency", undefined, "ChargeFrequency MUST NOT be null."),
  rule({
    column: "ChargeFrequency",
    check: "purchase-not-usage-based",
    kind: "consistency",
    requirement: 'ChargeFrequency MUST NOT be "Usage-Based" when ChargeCategory is "Purchase".',
    description: 'Purchase rows whose ChargeFrequency is "Usage-Based".',
    violation: and(equals("ChargeCategory", "Purchase"), equals("ChargeFrequency", "Usage-Based")),
  }),

  // Commitment discounts
  nullWhen(
    "CommitmentDiscountCategory",
    "null-when-no-commitment",
    isNull("CommitmentDiscountId"),
    "CommitmentDiscountCategory MUST be null when CommitmentDiscountId is null.",
  ),
  notNullWhen(
    "CommitmentDiscountCategory",
    isNotNull("CommitmentDiscountId"),
    "CommitmentDiscountCategory MUST NOT be null when CommitmentDiscountId is not null.",
  ),
  nullWhen(
    "CommitmentDiscountName",
    "null-when-no-commitment",
    isNull("CommitmentDiscountId"),
    "CommitmentDiscountName MUST be null when CommitmentDiscountId is null.",
  ),
  nullWhen(
    "CommitmentDiscountStatus",
    "null-when-no-commitment",
    isNull("CommitmentDiscountId"),
    "CommitmentDiscountStatus MUST be null when CommitmentDiscountId is null.",
  ),
  notNullWhen(
    "CommitmentDiscountStatus",
    and(isNotNull("CommitmentDiscountId"), equals("ChargeCategory", "Usage")),
    'CommitmentDiscountStatus MUST NOT be null when CommitmentDiscountId is not null and ChargeCategory is "Usage".',
  ),
  nullWhen(
    "CommitmentDiscountType",
    "null-when-no-commitment",
    isNull("CommitmentDiscountId"),
    "CommitmentDiscountType MUST be null when CommitmentDiscountId is null.",
  ),
  notNullWhen(
    "CommitmentDiscountType",
    isNotNull("CommitmentDiscountId"),
    "CommitmentDiscountType MUST NOT be null when CommitmentDiscountId is not null.",
  ),
  notNullWhen(
    "CommitmentDiscountQuantity",
    and(isIn("ChargeCategory", ["Usage", "Purchase"]), isNotNull("CommitmentDiscountId"), NOT_CORRECTION),
    'When ChargeCategory is "Usage" or "Purchase" and CommitmentDiscountId is not null, CommitmentDiscountQuantity MUST NOT be null when ChargeClass is not "Correction".',
  ),
  nullWhen(
    "CommitmentDiscountQuantity",
    "null-otherwise",
    not(and(isIn("ChargeCategory", ["Usage", "Purchase"]), isNotNull("CommitmentDiscountId"))),
    'CommitmentDiscountQuantity MUST be null in all other cases (unless ChargeCategory is "Usage" or "Purchase" and CommitmentDiscountId is not null).',
  ),
  nullWhen(
    "CommitmentDiscountUnit",
    "null-when-no-quantity",
    isNull("CommitmentDiscountQuantity"),
    "CommitmentDiscountUnit MUST be null when CommitmentDiscountQuantity is null.",
  ),
  notNullWhen(
    "CommitmentDiscountUnit",
    isNotNull("CommitmentDiscountQuantity"),
    "CommitmentDiscountUnit MUST NOT be null when CommitmentDiscountQuantity is not null.",
  ),

  // Capacity reservations
  nullWhen(
    "CapacityReservationStatus",
    "null-when-no-reservation",
    isNull("CapacityReservationId"),
    "CapacityReservationStatus MUST be null when CapacityReservationId is null.",
  ),
  notNullWhen(
    "CapacityReservationStatus",
    and(isNotNull("CapacityReservationId"), equals("ChargeCategory", "Usage")),
    'CapacityReservationStatus MUST NOT be null when CapacityReservationId is not null and ChargeCategory is "Usage".',
  ),

  // Usage measurement
  nullWhen(
    "ConsumedQuantity",
    "null-when-not-usage",
    or(notEquals("ChargeCategory", "Usage"), equals("CommitmentDiscountStatus", "Unused")),
    'ConsumedQuantity MUST be null when ChargeCategory is not "Usage", or when ChargeCategory is "Usage" and CommitmentDiscountStatus is "Unused".',
  ),
  notNullWhen(
    "ConsumedQuantity",
    and(equals("ChargeCategory", "Usage"), notEquals("CommitmentDiscountStatus", "Unused"), NOT_CORRECTION),
    'When ChargeCategory is "Usage" and CommitmentDiscountStatus is not "Unused", ConsumedQuantity MUST NOT be null when ChargeClass is not "Correction".',
  ),
  nullWhen(
    "ConsumedUnit",
    "null-when-no-quantity",
    isNull("ConsumedQuantity"),
    "ConsumedUnit MUST be null when ConsumedQuantity is null.",
  ),
  notNullWhen("ConsumedUnit", isNotNull("ConsumedQuantity"), "ConsumedUnit MUST NOT be null when ConsumedQuantity is not null."),

  // Pricing
  nullWhen("PricingCategory", "null-when-tax", IS_TAX, 'PricingCategory MUST be null when ChargeCategory is "Tax".'),
  notNullWhen(
    "PricingCategory",
    USAGE_OR_PURCHASE_NOT_CORRECTION,
    'PricingCategory MUST NOT be null when ChargeCategory is "Usage" or "Purchase" and ChargeClass is not "Correction".',
  ),
  notNullWhen("PricingCurrency", undefined, "PricingCurrency MUST NOT be null."),
  notNullWhen("PricingCurrencyEffectiveCost", undefined, "PricingCurrencyEffectiveCost MUST NOT be null."),
  ...unitPriceRules("ListUnitPrice"),
  ...unitPriceRules("ContractedUnitPrice"),
  ...unitPriceRules("PricingCurrencyListUnitPrice"),
  ...unitPriceRules("PricingCurrencyContractedUnitPrice"),
  productRule("ListCost", "ListUnitPrice"),
  productRule("ContractedCost", "ContractedUnitPrice"),

  // Region and resource
  nullWhen("RegionName", "null-when-no-region", isNull("RegionId"), "RegionName MUST be null when RegionId is null."),
  notNullWhen("RegionName", isNotNull("RegionId"), "RegionName MUST NOT be null when RegionId is not null."),
  nullWhen(
    "ResourceName",
    "null-when-no-resource",
    isNull("ResourceId"),
    "ResourceName MUST be null when ResourceId is null or when the resource does not have an assigned display name.",
  ),
  nullWhen("ResourceType", "null-when-no-resource", isNull("ResourceId"), "ResourceType MUST be null when ResourceId is null."),
  notNullWhen("ResourceType", isNotNull("ResourceId"), "ResourceType MUST NOT be null when ResourceId is not null."),

  // Service
  notNullWhen("ServiceSubcategory", undefined, "ServiceSubcategory MUST NOT be null."),

  // SKU
  nullWhen("SkuId", "null-when-tax", IS_TAX, 'SkuId MUST be null when ChargeCategory is "Tax".'),
  notNullWhen(
    "SkuId",
    USAGE_OR_PURCHASE_NOT_CORRECTION,
    'SkuId MUST NOT be null when ChargeCategory is "Usage" or "Purchase" and ChargeClass is not "Correction".',
  ),
  nullWhen("SkuMeter", "null-when-no-sku", isNull("SkuId"), "SkuMeter MUST be null when SkuId is null."),
  notNullWhen("SkuMeter", isNotNull("SkuId"), "SkuMeter SHOULD NOT be null when SkuId is not null.", { keyword: "SHOULD" }),
  nullWhen("SkuPriceId", "null-when-tax", IS_TAX, 'SkuPriceId MUST be null when ChargeCategory is "Tax".'),
  notNullWhen(
    "SkuPriceId",
    USAGE_OR_PURCHASE_NOT_CORRECTION,
    'SkuPriceId MUST NOT be null when ChargeCategory is "Usage" or "Purchase" and ChargeClass is not "Correction".',
  ),
  nullWhen(
    "SkuPriceDetails",
    "null-when-no-price-id",
    isNull("SkuPriceId"),
    "SkuPriceDetails MUST be null when SkuPriceId is null.",
  ),
  rule({
    column: "SkuPriceDetails",
    check: "key-value-format",
    kind: "format",
    requirement: "SkuPriceDetails MUST conform to KeyValueFormat requirements.",
    description: "Rows whose SkuPriceDetails is JSON but not a JSON object.",
    violation: { op: "not-json-object", column: "SkuPriceDetails" },
  }),

  // Tags
  rule({
    column: "Tags",
    check: "key-value-format",
    kind: "format",
    severity: "warning",
    requirement: "Tags MUST conform to KeyValueFormat requirements.",
    description:
      "Rows with an empty or blank tag key. KeyValueFormat itself (a JSON object with unique keys) holds by construction: ingestion rejects Tags that are not a JSON object and the store keeps Tags as a MAP, whose keys are unique. Empty keys are valid JSON, so this check is a warning: no provider emits them and they break tag-based allocation.",
    violation: { op: "blank-key", column: "Tags" },
  }),

  // Formats and periods
  rule({
    column: "BillingCurrency",
    check: "currency-format",
    kind: "format",
    requirement:
      "BillingCurrency MUST conform to CurrencyFormat requirements and MUST be expressed in national currency (a three-letter ISO 4217 code, e.g. USD, EUR).",
    description:
      "Rows whose BillingCurrency is not three upper-case letters. This checks the ISO 4217 alphabetic code format, not membership in the ISO 4217 list.",
    violation: { op: "not-currency-code", column: "BillingCurrency" },
  }),
  rule({
    column: "ChargePeriodStart",
    check: "before-end",
    kind: "period",
    requirement:
      "ChargePeriodStart MUST be the inclusive start bound and ChargePeriodEnd the exclusive end bound of the effective period of the charge.",
    description: "Rows whose ChargePeriodStart is not before their ChargePeriodEnd (an empty or inverted charge period).",
    violation: { op: "not-before", start: "ChargePeriodStart", end: "ChargePeriodEnd" },
  }),
  rule({
    column: "BillingPeriodStart",
    check: "before-end",
    kind: "period",
    requirement:
      "BillingPeriodStart MUST be the inclusive start bound and BillingPeriodEnd the exclusive end bound of the billing period.",
    description: "Rows whose BillingPeriodStart is not before their BillingPeriodEnd (an empty or inverted billing period).",
    violation: { op: "not-before", start: "BillingPeriodStart", end: "BillingPeriodEnd" },
  }),
];

/** Nullability and sign of a unit price column (ListUnitPrice, ContractedUnitPrice and their pricing-currency twins). */
function unitPriceRules(
  column: "ListUnitPrice" | "ContractedUnitPrice" | "PricingCurrencyListUnitPrice" | "PricingCurrencyContractedUnitPrice",
): ConformanceRule[] {
  return [
    nullWhen(column, "null-when-tax", IS_TAX, `${column} MUST be null when ChargeCategory is "Tax".`),
    notNullWhen(
      column,
      USAGE_OR_PURCHASE_NOT_CORRECTION,
      `${column} MUST NOT be null when ChargeCategory is "Usage" or "Purchase" and ChargeClass is not "Correction".`,
    ),
    rule({
      column,
      check: "non-negative",
      kind: "range",
      requirement: `${column} MUST be a non-negative decimal value.`,
      description: `Rows with a negative ${column}.`,
      violation: { op: "negative", column },
    }),
  ];
}

function productRule(cost: "ListCost" | "ContractedCost", unitPrice: "ListUnitPrice" | "ContractedUnitPrice"): ConformanceRule {
  return rule({
    column: cost,
    check: "unit-price-product",
    kind: "consistency",
    requirement: `The product of ${unitPrice} and PricingQuantity MUST match the ${cost} when ${unitPrice} is not null, PricingQuantity is not null, and ChargeClass is not "Correction".`,
    description: `Rows (other than corrections) where ${unitPrice} x PricingQuantity differs from ${cost} by more than ${PRODUCT_TOLERANCE} (rounding allowance).`,
    violation: and(NOT_CORRECTION, {
      op: "product-mismatch",
      factors: [unitPrice, "PricingQuantity"],
      product: cost,
      tolerance: PRODUCT_TOLERANCE,
    }),
  });
}

/** The FOCUS 1.2 conformance rule set, in a stable order (mandatory not-null, allowed values, the rest). */
export const CONFORMANCE_RULES: readonly ConformanceRule[] = [
  ...mandatoryNotNullRules(),
  ...MANDATORY_CONDITIONAL_RULES,
  ...allowedValuesRules(),
  ...CONDITIONAL_RULES,
];

const RULES_BY_ID: ReadonlyMap<string, ConformanceRule> = new Map(CONFORMANCE_RULES.map((r) => [r.id, r]));

export function conformanceRule(id: string): ConformanceRule | undefined {
  return RULES_BY_ID.get(id);
}

// ---------------------------------------------------------------------------------------------
// Compilation to SQL

/** A catalogue column as a quoted SQL identifier. Refuses anything that is not a catalogue name. */
export function columnSql(name: string): string {
  if (!isFocusColumn(name) || !/^[A-Za-z][A-Za-z0-9]*$/.test(name)) {
    throw new CostwiseError("INTERNAL", `conformance rule names an unknown column: ${JSON.stringify(name)}`);
  }
  return `"${name}"`;
}

/** A constant as a SQL string literal (single quotes doubled). */
export function stringLiteralSql(value: string): string {
  if (/[\u0000-\u001f]/.test(value)) {
    throw new CostwiseError("INTERNAL", `conformance rule constant has a control character: ${JSON.stringify(value)}`);
  }
  return `'${value.replaceAll("'", "''")}'`;
}

function decimalLiteralSql(value: string): string {
  if (!/^\d+(\.\d+)?$/.test(value)) {
    throw new CostwiseError("INTERNAL", `conformance rule tolerance is not a decimal: ${JSON.stringify(value)}`);
  }
  return value;
}

function listSql(values: readonly string[]): string {
  if (values.length === 0) throw new CostwiseError("INTERNAL", "conformance rule has an empty value list");
  return values.map(stringLiteralSql).join(", ");
}

/** Compiles a condition to a DuckDB boolean expression that is never NULL. */
export function conditionSql(c: Condition): string {
  switch (c.op) {
    case "is-null":
      return `${columnSql(c.column)} IS NULL`;
    case "is-not-null":
      return `${columnSql(c.column)} IS NOT NULL`;
    case "equals":
      return `${columnSql(c.column)} IS NOT DISTINCT FROM ${stringLiteralSql(c.value)}`;
    case "not-equals":
      return `${columnSql(c.column)} IS DISTINCT FROM ${stringLiteralSql(c.value)}`;
    case "in": {
      const col = columnSql(c.column);
      return `(${col} IS NOT NULL AND ${col} IN (${listSql(c.values)}))`;
    }
    case "not-in": {
      const col = columnSql(c.column);
      return `(${col} IS NOT NULL AND ${col} NOT IN (${listSql(c.values)}))`;
    }
    case "and":
    case "or": {
      if (c.items.length === 0) throw new CostwiseError("INTERNAL", `empty '${c.op}' in a conformance rule`);
      if (c.items.length === 1) return conditionSql(c.items[0]!);
      return `(${c.items.map(conditionSql).join(c.op === "and" ? " AND " : " OR ")})`;
    }
    case "not":
      return `(NOT ${conditionSql(c.item)})`;
    case "not-currency-code": {
      const col = columnSql(c.column);
      return `(${col} IS NOT NULL AND NOT regexp_full_match(${col}, '[A-Z]{3}'))`;
    }
    case "not-before": {
      const start = columnSql(c.start);
      const end = columnSql(c.end);
      return `(${start} IS NOT NULL AND ${end} IS NOT NULL AND ${start} >= ${end})`;
    }
    case "negative": {
      const col = columnSql(c.column);
      return `(${col} IS NOT NULL AND ${col} < 0)`;
    }
    case "blank-key": {
      const col = columnSql(c.column);
      return `(${col} IS NOT NULL AND len(list_filter(map_keys(${col}), k -> k IS NULL OR trim(k) = '')) > 0)`;
    }
    case "not-json-object": {
      const col = columnSql(c.column);
      return `(${col} IS NOT NULL AND json_type(${col}) IS DISTINCT FROM 'OBJECT')`;
    }
    case "product-mismatch": {
      const [a, b] = c.factors.map(columnSql) as [string, string];
      const p = columnSql(c.product);
      return (
        `(${a} IS NOT NULL AND ${b} IS NOT NULL AND ${p} IS NOT NULL AND ` +
        `abs(CAST(${a} AS DOUBLE) * CAST(${b} AS DOUBLE) - CAST(${p} AS DOUBLE)) > ${decimalLiteralSql(c.tolerance)})`
      );
    }
    default:
      return assertNever(c, "condition");
  }
}

/** The SQL predicate matching the rows that violate `rule`. */
export function violationSql(r: ConformanceRule): string {
  return conditionSql(r.violation);
}

/** The columns a condition reads, in first-mention order (the values worth showing in an example). */
export function conditionColumns(c: Condition): FocusColumnName[] {
  const out: FocusColumnName[] = [];
  const add = (n: FocusColumnName): void => {
    if (!out.includes(n)) out.push(n);
  };
  const walk = (x: Condition): void => {
    switch (x.op) {
      case "is-null":
      case "is-not-null":
      case "equals":
      case "not-equals":
      case "in":
      case "not-in":
      case "not-currency-code":
      case "negative":
      case "blank-key":
      case "not-json-object":
        add(x.column);
        return;
      case "and":
      case "or":
        x.items.forEach(walk);
        return;
      case "not":
        walk(x.item);
        return;
      case "not-before":
        add(x.start);
        add(x.end);
        return;
      case "product-mismatch":
        add(x.factors[0]);
        add(x.factors[1]);
        add(x.product);
        return;
      default:
        assertNever(x, "condition");
    }
  };
  walk(c);
  return out;
}

/** The columns to show for a violating row: the rule's own column first, then the others it reads. */
export function ruleColumns(r: ConformanceRule): FocusColumnName[] {
  return [r.column, ...conditionColumns(r.violation).filter((n) => n !== r.column)];
}

/** Sanity problems in a rule set (duplicate ids, unknown columns): values, not exceptions. */
export function ruleSetProblems(rules: readonly ConformanceRule[] = CONFORMANCE_RULES): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const r of rules) {
    if (seen.has(r.id)) problems.push({ code: "DUPLICATE_RULE_ID", message: `duplicate rule id ${r.id}`, path: r.id });
    seen.add(r.id);
    for (const n of [r.column, ...conditionColumns(r.violation), ...r.appliesWhenPresent]) {
      if (!focusColumn(n)) problems.push({ code: "UNKNOWN_COLUMN", message: `${r.id} names unknown column ${n}`, path: r.id });
    }
    if (r.keyword === "SHOULD" && r.severity !== "warning") {
      problems.push({ code: "SEVERITY_MISMATCH", message: `${r.id} is a SHOULD but not a warning`, path: r.id });
    }
  }
  return problems;
}
