import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addMoney, equalToTheCent } from "../../core/money.js";
import type { DuckDbStore } from "../store/duckdb/duckdb-store.js";
import { FIXTURES, LOCAL_FIXTURES, snapshot, tempStore } from "../../../test/helpers/store.js";
import { splitCsv, writeCurDelivery } from "../../../test/helpers/cur-folder.js";
import { writeCur2Parquet } from "../../../test/helpers/cur2.js";
import { ingestFiles } from "./ingest.js";

const FOCUS_SAMPLE = join(FIXTURES, "focus/focus_sample.csv");
const KOKU_GZ = join(FIXTURES, "aws-cur/koku-local-1_201808.csv.gz");
const CUR_TYPES = join(LOCAL_FIXTURES, "cur-line-item-types.csv");

let store: DuckDbStore;
let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ store, dir, cleanup } = await tempStore()));
afterEach(async () => cleanup());

/** The source's money summed independently of the mapping: every cell read as text, added exactly in JS. */
async function independentTotal(path: string, column: string): Promise<string> {
  const esc = (s: string) => s.replaceAll("'", "''");
  const rows = await store.all(`SELECT "${column}" AS v FROM read_csv('${esc(path)}', header = true, all_varchar = true)`);
  return addMoney("0", ...rows.map((r) => String(r["v"] ?? "0")).filter((v) => v !== "" && v !== "NULL"));
}

async function billed(where = "TRUE"): Promise<string> {
  const r = await store.all(`SELECT coalesce(sum("BilledCost"), 0)::VARCHAR AS t, count(*)::BIGINT AS n FROM focus_costs WHERE ${where}`);
  return String(r[0]!["t"]);
}

describe("totals are preserved to the cent", () => {
  it.each([
    ["FOCUS sample", FOCUS_SAMPLE, "BilledCost"],
    ["CUR with every line item type", CUR_TYPES, "lineItem/UnblendedCost"],
    ["koku CUR .csv.gz (13,380 rows)", KOKU_GZ, "lineItem/UnblendedCost"],
  ])("%s", async (_name, file, column) => {
    const expected = await independentTotal(file, column);
    const result = await ingestFiles(store, [file]);
    expect(equalToTheCent(result.sourceTotal, expected)).toBe(true);
    expect(equalToTheCent(await billed(), expected)).toBe(true);
    const runs = await store.all(`SELECT source_total::VARCHAR AS s, loaded_total::VARCHAR AS l, rows_loaded FROM ingest_runs`);
    expect(runs).toHaveLength(1);
    expect(equalToTheCent(String(runs[0]!["l"]), expected)).toBe(true);
  });

  it("records the run: source, files, partitions, rows, totals before and after mapping", async () => {
    const r = await ingestFiles(store, [CUR_TYPES]);
    const runs = await store.all(`SELECT source, rows_loaded::BIGINT AS n, files::VARCHAR AS files, partitions::VARCHAR AS parts FROM ingest_runs`);
    expect(runs[0]!["source"]).toBe("aws-cur");
    expect(Number(runs[0]!["n"])).toBe(12);
    expect(JSON.parse(String(runs[0]!["files"]))[0].path).toBe(CUR_TYPES);
    expect(JSON.parse(String(runs[0]!["parts"]))[0]).toMatchObject({ source: "aws-cur", billingAccountId: "012345678901", rows: 12 });
    expect(r.partitions[0]!.billingPeriodStart).toBe("2024-09-01 00:00:00");
  });

  it("keeps account ids as text with their leading zeros", async () => {
    await ingestFiles(store, [CUR_TYPES]);
    const r = await store.all(`SELECT DISTINCT "BillingAccountId" AS b, "SubAccountId" AS s FROM focus_costs`);
    expect(r).toEqual([{ b: "012345678901", s: "000111222333" }]);
  });
});

describe("Parquet column types", () => {
  it("reads ids stored as numbers and money stored as doubles", async () => {
    const parquet = join(dir, "cur2-typed.parquet");
    await writeCur2Parquet(store, CUR_TYPES, join(dir, "cur2.parquet"));
    await store.run(`COPY (SELECT * REPLACE (CAST(line_item_usage_account_id AS BIGINT) AS line_item_usage_account_id) FROM read_parquet('${join(dir, "cur2.parquet")}')) TO '${parquet}' (FORMAT parquet)`);
    const r = await ingestFiles(store, [parquet]);
    expect(r.files[0]!.format).toBe("aws-cur2");
    expect(equalToTheCent(r.loadedTotal, await independentTotal(CUR_TYPES, "lineItem/UnblendedCost"))).toBe(true);
    const ids = await store.all(`SELECT DISTINCT "SubAccountId" AS s FROM focus_costs`);
    expect(ids).toEqual([{ s: "111222333" }]); // the file holds a number: its leading zeros were never there
  });
});

describe("re-ingestion is idempotent", () => {
  it("loading the same file twice leaves totals and rows unchanged", async () => {
    const first = await ingestFiles(store, [FOCUS_SAMPLE]);
    const before = await snapshot(store);
    const second = await ingestFiles(store, [FOCUS_SAMPLE]);
    const after = await snapshot(store);
    expect(after.rows).toBe(before.rows);
    expect(after.billed).toBe(before.billed);
    expect(second.rowsReplaced).toBe(first.rowsLoaded);
    expect(second.replacedTotal).toBe(first.loadedTotal);
  });

  it("a copy of a file under another name replaces, never doubles (same period, new delivery)", async () => {
    await ingestFiles(store, [CUR_TYPES]);
    const before = await billed();
    const copy = join(dir, "renamed.csv");
    copyFileSync(CUR_TYPES, copy);
    await ingestFiles(store, [copy]);
    expect(await billed()).toBe(before);
  });

  it("any order and repetition of re-ingests ends with the same store (property)", async () => {
    const files = [FOCUS_SAMPLE, CUR_TYPES, join(FIXTURES, "aws-cur/2023-06-01.csv")];
    const { store: ref, cleanup: c } = await tempStore();
    await ingestFiles(ref, files);
    const want = await ref.all(`SELECT x_Source, "BillingAccountId", sum("BilledCost")::VARCHAR AS t, count(*)::BIGINT AS n FROM focus_costs GROUP BY ALL ORDER BY ALL`);
    await c();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...files), { minLength: 3, maxLength: 6 }), async (order) => {
        await store.run("DELETE FROM focus_costs");
        for (const f of [...order, ...files]) await ingestFiles(store, [f]);
        const got = await store.all(`SELECT x_Source, "BillingAccountId", sum("BilledCost")::VARCHAR AS t, count(*)::BIGINT AS n FROM focus_costs GROUP BY ALL ORDER BY ALL`);
        expect(got).toEqual(want);
      }),
      { numRuns: 4 },
    );
  });
});

describe("deliveries", () => {
  const { header, rows } = splitCsv(CUR_TYPES);
  const period: [string, string] = ["2024-09-01", "2024-10-01"];

  it("a multi-part delivery loads whole, and loading part 2 again never wipes part 1", async () => {
    const d = writeCurDelivery(join(dir, "cur"), { header, rows, parts: 2, assemblyId: "aaaaaaaa-0000-0000-0000-000000000001", period });
    const all = await ingestFiles(store, [join(dir, "cur")]);
    expect(all.files).toHaveLength(2);
    const total = await billed();
    expect(equalToTheCent(total, await independentTotal(CUR_TYPES, "lineItem/UnblendedCost"))).toBe(true);
    const again = await ingestFiles(store, [d.parts[1]!]);
    expect(again.files[0]!.deliveryId).toBe("aws-cur:aaaaaaaa-0000-0000-0000-000000000001");
    expect(await billed()).toBe(total);
    expect(again.rowsReplaced).toBe(again.rowsLoaded); // only part 2's own rows were replaced
  });

  it("a re-delivered month (new report version) replaces the old one; the old version's files are skipped", async () => {
    writeCurDelivery(join(dir, "cur"), { header, rows, parts: 2, assemblyId: "aaaaaaaa-0000-0000-0000-000000000001", period });
    await ingestFiles(store, [join(dir, "cur")]);
    // AWS re-sends the month with one more charge, in one part, under a new assembly id
    const extra = rows[0]!.replace("li-001", "li-999");
    writeCurDelivery(join(dir, "cur"), { header, rows: [...rows, extra], parts: 1, assemblyId: "bbbbbbbb-0000-0000-0000-000000000002", period });
    const r = await ingestFiles(store, [join(dir, "cur")]);
    expect(r.files).toHaveLength(1);
    expect(r.skipped.map((s) => s.reason).join("\n")).toMatch(/superseded/);
    expect(r.rowsReplaced).toBe(rows.length);
    const expected = addMoney(await independentTotal(CUR_TYPES, "lineItem/UnblendedCost"), "0.096");
    expect(equalToTheCent(await billed(), expected)).toBe(true);
    const n = await store.all(`SELECT count(*)::BIGINT AS n FROM focus_costs`);
    expect(Number(n[0]!["n"])).toBe(rows.length + 1);
  });

  it("other accounts and other periods are untouched by a re-delivery", async () => {
    await ingestFiles(store, [FOCUS_SAMPLE]);
    const focusBefore = await billed(`x_Source = 'focus'`);
    await ingestFiles(store, [CUR_TYPES]);
    await ingestFiles(store, [CUR_TYPES]);
    expect(await billed(`x_Source = 'focus'`)).toBe(focusBefore);
  });

  it("a file whose rows are not the manifest's period is refused", async () => {
    writeCurDelivery(join(dir, "cur"), { header, rows, parts: 1, assemblyId: "cccccccc-0000-0000-0000-000000000003", period: ["2024-10-01", "2024-11-01"] });
    await expect(ingestFiles(store, [join(dir, "cur")])).rejects.toThrow(/expected the period of the manifest .*my-report-Manifest\.json, starting 2024-10-01 00:00:00, got "2024-09-01 00:00:00 – 2024-10-01 00:00:00"/);
    expect((await snapshot(store)).rows).toBe("0");
  });
});

describe("atomicity: a failing load leaves the store exactly as before", () => {
  it("a failure just before commit rolls everything back", async () => {
    await ingestFiles(store, [FOCUS_SAMPLE]);
    const before = await snapshot(store);
    await expect(
      ingestFiles(store, [FOCUS_SAMPLE, CUR_TYPES], { beforeCommit: async () => { throw new Error("simulated crash before commit"); } }),
    ).rejects.toThrow(/simulated crash/);
    expect(await snapshot(store)).toEqual(before);
  });

  it("a bad file among good ones loads none of them", async () => {
    await ingestFiles(store, [CUR_TYPES]);
    const before = await snapshot(store);
    const bad = join(dir, "bad.csv");
    const { header, rows } = splitCsv(CUR_TYPES);
    writeFileSync(bad, [header, ...rows.slice(0, 5), rows[5]!.replace(",-0.192,", ",minus-zero-point-two,")].join("\n"));
    await expect(ingestFiles(store, [FOCUS_SAMPLE, bad])).rejects.toThrow(/bad\.csv/);
    expect(await snapshot(store)).toEqual(before);
  });
});
