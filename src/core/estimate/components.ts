/**
 * Which cost components a resource is made of, with their monthly quantities (pure).
 *
 * Supported (AWS): aws_instance (instance hours, root and EBS block devices), aws_ebs_volume, aws_nat_gateway
 * (hours, GB processed), aws_lb / aws_alb (application or network: hours, LCU-hours), aws_db_instance (instance
 * hours, storage, provisioned IOPS), aws_eip, aws_lambda_function (requests, GB-seconds). Types with no cost of
 * their own (IAM, security groups, VPC plumbing, parameter/option/subnet groups ...) are `free`. Anything else is
 * `unsupported` with the reason, never 0.
 *
 * Fixed quantities come from the plan (730 hours, sizes, IOPS). Usage-based quantities come, in this order, from
 * the usage file (`resource_usage.<address>`, then `resource_type_default_usage.<type>`, Infracost's layout), from
 * the organisation's own average per resource of that usage type in the bill, then from the stated default below.
 */
import { decOf, mulDec, plain } from "./decimal.js";
import { HOURS_PER_MONTH, type BillMatch, type ComponentSpec, type UsageSource } from "./model.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Stated defaults for usage-based quantities, used when neither the usage file nor the bill says. */
export const USAGE_DEFAULTS = {
  lambdaMonthlyRequests: "1000000",
  lambdaRequestDurationMs: "100",
  natMonthlyDataProcessedGb: "100",
  lbMonthlyLcu: "1",
} as const;

export interface UsageLookup {
  /** A value from the usage file for this resource (by address, then its type's defaults). */
  fromFile(address: string, type: string, key: string): string | null;
  /** The organisation's average monthly quantity per resource for this usage type and region, from the bill. */
  fromBill(match: BillMatch, region: string): string | null;
}

export const NO_USAGE: UsageLookup = { fromFile: () => null, fromBill: () => null };

export type ComponentsResult = { kind: "components"; components: ComponentSpec[] } | { kind: "free" } | { kind: "unsupported"; reason: string };

const FREE_TYPE_RE =
  /^aws_(iam_.*|security_group(_rule)?|vpc_security_group_.*|default_vpc|vpc|default_subnet|subnet|route(_table(_association)?)?|default_route_table|internet_gateway|db_subnet_group|db_parameter_group|db_option_group|elasticache_subnet_group|key_pair|lb_target_group(_attachment)?|alb_target_group(_attachment)?|lb_listener(_rule)?|alb_listener(_rule)?|launch_template|cloudwatch_log_group|sns_topic(_subscription)?|sqs_queue_policy|s3_bucket_(policy|public_access_block|versioning|acl|ownership_controls|server_side_encryption_configuration)|lambda_permission|cloudwatch_event_target|network_acl(_rule)?|main_route_table_association|vpc_endpoint_route_table_association|eip_association|volume_attachment|placement_group)$/;
const FREE_OTHER = new Set(["random_id", "random_string", "random_password", "random_pet", "null_resource", "terraform_data", "time_sleep", "tls_private_key", "local_file"]);

const EBS_USAGE: Record<string, string> = { gp2: "EBS:VolumeUsage.gp2", gp3: "EBS:VolumeUsage.gp3", io1: "EBS:VolumeUsage.piops", io2: "EBS:VolumeUsage.io2", st1: "EBS:VolumeUsage.st1", sc1: "EBS:VolumeUsage.sc1", standard: "EBS:VolumeUsage" };
const EBS_IOPS_USAGE: Record<string, string> = { io1: "EBS:VolumeP-IOPS.piops", io2: "EBS:VolumeP-IOPS.io2", gp3: "EBS:VolumeP-IOPS.gp3" };
const RDS_ENGINES: Record<string, { family: string; operation: string }> = {
  mysql: { family: "mysql", operation: "CreateDBInstance:0002" },
  mariadb: { family: "mysql", operation: "CreateDBInstance:0018" },
  postgres: { family: "postgres", operation: "CreateDBInstance:0014" },
};
const RDS_STORAGE_USAGE: Record<string, string> = { gp2: "GP2-Storage", gp3: "GP3-Storage", io1: "PIOPS-Storage", standard: "StorageUsage" };

const str = (o: Obj, k: string): string | null => (typeof o[k] === "string" && o[k] !== "" ? (o[k] as string) : null);
const num = (o: Obj, k: string): string | null => decOf(o[k]);
const first = (v: unknown): Obj | null => (Array.isArray(v) && isObj(v[0]) ? v[0] : isObj(v) ? v : null);

/** The components of one side (before or after) of a resource change. */
export function componentsOf(type: string, address: string, attrs: Obj, region: string, usage: UsageLookup): ComponentsResult {
  if (FREE_TYPE_RE.test(type) || FREE_OTHER.has(type)) return { kind: "free" };
  const provider = type.split("_")[0]!;
  if (provider !== "aws") return { kind: "unsupported", reason: `provider "${provider}" is not priced yet (AWS only)` };

  const u = (key: string, fileKey: string, match: BillMatch, fallback: string, words: (v: string) => string): { quantity: string; source: UsageSource; assumption: string } => {
    const f = usage.fromFile(address, type, fileKey);
    if (f !== null) return { quantity: f, source: "usage-file", assumption: `${words(f)} (usage file: ${fileKey})` };
    const b = usage.fromBill(match, region);
    if (b !== null) return { quantity: b, source: "organisation-average", assumption: `${words(b)} (the organisation's average per resource of ${match.usageType} in ${region}, last 30 billed days)` };
    return { quantity: fallback, source: "default", assumption: `${words(fallback)} (default; set ${fileKey} in a usage file)` };
  };

  switch (type) {
    case "aws_instance": {
      const itype = str(attrs, "instance_type");
      if (!itype) return { kind: "unsupported", reason: "instance_type is unknown until apply" };
      const tenancy = str(attrs, "tenancy");
      if (tenancy && tenancy !== "default") return { kind: "unsupported", reason: `tenancy "${tenancy}" is not priced (shared tenancy only)` };
      const out: ComponentSpec[] = [
        { name: `Instance usage (Linux/UNIX, on-demand, ${itype})`, unit: "hours", key: `ec2-instance:${itype}`, bill: { service: "AmazonEC2", usageType: `BoxUsage:${itype}` }, monthlyQuantity: HOURS_PER_MONTH, usageSource: "fixed" },
      ];
      const root = first(attrs["root_block_device"]);
      if (root) out.push(...ebsComponents("root_block_device", root, "8"));
      else out.push(...ebsComponents("root_block_device", {}, "8"));
      const ebs = Array.isArray(attrs["ebs_block_device"]) ? attrs["ebs_block_device"] : [];
      for (const d of ebs) if (isObj(d)) out.push(...ebsComponents(`ebs_block_device[${str(d, "device_name") ?? "?"}]`, d, "8"));
      return { kind: "components", components: out };
    }
    case "aws_ebs_volume":
      return { kind: "components", components: ebsComponents("", attrs, "8") };
    case "aws_nat_gateway": {
      const match: BillMatch = { service: "AmazonEC2", usageType: "NatGateway-Bytes" };
      const gb = u("nat-gb", "monthly_data_processed_gb", match, USAGE_DEFAULTS.natMonthlyDataProcessedGb, (v) => `${v} GB processed per month`);
      return {
        kind: "components",
        components: [
          { name: "NAT gateway", unit: "hours", key: "nat-hours", bill: { service: "AmazonEC2", usageType: "NatGateway-Hours" }, monthlyQuantity: HOURS_PER_MONTH, usageSource: "fixed" },
          { name: "Data processed", unit: "GB", key: "nat-gb", bill: match, monthlyQuantity: gb.quantity, usageSource: gb.source, assumption: gb.assumption },
        ],
      };
    }
    case "aws_lb":
    case "aws_alb": {
      const kind = str(attrs, "load_balancer_type") ?? "application";
      if (kind !== "application" && kind !== "network") return { kind: "unsupported", reason: `load_balancer_type "${kind}" is not priced (application and network only)` };
      const p = kind === "application" ? "alb" : "nlb";
      const op = kind === "application" ? "LoadBalancing:Application" : "LoadBalancing:Network";
      const lcuMatch: BillMatch = { service: "AWSELB", usageType: "LCUUsage", operation: op };
      const lcuPerHour = u(`${p}-lcu`, "capacity_units", lcuMatch, USAGE_DEFAULTS.lbMonthlyLcu, (v) => `${v} capacity units on average`);
      // a bill average is per month already (LCU-hours); the usage file and default give capacity units per hour
      const lcuMonthly = lcuPerHour.source === "organisation-average" ? lcuPerHour.quantity : mulDec(lcuPerHour.quantity, HOURS_PER_MONTH);
      return {
        kind: "components",
        components: [
          { name: kind === "application" ? "Application load balancer" : "Network load balancer", unit: "hours", key: `${p}-hours`, bill: { service: "AWSELB", usageType: "LoadBalancerUsage", operation: op }, monthlyQuantity: HOURS_PER_MONTH, usageSource: "fixed" },
          { name: "Capacity units", unit: "LCU-hours", key: `${p}-lcu`, bill: lcuMatch, monthlyQuantity: plain(lcuMonthly), usageSource: lcuPerHour.source, assumption: lcuPerHour.assumption },
        ],
      };
    }
    case "aws_db_instance": {
      const cls = str(attrs, "instance_class");
      if (!cls) return { kind: "unsupported", reason: "instance_class is unknown until apply" };
      const engineName = str(attrs, "engine") ?? "mysql";
      const engine = RDS_ENGINES[engineName];
      if (!engine) return { kind: "unsupported", reason: `engine "${engineName}" is not priced (mysql, mariadb, postgres)` };
      const multi = attrs["multi_az"] === true;
      const az = multi ? "multi-az" : "single-az";
      const storageType = str(attrs, "storage_type") ?? (num(attrs, "iops") && num(attrs, "iops") !== "0" ? "io1" : "gp2");
      const storageUsage = RDS_STORAGE_USAGE[storageType];
      const out: ComponentSpec[] = [
        {
          name: `Database instance (${engineName}, ${multi ? "Multi-AZ" : "single-AZ"}, ${cls})`,
          unit: "hours",
          key: `rds-instance:${engine.family}:${cls}`,
          bill: { service: "AmazonRDS", usageType: `${multi ? "Multi-AZUsage" : "InstanceUsage"}:${cls}`, operation: engine.operation },
          monthlyQuantity: HOURS_PER_MONTH,
          usageSource: "fixed",
          ...(multi ? { catalogueFactor: "2" } : {}),
        },
      ];
      if (!storageUsage) return { kind: "unsupported", reason: `storage_type "${storageType}" is not priced (gp2, gp3, io1, standard)` };
      const gb = num(attrs, "allocated_storage") ?? "20";
      out.push({ name: `Storage (${storageType})`, unit: "GB-months", key: `rds-storage:${storageType}:${az}`, bill: { service: "AmazonRDS", usageType: `RDS:${multi ? "Multi-AZ-" : ""}${storageUsage}` }, monthlyQuantity: gb, usageSource: "fixed" });
      const iops = num(attrs, "iops");
      if (storageType === "io1" && iops && iops !== "0") {
        out.push({ name: "Provisioned IOPS", unit: "IOPS-months", key: `rds-iops:io1:${az}`, bill: { service: "AmazonRDS", usageType: `RDS:${multi ? "Multi-AZ-" : ""}PIOPS` }, monthlyQuantity: iops, usageSource: "fixed" });
      }
      return { kind: "components", components: out };
    }
    case "aws_eip":
      return { kind: "components", components: [{ name: "Public IPv4 address", unit: "hours", key: "eip-hours", bill: { service: "AmazonVPC", usageType: "PublicIPv4:InUseAddress" }, monthlyQuantity: HOURS_PER_MONTH, usageSource: "fixed" }] };
    case "aws_lambda_function": {
      const mem = num(attrs, "memory_size") ?? "128";
      const archs = Array.isArray(attrs["architectures"]) ? attrs["architectures"] : [];
      const arch = archs[0] === "arm64" ? "arm64" : "x86_64";
      const reqMatch: BillMatch = { service: "AWSLambda", usageType: "Request" };
      const gbsMatch: BillMatch = { service: "AWSLambda", usageType: arch === "arm64" ? "Lambda-GB-Second-ARM" : "Lambda-GB-Second" };
      const req = u("lambda-requests", "monthly_requests", reqMatch, USAGE_DEFAULTS.lambdaMonthlyRequests, (v) => `${v} requests per month`);
      const gbsBill = usage.fromFile(address, type, "request_duration_ms") === null ? usage.fromBill(gbsMatch, region) : null;
      let gbs: string;
      let gbsSource: UsageSource;
      let gbsAssumption: string;
      if (gbsBill !== null && req.source === "organisation-average") {
        gbs = gbsBill;
        gbsSource = "organisation-average";
        gbsAssumption = `${gbsBill} GB-seconds per month (the organisation's average per function in ${region}, last 30 billed days)`;
      } else {
        const durFile = usage.fromFile(address, type, "request_duration_ms");
        const dur = durFile ?? USAGE_DEFAULTS.lambdaRequestDurationMs;
        // GB-seconds = requests × duration (s) × memory (GB)
        gbs = plain(mulDec(req.quantity, dur, "0.001", mem, "0.0009765625"));
        gbsSource = durFile !== null || req.source === "usage-file" ? "usage-file" : "default";
        gbsAssumption = `${req.quantity} requests × ${dur} ms × ${mem} MB (${durFile !== null ? "usage file: request_duration_ms" : `default duration ${dur} ms; set request_duration_ms in a usage file`})`;
      }
      return {
        kind: "components",
        components: [
          { name: "Requests", unit: "requests", key: "lambda-requests", bill: reqMatch, monthlyQuantity: req.quantity, usageSource: req.source, assumption: req.assumption },
          { name: `Duration (${arch}, ${mem} MB)`, unit: "GB-seconds", key: `lambda-gbs:${arch}`, bill: gbsMatch, monthlyQuantity: gbs, usageSource: gbsSource, assumption: gbsAssumption },
        ],
      };
    }
    default:
      return { kind: "unsupported", reason: `resource type ${type} is not priced yet` };
  }
}

/** EBS storage (and provisioned IOPS for io1/io2, IOPS above 3000 for gp3) of one volume or block device. */
function ebsComponents(label: string, d: Obj, defaultSize: string): ComponentSpec[] {
  const vt = str(d, "volume_type") ?? str(d, "type") ?? "gp2";
  const size = num(d, "volume_size") ?? num(d, "size") ?? defaultSize;
  const prefix = label ? `${label}: ` : "";
  const usageType = EBS_USAGE[vt];
  if (!usageType) return [{ name: `${prefix}Storage (${vt})`, unit: "GB-months", key: `ebs-storage:${vt}`, bill: { service: "AmazonEC2", usageType: `EBS:VolumeUsage.${vt}` }, monthlyQuantity: size, usageSource: "fixed" }];
  const out: ComponentSpec[] = [{ name: `${prefix}Storage (${vt})`, unit: "GB-months", key: `ebs-storage:${vt}`, bill: { service: "AmazonEC2", usageType }, monthlyQuantity: size, usageSource: "fixed" }];
  const iops = num(d, "iops");
  const iopsUsage = EBS_IOPS_USAGE[vt];
  if (iopsUsage && iops && iops !== "0") {
    // gp3 includes 3000 IOPS; only what is provisioned above is billed
    const billed = vt === "gp3" ? (BigInt(iops.split(".")[0]!) > 3000n ? String(BigInt(iops.split(".")[0]!) - 3000n) : null) : iops;
    if (billed) out.push({ name: `${prefix}Provisioned IOPS (${vt})`, unit: "IOPS-months", key: `ebs-iops:${vt}`, bill: { service: "AmazonEC2", usageType: iopsUsage }, monthlyQuantity: billed, usageSource: "fixed" });
  }
  return out;
}
