/**
 * The shape of a FOCUS conformance rule: severities, keywords and kinds, the condition tree that matches the
 * violating rows, the builders the rule set is written with (`isNull`, `and`, `notNullWhen`, …), and where each
 * column's requirement lives in the spec. Pure data; the rules are ./conformance-rules.ts, their SQL
 * ./conformance-sql.ts.
 */
import type { FocusColumnName } from "./columns.js";

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

export const isNull = (column: FocusColumnName): Condition => ({ op: "is-null", column });
export const isNotNull = (column: FocusColumnName): Condition => ({ op: "is-not-null", column });
export const equals = (column: FocusColumnName, value: string): Condition => ({ op: "equals", column, value });
export const notEquals = (column: FocusColumnName, value: string): Condition => ({ op: "not-equals", column, value });
export const isIn = (column: FocusColumnName, values: readonly string[]): Condition => ({ op: "in", column, values });
export const and = (...items: Condition[]): Condition => ({ op: "and", items });
export const or = (...items: Condition[]): Condition => ({ op: "or", items });
export const not = (item: Condition): Condition => ({ op: "not", item });

/** `ChargeClass is not "Correction"` */
export const NOT_CORRECTION = notEquals("ChargeClass", "Correction");
/** `ChargeCategory is "Usage" or "Purchase" and ChargeClass is not "Correction"` */
export const USAGE_OR_PURCHASE_NOT_CORRECTION = and(isIn("ChargeCategory", ["Usage", "Purchase"]), NOT_CORRECTION);
export const IS_TAX = equals("ChargeCategory", "Tax");

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

export type RuleInput = Omit<ConformanceRule, "id" | "specUrl" | "appliesWhenPresent" | "keyword" | "severity"> & {
  check: string;
  keyword?: RuleKeyword;
  severity?: RuleSeverity;
  appliesWhenPresent?: readonly FocusColumnName[];
};

export function rule(r: RuleInput): ConformanceRule {
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
export function notNullWhen(
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
export function nullWhen(column: FocusColumnName, check: string, when: Condition, requirement: string): ConformanceRule {
  return rule({
    column,
    check,
    kind: "null-when",
    requirement,
    description: `Rows where ${column} holds a value although the spec requires it to be null.`,
    violation: and(when, isNotNull(column)),
  });
}
