/** The ingest and sources commands, in process: output, exit codes, no stack traces for user mistakes. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../../test/helpers/cli.js";
import { FIXTURES, LOCAL_FIXTURES, tempDir } from "../../../test/helpers/store.js";

let dir: string;
let cleanup: () => void;
let out: string;
let err: string;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  out = "";
  err = "";
});
afterEach(() => {
  cleanup();
});

/** The real CLI on this test's store; what it prints accumulates in `out` and `err`. */
async function cli(...args: string[]): Promise<number> {
  const r = await runCli("--store", join(dir, "c.duckdb"), ...args);
  out += r.out;
  err += r.err;
  return r.code;
}

describe("costwise ingest", () => {
  it("loads files and says what it loaded", async () => {
    expect(await cli("ingest", join(LOCAL_FIXTURES, "cur-line-item-types.csv"))).toBe(0);
    expect(out).toMatch(/loaded .*cur-line-item-types\.csv as aws-cur: 12 rows, BilledCost 585\.1910614728 \(source 585\.1910614728\)/);
    expect(out).toMatch(/ingest ing_\S+: 12 rows from 1 file\(s\), 585\.1910614728 USD; 0 rows replaced/);
  });

  it("--json prints the run, money as decimal strings", async () => {
    expect(await cli("--json", "ingest", join(FIXTURES, "focus/focus_sample.csv"))).toBe(0);
    const r = JSON.parse(out);
    expect(r.rowsLoaded).toBe(1000);
    expect(r.loadedTotal).toBe("20.5202267289");
    expect(typeof r.partitions[0].billedCost).toBe("string");
  });

  it("a bad file: exit 1, one clear line, no stack trace, nothing loaded", async () => {
    const bad = join(dir, "bad.csv");
    writeFileSync(bad, "lineItem/UnblendedCost,foo\n1,2\n");
    expect(await cli("ingest", bad)).toBe(1);
    expect(err).toMatch(/^error: .*bad\.csv: unrecognised columns: it looks like AWS Cost and Usage Report \(legacy CSV\) but the required column\(s\) .* are missing/m);
    expect(err).not.toMatch(/\n\s+at /);
    out = "";
    expect(await cli("--json", "sources")).toBe(0);
    expect(JSON.parse(out)).toEqual([]);
  });

  it("an unknown --format is a usage error (exit 2)", async () => {
    expect(await cli("ingest", "--format", "nope", join(FIXTURES, "focus/focus_sample.csv"))).toBe(2);
  });

  it("sources lists what is loaded per source and account", async () => {
    await cli("ingest", join(LOCAL_FIXTURES, "cur-line-item-types.csv"), join(FIXTURES, "focus/focus_sample.csv"));
    out = "";
    expect(await cli("--json", "sources")).toBe(0);
    const s = JSON.parse(out) as { source: string; billingAccountId: string; rows: number; billedCost: string }[];
    expect(s.find((x) => x.source === "aws-cur")).toMatchObject({ billingAccountId: "012345678901", rows: 12, billedCost: "585.1910614728" });
    expect(s.filter((x) => x.source === "focus").reduce((a, x) => a + x.rows, 0)).toBe(1000);
  });
});
