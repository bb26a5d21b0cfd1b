/**
 * Estimate vs actual: a plan is estimated and recorded (PR 42) before anything is billed; after apply, a state gives
 * the ids; a generated bill for those resources then gives accuracy figures equal to this hand computation:
 *
 * | resource         | estimate (catalogue)            | bill                        | actual monthly = daily × 730/24 | |error| %             |
 * |------------------|---------------------------------|-----------------------------|---------------------------------|-----------------------|
 * | aws_instance.a   | 730×0.0052 + 8×0.1 = 4.596      | 0.144/day × 10 days         | 4.38                            | 0.216/4.38 = 4.93     |
 * | aws_instance.b   | 730×0.096 + 8×0.1 = 70.88       | 2.4/day × 10 days (ARN id)  | 73                              | 2.12/73 = 2.90        |
 * | aws_eip.c        | 730×0.005 = 3.65                | 0.12/day × 5 days           | 3.65                            | 0.00                  |
 * | aws_eip.d        | 3.65                            | not in the state: no id     | —                               | —                     |
 *
 * accuracy (median of 0.00, 2.90, 4.93) = 2.90; PR 42: estimated 79.126 vs actual 81.03 → 1.904/81.03 = 2.35 %.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { absPercentError, medianPercent } from "../../src/core/estimate/accuracy.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/store.js";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { insertBillRows, type BillRow } from "./bill-rows.js";

let work: { dir: string; cleanup: () => void };
let storePath: string;
const plan = () => join(work.dir, "plan.json");

beforeAll(async () => {
  work = tempDir("costwise-estimate-actual-");
  storePath = join(work.dir, "s.duckdb");
  const s = await DuckDbStore.open(storePath);
  await s.close();
  const rc = (type: string, name: string, after: Record<string, unknown>) => ({ address: `${type}.${name}`, mode: "managed", type, name, change: { actions: ["create"], before: null, after: { ...after, tags: { team: "payments" } } } });
  writeFileSync(
    plan(),
    JSON.stringify({
      format_version: "1.2",
      configuration: { provider_config: { aws: { name: "aws", expressions: { region: { constant_value: "us-east-1" } } } } },
      resource_changes: [rc("aws_instance", "a", { instance_type: "t3.nano" }), rc("aws_instance", "b", { instance_type: "m5.large" }), rc("aws_eip", "c", {}), rc("aws_eip", "d", {})],
    }),
  );
  const state = {
    format_version: "1.0",
    values: {
      root_module: {
        resources: [
          { address: "aws_instance.a", mode: "managed", type: "aws_instance", values: { id: "i-aaa" } },
          { address: "aws_instance.b", mode: "managed", type: "aws_instance", values: { id: "i-bbb", arn: "arn:aws:ec2:us-east-1:111122223333:instance/i-bbb" } },
        ],
        child_modules: [{ resources: [{ address: "aws_eip.c", mode: "managed", type: "aws_eip", values: { id: "eipalloc-ccc" } }] }],
      },
    },
  };
  writeFileSync(join(work.dir, "state.json"), JSON.stringify(state));
}, 60_000);

afterAll(() => work?.cleanup());

describe("estimate vs actual", () => {
  it("hand computation helpers", () => {
    expect(absPercentError("4.596", "4.38")).toBe("4.93");
    expect(absPercentError("70.88", "73")).toBe("2.90");
    expect(absPercentError("3.65", "3.65")).toBe("0.00");
    expect(absPercentError("1", "0")).toBeNull();
    expect(medianPercent(["4.93", "0.00", "2.90"])).toBe("2.90");
    expect(medianPercent(["1.00", "2.01"])).toBe("1.51");
    expect(medianPercent([])).toBeNull();
  });

  it("records the estimate, takes ids from the state, and compares with the bill", async () => {
    const rec = await runCli("--store", storePath, "--json", "estimate", plan(), "--record", "--pr", "42");
    expect(rec.code, rec.err).toBe(0);
    expect(JSON.parse(rec.out).totalMonthlyCost).toBe("82.7760000000");

    // nothing billed yet
    const before = await runCli("--store", storePath, "--json", "estimate", "actual", "--pr", "42");
    expect(before.code, before.err).toBe(0);
    expect(JSON.parse(before.out).accuracy).toBeNull();

    const rows: BillRow[] = [];
    for (let d = 1; d <= 10; d++) {
      const day = `2026-11-${String(d).padStart(2, "0")}`;
      rows.push({ day, resourceId: "i-aaa", service: "AmazonEC2", usageType: "BoxUsage:t3.nano", region: "us-east-1", quantity: "24", cost: "0.144" });
      rows.push({ day, resourceId: "arn:aws:ec2:us-east-1:111122223333:instance/i-bbb", service: "AmazonEC2", usageType: "BoxUsage:m5.large", region: "us-east-1", quantity: "24", cost: "2.4" });
      if (d > 5) rows.push({ day, resourceId: "eipalloc-ccc", service: "AmazonVPC", usageType: "PublicIPv4:InUseAddress", region: "us-east-1", quantity: "24", cost: "0.12" });
      // another resource in the bill: not ours
      rows.push({ day, resourceId: "i-other", service: "AmazonEC2", usageType: "BoxUsage:t3.nano", region: "us-east-1", quantity: "24", cost: "5" });
    }
    const s = await DuckDbStore.open(storePath);
    try {
      await insertBillRows(s, rows);
    } finally {
      await s.close();
    }

    const r = await runCli("--store", storePath, "--json", "estimate", "actual", "--pr", "42", "--state", join(work.dir, "state.json"));
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as { accuracy: string; measured: number; attached: number; resources: { address: string; estimated: string; actual: string | null; billedDays: number; absPercentError: string | null }[]; prs: { pr: string; estimated: string; actual: string; absPercentError: string; withActual: number; resources: number }[] };
    expect(j.attached).toBe(3);
    expect(j.resources.map((x) => [x.address, x.estimated, x.actual, x.billedDays, x.absPercentError])).toEqual([
      ["aws_eip.c", "3.65", "3.65", 5, "0.00"],
      ["aws_eip.d", "3.65", null, 0, null],
      ["aws_instance.a", "4.596", "4.38", 10, "4.93"],
      ["aws_instance.b", "70.88", "73", 10, "2.90"],
    ]);
    expect(j.prs).toEqual([{ pr: "42", estimated: "79.126", actual: "81.03", absPercentError: "2.35", resources: 4, withActual: 3 }]);
    expect([j.accuracy, j.measured]).toEqual(["2.90", 3]);

    const text = await runCli("--store", storePath, "estimate", "actual");
    expect(text.out).toContain("estimate accuracy (median absolute % error): 2.90% over 3 resource(s)");

    // the same figure is the "estimate accuracy" KPI
    const kpi = await runCli("--store", storePath, "--json", "kpi");
    expect(kpi.code, kpi.err).toBe(0);
    const k = (JSON.parse(kpi.out) as { kpis: { id: string; value: string | null; unit: string }[] }).kpis.find((x) => x.id === "estimate-accuracy")!;
    expect([k.value, k.unit]).toEqual(["2.90", "percent"]);
  }, 60_000);
});
