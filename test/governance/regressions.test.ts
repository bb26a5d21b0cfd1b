/**
 * Regression tests for issue 21 item 1 (each failed on the code before the fix): taggability from the plan,
 * autoscaling list-form tags, "known after apply", several plans in one run, CEL hardening, policy errors,
 * SARIF locations. Small hand-written plans in a temp folder.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CostwiseError } from "../../src/core/errors.js";
import { evaluatePolicy, type Finding } from "../../src/core/governance/evaluate.js";
import { toJUnit, toSarif } from "../../src/core/governance/formats.js";
import type { NormalizedResource } from "../../src/core/governance/resource.js";
import { EXIT, reportError } from "../../src/cli/context.js";
import { runPolicyCheck } from "../../src/engine/governance/check.js";
import { loadPolicyFile, parsePolicy } from "../../src/engine/governance/load-policy.js";
import { readTerraformFiles } from "../../src/engine/governance/terraform-hcl.js";
import { parsePlanJson } from "../../src/engine/governance/terraform-plan.js";

const NOW = new Date("2026-06-01T00:00:00Z");
const REQUIRE = parsePolicy("rules:\n  - id: req\n    require: [Team, Environment, Name]\n    match: { types: ['aws_*'] }\n", "req.yaml");
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "costwise-gov21-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Rc {
  address: string;
  type: string;
  after: Record<string, unknown>;
  afterUnknown?: Record<string, unknown>;
  actions?: string[];
  module?: string;
}
const plan = (rcs: Rc[], configuration: Record<string, unknown> = {}): string =>
  JSON.stringify({
    format_version: "1.2",
    terraform_version: "1.7.0",
    resource_changes: rcs.map((r) => ({
      address: r.address,
      ...(r.module ? { module_address: r.module } : {}),
      mode: "managed",
      type: r.type,
      name: r.address.split(".").pop()!.replace(/\[.*$/, ""),
      provider_name: "registry.terraform.io/hashicorp/aws",
      change: { actions: r.actions ?? ["create"], before: null, after: r.after, after_unknown: r.afterUnknown ?? {} },
    })),
    configuration,
  });
const brief = (fs: Finding[]): string[] => fs.map((f) => `${f.resourceId} ${f.kind}${f.afterApply ? " after-apply" : ""} ${f.tag ?? ""}`.trim()).sort();
const run = (resources: NormalizedResource[], policy = REQUIRE) => evaluatePolicy(policy.compiled, resources, { now: NOW });
const FULL = { Team: "pay", Environment: "prod", Name: "x" };

describe("taggability comes from the plan", () => {
  test("types missing from the curated list are checked when the plan shows tags; untaggable ones are reported as skipped", () => {
    const resources = parsePlanJson(
      plan([
        { address: "aws_alb_target_group.tg", type: "aws_alb_target_group", after: { name: "tg", tags: { Team: "pay" }, tags_all: { Team: "pay" } } },
        { address: "aws_cloudwatch_event_rule.r", type: "aws_cloudwatch_event_rule", after: { name: "r", tags: null }, afterUnknown: { tags_all: true } },
        { address: "aws_api_gateway_stage.s", type: "aws_api_gateway_stage", after: { tags: FULL, tags_all: FULL } },
        { address: "aws_iam_role_policy_attachment.a", type: "aws_iam_role_policy_attachment", after: { role: "r" } },
      ]),
    );
    const r = run(resources);
    expect(brief(r.findings)).toEqual(
      [
        "aws_alb_target_group.tg missing-tag Environment",
        "aws_alb_target_group.tg missing-tag Name",
        "aws_cloudwatch_event_rule.r unresolved after-apply Environment",
        "aws_cloudwatch_event_rule.r unresolved after-apply Name",
        "aws_cloudwatch_event_rule.r unresolved after-apply Team",
      ].sort(),
    );
    expect(r.summary.checked).toBe(3);
    expect(r.skipped).toEqual([
      { id: "aws_iam_role_policy_attachment.a", type: "aws_iam_role_policy_attachment", file: "plan.json", reason: "not-taggable", message: "aws_iam_role_policy_attachment takes no tags (the plan shows no tags/tags_all attribute)" },
    ]);
  });

  test("the curated list still decides for .tf input, and says so for what it skips", async () => {
    const tf = join(dir, "list");
    mkdirSync(tf);
    writeFileSync(join(tf, "main.tf"), 'resource "aws_iam_role_policy_attachment" "a" {\n  role = "r"\n}\n');
    const r = run((await readTerraformFiles([tf])).resources, parsePolicy("rules:\n  - id: req\n    require: [Team]\n", "p.yaml"));
    expect(r.skipped.map((k) => `${k.id} ${k.reason}`)).toEqual(["aws_iam_role_policy_attachment.a not-in-taggable-list"]);
  });
});

describe("autoscaling groups in plan JSON", () => {
  test("list-form tags and tag blocks are read (no false missing Name); default_tags do not apply", () => {
    const resources = parsePlanJson(
      plan([
        {
          address: "aws_autoscaling_group.list",
          type: "aws_autoscaling_group",
          after: { tags: [{ key: "Name", value: "web", propagate_at_launch: true }, { key: "Team", value: "pay", propagate_at_launch: true }, { key: "Environment", value: "prod", propagate_at_launch: false }] },
        },
        {
          address: "aws_autoscaling_group.blocks",
          type: "aws_autoscaling_group",
          after: { tag: [{ key: "Name", value: "api", propagate_at_launch: true }, { key: "Team", value: "pay", propagate_at_launch: true }, { key: "Environment", value: null, propagate_at_launch: true }] },
          afterUnknown: { tag: [{}, {}, { value: true }] },
        },
      ]),
    );
    expect({ ...resources[0]!.tags }).toEqual({ Name: "web", Team: "pay", Environment: "prod" });
    expect({ ...resources[1]!.tags }).toEqual({ Name: "api", Team: "pay" });
    expect(brief(run(resources).findings)).toEqual(["aws_autoscaling_group.blocks unresolved after-apply Environment"]);
  });
});

describe("known after apply", () => {
  test("tags_all wholly unknown → each missing key unresolved (after apply); the resource's own tags still count", () => {
    const resources = parsePlanJson(plan([{ address: "aws_s3_bucket.b", type: "aws_s3_bucket", after: { tags: { Name: "b" } }, afterUnknown: { tags_all: true } }]));
    const r = run(resources);
    expect(brief(r.findings)).toEqual(["aws_s3_bucket.b unresolved after-apply Environment", "aws_s3_bucket.b unresolved after-apply Team"]);
    expect(r.findings[0]!.message).toMatch(/known after apply/);
    expect(r.summary).toMatchObject({ unresolved: 2, knownAfterApply: 2, blocking: 0 });
  });

  test("a single unknown key (after_unknown.tags_all.Team: true) is unresolved, not a silent pass", () => {
    const resources = parsePlanJson(
      plan([{ address: "aws_s3_bucket.b", type: "aws_s3_bucket", after: { tags: { Name: "b", Environment: "prod" }, tags_all: { Name: "b", Environment: "prod", Team: null } }, afterUnknown: { tags_all: { Team: true } } }]),
    );
    const r = run(resources, parsePolicy("rules:\n  - id: req\n    require: [Team, Environment, Name]\n  - id: team\n    tag: Team\n    allowed: [pay]\n", "p.yaml"));
    expect(brief(r.findings)).toEqual(["aws_s3_bucket.b unresolved after-apply Team", "aws_s3_bucket.b unresolved after-apply Team"]);
    expect(r.findings.map((f) => f.ruleId).sort()).toEqual(["req", "team"]);
  });
});

describe("several plans in one run", () => {
  test("resources keyed by file + address: counts, JUnit cases (classname/file) and findings tell the files apart", async () => {
    const same = (tags: Record<string, string>) => [
      { address: "aws_instance.a", type: "aws_instance", after: { tags, tags_all: tags } },
      { address: "aws_instance.b", type: "aws_instance", after: { tags, tags_all: tags } },
      { address: "aws_s3_bucket.c", type: "aws_s3_bucket", after: { tags, tags_all: tags } },
      { address: "aws_s3_bucket.d", type: "aws_s3_bucket", after: { tags, tags_all: tags } },
      { address: "aws_sqs_queue.e", type: "aws_sqs_queue", after: { tags, tags_all: tags } },
    ];
    writeFileSync(join(dir, "prod.json"), plan(same(FULL)));
    writeFileSync(join(dir, "dev.json"), plan(same({ Team: "pay", Name: "x" })));
    const { result, policy } = await runPolicyCheck([join(dir, "prod.json"), join(dir, "dev.json")], REQUIRE, { now: NOW });
    expect(result.summary).toMatchObject({ files: 2, resources: 10, checked: 10, compliant: 5, findings: 5, blocking: 5 });
    expect(new Set(result.findings.map((f) => f.location!.file))).toEqual(new Set([join(dir, "dev.json")]));
    // the same address in two files gives two finding ids
    const ids = new Set(result.findings.map((f) => f.id));
    expect(ids.size).toBe(5);
    const xml = toJUnit({ policy: policy.policy, result, uri: (f) => f.replace(`${dir}/`, "") }, "2026-06-01T00:00:00");
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", isArray: (n) => ["testsuite", "testcase"].includes(n) }).parse(xml) as Record<string, any>;
    expect([doc.testsuites["@tests"], doc.testsuites["@failures"]]).toEqual(["10", "5"]);
    const cases = doc.testsuites.testsuite[0].testcase as Record<string, any>[];
    const a = cases.filter((c) => c["@name"] === "aws_instance.a").map((c) => `${c["@classname"]} ${c["@file"]} ${c.failure ? "fail" : "pass"}`);
    expect(a).toEqual(["prod.json:req.aws_instance prod.json pass", "dev.json:req.aws_instance dev.json fail"]);
  });
});

describe("CEL and policy loading", () => {
  const write = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const problemsOf = (file: string): string[] => {
    try {
      loadPolicyFile(file);
    } catch (e) {
      return ((e as CostwiseError).details as { problems: { key: string; line?: number; col?: number; message: string }[] }).problems.map((p) => `${p.key}@${p.line}:${p.col} ${p.message}`);
    }
    return [];
  };

  test("a CEL syntax error is reported together with another policy problem", () => {
    const f = write("two.yaml", "rules:\n  - id: a\n    assert: 'has(tags.x) &&'\n  - id: b\n    require: [Team]\n    colour: red\n");
    const p = problemsOf(f);
    expect(p).toHaveLength(2);
    expect(p.some((x) => x.startsWith("rules[1].colour@6:5 unknown key"))).toBe(true);
    expect(p.some((x) => x.startsWith("rules[0].assert@3:13 not a valid CEL expression"))).toBe(true);
  });

  test("an unknown CEL function fails at load, located at the function name", () => {
    const f = write("fn.yaml", "rules:\n  - id: a\n    assert: 'foo(tags.Name)'\n");
    expect(problemsOf(f)).toEqual(['rules[0].assert@3:14 unknown function "foo"; known functions: has, size, startsWith, endsWith, contains, matches, lower, upper (at character 1 of `foo(tags.Name)`)']);
  });

  test("tags.toString / tags.constructor are not JavaScript built-ins; a __proto__ tag key is kept", async () => {
    const resources = parsePlanJson(plan([{ address: "aws_s3_bucket.b", type: "aws_s3_bucket", after: JSON.parse('{"tags":{"__proto__":"p","Team":"t"},"tags_all":{"__proto__":"p","Team":"t"}}') }]));
    expect(Object.keys(resources[0]!.tags).sort()).toEqual(["Team", "__proto__"]);
    const policy = parsePolicy(
      [
        "rules:",
        "  - id: no-builtins",
        "    assert: '!has(tags.toString) && !has(tags.constructor) && !(\"toString\" in tags)'",
        "  - id: proto-key",
        "    require: [__proto__]",
        "  - id: proto-value",
        "    tag: constructor",
        "    allowed: [x]",
      ].join("\n"),
      "p.yaml",
    );
    const r = run(resources, policy);
    expect(brief(r.findings)).toEqual([]);
    // .tf input keeps the key too
    const tf = join(dir, "proto");
    mkdirSync(tf);
    writeFileSync(join(tf, "main.tf"), 'resource "aws_s3_bucket" "b" {\n  tags = {\n    "__proto__" = "p"\n  }\n}\n');
    const hcl = (await readTerraformFiles([tf])).resources[0]!;
    expect(Object.keys(hcl.tags)).toEqual(["__proto__"]);
  });

  test("a missing policy file is a usage error (exit 2)", () => {
    let err: unknown;
    try {
      loadPolicyFile(join(dir, "nope.yaml"));
    } catch (e) {
      err = e;
    }
    expect((err as CostwiseError).code).toBe("USAGE");
    const orig = process.stderr.write.bind(process.stderr);
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      expect(reportError(err, false)).toBe(EXIT.usage);
    } finally {
      process.stderr.write = orig;
    }
  });
});

describe("SARIF locations", () => {
  test("the .tf declaration when the plan's configuration gives the module, else a logical location only", async () => {
    const root = join(dir, "sarif");
    mkdirSync(join(root, "modules", "net"), { recursive: true });
    writeFileSync(join(root, "main.tf"), '# root\n\nresource "aws_s3_bucket" "logs" {\n  bucket = "l"\n}\n\nmodule "net" {\n  source = "./modules/net"\n}\n');
    writeFileSync(join(root, "modules", "net", "vpc.tf"), 'variable "x" {}\n\nresource "aws_vpc" "this" {\n  cidr_block = "10.0.0.0/16"\n}\n');
    const configuration = {
      root_module: {
        resources: [{ address: "aws_s3_bucket.logs", type: "aws_s3_bucket", name: "logs" }],
        module_calls: { net: { source: "./modules/net", module: { resources: [{ address: "aws_vpc.this", type: "aws_vpc", name: "this" }] } }, reg: { source: "terraform-aws-modules/vpc/aws", module: {} } },
      },
    };
    writeFileSync(
      join(root, "plan.json"),
      plan(
        [
          { address: "aws_s3_bucket.logs", type: "aws_s3_bucket", after: { tags: {}, tags_all: {} } },
          { address: "module.net.aws_vpc.this", module: "module.net", type: "aws_vpc", after: { tags: {}, tags_all: {} } },
          { address: "module.reg.aws_vpc.this[0]", module: "module.reg", type: "aws_vpc", after: { tags: {}, tags_all: {} } },
        ],
        configuration,
      ),
    );
    const policy = parsePolicy("rules:\n  - id: req\n    require: [Team]\n", "p.yaml");
    const { result } = await runPolicyCheck([join(root, "plan.json")], policy, { now: NOW });
    const sarif = toSarif({ policy: policy.policy, result, uri: (f) => f.replace(`${root}/`, "") }) as Record<string, any>;
    const locs = Object.fromEntries((sarif["runs"][0].results as Record<string, any>[]).map((x) => [x.locations[0].logicalLocations[0].fullyQualifiedName, x.locations[0].physicalLocation ?? null]));
    expect(locs).toEqual({
      "aws_s3_bucket.logs": { artifactLocation: { uri: "main.tf" }, region: { startLine: 3 } },
      "module.net.aws_vpc.this": { artifactLocation: { uri: "modules/net/vpc.tf" }, region: { startLine: 3 } },
      // a registry module has no file here: logical location only, never line 1 of the plan JSON
      "module.reg.aws_vpc.this[0]": null,
    });
  });
});
