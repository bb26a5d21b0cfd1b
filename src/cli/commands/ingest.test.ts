/** The ingest and sources commands, in process: output, exit codes, no stack traces for user mistakes. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliOnTempStore } from "../../../test/helpers/cli.js";
import { FIXTURES, LOCAL_FIXTURES } from "../../../test/helpers/store.js";

const t = cliOnTempStore();
const cli = t.cli;

describe("costwise ingest", () => {
  it("loads files and says what it loaded", async () => {
    expect(await cli("ingest", join(LOCAL_FIXTURES, "cur-line-item-types.csv"))).toBe(0);
    expect(t.out).toMatch(/loaded .*cur-line-item-types\.csv as aws-cur: 12 rows, BilledCost 585\.1910614728 \(source 585\.1910614728\)/);
    expect(t.out).toMatch(/ingest ing_\S+: 12 rows from 1 file\(s\), 585\.1910614728 USD; 0 rows replaced/);
  });

  it("--json prints the run, money as decimal strings", async () => {
    expect(await cli("--json", "ingest", join(FIXTURES, "focus/focus_sample.csv"))).toBe(0);
    const r = JSON.parse(t.out);
    expect(r.rowsLoaded).toBe(1000);
    expect(r.loadedTotal).toBe("20.5202267289");
    expect(typeof r.partitions[0].billedCost).toBe("string");
  });

  it("a bad file: exit 1, one clear line, no stack trace, nothing loaded", async () => {
    const bad = join(t.dir, "bad.csv");
    writeFileSync(bad, "lineItem/UnblendedCost,foo\n1,2\n");
    expect(await cli("ingest", bad)).toBe(1);
    expect(t.err).toMatch(/^error: .*bad\.csv: unrecognised columns: it looks like AWS Cost and Usage Report \(legacy CSV\) but the required column\(s\) .* are missing/m);
    expect(t.err).not.toMatch(/\n\s+at /);
    t.clearOut();
    expect(await cli("--json", "sources")).toBe(0);
    expect(JSON.parse(t.out)).toEqual([]);
  });

  it("an unknown --format is a usage error (exit 2)", async () => {
    expect(await cli("ingest", "--format", "nope", join(FIXTURES, "focus/focus_sample.csv"))).toBe(2);
  });

  it("sources lists what is loaded per source and account", async () => {
    await cli("ingest", join(LOCAL_FIXTURES, "cur-line-item-types.csv"), join(FIXTURES, "focus/focus_sample.csv"));
    t.clearOut();
    expect(await cli("--json", "sources")).toBe(0);
    const s = JSON.parse(t.out) as { source: string; billingAccountId: string; rows: number; billedCost: string }[];
    expect(s.find((x) => x.source === "aws-cur")).toMatchObject({ billingAccountId: "012345678901", rows: 12, billedCost: "585.1910614728" });
    expect(s.filter((x) => x.source === "focus").reduce((a, x) => a + x.rows, 0)).toBe(1000);
  });
});
