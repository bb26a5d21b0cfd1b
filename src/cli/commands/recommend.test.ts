/**
 * `costwise utilization import`, `recommend run|list|show|accept|dismiss|done|realized` and `commitments plan`
 * in process, on a store fed from a CSV of utilization points and a few bill rows.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DuckDbStore } from "../../engine/store/duckdb/duckdb-store.js";
import { EXIT, reportError } from "../context.js";
import { registerCommitments } from "./commitments.js";
import { registerRecommend } from "./recommend.js";
import { registerUtilization } from "./utilization.js";

let dir: string;
let storePath: string;
const asOf = "2024-09-15T00:00:00Z";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "costwise-recommend-"));
  storePath = join(dir, "costwise.duckdb");
  // i-big: m5.4xlarge at 10% CPU (20% at the top of each hour), memory 30%, 14 days before asOf
  // i-idle: m5.large at 0.5% with no network; i-new: 20 hours only
  const lines = ["timestamp,resource_id,metric,value"];
  const start = Date.parse(asOf) - 14 * 86_400_000;
  for (let h = 0; h < 14 * 24; h++) {
    for (const m of [0, 30]) {
      const t = new Date(start + h * 3_600_000 + m * 60_000).toISOString();
      lines.push(`${t},i-big,CPUUtilization,${m === 0 ? 20 : 10}`, `${t},i-big,mem_used_percent,30`, `${t},i-idle,CPUUtilization,0.5`);
      if (h >= 14 * 24 - 20) lines.push(`${t},i-new,CPUUtilization,50`);
    }
  }
  writeFileSync(join(dir, "util.csv"), lines.join("\n") + "\n");
  writeFileSync(join(dir, "bad.csv"), "timestamp,resource_id,metric,value\n2024-09-01T00:00:00Z,i-1,CPUUtilization,5\n2024-09-01T01:00:00Z,i-1,CPUUtilization,lots\n");
  const store = await DuckDbStore.open(storePath);
  // the bill tells the instance types and the team tag; hourly EC2 on-demand usage (2.00/h) for the SP plan
  await store.run(`INSERT INTO focus_costs ("ResourceId", "ChargeCategory", "PricingCategory", "ChargePeriodStart", "ChargePeriodEnd", "EffectiveCost", "BilledCost", "BillingCurrency", "ServiceName", x_InstanceType, "Tags")
    SELECT rid, 'Usage', 'Standard', TIMESTAMP '2024-08-16' + to_hours(i::BIGINT), TIMESTAMP '2024-08-16' + to_hours(i::BIGINT + 1), cost, cost, 'USD', 'Amazon Elastic Compute Cloud', itype, MAP {'team': team}
    FROM range(720) r(i), (VALUES ('i-big', 'm5.4xlarge', 0.768, 'payments'), ('i-idle', 'm5.large', 0.096, 'search'), ('i-new', 'm5.large', 0.096, 'search')) v(rid, itype, cost, team)`);
  // EBS billed under the EC2 service: not Savings Plan eligible (x_UsageType), must not change the plan
  await store.run(`INSERT INTO focus_costs ("ResourceId", "ChargeCategory", "PricingCategory", "ChargePeriodStart", "ChargePeriodEnd", "EffectiveCost", "BilledCost", "BillingCurrency", "ServiceName", x_UsageType)
    SELECT 'vol-x', 'Usage', 'Standard', TIMESTAMP '2024-08-16' + to_hours(i::BIGINT), TIMESTAMP '2024-08-16' + to_hours(i::BIGINT + 1), 0.5, 0.5, 'USD', 'Amazon Elastic Compute Cloud', 'EBS:VolumeUsage.gp3'
    FROM range(720) r(i)`);
  await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const program = new Command().option("--store <path>").option("--config <file>").option("--json", "", false).exitOverride();
  registerUtilization(program);
  registerRecommend(program);
  registerCommitments(program);
  const out: string[] = [];
  const err: string[] = [];
  const configure = (c: Command): void => {
    c.exitOverride().configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
    c.commands.forEach(configure);
  };
  program.commands.forEach(configure);
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
  let code: number = EXIT.ok;
  try {
    await program.parseAsync(["node", "costwise", "--store", storePath, ...args]);
  } catch (x) {
    code = x instanceof CommanderError ? (x.code === "commander.helpDisplayed" ? EXIT.ok : EXIT.usage) : reportError(x, args.includes("--json"));
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  return { code, out: out.join(""), err: err.join("") };
}

describe("costwise utilization import / recommend / commitments plan", () => {
  it("rejects a bad CSV naming file, row and column, and writes nothing", async () => {
    const r = await cli("utilization", "import", join(dir, "bad.csv"));
    expect(r.code).toBe(EXIT.failure);
    expect(r.err).toContain(`bad.csv: row 2 (line 3), column "value": expected a number such as 12.5, got "lots"`);
    expect(r.err).not.toContain("    at ");
    const j = JSON.parse((await cli("--json", "recommend", "list")).out);
    expect(j.recommendations).toEqual([]);
  });

  it("imports, runs, lists as table / JSON / CSV", async () => {
    const imp = await cli("--json", "utilization", "import", join(dir, "util.csv"));
    expect(imp.code).toBe(0);
    expect(JSON.parse(imp.out).imported[0]).toMatchObject({ resources: 3, hours: 14 * 24 * 3 + 20 });

    const run = await cli("--json", "recommend", "run", "--as-of", asOf, "--no-savings-plans");
    expect(run.code).toBe(0);
    const rj = JSON.parse(run.out);
    expect(rj.instances).toEqual({ recommend: 1, idle: 1, "insufficient-data": 1 });
    expect(rj.saved.created).toBe(2);

    const list = JSON.parse((await cli("--json", "recommend", "list")).out).recommendations;
    const big = list.find((r: { type: string }) => r.type === "rightsize");
    // p99.5 of hourly maxima = 20%: 16 x 0.2 x 1.2 = 3.84 vCPU; memory 30% x 65536 x 1.2 -> m5.2xlarge;
    // billed 0.768 x 720 h = 552.96 -> 560.64/month, half saved
    expect(big).toMatchObject({ resourceId: "i-big", targetConfig: "m5.2xlarge", monthlySaving: "280.3200000000", owner: "payments", ownerSource: "bill tag", status: "open" });
    const idle = list.find((r: { type: string }) => r.type === "idle-instance");
    expect(idle).toMatchObject({ resourceId: "i-idle", monthlySaving: "70.0800000000" }); // 0.096 x 720 = 69.12 billed -> x 730/720

    const table = await cli("recommend", "list");
    expect(table.out).toMatch(/rightsize\s+i-big\s+payments\s+change instance type m5.4xlarge -> m5.2xlarge\s+280.32 USD\s+high\s+open/);
    expect(table.out).toContain("open + accepted: 350.40 USD/month");
    const csv = await cli("recommend", "list", "--format", "csv");
    expect(csv.out.split("\r\n")[0]).toBe("id,type,resource_id,resource_type,region,account_id,owner,action,current,target,monthly_saving,currency,saving_basis,confidence,status,status_reason,reason,risks,first_seen,last_seen,still_found");
    expect(csv.out).toContain(",m5.4xlarge,m5.2xlarge,280.3200000000,USD,billed,high,open,");
  });

  it("status changes keep history and survive later runs", async () => {
    const list = JSON.parse((await cli("--json", "recommend", "list")).out).recommendations as { id: number; type: string }[];
    const bigId = String(list.find((r) => r.type === "rightsize")!.id);
    const idleId = String(list.find((r) => r.type === "idle-instance")!.id);
    expect((await cli("recommend", "dismiss", idleId)).code).toBe(EXIT.usage);
    expect((await cli("recommend", "dismiss", idleId, "--reason", "standby for DR")).code).toBe(0);
    expect((await cli("recommend", "accept", bigId)).code).toBe(0);
    expect((await cli("recommend", "accept", bigId)).code).toBe(EXIT.usage); // already accepted
    expect((await cli("recommend", "done", "999")).code).toBe(EXIT.failure);

    await cli("--json", "recommend", "run", "--as-of", asOf, "--no-savings-plans");
    const after = JSON.parse((await cli("--json", "recommend", "list")).out).recommendations as { id: number; status: string; statusReason: string | null }[];
    expect(after.find((r) => String(r.id) === idleId)).toMatchObject({ status: "dismissed", statusReason: "standby for DR" });
    expect(after.find((r) => String(r.id) === bigId)!.status).toBe("accepted");

    expect((await cli("recommend", "done", bigId)).code).toBe(0);
    const show = JSON.parse((await cli("--json", "recommend", "show", bigId)).out);
    expect(show.history.map((h: { event: string; toStatus: string | null }) => `${h.event}${h.toStatus ? `:${h.toStatus}` : ""}`)).toEqual(["created:open", "status:accepted", "updated", "status:done"]);
    const realized = JSON.parse((await cli("--json", "recommend", "realized")).out).realized;
    expect(realized[0]).toMatchObject({ resourceId: "i-big", baselineMonthlyCost: "560.6400000000", expectedMonthlySaving: "280.3200000000" });
  });

  it("plans a Savings Plan on flat 2.00/h on-demand spend: commit 2.00 x (1 - d)", async () => {
    const r = JSON.parse((await cli("--json", "commitments", "plan", "--plan", "compute-1y-no-upfront")).out).savingsPlans;
    const thirty = r.find((x: { lookbackDays: number }) => x.lookbackDays === 30);
    // i-big 0.768 + i-idle 0.096 + i-new 0.096 = 0.96/h, every hour: c = 0.96 x 0.72
    expect(thirty.hourlyCommitment).toBe("0.6912000000");
    expect(thirty.expectedUtilization).toBe("1.0000");
    expect(thirty.netSavings).toBe("193.5360000000"); // 720 h x 0.96 x 0.28
    // the bill covers 30 days: the 60-day lookback is clipped to them, not padded with zero hours
    const sixty = r.find((x: { lookbackDays: number }) => x.lookbackDays === 60);
    expect(sixty.hours).toBe(720);
    expect(sixty.hourlyCommitment).toBe("0.6912000000");
  });

  it("a run with Savings Plans recommends the plan saving the most per month, and the commitments report prints", async () => {
    await cli("--json", "recommend", "run", "--as-of", asOf);
    const list = JSON.parse((await cli("--json", "recommend", "list", "--type", "savings-plan")).out).recommendations;
    // ec2-instance-3y-no-upfront, 60% off: 0.96 x 0.60 x 730 = 420.48/month, commitment 0.96 x 0.40 = 0.384/h
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ key: "savings-plan:purchase", resourceId: "ec2-instance-3y-no-upfront", monthlySaving: "420.4800000000", targetConfig: "0.3840000000/h" });
    const rep = await cli("commitments");
    expect(rep.code).toBe(0);
    expect(rep.out).toContain("no commitment (RI / Savings Plan) rows in the store");
  });
});
