/**
 * The registry of source formats, and detection of a file's format from its columns.
 */
import { CostwiseError } from "../../core/errors.js";
import { canonicalColumns, missingRequired } from "./compile.js";
import type { SourceMapping } from "./mapping.js";
import { AWS_COST_EXPLORER_MAPPING } from "./sources/aws-cost-explorer.js";
import { AWS_CUR2_MAPPING, AWS_CUR_MAPPING } from "./sources/aws-cur.js";
import { FOCUS_MAPPING, buildFocusMapping, focusVersionOf } from "./sources/focus.js";
import { AZURE_COST_MAPPING } from "./sources/azure-cost.js";
import { GCP_BILLING_MAPPING } from "./sources/gcp-billing.js";
import { OCI_COST_MAPPING } from "./sources/oci-cost.js";
import { OPENCOST_MAPPING } from "./sources/opencost.js";

export const SOURCE_FORMATS = ["focus", "aws-cur", "aws-cur2", "aws-ce", "azure-cost", "gcp-billing", "oci-cost", "opencost"] as const;
export type SourceFormat = (typeof SOURCE_FORMATS)[number];

export const MAPPINGS: Readonly<Record<SourceFormat, SourceMapping>> = {
  focus: FOCUS_MAPPING,
  "aws-cur": AWS_CUR_MAPPING,
  "aws-cur2": AWS_CUR2_MAPPING,
  "aws-ce": AWS_COST_EXPLORER_MAPPING,
  "azure-cost": AZURE_COST_MAPPING,
  "gcp-billing": GCP_BILLING_MAPPING,
  "oci-cost": OCI_COST_MAPPING,
  opencost: OPENCOST_MAPPING,
};

export function isSourceFormat(s: string): s is SourceFormat {
  return (SOURCE_FORMATS as readonly string[]).includes(s);
}

/** The mapping to use for a file with these columns; `format` forces one. Errors say what was missing. */
export function resolveMapping(columns: readonly string[], file: string, format?: SourceFormat): SourceMapping {
  const candidates = format ? [format] : SOURCE_FORMATS;
  const scored = candidates.map((f) => {
    const m = f === "focus" ? buildFocusMapping(focusVersionOf(columns, file)) : MAPPINGS[f];
    // loosely matched formats (Azure) read headers by case-insensitive name, alias or localized label
    return { f, m, missing: missingRequired(m, canonicalColumns(m, columns)), total: m.columns.filter((c) => c.required).length };
  });
  const hit = scored.find((s) => s.missing.length === 0);
  if (hit) return hit.m;
  // the nearest format: the one with the largest share of its required columns present
  const best = [...scored].sort((a, b) => a.missing.length / a.total - b.missing.length / b.total)[0]!;
  const looked = best.missing.length < best.total ? `it looks like ${best.m.title} but ` : "";
  const hint = format ? "" : ` (known formats: ${SOURCE_FORMATS.join(", ")}; force one with --format)`;
  throw new CostwiseError(
    "UNKNOWN_FORMAT",
    `${file}: unrecognised columns: ${looked}the required column(s) ${best.missing.join(", ")} are missing${hint}`,
    { location: { file }, details: { missing: best.missing, nearestFormat: best.f } },
  );
}
