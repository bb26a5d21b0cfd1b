/** `costwise opencost` and OpenCost responses given to `costwise ingest`, in process: output, --json, exit codes. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../../test/helpers/cli.js";
import { LOCAL_FIXTURES, tempDir } from "../../../test/helpers/store.js";

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
const DAILY = join(LOCAL_FIXTURES, "opencost/allocation-daily-prod-eu.json");

describe("costwise opencost", () => {
  it("loads a saved response and says what it loaded; sources shows the cluster", async () => {
    expect(await cli("opencost", DAILY)).toBe(0);
    expect(out).toMatch(/loaded .*allocation-daily-prod-eu\.json as opencost: 14 allocations in 2 window\(s\) 2024-06-01T00:00:00Z – 2024-06-03T00:00:00Z, 37 rows, BilledCost 39\.738056 USD \(response totalCost 39\.738056\), idle 22\.74281/);
    out = "";
    expect(await cli("--json", "sources")).toBe(0);
    expect(JSON.parse(out)).toEqual([expect.objectContaining({ source: "opencost", billingAccountId: "prod-eu", lastCompleteDay: "2024-06-02" })]);
  });

  it("costwise ingest recognises a saved OpenCost response; --json gives the run", async () => {
    expect(await cli("--json", "ingest", DAILY)).toBe(0);
    const r = JSON.parse(out);
    expect(r.opencost[0].loadedTotal).toBe("39.7380560000");
    expect(r.opencost[0].idleAllocations).toBe(2);
  });

  it("a broken response: exit 1, a clear message, no stack trace", async () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, '{"code": 200, "data": [{"a": {"totalCost": 1');
    expect(await cli("opencost", bad)).toBe(1);
    expect(err).toMatch(/^error: .*bad\.json: line 1, column \d+: not valid JSON/);
    expect(err).not.toMatch(/\n\s+at /);
  });

  it("usage errors exit 2", async () => {
    expect(await cli("opencost")).toBe(2);
    expect(err).toMatch(/give a saved response file or --url/);
  });
});
