/** Malformed policy files, plan JSON and HCL each get a clear error with file:line:col and what was expected. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { CostwiseError } from "../../core/errors.js";
import { parsePolicy } from "./load-policy.js";
import { readTerraformFiles } from "./terraform-hcl.js";
import { parsePlanJson } from "./terraform-plan.js";

function errorOf(fn: () => unknown): CostwiseError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CostwiseError);
    return e as CostwiseError;
  }
  throw new Error("expected an error");
}

describe("policy files", () => {
  test("YAML syntax error names line and column", () => {
    const e = errorOf(() => parsePolicy("rules:\n  - id: a\n    require: [owner\n", "p.yaml"));
    expect(e.code).toBe("BAD_CONFIG");
    expect(e.message).toMatch(/^p\.yaml is not valid YAML/);
    expect(e.message).toMatch(/p\.yaml:\d+:\d+ \(yaml\):/);
  });

  test("unknown key with did-you-mean, at its line:col", () => {
    const e = errorOf(() => parsePolicy("rules:\n  - id: a\n    requires: [owner]\n", "p.yaml"));
    expect(e.message).toContain('p.yaml:3:5 rules[0].requires: unknown key "requires" (did you mean "require"?)');
  });

  test("every problem at once: bad severity, rule without a kind, bad regex, bad date, unknown rule in exemption, duplicate id", () => {
    const text = [
      "rules:",
      "  - id: a",
      "    severity: critical",
      "    require: [owner]",
      "  - id: b",
      "  - id: c",
      "    tag: env",
      "    pattern: '([a-z'",
      "  - id: a",
      "    require: [team]",
      "exemptions:",
      "  - resources: ['x']",
      "    rules: [nope]",
      "    expires: 2026-13-45",
      "    reason: because",
    ].join("\n");
    const e = errorOf(() => parsePolicy(text, "p.yaml"));
    const problems = (e.details!["problems"] as { key: string; line: number }[]).map((p) => `${p.key}@${p.line}`);
    expect(problems).toEqual(expect.arrayContaining(["rules[0].severity@3", "rules[1]@5", "rules[2].pattern@8", "exemptions[0].expires@14"]));
    expect(e.message).toContain("a rule needs exactly one of `require` (tag keys), `tag` (with allowed/pattern/forbidden) or `assert` (CEL)");
    expect(e.message).toContain("not a valid regular expression");
    expect(e.message).toContain("not a real date");
  });

  test("refinements that need the whole policy: duplicate ids and exemptions naming unknown rules", () => {
    const e = errorOf(() => parsePolicy("rules:\n  - id: a\n    require: [x]\n  - id: a\n    require: [y]\nexemptions:\n  - resources: [r]\n    rules: [zz]\n    expires: 2030-01-01\n    reason: why not\n", "p.yaml"));
    expect(e.message).toContain('p.yaml:4:5 rules[1].id: duplicate rule id "a" (first at rules[0])');
    expect(e.message).toContain('p.yaml:8:13 exemptions[0].rules[0]: unknown rule "zz"');
  });

  test("CEL syntax error points at the expression", () => {
    const e = errorOf(() => parsePolicy("rules:\n  - id: a\n    assert: 'has(tags.x) &&'\n", "p.yaml"));
    expect(e.message).toContain("p.yaml:3:13 rules[0].assert: not a valid CEL expression (unexpected end of expression)");
  });
});

describe("plan JSON", () => {
  test("syntax error with line:col, also where JSON.parse gives no position", () => {
    const e1 = errorOf(() => parsePlanJson('{\n  "format_version": "1.2",\n  "resource_changes": [\n    { "address": tru }\n  ]\n}', "plan.json"));
    expect(e1.code).toBe("BAD_INPUT");
    expect(e1.message).toBe('plan.json:4:18: not valid JSON: expected a value, found "t" (expected the output of `terraform show -json <planfile>`)');
    expect(e1.location).toMatchObject({ file: "plan.json", line: 4 });
    const e2 = errorOf(() => parsePlanJson('{\n  "format_version": "1.2",\n}', "plan.json"));
    expect(e2.message).toMatch(/^plan\.json:3:1: not valid JSON: expected a double-quoted property name, found "}"/);
    const e3 = errorOf(() => parsePlanJson('{"format_version": "1.2"', "plan.json"));
    expect(e3.message).toMatch(/^plan\.json:1:25: not valid JSON: expected "," or "}" after a property value, found end of input/);
  });

  test("valid JSON that is not a plan, or a malformed resource change, names the key", () => {
    expect(errorOf(() => parsePlanJson("[]", "p.json")).message).toContain("p.json: (top level): expected a JSON object");
    expect(errorOf(() => parsePlanJson('{"resource_changes": []}', "p.json")).message).toContain("p.json: format_version: missing; this is not a Terraform plan JSON document");
    expect(errorOf(() => parsePlanJson('{"format_version":"1.2","resource_changes":[{"address":"a.b","type":"aws_instance"}]}', "p.json")).message).toContain("resource_changes[0].change: missing or not an object");
  });
});

describe("HCL", () => {
  test("unparsable .tf: file, line, column and HCL's reason", async () => {
    const dir = mkdtempSync(join(tmpdir(), "costwise-hcl-"));
    const file = join(dir, "bad.tf");
    writeFileSync(file, 'resource "aws_instance" "a" {\n  tags = {\n    x = \n  }\n}\n');
    const e = await readTerraformFiles([file]).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(CostwiseError);
    const ce = e as CostwiseError;
    expect(ce.code).toBe("BAD_INPUT");
    expect(ce.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3:9: not valid HCL: Invalid expression; Expected the start of an expression`));
    expect(ce.location).toMatchObject({ file, line: 3 });
  });
});
