import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DuckDbStore } from "../../engine/store/duckdb/duckdb-store.js";
import { COST_TABLE } from "../../engine/store/schema.js";
import { EXIT, reportError } from "../context.js";
import { registerValidate } from "./validate.js";

const ROW = {
  BilledCost: "10",
  BillingAccountId: "acct-1",
  BillingAccountName: "Main",
  BillingCurrency: "USD",
  BillingPeriodStart: "2024-01-01 00:00:00",
  BillingPeriodEnd: "2024-02-01 00:00:00",
  ChargeCategory: "Usage",
  ChargeDescription: "m5.large, 1 hour",
  ChargePeriodStart: "2024-01-05 00:00:00",
  ChargePeriodEnd: "2024-01-05 01:00:00",
  ContractedCost: "10",
  EffectiveCost: "10",
  InvoiceIssuerName: "Example Cloud",
  ListCost: "12",
  PricingQuantity: "1",
  PricingUnit: "Hours",
  ProviderName: "Example Cloud",
  PublisherName: "Example Cloud",
  ServiceCategory: "Compute",
  ServiceName: "Virtual Machines",
  x_Source: "focus",
  x_SourceFile: "bill.csv",
  x_IngestId: "ingest-1",
};

/** Runs `costwise <args>` against the validate command only, like main() does. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command()
    .name("costwise")
    .option("--store <path>")
    .option("--json", "", false)
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} });
  registerValidate(program);
  let code: number = EXIT.ok;
  program.hook("postAction", (_p, action) => {
    const c = (action as Command & { exitCodeOverride?: number }).exitCodeOverride;
    if (c !== undefined) code = c;
  });
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
  try {
    await program.parseAsync(["node", "costwise", ...args]);
  } catch (x) {
    code = reportError(x, args.includes("--json"));
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  return { code, stdout: out.join(""), stderr: err.join("") };
}

describe("costwise validate", () => {
  let dir: string;
  let storePath: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "costwise-validate-"));
    storePath = join(dir, "store.duckdb");
    const store = await DuckDbStore.open(storePath);
    const rows = [ROW, { ...ROW, x_Source: "aws-cur", x_SourceFile: "cur.csv", BilledCost: null, ChargeDescription: null }];
    for (const r of rows) {
      const names = Object.keys(r);
      await store.run({
        sql: `INSERT INTO ${COST_TABLE} (${names.map((n) => `"${n}"`).join(", ")}) VALUES (${names.map(() => "?").join(", ")})`,
        params: Object.values(r),
      });
    }
    await store.close();
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("prints failing rules with counts and examples, and exits 3 on errors", async () => {
    const { code, stdout } = await run(["--store", storePath, "validate"]);
    expect(code).toBe(EXIT.findings);
    expect(stdout).toContain("FOCUS 1.2 conformance of 2 rows");
    expect(stdout).toMatch(/error\s+BilledCost\.not-null\s+1 row/);
    expect(stdout).toContain("BilledCost MUST NOT be null.");
    expect(stdout).toContain("e.g. cur.csv: BilledCost=null");
    expect(stdout).toMatch(/warning\s+ChargeDescription\.not-null\s+1 row/);
    expect(stdout).toMatch(/no row \(\d+\): AvailabilityZone,/);
    expect(stdout).toMatch(/NOT CONFORMANT: 1 error rule failed \(1 row\), 1 warning rule \(1 row\)/);
  });

  it("exits 0 when only the conformant source is checked", async () => {
    const { code, stdout } = await run(["--store", storePath, "validate", "--source", "focus"]);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toContain("(source focus)");
    expect(stdout).toMatch(/^CONFORMANT: 0 error rules failed/m);
  });

  it("prints the report as JSON with --json", async () => {
    const { code, stdout } = await run(["--store", storePath, "--json", "validate", "--source", "aws-cur"]);
    expect(code).toBe(EXIT.findings);
    const report = JSON.parse(stdout) as { rowsChecked: number; conformant: boolean; rules: { id: string; violations: number }[] };
    expect(report.rowsChecked).toBe(1);
    expect(report.conformant).toBe(false);
    expect(report.rules[0]).toMatchObject({ id: "BilledCost.not-null", violations: 1 });
  });

  it("fails when the filters match no row", async () => {
    const { code, stderr } = await run(["--store", storePath, "validate", "--ingest", "nope"]);
    expect(code).toBe(EXIT.failure);
    expect(stderr).toContain("no cost rows match ingest nope");
  });

  describe("--model (the FinOps Foundation's FOCUS requirements model)", () => {
    const MODEL = join(import.meta.dirname, "../../../../shared/fixtures/focus/requirements-model/model-1.2.json");

    it("--json: every rule with id, keyword, status, failing rows and examples; exit 3 on a failing MUST", async () => {
      const { code, stdout } = await run(["--store", storePath, "--json", "validate", "--model", MODEL, "--source", "aws-cur"]);
      expect(code).toBe(EXIT.findings);
      type Rule = { id: string; keyword: string; status: string; violations: number | null; examples: { values: Record<string, string | null> }[]; reason?: string };
      const report = JSON.parse(stdout) as { rowsChecked: number; conformant: boolean; rules: Rule[] };
      expect(report.rowsChecked).toBe(1);
      expect(report.rules).toHaveLength(621);
      const by = Object.fromEntries(report.rules.map((r) => [r.id, r]));
      // BilledCost MUST NOT be null: the CUR row has none
      expect(by["BilledCost-C-003-M"]).toMatchObject({ keyword: "MUST NOT", status: "fail", violations: 1, examples: [{ values: { BilledCost: null } }] });
      expect(by["BilledCost-C-000-M"]).toMatchObject({ status: "fail", violations: null });
      expect(by["DateTimeFormat-A-001-M"]).toMatchObject({ status: "skipped", reason: expect.stringContaining("Dynamic") });
      expect(report.conformant).toBe(false);
    });

    it("text, JUnit, SARIF and Markdown; the conformant source exits 0", async () => {
      const text = await run(["--store", storePath, "validate", "--model", MODEL, "--source", "focus"]);
      expect(text.code).toBe(EXIT.ok);
      expect(text.stdout).toMatch(/^CONFORMANT: 0 MUST rules failed/m);
      const junit = await run(["--store", storePath, "validate", "--model", MODEL, "--source", "aws-cur", "--format", "junit"]);
      expect(junit.stdout).toContain('<testcase classname="BilledCost" name="BilledCost-C-003-M (MUST NOT)">');
      expect(junit.stdout).toContain("<failure");
      const sarif = JSON.parse((await run(["--store", storePath, "validate", "--model", MODEL, "--source", "aws-cur", "--format", "sarif"])).stdout) as {
        runs: { results: { ruleId: string; level: string }[] }[];
      };
      expect(sarif.runs[0]!.results).toContainEqual(expect.objectContaining({ ruleId: "BilledCost-C-003-M", level: "error" }));
      const md = await run(["--store", storePath, "validate", "--model", MODEL, "--source", "aws-cur", "--format", "md"]);
      expect(md.stdout).toMatch(/\| BilledCost-C-003-M \| MUST NOT \| 1 \|/);
    });

    it("usage errors: a bad format, an unknown criterion, a file that is not a model, --dataset without --model", async () => {
      expect((await run(["--store", storePath, "validate", "--model", MODEL, "--format", "xml"])).code).toBe(EXIT.usage);
      const crit = await run(["--store", storePath, "validate", "--model", MODEL, "--applicability", "NOPE"]);
      expect(crit.code).toBe(EXIT.usage);
      expect(crit.stderr).toContain("unknown criteria NOPE");
      const notModel = await run(["--store", storePath, "validate", "--model", storePath]);
      expect(notModel.code).toBe(EXIT.usage);
      expect(notModel.stderr).toContain("is not valid JSON");
      expect((await run(["--store", storePath, "validate", "--dataset", "x.csv"])).stderr).toContain("--dataset needs --model");
    });
  });
});
