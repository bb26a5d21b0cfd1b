/**
 * End to end against a real moto_server: instances launched with tags, CloudWatch metrics put with
 * PutMetricData (CPU, CWAgent memory, network), a stopped instance, an unattached volume and a free Elastic
 * IP; collection into the store; a recommendation run produces priced recommendations with owners.
 */
import { PutMetricDataCommand, CloudWatchClient, type MetricDatum } from "@aws-sdk/client-cloudwatch";
import { AllocateAddressCommand, CreateVolumeCommand, EC2Client, RunInstancesCommand, StopInstancesCommand, type _InstanceType } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { optimizationDefaults } from "../../core/config/sections/optimization.js";
import { requireMoto, startMoto, type Moto } from "../../../test/helpers/moto.js";
import { tempStore } from "../../../test/helpers/store.js";
import { COST_TABLE } from "../store/schema.js";
import { loadCatalog } from "./load-catalog.js";
import { collectAws } from "./collect-aws.js";
import { listRecommendations } from "./recommendation-store.js";
import { runOptimization } from "./run.js";

const enabled = requireMoto("optimize end-to-end (EC2 + CloudWatch)");

describe.runIf(enabled)("utilization collection and recommendations against moto", () => {
  let moto: Moto;
  let ctx: Awaited<ReturnType<typeof tempStore>>;
  const end = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    moto = await startMoto();
    ctx = await tempStore();
    const ec2 = new EC2Client(moto.clientConfig);
    // moto_server does not read gzip-compressed request bodies (the SDK compresses large PutMetricData calls)
    const cw = new CloudWatchClient({ ...moto.clientConfig, disableRequestCompression: true });
    const launch = async (name: string, type: string, team: string): Promise<string> => {
      const r = await ec2.send(
        new RunInstancesCommand({
          ImageId: "ami-12c6146b",
          InstanceType: type as _InstanceType,
          MinCount: 1,
          MaxCount: 1,
          TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "Name", Value: name }, { Key: "team", Value: team }] }],
        }),
      );
      return r.Instances![0]!.InstanceId!;
    };
    ids["big"] = await launch("big", "m5.4xlarge", "payments");
    ids["idle"] = await launch("idle", "m5.large", "search");
    ids["young"] = await launch("young", "m5.xlarge", "search");
    ids["stopped"] = await launch("stopped", "m5.large", "ops");
    await ec2.send(new StopInstancesCommand({ InstanceIds: [ids["stopped"]!] }));
    ids["volume"] = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 100, VolumeType: "gp3" }))).VolumeId!;
    ids["eip"] = (await ec2.send(new AllocateAddressCommand({ Domain: "vpc" }))).AllocationId!;

    // 5-minute points over the last `hours` hours
    const put = async (id: string, ns: string, metric: string, hours: number, value: (k: number) => number, dims?: { Name: string; Value: string }[]): Promise<void> => {
      const data: MetricDatum[] = [];
      for (let k = 0; k < hours * 12; k++) {
        data.push({
          MetricName: metric,
          Dimensions: dims ?? [{ Name: "InstanceId", Value: id }],
          Timestamp: new Date(end.getTime() - (k + 1) * 300_000 + 1000),
          Value: value(k),
          Unit: metric.startsWith("Network") ? "Bytes" : "Percent",
        });
      }
      for (let i = 0; i < data.length; i += 500) await cw.send(new PutMetricDataCommand({ Namespace: ns, MetricData: data.slice(i, i + 500) }));
    };
    // big: CPU 10% with one 5-minute spike to 40% per hour, memory 30% (CWAgent), busy network
    await put(ids["big"]!, "AWS/EC2", "CPUUtilization", 48, (k) => (k % 12 === 0 ? 40 : 10));
    await put(ids["big"]!, "CWAgent", "mem_used_percent", 48, () => 30, [
      { Name: "InstanceId", Value: ids["big"]! },
      { Name: "InstanceType", Value: "m5.4xlarge" },
    ]);
    await put(ids["big"]!, "AWS/EC2", "NetworkIn", 48, () => 5_000_000);
    // idle: CPU at most 0.5%, network 100 bytes per 5 minutes
    await put(ids["idle"]!, "AWS/EC2", "CPUUtilization", 48, (k) => (k % 2 ? 0.5 : 0.2));
    await put(ids["idle"]!, "AWS/EC2", "NetworkIn", 48, () => 100);
    await put(ids["idle"]!, "AWS/EC2", "NetworkOut", 48, () => 100);
    // young: only 10 hours of data
    await put(ids["young"]!, "AWS/EC2", "CPUUtilization", 10, () => 3);
    ec2.destroy();
    cw.destroy();

    // the bill knows the big instance: 30 days x 24 h at 0.768 = 552.96
    await ctx.store.run(`INSERT INTO ${COST_TABLE} ("ResourceId", "ChargeCategory", "ChargePeriodStart", "ChargePeriodEnd", "EffectiveCost", "BilledCost", "BillingCurrency", "ServiceName")
      SELECT '${ids["big"]}', 'Usage', TIMESTAMP '2024-09-01' + to_hours(i::BIGINT), TIMESTAMP '2024-09-01' + to_hours(i::BIGINT + 1), 0.768, 0.768, 'USD', 'Amazon Elastic Compute Cloud'
      FROM range(720) r(i)`);
  }, 120_000);

  afterAll(async () => {
    await ctx?.cleanup();
    await moto?.stop();
  });

  it("collects inventory and hourly metrics, then recommends with savings and owners", async () => {
    // 3 days covers the 48 h of points (moto scans every point per period, so a 14-day window is slow there)
    const col = await collectAws(ctx.store, { lookbackDays: 3, end, clientOverrides: moto.clientConfig });
    expect(col.instances).toBe(4);
    expect(col.addresses).toBe(1);
    expect(col.volumes).toBeGreaterThanOrEqual(1);

    const hourly = await ctx.store.all(`SELECT metric, count(*)::INTEGER AS n, max(max) AS mx, avg(avg) AS av, max(p99) AS p99 FROM utilization_hourly WHERE resource_id = '${ids["big"]}' GROUP BY 1 ORDER BY 1`);
    const m = Object.fromEntries(hourly.map((r) => [String(r["metric"]), r]));
    expect(Number(m["CPUUtilization"]!["n"])).toBe(48);
    expect(Number(m["CPUUtilization"]!["mx"])).toBe(40);
    expect(Number(m["CPUUtilization"]!["av"])).toBeCloseTo(12.5, 6); // (40 + 11 x 10) / 12
    expect(Number(m["mem_used_percent"]!["n"])).toBe(48);
    expect(Number(m["NetworkIn"]!["mx"])).toBe(60_000_000); // 12 x 5,000,000 bytes in the hour

    const cfg = optimizationDefaults();
    const run = await runOptimization(ctx.store, { config: cfg, catalog: loadCatalog(), asOf: end, savingsPlans: false });
    const verdict = (id: string) => run.analysis.verdicts.find((v) => v.resourceId === id)?.outcome;
    expect(verdict(ids["young"]!)?.kind).toBe("insufficient-data");
    expect(verdict(ids["young"]!)?.reason).toContain("10 hours");

    const recs = await listRecommendations(ctx.store);
    const by = (type: string, id: string) => recs.find((r) => r.type === type && r.resourceId === id);

    // big: p99.5 of hourly maxima = 40%; 16 x 0.40 x 1.2 = 7.68 vCPU; memory 30% x 64 GiB x 1.2 = 23,593 MiB -> m5.2xlarge
    const big = by("rightsize", ids["big"]!);
    expect(big?.targetConfig).toBe("m5.2xlarge");
    expect(big?.owner).toBe("payments");
    expect(big?.ownerSource).toBe("resource tag");
    // billed: 552.96 over 720 h -> 560.64/month; half the price: 280.32
    expect(big?.savingBasis).toBe("billed");
    expect(big?.monthlySaving).toBe("280.3200000000");

    // idle: max CPU 0.5% <= 1%, network 2 x 100 bytes x 12 = 2,400 bytes/h; m5.large list 0.096 x 730 = 70.08
    const idle = by("idle-instance", ids["idle"]!);
    expect(idle?.monthlySaving).toBe("70.0800000000");
    expect(idle?.owner).toBe("search");

    const stopped = by("stopped-instance", ids["stopped"]!);
    expect(stopped).toBeDefined();
    expect(stopped?.owner).toBe("ops");

    // 100 GB gp3 x 0.08 = 8.00
    expect(by("unattached-volume", ids["volume"]!)?.monthlySaving).toBe("8.0000000000");
    // unassociated Elastic IP: 0.005 x 730 = 3.65
    expect(by("unused-eip", ids["eip"]!)?.monthlySaving).toBe("3.6500000000");
    expect(recs.some((r) => r.resourceId === ids["young"])).toBe(false);
  }, 120_000);
});
