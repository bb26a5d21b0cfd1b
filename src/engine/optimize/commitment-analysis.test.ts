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
import { commitmentReport } from "./commitment-analysis.js";
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
