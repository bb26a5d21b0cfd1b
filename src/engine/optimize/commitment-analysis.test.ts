/**
 * Commitment utilization, coverage and effective savings rate on the FOCUS spec's worked examples
 * (fixtures/focus/spec-examples, CC-BY-4.0). Expected figures are computed by hand from the files, in comments.
 */
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { optimizationDefaults } from "../../core/config/sections/optimization.js";
import { FIXTURES, tempStore } from "../../../test/helpers/store.js";
import type { DuckDbStore } from "../store/duckdb/duckdb-store.js";
import { COST_TABLE, COST_TABLE_COLUMNS } from "../store/schema.js";
import { commitmentEndDates, commitmentReport } from "./commitment-analysis.js";
import { quoteString } from "../../core/sql.js";

const SPEC = join(FIXTURES, "focus/spec-examples");

/** Loads a spec example CSV into the cost table: its columns that the table has, "null" as NULL. */
async function loadSpecCsv(store: DuckDbStore, rel: string): Promise<void> {
  const file = join(SPEC, rel);
  const src = `read_csv(${quoteString(file)}, header = true, all_varchar = true, nullstr = 'null', null_padding = true)`;
  const header = (await store.all(`DESCRIBE SELECT * FROM ${src}`)).map((r) => String(r["column_name"]));
  const types = new Map(COST_TABLE_COLUMNS.map((c) => [c.name, c.sqlType]));
  const cols = header.filter((h) => types.has(h));
  await store.run(`INSERT INTO ${COST_TABLE} (${cols.map((c) => `"${c}"`).join(", ")}, "BillingCurrency", x_SourceFile)
    SELECT ${cols.map((c) => `try_cast("${c}" AS ${types.get(c)})`).join(", ")}, 'USD', ${quoteString(rel)} FROM ${src}`);
}

let ctx: Awaited<ReturnType<typeof tempStore>>;
beforeEach(async () => {
  ctx = await tempStore();
});
afterEach(async () => ctx.cleanup());
const cfg = optimizationDefaults();

describe("commitments on the FOCUS spec examples", () => {
  it("usage scenario 1: fully used commitment (used 1.00, unused 0): utilization 100%, coverage 100%", async () => {
    await loadSpecCsv(ctx.store, "commitment_discount_scenarios/commitment_discount_usage_scenario_1.csv");
    const r = await commitmentReport(ctx.store, cfg);
    expect(r.commitments).toHaveLength(1);
    expect(r.commitments[0]!.utilization).toBe("1.0000");
    expect(r.overall.coverage).toBe("1.0000");
    expect(r.commitments[0]!.effectiveSavingsRate).toBeNull(); // the file has no ListCost
  });

  it("usage scenario 2: entirely unused (used 0, unused 1.00): utilization 0%", async () => {
    await loadSpecCsv(ctx.store, "commitment_discount_scenarios/commitment_discount_usage_scenario_2.csv");
    const r = await commitmentReport(ctx.store, cfg);
    expect(r.commitments[0]!.used).toBe("0.0000000000");
    expect(r.commitments[0]!.unused).toBe("1.0000000000");
    expect(r.commitments[0]!.utilization).toBe("0.0000");
  });

  it("usage scenario 3: used 0.75, unused 0.25: utilization 75%", async () => {
    await loadSpecCsv(ctx.store, "commitment_discount_scenarios/commitment_discount_usage_scenario_3.csv");
    const r = await commitmentReport(ctx.store, cfg);
    expect(r.commitments[0]!.utilization).toBe("0.7500");
    expect(r.commitments[0]!.usedQuantity).toBe("0.7500000000");
    expect(r.commitments[0]!.unusedQuantity).toBe("0.2500000000");
  });

  it("usage scenario 4: covered 1.00 plus 0.50 on demand: coverage 1.00 / 1.50 = 66.67%", async () => {
    await loadSpecCsv(ctx.store, "commitment_discount_scenarios/commitment_discount_usage_scenario_4.csv");
    const r = await commitmentReport(ctx.store, cfg);
    expect(r.overall.used).toBe("1.0000000000");
    expect(r.overall.onDemandEligible).toBe("0.5000000000");
    expect(r.overall.coverage).toBe("0.6667");
    expect(r.overall.utilization).toBe("1.0000");
  });

  it("100% utilization without flexibility: list 3.00 covered for 1.50 effective: ESR 50%", async () => {
    await loadSpecCsv(ctx.store, "commitment_discount_flexibility/one_hundred_percent_utilization_without_commitment_discount_flexibility.csv");
    const r = await commitmentReport(ctx.store, cfg);
    const c = r.commitments[0]!;
    expect(c.utilization).toBe("1.0000");
    expect(c.coveredList).toBe("3.0000000000");
    expect(c.netSavings).toBe("1.5000000000"); // 3.00 - 1.50
    expect(c.effectiveSavingsRate).toBe("0.5000");
    expect(r.overall.effectiveSavingsRate).toBe("0.5000");
  });

  it("0% utilization without flexibility: 1.50 unused, 2.00 on demand: utilization 0, coverage 0, overall ESR (2.00 - 3.50) / 2.00 = -75%", async () => {
    await loadSpecCsv(ctx.store, "commitment_discount_flexibility/zero_percent_utilization_without_commitment_discount_flexibility.csv");
    const r = await commitmentReport(ctx.store, cfg);
    const c = r.commitments[0]!;
    expect(c.utilization).toBe("0.0000");
    expect(c.unused).toBe("1.5000000000");
    expect(c.effectiveSavingsRate).toBeNull(); // nothing covered
    expect(r.overall.onDemandEligible).toBe("2.0000000000");
    expect(r.overall.coverage).toBe("0.0000");
    expect(r.overall.effectiveSavingsRate).toBe("-0.7500");
  });

  it("100% utilization with flexibility, 2 resources: used 1.00 + 1.00 covering list 2.00 + 2.00: ESR 50%, coverage 100%", async () => {
    await loadSpecCsv(ctx.store, "commitment_discount_flexibility/one_hundred_percent_utilization_with_commitment_discount_flexibility_with_2_resources.csv");
    const r = await commitmentReport(ctx.store, cfg);
    const c = r.commitments[0]!;
    expect(c.used).toBe("2.0000000000");
    expect(c.utilization).toBe("1.0000");
    expect(c.effectiveSavingsRate).toBe("0.5000");
    expect(r.overall.coverage).toBe("1.0000");
  });

  it("100% utilization with flexibility, 1 resource: 0.50 covered, 2.25 on demand: coverage 0.50 / 2.75 = 18.18%", async () => {
    await loadSpecCsv(ctx.store, "commitment_discount_flexibility/one_hundred_percent_utilization_with_commitment_discount_flexibility_with_1_resource.csv");
    const r = await commitmentReport(ctx.store, cfg);
    expect(r.commitments[0]!.utilization).toBe("1.0000");
    expect(r.overall.coverage).toBe("0.1818");
  });

  it("purchase scenario 1: a one-time 1-year purchase ending 2024-01-01 is expiring within 30 days on 2023-12-15, 90 on 2023-10-15", async () => {
    await loadSpecCsv(ctx.store, "commitment_discount_scenarios/commitment_discount_purchase_scenario_1.csv");
    const soon = await commitmentReport(ctx.store, cfg, {}, new Date("2023-12-15T00:00:00Z"));
    expect(soon.commitments[0]!.endsAt).toBe("2024-01-01T00:00:00Z");
    expect(soon.commitments[0]!.expiresWithinDays).toBe(30);
    const later = await commitmentReport(ctx.store, cfg, {}, new Date("2023-10-15T00:00:00Z"));
    expect(later.commitments[0]!.expiresWithinDays).toBe(90);
    const early = await commitmentReport(ctx.store, cfg, {}, new Date("2023-03-01T00:00:00Z"));
    expect(early.commitments[0]!.expiresWithinDays).toBeNull();
  });

  it("purchase scenario 2 (recurring only): the end is unknown from the data", async () => {
    await loadSpecCsv(ctx.store, "commitment_discount_scenarios/commitment_discount_purchase_scenario_2.csv");
    const r = await commitmentReport(ctx.store, cfg);
    expect(r.endUnknown).toEqual(["<my-commitment-discount-id>"]);
  });
});

/**
 * Rows of the cost table drawn by hand: `|`-separated cells under the header, `-` for NULL. Every row is USD, with
 * EffectiveCost 1.00 and BilledCost 1.00.
 */
async function insertDrawn(store: DuckDbStore, drawn: string): Promise<void> {
  const [head, ...lines] = drawn.trim().split("\n").map((l) => l.split("|").map((c) => c.trim()));
  const types = new Map(COST_TABLE_COLUMNS.map((c) => [c.name, c.sqlType]));
  for (const cells of lines) {
    const values = cells.map((v, i) => (v === "-" ? "NULL" : `CAST(${quoteString(v)} AS ${types.get(head![i]!)})`));
    await store.run(`INSERT INTO ${COST_TABLE} (${head!.map((h) => `"${h}"`).join(", ")}, "BillingCurrency", "BilledCost", "EffectiveCost")
      VALUES (${values.join(", ")}, 'USD', 1, 1)`);
  }
}

describe("commitmentEndDates: the latest end per commitment, from any of its rows", () => {
  const RI = "arn:aws:ec2:us-east-1:111111111111:reserved-instances/ri-1";
  const SP = "arn:aws:savingsplans::111111111111:savingsplan/sp-1";
  const DRAWN = `
    CommitmentDiscountId  | CommitmentDiscountType | ChargeCategory | ChargeFrequency | CommitmentDiscountStatus | ChargePeriodStart   | ChargePeriodEnd     | x_CommitmentDiscountEndTime | SubAccountId
    ${RI}                 | Reserved Instance      | Purchase       | One-Time        | -                        | 2024-01-05 00:00:00 | 2024-01-05 01:00:00 | 2025-01-05 00:00:00         | 222222222222
    ${RI}                 | Reserved Instance      | Usage          | Usage-Based     | Used                     | 2024-06-01 00:00:00 | 2024-06-02 00:00:00 | 2025-01-05 00:00:00         | 333333333333
    ${RI}                 | Reserved Instance      | Usage          | Usage-Based     | Used                     | 2024-06-02 00:00:00 | 2024-06-03 00:00:00 | 2025-01-05 00:00:00         | 222222222222
    ${RI}                 | Reserved Instance      | Purchase       | Recurring       | -                        | 2024-06-01 00:00:00 | 2024-07-01 00:00:00 | -                           | 222222222222
    ${SP}                 | Savings Plan           | Usage          | Usage-Based     | Used                     | 2024-06-01 00:00:00 | 2024-06-02 00:00:00 | 2027-03-31 23:59:59         | 444444444444
    ${SP}                 | Savings Plan           | Usage          | Usage-Based     | Used                     | 2024-06-02 00:00:00 | 2024-06-03 00:00:00 | 2027-03-31 23:59:59         | 444444444444
    sp-extended           | -                      | Usage          | Usage-Based     | Used                     | 2024-06-01 00:00:00 | 2024-06-02 00:00:00 | 2024-12-31 00:00:00         | -
    sp-extended           | -                      | Usage          | Usage-Based     | Used                     | 2024-06-02 00:00:00 | 2024-06-03 00:00:00 | 2025-06-30 00:00:00         | -
    focus-ri              | Reservation            | Purchase       | One-Time        | -                        | 2023-09-01 00:00:00 | 2026-09-01 00:00:00 | -                           | 555555555555
    focus-ri              | Reservation            | Usage          | Usage-Based     | Used                     | 2024-06-01 00:00:00 | 2024-06-02 00:00:00 | -                           | 555555555555
    no-end                | Reserved Instance      | Purchase       | Recurring       | -                        | 2024-06-01 00:00:00 | 2024-07-01 00:00:00 | -                           | 555555555555
    cur-fee-only          | Reserved Instance      | Purchase       | One-Time        | -                        | 2024-01-01 00:00:00 | 2024-02-01 00:00:00 | -                           | 555555555555
    cur-fee-only          | Reserved Instance      | Usage          | Usage-Based     | Used                     | 2024-06-01 00:00:00 | 2024-06-02 00:00:00 | -                           | 555555555555
    arn:aws:savingsplans::1:savingsplan/typeless | - | Usage        | Usage-Based     | Used                     | 2024-06-01 00:00:00 | 2024-06-02 00:00:00 | 2026-02-28 12:00:00         | -
  `;

  it("one entry per commitment with a known end: type, end date, basis, account, last day seen", async () => {
    await insertDrawn(ctx.store, DRAWN);
    const ends = await commitmentEndDates(ctx.store);
    expect(ends.map((e) => [e.commitmentId, e.type, e.endDate, e.basis, e.subAccountId, e.lastSeen])).toEqual([
      // the end on every row, whichever row the window holds; the smallest account id
      [RI, "reservation", "2025-01-05", "end-time", "222222222222", "2024-06-02"],
      [SP, "savings-plan", "2027-03-31", "end-time", "444444444444", "2024-06-02"],
      // typeless rows: a Savings Plan ARN names the kind
      ["arn:aws:savingsplans::1:savingsplan/typeless", "savings-plan", "2026-02-28", "end-time", null, "2024-06-01"],
      // no end-time column: the one-time purchase row's charge period end (FOCUS files)
      ["focus-ri", "reservation", "2026-09-01", "purchase-row", "555555555555", "2024-06-01"],
      // no end column on any row and no one-time purchase: left out ("no-end"); nor does a one-time purchase spanning
      // only its billing month tell the term (CUR's upfront Fee row): "cur-fee-only" is left out too
      // the latest end seen wins (the term was extended)
      ["sp-extended", "reservation", "2025-06-30", "end-time", null, "2024-06-02"],
    ]);
    expect(ends.find((e) => e.commitmentId === SP)!.endsAt).toBe("2027-03-31T23:59:59Z");
  });

  it("the report's Ends is known when the purchase row is outside the window, for RI, Savings Plan and FOCUS purchase rows", async () => {
    await insertDrawn(ctx.store, DRAWN);
    const june = { start: new Date("2024-06-01T00:00:00Z"), end: new Date("2024-07-01T00:00:00Z") };
    const r = await commitmentReport(ctx.store, cfg, june, new Date("2024-12-20T00:00:00Z"));
    const ends = Object.fromEntries(r.commitments.map((c) => [c.commitmentId, [c.endsAt, c.expiresWithinDays]]));
    expect(ends).toEqual({
      [RI]: ["2025-01-05T00:00:00Z", 30], // 16 days after 2024-12-20
      [SP]: ["2027-03-31T23:59:59Z", null],
      "sp-extended": ["2025-06-30T00:00:00Z", null],
      "focus-ri": ["2026-09-01T00:00:00Z", null],
      "no-end": [null, null],
      "cur-fee-only": [null, null],
      "arn:aws:savingsplans::1:savingsplan/typeless": ["2026-02-28T12:00:00Z", null],
    });
    expect(r.endUnknown).toEqual(["cur-fee-only", "no-end"]);
  });
});
