/**
 * Utilization collection from AWS: EC2 instances, EBS volumes and Elastic IPs (inventory), and CloudWatch
 * metrics over a lookback window, stored as hourly statistics in `utilization_hourly`.
 *
 * Metrics per instance (GetMetricData, batched 500 queries per call, paginated):
 * - CPUUtilization (AWS/EC2) at 5-minute resolution, Average and Maximum; the hour's avg / max / min / p99 are
 *   computed in SQL from those finest points (p99 = 99th percentile of the 5-minute maxima in the hour).
 * - mem_used_percent (CWAgent namespace) when the CloudWatch agent publishes it (found with ListMetrics, with
 *   whatever dimensions the agent uses), same resolution and statistics.
 * - NetworkIn / NetworkOut (AWS/EC2), Sum per hour: bytes in the hour (stored as avg = max = the hour's sum).
 */
import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand, type Dimension, type MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import { DescribeAddressesCommand, DescribeInstancesCommand, DescribeVolumesCommand, EC2Client, type Tag } from "@aws-sdk/client-ec2";
import { awsClientConfig, awsError, type AwsOptions } from "../aws/client-config.js";
import { sql, type AnalysisStore, type SqlValue } from "../store/cost-store.js";
import { col, readRow } from "../store/read-rows.js";
import { INVENTORY_TABLE, UTILIZATION_TABLE } from "./tables.js";

export interface CollectOptions extends AwsOptions {
  lookbackDays: number;
  /** End of the window (default now), for tests. */
  end?: Date;
  /** Extra client config (moto tests pass their clientConfig). */
  clientOverrides?: Record<string, unknown>;
  onProgress?: (message: string) => void;
}

export interface CollectResult {
  region: string;
  instances: number;
  volumes: number;
  addresses: number;
  metricHours: number;
  window: { start: string; end: string };
}

interface InventoryRow {
  resource_id: string;
  resource_type: "ec2-instance" | "ebs-volume" | "elastic-ip";
  account_id: string | null;
  instance_type: string | null;
  state: string | null;
  launch_time: Date | null;
  attached_to: string | null;
  size_gb: number | null;
  volume_type: string | null;
  public_ip: string | null;
  tags: Record<string, string>;
}

const tagsOf = (tags: Tag[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? ""]));

/**
 * Collects one region: order of operations
 *   1. inventory: EC2 instances (not terminated), EBS volumes, Elastic IPs (describeInventory)
 *   2. CloudWatch points of the instances over [start, end) (metricPoints)
 *   3. one transaction: the region's inventory replaced, the points bucketed into hours in SQL (storeCollection)
 */
export async function collectAws(store: AnalysisStore, opts: CollectOptions): Promise<CollectResult> {
  const base = { ...awsClientConfig(opts), ...(opts.clientOverrides ?? {}) };
  const ec2 = new EC2Client(base);
  const cw = new CloudWatchClient(base);
  const region = String(base.region);
  const say = opts.onProgress ?? (() => {});
  const end = new Date(Math.floor((opts.end ?? new Date()).getTime() / 3_600_000) * 3_600_000);
  const start = new Date(end.getTime() - opts.lookbackDays * 86_400_000);
  try {
    const inventory = await describeInventory(ec2, say);
    const instances = inventory.filter((r) => r.resource_type === "ec2-instance");
    const points = await metricPoints(cw, instances, start, end, say);
    const metricHours = await storeCollection(store, region, inventory, points);
    return {
      region,
      instances: instances.length,
      volumes: inventory.filter((r) => r.resource_type === "ebs-volume").length,
      addresses: inventory.filter((r) => r.resource_type === "elastic-ip").length,
      metricHours,
      window: { start: start.toISOString(), end: end.toISOString() },
    };
  } finally {
    ec2.destroy();
    cw.destroy();
  }
}

/** The region's instances (not terminated), EBS volumes and Elastic IPs, paginated. */
async function describeInventory(ec2: EC2Client, say: (message: string) => void): Promise<InventoryRow[]> {
  const inventory: InventoryRow[] = [];
  say("describing EC2 instances");
  let token: string | undefined;
  do {
    const out = await call("EC2", "DescribeInstances", () => ec2.send(new DescribeInstancesCommand({ NextToken: token, MaxResults: 1000 })));
    for (const r of out.Reservations ?? []) {
      for (const i of r.Instances ?? []) {
        if (!i.InstanceId || i.State?.Name === "terminated") continue;
        inventory.push({
          resource_id: i.InstanceId,
          resource_type: "ec2-instance",
          account_id: r.OwnerId ?? null,
          instance_type: i.InstanceType ?? null,
          state: i.State?.Name ?? null,
          launch_time: i.LaunchTime ?? null,
          attached_to: null,
          size_gb: null,
          volume_type: null,
          public_ip: i.PublicIpAddress ?? null,
          tags: tagsOf(i.Tags),
        });
      }
    }
    token = out.NextToken;
  } while (token);
  say("describing EBS volumes");
  token = undefined;
  do {
    const out = await call("EC2", "DescribeVolumes", () => ec2.send(new DescribeVolumesCommand({ NextToken: token, MaxResults: 500 })));
    for (const v of out.Volumes ?? []) {
      if (!v.VolumeId) continue;
      inventory.push({
        resource_id: v.VolumeId,
        resource_type: "ebs-volume",
        account_id: null,
        instance_type: null,
        state: v.State ?? null,
        launch_time: v.CreateTime ?? null,
        attached_to: v.Attachments?.find((a) => a.InstanceId)?.InstanceId ?? null,
        size_gb: v.Size ?? null,
        volume_type: v.VolumeType ?? null,
        public_ip: null,
        tags: tagsOf(v.Tags),
      });
    }
    token = out.NextToken;
  } while (token);
  say("describing Elastic IPs");
  const addrs = await call("EC2", "DescribeAddresses", () => ec2.send(new DescribeAddressesCommand({})));
  for (const a of addrs.Addresses ?? []) {
    const id = a.AllocationId ?? a.PublicIp;
    if (!id) continue;
    inventory.push({
      resource_id: id,
      resource_type: "elastic-ip",
      account_id: null,
      instance_type: null,
      state: a.AssociationId || a.InstanceId || a.NetworkInterfaceId ? "associated" : "unassociated",
      launch_time: null,
      attached_to: a.InstanceId ?? a.NetworkInterfaceId ?? null,
      size_gb: null,
      volume_type: null,
      public_ip: a.PublicIp ?? null,
      tags: tagsOf(a.Tags),
    });
  }
  return inventory;
}

/** A CloudWatch point: resource, metric, statistic, epoch seconds, value. */
type MetricPoint = [string, string, string, number, number];

/**
 * The instances' CloudWatch points over [start, end): CPU and network from AWS/EC2, memory from the CloudWatch
 * agent where it publishes (found with ListMetrics); GetMetricData in batches of 500 queries, paginated.
 */
async function metricPoints(cw: CloudWatchClient, instances: readonly InventoryRow[], start: Date, end: Date, say: (message: string) => void): Promise<MetricPoint[]> {
  say(`finding CloudWatch agent memory metrics`);
  const memDims = new Map<string, Dimension[]>();
  let token: string | undefined;
  do {
    const out = await call("CloudWatch", "ListMetrics", () => cw.send(new ListMetricsCommand({ Namespace: "CWAgent", MetricName: "mem_used_percent", NextToken: token })));
    for (const m of out.Metrics ?? []) {
      const id = m.Dimensions?.find((d) => d.Name === "InstanceId")?.Value;
      if (id && !memDims.has(id)) memDims.set(id, m.Dimensions ?? []);
    }
    token = out.NextToken;
  } while (token);

  // one query per (instance, metric, stat); ids must start with a lowercase letter
  interface Q { id: string; resource: string; metric: string; stat: string; period: number }
  const queries: Q[] = [];
  const mdq: MetricDataQuery[] = [];
  instances.forEach((inst, n) => {
    const add = (metric: string, ns: string, dims: Dimension[], stat: string, period: number): void => {
      const id = `q${n}_${queries.length}`;
      queries.push({ id, resource: inst.resource_id, metric, stat, period });
      mdq.push({ Id: id, MetricStat: { Metric: { Namespace: ns, MetricName: metric, Dimensions: dims }, Period: period, Stat: stat }, ReturnData: true });
    };
    const dims = [{ Name: "InstanceId", Value: inst.resource_id }];
    add("CPUUtilization", "AWS/EC2", dims, "Average", 300);
    add("CPUUtilization", "AWS/EC2", dims, "Maximum", 300);
    add("NetworkIn", "AWS/EC2", dims, "Sum", 3600);
    add("NetworkOut", "AWS/EC2", dims, "Sum", 3600);
    const md = memDims.get(inst.resource_id);
    if (md) {
      add("mem_used_percent", "CWAgent", md, "Average", 300);
      add("mem_used_percent", "CWAgent", md, "Maximum", 300);
    }
  });
  const byId = new Map(queries.map((q) => [q.id, q]));
  // points: resource, metric, stat, epoch seconds, value
  const points: [string, string, string, number, number][] = [];
  for (let i = 0; i < mdq.length; i += 500) {
    say(`CloudWatch GetMetricData ${Math.min(i + 500, mdq.length)}/${mdq.length} queries`);
    let next: string | undefined;
    do {
      const out = await call("CloudWatch", "GetMetricData", () =>
        cw.send(new GetMetricDataCommand({ MetricDataQueries: mdq.slice(i, i + 500), StartTime: start, EndTime: end, NextToken: next, ScanBy: "TimestampAscending" })),
      );
      for (const r of out.MetricDataResults ?? []) {
        const q = byId.get(r.Id ?? "");
        if (!q) continue;
        (r.Timestamps ?? []).forEach((t, k) => {
          const v = r.Values?.[k];
          if (v !== undefined && Number.isFinite(v)) points.push([q.resource, q.metric, q.stat, Math.floor(t.getTime() / 1000), v]);
        });
      }
      next = out.NextToken;
    } while (next);
  }
  return points;
}

/**
 * In one transaction: the region's inventory replaced as a whole, the points bucketed into UTC hours (avg, max,
 * min, p99, samples; network sums) replacing the same resource/metric/hours. Returns the hours written.
 */
async function storeCollection(store: AnalysisStore, region: string, inventory: readonly InventoryRow[], points: readonly MetricPoint[]): Promise<number> {
  let metricHours = 0;
  await store.transaction(async () => {
    const now = new Date().toISOString();
    // the region's inventory is replaced as a whole: what is gone from AWS is gone from the table
    await store.run(sql(`DELETE FROM ${INVENTORY_TABLE} WHERE region = ?`, region));
    // every value from AWS is bound (`?`); tags travel as one JSON list of {k, v} per row, turned into the MAP
    const TS = "CAST(CAST(? AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS TIMESTAMP)";
    const TAGS = `CAST(map_from_entries(from_json(?, '[{"k":"VARCHAR","v":"VARCHAR"}]')) AS MAP(VARCHAR, VARCHAR))`;
    const INVENTORY_ROW = `(?, ?, 'AWS', ?, ?, ?, ?, ${TS}, ?, CAST(? AS INTEGER), ?, ?, ${TAGS}, ${TS})`;
    for (let i = 0; i < inventory.length; i += 500) {
      const chunk = inventory.slice(i, i + 500);
      const params: SqlValue[] = chunk.flatMap((r) => [
        r.resource_id, r.resource_type, r.account_id, region, r.instance_type, r.state,
        r.launch_time ? r.launch_time.toISOString() : null, r.attached_to,
        r.size_gb ?? null, r.volume_type, r.public_ip,
        JSON.stringify(Object.entries(r.tags).map(([k, v]) => ({ k, v }))), now,
      ]);
      await store.run(sql(`INSERT OR REPLACE INTO ${INVENTORY_TABLE} VALUES ${chunk.map(() => INVENTORY_ROW).join(",\n")}`, ...params));
    }
    await store.run(`CREATE OR REPLACE TEMP TABLE __cw_points (resource_id VARCHAR, metric VARCHAR, stat VARCHAR, t BIGINT, v DOUBLE)`);
    for (let i = 0; i < points.length; i += 2000) {
      const chunk = points.slice(i, i + 2000);
      await store.run(sql(`INSERT INTO __cw_points VALUES ${chunk.map(() => "(?, ?, ?, CAST(? AS BIGINT), CAST(? AS DOUBLE))").join(",")}`, ...chunk.flatMap(([r, m, st, t, v]) => [r, m, st, t, v])));
    }
    await store.run(`CREATE OR REPLACE TEMP TABLE __cw_hourly AS
      SELECT resource_id, metric, date_trunc('hour', to_timestamp(t) AT TIME ZONE 'UTC') AS hour,
        CASE WHEN metric IN ('NetworkIn', 'NetworkOut') THEN sum(v) FILTER (stat = 'Sum') ELSE avg(v) FILTER (stat = 'Average') END AS avg,
        CASE WHEN metric IN ('NetworkIn', 'NetworkOut') THEN sum(v) FILTER (stat = 'Sum') ELSE max(v) FILTER (stat = 'Maximum') END AS max,
        CASE WHEN metric IN ('NetworkIn', 'NetworkOut') THEN sum(v) FILTER (stat = 'Sum') ELSE min(v) FILTER (stat = 'Average') END AS min,
        CASE WHEN metric IN ('NetworkIn', 'NetworkOut') THEN NULL ELSE quantile_cont(v, 0.99) FILTER (stat = 'Maximum') END AS p99,
        CASE WHEN metric IN ('NetworkIn', 'NetworkOut') THEN 1 ELSE count(*) FILTER (stat = 'Average') END::INTEGER AS samples
      FROM __cw_points GROUP BY resource_id, metric, hour`);
    await store.run(`DELETE FROM ${UTILIZATION_TABLE} u USING __cw_hourly h WHERE u.resource_id = h.resource_id AND u.metric = h.metric AND u.hour = h.hour`);
    await store.run(`INSERT INTO ${UTILIZATION_TABLE} SELECT resource_id, metric, hour, avg, max, min, p99, samples, 'cloudwatch', now()::TIMESTAMP FROM __cw_hourly`);
    metricHours = (await readRow(store, { n: col.int }, `SELECT count(*)::INTEGER AS n FROM __cw_hourly`))!.n;
    await store.run("DROP TABLE __cw_points");
    await store.run("DROP TABLE __cw_hourly");
  });
  return metricHours;
}

async function call<T>(service: string, op: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw awsError(service, op, e);
  }
}
