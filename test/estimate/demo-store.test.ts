/**
 * With the demo store, EC2 instance hours are priced at the demo bill's effective rate: Σ EffectiveCost / Σ
 * PricingQuantity of its `BoxUsage:<type>` usage in the region over the last 30 billed days (Savings Plans and
 * Reserved Instances included; Savings Plan negation lines, which repeat the covered hours at 0, left out), computed here by a hand-written SQL of that definition; without a store (or with
 * --no-bill) the same plan is priced at the catalogue's on-demand price.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { divDec, mulDec, plain } from "../../src/core/estimate/decimal.js";
import { runDemo } from "../../src/demo/run-demo.js";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/store.js";

let work: { dir: string; cleanup: () => void };
let storePath: string;
let fleet: { type: string; cost: string; hours: string };

beforeAll(async () => {
  work = tempDir("costwise-estimate-demo-");
  storePath = join(work.dir, "s.duckdb");
  const store = await DuckDbStore.open(storePath);
  try {
    await runDemo(store, { seed: 42, months: 2, scale: 0.1, dataDir: join(work.dir, "demo"), focusSample: null });
    // the hand computation: the instance type with the most us-east-1 hours in the last 30 billed days
    const rows = await store.all(`
      WITH w AS (SELECT max("ChargePeriodStart") AS last FROM focus_costs)
      SELECT regexp_extract(x_UsageType, 'BoxUsage:(.*)$', 1) AS type, CAST(sum("EffectiveCost") AS VARCHAR) AS cost, CAST(sum("PricingQuantity") AS VARCHAR) AS hours
      FROM focus_costs, w
      WHERE x_ServiceCode = 'AmazonEC2' AND "RegionId" = 'us-east-1' AND "ChargeCategory" = 'Usage' AND x_UsageType LIKE '%BoxUsage:%'
        AND coalesce(x_ChargeType, '') <> 'SavingsPlanNegation'
        AND "ChargePeriodStart" >= w.last - INTERVAL 29 DAY
      GROUP BY 1 ORDER BY sum("PricingQuantity") DESC, 1 LIMIT 1`);
    const r = rows[0]!;
    fleet = { type: String(r["type"]), cost: String(r["cost"]), hours: String(r["hours"]) };
  } finally {
    await store.close();
  }
}, 300_000);

afterAll(() => work?.cleanup());

describe("costwise estimate on the demo store", () => {
  it("prices instance hours at the bill's effective rate, and at the catalogue price without the bill", async () => {
    const plan = join(work.dir, "plan.json");
    writeFileSync(
      plan,
      JSON.stringify({
        format_version: "1.2",
        configuration: { provider_config: { aws: { name: "aws", expressions: { region: { constant_value: "us-east-1" } } } } },
        resource_changes: [{ address: "aws_instance.app", mode: "managed", type: "aws_instance", name: "app", change: { actions: ["create"], before: null, after: { instance_type: fleet.type, root_block_device: [{ volume_size: 20, volume_type: "gp3" }] } } }],
      }),
    );
    const rate = plain(divDec(fleet.cost, fleet.hours)!);
    const withBill = await runCli("--store", storePath, "--json", "estimate", plan);
    expect(withBill.code, withBill.err).toBe(0);
    const hours = (JSON.parse(withBill.out) as { resources: { components: { name: string; price: string; priceSource: string; monthlyCost: string; priceDetail: string }[] }[] }).resources[0]!.components[0]!;
    expect([hours.priceSource, hours.price, hours.monthlyCost]).toEqual(["bill", rate, mulDec("730", rate)]);
    expect(hours.priceDetail).toContain(`BoxUsage:${fleet.type} in us-east-1`);

    const noBill = await runCli("--store", storePath, "--json", "estimate", plan, "--no-bill");
    expect(noBill.code, noBill.err).toBe(0);
    const listHours = (JSON.parse(noBill.out) as { resources: { components: { price: string; priceSource: string }[] }[] }).resources[0]!.components[0]!;
    expect(listHours.priceSource).toBe("catalogue");
    // the demo bill carries Savings Plans and Reserved Instances: what it paid per hour is not the list price
    expect(listHours.price).not.toBe(rate);
  }, 120_000);
});
