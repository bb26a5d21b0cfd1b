/**
 * Rightsizing and idle/orphaned resources over the store: utilization summaries, billed cost and owners in
 * SQL (one statement each over all resources), then the pure profile and target maths per instance.
 */
import { CostwiseError } from "../../core/errors.js";
import { formatMoney, parseMoney } from "../../core/money.js";
import type { InstanceType } from "../../core/optimize/instance-catalog.js";
import { mulDiv } from "../../core/optimize/money-math.js";
import { recommendationKey, type RecommendationDraft } from "../../core/optimize/recommendation-model.js";
import { evaluateRightsizing, type RightsizingOutcome } from "../../core/optimize/rightsizing.js";
import { rightsizingProfiles, type OptimizationConfig } from "../../core/config/sections/optimization.js";
import { UNALLOCATED } from "../../core/allocation/model.js";
import { quoteIdent, quoteString } from "../../core/sql.js";
import { ALLOCATION_TABLE } from "../allocation/tables.js";
import type { AnalysisStore } from "../store/cost-store.js";
import { col, readRows } from "../store/read-rows.js";
import { COST_TABLE } from "../store/schema.js";
import { INVENTORY_TABLE, UTILIZATION_TABLE } from "./tables.js";

/** us-east-1 EBS list prices per GB-month used when a volume is not billed in the store (override in config). */
export const DEFAULT_EBS_GB_MONTH: Record<string, string> = {
  gp3: "0.08",
  gp2: "0.10",
  io1: "0.125",
  io2: "0.125",
  st1: "0.045",
  sc1: "0.015",
  standard: "0.05",
};

export interface UtilizationSummaryRow {
  resourceId: string;
  cpuHours: number;
  cpuAvg: number | null;
  cpuMax: number | null;
  cpuPeak: number | null;
  memHours: number;
  memAvg: number | null;
  memMax: number | null;
  memPeak: number | null;
  /** NetworkIn + NetworkOut bytes per hour, averaged over the hours with CPU data. */
  networkBytesPerHour: number | null;
}

const ts = (d: Date): string => `TIMESTAMP ${quoteString(d.toISOString().slice(0, 19).replace("T", " "))}`;

const SUMMARY_SHAPE = {
  resourceId: col.text,
  cpuHours: col.int,
  cpuAvg: col.num.nullable(),
  cpuMax: col.num.nullable(),
  cpuPeak: col.num.nullable(),
  memHours: col.int,
  memAvg: col.num.nullable(),
  memMax: col.num.nullable(),
  memPeak: col.num.nullable(),
  networkBytesPerHour: col.num.nullable(),
};

/** Per-resource statistics over [start, end): the sizing percentile of the hourly maxima is computed in SQL. */
export async function utilizationSummaries(store: AnalysisStore, start: Date, end: Date, sizingPercentile: number, onlyResources?: string): Promise<UtilizationSummaryRow[]> {
  const p = Math.min(1, Math.max(0, sizingPercentile / 100));
  return readRows(store, SUMMARY_SHAPE, `
    SELECT resource_id AS "resourceId",
      count(*) FILTER (metric = 'CPUUtilization')::INTEGER AS "cpuHours",
      avg(avg) FILTER (metric = 'CPUUtilization') AS "cpuAvg",
      max(max) FILTER (metric = 'CPUUtilization') AS "cpuMax",
      quantile_cont(max, ${p}) FILTER (metric = 'CPUUtilization') AS "cpuPeak",
      count(*) FILTER (metric = 'mem_used_percent')::INTEGER AS "memHours",
      avg(avg) FILTER (metric = 'mem_used_percent') AS "memAvg",
      max(max) FILTER (metric = 'mem_used_percent') AS "memMax",
      quantile_cont(max, ${p}) FILTER (metric = 'mem_used_percent') AS "memPeak",
      sum(avg * samples) FILTER (metric IN ('NetworkIn', 'NetworkOut'))
        / nullif(count(*) FILTER (metric = 'CPUUtilization'), 0) AS "networkBytesPerHour"
    FROM ${UTILIZATION_TABLE}
    WHERE hour >= ${ts(start)} AND hour < ${ts(end)} ${onlyResources ? `AND resource_id IN (${onlyResources})` : ""}
    GROUP BY resource_id ORDER BY resource_id`);
}

interface ResourceFacts {
  resourceId: string;
  resourceType: string | null;
  instanceType: string | null;
  state: string | null;
  region: string | null;
  accountId: string | null;
  attachedTo: string | null;
  sizeGb: number | null;
  volumeType: string | null;
  owner: string | null;
  ownerSource: string | null;
  /** EffectiveCost of the resource's usage over its last 30 billed days, and the hours those rows span. */
  billedCost: string | null;
  billedHours: number;
  currency: string | null;
}

const FACT_SHAPE = {
  rid: col.text,
  resource_type: col.text.nullable(),
  instance_type: col.text.nullable(),
  state: col.text.nullable(),
  region: col.text.nullable(),
  account_id: col.text.nullable(),
  attached_to: col.text.nullable(),
  size_gb: col.int.nullable(),
  volume_type: col.text.nullable(),
  alloc_owner: col.text.nullable(),
  inv_owner: col.text.nullable(),
  bill_owner: col.text.nullable(),
  billed_cost: col.money.nullable(),
  billed_hours: col.int.nullable(),
  currency: col.text.nullable(),
};

/**
 * Inventory + utilization resources with their owner and billed cost. Owner: `cost_allocation.team` when
 * that table exists with a ResourceId column, else the `team` or `owner` tag (inventory tags, then the
 * bill's Tags). Billed cost: the resource's Usage rows (EffectiveCost: amortized, so commitment-covered
 * instances are not free) over the 30 days before its last billed hour.
 */
async function resourceFacts(store: AnalysisStore): Promise<Map<string, ResourceFacts>> {
  const cols = await readRows(
    store,
    { c: col.text, name: col.text },
    `SELECT lower(column_name) AS c, column_name AS name FROM duckdb_columns() WHERE table_name = ${quoteString(ALLOCATION_TABLE)} AND NOT internal`,
  );
  const colNames = new Map(cols.map((c) => [c.c, c.name]));
  const team = quoteIdent(colNames.get("team") ?? "team");
  const allocJoin =
    colNames.has("team") && (colNames.has("resourceid") || colNames.has("resource_id"))
      ? `LEFT JOIN (SELECT ${quoteIdent((colNames.get("resourceid") ?? colNames.get("resource_id"))!)} AS rid, arg_max(${team}, ${colNames.has("effective_cost") ? quoteIdent(colNames.get("effective_cost")!) : "1"}) AS team
                    FROM ${ALLOCATION_TABLE} WHERE ${team} IS NOT NULL AND ${team} <> ${quoteString(UNALLOCATED)} GROUP BY 1) alloc ON alloc.rid = ids.rid`
      : `LEFT JOIN (SELECT NULL::VARCHAR AS rid, NULL::VARCHAR AS team WHERE FALSE) alloc ON alloc.rid = ids.rid`;
  const rows = await readRows(store, FACT_SHAPE, `
    WITH ids AS (
      SELECT resource_id AS rid FROM ${INVENTORY_TABLE}
      UNION SELECT DISTINCT resource_id FROM ${UTILIZATION_TABLE}
    ),
    billed_rows AS (
      SELECT "ResourceId" AS rid, "ChargePeriodStart" AS s, "ChargePeriodEnd" AS e, "EffectiveCost" AS cost, "BillingCurrency" AS cur,
             x_InstanceType AS itype, "Tags" AS tags, "RegionId" AS region, "SubAccountId" AS account,
             max("ChargePeriodEnd") OVER (PARTITION BY "ResourceId") AS last_end
      FROM ${COST_TABLE}
      WHERE "ResourceId" IN (SELECT rid FROM ids) AND "ChargeCategory" = 'Usage'
    ),
    billed AS (
      SELECT rid, sum(cost) AS cost, any_value(cur) AS cur,
             date_diff('hour', greatest(min(s), any_value(last_end) - INTERVAL 30 DAY), any_value(last_end)) AS hours,
             any_value(itype) FILTER (itype IS NOT NULL) AS itype,
             coalesce(any_value(tags['team']) FILTER (tags['team'] IS NOT NULL), any_value(tags['owner']) FILTER (tags['owner'] IS NOT NULL)) AS tag_owner,
             any_value(region) AS region, any_value(account) AS account
      FROM billed_rows WHERE s >= last_end - INTERVAL 30 DAY GROUP BY rid
    )
    SELECT ids.rid, inv.resource_type, coalesce(inv.instance_type, billed.itype) AS instance_type, inv.state,
           coalesce(inv.region, billed.region) AS region, coalesce(inv.account_id, billed.account) AS account_id,
           inv.attached_to, inv.size_gb, inv.volume_type,
           alloc.team AS alloc_owner,
           coalesce(inv.tags['team'], inv.tags['Team'], inv.tags['owner'], inv.tags['Owner']) AS inv_owner,
           billed.tag_owner AS bill_owner,
           billed.cost::VARCHAR AS billed_cost, billed.hours AS billed_hours, billed.cur AS currency
    FROM ids LEFT JOIN ${INVENTORY_TABLE} inv ON inv.resource_id = ids.rid
    LEFT JOIN billed ON billed.rid = ids.rid
    ${allocJoin}`);
  const out = new Map<string, ResourceFacts>();
  for (const r of rows) {
    const owner = r.alloc_owner ?? r.inv_owner ?? r.bill_owner;
    const ownerSource = r.alloc_owner ? "allocation" : r.inv_owner ? "resource tag" : r.bill_owner ? "bill tag" : null;
    out.set(r.rid, {
      resourceId: r.rid,
      resourceType: r.resource_type,
      instanceType: r.instance_type,
      state: r.state,
      region: r.region,
      accountId: r.account_id,
      attachedTo: r.attached_to,
      sizeGb: r.size_gb,
      volumeType: r.volume_type,
      owner,
      ownerSource,
      billedCost: r.billed_cost,
      billedHours: r.billed_hours ?? 0,
      currency: r.currency,
    });
  }
  return out;
}

export interface AnalyzeOptions {
  config: OptimizationConfig;
  catalog: ReadonlyMap<string, InstanceType>;
  /** Profile name (default: config.rightsizing.profile). */
  profile?: string;
  /** End of the lookback window (default now). */
  asOf?: Date;
}

export interface InstanceVerdict {
  resourceId: string;
  instanceType: string | null;
  outcome: RightsizingOutcome | { kind: "idle"; reason: string } | { kind: "not-running"; reason: string };
}

export interface AnalyzeResult {
  drafts: RecommendationDraft[];
  verdicts: InstanceVerdict[];
  profile: string;
  window: { start: string; end: string };
  /** Where the time went (facts and summaries in SQL, per-instance evaluation in TS). */
  timingsMs: Record<string, number>;
}

export async function analyzeResources(store: AnalysisStore, opts: AnalyzeOptions): Promise<AnalyzeResult> {
  const cfg = opts.config;
  const profiles = rightsizingProfiles(cfg);
  const profileName = opts.profile ?? cfg.rightsizing.profile;
  const profile = profiles[profileName];
  if (!profile) {
    throw new CostwiseError("BAD_CONFIG", `unknown rightsizing profile "${profileName}" (known: ${Object.keys(profiles).join(", ")})`);
  }
  const end = opts.asOf ?? new Date();
  const start = new Date(end.getTime() - profile.lookbackDays * 86_400_000);
  const idleStart = new Date(end.getTime() - cfg.idle.lookbackDays * 86_400_000);
  const H = cfg.hoursPerMonth;
  const timings: Record<string, number> = {};
  let t0 = performance.now();
  const facts = await resourceFacts(store);
  timings["factsSql"] = performance.now() - t0;
  t0 = performance.now();
  const summaries = new Map((await utilizationSummaries(store, start, end, profile.sizingPercentile)).map((s) => [s.resourceId, s]));
  // idle needs max CPU and network only: the same pass serves when the windows are equal
  const idleSummaries =
    idleStart.getTime() === start.getTime() ? summaries : new Map((await utilizationSummaries(store, idleStart, end, 100)).map((s) => [s.resourceId, s]));
  timings["summariesSql"] = performance.now() - t0;
  t0 = performance.now();
  const ebsPrice = { ...DEFAULT_EBS_GB_MONTH, ...cfg.idle.ebsGbMonthPrice };
  const drafts: RecommendationDraft[] = [];
  const verdicts: InstanceVerdict[] = [];

  const monthlyFromBill = (f: ResourceFacts): string | null =>
    f.billedCost !== null && f.billedHours > 0 && parseMoney(f.billedCost) > 0n ? mulDiv(f.billedCost, BigInt(H), BigInt(f.billedHours)) : null;
  const volumeMonthly = (v: ResourceFacts): { cost: string; basis: string } => {
    const billed = monthlyFromBill(v);
    if (billed) return { cost: billed, basis: "billed" };
    const price = ebsPrice[v.volumeType ?? "gp3"] ?? ebsPrice["gp3"]!;
    return { cost: formatMoney(parseMoney(price) * BigInt(v.sizeGb ?? 0)), basis: `list price ${price}/GB-month (${v.volumeType ?? "gp3"}) x ${v.sizeGb ?? 0} GB` };
  };
  const all = [...facts.values()];
  const volumesByInstance = new Map<string, ResourceFacts[]>();
  for (const v of all) {
    if (v.resourceType !== "ebs-volume" || v.attachedTo === null) continue;
    const list = volumesByInstance.get(v.attachedTo) ?? [];
    list.push(v);
    volumesByInstance.set(v.attachedTo, list);
  }
  const volumesOf = (instanceId: string): ResourceFacts[] => volumesByInstance.get(instanceId) ?? [];

  for (const f of all) {
    const isInstance = f.resourceType === "ec2-instance" || (f.resourceType === null && f.instanceType !== null);
    if (f.resourceType === "ebs-volume") {
      if (f.state !== "available") continue;
      const m = volumeMonthly(f);
      drafts.push(unattachedVolumeDraft(f, m));
      continue;
    }
    if (f.resourceType === "elastic-ip") {
      if (f.state !== "unassociated") continue;
      const billed = monthlyFromBill(f);
      const cost = billed ?? cfg.idle.eipMonthlyPrice;
      drafts.push(unusedEipDraft(f, cost, billed !== null, H));
      continue;
    }
    if (!isInstance) continue;
    if (f.state === "stopped") {
      const vols = volumesOf(f.resourceId);
      const costs = vols.map(volumeMonthly);
      const total = formatMoney(costs.reduce((a, c) => a + parseMoney(c.cost), 0n));
      verdicts.push({ resourceId: f.resourceId, instanceType: f.instanceType, outcome: { kind: "not-running", reason: "stopped" } });
      drafts.push(stoppedInstanceDraft(f, vols, costs, total));
      continue;
    }
    if (f.state !== null && f.state !== "running") {
      verdicts.push({ resourceId: f.resourceId, instanceType: f.instanceType, outcome: { kind: "not-running", reason: f.state } });
      continue;
    }
    const type = f.instanceType;
    const cur = type ? opts.catalog.get(type) : undefined;
    const billedMonthly = monthlyFromBill(f);
    const listMonthly = cur?.hourlyPrice ? mulDiv(cur.hourlyPrice, BigInt(H), 1n) : null;
    const monthlyCost = billedMonthly ?? listMonthly;
    // idle: enough data, max CPU at or below the threshold, negligible network
    const idle = idleSummaries.get(f.resourceId);
    if (
      idle &&
      idle.cpuHours >= cfg.idle.minHours &&
      idle.cpuMax !== null &&
      idle.cpuMax <= cfg.idle.maxCpuPct &&
      (idle.networkBytesPerHour ?? 0) <= cfg.idle.maxNetworkBytesPerHour
    ) {
      const reason = `idle: max CPU ${idle.cpuMax.toFixed(2)}% (<= ${cfg.idle.maxCpuPct}%) and network ${Math.round(idle.networkBytesPerHour ?? 0)} bytes/h (<= ${cfg.idle.maxNetworkBytesPerHour}) over ${idle.cpuHours} h`;
      verdicts.push({ resourceId: f.resourceId, instanceType: type, outcome: { kind: "idle", reason } });
      drafts.push({
        ...draftBase(f),
        key: recommendationKey("idle-instance", f.resourceId),
        type: "idle-instance",
        resourceType: "ec2-instance",
        action: "stop or terminate the instance",
        currentConfig: type,
        targetConfig: null,
        monthlySaving: monthlyCost ?? "0",
        savingBasis: billedMonthly ? "billed" : listMonthly ? "list-price" : "unknown",
        confidence: idle.networkBytesPerHour === null ? "medium" : "high",
        reason: `${reason}; it costs ${monthlyCost ? formatMoney(parseMoney(monthlyCost), 2) : "an unknown amount"}/month (${billedMonthly ? "billed" : "list price"})`,
        risks: idle.networkBytesPerHour === null ? ["no network metrics: the instance may still serve traffic"] : [],
        details: { cpuMax: idle.cpuMax, cpuAvg: idle.cpuAvg, hours: idle.cpuHours, networkBytesPerHour: idle.networkBytesPerHour },
        baselineMonthlyCost: monthlyCost,
      });
      continue;
    }
    const s = summaries.get(f.resourceId);
    if (!type) continue;
    const outcome = evaluateRightsizing(
      {
        resourceId: f.resourceId,
        instanceType: type,
        cpu: { hours: s?.cpuHours ?? 0, avg: s?.cpuAvg ?? null, max: s?.cpuMax ?? null, peak: s?.cpuPeak ?? null },
        memory: s && s.memHours > 0 ? { hours: s.memHours, avg: s.memAvg, max: s.memMax, peak: s.memPeak } : null,
        billedCost: f.billedCost,
        billedHours: f.billedHours,
      },
      profile,
      profileName,
      opts.catalog,
      H,
    );
    verdicts.push({ resourceId: f.resourceId, instanceType: type, outcome });
    if (outcome.kind !== "recommend") continue;
    drafts.push({
      ...draftBase(f),
      key: recommendationKey("rightsize", f.resourceId),
      type: "rightsize",
      resourceType: "ec2-instance",
      action: `change instance type ${type} -> ${outcome.target}`,
      currentConfig: type,
      targetConfig: outcome.target,
      monthlySaving: outcome.monthlySaving,
      savingBasis: outcome.savingBasis,
      confidence: outcome.confidence,
      reason: outcome.reason,
      risks: outcome.risks,
      details: { ...outcome.figures, tier: outcome.tier },
      baselineMonthlyCost: monthlyCost,
    });
  }
  timings["evaluate"] = performance.now() - t0;
  return { drafts, verdicts, profile: profileName, window: { start: start.toISOString(), end: end.toISOString() }, timingsMs: timings };
}

/** The fields every draft takes from its resource. */
function draftBase(f: ResourceFacts): Pick<RecommendationDraft, "resourceId" | "region" | "accountId" | "owner" | "ownerSource" | "currency"> {
  return {
    resourceId: f.resourceId,
    region: f.region,
    accountId: f.accountId,
    owner: f.owner,
    ownerSource: f.ownerSource,
    currency: f.currency ?? "USD",
  };
}

/** An EBS volume attached to nothing, costing `m` a month. */
function unattachedVolumeDraft(f: ResourceFacts, m: { cost: string; basis: string }): RecommendationDraft {
  return {
    ...draftBase(f),
    key: recommendationKey("unattached-volume", f.resourceId),
    type: "unattached-volume",
    resourceType: "ebs-volume",
    action: "snapshot if needed, then delete the volume",
    currentConfig: `${f.volumeType ?? "?"} ${f.sizeGb ?? "?"} GB, unattached`,
    targetConfig: null,
    monthlySaving: m.cost,
    savingBasis: m.basis === "billed" ? "billed" : "list-price",
    confidence: "high",
    reason: `EBS volume ${f.resourceId} (${f.volumeType ?? "?"}, ${f.sizeGb ?? "?"} GB) is not attached to any instance; it costs ${formatMoney(parseMoney(m.cost), 2)}/month (${m.basis})`,
    risks: ["the volume may hold data someone needs: snapshot before deleting"],
    details: { state: f.state, sizeGb: f.sizeGb, volumeType: f.volumeType, basis: m.basis },
    baselineMonthlyCost: m.cost,
  };
}

/** An Elastic IP associated with nothing, costing `cost` a month (`billed`: from the bill, else list price). */
function unusedEipDraft(f: ResourceFacts, cost: string, billed: boolean, hoursPerMonth: number): RecommendationDraft {
  return {
    ...draftBase(f),
    key: recommendationKey("unused-eip", f.resourceId),
    type: "unused-eip",
    resourceType: "elastic-ip",
    action: "release the Elastic IP",
    currentConfig: "unassociated",
    targetConfig: null,
    monthlySaving: cost,
    savingBasis: billed ? "billed" : "list-price",
    confidence: "high",
    reason: `Elastic IP ${f.resourceId} is not associated with an instance or network interface; it costs ${formatMoney(parseMoney(cost), 2)}/month (${billed ? "billed" : `$0.005/h public IPv4 list price x ${hoursPerMonth} h`})`,
    risks: ["a released address cannot be recovered: check DNS records and allow-lists that name it"],
    details: { state: f.state },
    baselineMonthlyCost: cost,
  };
}

/** A stopped instance whose volumes `vols` still cost `costs` a month (`total` in all). */
function stoppedInstanceDraft(f: ResourceFacts, vols: readonly ResourceFacts[], costs: readonly { cost: string; basis: string }[], total: string): RecommendationDraft {
  return {
    ...draftBase(f),
    key: recommendationKey("stopped-instance", f.resourceId),
    type: "stopped-instance",
    resourceType: "ec2-instance",
    action: "terminate the instance (snapshot its volumes first) or delete volumes it no longer needs",
    currentConfig: `${f.instanceType ?? "?"}, stopped, ${vols.length} EBS volume(s)`,
    targetConfig: null,
    monthlySaving: total,
    savingBasis: costs.every((c) => c.basis === "billed") && costs.length > 0 ? "billed" : "list-price",
    confidence: "medium",
    reason: `instance ${f.resourceId} (${f.instanceType ?? "?"}) is stopped but its ${vols.length} EBS volume(s) are still billed: ${formatMoney(parseMoney(total), 2)}/month (${costs.map((c, i) => `${vols[i]!.resourceId}: ${c.basis}`).join("; ") || "no volumes seen"})`,
    risks: ["a stopped instance may be kept on purpose (standby, seasonal); confirm with the owner"],
    details: { volumes: vols.map((v, i) => ({ id: v.resourceId, monthly: costs[i]!.cost, basis: costs[i]!.basis })) },
    baselineMonthlyCost: total,
  };
}
