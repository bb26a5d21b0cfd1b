/**
 * Golden: the measured policy of issue 21 (Team, Environment, Name on taggable AWS resources,
 * test/governance/required-team-env-name.yaml) on the shared fixtures (../shared/fixtures/terraform): real
 * `terraform show -json` plans from infracost and terratag's .tf inputs. Every expected finding is written out
 * by hand from reading the fixtures:
 *  - a resource the plan shows with `tags: null` and `after_unknown.tags_all: true` (created, AWS provider
 *    3.x) has no tag known yet: each required key is "known after apply" (unresolved warning), not missing;
 *  - `tags`/`tags_all` present (even `{}`) → checked; the policy attachment has neither → skipped, not-taggable;
 *  - azurerm_* resources are not selected by `aws_*` → skipped, no rule matches.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { Finding } from "../../src/core/governance/evaluate.js";
import { runPolicyCheck } from "../../src/engine/governance/check.js";
import { FIXTURES } from "../helpers/store.js";

const TF = join(FIXTURES, "terraform");
const POLICY = join(import.meta.dirname, "required-team-env-name.yaml");
const NOW = new Date("2026-06-01T00:00:00Z");
const ALL = ["Team", "Environment", "Name"];

const line = (f: Finding): string => `${f.location!.file.replace(`${TF}/`, "")} ${f.resourceId} ${f.kind}${f.afterApply ? " (after apply)" : ""} ${f.tag}`;
/** Hand-written rows: one per (resource, key). */
const rows = (file: string, kind: string, keys: string[], ...addresses: string[]): string[] => addresses.flatMap((a) => keys.map((k) => `${file} ${a} ${kind} ${k}`));
const AFTER = "unresolved (after apply)";

describe("issue 21's policy on the shared infracost plans", () => {
  test("every finding, the skipped resources and the counts, written by hand", async () => {
    const files = ["example_plan.json", "examples_terraform_plan.json", "azure_firewall_plan.json", "terraform_v0.14_plan.json"].map((f) => join(TF, "infracost", f));
    const { result } = await runPolicyCheck(files, POLICY, { now: NOW });
    const ex = "infracost/example_plan.json";
    const ex2 = "infracost/examples_terraform_plan.json";
    const v14 = "infracost/terraform_v0.14_plan.json";
    const expected = [
      // example_plan.json: 5 created resources, tags null, tags_all unknown at plan time
      ...rows(ex, AFTER, ALL, "aws_instance.web_app", "aws_instance.zero_cost_instance", "aws_lambda_function.hello_world", "aws_lambda_function.zero_cost_lambda", "aws_s3_bucket.usage"),
      // examples_terraform_plan.json: the same two addresses as example_plan.json, told apart by file
      ...rows(ex2, AFTER, ALL, "aws_instance.web_app", "aws_lambda_function.hello_world"),
      // terraform_v0.14_plan.json: existing instances with tags {} miss all three
      ...rows(v14, "missing-tag", ALL, "aws_instance.instance_1", "aws_instance.instance_counted[0]", "module.db.aws_default_vpc.default", "module.instances.aws_default_vpc.default"),
      ...rows(v14, "missing-tag", ALL, "module.instances.aws_instance.module_instance_1", "module.instances.aws_instance.module_instance_counted[0]"),
      // created instances without tags: tags_all unknown
      ...rows(v14, AFTER, ALL, "aws_instance.instance_2", "aws_instance.instance_counted[1]", "module.instances.aws_instance.module_instance_2", "module.instances.aws_instance.module_instance_counted[1]"),
      // named instances carry Name only
      ...rows(v14, "missing-tag", ["Team", "Environment"], 'aws_instance.instance_named["test.1"]', 'aws_instance.instance_named["test.2"]'),
      ...rows(v14, "missing-tag", ["Team", "Environment"], 'module.instances.aws_instance.module_instance_named["test.1"]', 'module.instances.aws_instance.module_instance_named["test.2"]'),
      // the db modules tag Environment, Name and Owner: Team is missing on the 5 taggable resources of each copy
      ...["db_1", "db_2"].flatMap((m) =>
        rows(
          v14,
          "missing-tag",
          ["Team"],
          `module.db.module.${m}.module.db_instance.aws_db_instance.this[0]`,
          `module.db.module.${m}.module.db_instance.aws_iam_role.enhanced_monitoring[0]`,
          `module.db.module.${m}.module.db_option_group.aws_db_option_group.this[0]`,
          `module.db.module.${m}.module.db_parameter_group.aws_db_parameter_group.this[0]`,
          `module.db.module.${m}.module.db_subnet_group.aws_db_subnet_group.this[0]`,
        ),
      ),
    ];
    expect(result.findings.map(line).sort()).toEqual(expected.sort());
    expect(expected).toHaveLength(69);
    expect(result.skipped.map((k) => `${k.id} ${k.reason}`)).toEqual([
      ...["azurerm_firewall.non_usage", "azurerm_firewall.premium", "azurerm_firewall.premium_virtual_hub", "azurerm_firewall.standard", "azurerm_firewall.standard_virtual_hub"].map((a) => `${a} no-rule-matches`),
      ...["azurerm_public_ip.example", "azurerm_resource_group.example", "azurerm_subnet.example", "azurerm_virtual_hub.example", "azurerm_virtual_network.example", "azurerm_virtual_wan.example"].map((a) => `${a} no-rule-matches`),
      "module.db.module.db_1.module.db_instance.aws_iam_role_policy_attachment.enhanced_monitoring[0] not-taggable",
      "module.db.module.db_2.module.db_instance.aws_iam_role_policy_attachment.enhanced_monitoring[0] not-taggable",
    ]);
    // 5 + 2 + 11 + 26 resources; checked = 7 + 24 (the v0.14 plan less its 2 attachments); none compliant
    expect(result.summary).toMatchObject({ files: 4, resources: 44, checked: 31, compliant: 0, findings: 69, blocking: 36, unresolved: 33, knownAfterApply: 33, skipped: 13 });
    // the plan's configuration names the root module; examples_terraform_main.tf beside the plans declares web_app
    const web = result.findings.find((f) => f.resourceId === "aws_instance.web_app" && f.location!.file.endsWith("examples_terraform_plan.json"))!;
    expect(web.source).toEqual({ file: join(TF, "infracost/examples_terraform_main.tf"), line: 9 });
    // module resources: ./db and ./instances are not in the fixture folder, so no .tf location
    expect(result.findings.find((f) => f.resourceId.startsWith("module.instances."))!.source).toBeUndefined();
  });
});

describe("issue 21's policy on terratag's .tf inputs", () => {
  test("every finding, written by hand (autoscaling tag blocks and tags lists read, Name in a tags block)", async () => {
    const dirs = ["aws_autoscaling_group", "aws_instance_volume_tags", "aws_tags_block", "aws_tags_map", "aws_tags_merge", "aws_azure"];
    const { result } = await runPolicyCheck(dirs.map((d) => join(TF, "terratag", d, "input_main.tf")), POLICY, { now: NOW });
    const f = (d: string): string => `terratag/${d}/input_main.tf`;
    const expected = [
      // tag blocks foo/lorem and tags list a/c: none of the three keys
      ...rows(f("aws_autoscaling_group"), "missing-tag", ALL, "aws_autoscaling_group.bar", "aws_autoscaling_group.bar_tags", "aws_placement_group.test"),
      // instances tagged a = "b" (volume/root_block_device tags are not the instance's)
      ...rows(f("aws_instance_volume_tags"), "missing-tag", ALL, "aws_instance.multiple_tags", "aws_instance.no_volume_tags", "aws_instance.root_block_device", "aws_instance.root_block_device_does_not_exist", "aws_instance.volume_tags"),
      ...rows(f("aws_tags_block"), "missing-tag", ["Team", "Environment"], "aws_s3_bucket.b"),
      ...rows(f("aws_tags_map"), "missing-tag", ALL, "aws_s3_bucket.a"),
      // bucket b has a tag whose key is join(...): Team and Environment may be that key
      ...rows(f("aws_tags_map"), "unresolved", ["Team", "Environment"], "aws_s3_bucket.b"),
      ...rows(f("aws_tags_merge"), "missing-tag", ALL, "aws_s3_bucket.a"),
      ...rows(f("aws_azure"), "missing-tag", ["Team", "Environment"], "aws_s3_bucket.should_have_tags"),
    ];
    expect(result.findings.map(line).sort()).toEqual(expected.sort());
    expect(result.skipped.map((k) => `${k.id} ${k.reason}`)).toEqual(["azurerm_resource_group.should_have_tags no-rule-matches", "azurerm_virtual_network.should_not_have_tags no-rule-matches"]);
    expect(result.summary).toMatchObject({ files: 6, resources: 15, checked: 13, compliant: 0, findings: 36, blocking: 34, unresolved: 2, skipped: 2 });
  });
});
