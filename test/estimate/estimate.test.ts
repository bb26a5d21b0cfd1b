/**
 * `costwise estimate` golden tests on the shared Infracost plans: every component's quantity and price written by
 * hand from the shipped catalogues (data/ec2-catalog: m5.4xlarge 0.768, t3.nano 0.0052 USD/h in us-east-1;
 * data/prices: gp2 0.10, io1 0.125 + 0.065/IOPS, RDS MySQL db.t3.micro 0.017/h, RDS gp2 0.115, Lambda 0.0000002 per
 * request and 0.0000166667 per GB-s); then prices from a hand-written bill (the effective rate paid), unknown
 * regions and unsupported resources unpriced with the reason, owners through the allocation rules.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/engine/config/load-config.js";
import { runEstimate } from "../../src/engine/estimate/run.js";
import type { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { runCli } from "../helpers/cli.js";
import { FIXTURES, tempDir, tempStore } from "../helpers/store.js";
import { insertBillRows } from "./bill-rows.js";

const INFRACOST = join(FIXTURES, "terraform/infracost");
type Comp = [name: string, unit: string, quantity: string, price: string | null, source: string | null, monthly: string | null];
const comps = (cs: { name: string; unit: string; monthlyQuantity: string; price: string | null; priceSource: string | null; monthlyCost: string | null }[]): Comp[] =>
  cs.map((c) => [c.name, c.unit, c.monthlyQuantity, c.price, c.priceSource, c.monthlyCost === null ? null : Number(c.monthlyCost).toFixed(7)]);

describe("example_plan.json at list prices (no store)", () => {
  it("prices every component by hand", async () => {
    const { estimate } = await runEstimate({ paths: [join(INFRACOST, "example_plan.json")] });
    const by = new Map(estimate.resources.map((r) => [r.address, r]));
    const webApp: Comp[] = [
      ["Instance usage (Linux/UNIX, on-demand, m5.4xlarge)", "hours", "730", "0.768", "catalogue", "560.6400000"],
      ["root_block_device: Storage (gp2)", "GB-months", "50", "0.1", "catalogue", "5.0000000"],
      ["ebs_block_device[my_data]: Storage (io1)", "GB-months", "1000", "0.125", "catalogue", "125.0000000"],
      ["ebs_block_device[my_data]: Provisioned IOPS (io1)", "IOPS-months", "800", "0.065", "catalogue", "52.0000000"],
    ];
    expect(comps(by.get("aws_instance.web_app")!.components)).toEqual(webApp);
    expect(by.get("aws_instance.web_app")!.monthlyCost).toBe("742.6400000000");
    expect(by.get("aws_instance.web_app")!.action).toBe("create");
    // defaults stated: 1,000,000 requests, 100 ms → 1e6 × 0.1 s × 1 GB = 100,000 GB-s
    const lambda: Comp[] = [
      ["Requests", "requests", "1000000", "0.0000002", "catalogue", "0.2000000"],
      ["Duration (x86_64, 1024 MB)", "GB-seconds", "100000", "0.0000166667", "catalogue", "1.6666700"],
    ];
    expect(comps(by.get("aws_lambda_function.hello_world")!.components)).toEqual(lambda);
    expect(by.get("aws_lambda_function.hello_world")!.components.every((c) => c.usageSource === "default" && c.assumption?.includes("default"))).toBe(true);
    expect(by.get("aws_lambda_function.hello_world")!.monthlyCost).toBe("1.8666700000");
    // S3 is usage-only and not priced yet: unpriced with the reason, never 0
    const s3 = by.get("aws_s3_bucket.usage")!;
    expect(s3.monthlyCost).toBeNull();
    expect(s3.unpricedReason).toMatch(/aws_s3_bucket is not priced/);
    // 2 × 742.64 + 2 × 1.86667
    expect(estimate.totalMonthlyCost).toBe("1489.0133400000");
    expect(estimate.totalMonthlyDelta).toBe("1489.0133400000");
    expect(estimate.unpriced).toEqual([{ address: "aws_s3_bucket.usage", file: join(INFRACOST, "example_plan.json"), reason: expect.stringContaining("not priced") }]);
  });

  it("takes usage from an Infracost-style usage file", async () => {
    const dir = tempDir();
    try {
      const usage = join(dir.dir, "usage.yml");
      writeFileSync(usage, "version: 0.1\nresource_usage:\n  aws_lambda_function.hello_world:\n    monthly_requests: 100000\n    request_duration_ms: 250\n");
      const { estimate } = await runEstimate({ paths: [join(INFRACOST, "example_plan.json")], usageFile: usage });
      const hello = estimate.resources.find((r) => r.address === "aws_lambda_function.hello_world")!;
      // 100,000 × 0.0000002 = 0.02; 100,000 × 0.25 s × 1 GB = 25,000 GB-s × 0.0000166667 = 0.4166675
      expect(comps(hello.components)).toEqual([
        ["Requests", "requests", "100000", "0.0000002", "catalogue", "0.0200000"],
        ["Duration (x86_64, 1024 MB)", "GB-seconds", "25000", "0.0000166667", "catalogue", "0.4166675"],
      ]);
      expect(hello.components.map((c) => c.usageSource)).toEqual(["usage-file", "usage-file"]);
      // the other function keeps the defaults
      expect(estimate.resources.find((r) => r.address === "aws_lambda_function.zero_cost_lambda")!.monthlyCost).toBe("1.8666700000");
    } finally {
      dir.cleanup();
    }
  });
});

describe("terraform_v0.14_plan.json: modules, updates, free resources", () => {
  it("prices creates, keeps the update's delta at 0 and lists free types at 0", async () => {
    const { estimate } = await runEstimate({ paths: [join(INFRACOST, "terraform_v0.14_plan.json")] });
    // no-op resources are not listed: 6 instance creates, the db_1 update, the db_2 create and its 5 free companions
    expect(estimate.resources).toHaveLength(13);
    const nano = estimate.resources.find((r) => r.address === "module.instances.aws_instance.module_instance_2")!;
    // region from the root provider (the module inherits it); root volume not in the plan: 8 GB gp2 default
    expect(nano.region).toBe("us-east-1");
    expect(comps(nano.components)).toEqual([
      ["Instance usage (Linux/UNIX, on-demand, t3.nano)", "hours", "730", "0.0052", "catalogue", "3.7960000"],
      ["root_block_device: Storage (gp2)", "GB-months", "8", "0.1", "catalogue", "0.8000000"],
    ]);
    const db2 = estimate.resources.find((r) => r.address === "module.db.module.db_2.module.db_instance.aws_db_instance.this[0]")!;
    expect(comps(db2.components)).toEqual([
      ["Database instance (mysql, single-AZ, db.t3.micro)", "hours", "730", "0.017", "catalogue", "12.4100000"],
      ["Storage (gp2)", "GB-months", "5", "0.115", "catalogue", "0.5750000"],
    ]);
    const db1 = estimate.resources.find((r) => r.address === "module.db.module.db_1.module.db_instance.aws_db_instance.this[0]")!;
    expect([db1.action, db1.previousMonthlyCost, db1.monthlyCost, db1.monthlyDelta]).toEqual(["update", "12.9850000000", "12.9850000000", "0.0000000000"]);
    const iam = estimate.resources.find((r) => r.type === "aws_iam_role")!;
    expect([iam.free, iam.monthlyCost]).toEqual([true, "0"]);
    // 6 × 4.596 + 12.985
    expect(estimate.totalMonthlyDelta).toBe("40.5610000000");
    // owner from the Owner tag through the allocation rules
    const config = parseConfig("allocation:\n  rules:\n    - id: by-owner\n      match: { tag:owner: user2 }\n      set: { team: databases }\n", "costwise.yaml");
    const owned = await runEstimate({ paths: [join(INFRACOST, "terraform_v0.14_plan.json")], config });
    expect(owned.estimate.resources.find((r) => r.address === db2.address)!.owner).toBe("databases");
    expect(owned.estimate.owners.map((o) => [o.owner, o.monthlyDelta])).toEqual([
      ["__unallocated__", "27.5760000000"],
      ["databases", "12.9850000000"],
    ]);
  });

  it("an unknown region is unpriced with the reason, not 0", async () => {
    const dir = tempDir();
    try {
      const plan = join(dir.dir, "plan.json");
      writeFileSync(plan, JSON.stringify({ format_version: "1.2", resource_changes: [{ address: "aws_nat_gateway.n", mode: "managed", type: "aws_nat_gateway", name: "n", change: { actions: ["create"], before: null, after: {} } }] }));
      const none = await runEstimate({ paths: [plan] });
      expect(none.estimate.resources[0]!.monthlyCost).toBeNull();
      expect(none.estimate.resources[0]!.unpricedReason).toMatch(/region is unknown.*--region/);
      const tokyo = await runEstimate({ paths: [plan], region: "ap-northeast-1" });
      expect(tokyo.estimate.resources[0]!.monthlyCost).toBeNull();
      expect(tokyo.estimate.resources[0]!.unpricedReason).toMatch(/no prices for region ap-northeast-1/);
      // us-east-1: 730 h × 0.045 + 100 GB (stated default) × 0.045
      const virginia = await runEstimate({ paths: [plan], region: "us-east-1" });
      expect(comps(virginia.estimate.resources[0]!.components)).toEqual([
        ["NAT gateway", "hours", "730", "0.045", "catalogue", "32.8500000"],
        ["Data processed", "GB", "100", "0.045", "catalogue", "4.5000000"],
      ]);
    } finally {
      dir.cleanup();
    }
  });
});

describe("terratag .tf configurations (every resource a create)", () => {
  const TERRATAG = join(FIXTURES, "terraform/terratag");
  it("aws_instance_volume_tags: region from the provider block, block devices from the configuration", async () => {
    const { estimate } = await runEstimate({ paths: [join(TERRATAG, "aws_instance_volume_tags/input_main.tf")] });
    // t3.micro 730 h × 0.0104 = 7.592; a root or EBS device without a size: 8 GB gp2 × 0.10 = 0.80
    expect(estimate.resources.map((r) => [r.address, r.action, r.region, r.monthlyCost]).sort()).toEqual([
      ["aws_instance.multiple_tags", "create", "us-east-1", "9.9920000000"],
      ["aws_instance.no_volume_tags", "create", "us-east-1", "8.3920000000"],
      ["aws_instance.root_block_device", "create", "us-east-1", "8.3920000000"],
      ["aws_instance.root_block_device_does_not_exist", "create", "us-east-1", "8.3920000000"],
      ["aws_instance.volume_tags", "create", "us-east-1", "9.1920000000"],
    ]);
    expect(comps(estimate.resources.find((r) => r.address === "aws_instance.volume_tags")!.components)).toEqual([
      ["Instance usage (Linux/UNIX, on-demand, t3.micro)", "hours", "730", "0.0104", "catalogue", "7.5920000"],
      ["root_block_device: Storage (gp2)", "GB-months", "8", "0.1", "catalogue", "0.8000000"],
      ["ebs_block_device[abcdefg]: Storage (gp2)", "GB-months", "8", "0.1", "catalogue", "0.8000000"],
    ]);
    expect(estimate.totalMonthlyCost).toBe("44.3600000000");
  });

  it("aws_azure and aws_autoscaling_group: what is not priced says why", async () => {
    const azure = await runEstimate({ paths: [join(TERRATAG, "aws_azure/input_main.tf")] });
    expect(azure.estimate.unpriced.map((u) => [u.address, u.reason]).sort()).toEqual([
      ["aws_s3_bucket.should_have_tags", "resource type aws_s3_bucket is not priced yet"],
      ["azurerm_resource_group.should_have_tags", 'provider "azurerm" is not priced yet (AWS only)'],
      ["azurerm_virtual_network.should_not_have_tags", 'provider "azurerm" is not priced yet (AWS only)'],
    ]);
    const asg = await runEstimate({ paths: [join(TERRATAG, "aws_autoscaling_group/input_main.tf")] });
    expect(asg.estimate.resources.map((r) => [r.address, r.free ?? false, r.monthlyCost, r.unpricedReason ?? null]).sort()).toEqual([
      ["aws_autoscaling_group.bar", false, null, "resource type aws_autoscaling_group is not priced yet"],
      ["aws_autoscaling_group.bar_tags", false, null, "resource type aws_autoscaling_group is not priced yet"],
      ["aws_placement_group.test", true, "0", null],
    ]);
  });
});

describe("priced from the organisation's own bill", () => {
  let s: { store: DuckDbStore; dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    s = await tempStore();
    await insertBillRows(s.store, [
      // m5.large in us-east-1: 24 h on demand (2.304) + 56 h under a Savings Plan (3.816) → 6.12 / 80 h = 0.0765
      { day: "2026-10-20", resourceId: "i-1", service: "AmazonEC2", usageType: "BoxUsage:m5.large", region: "us-east-1", quantity: "24", cost: "2.304" },
      { day: "2026-10-21", resourceId: "i-2", service: "AmazonEC2", usageType: "BoxUsage:m5.large", region: "us-east-1", quantity: "56", cost: "3.816" },
      // the Savings Plan negation repeats the covered hours at 0 EffectiveCost: not counted twice
      { day: "2026-10-21", resourceId: "i-2", service: "AmazonEC2", usageType: "BoxUsage:m5.large", region: "us-east-1", quantity: "56", cost: "0", chargeType: "SavingsPlanNegation" },
      // the same type in eu-west-1 (usage type prefixed "EU-"): 24 h for 2.4 → 0.1
      { day: "2026-10-21", resourceId: "i-3", service: "AmazonEC2", usageType: "EU-BoxUsage:m5.large", region: "eu-west-1", quantity: "24", cost: "2.4" },
      // older than the last 30 billed days (2026-09-22 .. 2026-10-21): not used
      { day: "2026-09-01", resourceId: "i-4", service: "AmazonEC2", usageType: "BoxUsage:m5.large", region: "us-east-1", quantity: "24", cost: "99" },
      // gp2 storage in us-east-1: 300 GB-months for 24 → 0.08
      { day: "2026-10-21", resourceId: "vol-1", service: "AmazonEC2", usageType: "EBS:VolumeUsage.gp2", region: "us-east-1", quantity: "300", cost: "24" },
    ]);
  });
  afterAll(async () => s?.cleanup());

  it("uses the effective rate paid for the same usage type and region, else the catalogue, else unpriced", async () => {
    const dir = tempDir();
    try {
      const plan = join(dir.dir, "plan.json");
      const inst = (name: string, region: string) => ({ address: `aws_instance.${name}`, mode: "managed", type: "aws_instance", name, change: { actions: ["create"], before: null, after: { instance_type: "m5.large", region, root_block_device: [{ volume_size: 10, volume_type: "gp2" }] } } });
      writeFileSync(plan, JSON.stringify({ format_version: "1.2", resource_changes: [inst("us", "us-east-1"), inst("eu", "eu-west-1"), inst("in", "ap-south-1")] }));
      const { estimate } = await runEstimate({ paths: [plan], store: s.store });
      const by = new Map(estimate.resources.map((r) => [r.address, r]));
      // 730 × 0.0765 = 55.845; 10 GB × 0.08 = 0.8
      expect(comps(by.get("aws_instance.us")!.components)).toEqual([
        ["Instance usage (Linux/UNIX, on-demand, m5.large)", "hours", "730", "0.0765", "bill", "55.8450000"],
        ["root_block_device: Storage (gp2)", "GB-months", "10", "0.08", "bill", "0.8000000"],
      ]);
      // eu-west-1: instance hours from the bill (0.1), gp2 has no eu-west-1 usage and no shipped price there
      const eu = by.get("aws_instance.eu")!;
      expect(comps(eu.components)[0]).toEqual(["Instance usage (Linux/UNIX, on-demand, m5.large)", "hours", "730", "0.1", "bill", "73.0000000"]);
      expect(eu.components[1]!.monthlyCost).toBeNull();
      expect(eu.monthlyCost).toBeNull();
      expect(eu.unpricedReason).toMatch(/no prices for region eu-west-1/);
      // ap-south-1: neither the bill nor the catalogue
      expect(by.get("aws_instance.in")!.components[0]!.unpricedReason).toMatch(/us-east-1 prices only/);
      expect(estimate.totalMonthlyCost).toBe("56.6450000000");
    } finally {
      dir.cleanup();
    }
  });
});

describe("costwise estimate --json", () => {
  it("lists resources[] with address, type, action, monthlyCost and components[], and totalMonthlyCost, as decimal strings", async () => {
    const dir = tempDir();
    try {
      const r = await runCli("--store", join(dir.dir, "none.duckdb"), "--json", "estimate", join(INFRACOST, "examples_terraform_plan.json"));
      expect(r.code, r.err).toBe(0);
      const j = JSON.parse(r.out) as { totalMonthlyCost: string; resources: { address: string; type: string; action: string; monthlyCost: string; components: { name: string; unit: string; monthlyQuantity: string; price: string; priceSource: string; monthlyCost: string }[] }[] };
      expect(j.totalMonthlyCost).toBe("744.5066700000");
      expect(j.resources.map((x) => [x.address, x.type, x.action, x.monthlyCost])).toEqual([
        ["aws_instance.web_app", "aws_instance", "create", "742.6400000000"],
        ["aws_lambda_function.hello_world", "aws_lambda_function", "create", "1.8666700000"],
      ]);
      expect(j.resources[0]!.components[0]).toMatchObject({ name: "Instance usage (Linux/UNIX, on-demand, m5.4xlarge)", unit: "hours", monthlyQuantity: "730", price: "0.768", priceSource: "catalogue", monthlyCost: "560.6400000000" });
      const md = await runCli("--store", join(dir.dir, "none.duckdb"), "estimate", "--format", "md", join(INFRACOST, "examples_terraform_plan.json"));
      expect(md.out).toContain("**Monthly cost change: +$744.51**");
      expect(md.out).toContain("<details><summary><code>aws_instance.web_app</code> create: +$742.64/month</summary>");
    } finally {
      dir.cleanup();
    }
  });

  it("a broken plan names the file, line and column", async () => {
    const dir = tempDir();
    try {
      const plan = join(dir.dir, "bad.json");
      writeFileSync(plan, '{\n  "format_version": "1.2",\n  "resource_changes": [\n}');
      const r = await runCli("--store", join(dir.dir, "none.duckdb"), "estimate", plan);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/bad\.json:4:1: not valid JSON/);
      expect(r.err).not.toMatch(/at .*\.ts:\d+/);
    } finally {
      dir.cleanup();
    }
  });
});
