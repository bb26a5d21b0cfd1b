/** `costwise policy scan | remediate` and `costwise report governance` end to end against moto_server. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTagsCommand, DescribeImagesCommand, DescribeTagsCommand, EC2Client, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { Command, CommanderError } from "commander";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { requireMoto, startMoto, type Moto } from "../../../test/helpers/moto.js";
import { DuckDbStore } from "../../engine/store/duckdb/duckdb-store.js";
import { EXIT, reportError } from "../context.js";
import { registerPolicy } from "./policy.js";
import { registerReportGovernance } from "./report-governance.js";

const hasMoto = requireMoto("costwise policy scan/remediate CLI");

describe.skipIf(!hasMoto)("costwise policy scan / remediate / report governance (moto)", () => {
  let moto: Moto;
  let ec2: EC2Client;
  let dir: string;
  let id: string;
  const saved: Record<string, string | undefined> = {};

  async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    const program = new Command().option("--store <path>").option("--config <file>").option("--json", "", false).exitOverride();
    registerPolicy(program);
    registerReportGovernance(program.command("report"));
    const out: string[] = [];
    const err: string[] = [];
    const all = (c: Command): void => {
      c.exitOverride().configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
      c.commands.forEach(all);
    };
    all(program);
    const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
    const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
    let code: number = EXIT.ok;
    program.hook("postAction", (_t, action) => {
      const c = (action as Command & { exitCodeOverride?: number }).exitCodeOverride;
      if (c !== undefined) code = c;
    });
    try {
      await program.parseAsync(["node", "costwise", "--store", join(dir, "s.duckdb"), "--config", join(dir, "costwise.yaml"), ...args]);
    } catch (x) {
      code = x instanceof CommanderError ? EXIT.usage : reportError(x, args.includes("--json"));
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
    return { code, out: out.join(""), err: err.join("") };
  }

  beforeAll(async () => {
    moto = await startMoto();
    ec2 = new EC2Client(moto.clientConfig);
    for (const k of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"]) saved[k] = process.env[k];
    process.env["AWS_ACCESS_KEY_ID"] = "testing";
    process.env["AWS_SECRET_ACCESS_KEY"] = "testing";
    process.env["AWS_REGION"] = "us-east-1";
    dir = mkdtempSync(join(tmpdir(), "costwise-policy-aws-"));
    writeFileSync(join(dir, "tags.yaml"), "rules:\n  - id: req\n    require: [owner]\n    remediation: { default: unassigned }\n    match: { types: [aws_instance] }\n");
    writeFileSync(join(dir, "costwise.yaml"), `governance:\n  policy: tags.yaml\n  scan:\n    regions: [us-east-1]\n    endpoint: ${moto.endpoint}\n`);
    const image = (await ec2.send(new DescribeImagesCommand({}))).Images![0]!.ImageId!;
    id = (await ec2.send(new RunInstancesCommand({ ImageId: image, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1 }))).Instances![0]!.InstanceId!;
    await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: "team", Value: "web" }] }));
    const s = await DuckDbStore.open(join(dir, "s.duckdb"));
    await s.close();
  }, 60_000);
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
    ec2?.destroy();
    await moto?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const tags = async (): Promise<string[]> => ((await ec2.send(new DescribeTagsCommand({}))).Tags ?? []).map((t) => `${t.ResourceId} ${t.Key}=${t.Value}`).sort();

  it("scan exits 3, dry run changes nothing, approval file applies, report shows the KPIs", async () => {
    const s1 = await cli("policy", "scan", "--now", "2026-06-01T00:00:00Z");
    expect(s1.code).toBe(EXIT.findings);
    expect(s1.out).toMatch(new RegExp(`error\\*\\s+arn:aws:ec2:us-east-1:123456789012:instance/${id}\\s+req\\s+missing required tag "owner"`));

    const before = await tags();
    const dry = await cli("policy", "remediate", "--write-approval-file", join(dir, "changes.txt"));
    expect(dry.code).toBe(EXIT.ok);
    expect(dry.out).toContain("dry run: nothing was changed");
    expect(await tags()).toEqual(before);
    const ids = readFileSync(join(dir, "changes.txt"), "utf8").split("\n").filter((l) => /^[0-9a-f]{12}/.test(l));
    expect(ids).toHaveLength(1);
    expect(ids[0]).toContain(`${id} owner=unassigned (default)`);

    const apply = await cli("--json", "policy", "remediate", "--apply", "--approval-file", join(dir, "changes.txt"), "--actor", "ci-bot");
    expect(apply.code).toBe(EXIT.ok);
    expect(JSON.parse(apply.out).changes.map((c: { status: string; tag: string; after: string }) => `${c.tag}=${c.after} ${c.status}`)).toEqual(["owner=unassigned applied"]);
    expect(await tags()).toEqual([...before, `${id} owner=unassigned`].sort());

    const s2 = await cli("policy", "scan", "--now", "2026-06-01T03:00:00Z");
    expect(s2.code).toBe(EXIT.ok);
    const rep = await cli("--json", "report", "governance");
    const k = JSON.parse(rep.out);
    expect(k.scans.map((x: { compliant: number; checked: number }) => `${x.compliant}/${x.checked}`)).toEqual(["0/1", "1/1"]);
    expect(k.mttr).toEqual({ resolved: 1, meanHours: "3.0", medianHours: "3.0" });
    const store = await DuckDbStore.open(join(dir, "s.duckdb"));
    try {
      expect(await store.all("SELECT actor, approval, tag_key, before_value, after_value, status FROM governance_audit")).toEqual([
        { actor: "ci-bot", approval: `file ${join(dir, "changes.txt")}`, tag_key: "owner", before_value: null, after_value: "unassigned", status: "applied" },
      ]);
    } finally {
      await store.close();
    }
  }, 120_000);
});
