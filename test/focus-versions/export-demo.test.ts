/**
 * `costwise export focus` on the demo store (issue 19, "Done when"): FOCUS 1.3 Parquet whose BilledCost and
 * EffectiveCost per billing period and currency equal the store's, with every 1.3 Cost and Usage column; the
 * Contract Commitment dataset and metadata; `--allocated`: per AllocatedTags owner the sums equal
 * `costwise report allocation` to the cent, and the file sums to the bill; 1.2 and CSV keep their own columns.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { columnsOfVersion } from "../../src/core/focus/columns.js";
import { runDemoAnalyses } from "../../src/demo/analyses.js";
import { runDemo } from "../../src/demo/run-demo.js";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/store.js";

let work: { dir: string; cleanup: () => void };
let storePath: string;
let configPath: string;
let scratch: DuckDbStore;

beforeAll(async () => {
  work = tempDir("costwise-focus-export-");
  storePath = join(work.dir, "s.duckdb");
  const store = await DuckDbStore.open(storePath);
  try {
    const summary = await runDemo(store, { seed: 42, months: 2, scale: 0.1, dataDir: join(work.dir, "demo"), focusSample: null });
    await runDemoAnalyses(store, summary, { configDir: work.dir });
  } finally {
    await store.close();
  }
  configPath = join(work.dir, "costwise.yaml");
  scratch = await DuckDbStore.open(":memory:");
}, 300_000);

afterAll(async () => {
  await scratch?.close();
  work?.cleanup();
});

async function cli(...args: string[]) {
  return runCli("--config", configPath, "--store", storePath, ...args);
}

/** Per period and currency: billed and effective totals, as exact decimal strings. */
async function storeTotals(): Promise<string[]> {
  const s = await DuckDbStore.open(storePath, { readOnly: true });
  try {
    const rows = await s.all(`SELECT strftime("BillingPeriodStart", '%Y-%m') AS p, "BillingCurrency" AS c, sum("BilledCost")::VARCHAR AS b, sum("EffectiveCost")::VARCHAR AS e
      FROM focus_costs GROUP BY ALL ORDER BY p, c`);
    return rows.map((r) => `${String(r["p"])} ${String(r["c"])} ${String(r["b"])} ${String(r["e"])}`);
  } finally {
    await s.close();
  }
}

describe("costwise export focus --version 1.3 on the demo store", () => {
  it("writes Parquet per billing period whose totals equal the store's, with every 1.3 column", async () => {
    const out = join(work.dir, "focus-1.3");
    const r = await cli("--json", "export", "focus", "--version", "1.3", "--out", out);
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(r.out) as { files: { dataset: string; period: string | null; path: string }[] };
    const usage = result.files.filter((f) => f.dataset === "CostAndUsage");
    const periods = [...new Set((await storeTotals()).map((t) => t.split(" ")[0]))];
    expect(usage.map((f) => f.period)).toEqual(periods);
    expect(periods.length).toBeGreaterThanOrEqual(2);
    const parts: string[] = [];
    for (const f of usage) {
      expect(f.path).toBe(join(out, `cost-and-usage-${f.period}.parquet`));
      const cols = (await scratch.all(`DESCRIBE SELECT * FROM read_parquet('${f.path}')`)).map((c) => String(c["column_name"]));
      expect(cols).toEqual(columnsOfVersion("1.3").map((c) => c.name));
      const rows = await scratch.all(`SELECT strftime("BillingPeriodStart", '%Y-%m') AS p, "BillingCurrency" AS c, sum("BilledCost")::VARCHAR AS b, sum("EffectiveCost")::VARCHAR AS e
        FROM read_parquet('${f.path}') GROUP BY ALL ORDER BY p, c`);
      expect(rows.every((x) => x["p"] === f.period)).toBe(true);
      parts.push(...rows.map((x) => `${String(x["p"])} ${String(x["c"])} ${String(x["b"])} ${String(x["e"])}`));
    }
    expect(parts).toEqual(await storeTotals());
    // ServiceProviderName and HostProviderName are filled on every row (Mandatory in 1.3)
    const nulls = await scratch.all(`SELECT count(*) FILTER (WHERE "ServiceProviderName" IS NULL OR "HostProviderName" IS NULL)::INT AS n, count(*)::INT AS total
      FROM read_parquet('${join(out, "cost-and-usage-*.parquet")}')`);
    expect(nulls[0]).toMatchObject({ n: 0 });
    expect(Number(nulls[0]!["total"])).toBeGreaterThan(1000);

    // the metadata states the version, the generator and the schema of each dataset
    const meta = JSON.parse(readFileSync(join(out, "metadata.json"), "utf8")) as { DataGenerator: { DataGenerator: string }; Schemas: { FocusVersion: string; x_Dataset: string; ColumnDefinition: { ColumnName: string }[] }[] };
    expect(meta.DataGenerator.DataGenerator).toMatch(/^costwise/);
    const cu = meta.Schemas.find((s) => s.x_Dataset === "CostAndUsage")!;
    expect(cu.FocusVersion).toBe("1.3");
    expect(cu.ColumnDefinition.map((c) => c.ColumnName)).toEqual(columnsOfVersion("1.3").map((c) => c.name));
  }, 120_000);

  it("loads back with `costwise ingest DIR`: metadata.json and the Contract Commitment file skipped with a stated reason, totals equal", async () => {
    const out = join(work.dir, "focus-1.3-reingest");
    expect((await cli("export", "focus", "--version", "1.3", "--out", out)).code).toBe(0);
    const again = join(work.dir, "reingest.duckdb");
    const r = await runCli("--config", configPath, "--store", again, "ingest", out);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/skipped \S*contract-commitment\.parquet: a FOCUS Contract Commitment dataset/);
    expect(r.err).toMatch(/skipped \S*metadata\.json: FOCUS metadata/);
    const s = await DuckDbStore.open(again, { readOnly: true });
    try {
      const rows = await s.all(`SELECT strftime("BillingPeriodStart", '%Y-%m') AS p, "BillingCurrency" AS c, sum("BilledCost")::VARCHAR AS b, sum("EffectiveCost")::VARCHAR AS e
        FROM focus_costs GROUP BY ALL ORDER BY p, c`);
      expect(rows.map((x) => `${String(x["p"])} ${String(x["c"])} ${String(x["b"])} ${String(x["e"])}`)).toEqual(await storeTotals());
      // the version comes from the export's metadata.json
      const versions = await s.all(`SELECT DISTINCT x_FocusVersion AS v FROM focus_costs`);
      expect(versions).toEqual([{ v: "1.3" }]);
    } finally {
      await s.close();
    }
  }, 120_000);

  it("writes the Contract Commitment dataset of the commitments the bill names", async () => {
    const out = join(work.dir, "focus-1.3");
    const s = await DuckDbStore.open(storePath, { readOnly: true });
    let expected: string[];
    try {
      expected = (await s.all(`SELECT DISTINCT "CommitmentDiscountId" AS id FROM focus_costs WHERE "CommitmentDiscountId" IS NOT NULL ORDER BY id`)).map((r) => String(r["id"]));
    } finally {
      await s.close();
    }
    expect(expected.length).toBeGreaterThan(0);
    const rows = await scratch.all(`SELECT * FROM read_parquet('${join(out, "contract-commitment.parquet")}') ORDER BY "ContractCommitmentId"`);
    expect(rows.map((r) => String(r["ContractCommitmentId"]))).toEqual(expected);
    for (const r of rows) {
      expect(r["ContractId"]).toBe(r["ContractCommitmentId"]);
      expect(["Spend", "Usage"]).toContain(r["ContractCommitmentCategory"]);
      expect(r["ContractCommitmentPeriodStart"]).not.toBeNull();
      expect(String(r["ContractCommitmentPeriodEnd"]) >= String(r["ContractCommitmentPeriodStart"])).toBe(true);
      expect(r["ContractCommitmentCost"]).not.toBeNull();
    }
  }, 60_000);

  it("--version 1.2 --format csv --period writes that month with the 1.2 columns only", async () => {
    const totals = await storeTotals();
    const month = totals[0]!.split(" ")[0]!;
    const out = join(work.dir, "focus-1.2");
    const r = await cli("export", "focus", "--version", "1.2", "--format", "csv", "--period", month, "--out", out);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`CostAndUsage       ${month}`);
    const file = join(out, `cost-and-usage-${month}.csv`);
    const header = readFileSync(file, "utf8").split("\n")[0]!.split(",");
    expect(header).toEqual(columnsOfVersion("1.2").map((c) => c.name));
    expect(header).not.toContain("ServiceProviderName");
    const rows = await scratch.all(`SELECT "BillingCurrency" AS c, sum(CAST("BilledCost" AS DECIMAL(38,10)))::VARCHAR AS b, sum(CAST("EffectiveCost" AS DECIMAL(38,10)))::VARCHAR AS e, min("ChargePeriodStart") AS first
      FROM read_csv('${file}', header = true, all_varchar = true) GROUP BY ALL ORDER BY c`);
    expect(rows.map((x) => `${month} ${String(x["c"])} ${String(x["b"])} ${String(x["e"])}`)).toEqual(totals.filter((t) => t.startsWith(month)));
    expect(String(rows[0]!["first"])).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  }, 60_000);

  it("refuses --allocated with 1.2, an unknown version and a malformed period (usage errors, nothing written)", async () => {
    const out = join(work.dir, "refused");
    expect((await cli("export", "focus", "--version", "1.2", "--allocated", "--out", out)).code).toBe(2);
    expect((await cli("export", "focus", "--version", "0.9", "--out", out)).code).toBe(2);
    const bad = await cli("export", "focus", "--period", "2024-13", "--out", out);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("YYYY-MM");
    expect(existsSync(out)).toBe(false);
  }, 60_000);
});

describe("the demo store's CUR rows (issue 19: ContractedCost vs ContractedUnitPrice × PricingQuantity)", () => {
  it("ContractedCost = ContractedUnitPrice × PricingQuantity on every row that has both (not Correction), at the store's 10 decimal places", async () => {
    const s = await DuckDbStore.open(storePath, { readOnly: true });
    try {
      // the store keeps 10 decimal places: a prorated quantity (1.6666666667 GB-months) times its rate differs from
      // the cost by less than half a unit of the 10th place, so the product is compared rounded to 10 places
      const rows = await s.all(`SELECT x_Source AS src, count(*)::INT AS n,
          count(*) FILTER (WHERE "ContractedCost" <> round("ContractedUnitPrice" * "PricingQuantity", 10))::INT AS mismatched,
          count(*) FILTER (WHERE "ContractedUnitPrice" < 0)::INT AS negative_price,
          count(*) FILTER (WHERE x_ChargeType = 'SavingsPlanNegation')::INT AS negations
        FROM focus_costs WHERE "ContractedUnitPrice" IS NOT NULL AND "PricingQuantity" IS NOT NULL AND coalesce("ChargeClass", '') <> 'Correction' GROUP BY ALL ORDER BY src`);
      const cur = rows.find((r) => r["src"] === "aws-cur")!;
      expect(Number(cur["n"])).toBeGreaterThan(1000);
      expect(Number(cur["negations"])).toBeGreaterThan(0); // the Savings Plan negation lines are among them
      for (const r of rows) expect({ src: r["src"], mismatched: r["mismatched"], negative_price: r["negative_price"] }).toEqual({ src: r["src"], mismatched: 0, negative_price: 0 });
    } finally {
      await s.close();
    }
  }, 60_000);
});

describe("costwise export focus --allocated", () => {
  it("sums per AllocatedTags owner to `costwise report allocation` to the cent, and to the bill", async () => {
    const out = join(work.dir, "focus-allocated");
    const r = await cli("export", "focus", "--allocated", "--out", out);
    expect(r.code, r.err).toBe(0);
    const files = join(out, "cost-and-usage-*.parquet");
    const perOwner = await scratch.all(`SELECT "BillingCurrency" AS c, json_extract_string("AllocatedTags", '$."costwise/team"') AS team,
        sum("BilledCost")::DECIMAL(38,2)::VARCHAR AS b, sum("EffectiveCost")::DECIMAL(38,2)::VARCHAR AS e
      FROM read_parquet('${files}') GROUP BY ALL ORDER BY c, team`);
    const rep = await cli("--json", "report", "allocation", "--by", "team");
    expect(rep.code, rep.err).toBe(0);
    const report = JSON.parse(rep.out) as { rows: { currency: string; key: string; billedCost: string; effectiveCost: string }[] };
    const cents = (v: string) => (Math.round(Number(v) * 100) / 100).toFixed(2);
    const fromReport = report.rows.map((x) => `${x.currency} ${x.key} ${cents(x.billedCost)} ${cents(x.effectiveCost)}`).sort();
    expect(perOwner.map((x) => `${String(x["c"])} ${String(x["team"])} ${String(x["b"])} ${String(x["e"])}`).sort()).toEqual(fromReport);
    expect(perOwner.length).toBeGreaterThan(3);

    // every row says which rule allocated it and how; a share's ratio sums to 1 over its pool and period
    const detail = await scratch.all(`SELECT count(*) FILTER (WHERE "AllocatedMethodId" IS NULL OR "AllocatedMethodDetails" IS NULL OR "AllocatedTags" IS NULL OR "AllocatedResourceId" IS NULL)::INT AS missing,
        count(DISTINCT json_extract_string("AllocatedMethodDetails", '$.x_SplitMethod'))::INT AS methods FROM read_parquet('${files}')`);
    expect(detail[0]).toMatchObject({ missing: 0 });
    const pools = await scratch.all(`SELECT "BillingPeriodStart" AS p, "BillingCurrency" AS c, x_SharedPool AS pool, round(sum(CAST(json_extract("AllocatedMethodDetails", '$.Elements[0].AllocatedRatio') AS DOUBLE)), 6) AS total
      FROM read_parquet('${files}') WHERE x_SharedPool IS NOT NULL GROUP BY ALL HAVING sum("BilledCost") <> 0`);
    expect(pools.length).toBeGreaterThan(0);
    for (const p of pools) expect(p["total"]).toBe(1);

    // the export sums to the bill: per period and currency, the store's line items (allocation's invariant)
    const s = await DuckDbStore.open(storePath, { readOnly: true });
    try {
      const bill = await s.all(`SELECT strftime(billing_period_start, '%Y-%m') AS p, currency AS c, sum(billed_cost)::VARCHAR AS b FROM cost_allocation GROUP BY ALL ORDER BY p, c`);
      const exported = await scratch.all(`SELECT strftime("BillingPeriodStart", '%Y-%m') AS p, "BillingCurrency" AS c, sum("BilledCost")::VARCHAR AS b FROM read_parquet('${files}') GROUP BY ALL ORDER BY p, c`);
      expect(exported).toEqual(bill);
      const lineItems = await s.all(`SELECT strftime("BillingPeriodStart", '%Y-%m') AS p, "BillingCurrency" AS c, sum("BilledCost")::VARCHAR AS b FROM focus_costs WHERE x_Source <> 'opencost' GROUP BY ALL ORDER BY p, c`);
      expect(exported).toEqual(lineItems);
    } finally {
      await s.close();
    }
  }, 120_000);
  it("writes valid FOCUS rows: the Mandatory columns filled, and no MUST rule of the official model fails that the line items pass", async () => {
    const out = join(work.dir, "focus-allocated-model");
    const plainOut = join(work.dir, "focus-plain-model");
    expect((await cli("export", "focus", "--allocated", "--out", out)).code).toBe(0);
    expect((await cli("export", "focus", "--out", plainOut)).code).toBe(0);
    const files = join(out, "cost-and-usage-*.parquet");
    // Mandatory columns the allocation's grain does not keep are derived from the line items (never null)
    const mandatory = ["ChargeCategory", "ChargeFrequency", "ChargeDescription", "BillingAccountId", "BillingAccountName", "InvoiceIssuerName", "PublisherName", "ServiceCategory",
      "ServiceSubcategory", "PricingCurrency", "PricingCurrencyEffectiveCost", "ListCost", "ContractedCost", "ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BillingPeriodEnd", "BillingCurrency", "ServiceProviderName", "HostProviderName"];
    const nulls = await scratch.all(`SELECT ${mandatory.map((c) => `count(*) FILTER (WHERE "${c}" IS NULL)::INT AS "${c}"`).join(", ")}, count(*)::INT AS total FROM read_parquet('${files}')`);
    expect(nulls[0]).toEqual({ ...Object.fromEntries(mandatory.map((c) => [c, 0])), total: nulls[0]!["total"] });
    // SubAccountName / RegionName where the id is set; a Purchase is never Usage-Based
    const cond = await scratch.all(`SELECT count(*) FILTER (WHERE "SubAccountId" IS NOT NULL AND "SubAccountName" IS NULL)::INT AS sa, count(*) FILTER (WHERE "RegionId" IS NOT NULL AND "RegionName" IS NULL)::INT AS rg,
        count(*) FILTER (WHERE "ChargeCategory" = 'Purchase' AND "ChargeFrequency" = 'Usage-Based')::INT AS pf FROM read_parquet('${files}')`);
    expect(cond[0]).toEqual({ sa: 0, rg: 0, pf: 0 });
    // per period: the official requirements model on the allocated file fails no MUST rule the line items' own export passes
    const model = join(process.cwd(), "..", "shared", "fixtures", "focus", "requirements-model", "model-1.2.json");
    const failingMust = async (file: string) => {
      const r = await cli("--json", "validate", "--model", model, "--dataset", file);
      const report = JSON.parse(r.out) as { rules: { id: string; keyword: string; status: string }[] };
      expect(report.rules.length).toBeGreaterThan(100);
      return report.rules.filter((x) => x.status === "fail" && x.keyword.startsWith("MUST")).map((x) => x.id).sort();
    };
    const periods = [...new Set((await storeTotals()).map((t) => t.split(" ")[0]!))];
    for (const p of periods) {
      const allocatedFails = await failingMust(join(out, `cost-and-usage-${p}.parquet`));
      const lineItemFails = new Set(await failingMust(join(plainOut, `cost-and-usage-${p}.parquet`)));
      expect(allocatedFails.filter((id) => !lineItemFails.has(id))).toEqual([]);
      // the Mandatory-column rules that failed before the columns were derived
      for (const id of ["ChargeCategory-C-002-M", "ListCost-C-003-M", "ContractedCost-C-003-M", "BillingAccountId-C-001-M", "ServiceCategory-C-002-M", "PublisherName-C-003-M", "ChargeFrequency-C-002-M"]) expect(allocatedFails).not.toContain(id);
    }
  }, 180_000);
});
