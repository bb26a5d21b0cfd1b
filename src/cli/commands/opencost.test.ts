/** `costwise opencost` and OpenCost responses given to `costwise ingest`, in process: output, --json, exit codes. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliOnTempStore } from "../../../test/helpers/cli.js";
import { LOCAL_FIXTURES } from "../../../test/helpers/store.js";

const t = cliOnTempStore();
const cli = t.cli;
const DAILY = join(LOCAL_FIXTURES, "opencost/allocation-daily-prod-eu.json");

describe("costwise opencost", () => {
  it("loads a saved response and says what it loaded; sources shows the cluster", async () => {
    expect(await cli("opencost", DAILY)).toBe(0);
    expect(t.out).toMatch(/loaded .*allocation-daily-prod-eu\.json as opencost: 14 allocations in 2 window\(s\) 2024-06-01T00:00:00Z – 2024-06-03T00:00:00Z, 37 rows, BilledCost 39\.738056 USD \(response totalCost 39\.738056\), idle 22\.74281/);
    t.clearOut();
    expect(await cli("--json", "sources")).toBe(0);
    expect(JSON.parse(t.out)).toEqual([expect.objectContaining({ source: "opencost", billingAccountId: "prod-eu", lastCompleteDay: "2024-06-02" })]);
  });

  it("costwise ingest recognises a saved OpenCost response; --json gives the run", async () => {
    expect(await cli("--json", "ingest", DAILY)).toBe(0);
    const r = JSON.parse(t.out);
    expect(r.opencost[0].loadedTotal).toBe("39.7380560000");
    expect(r.opencost[0].idleAllocations).toBe(2);
  });

  it("a broken response: exit 1, a clear message, no stack trace", async () => {
    const bad = join(t.dir, "bad.json");
    writeFileSync(bad, '{"code": 200, "data": [{"a": {"totalCost": 1');
    expect(await cli("opencost", bad)).toBe(1);
    expect(t.err).toMatch(/^error: .*bad\.json: line 1, column \d+: not valid JSON/);
    expect(t.err).not.toMatch(/\n\s+at /);
  });

  it("usage errors exit 2", async () => {
    expect(await cli("opencost")).toBe(2);
    expect(t.err).toMatch(/give a saved response file or --url/);
  });
});
