/**
 * FOCUS files (CSV or Parquet, FOCUS 1.0 to 1.4, any provider) → the store's FOCUS columns.
 *
 * Columns keep their names; the few renamed between versions are read under either name
 * (ChargeType → ChargeCategory, UsageQuantity/UsageUnit → ConsumedQuantity/ConsumedUnit in pre-1.0
 * exports). Tags is a JSON object; an invalid one is an ingest error naming the row.
 *
 * The version: a FOCUS metadata file beside the data (`*metadata*.json` with Schemas[].FocusVersion, as
 * `costwise export focus` writes) states it; without one, the newest column present tells it.
 * Provider columns across the 1.3 split: a file of 1.2 or older gets ServiceProviderName from ProviderName and
 * HostProviderName from ProviderName ("Not Applicable" on Tax rows); a 1.4 file (no ProviderName or PublisherName)
 * fills the store's deprecated ProviderName and PublisherName from ServiceProviderName, so analyses that group by
 * provider see every version alike.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { FOCUS_COLUMNS, isFocusVersion, type FocusColumnName, type FocusVersion } from "../../../core/focus/columns.js";
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

/** The FOCUS version a file's columns indicate (newest column wins), or the one its metadata file states. */
export function focusVersionOf(columns: readonly string[], file?: string): FocusVersion {
  const stated = file === undefined ? undefined : focusVersionFromMetadata(file);
  if (stated) return stated;
  const has = (c: string) => columns.includes(c);
  if (has("InvoiceDetailId") || has("CommitmentProgramEligibilityDetails") || (has("ServiceProviderName") && !has("ProviderName"))) return "1.4";
  const is13 = ["AllocatedMethodId", "AllocatedMethodDetails", "AllocatedResourceId", "AllocatedResourceName", "AllocatedTags", "ContractApplied", "ServiceProviderName", "HostProviderName"];
  if (is13.some(has)) return "1.3";
  const is11 = has("ServiceSubcategory") || has("SkuMeter") || has("CapacityReservationId") || has("CommitmentDiscountQuantity");
  // Microsoft's FOCUS 1.0 export already carries BillingAccountType and SubAccountType: alone they do not make 1.2
  if (has("InvoiceId") || has("PricingCurrency") || ((has("BillingAccountType") || has("SubAccountType")) && is11)) return "1.2";
  if (is11) return "1.1";
  return "1.0";
}

/**
 * The FOCUS version a metadata file in the data file's folder states: `<name>.metadata.json`, else the folder's
 * only `*metadata*.json`; its Schemas[].FocusVersion (the last schema listed wins). Undefined when there is none or
 * it states no version costwise knows (the columns decide then).
 */
export function focusVersionFromMetadata(file: string): FocusVersion | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file)) return undefined; // object-store URLs: no folder to look in
  const dir = dirname(file);
  let candidates: string[];
  try {
    const own = join(dir, `${basename(file).replace(/\.[^.]*$/, "")}.metadata.json`);
    if (existsSync(own)) candidates = [own];
    else {
      const all = readdirSync(dir).filter((n) => /metadata.*\.json$/i.test(n));
      candidates = all.length === 1 ? [join(dir, all[0]!)] : [];
    }
  } catch {
    return undefined;
  }
  for (const c of candidates) {
    try {
      const meta = JSON.parse(readFileSync(c, "utf8")) as { Schemas?: { FocusVersion?: unknown }[]; FocusVersion?: unknown };
      const versions = [...(meta.Schemas ?? []).map((s) => s.FocusVersion), meta.FocusVersion].filter((v): v is string => typeof v === "string");
      const v = versions.at(-1);
      if (v !== undefined && isFocusVersion(v)) return v;
    } catch {
      // not a FOCUS metadata file: the columns decide
    }
  }
  return undefined;
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
  const column = (name: string): MappingExpr => ({ op: "column", column: name });
  // the provider columns across the 1.3 split (see the header)
  targets.ServiceProviderName = { op: "coalesce", args: [column("ServiceProviderName"), column("ProviderName")] };
  targets.HostProviderName = {
    op: "coalesce",
    args: [column("HostProviderName"), { op: "map", column: "ChargeCategory", values: { Tax: "Not Applicable" }, default: column("ProviderName") }],
  };
  targets.ProviderName = { op: "coalesce", args: [column("ProviderName"), column("ServiceProviderName")] };
  targets.PublisherName = { op: "coalesce", args: [column("PublisherName"), column("ServiceProviderName")] };
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
