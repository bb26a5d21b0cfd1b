import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CONFORMANCE_RULES } from "../../core/focus/conformance-rules.js";
import { FOCUS_COLUMNS } from "../../core/focus/columns.js";
import type { SqlValue } from "../store/cost-store.js";
import { DuckDbStore } from "../store/duckdb/duckdb-store.js";
import { COST_TABLE } from "../store/schema.js";
import { validateStore, type ValidationReport } from "./validate-store.js";

/** A value bound as a parameter, or a raw SQL expression (for MAP literals). */
type Cell = SqlValue | { raw: string };
type TestRow = Record<string, Cell>;

/** A conformant FOCUS 1.2 usage row (an hour of a VM), with our provenance columns. */
const USAGE: TestRow = {
  BilledCost: "10",
  BillingAccountId: "acct-1",
  BillingAccountName: "Main account",
  BillingCurrency: "USD",
  BillingPeriodStart: "2024-01-01 00:00:00",
  BillingPeriodEnd: "2024-02-01 00:00:00",
  ChargeCategory: "Usage",
  ChargeClass: null,
  ChargeDescription: "m5.large, 1 hour",
  ChargeFrequency: "Usage-Based",
  ChargePeriodStart: "2024-01-05 00:00:00",
  ChargePeriodEnd: "2024-01-05 01:00:00",
  ConsumedQuantity: "1",
  ConsumedUnit: "Hours",
  ContractedCost: "10",
  ContractedUnitPrice: "10",
  EffectiveCost: "10",
  InvoiceIssuerName: "Example Cloud",
  ListCost: "12",
  ListUnitPrice: "12",
  PricingCategory: "Standard",
  PricingQuantity: "1",
  PricingUnit: "Hours",
  ProviderName: "Example Cloud",
  PublisherName: "Example Cloud",
  RegionId: "eu-west-1",
  RegionName: "Europe (Ireland)",
  ResourceId: "i-0123",
  ResourceName: "web-1",
  ResourceType: "Virtual Machine",
  ServiceCategory: "Compute",
  ServiceName: "Virtual Machines",
  SkuId: "sku-m5",
  SkuMeter: "Compute usage",
  SkuPriceId: "price-m5-ondemand",
  SubAccountId: "1111",
  SubAccountName: "production",
  Tags: { raw: "MAP {'env': 'prod', 'team': 'web'}" },
  x_Source: "focus",
  x_SourceFile: "good.csv",
  x_IngestId: "ingest-1",
};

/** A conformant tax row: no pricing, SKU or consumption columns. */
const TAX: TestRow = {
  ...USAGE,
  ChargeCategory: "Tax",
  ChargeDescription: "VAT",
  ChargeFrequency: "Recurring",
  BilledCost: "2",
  EffectiveCost: "2",
  ContractedCost: "2",
  ListCost: "2",
  ConsumedQuantity: null,
  ConsumedUnit: null,
  ContractedUnitPrice: null,
  ListUnitPrice: null,
  PricingCategory: null,
  PricingQuantity: null,
  PricingUnit: null,
  ResourceId: null,
  ResourceName: null,
  ResourceType: null,
  SkuId: null,
  SkuMeter: null,
  SkuPriceId: null,
};

/** A conformant usage row covered by a commitment discount. */
const COMMITTED: TestRow = {
  ...USAGE,
  BilledCost: "0",
  EffectiveCost: "6",
  PricingCategory: "Committed",
  CommitmentDiscountId: "ri-42",
  CommitmentDiscountName: "m5 reservation",
  CommitmentDiscountCategory: "Usage",
  CommitmentDiscountType: "Reserved Instance",
  CommitmentDiscountStatus: "Used",
};

/** A conformant one-time purchase. */
const PURCHASE: TestRow = {
  ...USAGE,
  ChargeCategory: "Purchase",
  ChargeFrequency: "One-Time",
  ChargeDescription: "Support plan",
  ConsumedQuantity: null,
  ConsumedUnit: null,
  ResourceId: null,
  ResourceName: null,
  ResourceType: null,
};

async function insert(store: DuckDbStore, rows: TestRow[]): Promise<void> {
  for (const row of rows) {
    const names = Object.keys(row);
    const params: SqlValue[] = [];
    const values = names.map((n) => {
      const v = row[n]!;
      if (v !== null && typeof v === "object") return v.raw;
      params.push(v);
      return "?";
    });
    await store.run({
      sql: `INSERT INTO ${COST_TABLE} (${names.map((n) => `"${n}"`).join(", ")}) VALUES (${values.join(", ")})`,
      params,
    });
  }
}

function failures(report: ValidationReport): Record<string, number> {
  return Object.fromEntries(report.rules.filter((r) => r.status === "fail").map((r) => [r.id, r.violations]));
}

function result(report: ValidationReport, id: string) {
  const r = report.rules.find((x) => x.id === id);
  if (!r) throw new Error(`no rule ${id} in report`);
  return r;
}

describe("validateStore", () => {
  let store: DuckDbStore;
  beforeEach(async () => {
    store = await DuckDbStore.open(":memory:");
  });
  afterEach(async () => {
    await store.close();
  });

  it("finds a fully conformant dataset conformant", async () => {
    await insert(store, [USAGE, USAGE, TAX, COMMITTED, PURCHASE]);
    const report = await validateStore(store);
    expect(report.rowsChecked).toBe(5);
    expect(failures(report)).toEqual({});
    expect(report.conformant).toBe(true);
    expect(report.summary.failedErrors).toBe(0);
    expect(report.summary.failedWarnings).toBe(0);
    expect(report.summary.rules).toBe(CONFORMANCE_RULES.length);
    expect(report.summary.passed + report.summary.notApplicable).toBe(CONFORMANCE_RULES.length);
  });

  it("counts the violations of each rule exactly", async () => {
    const bad = (file: string, changes: TestRow): TestRow => ({ ...USAGE, x_SourceFile: file, ...changes });
    await insert(store, [
      USAGE,
      USAGE,
      TAX,
      COMMITTED,
      PURCHASE,
      // one row per targeted rule
      bad("billed-null.csv", { BilledCost: null }),
      bad("category.csv", { ChargeCategory: "usage", ConsumedQuantity: null, ConsumedUnit: null }),
      bad("class.csv", { ChargeClass: "correction" }),
      bad("status.csv", { ...COMMITTED, x_SourceFile: "status.csv", CommitmentDiscountStatus: null }),
      bad("period.csv", { ChargePeriodEnd: "2024-01-05 00:00:00" }),
      bad("billing-period.csv", { BillingPeriodEnd: "2023-12-01 00:00:00" }),
      bad("currency.csv", { BillingCurrency: "usd" }),
      bad("tax.csv", { ...TAX, x_SourceFile: "tax.csv", PricingQuantity: "1", PricingUnit: "Hours" }),
      bad("negative.csv", { ListUnitPrice: "-1", ListCost: "-1" }),
      bad("product.csv", { PricingQuantity: "2", ContractedUnitPrice: "5", ListCost: "12" }),
      bad("tags.csv", { Tags: { raw: "MAP {'env': 'prod', ' ': 'oops'}" } }),
      bad("description.csv", { ChargeDescription: null }),
      bad("purchase.csv", { ...PURCHASE, x_SourceFile: "purchase.csv", ChargeFrequency: "Usage-Based" }),
      bad("unit.csv", { PricingUnit: null }),
      bad("subaccount.csv", { SubAccountName: null }),
      // two violations of the same rule
      bad("service-1.csv", { ServiceCategory: "Computing" }),
      bad("service-2.csv", { ServiceCategory: "compute" }),
    ]);
    const report = await validateStore(store);
    expect(report.rowsChecked).toBe(22);
    expect(failures(report)).toEqual({
      "BilledCost.not-null": 1,
      "ChargeCategory.allowed-values": 1,
      "ChargeClass.allowed-values": 1,
      "CommitmentDiscountStatus.not-null": 1,
      "ChargePeriodStart.before-end": 1,
      "BillingPeriodStart.before-end": 1,
      "BillingCurrency.currency-format": 1,
      "PricingQuantity.null-when-tax": 1,
      "ListUnitPrice.non-negative": 1,
      "ListCost.unit-price-product": 1,
      "Tags.key-value-format": 1,
      "ChargeDescription.not-null": 1,
      "ChargeFrequency.purchase-not-usage-based": 1,
      "PricingUnit.not-null": 1,
      "SubAccountName.not-null": 1,
      "ServiceCategory.allowed-values": 2,
    });
    expect(report.conformant).toBe(false);
    expect(report.summary.failedErrors).toBe(14);
    expect(report.summary.failedWarnings).toBe(2);
    expect(report.summary.errorViolations).toBe(15);
    expect(report.summary.warningViolations).toBe(2);
    // failing errors come first, then failing warnings
    expect(report.rules.slice(0, 16).map((r) => r.severity)).toEqual([...Array(14).fill("error"), "warning", "warning"]);
  });

  it("gives an example row per failing rule: the first violating row, with the values the rule read", async () => {
    await insert(store, [
      USAGE,
      { ...USAGE, x_SourceFile: "first.csv", x_IngestId: "ingest-7", ServiceCategory: "Computing" },
      { ...USAGE, x_SourceFile: "second.csv", ServiceCategory: "compute" },
      { ...USAGE, x_SourceFile: "product.csv", PricingQuantity: "3", ContractedUnitPrice: "3.3333333333", ContractedCost: "10" },
      { ...USAGE, x_SourceFile: "period.csv", ChargePeriodStart: "2024-01-05 02:00:00" },
    ]);
    const report = await validateStore(store);
    expect(result(report, "ServiceCategory.allowed-values").example).toEqual({
      sourceFile: "first.csv",
      ingestId: "ingest-7",
      values: { ServiceCategory: "Computing" },
    });
    expect(result(report, "ListCost.unit-price-product").example).toEqual({
      sourceFile: "product.csv",
      ingestId: "ingest-1",
      values: { ListCost: "12.0000000000", ChargeClass: null, ListUnitPrice: "12.0000000000", PricingQuantity: "3.0000000000" },
    });
    // 3.3333333333 x 3 = 9.9999999999: within the rounding allowance
    expect(result(report, "ContractedCost.unit-price-product").status).toBe("pass");
    expect(result(report, "ChargePeriodStart.before-end").example?.values).toEqual({
      ChargePeriodStart: "2024-01-05T02:00:00Z",
      ChargePeriodEnd: "2024-01-05T01:00:00Z",
    });
    expect(result(report, "BilledCost.not-null").example).toBeUndefined();
  });

  it("reports not-null rules of columns that hold no value as not applicable", async () => {
    await insert(store, [USAGE, { ...USAGE, SubAccountType: null }]);
    const report = await validateStore(store);
    const subType = result(report, "SubAccountType.not-null");
    expect(subType.status).toBe("not-applicable");
    expect(subType.notApplicableReason).toMatch(/SubAccountType holds no value/);
    expect(result(report, "ServiceSubcategory.not-null").status).toBe("not-applicable");
    expect(result(report, "BillingAccountType.not-null").status).toBe("not-applicable");
    // Mandatory columns are never gated
    expect(result(report, "BilledCost.not-null").status).toBe("pass");

    // once one row has a ServiceSubcategory, the others must too
    await insert(store, [{ ...USAGE, ServiceSubcategory: "Virtual Machines" }]);
    const again = await validateStore(store);
    expect(result(again, "ServiceSubcategory.not-null")).toMatchObject({ status: "fail", violations: 2 });
    expect(again.conformant).toBe(false);
  });

  it("applies the conditional commitment discount and tax rules", async () => {
    await insert(store, [
      COMMITTED,
      // a commitment row without category or type
      { ...COMMITTED, CommitmentDiscountCategory: null, CommitmentDiscountType: null },
      // commitment columns set without a commitment id
      { ...USAGE, CommitmentDiscountStatus: "Used", CommitmentDiscountName: "orphan" },
      // a purchase of a commitment: status may be null
      { ...PURCHASE, CommitmentDiscountId: "ri-42", CommitmentDiscountCategory: "Usage", CommitmentDiscountType: "Reserved Instance" },
      // a tax row with prices and a SKU
      { ...TAX, ListUnitPrice: "1", SkuId: "sku-tax", SkuMeter: "tax" },
      // a correction may lack a PricingQuantity
      { ...USAGE, ChargeClass: "Correction", PricingQuantity: null, PricingUnit: null },
    ]);
    const report = await validateStore(store);
    expect(failures(report)).toEqual({
      "CommitmentDiscountCategory.not-null": 1,
      "CommitmentDiscountType.not-null": 1,
      "CommitmentDiscountStatus.null-when-no-commitment": 1,
      "CommitmentDiscountName.null-when-no-commitment": 1,
      "ListUnitPrice.null-when-tax": 1,
      "SkuId.null-when-tax": 1,
    });
  });

  it("limits the check to a source, an ingest run or a file", async () => {
    await insert(store, [
      USAGE,
      { ...USAGE, x_Source: "aws-cur", x_IngestId: "ingest-2", x_SourceFile: "cur-1.csv", BilledCost: null },
      { ...USAGE, x_Source: "aws-cur", x_IngestId: "ingest-3", x_SourceFile: "cur-2.csv", BilledCost: null },
      { ...USAGE, x_Source: "aws-cur", x_IngestId: "ingest-3", x_SourceFile: "cur-2.csv" },
    ]);
    const bySource = await validateStore(store, { scope: { source: "aws-cur" } });
    expect(bySource.rowsChecked).toBe(3);
    expect(bySource.scope).toEqual({ source: "aws-cur" });
    expect(failures(bySource)).toEqual({ "BilledCost.not-null": 2 });

    const byIngest = await validateStore(store, { scope: { ingestId: "ingest-3" } });
    expect(byIngest.rowsChecked).toBe(2);
    expect(failures(byIngest)).toEqual({ "BilledCost.not-null": 1 });

    const byFile = await validateStore(store, { scope: { source: "aws-cur", file: "cur-1.csv" } });
    expect(byFile.rowsChecked).toBe(1);

    const focusOnly = await validateStore(store, { scope: { source: "focus" } });
    expect(focusOnly.conformant).toBe(true);

    const none = await validateStore(store, { scope: { source: "gcp" } });
    expect(none.rowsChecked).toBe(0);
    expect(none.conformant).toBe(true);
  });

  it("reports column coverage", async () => {
    await insert(store, [USAGE, COMMITTED, TAX, { ...USAGE, ResourceId: null, ResourceName: null, ResourceType: null }]);
    const report = await validateStore(store);
    const cov = (name: string) => report.coverage.find((c) => c.column === name)!;
    expect(cov("AvailabilityZone")).toEqual({
      column: "AvailabilityZone",
      featureLevel: "Recommended",
      nonNullRows: 0,
      percentNonNull: 0,
      entirelyNull: true,
    });
    expect(cov("CommitmentDiscountId")).toMatchObject({ nonNullRows: 1, percentNonNull: 25, entirelyNull: false });
    expect(cov("ResourceId")).toMatchObject({ nonNullRows: 2, percentNonNull: 50 });
    expect(cov("BilledCost")).toMatchObject({ featureLevel: "Mandatory", percentNonNull: 100 });
    expect(report.coverage).toHaveLength(FOCUS_COLUMNS.length); // every catalogue column the store holds (1.0 to 1.4)
  });

  it("handles an empty store", async () => {
    const report = await validateStore(store);
    expect(report.rowsChecked).toBe(0);
    expect(report.conformant).toBe(true);
    expect(report.coverage.every((c) => c.percentNonNull === 0)).toBe(true);
  });
});
