/**
 * The MUST rules of the FOCUS 1.2 requirements model that costwise's mapped output fails, each with why: a limit
 * of the provider's data (or of the published sample file), or a defect of the model itself where its executable
 * check says something other than its own requirement text. docs/mappings.md prints this list
 * ("Conformance limits"); test/conformance/mappings-model.test.ts fails on any failing MUST rule not listed here.
 */

export interface ConformanceLimit {
  /** Model rule ids. */
  rules: readonly string[];
  /** Source format ids (x_Source) the limit applies to; "*" for every source. */
  sources: readonly string[];
  kind: "model" | "provider";
  reason: string;
}

export const CONFORMANCE_LIMITS: readonly ConformanceLimit[] = [
  {
    rules: ["CommitmentDiscountStatus-C-003-C"],
    sources: ["*"],
    kind: "model",
    reason:
      "the requirement reads \"MUST be null when CommitmentDiscountId is null\", but the check is CheckNotValue (not null) on those rows, so every row without a commitment fails",
  },
  {
    rules: ["CommitmentDiscountStatus-C-004-C"],
    sources: ["*"],
    kind: "model",
    reason:
      "the requirement reads \"MUST NOT be null when CommitmentDiscountId is not null and ChargeCategory is Usage\", but the check's condition selects the rows where CommitmentDiscountId IS null",
  },
  {
    rules: ["CommitmentDiscountStatus-C-005-M"],
    sources: ["*"],
    kind: "model",
    reason: "the check allows Active, Expired and Pending; FOCUS 1.2 defines CommitmentDiscountStatus as Used or Unused, which costwise writes",
  },
  {
    rules: ["InvoiceId-C-004-C"],
    sources: ["*"],
    kind: "model",
    reason:
      "\"MUST be null when the charge is not associated with an invoice\" is encoded without a condition (InvoiceId null on every row), contradicting InvoiceId-C-005-C; any source that fills InvoiceId fails it",
  },
  {
    rules: ["BilledCost-C-005-C"],
    sources: ["*"],
    kind: "model",
    reason:
      "the check takes ProviderName ≠ InvoiceIssuerName to mean \"paid to a third party\" (so BilledCost must be 0); providers spell themselves differently in the two columns (ProviderName \"AWS\", InvoiceIssuerName \"Amazon Web Services, Inc.\", as the FOCUS sample itself does), so ordinary charges fail",
  },
  {
    rules: ["EffectiveCost-C-005-C"],
    sources: ["aws-cur", "aws-cur2"],
    kind: "provider",
    reason:
      "CUR puts the unused part of a commitment on the fee row itself (RIFee, SavingsPlanRecurringFee: AWS's amortized cost), where FOCUS wants a Purchase row with EffectiveCost 0 and a separate Unused row; a mapping writes one row per CUR line, so the amortized total stays on the fee row",
  },
  {
    rules: ["ServiceName-C-002-M"],
    sources: ["aws-cur", "aws-cur2"],
    kind: "provider",
    reason:
      "AWS Marketplace product names carry non-ASCII characters (\"Red Hat® Enterprise Linux®\"); the model reads StringHandling as ASCII only, FOCUS requires the provider's value as given, which costwise keeps",
  },
  {
    rules: ["ServiceName-C-005-C"],
    sources: ["azure-cost"],
    kind: "provider",
    reason:
      "Azure's ServiceName (MeterCategory) spans several resource providers, and ServiceCategory follows the provider (ConsumedService): managed disks are MeterCategory Storage under Microsoft.Compute",
  },
  {
    rules: ["BillingCurrency-C-003-M", "BillingCurrency-C-006-M", "ResourceType-C-005-C"],
    sources: ["azure-cost"],
    kind: "provider",
    reason:
      "koku's EA test export bills in \"MC\" (not an ISO 4217 code) and has placeholder resource ids (/subscriptions/rsid1) with no resource type in them; costwise loads the values as given",
  },
  {
    rules: [
      "BillingAccountName-C-003-C",
      "ChargeFrequency-C-003-M",
      "ConsumedQuantity-C-004-C",
      "ResourceType-C-004-C",
      "ResourceType-C-005-C",
      "ServiceName-C-005-C",
      "ContractedUnitPrice-C-009-C",
      "ContractedCost-C-003-M",
      "ContractedCost-C-004-M",
      "RegionName-C-004-C",
      "RegionName-C-005-C",
    ],
    sources: ["focus"],
    kind: "provider",
    reason:
      "the FinOps Foundation's FOCUS 1.0 sample file itself: empty BillingAccountName, ContractedCost and PricingCategory on 7 rows, \"Usage-based\" for Usage-Based, a negative ContractedUnitPrice, RegionName without RegionId, ResourceType without ResourceId; a FOCUS file is loaded as it is",
  },
];

/** The limits that cover `source`. */
export function limitsFor(source: string): ConformanceLimit[] {
  return CONFORMANCE_LIMITS.filter((l) => l.sources.includes("*") || l.sources.includes(source));
}

/** The "Conformance limits" section of docs/mappings.md. */
export function renderConformanceLimits(): string {
  const out = [
    "## Conformance limits",
    "",
    "`costwise validate --model model-1.2.json` runs the FinOps Foundation's FOCUS 1.2 requirements model over the",
    "store. Every source's golden output is checked with it (`test/conformance/mappings-model.test.ts`); the MUST",
    "rules that fail are listed here with the reason, as a limit of the provider's data or as a defect of the",
    "model's executable check (its check says something other than its own requirement text).",
    "",
    "| rules | sources | kind | why |",
    "|---|---|---|---|",
  ];
  for (const l of CONFORMANCE_LIMITS) {
    const esc = (s: string) => s.replaceAll("|", "\\|");
    out.push(`| ${l.rules.map((r) => `\`${r}\``).join(", ")} | ${l.sources.map((s) => (s === "*" ? "all" : `\`${s}\``)).join(", ")} | ${l.kind} | ${esc(l.reason)} |`);
  }
  out.push("");
  return out.join("\n");
}
