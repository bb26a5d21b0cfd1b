import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DuckDbStore } from "../../engine/store/duckdb/duckdb-store.js";
import { COST_TABLE } from "../../engine/store/schema.js";
import type { DemoSummary } from "../../demo/run-demo.js";
import { EXIT } from "../context.js";
import { main } from "../main.js";

/** Runs `costwise <args>` in-process, capturing stdout and stderr. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
  try {
    const code = await main(["node", "costwise", ...args]);
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/** Splits a printed command line into argv (plain words and '...' quoting, as the demo prints them). */
function shellWords(line: string): string[] {
  return [...line.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]!));
}

const SMALL = ["--months", "2", "--scale", "0.2"];

describe("costwise demo", () => {
  let dir = "";
  let dataDir = "";
  let storePath = "";
  let result: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "costwise-demo-cli-"));
    dataDir = join(dir, "data");
    storePath = join(dir, "demo.duckdb");
    result = await run(["--store", storePath, "demo", "--data-dir", dataDir, ...SMALL]);
  }, 180_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("prints progress on stderr and the summary's sections on stdout, and exits 0", () => {
    expect(result.code).toBe(EXIT.ok);
    expect(result.stderr).toMatch(/generating 2 months of demo bills \(seed 42\)/);
    expect(result.stderr).toMatch(/ingested [\d,]+ rows from \d+ files in [\d.]+ s \([\d,]+ rows\/s\)/);
    const out = result.stdout;
    expect(out).toMatch(/^costwise demo: 2 months \(2026-09-01 to 2026-10-31\)/m);
    expect(out).toContain("loaded = generated: yes");
    expect(out).toContain("untagged spend = generated: yes");
    expect(out).toMatch(/^Last complete month 2026-10: billed [\d,]+\.\d\d USD, effective \(amortized\) [\d,]+\.\d\d USD$/m);
    expect(out).toMatch(/^ {2}vs 2026-09: billed [+-][\d,]+\.\d\d \([+-]\d+\.\d%\)/m);
    expect(out).toContain("Top services, 2026-10 (effective cost, USD)");
    expect(out).toContain("Top accounts, 2026-10 (effective cost, USD)");
    expect(out).toMatch(/^Untagged: [\d,]+\.\d\d USD in 2026-10 \(\d+\.\d% of effective cost\)/m);
    expect(out).toContain("the team tag has two keys in 2026-10: `team` on");
    expect(out).toMatch(/^Monthly trend \(USD\)/m);
    expect(out).toMatch(/^ {2}2026-09 .*█/m);
    expect(out).toMatch(/^Data sources\n {2}aws-cur /m);
    expect(out).toMatch(/^FOCUS 1\.2 conformance of [\d,]+ rows: \d+ of \d+ rules fail/m);
    expect(out).toMatch(/^Next steps$/m);
    expect(out).toMatch(/^Spend by team \(allocation rules/m);
    expect(out).toMatch(/^USD +__unallocated__ +[\d,]+\.\d\d/m);
    expect(out).toMatch(/^Total USD [\d,]+\.\d\d: allocated \+ unallocated = billed, exactly/m);
    expect(out).toMatch(/^USD +team +[\d,]+\.\d\d +[\d,]+\.\d\d +\d+\.\d\d%/m);
    expect(out.split("\n").length).toBeLessThanOrEqual(85);
  });

  it("prints next steps that run as printed on the demo store", async () => {
    const steps = result.stdout.split("Next steps\n")[1]!.trim().split("\n").map((l) => l.trim());
    expect(steps.length).toBeGreaterThanOrEqual(4);
    for (const step of steps) {
      const [program, ...args] = shellWords(step);
      expect(program).toBe("costwise");
      expect(args.slice(0, 1)).toEqual(["--store"]);
      const r = await run(args);
      // validate exits 3 when error-severity rules fail (the FOCUS sample and the CUR mapping have some)
      expect([EXIT.ok, EXIT.findings], `${step}\n${r.stderr}`).toContain(r.code);
      expect(r.stdout.length).toBeGreaterThan(0);
      expect(r.stderr).toBe("");
    }
    const services = await run(shellWords(steps[0]!).slice(1));
    expect(services.stdout).toContain("Amazon Elastic Compute Cloud");
  }, 60_000);

  it("re-creates the demo store on every run: same totals, no rows replaced", async () => {
    const again = await run(["--store", storePath, "--json", "demo", "--data-dir", dataDir, ...SMALL]);
    expect(again.code).toBe(EXIT.ok);
    expect(again.stderr).toBe(""); // no progress with --json
    const s = JSON.parse(again.stdout) as DemoSummary;
    expect(s.check.loadedEqualsGenerated).toBe(true);
    expect(s.ingest.rowsReplaced).toBe(0);
    expect(typeof s.lastMonth.totals[0]?.billedCost).toBe("string");
    expect(s.lastMonth.totals[0]?.billedCost).toMatch(/^-?\d+\.\d+$/);
    const keep = await run(["--store", storePath, "--json", "demo", "--data-dir", dataDir, "--keep-store", ...SMALL]);
    const k = JSON.parse(keep.stdout) as DemoSummary;
    expect(k.ingest.rowsReplaced).toBe(k.ingest.rows); // the re-delivered periods replaced themselves
    expect(k.check).toEqual(s.check);
    expect(k.lastMonth).toEqual(s.lastMonth);
  }, 180_000);

  it("refuses to re-create a --store that holds other data, and leaves it untouched", async () => {
    const other = join(dir, "real.duckdb");
    const store = await DuckDbStore.open(other);
    await store.run({
      sql: `INSERT INTO ${COST_TABLE} ("BilledCost", "BillingCurrency", "ChargePeriodStart", "ChargePeriodEnd", x_Source, x_SourceFile) VALUES (?, ?, ?, ?, ?, ?)`,
      params: ["12.5", "USD", "2024-01-05 00:00:00", "2024-01-06 00:00:00", "focus", "/bills/real-bill.csv"],
    });
    await store.close();
    const r = await run(["--store", other, "demo", "--data-dir", dataDir, ...SMALL]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/holds cost data that is not the demo's/);
    expect(existsSync(other)).toBe(true);
    const reopened = await DuckDbStore.open(other);
    expect(await reopened.all(`SELECT count(*)::INTEGER AS n FROM ${COST_TABLE}`)).toEqual([{ n: 1 }]);
    await reopened.close();
  });

  it("rejects a bad seed as a usage error", async () => {
    const r = await run(["--store", join(dir, "x.duckdb"), "demo", "--data-dir", dataDir, "--seed", "abc"]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toContain("--seed takes a whole number");
  });
});
