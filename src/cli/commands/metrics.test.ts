/** `costwise metrics ingest` and `costwise metrics list`, in process. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliOnTempStore } from "../../../test/helpers/cli.js";

const t = cliOnTempStore();
const cli = t.cli;

describe("costwise metrics", () => {
  it("ingests CSV and JSON, lists metrics with range, points and exact sums (text and --json)", async () => {
    const csv = join(t.dir, "tx.csv");
    writeFileSync(csv, "metric,date,value,service\ntransactions,2024-06-01,1200,checkout\ntransactions,2024-06-02,1350.25,checkout\n");
    const json = join(t.dir, "users.json");
    writeFileSync(json, JSON.stringify([{ date: "2024-06-01", value: 310 }, { date: "2024-06-02", value: 298 }]));
    expect(await cli("metrics", "ingest", csv)).toBe(0);
    expect(t.out).toMatch(/metrics met_\S+: 2 rows, 0 replaced; transactions/);
    expect(await cli("metrics", "ingest", "--metric", "active_users", json)).toBe(0);
    t.clearOut();
    expect(await cli("metrics", "list")).toBe(0);
    expect(t.out).toMatch(/active_users\s+2024-06-01\s+2024-06-02\s+2\s+1\s+608/);
    expect(t.out).toMatch(/transactions\s+2024-06-01\s+2024-06-02\s+2\s+1\s+2550\.25/);
    t.clearOut();
    expect(await cli("--json", "metrics", "list", "--metric", "transactions")).toBe(0);
    expect(JSON.parse(t.out)).toEqual([{ metric: "transactions", from: "2024-06-01T00:00:00Z", to: "2024-06-02T00:00:00Z", points: 2, series: 1, sum: "2550.2500000000" }]);
  });

  it("a bad row: exit 1 with file, row and column; nothing loaded", async () => {
    const csv = join(t.dir, "bad.csv");
    writeFileSync(csv, "metric,date,value\ntransactions,2024-06-01,12k\n");
    expect(await cli("metrics", "ingest", csv)).toBe(1);
    expect(t.err).toMatch(/^error: .*bad\.csv: row 1 \(line 2\): column "value": expected a decimal number/);
    t.clearOut();
    expect(await cli("--json", "metrics", "list")).toBe(0);
    expect(JSON.parse(t.out)).toEqual([]);
  });
});
