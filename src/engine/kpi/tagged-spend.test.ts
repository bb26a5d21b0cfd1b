/**
 * The tagged-spend definition, hand-computed: allocable EffectiveCost of a billing month carrying the normalized
 * tag (aliases, key case, account defaults) over all allocable EffectiveCost; tax and credits apart.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configSchema } from "../../core/config/schema.js";
import type { DuckDbStore } from "../store/duckdb/duckdb-store.js";
import { COST_TABLE } from "../store/schema.js";
import { insertCostRows, type CostRow } from "../../../test/helpers/allocation-rows.js";
import { tempStore } from "../../../test/helpers/store.js";
import { percentOf, tagCoverage, taggedSpend, teamTaggedSpend } from "./tagged-spend.js";

let store: DuckDbStore;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ store, cleanup } = await tempStore());
});
afterEach(async () => cleanup());

//  month    account service resource tags                      category  effective  team?               environment?
//  2026-01  a1      EC2     i-1      team=payments, env=prod   Usage        60.00   yes                 yes (alias env)
//  2026-01  a1      EC2     i-2      Team=payments             Usage        20.00   yes (key case)      no
//  2026-01  a2      S3      b-1      -                         Usage        15.00   yes (a2 default)    no
//  2026-01  a3      EC2     i-5      Owner=ml                  Usage         5.00   yes (alias owner)   no
//  2026-01  a3      EC2     i-6      team=""                   Usage        10.00   no (empty value)    no
//  2026-01  a1      Tax     -        -                         Tax           8.00   apart
//  2026-01  a1      EC2     i-1      team=payments             Credit      -10.00   apart
//  2026-02  a2      EC2     i-3      env=dev                   Usage         5.00   yes (a2 default)    yes
//
//  2026-01 team: 100 / 110 = 90.91%; environment: 60 / 110 = 54.55%; not allocable 8 − 10 = −2.
//  Signed sums over every line would give team (100 − 10) / 108 and let credits push a share past 100%.
const ROWS: CostRow[] = [
  { date: "2026-01-02", billed: "60", account: "a1", service: "EC2", resource: "i-1", tags: { team: "payments", env: "prod" } },
  { date: "2026-01-02", billed: "20", account: "a1", service: "EC2", resource: "i-2", tags: { Team: "payments" } },
  { date: "2026-01-03", billed: "15", account: "a2", service: "S3", resource: "b-1" },
  { date: "2026-01-03", billed: "5", account: "a3", service: "EC2", resource: "i-5", tags: { Owner: "ml" } },
  { date: "2026-01-03", billed: "10", account: "a3", service: "EC2", resource: "i-6", tags: { team: "" } },
  { date: "2026-01-31", billed: "8", account: "a1", service: "Tax", resource: null },
  { date: "2026-01-31", billed: "-10", account: "a1", service: "EC2", resource: "i-1", tags: { team: "payments" } },
  { date: "2026-02-03", billed: "5", account: "a2", service: "EC2", resource: "i-3", tags: { env: "dev" } },
];

const config = configSchema.parse({
  allocation: {
    tags: { aliases: { environment: ["env"], team: ["owner"] }, accountDefaults: { a2: { team: "data" } } },
    rules: [{ id: "team-tag", match: { "tag:team": { present: true } }, set: { team: "${tag:team}", product: "checkout" } }],
    coverage: { requiredTags: ["team", "environment"], target: 75 },
  },
});
const ws = { config, baseDir: "." };

async function load(): Promise<void> {
  await insertCostRows(store, ROWS);
  await store.run(`UPDATE ${COST_TABLE} SET "ChargeCategory" = 'Tax' WHERE "ServiceName" = 'Tax'`);
  await store.run(`UPDATE ${COST_TABLE} SET "ChargeCategory" = 'Credit' WHERE "EffectiveCost" < 0`);
}

describe("tagged spend %", () => {
  it("is the share of a billing month's allocable spend carrying each normalized required tag, tax and credits apart", async () => {
    await load();
    const r = await taggedSpend(store, ws, {});
    expect(r.rows.map((x) => [x.period, x.tag, x.spend, x.tagged, x.percent, x.meetsTarget, x.notAllocable])).toEqual([
      ["2026-01", "team", "110.0000000000", "100.0000000000", "90.91", true, "-2.0000000000"],
      ["2026-01", "environment", "110.0000000000", "60.0000000000", "54.55", false, "-2.0000000000"],
      ["2026-02", "team", "5.0000000000", "5.0000000000", "100.00", true, "0.0000000000"],
      ["2026-02", "environment", "5.0000000000", "5.0000000000", "100.00", true, "0.0000000000"],
    ]);
    // allocable resources missing a tag, by cost (the credit and the tax line are not listed)
    expect(r.topUntagged.map((t) => [t.resourceId, t.spend, t.missing])).toEqual([
      ["i-2", "20.0000000000", ["environment"]],
      ["b-1", "15.0000000000", ["environment"]],
      ["i-6", "10.0000000000", ["environment", "team"]],
      ["i-5", "5.0000000000", ["environment"]],
    ]);
  });

  it("per account, one month", async () => {
    await load();
    const r = await taggedSpend(store, ws, { by: "account", month: "2026-01", tags: ["team"] });
    expect(r.rows.map((x) => [x.key, x.spend, x.percent])).toEqual([
      ["a1", "80.0000000000", "100.00"],
      ["a2", "15.0000000000", "100.00"],
      ["a3", "15.0000000000", "33.33"],
    ]);
  });

  it("per team follows the allocation rules (which read the same normalized, inherited tags)", async () => {
    await load();
    const r = await taggedSpend(store, ws, { by: "team", month: "2026-01", tags: ["environment"] });
    expect(r.rows.map((x) => [x.key, x.spend, x.percent])).toEqual([
      ["payments", "80.0000000000", "75.00"],
      ["data", "15.0000000000", "0.00"],
      ["__unallocated__", "10.0000000000", "0.00"],
      ["ml", "5.0000000000", "0.00"],
    ]);
    expect(await teamTaggedSpend(store, ws, "payments", "2026-01")).toEqual([
      { tag: "team", percent: "100.00" },
      { tag: "environment", percent: "75.00" },
    ]);
  });

  it("the tag page shows normalized keys by default (the KPI's figure) and raw, case-sensitive keys on request", async () => {
    await load();
    const n = await tagCoverage(store, ws, { month: "2026-01" });
    expect([n.total, n.notAllocable, n.target]).toEqual(["110.0000000000", "-2.0000000000", 75]);
    expect(n.keys.map((k) => [k.key, k.tagged, k.percent, k.values])).toEqual([
      ["team", "100.0000000000", "90.91", 3],
      ["environment", "60.0000000000", "54.55", 1],
    ]);
    // untagged: no tag value at all (b-1 15 and i-6's empty team 10)
    expect(n.untagged).toBe("25.0000000000");
    const raw = await tagCoverage(store, ws, { month: "2026-01", keyMode: "raw" });
    expect(raw.keys.map((k) => [k.key, k.percent])).toEqual([
      ["env", "54.55"],
      ["team", "54.55"],
      ["Team", "18.18"],
      ["Owner", "4.55"],
    ]);
  });

  it("percentOf is exact and rounds half away from zero", () => {
    expect(percentOf("1", "3")).toBe("33.33");
    expect(percentOf("2", "3")).toBe("66.67");
    expect(percentOf("-1", "8")).toBe("-12.50");
    expect(percentOf("1", "0")).toBeNull();
  });
});
