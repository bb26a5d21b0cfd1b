/**
 * Estimate + check benchmark: a generated Terraform plan with N resources (default 10,000; instances with block
 * devices, volumes, NAT gateways, load balancers, RDS, EIPs, Lambda, free and unsupported types) is estimated
 * (parse, components, prices from a bill price book with the catalogue behind it, owners through allocation rules)
 * and tag-checked (the policy check's parse and evaluation), against a baseline in the same process on the same
 * file: the bare `JSON.parse` of the plan text. Prints CPU time (user + system), the ratio, and the 2 s target.
 *
 *   npm run bench -- estimate            node dist/bench/estimate-bench.js [--resources 10000] [--runs 5]
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { compileAllocation } from "../src/core/allocation/model.js";
import { allocationSection } from "../src/core/config/sections/allocation.js";
import { estimatePlan } from "../src/core/estimate/estimate.js";
import { ownerClassifier } from "../src/core/estimate/owner.js";
import { BillAndCataloguePriceBook, type BillUsageRow } from "../src/core/estimate/price-table.js";
import { evaluatePolicy } from "../src/core/governance/evaluate.js";
import { parsePlanText, shippedCatalogue } from "../src/engine/estimate/run.js";
import { parsePolicy } from "../src/engine/governance/load-policy.js";
import { parsePlanJson } from "../src/engine/governance/terraform-plan.js";
import { NO_USAGE } from "../src/core/estimate/components.js";

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
    require: [team, env]
  - id: env-values
    tag: env
    allowed: [prod, staging, dev]
`;

const KINDS: [string, (i: number) => Record<string, unknown>][] = [
  ["aws_instance", (i) => ({ instance_type: i % 3 === 0 ? "m5.large" : "t3.micro", root_block_device: [{ volume_size: 8 + (i % 50), volume_type: "gp3" }], ebs_block_device: i % 4 === 0 ? [{ device_name: "/dev/sdf", volume_size: 100, volume_type: "io1", iops: 1000 }] : [] })],
  ["aws_ebs_volume", (i) => ({ size: 10 + (i % 500), type: i % 2 ? "gp2" : "gp3", iops: 4000 })],
  ["aws_nat_gateway", () => ({})],
  ["aws_lb", (i) => ({ load_balancer_type: i % 2 ? "application" : "network" })],
  ["aws_db_instance", (i) => ({ instance_class: "db.t3.micro", engine: i % 2 ? "mysql" : "postgres", allocated_storage: 20, multi_az: i % 5 === 0 })],
  ["aws_eip", () => ({})],
  ["aws_lambda_function", (i) => ({ memory_size: 128 * (1 + (i % 8)) })],
  ["aws_iam_role", () => ({})],
  ["aws_s3_bucket", () => ({})],
];

function generatePlan(n: number): string {
  const changes: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const [type, attrs] = KINDS[i % KINDS.length]!;
    const mod = i % 3 === 0 ? `module.team${i % 17}.` : "";
    const name = `r_${i}`;
    const tags: Record<string, string> = { Name: name, ...(i % 5 ? { team: `team-${i % 23}` } : {}), ...(i % 7 ? { env: ["prod", "staging", "dev", "qa"][i % 4]! } : {}) };
    const actions = i % 13 === 0 ? ["update"] : i % 29 === 0 ? ["delete"] : ["create"];
    const after = { ...attrs(i), tags, tags_all: tags };
    changes.push({
      address: `${mod}${type}.${name}`,
      ...(mod ? { module_address: mod.slice(0, -1) } : {}),
      mode: "managed",
      type,
      name,
      provider_name: "registry.terraform.io/hashicorp/aws",
      change: { actions, before: actions[0] === "create" ? null : { ...after, id: `id-${i}` }, after: actions[0] === "delete" ? null : after, after_unknown: { id: true } },
    });
  }
  return JSON.stringify({ format_version: "1.2", resource_changes: changes, configuration: { provider_config: { aws: { name: "aws", expressions: { region: { constant_value: "us-east-1" } } } }, root_module: { resources: [] } } }, null, 2);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const cpuMs = (f: () => void): number => {
  const c = process.cpuUsage();
  f();
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1000;
};

const dir = resolve(args.dir!);
mkdirSync(dir, { recursive: true });
const file = join(dir, `estimate-plan-${N}.json`);
writeFileSync(file, generatePlan(N));
const text = readFileSync(file, "utf8");
const policy = parsePolicy(POLICY, "bench-policy.yaml");
// a bill that priced part of the usage (m5.large hours, gp3 storage, NAT hours) at the organisation's own rates
const billRows: BillUsageRow[] = [
  { service: "AmazonEC2", region: "us-east-1", usageType: "BoxUsage:m5.large", operation: "RunInstances", cost: "5000", quantity: "73000", resources: 100 },
  { service: "AmazonEC2", region: "us-east-1", usageType: "EBS:VolumeUsage.gp3", operation: "CreateVolume-Gp3", cost: "700", quantity: "10000", resources: 40 },
  { service: "AmazonEC2", region: "us-east-1", usageType: "NatGateway-Bytes", operation: "NatGateway", cost: "90", quantity: "2000", resources: 4 },
];
const allocation = compileAllocation(allocationSection.parse({ rules: [{ id: "by-team", match: { "tag:team": { present: true } }, set: { team: "${tag:team}" } }] }), []);
const catalogue = shippedCatalogue();

const base: number[] = [];
const full: number[] = [];
let priced = 0;
let findings = 0;
let total = "";
for (let r = 0; r < RUNS + 1; r++) {
  const b = cpuMs(() => void JSON.parse(text));
  const f = cpuMs(() => {
    const resources = parsePlanText(text, file, null);
    const book = new BillAndCataloguePriceBook(billRows, catalogue, 30);
    const e = estimatePlan({ resources, prices: book, usage: { fromFile: NO_USAGE.fromFile, fromBill: (m, region) => book.averagePerResource(m, region) }, ownerOf: ownerClassifier(allocation.model) });
    const checked = evaluatePolicy(policy.compiled, parsePlanJson(text, file), { now: new Date("2026-06-01T00:00:00Z") });
    priced = e.resources.filter((x) => x.monthlyDelta !== null).length;
    findings = checked.findings.length;
    total = e.totalMonthlyDelta;
  });
  if (r === 0) continue; // warm-up
  base.push(b);
  full.push(f);
}
const mb = (Buffer.byteLength(text) / 1e6).toFixed(1);
console.log(`estimate + check benchmark: ${N.toLocaleString("en-US")} resources, plan ${mb} MB, ${RUNS} runs after 1 warm-up (median CPU time)`);
console.log(`  baseline JSON.parse(plan)                                  ${median(base).toFixed(1).padStart(8)} ms`);
console.log(`  costwise estimate + tag check (parse ×2, price, evaluate)  ${median(full).toFixed(1).padStart(8)} ms  (${(median(full) / median(base)).toFixed(1)}× the baseline)`);
console.log(`  ${priced.toLocaleString("en-US")} resources priced, monthly delta ${total} USD, ${findings.toLocaleString("en-US")} findings; target < 2000 ms CPU: ${median(full) < 2000 ? "met" : "NOT met"}`);
