/**
 * Output formats: SARIF validated with ajv against the SARIF 2.1.0 JSON schema (vendored, see
 * test/fixtures/governance/SOURCES.md); JUnit parsed with fast-xml-parser and checked against the junit.xsd
 * constraints CI tools rely on (required attributes, counts consistent with the test cases); Markdown content.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { XMLParser } from "fast-xml-parser";
import { beforeAll, describe, expect, test } from "vitest";
import { LOCAL_FIXTURES } from "../../../test/helpers/store.js";
import { loadCheckInput } from "../../engine/governance/inputs.js";
import { loadPolicyFile, type LoadedPolicy } from "../../engine/governance/load-policy.js";
import { evaluatePolicy, type EvaluationResult } from "./evaluate.js";
import { toJUnit, toMarkdown, toSarif } from "./formats.js";

const GOV = join(LOCAL_FIXTURES, "governance");
let loaded: LoadedPolicy;
let result: EvaluationResult;

beforeAll(async () => {
  loaded = loadPolicyFile(join(GOV, "tags-policy.yaml"));
  const input = await loadCheckInput([join(GOV, "tf")]);
  result = evaluatePolicy(loaded.compiled, input.document.resources, { now: new Date("2026-06-01T00:00:00Z") });
});

function sarifValidator() {
  const schema = JSON.parse(readFileSync(join(GOV, "sarif-2.1.0-rtm.5.json"), "utf8")) as Record<string, unknown>;
  // the schema is draft-04 ("id", "$schema"); Ajv 8 speaks draft-07+, whose keywords this schema uses the same way
  delete schema["$schema"];
  schema["$id"] = schema["id"];
  delete schema["id"];
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat("uri", (s: string) => /^[a-z][a-z0-9+.-]*:[^\s]*$/i.test(s));
  ajv.addFormat("uri-reference", (s: string) => !/\s/.test(s));
  ajv.addFormat("date-time", (s: string) => !Number.isNaN(Date.parse(s)));
  return ajv.compile(schema);
}

describe("SARIF 2.1.0", () => {
  test("validates against the schema and carries every finding, rule and exemption", () => {
    const sarif = toSarif({ policy: loaded.policy, result, uri: (f) => f.replace(`${GOV}/`, "") });
    const validate = sarifValidator();
    const ok = validate(sarif);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    const run = (sarif["runs"] as Record<string, any>[])[0]!;
    expect(run["tool"].driver.rules.map((r: { id: string }) => r.id)).toEqual(["required-tags", "env-values", "no-placeholder-owner", "prod-cost-center", "big-instances-need-approval"]);
    const results = run["results"] as Record<string, any>[];
    expect(results).toHaveLength(result.findings.length + result.exempted.length);
    const worker = results.find((r) => r["ruleId"] === "env-values" && r["message"].text.startsWith("aws_instance.worker"))!;
    expect(worker["level"]).toBe("error");
    expect(worker["ruleIndex"]).toBe(1);
    expect(worker["locations"][0].physicalLocation).toEqual({ artifactLocation: { uri: "tf/main.tf" }, region: { startLine: 42 } });
    expect(worker["properties"].suggestion).toBe("prod");
    const suppressed = results.filter((r) => r["suppressions"]);
    expect(suppressed).toHaveLength(2);
    expect(suppressed[0]!["suppressions"][0].justification).toBe("exempt until 2099-12-31: legacy box, decommissioned in INC-42");
    expect(run["invocations"][0].toolConfigurationNotifications[0].message.text).toContain("expired on 2020-01-01");
  });

  test("the validator rejects a broken document (the check is real)", () => {
    const sarif = toSarif({ policy: loaded.policy, result }) as Record<string, any>;
    sarif["runs"][0].results[0].level = "critical";
    delete sarif["runs"][0].tool.driver.name;
    const validate = sarifValidator();
    expect(validate(sarif)).toBe(false);
  });
});

describe("JUnit XML", () => {
  test("well-formed; suites per rule, cases per checked resource; counts match; failures only for blocking findings", () => {
    const xml = toJUnit({ policy: loaded.policy, result }, "2026-06-01T00:00:00");
    const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", isArray: (name) => ["testsuite", "testcase", "property"].includes(name) });
    const doc = parser.parse(xml, true) as Record<string, any>;
    const root = doc["testsuites"];
    const suites = root.testsuite as Record<string, any>[];
    expect(suites.map((s) => s["@name"])).toEqual(["required-tags", "env-values", "no-placeholder-owner", "prod-cost-center", "big-instances-need-approval", "not-checked"]);
    let tests = 0;
    let failures = 0;
    let skipped = 0;
    for (const s of suites) {
      // junit.xsd: testsuite requires name, tests, failures, errors, time, timestamp, hostname; testcase name, classname, time
      for (const a of ["@name", "@tests", "@failures", "@errors", "@time", "@timestamp", "@hostname"]) expect(s[a], `${s["@name"]} ${a}`).toBeDefined();
      const cases = (s.testcase ?? []) as Record<string, any>[];
      for (const c of cases) for (const a of ["@name", "@classname", "@time"]) expect(c[a]).toBeDefined();
      const f = cases.filter((c) => c.failure).length;
      const k = cases.filter((c) => c.skipped !== undefined).length;
      expect(Number(s["@tests"])).toBe(cases.length);
      expect(Number(s["@failures"])).toBe(f);
      expect(Number(s["@skipped"])).toBe(k);
      for (const c of cases.filter((x) => x.failure)) {
        expect(c.failure["@message"]).toBeTruthy();
        expect(c.failure["@type"]).toBeTruthy();
      }
      tests += cases.length;
      failures += f;
      skipped += k;
    }
    expect(Number(root["@tests"])).toBe(tests);
    expect(Number(root["@failures"])).toBe(failures);
    expect(Number(root["@skipped"])).toBe(skipped);
    // 3 blocking findings on 2 (rule, resource) pairs of required-tags/env-values: worker ×2 rules, old_logs
    expect(failures).toBe(3);
    // legacy: both required-tags findings exempted → one skipped case; the policy attachment is not checked
    expect(skipped).toBe(2);
    const notChecked = suites.find((x) => x["@name"] === "not-checked")!.testcase as Record<string, any>[];
    expect(notChecked.map((c) => `${c["@name"]} ${c.skipped["@message"]}`)).toEqual([
      "aws_iam_role_policy_attachment.attach not-in-taggable-list: aws_iam_role_policy_attachment is not in the curated list of taggable types (name it in a rule's match.types to check it)",
    ]);
    const req = suites[0]!.testcase as Record<string, any>[];
    expect(req.find((c) => c["@name"] === "aws_instance.worker")!.failure["@type"]).toBe("missing-tag");
    expect(req.find((c) => c["@name"] === "aws_instance.legacy")!.skipped["@message"]).toContain("INC-42");
    expect(req.find((c) => c["@name"] === "aws_s3_bucket.assets")!["system-out"]).toContain("may come from `var.extra_tags`");
  });

  test("escapes markup in messages", () => {
    const r: EvaluationResult = { ...result, findings: result.findings.map((f) => ({ ...f, message: `<b>&"x"</b> ${f.message}` })) };
    const xml = toJUnit({ policy: loaded.policy, result: r }, "2026-06-01T00:00:00");
    expect(xml).not.toContain("<b>");
    expect(() => new XMLParser().parse(xml, true)).not.toThrow();
  });
});

describe("Markdown PR comment", () => {
  test("verdict, counts, blocking findings in a table, the rest collapsed, expired exemptions", () => {
    const md = toMarkdown({ policy: loaded.policy, result, uri: (f) => f.replace(`${GOV}/`, "") });
    expect(md.split("\n")[0]).toBe("### ❌ costwise tag policy: 3 blocking findings");
    expect(md).toContain("| 7 | 6 | 2 | 3 | 5 | 0 | 4 | 2 |");
    expect(md).toContain('| error (blocking) | `aws_instance.worker` | env-values | tag "env" = "Prod" is not allowed (did you mean "prod"?) | `tf/main.tf:42` |');
    expect(md).toContain("<details><summary>5 non-blocking findings</summary>");
    expect(md).toContain("- #2 `aws_s3_bucket.old_logs` expired 2020-01-01: logs bucket kept for the 2019 audit (1 finding count again)");
  });
});
