/**
 * Azure, Google Cloud and OCI billing exports: golden FOCUS output per fixture family, FOCUS
 * conformance of every ingested store, control totals recomputed from the source files independently
 * of the mapping, and bad input named by file, row and column.
 * UPDATE_GOLDEN=1 npx vitest run src/engine/mapping/cloud-exports.test.ts rewrites the golden files.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CostwiseError } from "../../core/errors.js";
import { addMoney, toCents } from "../../core/money.js";
import { parseCsvLine } from "../ingest/files.js";
import { ingestFiles } from "../ingest/ingest.js";
import { canonicalColumns } from "./compile.js";
import { resolveMapping } from "./registry.js";
import type { DuckDbStore } from "../store/duckdb/duckdb-store.js";
import { validateStore } from "../validate/validate-store.js";
import { FIXTURES, LOCAL_FIXTURES, exportFocusCsv, expectGolden, tempStore } from "../../../test/helpers/store.js";

let store: DuckDbStore;
let cleanup: () => Promise<void>;
let dir: string;
beforeEach(async () => ({ store, cleanup, dir } = await tempStore()));
afterEach(async () => cleanup());

const AZ = join(FIXTURES, "azure");
const AZ_HEADERS = join(AZ, "opencost-billingexports/headersets");

/** Loads files, checks they pass the FOCUS validator with no error, and returns the ingest result. */
/**
 * Loads files and runs the FOCUS validator over each source's rows (a FOCUS dataset is one provider's
 * export: the conditional rules, "present somewhere, then present on every such row", hold per dataset).
 * `allowed` lists the failures a fixture's own data causes.
 */
async function ingestConformant(paths: string[], allowed: string[] = []) {
  const result = await ingestFiles(store, paths);
  const failing: string[] = [];
  for (const source of new Set(result.files.map((f) => f.format))) {
    const report = await validateStore(store, { scope: { source } });
    expect(report.rowsChecked).toBeGreaterThan(0);
    failing.push(...report.rules.filter((r) => r.status === "fail" && r.severity === "error").map((r) => `${r.id} ${JSON.stringify(r.example?.values)}`));
  }
  expect(failing).toEqual(allowed);
  return result;
}

async function billedBy(column: string): Promise<Record<string, string>> {
  const rows = await store.all(`SELECT ${column}::VARCHAR AS k, sum("BilledCost")::VARCHAR AS t FROM focus_costs GROUP BY 1 ORDER BY 1`);
  return Object.fromEntries(rows.map((r) => [String(r["k"]), String(r["t"])]));
}

async function expectBadInput(paths: string[], pattern: RegExp): Promise<CostwiseError> {
  const err = await ingestFiles(store, paths).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CostwiseError);
  expect((err as CostwiseError).message).toMatch(pattern);
  const left = await store.all("SELECT count(*)::INTEGER AS n FROM focus_costs");
  expect(left[0]!["n"]).toBe(0);
  return err as CostwiseError;
}

/** A copy of a fixture with every line ending CR LF (a few published fixtures mix CR LF and LF). */
function crlfCopy(path: string): string {
  const out = join(dir, basename(path));
  writeFileSync(out, readFileSync(path, "utf8").replace(/\r?\n/g, "\r\n"));
  return out;
}

/** A copy of an opencost values fixture (which has no currency column) with a Currency column of USD. */
function withCurrency(path: string): string {
  const out = join(dir, `usd-${basename(path)}`);
  const lines = readFileSync(path, "utf8").split(/\r?\n/).filter((l) => l !== "");
  writeFileSync(out, lines.map((l, i) => `${l},${i === 0 ? "Currency" : "USD"}`).join("\n") + "\n");
  return out;
}

/** The column names of one of Microsoft's published Cost Management export schemas (FinOps toolkit). */
function exportSchemaColumns(name: string): string[] {
  const json = JSON.parse(readFileSync(join(FIXTURES, "lookups/export-schemas", name), "utf8")) as { translator: { mappings: { source: { name: string } }[] } };
  return json.translator.mappings.map((m) => m.source.name);
}

describe("Azure Cost Management exports", () => {
  it("EA cost details (PascalCase) and MCA cost details (camelCase, US dates)", async () => {
    // koku's EA fixture bills in "MC", not an ISO 4217 code, and has placeholder resource ids
    // (/subscriptions/rsid1) with no type in them: the validator says so, and nothing else
    const r = await ingestConformant([join(AZ, "azure_version_2.csv"), crlfCopy(join(AZ, "camel_azure_version_2.csv"))], [
      'ResourceType.not-null {"ResourceType":null,"ResourceId":"/subscriptions/rsid1"}',
      'BillingCurrency.currency-format {"BillingCurrency":"MC"}',
    ]);
    expect(r.files.map((f) => f.format)).toEqual(["azure-cost", "azure-cost"]);
    expectGolden("azure-ea-mca.focus.csv", await exportFocusCsv(store));
  });

  it("header variants: camelCase, byte-order marks, pay-as-you-go usage details, German labels, hybrids", async () => {
    const files = [
      join(AZ, "azure_camelCased.csv"), // camelCase usage details, BOM
      join(AZ, "costreport_a243c6f2-199f-4074-9a2c-40e671cf1584.csv"), // PascalCase usage details, BOM, "2019-07-29 00:00:00"
      join(AZ_HEADERS, "Enterprise.csv"), // EA, MM/DD/YYYY, tags without outer braces
      join(AZ_HEADERS, "EnterpriseCamel.csv"), // MCA camelCase (CSP partner columns)
      join(AZ_HEADERS, "PayAsYouGo.csv"),
      join(AZ_HEADERS, "German.csv"), // "Ressourcengruppe (ResourceGroup)"
      join(AZ_HEADERS, "YA.csv"), // a mix of camelCase and German labels
    ];
    const r = await ingestConformant(files);
    expect(r.files.every((f) => f.format === "azure-cost")).toBe(true);
    const csv = await exportFocusCsv(store);
    expectGolden("azure-header-variants.focus.csv", csv);
    // the same charge under three header sets (PayAsYouGo, German, YA) maps to the same values
    const lb = await store.all(`SELECT DISTINCT "BilledCost"::VARCHAR AS c, "ResourceId" AS r, "ChargePeriodStart"::VARCHAR AS d, "SubAccountId" AS s, "PricingUnit" AS u
      FROM focus_costs WHERE "ServiceName" = 'Load Balancer'`);
    expect(lb).toEqual([{ c: "0.0750000000", r: "/subscriptions/11111111-12ab-34dc-56ef-123456abcdef/resourceGroups/Example-Resource-Group/providers/Microsoft.Network/loadBalancers/kubernetes", d: "2021-02-02 00:00:00", s: "11111111-12ab-34dc-56ef-123456abcdef", u: "100 Hours" }]);
    expect(await store.all(`SELECT count(*)::INTEGER AS n FROM focus_costs WHERE "ServiceName" = 'Load Balancer'`)).toEqual([{ n: 3 }]);
  });

  it("tags written without their outer braces (opencost MissingBrackets) are read", async () => {
    // opencost's values fixtures hold a few columns only (no quantity): not a whole export, so no conformance check here
    await ingestFiles(store, [withCurrency(join(AZ, "opencost-billingexports/values/MissingBrackets.csv")), withCurrency(join(AZ, "opencost-billingexports/values/VirtualMachine.csv"))]);
    const tags = await store.all(`SELECT "Tags"['creationSource'] AS s FROM focus_costs`);
    expect(tags).toEqual([{ s: "aks-aks-nodepool1-12345678-vmss" }, { s: "aks-aks-nodepool1-12345678-vmss" }]);
  });

  it("a file without a currency column is refused, naming the file, row and column", async () => {
    const err = await expectBadInput([join(AZ, "opencost-billingexports/values/VirtualMachine.csv")], /VirtualMachine\.csv: row 1 \(line 2\), column "BillingCurrencyCode": expected a currency code such as USD, got an empty value/);
    expect(err.location).toMatchObject({ row: 1, column: "BillingCurrencyCode" });
  });

  it("a ragged file (opencost Template.csv) is refused with the line named", async () => {
    await expectBadInput([join(AZ, "opencost-billingexports/values/Template.csv")], /Template\.csv: line 2: expected 11 fields like the header, found 10/);
  });

  it("German decimal commas and unreadable dates name file, line or row, and column", async () => {
    const german = join(dir, "german-amounts.csv");
    const text = readFileSync(join(AZ_HEADERS, "German.csv"), "utf8").replace(",3,0.025,0.075,", ',3,"0,025","0,075",');
    writeFileSync(german, text);
    await expectBadInput([german], /german-amounts\.csv: line 2, column "Ressourcensatz \(ResourceRate\)": expected a decimal number such as 12\.34, got "0,025"/);
    const badDate = join(dir, "bad-date.csv");
    writeFileSync(badDate, readFileSync(join(AZ_HEADERS, "PayAsYouGo.csv"), "utf8").replace("2021-02-02", "2021-02-31"));
    const err = await expectBadInput([badDate], /bad-date\.csv: row 1 \(line 2\), column "Date": expected a date and time such as 2024-09-01T00:00:00Z \(or MM\/DD\/YYYY.*got "2021-02-31"/);
    expect(err.location).toMatchObject({ row: 1, line: 2, column: "Date" });
  });

  it("Microsoft's published export schemas (actual and amortized cost details) are recognised, key columns matched", () => {
    for (const schema of ["actualcost_c360-2025-04.json", "amortizedcost_c360-2025-04.json"]) {
      const columns = exportSchemaColumns(schema);
      const mapping = resolveMapping(columns, schema);
      expect(mapping.id).toBe("azure-cost");
      const canonical = canonicalColumns(mapping, columns);
      for (const c of ["CostInBillingCurrency", "Date", "SubscriptionId", "BillingCurrencyCode", "ChargeType", "ProductName", "UnitPrice", "Quantity", "BillingPeriodStartDate"]) {
        expect(canonical).toContain(c);
      }
    }
  });

  it("Azure's own FOCUS exports (1.0 and 1.2 column sets, with Microsoft's x_ columns) load as FOCUS", async () => {
    // the Microsoft rows of the FOCUS sample, under the exact column lists of Microsoft's FOCUS export schemas
    const sample = readFileSync(join(FIXTURES, "focus/focus_sample.csv"), "utf8").split(/\r?\n/).filter((l) => l !== "");
    const header = parseCsvLine(sample[0]!);
    const microsoft = sample.slice(1).map(parseCsvLine).filter((r) => r[header.indexOf("ProviderName")] === "Microsoft");
    expect(microsoft.length).toBe(51);
    let expected = "0";
    for (const r of microsoft) expected = addMoney(expected, r[header.indexOf("BilledCost")]!);
    for (const schema of ["focuscost_1.0.json", "focuscost_1.2.json"]) {
      const columns = exportSchemaColumns(schema);
      const file = join(dir, `azure-${schema.replace(".json", ".csv")}`);
      const cell = (v: string | undefined) => (v === undefined || v === "NULL" ? "" : /[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
      writeFileSync(file, [columns.join(","), ...microsoft.map((r) => columns.map((c) => cell(header.includes(c) ? r[header.indexOf(c)] : undefined)).join(","))].join("\n") + "\n");
      const { store: s2, cleanup: c2 } = await tempStore();
      try {
        const r = await ingestFiles(s2, [file]);
        expect(r.files[0]!.format).toBe("focus");
        expect(r.rowsLoaded).toBe(51);
        expect(toCents(r.loadedTotal)).toBe(toCents(expected));
        const v = await s2.all(`SELECT DISTINCT x_FocusVersion AS v, "ProviderName" AS p FROM focus_costs`);
        expect(v).toEqual([{ v: schema.includes("1.2") ? "1.2" : "1.0", p: "Microsoft" }]);
      } finally {
        await c2();
      }
    }
  });

  it("a file mixing CR LF and LF line endings is refused with the file named", async () => {
    await expectBadInput([join(AZ, "camel_azure_version_2.csv")], /camel_azure_version_2\.csv: .*mixed line endings/);
  });
});

const GCP = join(FIXTURES, "gcp");

/** The source's own total, read from the CSV with Node (not the mapping): cost plus every credit amount, to the cent. */
function gcpCsvTotalCents(path: string): string {
  const lines = readFileSync(path, "utf8").split(/\r?\n/).filter((l) => l !== "");
  const header = parseCsvLine(lines[0]!);
  const cost = header.indexOf("cost");
  const credits = header.indexOf("credits");
  let total = "0";
  for (const line of lines.slice(1)) {
    const cells = parseCsvLine(line);
    total = addMoney(total, decimalText(cells[cost]!));
    for (const m of (cells[credits] ?? "").matchAll(/'amount': (-?[0-9.e+-]+)/g)) total = addMoney(total, decimalText(m[1]!));
  }
  return toCents(total);
}

/** "5e-06" → "0.000005" (exact: the digits shift, nothing is computed in floating point). */
function decimalText(s: string): string {
  const m = /^(-?)(\d*)(?:\.(\d*))?e([+-]?\d+)$/i.exec(s);
  if (!m) return s;
  const [, sign, int = "", frac = "", exp] = m;
  const digits = int + frac;
  const point = int.length + Number(exp);
  const padded = point <= 0 ? "0".repeat(1 - point) + digits : digits.padEnd(point, "0");
  const at = Math.max(point, 1);
  return `${sign}${padded.slice(0, at)}.${padded.slice(at) || "0"}`;
}

describe("Google Cloud Billing export", () => {
  it("standard and detailed (resource-level) CSV exports: credits netted into BilledCost, totals equal cost + credits to the cent", async () => {
    const files = [join(GCP, "2022-08-01_5.csv"), join(GCP, "2024-03-01_5.csv"), join(GCP, "evidence-2020-11-16.csv")];
    const r = await ingestConformant(files);
    expect(r.files.map((f) => f.format)).toEqual(["gcp-billing", "gcp-billing", "gcp-billing"]);
    for (const f of r.files) expect(toCents(f.loadedTotal)).toBe(gcpCsvTotalCents(f.path));
    // the 2020-11 fixture's free-trial credits cancel its cost exactly
    const byFile = await billedBy("regexp_extract(x_SourceFile, '[^/]+$')");
    expect(byFile["evidence-2020-11-16.csv"]).toBe("0.0000000000");
    expect((await store.all(`SELECT sum("ContractedCost")::VARCHAR AS c FROM focus_costs WHERE x_SourceFile LIKE '%evidence-2020-11-16.csv'`))[0]!["c"]).not.toBe("0.0000000000");
    expectGolden("gcp-csv.focus.csv", await exportFocusCsv(store));
  });

  it("newline-delimited JSON from BigQuery gives the same FOCUS rows as the CSV of the same charges", async () => {
    const r = await ingestConformant([join(LOCAL_FIXTURES, "cloud/gcp-standard-export-2020-11.json")]);
    expect(r.files[0]!.format).toBe("gcp-billing");
    const fromJson = await exportFocusCsv(store);
    expectGolden("gcp-ndjson.focus.csv", fromJson);
    const csv = join(dir, "first-12.csv");
    const lines = readFileSync(join(GCP, "evidence-2020-11-16.csv"), "utf8").split(/\r?\n/);
    writeFileSync(csv, lines.slice(0, 13).join("\n") + "\n");
    const { store: other, cleanup: c2 } = await tempStore();
    try {
      await ingestFiles(other, [csv]);
      expect(fromJson).toBe(await exportFocusCsv(other));
    } finally {
      await c2();
    }
  });

  it("detailed export (JSON lines): labels merged system < project < resource, two credits on one row, tax, list cost", async () => {
    const r = await ingestConformant([join(LOCAL_FIXTURES, "cloud/gcp-detailed-export-handwritten.jsonl")]);
    // hand-computed: 0.125642 - 0.025128 - 0.0504 + 0.0004 + 12.34
    expect(r.files[0]!.sourceTotal).toMatch(/^12\.390514/);
    expect(r.files[0]!.loadedTotal).toBe("12.3905140000");
    const vm = await store.all(`SELECT "BilledCost"::VARCHAR AS billed, "ContractedCost"::VARCHAR AS contracted, "ListCost"::VARCHAR AS list,
        to_json(map_from_entries(list_sort(map_entries("Tags"))))::VARCHAR AS tags, "SubAccountId" AS project, "SubAccountName" AS pname,
        "RegionId" AS region, "AvailabilityZone" AS zone, "ResourceId" AS rid, "ResourceName" AS rname, "BillingCurrency" AS cur
      FROM focus_costs WHERE "ServiceName" = 'Compute Engine'`);
    expect(vm).toEqual([{
      billed: "0.0501140000", contracted: "0.1256420000", list: "0.1389000000",
      tags: '{"app":"cart","compute.googleapis.com/machine_spec":"n2-standard-4","env":"prod","team":"checkout"}',
      project: "shop-prod", pname: "Shop (prod)", region: "europe-west3", zone: "europe-west3-b",
      rid: "//compute.googleapis.com/projects/shop-prod/zones/europe-west3-b/instances/1234567890", rname: "cart-1", cur: "EUR",
    }]);
    const tax = await store.all(`SELECT "ChargeCategory" AS c, "BilledCost"::VARCHAR AS b, "ConsumedQuantity" AS q FROM focus_costs WHERE x_ChargeType = 'tax'`);
    expect(tax).toEqual([{ c: "Tax", b: "12.3400000000", q: null }]);
    expectGolden("gcp-detailed-jsonl.focus.csv", await exportFocusCsv(store));
  });

  it("bad JSON values name file, row and column", async () => {
    const src = readFileSync(join(LOCAL_FIXTURES, "cloud/gcp-detailed-export-handwritten.jsonl"), "utf8").split("\n");
    const badCost = join(dir, "bad-cost.jsonl");
    writeFileSync(badCost, [src[0], src[1]!.replace('"cost": 0.0004', '"cost": "n/a"'), src[2]].join("\n") + "\n");
    let err = await expectBadInput([badCost], /bad-cost\.jsonl: row 2 \(line 2\), column "cost": expected a decimal number such as 12\.34, got "n\/a"/);
    expect(err.location).toMatchObject({ row: 2, line: 2, column: "cost" });
    const badDate = join(dir, "bad-date.jsonl");
    writeFileSync(badDate, [src[0]!.replace("2024-05-03 10:00:00 UTC", "03/05/2024 10h"), src[1], src[2]].join("\n") + "\n");
    err = await expectBadInput([badDate], /bad-date\.jsonl: row 1 \(line 1\), column "usage_start_time": expected a date and time .*got "03\/05\/2024 10h"/);
    const badCredit = join(dir, "bad-credit.jsonl");
    writeFileSync(badCredit, [src[0]!.replace('"amount": -0.0504', '"amount": "lots"'), src[1], src[2]].join("\n") + "\n");
    err = await expectBadInput([badCredit], /bad-credit\.jsonl: row 1 \(line 1\), column "credits": expected a JSON list of objects with a decimal field/);
    const badCsvCost = join(dir, "bad-cost.csv");
    const csvLines = readFileSync(join(GCP, "2022-08-01_5.csv"), "utf8").split("\n");
    csvLines[3] = csvLines[3]!.replace(",0.0,USD,", ",zero,USD,");
    writeFileSync(badCsvCost, csvLines.join("\n"));
    await expectBadInput([badCsvCost], /bad-cost\.csv: line 4, column "cost": expected a decimal number such as 12\.34, got "zero"/);
  });
});

const OCI = join(FIXTURES, "oci");

describe("Oracle Cloud Infrastructure cost reports", () => {
  it("cost report: tenancy and compartment, tags from tags/ columns, currency filled on zero-cost lines", async () => {
    const r = await ingestConformant([join(OCI, "reports_cost-csv_0001000000603747.csv")]);
    expect(r.files[0]!.format).toBe("oci-cost");
    // hand-computed from the file: 0.000040641 (API Calls) and zeros
    expect(r.files[0]!.sourceTotal).toMatch(/^0\.000040641/);
    expect(r.files[0]!.loadedTotal).toBe("0.0000406410");
    const rows = await store.all(`SELECT DISTINCT "BillingCurrency" AS c, "BillingPeriodStart"::VARCHAR AS p, "SubAccountName" AS s FROM focus_costs`);
    expect(rows).toEqual([{ c: "GBP", p: "2022-04-01 00:00:00", s: "testing" }]);
    const tagged = await store.all(`SELECT "Tags"['new-tags.tarnished-tags'] AS t FROM focus_costs WHERE "ResourceId" = 'ocid1.bootvolume.oc1.uk-london-1'`);
    expect(tagged).toEqual([{ t: "qa" }]);
    expectGolden("oci-cost.focus.csv", await exportFocusCsv(store));
  });

  it("a usage report (no cost columns) is refused as the nearest format with what is missing", async () => {
    const err = await expectBadInput([join(OCI, "reports_usage-csv_0001000000829494.csv")], /reports_usage-csv_0001000000829494\.csv: unrecognised columns: it looks like Oracle Cloud Infrastructure cost report \(CSV\) but the required column\(s\) cost\/myCost, cost\/currencyCode are missing/);
    expect(err.code).toBe("UNKNOWN_FORMAT");
  });
});

describe("one store, three clouds", () => {
  it("Azure, GCP and OCI side by side: per-provider totals equal each source's own total", async () => {
    const azure = join(AZ_HEADERS, "PayAsYouGo.csv");
    const gcp = join(GCP, "2022-08-01_5.csv");
    const oci = join(OCI, "reports_cost-csv_0001000000603747.csv");
    const r = await ingestConformant([azure, gcp, oci]);
    const providers = await billedBy(`"ProviderName"`);
    const sourceOf = (p: string) => r.files.find((f) => f.path === p)!.sourceTotal;
    expect(Object.keys(providers)).toEqual(["Google Cloud", "Microsoft", "Oracle"]);
    expect(toCents(providers["Microsoft"]!)).toBe(toCents(sourceOf(azure)));
    expect(toCents(providers["Google Cloud"]!)).toBe(gcpCsvTotalCents(gcp));
    expect(toCents(providers["Oracle"]!)).toBe(toCents(sourceOf(oci)));
    expect(toCents(addMoney(providers["Microsoft"]!, providers["Google Cloud"]!, providers["Oracle"]!))).toBe(toCents(r.loadedTotal));
  });
});

describe("formats that are not supported say so", () => {
  it("GCP's retired file export (2019 layout) is refused as unrecognised, naming the nearest format and its missing columns", async () => {
    const err = await expectBadInput([join(GCP, "evidence-2019-06-03.csv")], /evidence-2019-06-03\.csv: unrecognised columns: .*the required column\(s\) .* are missing \(known formats: .*gcp-billing.*; force one with --format\)/);
    expect(err.code).toBe("UNKNOWN_FORMAT");
  });
});
