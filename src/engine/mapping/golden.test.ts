/**
 * Golden tests: each mapping's FOCUS output for real or hand-written inputs, kept as CSV under
 * test/golden/ and reviewed as diffs. UPDATE_GOLDEN=1 npx vitest run src/engine/mapping rewrites them.
 */
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ingestFiles } from "../ingest/ingest.js";
import type { DuckDbStore } from "../store/duckdb/duckdb-store.js";
import { COST_TABLE } from "../store/schema.js";
import { FIXTURES, LOCAL_FIXTURES, exportFocusCsv, expectGolden, tempStore } from "../../../test/helpers/store.js";
import { writeCur2Parquet } from "../../../test/helpers/cur2.js";

let store: DuckDbStore;
let cleanup: () => Promise<void>;
let dir: string;
beforeEach(async () => ({ store, cleanup, dir } = await tempStore()));
afterEach(async () => cleanup());

describe("golden FOCUS output per mapping", () => {
  it("FOCUS 1.0 sample export (AWS, Microsoft, Oracle rows)", async () => {
    await ingestFiles(store, [join(FIXTURES, "focus/focus_sample.csv")]);
    expectGolden("focus-sample.focus.csv", await exportFocusCsv(store));
  });

  it("FOCUS as Parquet (typed decimals and timestamps) gives the same rows as the CSV", async () => {
    const parquet = join(dir, "focus_sample.parquet");
    // a typed Parquet export, as FOCUS exporters write it: decimals, timestamps, a double quantity
    await store.run(`COPY (SELECT * REPLACE (CAST(BillingAccountId AS VARCHAR) AS BillingAccountId)
      FROM read_csv('${join(FIXTURES, "focus/focus_sample.csv")}', header = true, nullstr = 'NULL', sample_size = -1,
        types = {'BilledCost': 'DECIMAL(38,10)', 'EffectiveCost': 'DECIMAL(38,10)', 'ListCost': 'DECIMAL(38,10)', 'ContractedCost': 'DECIMAL(38,10)',
                 'ChargePeriodStart': 'TIMESTAMP', 'ChargePeriodEnd': 'TIMESTAMP', 'BillingPeriodStart': 'TIMESTAMP', 'BillingPeriodEnd': 'TIMESTAMP',
                 'PricingQuantity': 'DOUBLE', 'Id': 'BIGINT'})) TO '${parquet}' (FORMAT parquet)`);
    const described = await store.all(`DESCRIBE SELECT * FROM read_parquet('${parquet}')`);
    expect(described.find((r) => r["column_name"] === "BilledCost")?.["column_type"]).toBe("DECIMAL(38,10)");
    expect(described.find((r) => r["column_name"] === "ChargePeriodStart")?.["column_type"]).toBe("TIMESTAMP");
    await ingestFiles(store, [parquet]);
    const fromParquet = await exportFocusCsv(store);
    const { store: other, cleanup: c2 } = await tempStore();
    try {
      await ingestFiles(other, [join(FIXTURES, "focus/focus_sample.csv")]);
      expect(fromParquet).toBe(await exportFocusCsv(other));
    } finally {
      await c2();
    }
  });

  it("AWS CUR legacy CSV: every line item type", async () => {
    await ingestFiles(store, [join(LOCAL_FIXTURES, "cur-line-item-types.csv")]);
    expectGolden("cur-line-item-types.focus.csv", await exportFocusCsv(store));
  });

  it("AWS CUR legacy CSV: commitment end times (reservation/EndTime, savingsPlan/EndTime) on every row of the commitment", async () => {
    await ingestFiles(store, [join(LOCAL_FIXTURES, "cur-commitment-end-times.csv")]);
    const focus = await exportFocusCsv(store);
    expectGolden("cur-commitment-end-times.focus.csv", focus);
    // usage, fee and negation rows all carry the term's end; on-demand usage none
    const ends = await store.all(`SELECT x_ChargeType AS t, "CommitmentDiscountId" AS id, strftime(x_CommitmentDiscountEndTime, '%Y-%m-%dT%H:%M:%S') AS e
      FROM ${COST_TABLE} ORDER BY x_ChargeType, id`);
    expect(ends.map((r) => `${String(r["t"])} ${String(r["id"] ?? "-")} ${String(r["e"] ?? "-")}`)).toEqual([
      "DiscountedUsage arn:aws:ec2:us-east-1:111111111111:reserved-instances/ri-1 2025-01-05T00:00:00",
      "DiscountedUsage arn:aws:rds:us-east-1:111111111111:ri:ri-2 2026-02-28T11:00:00",
      "RIFee arn:aws:ec2:us-east-1:111111111111:reserved-instances/ri-1 2025-01-05T00:00:00",
      "SavingsPlanCoveredUsage arn:aws:savingsplans::111111111111:savingsplan/sp-1 2027-03-31T23:59:59",
      "SavingsPlanNegation arn:aws:savingsplans::111111111111:savingsplan/sp-1 2027-03-31T23:59:59",
      "SavingsPlanRecurringFee arn:aws:savingsplans::111111111111:savingsplan/sp-1 2027-03-31T23:59:59",
      "Usage - -",
    ]);
  });

  it("AWS CUR 2.0 Parquet: reservation_end_time and savings_plan_end_time (text, as Data Exports write them) give the same rows", async () => {
    const csv = join(LOCAL_FIXTURES, "cur-commitment-end-times.csv");
    const parquet = await writeCur2Parquet(store, csv, join(dir, "cur2-end-times.parquet"));
    const described = await store.all(`DESCRIBE SELECT * FROM read_parquet('${parquet}')`);
    expect(described.filter((r) => String(r["column_name"]).endsWith("_end_time")).map((r) => `${String(r["column_name"])} ${String(r["column_type"])}`))
      .toEqual(["reservation_end_time VARCHAR", "savings_plan_end_time VARCHAR"]);
    await ingestFiles(store, [parquet]);
    const cur2 = await exportFocusCsv(store);
    const { store: other, cleanup: c2 } = await tempStore();
    try {
      await ingestFiles(other, [csv]);
      expect(cur2.replaceAll(",aws-cur2,", ",aws-cur,")).toBe(await exportFocusCsv(other));
    } finally {
      await c2();
    }
  });

  it("AWS CUR legacy CSV: koku 2023-06 fixture (Savings Plan covered usage)", async () => {
    await ingestFiles(store, [join(FIXTURES, "aws-cur/2023-06-01.csv")]);
    expectGolden("koku-2023-06-01.focus.csv", await exportFocusCsv(store));
  });

  it("AWS CUR 2.0 column names in CSV (koku alt-columns fixture)", async () => {
    await ingestFiles(store, [join(FIXTURES, "aws-cur/2022-07-01-alt-columns.csv")]);
    expectGolden("koku-2022-07-01-alt-columns.focus.csv", await exportFocusCsv(store));
  });

  it("AWS CUR 2.0 Parquet gives the same FOCUS rows as the legacy CSV of the same charges", async () => {
    const parquet = await writeCur2Parquet(store, join(LOCAL_FIXTURES, "cur-line-item-types.csv"), join(dir, "cur2.parquet"));
    await ingestFiles(store, [parquet]);
    const cur2 = await exportFocusCsv(store);
    expect(cur2).toContain("aws-cur2");
    const { store: other, cleanup: c2 } = await tempStore();
    try {
      await ingestFiles(other, [join(LOCAL_FIXTURES, "cur-line-item-types.csv")]);
      const cur1 = await exportFocusCsv(other);
      expect(cur2.replaceAll(",aws-cur2,", ",aws-cur,")).toBe(cur1);
    } finally {
      await c2();
    }
  });
});
