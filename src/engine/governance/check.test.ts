/**
 * Pre-deploy checks on Terraform: the shared fixtures (real plans, terratag .tf pairs) and our own small
 * fixtures (default_tags, merge(), variables, exemptions). Every expected finding is written out by hand.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { evaluatePolicy, type Finding } from "../../core/governance/evaluate.js";
import { FIXTURES, LOCAL_FIXTURES } from "../../../test/helpers/store.js";
import { loadCheckInput } from "./inputs.js";
import { loadPolicyFile, parsePolicy } from "./load-policy.js";
import { readTerraformFiles } from "./terraform-hcl.js";
import { readPlanFile } from "./terraform-plan.js";

const GOV = join(LOCAL_FIXTURES, "governance");
const TF = join(FIXTURES, "terraform");
const NOW = new Date("2026-06-01T00:00:00Z");

const brief = (fs: Finding[]): string[] =>
  fs.map((f) => `${f.resourceId} ${f.ruleId} ${f.kind} ${f.severity}${f.tag ? ` ${f.tag}` : ""}${f.value !== undefined ? `=${f.value}` : ""}${f.suggestion ? ` ->${f.suggestion}` : ""}`).sort();

describe("our .tf fixture (default_tags, aliases, merge, locals, variables, exemptions)", () => {
  test("every policy feature gives the hand-written findings", async () => {
    const policy = loadPolicyFile(join(GOV, "tags-policy.yaml"));
    const input = await loadCheckInput([join(GOV, "tf")]);
    const result = evaluatePolicy(policy.compiled, input.document.resources, { now: NOW });
    expect(brief(result.findings)).toEqual(
      [
        "aws_instance.worker required-tags missing-tag error owner ->Owner",
        "aws_instance.worker env-values value-not-allowed error env=Prod ->prod",
        "aws_s3_bucket.assets required-tags unresolved warning env",
        "aws_s3_bucket.assets prod-cost-center unresolved warning",
        "aws_instance.dev_box env-values unresolved warning env",
        "aws_instance.dev_box no-placeholder-owner value-forbidden warning owner=tbd",
        "aws_instance.dev_box prod-cost-center unresolved warning",
        "aws_s3_bucket.old_logs required-tags missing-tag error env",
      ].sort(),
    );
    expect(result.blocking).toBe(true);
    expect(result.summary).toMatchObject({ resources: 7, checked: 6, compliant: 2, findings: 8, blocking: 3, unresolved: 4, exempted: 2, expiredExemptions: 1 });
    expect(result.summary.bySeverity).toEqual({ error: 3, warning: 5, info: 0 });
    // the active exemption hides exactly legacy's two missing tags, with its reason
    expect(result.exempted.map((x) => `${x.finding.resourceId} ${x.finding.tag} ${x.exemption.reason}`).sort()).toEqual([
      "aws_instance.legacy env legacy box, decommissioned in INC-42",
      "aws_instance.legacy owner legacy box, decommissioned in INC-42",
    ]);
    // the expired one no longer applies and is reported with the finding it would have hidden
    expect(result.expiredExemptions).toEqual([
      { index: 1, expires: "2020-01-01", reason: "logs bucket kept for the 2019 audit", resources: ["aws_s3_bucket.old_logs"], rules: undefined, matchedFindings: 1 },
    ]);
    // locations point at the resource block
    const worker = result.findings.find((f) => f.resourceId === "aws_instance.worker")!;
    expect(worker.location).toEqual({ file: join(GOV, "tf", "main.tf"), line: 42 });
    // did-you-mean messages
    expect(result.findings.find((f) => f.kind === "value-not-allowed")!.message).toBe('tag "env" = "Prod" is not allowed (did you mean "prod"?)');
    expect(worker.message).toBe('missing required tag "owner" (found "Owner": did you mean "owner"?)');
    // unresolved says what and why
    const assets = result.findings.find((f) => f.resourceId === "aws_s3_bucket.assets" && f.ruleId === "required-tags")!;
    expect(assets.message).toBe('tag "env" may come from `var.extra_tags`, which cannot be resolved statically');
  });

  test("static resolution: provider default_tags per alias, merge of local and literal maps, variables left unresolved", async () => {
    const { resources } = await readTerraformFiles([join(GOV, "tf")]);
    const by = new Map(resources.map((r) => [r.id, r]));
    expect(by.get("aws_instance.web")!.tags).toEqual({ ManagedBy: "terraform", cost_center: "cc-100", owner: "payments", env: "prod", Name: "web", capacity_approved: "yes" });
    expect(by.get("aws_instance.web")!.unresolved).toEqual([]);
    expect(by.get("aws_instance.dev_box")!.tags).toEqual({ owner: "tbd" });
    expect(by.get("aws_instance.dev_box")!.unresolved).toEqual([
      { key: "env", expression: "provider default_tags: var.env", reason: 'variable var.env is set at plan time (its default "prod" may be overridden)' },
    ]);
    expect(by.get("aws_s3_bucket.assets")!.tags).toEqual({ ManagedBy: "terraform", cost_center: "cc-100", owner: "web" });
    expect(by.get("aws_s3_bucket.assets")!.unresolved).toEqual([{ expression: "var.extra_tags", reason: "variable var.extra_tags is set at plan time (its default {} may be overridden)" }]);
    expect(by.get("aws_iam_role_policy_attachment.attach")!.taggable).toBe(false);
  });
});

describe("shared terratag .tf fixtures", () => {
  test("tags map: literal keys, locals as keys and values resolved; a function as key reported unresolved", async () => {
    const { resources } = await readTerraformFiles([join(TF, "terratag/aws_tags_map/input_main.tf")]);
    const b = resources.find((r) => r.id === "aws_s3_bucket.b")!;
    expect(b.tags).toEqual({
      Name: "My bucket",
      Unquoted1: "I wanna be quoted",
      AnotherName: "Yo",
      Unquoted2: "I really wanna be quoted",
      Unquoted3: "I really really wanna be quoted and I got a comma",
      localTagKey: "Test expression",
      localTagKey2: "Test variable as key",
      "Yo-localTagKey": "Test variable inside key",
      "Test variable as value": "localTagKey",
      "Test variable inside value": "Yo-localTagKey",
    });
    expect(b.unresolved).toHaveLength(1);
    expect(b.unresolved[0]!.reason).toBe("tag key function join() is not evaluated statically");
    expect(resources.find((r) => r.id === "aws_s3_bucket.a")!.tags).toEqual({ key: "value" });
  });

  test("legacy merge(map(), map()), tags block, autoscaling tag blocks and tags lists", async () => {
    const merge = await readTerraformFiles([join(TF, "terratag/aws_tags_merge/input_main.tf")]);
    expect(merge.resources[0]!.tags).toEqual({ a: "b", c: "d" });
    const block = await readTerraformFiles([join(TF, "terratag/aws_tags_block/input_main.tf")]);
    expect(block.resources[0]!.tags).toEqual({ Name: "My bucket" });
    const asg = await readTerraformFiles([join(TF, "terratag/aws_autoscaling_group/input_main.tf")]);
    const by = new Map(asg.resources.map((r) => [r.id, r.tags]));
    expect(by.get("aws_autoscaling_group.bar")).toEqual({ foo: "bar", lorem: "ipsum" });
    expect(by.get("aws_autoscaling_group.bar_tags")).toEqual({ a: "b", c: "d" });
  });

  test("untagged input vs tagged terratag output: the policy fails the input and passes the output", async () => {
    const policy = parsePolicy("rules:\n  - id: terratag\n    require: [Name]\n    match: { types: [aws_s3_bucket] }\n", "inline.yaml");
    const input = await readTerraformFiles([join(TF, "terratag/aws_tags_merge/input_main.tf")]);
    const r1 = evaluatePolicy(policy.compiled, input.resources, { now: NOW });
    expect(brief(r1.findings)).toEqual(["aws_s3_bucket.a terratag missing-tag error Name"]);
    const policy2 = parsePolicy("rules:\n  - id: terratag\n    require: [env0_environment_id]\n", "inline.yaml");
    const out = await readTerraformFiles([join(TF, "terratag/aws_tags_map/expected_main.terratag.tf")]);
    const r2 = evaluatePolicy(policy2.compiled, out.resources, { now: NOW });
    // terratag's output merges tags with local.terratag_added_main, defined in that file: resolved statically
    expect(r2.findings.filter((f) => f.kind === "missing-tag")).toEqual([]);
    // the untagged input: bucket a lacks the key; bucket b has a tag whose key is join(...), so it cannot be told
    const r3 = evaluatePolicy(policy2.compiled, (await readTerraformFiles([join(TF, "terratag/aws_tags_map/input_main.tf")])).resources, { now: NOW });
    expect(brief(r3.findings)).toEqual(["aws_s3_bucket.a terratag missing-tag error env0_environment_id", "aws_s3_bucket.b terratag unresolved warning env0_environment_id"]);
  });
});

describe("plan JSON", () => {
  test("our plan: tags_all, default_tags from provider_config when tags_all is unknown, unknown keys, deletes and data sources skipped", async () => {
    const policy = loadPolicyFile(join(GOV, "tags-policy.yaml"));
    const resources = readPlanFile(join(GOV, "plans/default-tags-plan.json"));
    expect(resources.map((r) => r.id)).toEqual(["aws_instance.api", "aws_ebs_volume.data", "module.cache.aws_elasticache_cluster.this[0]"]);
    expect(resources[1]!.tags).toEqual({ owner: "shared-infra", cost_center: "cc-1", env: "stagign" });
    const result = evaluatePolicy(policy.compiled, resources, { now: NOW });
    expect(brief(result.findings)).toEqual(
      [
        "aws_instance.api big-instances-need-approval assert-failed warning",
        "aws_ebs_volume.data env-values value-not-allowed error env=stagign ->staging",
        "module.cache.aws_elasticache_cluster.this[0] env-values unresolved warning env",
        "module.cache.aws_elasticache_cluster.this[0] prod-cost-center unresolved warning",
        // tags_all.env is known only after apply: neither missing nor a pass
        "module.cache.aws_elasticache_cluster.this[0] required-tags unresolved warning env",
      ].sort(),
    );
    expect(result.findings.find((f) => f.resourceId === "aws_ebs_volume.data")!.location).toEqual({ file: join(GOV, "plans/default-tags-plan.json"), line: 19 });
  });

  test("real Terraform 0.14 plan (infracost fixture): required Owner/Environment and allowed environments", () => {
    const policy = parsePolicy(
      ["rules:", "  - id: owner-env", "    require: [Owner, Environment]", "    match: { types: [aws_db_instance, aws_instance] }", "  - id: env", "    tag: Environment", "    allowed: [prod, staging]"].join("\n"),
      "inline.yaml",
    );
    const resources = readPlanFile(join(TF, "infracost/terraform_v0.14_plan.json"));
    const result = evaluatePolicy(policy.compiled, resources, { now: NOW });
    const missing = result.findings.filter((f) => f.kind === "missing-tag");
    // 8 existing aws_instance resources without tags (4 root, 4 in module.instances) × 2 keys; db instances carry both
    expect(missing).toHaveLength(16);
    expect(new Set(missing.map((f) => f.resourceId)).size).toBe(8);
    // the 4 created ones have tags_all unknown at plan time: "known after apply", not missing
    const later = result.findings.filter((f) => f.afterApply);
    // (both required keys, and the env rule cannot judge a value not known yet)
    expect(later.map((f) => `${f.resourceId} ${f.ruleId} ${f.tag}`).sort()).toEqual(
      ["aws_instance.instance_2", "aws_instance.instance_counted[1]", "module.instances.aws_instance.module_instance_2", "module.instances.aws_instance.module_instance_counted[1]"]
        .flatMap((a) => [`${a} owner-env Environment`, `${a} owner-env Owner`, `${a} env Environment`])
        .sort(),
    );
    expect(later.every((f) => f.kind === "unresolved" && f.severity === "warning")).toBe(true);
    expect(missing.some((f) => f.resourceId.includes("aws_db_instance"))).toBe(false);
    // Environment=dev on the 5 taggable db resources per module copy (instance, role, option/parameter/subnet groups) × 2
    const env = result.findings.filter((f) => f.ruleId === "env" && !f.afterApply);
    expect(env).toHaveLength(10);
    expect(env.every((f) => f.value === "dev" && f.kind === "value-not-allowed")).toBe(true);
    // checked = 12 aws_instance + 2 aws_default_vpc + 2 × 5 taggable db resources (the attachment is not taggable)
    expect(result.summary.checked).toBe(12 + 2 + 10);
  });
});
