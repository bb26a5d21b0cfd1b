/**
 * Policy check benchmark: a generated Terraform plan with N resources (default 10,000) checked end to end
 * (parse plan JSON, normalize, evaluate a policy with required keys, allowed values with did-you-mean, a
 * forbidden list and CEL rules, render SARIF) against a baseline in the same process on the same file: the bare
 * `JSON.parse` of the plan text. Prints times, the ratio, and whether the 2 s target is met.
 *
 *   npm run build && node dist/bench/policy-bench.js [--resources 10000] [--runs 5] [--dir bench/.data]
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { evaluatePolicy } from "../src/core/governance/evaluate.js";
import { toSarif } from "../src/core/governance/formats.js";
import { parsePolicy } from "../src/engine/governance/load-policy.js";
import { parsePlanJson } from "../src/engine/governance/terraform-plan.js";

const { values: args } = parseArgs({
  options: {
    resources: { type: "string", default: "10000" },
    runs: { type: "string", default: "5" },
    dir: { type: "string", default: "bench/.data" },
  },
});
const N = Number(args.resources);
const RUNS = Number(args.runs);

const POLICY = `
blocking: [error]
rules:
  - id: required-tags
    require: [owner, env, cost_center]
  - id: env-values
    tag: env
    allowed: [prod, staging, dev]
  - id: no-placeholder-owner
    severity: warning
    tag: owner
    forbidden: [tbd, unknown]
  - id: prod-needs-backup
    match: { when: 'has(tags.env) && tags.env == "prod"' }
    assert: 'has(tags.backup)'
  - id: big-instances
    severity: warning
    match: { types: [aws_instance], when: 'has(attributes.instance_type) && startsWith(attributes.instance_type, "m5.")' }
    assert: 'has(tags.capacity_approved)'
exemptions:
  - resources: ["aws_instance.svc_1*"]
    rules: [big-instances]
    expires: 2099-01-01
    reason: bench
`;

const TYPES = ["aws_instance", "aws_ebs_volume", "aws_s3_bucket", "aws_db_instance", "aws_lambda_function", "aws_iam_role_policy_attachment"];
const ENVS = ["prod", "staging", "dev", "Prod", "prd", "qa"];

/** Deterministic plan: varied types, modules, tags (some missing/misspelled), unknown tags_all (default_tags path). */
function generatePlan(n: number): string {
  const changes: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const type = TYPES[i % TYPES.length]!;
    const mod = i % 3 === 0 ? `module.team${i % 17}.` : "";
    const name = `svc_${i}`;
    const tags: Record<string, string> = { Name: name };
    if (i % 5 !== 0) tags["owner"] = i % 41 === 0 ? "tbd" : `team-${i % 23}`;
    if (i % 7 !== 0) tags["env"] = ENVS[i % ENVS.length]!;
    if (i % 4 === 0) tags["backup"] = "daily";
    const knownAll = i % 2 === 0;
    changes.push({
      address: `${mod}${type}.${name}`,
      ...(mod ? { module_address: mod.slice(0, -1) } : {}),
      mode: "managed",
      type,
      name,
      provider_name: "registry.terraform.io/hashicorp/aws",
      change: {
        actions: [i % 11 === 0 ? "update" : "create"],
        before: null,
        after: {
          instance_type: i % 3 === 0 ? "m5.large" : "t3.micro",
          ami: "ami-0123456789abcdef0",
          root_block_device: [{ volume_size: 8 + (i % 50), volume_type: "gp3" }],
          tags,
          ...(knownAll ? { tags_all: { ...tags, cost_center: `cc-${i % 9}` } } : {}),
        },
        after_unknown: { id: true, arn: true, ...(knownAll ? {} : { tags_all: true }) },
      },
    });
  }
  return JSON.stringify(
    {
      format_version: "1.2",
      terraform_version: "1.9.5",
      resource_changes: changes,
      configuration: { provider_config: { aws: { name: "aws", expressions: { region: { constant_value: "us-east-1" }, default_tags: [{ tags: { constant_value: { cost_center: "cc-default" } } }] } } }, root_module: { resources: [] } },
    },
    null,
    2,
  );
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const dir = resolve(args.dir!);
mkdirSync(dir, { recursive: true });
const file = join(dir, `plan-${N}.json`);
writeFileSync(file, generatePlan(N));
const text = readFileSync(file, "utf8");
const policy = parsePolicy(POLICY, "bench-policy.yaml");

const base: number[] = [];
const full: number[] = [];
let findings = 0;
let checked = 0;
for (let r = 0; r < RUNS + 1; r++) {
  let t = performance.now();
  JSON.parse(text);
  const b = performance.now() - t;
  t = performance.now();
  const resources = parsePlanJson(text, file);
  const result = evaluatePolicy(policy.compiled, resources, { now: new Date("2026-06-01T00:00:00Z") });
  const sarif = JSON.stringify(toSarif({ policy: policy.policy, result }));
  const f = performance.now() - t;
  if (r === 0) continue; // warm-up
  base.push(b);
  full.push(f);
  findings = result.findings.length;
  checked = result.summary.checked;
  if (sarif.length === 0) throw new Error("empty SARIF");
}
const mb = (Buffer.byteLength(text) / 1e6).toFixed(1);
console.log(`policy check benchmark: ${N.toLocaleString("en-US")} resources, plan ${mb} MB, ${RUNS} runs after 1 warm-up (median)`);
console.log(`  baseline JSON.parse(plan)                          ${median(base).toFixed(1).padStart(8)} ms`);
console.log(`  costwise check (parse, normalize, evaluate, SARIF) ${median(full).toFixed(1).padStart(8)} ms  (${(median(full) / median(base)).toFixed(1)}× the baseline)`);
console.log(`  ${checked.toLocaleString("en-US")} resources checked, ${findings.toLocaleString("en-US")} findings; target < 2000 ms: ${median(full) < 2000 ? "met" : "NOT met"}`);
