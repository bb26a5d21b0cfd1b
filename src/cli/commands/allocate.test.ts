/**
 * `costwise allocate` and `costwise report`, in-process, on a store with hand-made rows.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DuckDbStore } from "../../engine/store/duckdb/duckdb-store.js";
import { insertCostRows } from "../../../test/helpers/allocation-rows.js";
import { EXIT, reportError } from "../context.js";
import { registerAllocate } from "./allocate.js";
import { registerReport } from "./report.js";

/** The global options of src/cli/main.ts, with only the allocation commands registered. */
function program(): Command {
  const p = new Command().name("costwise").option("--config <file>").option("--store <path>").option("--json", "", false).exitOverride();
  registerAllocate(p);
  registerReport(p);
  for (const c of p.commands) {
    c.exitOverride();
    for (const s of c.commands) s.exitOverride();
  }
  return p;
}

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
  let code: number = EXIT.ok;
  try {
    const p = program();
    p.hook("postAction", (_t, action) => {
      const c = (action as Command & { exitCodeOverride?: number }).exitCodeOverride;
      if (c !== undefined) code = c;
    });
    await p.parseAsync(["node", "costwise", ...args]);
  } catch (x) {
    code = reportError(x, args.includes("--json"));
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  return { code, stdout: out.join(""), stderr: err.join("") };
}

let dir = "";
let storePath = "";
let config = "";
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "costwise-allocate-cli-"));
  storePath = join(dir, "costwise.duckdb");
  const store = await DuckDbStore.open(storePath);
  await insertCostRows(store, [
    { date: "2026-01-05", billed: "100", account: "111", tags: { team: "payments", env: "prod" }, resource: "i-1" },
    { date: "2026-01-06", billed: "30", account: "222", tags: { Team: "search" }, resource: "i-2" },
    { date: "2026-01-07", billed: "10", account: "333", service: "AWS Support" },
    { date: "2026-01-08", billed: "7", account: "444", resource: "i-4" },
  ]);
  await store.close();
  config = join(dir, "costwise.yaml");
  writeFileSync(
    config,
    [
      "allocation:",
      "  rulesFile: rules.yaml",
      "  tags: { aliases: { environment: [env] } }",
      "  coverage: { requiredTags: [team, environment], target: 90 }",
    ].join("\n"),
  );
  writeFileSync(
    join(dir, "rules.yaml"),
    ["rules:", "  - id: support", "    match: { SubAccountId: '333' }", "    shared: { method: even }", "  - id: team-tag", "    match: { 'tag:team': { present: true } }", '    set: { team: "${tag:team}" }'].join("\n"),
  );
  writeFileSync(join(dir, "next.yaml"), ["rules:", "  - id: web-444", "    match: { SubAccountId: '444' }", "    set: { team: web }", "  - id: team-tag", "    match: { 'tag:team': { present: true } }", '    set: { team: "${tag:team}" }'].join("\n"));
  writeFileSync(join(dir, "bad.yaml"), ["rules:", "  - id: x", "    match: { SubAcountId: '444' }", "    set: { team: web }"].join("\n"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("costwise allocate / report", () => {
  it("applies the rules file, prints the team table, and reports allocation as JSON and CSV", async () => {
    const r = await run(["--config", config, "--store", storePath, "allocate"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/^USD +payments +105\.00 +5\.00$/m);
    expect(r.stdout).toMatch(/^USD +__unallocated__ +7\.00 +0\.00$/m);
    const j = await run(["--config", config, "--store", storePath, "--json", "report", "allocation", "--by", "team"]);
    const doc = JSON.parse(j.stdout) as { rows: { key: string; billedCost: string }[] };
    expect(Object.fromEntries(doc.rows.map((x) => [x.key, x.billedCost]))).toEqual({ payments: "105.0000000000", search: "35.0000000000", __unallocated__: "7.0000000000" });
    const csv = await run(["--config", config, "--store", storePath, "report", "allocation", "--by", "team", "--granularity", "month", "--format", "csv"]);
    expect(csv.stdout.split("\r\n")).toEqual([
      "period,currency,team,billed_cost,effective_cost,shared_cost,line_items",
      "2026-01,USD,payments,105.0000000000,105.0000000000,5.0000000000,2",
      "2026-01,USD,search,35.0000000000,35.0000000000,5.0000000000,1",
      "2026-01,USD,__unallocated__,7.0000000000,7.0000000000,0.0000000000,1",
      "",
    ]);
  });

  it("previews a rules file: money per owner, nothing written", async () => {
    await run(["--config", config, "--store", storePath, "allocate"]);
    const p = await run(["--config", config, "--store", storePath, "--json", "allocate", "--preview", "--rules", join(dir, "next.yaml")]);
    const doc = JSON.parse(p.stdout) as { owners: { owner: string; change: string }[] };
    // support (10.00) no longer shared: unallocated +10 - 7 (444 -> web); payments -5, search -5, web +7
    expect(Object.fromEntries(doc.owners.map((o) => [o.owner, o.change]))).toEqual({
      __unallocated__: "3.0000000000",
      payments: "-5.0000000000",
      search: "-5.0000000000",
      web: "7.0000000000",
    });
    const after = await run(["--config", config, "--store", storePath, "--json", "report", "allocation"]);
    expect(after.stdout).not.toContain('"web"');
  });

  it("reports tag coverage and exits 3 below target with --fail-below-target", async () => {
    const r = await run(["--config", config, "--store", storePath, "report", "coverage", "--fail-below-target"]);
    expect(r.code).toBe(EXIT.findings);
    // team: 130 of 147 = 88.44%; environment: 100 of 147 = 68.03%
    expect(r.stdout).toMatch(/team +147\.00 +130\.00 +88\.44% +below target/);
    expect(r.stdout).toMatch(/environment +147\.00 +100\.00 +68\.03% +below target/);
    expect(r.stdout).toMatch(/^i-2 +222 /m);
  });

  it("a bad rules file is a configuration error naming the file, line and key", async () => {
    const r = await run(["--config", config, "--store", storePath, "allocate", "--rules", join(dir, "bad.yaml")]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr, r.stderr).toMatch(/bad\.yaml:3:\d+ allocation\.rules\[0\]\.match\.SubAcountId/);
    expect(r.stderr, r.stderr).toContain('"SubAcountId" is not a cost-table column (did you mean "SubAccountId"?)');
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});
