import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { optimizationDefaults } from "../../core/config/sections/optimization.js";
import { tempStore } from "../../../test/helpers/store.js";
import { analyzeResources } from "./analyze.js";
import { loadCatalog } from "./load-catalog.js";

let ctx: Awaited<ReturnType<typeof tempStore>>;
beforeEach(async () => {
  ctx = await tempStore();
});
afterEach(async () => ctx.cleanup());

const asOf = new Date("2024-09-15T00:00:00Z");

async function seed(): Promise<void> {
  const s = ctx.store;
  // i-1 idle for 14 days; i-2 has 29 hours only; vol-1 unattached 50 GB gp2
  await s.run(`INSERT INTO utilization_hourly SELECT 'i-1', 'CPUUtilization', TIMESTAMP '2024-09-01' + to_hours(h::BIGINT), 0.4, 0.9, 0.1, NULL, 12, 't', now()::TIMESTAMP FROM range(336) r(h)`);
  await s.run(`INSERT INTO utilization_hourly SELECT 'i-2', 'CPUUtilization', TIMESTAMP '2024-09-14' + to_hours(h::BIGINT - 5), 5, 9, 1, NULL, 12, 't', now()::TIMESTAMP FROM range(29) r(h)`);
  await s.run(`INSERT INTO resource_inventory VALUES
    ('i-1', 'ec2-instance', 'AWS', '111', 'us-east-1', 'm5.xlarge', 'running', NULL, NULL, NULL, NULL, NULL, MAP {'team': 'tagged-team'}, now()::TIMESTAMP),
    ('i-2', 'ec2-instance', 'AWS', '111', 'us-east-1', 'm5.xlarge', 'running', NULL, NULL, NULL, NULL, NULL, MAP {'owner': 'alice'}, now()::TIMESTAMP),
    ('vol-1', 'ebs-volume', 'AWS', '111', 'us-east-1', NULL, 'available', NULL, NULL, 50, 'gp2', NULL, MAP {}::MAP(VARCHAR, VARCHAR), now()::TIMESTAMP)`);
}

describe("analyzeResources", () => {
  it("owner from cost_allocation (largest share, never __unallocated__) before tags; list-price costs when not billed", async () => {
    await seed();
    await ctx.store.run(`INSERT INTO cost_allocation (team, rule_id, resource_id, billed_cost, effective_cost, line_items) VALUES
      ('platform', 'r1', 'i-1', 10, 10, 1), ('data', 'r2', 'i-1', 30, 30, 1), ('__unallocated__', 'r0', 'i-2', 99, 99, 1)`);
    const r = await analyzeResources(ctx.store, { config: optimizationDefaults(), catalog: loadCatalog(), asOf });
    const idle = r.drafts.find((d) => d.type === "idle-instance")!;
    expect([idle.resourceId, idle.owner, idle.ownerSource]).toEqual(["i-1", "data", "allocation"]);
    expect(idle.monthlySaving).toBe("140.1600000000"); // m5.xlarge 0.192 x 730
    expect(idle.savingBasis).toBe("list-price");
    const vol = r.drafts.find((d) => d.type === "unattached-volume")!;
    expect(vol.monthlySaving).toBe("5.0000000000"); // 50 GB x 0.10
    const young = r.verdicts.find((v) => v.resourceId === "i-2")!;
    expect(young.outcome.kind).toBe("insufficient-data");
    expect(young.outcome.reason).toBe("insufficient data: 29 hours of CPU metrics, at least 30 needed");
    expect(r.drafts.some((d) => d.resourceId === "i-2")).toBe(false);
  });

  it("falls back to the team/owner tag without allocation data", async () => {
    await seed();
    const r = await analyzeResources(ctx.store, { config: optimizationDefaults(), catalog: loadCatalog(), asOf });
    expect(r.drafts.find((d) => d.resourceId === "i-1")!.owner).toBe("tagged-team");
  });
});
