/** Pure evaluation edge cases: patterns, selectors, CEL errors, severities, did-you-mean. */
import { describe, expect, test } from "vitest";
import { policySchema } from "./policy.js";
import { compilePolicy, evaluatePolicy } from "./evaluate.js";
import type { NormalizedResource } from "./resource.js";
import { nearMiss } from "./text.js";

const res = (id: string, tags: Record<string, string>, extra: Partial<NormalizedResource> = {}): NormalizedResource => ({
  id,
  type: "aws_instance",
  provider: "aws",
  origin: "terraform-plan",
  actions: ["create"],
  taggable: true,
  tags,
  ownTags: tags,
  unresolved: [],
  attributes: { instance_type: "t3.micro" },
  ...extra,
});

function run(policy: unknown, resources: NormalizedResource[]) {
  const compiled = compilePolicy(policySchema.parse(policy));
  expect(compiled.problems).toEqual([]);
  return evaluatePolicy(compiled.value!, resources, { now: new Date("2026-01-01T00:00:00Z") });
}

describe("evaluation", () => {
  test("pattern and forbiddenPattern", () => {
    const r = run(
      { rules: [{ id: "cc", tag: "cost_center", pattern: "^cc-\\d{3}$" }, { id: "no-test", tag: "owner", forbiddenPattern: "^test" }] },
      [res("a", { cost_center: "cc-123", owner: "team" }), res("b", { cost_center: "CC123", owner: "tester" })],
    );
    expect(r.findings.map((f) => `${f.resourceId} ${f.ruleId} ${f.kind} ${f.message}`)).toEqual([
      'b cc value-not-allowed tag "cost_center" = "CC123" does not match /^cc-\\d{3}$/',
      'b no-test value-forbidden tag "owner" has forbidden value "tester"',
    ]);
  });

  test("selectors: type globs, resource globs (id or ARN), CEL when; untaggable types skipped unless named", () => {
    const resources = [
      res("module.a.aws_instance.x", {}),
      res("aws_instance.y", {}, { arn: "arn:aws:ec2:us-east-1:1:instance/i-1" }),
      res("aws_iam_role_policy_attachment.z", {}, { type: "aws_iam_role_policy_attachment", taggable: false }),
    ];
    expect(run({ rules: [{ id: "r", require: ["owner"] }] }, resources).findings.map((f) => f.resourceId)).toEqual(["module.a.aws_instance.x", "aws_instance.y"]);
    expect(run({ rules: [{ id: "r", require: ["owner"], match: { resources: ["module.a.*"] } }] }, resources).findings.map((f) => f.resourceId)).toEqual(["module.a.aws_instance.x"]);
    expect(run({ rules: [{ id: "r", require: ["owner"], match: { resources: ["arn:aws:ec2:*:instance/i-*"] } }] }, resources).findings.map((f) => f.resourceId)).toEqual(["aws_instance.y"]);
    expect(run({ rules: [{ id: "r", require: ["owner"], match: { types: ["aws_iam_*"] } }] }, resources).findings.map((f) => f.resourceId)).toEqual(["aws_iam_role_policy_attachment.z"]);
    expect(run({ rules: [{ id: "r", require: ["owner"], match: { when: 'resource.id == "aws_instance.y"' } }] }, resources).findings.map((f) => f.resourceId)).toEqual(["aws_instance.y"]);
  });

  test("a CEL expression that fails to evaluate is an eval-error finding, never a pass", () => {
    const r = run({ rules: [{ id: "x", assert: 'tags.env == "prod"' }] }, [res("a", {})]);
    expect(r.findings.map((f) => `${f.kind} ${f.severity} ${f.message}`)).toEqual(['eval-error error assert failed to evaluate: Identifier "env" not found']);
    expect(r.blocking).toBe(true);
  });

  test("CEL helpers and non-boolean results", () => {
    const ok = run({ rules: [{ id: "x", assert: 'matches(tags.owner, "^team-") && lower(tags.env) == "prod" && contains(attributes.instance_type, "micro")' }] }, [res("a", { owner: "team-a", env: "PROD" })]);
    expect(ok.findings).toEqual([]);
    const nb = run({ rules: [{ id: "x", assert: "size(tags)" }] }, [res("a", { owner: "x" })]);
    expect(nb.findings[0]!.message).toBe("assert failed to evaluate: `size(tags)` gave 1, not true/false");
  });

  test("severities: info does not count against compliance, only blocking severities block", () => {
    const r = run({ blocking: ["error"], rules: [{ id: "i", severity: "info", require: ["a"] }, { id: "w", severity: "warning", require: ["b"] }] }, [res("x", { b: "1" }), res("y", { a: "1" })]);
    expect(r.summary).toMatchObject({ checked: 2, compliant: 1, blocking: 0, bySeverity: { error: 0, warning: 1, info: 1 } });
    expect(r.blocking).toBe(false);
  });

  test("unresolved parts: a key present with an unknown value satisfies require; an unknown value is not judged", () => {
    const r = run({ rules: [{ id: "req", require: ["env"] }, { id: "val", tag: "env", allowed: ["prod"] }] }, [
      res("a", {}, { unresolved: [{ key: "env", expression: "var.env", reason: "variable" }] }),
    ]);
    expect(r.findings.map((f) => `${f.ruleId} ${f.kind} ${f.severity}`)).toEqual(["val unresolved warning"]);
  });

  test("did you mean: case, transposition, small typos; nothing for far values", () => {
    expect(nearMiss("Prod", ["prod", "dev"])).toBe("prod");
    expect(nearMiss("stagign", ["prod", "staging"])).toBe("staging");
    expect(nearMiss("prd", ["prod", "dev"])).toBe("prod");
    expect(nearMiss("qa", ["prod", "staging", "dev"])).toBeUndefined();
    expect(nearMiss("prod", ["prod"])).toBeUndefined();
  });
});
