/**
 * Runtime compliance against a real moto_server: scan (tagging API + EC2), the same policy evaluation, cost
 * join from the store, recorded scans and KPIs; remediation: a dry run changes nothing, an approved run changes
 * exactly the approved tags (read back with DescribeTags) and audits them; existing values are never overwritten
 * without the policy's permission, nor when they changed after review.
 */
import { CreateTagsCommand, CreateVolumeCommand, DescribeImagesCommand, DescribeTagsCommand, DescribeVolumesCommand, EC2Client, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { evaluatePolicy } from "../../core/governance/evaluate.js";
import { proposeRemediation } from "../../core/governance/remediation.js";
import { requireMoto, startMoto, type Moto } from "../../../test/helpers/moto.js";
import { tempStore } from "../../../test/helpers/store.js";
import type { DuckDbStore } from "../store/duckdb/duckdb-store.js";
import { governanceKpis } from "./kpi.js";
import { parsePolicy } from "./load-policy.js";
import { monthlyCosts, recordScan } from "./record.js";
import { applyProposals } from "./remediate.js";
import { scanAws } from "./runtime-scan.js";

const hasMoto = requireMoto("governance runtime scan");
const ACCOUNT = "123456789012";

const POLICY = `
rules:
  - id: required-tags
    require: [owner, env]
    remediation: { default: unassigned }
  - id: env-values
    tag: env
    allowed: [prod, staging, dev]
    remediation: { overwrite: true }
  - id: no-placeholder-owner
    severity: warning
    tag: owner
    forbidden: [tbd]
remediation:
  accounts:
    "${ACCOUNT}": { owner: platform }
`;

describe.skipIf(!hasMoto)("runtime scan and remediation (moto)", () => {
  let moto: Moto;
  let ec2: EC2Client;
  let ids: { a: string; b: string; c: string; d: string; rootA: string; rootB: string };
  let store: DuckDbStore;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    moto = await startMoto();
    ec2 = new EC2Client(moto.clientConfig);
  }, 60_000);
  afterAll(async () => {
    ec2?.destroy();
    await moto?.stop();
  });

  beforeEach(async () => {
    await moto.reset();
    if (cleanup) await cleanup();
    ({ store, cleanup } = await tempStore());
    const image = (await ec2.send(new DescribeImagesCommand({}))).Images![0]!.ImageId!;
    const run = async (tags: Record<string, string>): Promise<string> => {
      const out = await ec2.send(new RunInstancesCommand({ ImageId: image, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1 }));
      const id = out.Instances![0]!.InstanceId!;
      if (Object.keys(tags).length) await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
      return id;
    };
    const a = await run({ owner: "payments", env: "prod", team: "payments", "terraform:stack": "web" });
    const b = await run({ env: "Prod", team: "web", "terraform:stack": "web" });
    const vol = async (tags: Record<string, string>): Promise<string> => {
      const v = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 10 }));
      if (Object.keys(tags).length) await ec2.send(new CreateTagsCommand({ Resources: [v.VolumeId!], Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
      return v.VolumeId!;
    };
    const c = await vol({});
    const d = await vol({ owner: "tbd", env: "dev" });
    const vols = (await ec2.send(new DescribeVolumesCommand({}))).Volumes!;
    const rootOf = (i: string): string => vols.find((v) => v.Attachments?.[0]?.InstanceId === i)!.VolumeId!;
    ids = { a, b, c, d, rootA: rootOf(a), rootB: rootOf(b) };
  }, 60_000);

  afterAll(async () => {
    if (cleanup) await cleanup();
  });

  const scan = () => scanAws({ regions: ["us-east-1"], clientConfig: () => moto.clientConfig });
  const arn = (kind: "instance" | "volume", id: string): string => `arn:aws:ec2:us-east-1:${ACCOUNT}:${kind}/${id}`;

  async function allTags(): Promise<string[]> {
    const out = await ec2.send(new DescribeTagsCommand({ MaxResults: 1000 }));
    return (out.Tags ?? []).map((t) => `${t.ResourceId} ${t.Key}=${t.Value}`).sort();
  }

  test("scan finds tagged and untagged EC2 resources, evaluates the policy and joins monthly cost", async () => {
    const policy = parsePolicy(POLICY, "inline.yaml");
    const resources = await scan();
    expect(resources.map((r) => r.id).sort()).toEqual(
      [arn("instance", ids.a), arn("instance", ids.b), arn("volume", ids.c), arn("volume", ids.d), arn("volume", ids.rootA), arn("volume", ids.rootB)].sort(),
    );
    const b = resources.find((r) => r.id === arn("instance", ids.b))!;
    expect(b).toMatchObject({ type: "aws_instance", account: ACCOUNT, region: "us-east-1", tags: { env: "Prod", team: "web", "terraform:stack": "web" } });
    expect(b.attributes["instance_type"]).toBe("t3.micro");

    const result = evaluatePolicy(policy.compiled, resources, { now: new Date() });
    const brief = result.findings.map((f) => `${f.resourceId.split("/")[1]} ${f.ruleId} ${f.kind}${f.tag ? ` ${f.tag}` : ""}`).sort();
    expect(brief).toEqual(
      [
        `${ids.b} required-tags missing-tag owner`,
        `${ids.b} env-values value-not-allowed env`,
        `${ids.c} required-tags missing-tag owner`,
        `${ids.c} required-tags missing-tag env`,
        `${ids.d} no-placeholder-owner value-forbidden owner`,
        `${ids.rootA} required-tags missing-tag owner`,
        `${ids.rootA} required-tags missing-tag env`,
        `${ids.rootB} required-tags missing-tag owner`,
        `${ids.rootB} required-tags missing-tag env`,
      ].sort(),
    );

    // cost rows: the bill names EC2 resources by their short id; only rows in the last 30 days of data count
    await store.run(`INSERT INTO focus_costs ("ResourceId", "BilledCost", "EffectiveCost", "BillingCurrency", "ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart") VALUES
      ('${ids.a}', 100.10, 100.10, 'USD', '2026-05-10', '2026-05-11', '2026-05-01'),
      ('${ids.b}', 40.005, 40.005, 'USD', '2026-05-20', '2026-05-21', '2026-05-01'),
      ('${ids.b}', 0.0050000001, 0.0050000001, 'USD', '2026-05-30', '2026-05-31', '2026-05-01'),
      ('${ids.b}', 999, 999, 'USD', '2026-03-01', '2026-03-02', '2026-03-01'),
      ('${ids.c}', 2.5, 2.5, 'USD', '2026-05-15', '2026-05-16', '2026-05-01')`);
    const costs = await monthlyCosts(store, resources);
    expect(costs.get(arn("instance", ids.a))).toEqual({ amount: "100.1000000000", currency: "USD" });
    expect(costs.get(arn("instance", ids.b))).toEqual({ amount: "40.0100000001", currency: "USD" });
    expect(costs.get(arn("volume", ids.c))).toEqual({ amount: "2.5000000000", currency: "USD" });
    expect(costs.has(arn("volume", ids.d))).toBe(false);
  });

  test("dry run (proposals only) changes nothing; approved remediation changes exactly the approved tags and audits them", async () => {
    const policy = parsePolicy(POLICY, "inline.yaml");
    const before = await allTags();
    const resources = await scan();
    const result = evaluatePolicy(policy.compiled, resources, { now: new Date() });
    const plan = proposeRemediation(policy.policy, result.findings, resources);
    const p = (id: string, tag: string) => plan.proposals.find((x) => x.resourceId.endsWith(`/${id}`) && x.tag === tag)!;
    expect(p(ids.b, "owner")).toMatchObject({ before: null, after: "payments", source: "stack" });
    expect(p(ids.b, "env")).toMatchObject({ before: "Prod", after: "prod", source: "normalize" });
    expect(p(ids.b, "env").blocked).toBeUndefined();
    expect(p(ids.c, "owner")).toMatchObject({ before: null, after: "platform", source: "account" });
    expect(p(ids.c, "env")).toMatchObject({ before: null, after: "unassigned", source: "default" });
    expect(plan.unfixable.map((u) => `${u.finding.resourceId.split("/")[1]} ${u.finding.kind}`)).toEqual([`${ids.d} value-forbidden`]);
    // proposing is a dry run: nothing changed in AWS, nothing audited
    expect(await allTags()).toEqual(before);
    expect(await store.all("SELECT * FROM governance_audit")).toEqual([]);

    const approved = new Set([p(ids.b, "owner").id, p(ids.b, "env").id, p(ids.c, "owner").id]);
    const applied = await applyProposals(store, plan.proposals, { actor: "alice", approval: "file approvals.txt", approvedIds: approved, clientConfig: () => moto.clientConfig, now: new Date("2026-06-02T10:00:00Z") });
    expect(applied.map((a) => a.status)).toEqual(["applied", "applied", "applied"]);

    const after = await allTags();
    const expected = [...before.filter((t) => t !== `${ids.b} env=Prod`), `${ids.b} owner=payments`, `${ids.b} env=prod`, `${ids.c} owner=platform`].sort();
    expect(after).toEqual(expected);

    const audit = await store.all(`SELECT change_id, strftime(applied_at, '%Y-%m-%dT%H:%M:%S') AS at, actor, approval, resource_id, tag_key, before_value, after_value, source, api, status FROM governance_audit ORDER BY resource_id, tag_key`);
    expect(audit).toEqual(
      [
        { change_id: p(ids.b, "env").id, at: "2026-06-02T10:00:00", actor: "alice", approval: "file approvals.txt", resource_id: arn("instance", ids.b), tag_key: "env", before_value: "Prod", after_value: "prod", source: "normalize", api: "ec2:CreateTags", status: "applied" },
        { change_id: p(ids.b, "owner").id, at: "2026-06-02T10:00:00", actor: "alice", approval: "file approvals.txt", resource_id: arn("instance", ids.b), tag_key: "owner", before_value: null, after_value: "payments", source: "stack", api: "ec2:CreateTags", status: "applied" },
        { change_id: p(ids.c, "owner").id, at: "2026-06-02T10:00:00", actor: "alice", approval: "file approvals.txt", resource_id: arn("volume", ids.c), tag_key: "owner", before_value: null, after_value: "platform", source: "account", api: "ec2:CreateTags", status: "applied" },
      ].sort((x, y) => (x.resource_id + x.tag_key).localeCompare(y.resource_id + y.tag_key)),
    );
  });

  test("never overwrites without the policy's permission, nor a value that changed after review", async () => {
    const noOverwrite = parsePolicy(POLICY.replace("remediation: { overwrite: true }", "remediation: { overwrite: false }"), "inline.yaml");
    let resources = await scan();
    let plan = proposeRemediation(noOverwrite.policy, evaluatePolicy(noOverwrite.compiled, resources, { now: new Date() }).findings, resources);
    const env = plan.proposals.find((x) => x.resourceId.endsWith(ids.b) && x.tag === "env")!;
    expect(env.blocked).toContain("does not allow it");
    const tagsBefore = await allTags();
    const applied = await applyProposals(store, plan.proposals.filter((x) => x.blocked), { actor: "bob", approval: "flag --approve", approvedIds: "all", clientConfig: () => moto.clientConfig });
    expect(applied).toEqual([]);
    expect(await allTags()).toEqual(tagsBefore);

    // reviewed while owner was absent; someone sets it before the apply → skipped, not overwritten
    const policy = parsePolicy(POLICY, "inline.yaml");
    resources = await scan();
    plan = proposeRemediation(policy.policy, evaluatePolicy(policy.compiled, resources, { now: new Date() }).findings, resources);
    const owner = plan.proposals.find((x) => x.resourceId.endsWith(ids.c) && x.tag === "owner")!;
    await ec2.send(new CreateTagsCommand({ Resources: [ids.c], Tags: [{ Key: "owner", Value: "someone-else" }] }));
    const res = await applyProposals(store, [owner], { actor: "bob", approval: "flag --approve", approvedIds: "all", clientConfig: () => moto.clientConfig });
    expect(res[0]!.status).toBe("skipped-changed");
    expect((await allTags()).filter((t) => t.startsWith(`${ids.c} owner=`))).toEqual([`${ids.c} owner=someone-else`]);
    expect(await store.all("SELECT status, before_value, after_value FROM governance_audit")).toEqual([{ status: "skipped-changed", before_value: "someone-else", after_value: "platform" }]);
  });

  test("recorded scans give compliance by count and by spend, time to remediate and open violations by team", async () => {
    const policy = parsePolicy(POLICY, "inline.yaml");
    await store.run(`INSERT INTO focus_costs ("ResourceId", "BilledCost", "EffectiveCost", "BillingCurrency", "ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart") VALUES
      ('${ids.a}', 60, 60, 'USD', '2026-05-10', '2026-05-11', '2026-05-01'),
      ('${ids.b}', 30, 30, 'USD', '2026-05-20', '2026-05-21', '2026-05-01'),
      ('${ids.c}', 10, 10, 'USD', '2026-05-15', '2026-05-16', '2026-05-01')`);
    const t1 = new Date("2026-06-01T00:00:00Z");
    const t2 = new Date("2026-06-01T06:00:00Z");
    const scanOnce = async (id: string, at: Date) => {
      const resources = await scan();
      const result = evaluatePolicy(policy.compiled, resources, { now: at });
      await recordScan(store, { scanId: id, scannedAt: at, origin: "aws-runtime", policyFile: "inline.yaml", resources, result, costs: await monthlyCosts(store, resources), teamTag: "team" });
      return { resources, result };
    };
    const first = await scanOnce("s1", t1);
    // fix instance b (owner + env) between the scans
    const plan = proposeRemediation(policy.policy, first.result.findings, first.resources);
    await applyProposals(store, plan.proposals.filter((x) => x.resourceId.endsWith(ids.b)), { actor: "alice", approval: "flag --approve", approvedIds: "all", clientConfig: () => moto.clientConfig });
    await scanOnce("s2", t2);

    const k = await governanceKpis(store);
    expect(k.scans.map((s) => ({ id: s.scanId, checked: s.checked, compliant: s.compliant, byCount: s.rateByCount, spend: s.spend, compliantSpend: s.compliantSpend, bySpend: s.rateBySpend }))).toEqual([
      // 6 resources; s1: only a complies (60 of 100 USD); s2: a and b comply (90 of 100)
      { id: "s1", checked: 6, compliant: 1, byCount: "0.1667", spend: "100.0000000000", compliantSpend: "60.0000000000", bySpend: "0.6000" },
      { id: "s2", checked: 6, compliant: 2, byCount: "0.3333", spend: "100.0000000000", compliantSpend: "90.0000000000", bySpend: "0.9000" },
    ]);
    // b's two findings were fixed 6 hours after first seen
    expect(k.mttr).toEqual({ resolved: 2, meanHours: "6.0", medianHours: "6.0" });
    // open at s2: c (2 findings, 10 USD), d (1), root volumes (2 each) — all without a team tag
    expect(k.openByTeam).toEqual([{ team: "(unowned)", openFindings: 7, blocking: 6, resources: 4, monthlyCost: "10.0000000000" }]);
    const hist = await store.all("SELECT resource_id, resolution FROM governance_finding_history WHERE resolved_at IS NOT NULL ORDER BY 1");
    expect(hist).toEqual([
      { resource_id: arn("instance", ids.b), resolution: "fixed" },
      { resource_id: arn("instance", ids.b), resolution: "fixed" },
    ]);
  });
});
