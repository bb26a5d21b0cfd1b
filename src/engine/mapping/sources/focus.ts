/**
 * FOCUS files (CSV or Parquet, FOCUS 1.0 to 1.2, any provider) → the store's FOCUS 1.2 columns.
 *
 * Columns keep their names; the few renamed between versions are read under either name
 * (ChargeType → ChargeCategory, UsageQuantity/UsageUnit → ConsumedQuantity/ConsumedUnit in pre-1.0
 * exports). Tags is a JSON object; an invalid one is an ingest error naming the row.
 */
import { FOCUS_COLUMNS, type FocusColumnName } from "../../../core/focus/columns.js";
import { KEY_COLUMN_CHECKS, type MappingExpr, type SourceColumn, type SourceMapping, type SourceType } from "../mapping.js";

const RENAMED: Partial<Record<FocusColumnName, string>> = {
  ChargeCategory: "ChargeType",
  ConsumedQuantity: "UsageQuantity",
  ConsumedUnit: "UsageUnit",
};

function typeOf(dataType: string): SourceType {
  switch (dataType) {
    case "Decimal":
      return "decimal";
    case "DateTime":
      return "timestamp";
    case "JSON":
      return "json";
    default:
      return "string";
  }
}

const REQUIRED = new Set(["BilledCost", "BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd"]);

/** The FOCUS version a file's columns indicate (newest column wins). */
export function focusVersionOf(columns: readonly string[]): "1.0" | "1.1" | "1.2" {
  const has = (c: string) => columns.includes(c);
  const is11 = has("ServiceSubcategory") || has("SkuMeter") || has("CapacityReservationId") || has("CommitmentDiscountQuantity");
  // Microsoft's FOCUS 1.0 export already carries BillingAccountType and SubAccountType: alone they do not make 1.2
  if (has("InvoiceId") || has("PricingCurrency") || ((has("BillingAccountType") || has("SubAccountType")) && is11)) return "1.2";
  if (is11) return "1.1";
  return "1.0";
}

export function buildFocusMapping(version: string): SourceMapping {
  const columns: SourceColumn[] = [];
  const targets: Partial<Record<FocusColumnName | "x_FocusVersion", MappingExpr>> = {};
  for (const c of FOCUS_COLUMNS) {
    const type = typeOf(c.dataType);
    columns.push({ name: c.name, type, required: REQUIRED.has(c.name) });
    const old = RENAMED[c.name];
    if (old) columns.push({ name: old, type });
    const own: MappingExpr = type === "timestamp" ? { op: "timestamp", column: c.name } : { op: "column", column: c.name };
    if (c.name === "Tags") targets.Tags = { op: "tagsJson", column: "Tags" };
    else if (old) targets[c.name] = { op: "coalesce", args: [own, { op: "column", column: old }] };
    else targets[c.name] = own;
  }
  targets.x_FocusVersion = { op: "constant", value: version };
  return {
    id: "focus",
    title: `FOCUS ${version} file`,
    fileKinds: ["csv", "parquet"],
    focusVersion: "1.2",
    columns,
    controlTotal: { sourceColumn: "BilledCost", target: "BilledCost" },
    checks: KEY_COLUMN_CHECKS,
    targets,
  };
}

/** The generic FOCUS mapping (1.2) used for docs and detection. */
export const FOCUS_MAPPING: SourceMapping = buildFocusMapping("1.2");
