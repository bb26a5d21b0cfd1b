/** The CLI over the Azure, GCP and OCI exports: auto-detected ingest, the coverage table, clear errors. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliOnTempStore } from "../../../test/helpers/cli.js";
import { FIXTURES, LOCAL_FIXTURES } from "../../../test/helpers/store.js";

const t = cliOnTempStore();
const cli = t.cli;

describe("costwise ingest: cloud billing exports are recognised by their columns", () => {
  it("Azure (German headers), GCP (BigQuery JSON) and OCI in one run", async () => {
    const code = await cli(
      "ingest",
      join(FIXTURES, "azure/opencost-billingexports/headersets/German.csv"),
      join(LOCAL_FIXTURES, "cloud/gcp-detailed-export-handwritten.jsonl"),
      join(FIXTURES, "oci/reports_cost-csv_0001000000603747.csv"),
    );
    expect(t.err).not.toMatch(/error/);
    expect(code).toBe(0);
    expect(t.out).toMatch(/loaded .*German\.csv as azure-cost: 1 rows, BilledCost 0\.075 \(source 0\.075\)/);
    expect(t.out).toMatch(/loaded .*gcp-detailed-export-handwritten\.jsonl as gcp-billing: 3 rows, BilledCost 12\.390514 \(source 12\.390514\)/);
    expect(t.out).toMatch(/loaded .*reports_cost-csv_0001000000603747\.csv as oci-cost: 5 rows, BilledCost 0\.000040641 \(source 0\.000040641\)/);
  });

  it("a file that is nearly a known format: exit 1, the nearest format and what is missing", async () => {
    expect(await cli("ingest", join(FIXTURES, "oci/reports_usage-csv_0001000000829494.csv"))).toBe(1);
    expect(t.err).toMatch(/^error: .*reports_usage-csv_0001000000829494\.csv: unrecognised columns: it looks like Oracle Cloud Infrastructure cost report \(CSV\) but the required column\(s\) cost\/myCost, cost\/currencyCode are missing/m);
    expect(t.err).not.toMatch(/\n\s+at /);
  });
});

describe("costwise mappings --format md", () => {
  it("prints the coverage table: every FOCUS column against every source", async () => {
    expect(await cli("mappings", "--format", "md")).toBe(0);
    const lines = t.out.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^\| FOCUS column \| level \| .*`azure-cost` \| `gcp-billing` \| `oci-cost`/);
    expect(t.out).toMatch(/\| SubAccountId \| \w+ \| ✓ \|/);
    expect(t.out).toMatch(/\| \*\*produced\*\* \|/);
  });

  it("with a source: that mapping's rules as Markdown", async () => {
    expect(await cli("mappings", "gcp-billing", "--format", "md")).toBe(0);
    expect(t.out).toMatch(/BilledCost/);
    expect(t.out).toMatch(/the sum of: `cost`, \(the sum of `amount` over the list in `credits`\)/);
  });

  it("an unknown output format is a usage error (exit 2)", async () => {
    expect(await cli("mappings", "--format", "pdf")).toBe(2);
    expect(t.err).toMatch(/unknown --format pdf: use one of text, md, json/);
  });
});
