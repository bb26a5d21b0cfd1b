/**
 * Business metrics ingest: CSV, JSON array and NDJSON to `business_metrics`, exact values, dimensions, replacement
 * of the same metric/ts/dimensions, and bad rows reported with file, row and column with nothing written.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CostwiseError } from "../../core/errors.js";
import type { DuckDbStore } from "../store/duckdb/duckdb-store.js";
import { ingestMetrics, listMetrics } from "./ingest.js";
import { tempStore } from "../../../test/helpers/store.js";

let store: DuckDbStore;
let cleanup: () => Promise<void>;
let dir: string;
beforeEach(async () => ({ store, cleanup, dir } = await tempStore()));
afterEach(async () => cleanup());

const CSV = `metric,date,value,service,environment,region
transactions,2024-06-01,1200,checkout,prod,eu
transactions,2024-06-02,1350.5,checkout,prod,eu
transactions,2024-06-01,80,checkout,staging,
active_users,2024-06-01,0.1,,,
active_users,2024-06-02,12345678901234567.0123456789,,,
`;

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function table(): Promise<Record<string, unknown>[]> {
  return store.all(
    `SELECT metric, strftime(ts, '%Y-%m-%dT%H:%M:%SZ') AS ts, value::VARCHAR AS value, service, environment,
            CASE WHEN dimensions IS NULL THEN NULL ELSE to_json(map_from_entries(list_sort(map_entries(dimensions))))::VARCHAR END AS dims
     FROM business_metrics ORDER BY ALL`,
  );
}

async function fingerprint(): Promise<string> {
  return JSON.stringify(await store.all(`SELECT metric, ts::VARCHAR AS ts, value::VARCHAR AS v, ingest_id FROM business_metrics ORDER BY ALL`));
}

describe("business metrics ingest", () => {
  it("CSV: exact decimal values, dates as UTC midnight, service/environment, other columns as dimensions", async () => {
    const r = await ingestMetrics(store, [write("m.csv", CSV)]);
    expect(r.rows).toBe(5);
    expect(r.replaced).toBe(0);
    expect(await table()).toEqual([
      { metric: "active_users", ts: "2024-06-01T00:00:00Z", value: "0.1000000000", service: null, environment: null, dims: null },
      { metric: "active_users", ts: "2024-06-02T00:00:00Z", value: "12345678901234567.0123456789", service: null, environment: null, dims: null },
      { metric: "transactions", ts: "2024-06-01T00:00:00Z", value: "1200.0000000000", service: "checkout", environment: "prod", dims: '{"region":"eu"}' },
      { metric: "transactions", ts: "2024-06-01T00:00:00Z", value: "80.0000000000", service: "checkout", environment: "staging", dims: null },
      { metric: "transactions", ts: "2024-06-02T00:00:00Z", value: "1350.5000000000", service: "checkout", environment: "prod", dims: '{"region":"eu"}' },
    ]);
    expect(r.metrics).toEqual([
      { metric: "active_users", from: "2024-06-01T00:00:00Z", to: "2024-06-02T00:00:00Z", points: 2, series: 1, sum: "12345678901234567.1123456789" },
      { metric: "transactions", from: "2024-06-01T00:00:00Z", to: "2024-06-02T00:00:00Z", points: 3, series: 2, sum: "2630.5000000000" },
    ]);
  });

  it("JSON array and newline-delimited JSON give the same rows as the CSV; timestamps with offsets become UTC; a dimensions object merges", async () => {
    const recs = [
      { metric: "transactions", date: "2024-06-01", value: 1200, service: "checkout", environment: "prod", region: "eu" },
      { metric: "transactions", date: "2024-06-02", value: "1350.5", service: "checkout", environment: "prod", dimensions: { region: "eu" } },
      { metric: "transactions", date: "2024-06-01T02:00:00+02:00", value: 80, service: "checkout", environment: "staging" },
      { metric: "active_users", date: "2024-06-01", value: 0.1 },
      { metric: "active_users", date: "2024-06-02", value: "12345678901234567.0123456789" },
    ];
    await ingestMetrics(store, [write("m.csv", CSV)]);
    const fromCsv = await table();
    const { store: s2, cleanup: c2 } = await tempStore();
    const { store: s3, cleanup: c3 } = await tempStore();
    try {
      await ingestMetrics(s2, [write("m.json", JSON.stringify(recs, null, 2))]);
      await ingestMetrics(s3, [write("m.ndjson", recs.map((r) => JSON.stringify(r)).join("\n") + "\n")]);
      for (const s of [s2, s3]) {
        const saved = store;
        store = s;
        try {
          expect(await table()).toEqual(fromCsv);
        } finally {
          store = saved;
        }
      }
    } finally {
      await c2();
      await c3();
    }
  });

  it("re-ingesting the same metric, ts and dimensions replaces; other series stay", async () => {
    await ingestMetrics(store, [write("m.csv", CSV)]);
    const again = await ingestMetrics(store, [write("m.csv", CSV)]);
    expect(again.replaced).toBe(5);
    expect((await table()).length).toBe(5);
    const r = await ingestMetrics(store, [write("fix.csv", "metric,date,value,service,environment,region\ntransactions,2024-06-01,1250,checkout,prod,eu\ntransactions,2024-06-01,5,checkout,prod,us\n")]);
    expect(r.replaced).toBe(1);
    const tx = (await table()).filter((x) => x["metric"] === "transactions" && x["ts"] === "2024-06-01T00:00:00Z");
    expect(tx.map((x) => `${x["environment"]} ${x["dims"]} ${x["value"]}`).sort()).toEqual([
      'prod {"region":"eu"} 1250.0000000000',
      'prod {"region":"us"} 5.0000000000',
      "staging null 80.0000000000",
    ]);
    expect((await listMetrics(store, "transactions"))[0]).toMatchObject({ points: 4, series: 3, sum: "2685.5000000000" });
  });

  it("--metric names the metric of a file without a metric column", async () => {
    await ingestMetrics(store, [write("req.csv", "day,value\n2024-06-01,10\n2024-06-02,11\n")], { metric: "requests" });
    expect(await listMetrics(store)).toEqual([{ metric: "requests", from: "2024-06-01T00:00:00Z", to: "2024-06-02T00:00:00Z", points: 2, series: 1, sum: "21.0000000000" }]);
    await expect(ingestMetrics(store, [write("req2.csv", "day,value\n2024-06-01,10\n")])).rejects.toThrow(/missing column\(s\) metric \(or metric_name, name\); found day, value; for a file of one metric, give --metric <name>/);
  });
});

describe("business metrics: bad rows name file, row and column; nothing is written", () => {
  async function refused(files: [string, string][], pattern: RegExp): Promise<CostwiseError> {
    await ingestMetrics(store, [write("base.csv", CSV)]);
    const before = await fingerprint();
    const err = await ingestMetrics(store, files.map(([n, t]) => write(n, t))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CostwiseError);
    expect((err as Error).message).toMatch(pattern);
    expect(await fingerprint()).toBe(before);
    return err as CostwiseError;
  }

  it("a non-numeric value (after a good file in the same ingest)", async () => {
    const err = await refused(
      [
        ["good.csv", "metric,date,value\nsignups,2024-06-01,3\n"],
        ["bad.csv", "metric,date,value\nsignups,2024-06-02,4\nsignups,2024-06-03,four\n"],
      ],
      /bad\.csv: row 2 \(line 3\): column "value": expected a decimal number such as 1234 or 0\.25, got "four"; nothing was loaded/,
    );
    expect(err.location).toMatchObject({ row: 2, line: 3, column: "value" });
  });

  it("a bad date, and a missing metric name", async () => {
    await refused([["d.csv", "metric,date,value\nsignups,2024-13-45,3\n"]], /d\.csv: row 1 \(line 2\): column "date": expected a date such as 2024-06-01 .*got "2024-13-45"/);
    await refused([["m.csv", "metric,date,value\nsignups,2024-06-01,3\n,2024-06-02,3\n"]], /m\.csv: row 2 \(line 3\): column "metric": expected a metric name, got nothing/);
  });

  it("JSON: a record that is not an object, a bad value, invalid JSON", async () => {
    await refused([["a.json", '[{"metric":"x","date":"2024-06-01","value":1}, 7]']], /a\.json: record 2: expected an object with metric, date and value, got a number/);
    await refused([["b.ndjson", '{"metric":"x","date":"2024-06-01","value":1}\n{"metric":"x","date":"2024-06-02","value":"n/a"}\n']], /b\.ndjson: record 2: column "value": expected a decimal number .*got "n\/a"/);
    await refused([["c.json", '[{"metric":"x","date":"2024-06-01","value":1},']], /c\.json: .*not valid JSON/);
    await refused([["d.ndjson", '{"metric":"x","date":"2024-06-01","value":1}\n{"metric":"x","da']], /d\.ndjson: .*not valid JSON/);
  });

  it("the same metric, ts and dimensions twice in one ingest", async () => {
    await refused(
      [["dup.csv", "metric,date,value,region\nx,2024-06-01,1,eu\nx,2024-06-01,2,us\nx,2024-06-01,3,eu\n"]],
      /metric "x" at 2024-06-01T00:00:00Z with the same dimensions is given twice: .*dup\.csv row 1 \(line 2\) and .*dup\.csv row 3 \(line 4\)/,
    );
  });

  it("missing columns, a ragged CSV row, an unknown extension", async () => {
    await refused([["v.csv", "metric,date\nx,2024-06-01\n"]], /v\.csv: missing column\(s\) value; found metric, date/);
    await refused([["r.csv", "metric,date,value\nx,2024-06-01,1,extra\n"]], /r\.csv: .*not a well-formed CSV/);
    await refused([["m.txt", "metric,date,value\n"]], /m\.txt: cannot tell the format from the name; give --format csv or --format json/);
  });
});
