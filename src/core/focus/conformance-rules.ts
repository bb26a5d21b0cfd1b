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
 *
 * This module holds the rule set; the rule model and builders are ./conformance-model.ts and the compilation
 * to SQL ./conformance-sql.ts (both re-exported here).
 */import type { Problem } from "../errors.js";
import { FOCUS_COLUMNS, columnInVersion, focusColumn, isFocusColumn, type FocusColumn, type FocusColumnName } from "./columns.js";
import {
  and,
  equals,
  IS_TAX,
  isIn,
  isNotNull,
  isNull,
  not,
  NOT_CORRECTION,
  notEquals,
  notNullWhen,
  nullWhen,
  or,
  PRODUCT_TOLERANCE,
  rule,
  USAGE_OR_PURCHASE_NOT_CORRECTION,
  type ConformanceRule,
} from "./conformance-model.js";
import { conditionColumns } from "./conformance-sql.js";

export {
  FOCUS_CONFORMANCE_VERSION,
  PRODUCT_TOLERANCE,
  RULE_KEYWORDS,
  RULE_KINDS,
  RULE_SEVERITIES,
  specUrlOf,
  type Condition,
  type ConformanceRule,
  type RuleKeyword,
  type RuleKind,
  type RuleSeverity,
} from "./conformance-model.js";
export * from "./conformance-sql.js";

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
  // the rules are FOCUS 1.2's: columns of later versions (ServiceProviderName, HostProviderName) are not checked here
  return FOCUS_COLUMNS.filter((c) => c.featureLevel === "Mandatory" && columnInVersion(c, "1.2") && !(c.name in MANDATORY_NULLABILITY)).map((c) =>
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
