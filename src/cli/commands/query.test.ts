import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DuckDbStore } from "../../engine/store/duckdb/duckdb-store.js";
import { EXIT, reportError } from "../context.js";
import { registerQuery } from "./query.js";
import { renderCsv } from "./query-actions.js";

let dir: string;
let storePath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "costwise-query-"));
  storePath = join(dir, "costs.duckdb");
  const store = await DuckDbStore.open(storePath);
  await store.run(`
    INSERT INTO focus_costs ("ChargePeriodStart", "ServiceName", "BillingCurrency", "BilledCost", "Tags") VALUES
      ('2024-09-01 00:00:00', 'Amazon EC2', 'USD', 1234.5678, MAP {'team': 'a, "quoted"'}),
      ('2024-09-02 00:00:00', 'Amazon S3',  'USD',    0.005,  MAP {'team': 'line
break'}),
      ('2024-09-03 00:00:00', 'Amazon S3',  'USD',    2,      MAP {'team': '\x1b[31mred'})
  `);
  await store.close();
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `costwise <args>` in process the way main.ts does; returns exit code and output. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const program = new Command().option("--store <path>").option("--json", "", false).exitOverride();
  registerQuery(program);
  for (const c of program.commands) c.exitOverride().configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
  let code: number = EXIT.ok;
  program.hook("postAction", (_t, action) => {
    const c = (action as Command & { exitCodeOverride?: number }).exitCodeOverride;
    if (c !== undefined) code = c;
  });
  try {
    await program.parseAsync(["node", "costwise", "--store", storePath, ...args]);
  } catch (x) {
    code = x instanceof CommanderError ? (x.code === "commander.helpDisplayed" ? EXIT.ok : EXIT.usage) : reportError(x, args.includes("--json"));
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  return { code, out: out.join(""), err: err.join("") };
}

describe("costwise query", () => {
  it("prints an aligned table with money to the cent and escaped control characters", async () => {
    const r = await cli("query", "-g", "tag:team");
    expect(r.code).toBe(0);
    expect(r.out).toMatchInlineSnapshot(`
      "tag:team              BilledCost (USD)
      ────────────────────  ────────────────
      a, "quoted"                   1,234.57
      \\u001b[31mred                     2.00
      line\\nbreak                       0.01
      ────────────────────  ────────────────
      Total (3 line items)          1,236.57
      "
    `);
  });

  it("prints a total-only table without dimensions", async () => {
    const r = await cli("query", "--start", "2024-09-02");
    expect(r.out).toMatchInlineSnapshot(`
      "BilledCost (USD)
      ────────────────
                  2.01
      (2 line items)
      "
    `);
  });

  it("prints exact decimals as JSON and CSV", async () => {
    const j = await cli("query", "--json", "-g", "ServiceName", "--limit", "1");
    expect(j.code).toBe(0);
    const doc = JSON.parse(j.out);
    expect(doc.rows).toEqual([{ ServiceName: "Amazon EC2", BillingCurrency: "USD", BilledCost: "1234.5678000000" }]);
    expect(doc.truncated).toBe(true);
    expect(doc.totals.total).toBe("1236.5728000000");
    expect(doc.query).toMatchObject({ metric: "BilledCost", groupBy: ["ServiceName"], limit: 1 });

    const c = await cli("query", "--csv", "-g", "tag:team", "--order", "tag:team");
    expect(c.out).toBe('tag:team,BillingCurrency,BilledCost\r\n\x1b[31mred,USD,2.0000000000\r\n"a, ""quoted""",USD,1234.5678000000\r\n"line\nbreak",USD,0.0050000000\r\n');
  });

  it("exits 2 with every problem named for a bad query; --json keeps the BAD_QUERY code", async () => {
    const r = await cli("query", "-g", "Servce", "-f", "tag:team", "--granularity", "week");
    expect(r.code).toBe(EXIT.usage);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/^error: bad query:\n {2}--group-by: unknown dimension "Servce"; did you mean ServiceName/);
    expect(r.err).toMatch(/--filter "tag:team": no operator/);
    expect(r.err).toMatch(/--granularity: unknown granularity "week"/);
    const j = await cli("query", "--json", "-m", "Cost");
    expect(j.code).toBe(EXIT.usage);
    expect(JSON.parse(j.out).error).toMatchObject({ code: "BAD_QUERY", details: { problems: [{ code: "BAD_METRIC", path: "--metric" }] } });
  });

  it("refuses --csv with --json, and a store that does not exist", async () => {
    expect((await cli("query", "--json", "--csv")).code).toBe(EXIT.usage);
    const missing = await cli("query", "--store", join(dir, "nope.duckdb"));
    expect(missing.code).toBe(EXIT.failure);
    expect(missing.err).toMatch(/no cost store at .*nope\.duckdb/);
  });

  it("documents the grammar in --help", async () => {
    const r = await cli("query", "--help");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--group-by <dims>/);
    expect(r.out).toMatch(/<dim> in <v1>,<v2>/);
    expect(r.out).toMatch(/Examples:/);
  });
});

describe("renderCsv", () => {
  it("follows RFC 4180", () => {
    const csv = renderCsv({
      query: { metric: "BilledCost", groupBy: [], filters: [], window: {}, granularity: "none", orderBy: [], limit: undefined },
      columns: ["a", "BilledCost"],
      rows: [
        { a: 'x,"y"', BilledCost: "1.5" },
        { a: null, BilledCost: null },
        { a: "cr\rlf", BilledCost: "-2" },
      ],
      totals: { metric: "BilledCost", kind: "cost", unitColumn: "BillingCurrency", total: "0", byUnit: [], groups: 3, lineItems: 3 },
      truncated: false,
    });
    expect(csv).toBe('a,BilledCost\r\n"x,""y""",1.5\r\n,\r\n"cr\rlf",-2\r\n');
  });

  it("--safe-csv neutralizes formula-looking text cells and keeps negative money a number", () => {
    const result = {
      query: { metric: "BilledCost", groupBy: [], filters: [], window: {}, granularity: "none", orderBy: [], limit: undefined },
      columns: ["a", "BilledCost"],
      rows: [
        { a: "=HYPERLINK(1)", BilledCost: "-12.50" },
        { a: "@team", BilledCost: "+3" },
        { a: "-x", BilledCost: "4" },
      ],
      totals: { metric: "BilledCost", kind: "cost", unitColumn: "BillingCurrency", total: "0", byUnit: [], groups: 3, lineItems: 3 },
      truncated: false,
    } as unknown as Parameters<typeof renderCsv>[0];
    expect(renderCsv(result, "safe")).toBe("a,BilledCost\r\n'=HYPERLINK(1),-12.50\r\n'@team,+3\r\n'-x,4\r\n");
    expect(renderCsv(result)).toBe("a,BilledCost\r\n=HYPERLINK(1),-12.50\r\n@team,+3\r\n-x,4\r\n");
  });
});
