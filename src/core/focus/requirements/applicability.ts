/**
 * Which applicability criteria of the requirements model hold for each source costwise maps. A rule with criteria
 * runs only when every one of them is declared for the data; the rest report "not-applicable" with the criterion.
 *
 * The defaults state what each provider supports (its billing model, not what a given export happens to fill):
 * e.g. AWS, Azure, GCP and OCI all have regions, availability zones or not, tags, commitment discounts and public
 * price lists. A user declares otherwise with `costwise validate --model … --applicability A,B` (or `all`, `none`).
 * For data from several sources, the union of the sources' criteria applies.
 */

export const APPLICABILITY_CRITERIA = [
  "ACCOUNT_NAMING_SUPPORTED",
  "AVAILABILITY_ZONE_SUPPORTED",
  "CAPACITY_RESERVATION_SUPPORTED",
  "COMMITMENT_DISCOUNT_SUPPORTED",
  "MULTIPLE_PRICING_CATEGORIES_SUPPORTED",
  "MULTIPLE_SUB_ACCOUNT_TYPES_SUPPORTED",
  "MULTIPLE_BILLING_ACCOUNT_TYPES_SUPPORTED",
  "NEGOTIATED_PRICING_SUPPORTED",
  "PUBLIC_PRICE_LIST_SUPPORTED",
  "USAGE_MEASUREMENT_SUPPORTED",
  "UNIT_PRICING_SUPPORTED",
  "SUB_ACCOUNT_SUPPORTED",
  "BILLING_BASED_ON_PROVISIONED_RESOURCES_SUPPORTED",
  "RESOURCE_TYPE_ASSIGNMENT_SUPPORTED",
  "PRICING_BILLING_CURRENCY_DIFFERENCES_SUPPORTED",
  "VIRTUAL_CURRENCY_SUPPORTED",
  "REGION_SUPPORTED",
  "TAGGING_SUPPORTED",
] as const;

/** What the big public clouds share: regions, zones, tags, unit and list prices, commitments, usage metering. */
const PUBLIC_CLOUD = [
  "ACCOUNT_NAMING_SUPPORTED",
  "AVAILABILITY_ZONE_SUPPORTED",
  "COMMITMENT_DISCOUNT_SUPPORTED",
  "MULTIPLE_PRICING_CATEGORIES_SUPPORTED",
  "NEGOTIATED_PRICING_SUPPORTED",
  "PUBLIC_PRICE_LIST_SUPPORTED",
  "USAGE_MEASUREMENT_SUPPORTED",
  "UNIT_PRICING_SUPPORTED",
  "SUB_ACCOUNT_SUPPORTED",
  "BILLING_BASED_ON_PROVISIONED_RESOURCES_SUPPORTED",
  "RESOURCE_TYPE_ASSIGNMENT_SUPPORTED",
  "REGION_SUPPORTED",
  "TAGGING_SUPPORTED",
] as const;

/** Default criteria per source format id (x_Source). */
export const DEFAULT_APPLICABILITY: Readonly<Record<string, readonly string[]>> = {
  // AWS: capacity reservations (ODCRs); one sub account type (account); pricing = billing currency in CUR
  "aws-cur": [...PUBLIC_CLOUD, "CAPACITY_RESERVATION_SUPPORTED"],
  "aws-cur2": [...PUBLIC_CLOUD, "CAPACITY_RESERVATION_SUPPORTED"],
  // Cost Explorer: aggregates without unit prices or resources
  "aws-ce": ["ACCOUNT_NAMING_SUPPORTED", "COMMITMENT_DISCOUNT_SUPPORTED", "SUB_ACCOUNT_SUPPORTED", "REGION_SUPPORTED", "TAGGING_SUPPORTED"],
  // Azure: several sub account types (subscription, resource group…), pricing currency may differ from billing
  "azure-cost": [
    ...PUBLIC_CLOUD,
    "CAPACITY_RESERVATION_SUPPORTED",
    "MULTIPLE_SUB_ACCOUNT_TYPES_SUPPORTED",
    "MULTIPLE_BILLING_ACCOUNT_TYPES_SUPPORTED",
    "PRICING_BILLING_CURRENCY_DIFFERENCES_SUPPORTED",
  ],
  "gcp-billing": [...PUBLIC_CLOUD, "CAPACITY_RESERVATION_SUPPORTED"],
  "oci-cost": [...PUBLIC_CLOUD],
  // OpenCost: Kubernetes allocation, no accounts, prices or commitments of its own
  opencost: ["USAGE_MEASUREMENT_SUPPORTED", "TAGGING_SUPPORTED", "BILLING_BASED_ON_PROVISIONED_RESOURCES_SUPPORTED", "RESOURCE_TYPE_ASSIGNMENT_SUPPORTED"],
  // FOCUS files: the provider declared conformance, so every criterion the data may show
  focus: [...PUBLIC_CLOUD, "CAPACITY_RESERVATION_SUPPORTED"],
};

/** The criteria for data from `sources` (the union); unknown sources add the public-cloud defaults. */
export function defaultApplicability(sources: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const s of sources) for (const c of DEFAULT_APPLICABILITY[s] ?? PUBLIC_CLOUD) out.add(c);
  return out;
}

/** Parses `--applicability`: `all`, `none`, or a comma-separated list of criteria. Unknown names are problems. */
export function parseApplicability(text: string, known: readonly string[] = APPLICABILITY_CRITERIA): { value: Set<string>; unknown: string[] } {
  const t = text.trim();
  if (t === "all") return { value: new Set(known), unknown: [] };
  if (t === "none" || t === "") return { value: new Set(), unknown: [] };
  const names = t.split(",").map((x) => x.trim()).filter((x) => x.length > 0);
  return { value: new Set(names.filter((n) => known.includes(n))), unknown: names.filter((n) => !known.includes(n)) };
}
