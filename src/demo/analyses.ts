/**
 * `costwise demo`, the analyses half: after the bills are ingested, run every analysis the dashboard shows
 * through the same engine code the real commands use, so each page has real data on the demo store:
 *
 *  - allocation (the demo's rules), anomaly monitors (just after the days the injected anomalies began, and the last
 *    day, each run on a simulated clock: 06:00 UTC the morning after the day scored),
 *  - budgets: a demo costwise.yaml (written beside the demo store) with a monthly budget for the organisation and
 *    for every team, 110% of its spend in the last complete month; forecasts saved for the organisation and for
 *    every budget scope (so a team's overview has its own forecast band and budget line), made on the last day and
 *    on the day before the last complete month (so forecast variance has a closed month to measure),
 *  - recommendations from 14 days of synthetic utilization of the demo's EC2 instances, plus the Savings Plan
 *    purchase simulated on the bill (commitments come from the bill's RI / Savings Plan rows),
 *  - governance: the demo tag policy (data/demo/tag-policy.yaml) evaluated on the demo estate — the AWS resources
 *    the bills charged in their last 14 days, with the tags the bills carry — and recorded as a scan with each
 *    violation's monthly cost, exactly as `costwise policy scan` records a live AWS scan.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CostwiseConfig } from "../core/config/schema.js";
import { optimizationDefaults } from "../core/config/sections/optimization.js";
import { evaluatePolicy, type EvaluationSummary } from "../core/governance/evaluate.js";
import type { NormalizedResource } from "../core/governance/resource.js";
import { terraformTypeForArn } from "../core/governance/taggable.js";
import { UNALLOCATED } from "../core/allocation/model.js";
import { formatMoney, parseMoney } from "../core/money.js";
import { quoteString } from "../core/sql.js";
import { stringify } from "yaml";
import { DEMO_ALLOCATION, runDemoAllocation, type DemoAllocation } from "./allocation.js";
import { ALLOCATION_TABLE } from "../engine/allocation/tables.js";
import { ingestMetrics } from "../engine/metrics/ingest.js";
import { parseConfig } from "../engine/config/load-config.js";
import { defaultForecastScopes, forecastScope } from "../engine/detect/forecast-scope.js";
import { detectionConfig, runMonitors } from "../engine/detect/monitors.js";
import { loadPolicyFile } from "../engine/governance/load-policy.js";
import { awsRuntimeResource } from "../engine/governance/runtime-scan.js";
import { monthlyCosts, recordScan } from "../engine/governance/record.js";
import { packageRoot } from "../engine/mapping/lookups.js";
import { loadCatalog } from "../engine/optimize/load-catalog.js";
import { commitmentReport } from "../engine/optimize/commitment-analysis.js";
import { loadDemoUtilization } from "./utilization.js";
import { runOptimization } from "../engine/optimize/run.js";
import type { AnalysisStore } from "../engine/store/cost-store.js";
import { col, readRows } from "../engine/store/read-rows.js";
import { COST_TABLE } from "../engine/store/schema.js";
import { renderReview } from "../engine/review/render-review.js";
import type { DemoSummary } from "./run-demo.js";

/** The demo's workspace config, written beside the demo store. */
export const DEMO_CONFIG_FILE = "costwise.yaml";

/** The demo organisation's tag policy (ships with the package). */
export function demoPolicyPath(): string {
  return join(packageRoot(), "data", "demo", "tag-policy.yaml");
}

export interface DemoAnalyses {
  allocation: DemoAllocation;
  anomalies: number;
  alerts: number;
  /** Forecast scopes saved (organisation and one per budget). */
  forecasts: number;
  recommendations: number;
  budgets: { file: string; count: number };
  /** Business metrics loaded for unit costs (file and rows). */
  metrics: { file: string; rows: number };
  commitments: { count: number; currency: string | null; utilization: string | null; coverage: string | null };
  governance: { scanId: string; policy: string; summary: EvaluationSummary };
  /** The monthly review kept for the last complete month (costwise review; the dashboard's Reviews page). */
  review: { month: string };
}

export interface RunDemoAnalysesOptions {
  /** Where the demo costwise.yaml is written (default: none written, the config is only returned). */
  configDir?: string;
}

export async function runDemoAnalyses(store: AnalysisStore, summary: DemoSummary, opts: RunDemoAnalysesOptions = {}): Promise<{ analyses: DemoAnalyses; config: CostwiseConfig }> {
  const allocation = await runDemoAllocation(store);

  // anomalies: score the days just after the injected anomalies began and the last day, in order, each at 06:00 UTC
  // the morning after (the clock alert latency reads; a real daily schedule scores every day and alerts sooner)
  const end = summary.generated.endDate;
  const days = [...new Set([...summary.generated.anomalies.map((x) => addDays(x.date, 2)).filter((d) => d < end), end])].sort();
  const seen = new Map<string, boolean>();
  for (const asOf of days) {
    const now = new Date(`${addDays(asOf, 1)}T06:00:00Z`);
    const found = await runMonitors(store, {}, { asOf, now });
    for (const x of found.anomalies) seen.set(`${x.monitor}|${x.seriesKey}|${x.start}`, x.alert || seen.get(`${x.monitor}|${x.seriesKey}|${x.start}`) === true);
  }

  // business metrics for unit costs: daily orders (payments) and searches (search), through the metrics ingest
  const metricsDir = opts.configDir ?? summary.dataDir;
  const metrics = await loadDemoMetrics(store, summary, metricsDir);

  // budgets and unit costs (demo costwise.yaml) and forecasts for the organisation and every budget scope
  const yaml = await demoConfigYaml(store, summary);
  const file = opts.configDir ? join(opts.configDir, DEMO_CONFIG_FILE) : DEMO_CONFIG_FILE;
  if (opts.configDir) writeFileSync(file, yaml);
  const config = parseConfig(yaml, file);
  const detection = detectionConfig(config);
  let forecasts = 0;
  // a forecast made the day before the last complete month began (as a daily run would have made it then), so
  // forecast variance is measured on that month; then today's, which the dashboard's forecast band shows
  const before = addDays(summary.lastMonth.start, -1);
  for (const def of defaultForecastScopes(detection)) {
    await forecastScope(store, def, { persist: true, metric: detection.metric, asOf: before, now: new Date(`${summary.lastMonth.start}T06:00:00Z`) });
    forecasts += (await forecastScope(store, def, { persist: true, metric: detection.metric })).length;
  }

  // recommendations from 14 days of demo utilization, and the Savings Plan purchase simulated on the bill
  const lastDay = summary.generated.endDate;
  await loadDemoUtilization(store, lastDay);
  const optimization = optimizationDefaults();
  const opt = await runOptimization(store, { config: optimization, catalog: loadCatalog(), asOf: new Date(`${lastDay}T00:00:00Z`) });
  const commitments = await commitmentReport(store, optimization, {}, new Date(`${addDays(lastDay, 1)}T00:00:00Z`));

  const governance = await demoGovernanceScan(store, lastDay, config.governance?.teamTag ?? "team");

  // the monthly review of the last complete month, kept so the dashboard's Reviews page shows it (rendered as the
  // review job would, on the day after the bill's last day; Markdown here: the PDF is printed on demand)
  const review = await renderReview(store, { config, baseDir: opts.configDir ?? process.cwd() }, summary.lastMonth.month, "md", {
    now: new Date(`${addDays(lastDay, 1)}T06:00:00Z`),
  });

  return {
    config,
    analyses: {
      allocation,
      anomalies: seen.size,
      alerts: [...seen.values()].filter(Boolean).length,
      forecasts,
      recommendations: opt.saved.created + opt.saved.updated,
      budgets: { file, count: detection.budgets.length },
      metrics,
      commitments: { count: commitments.commitments.length, currency: commitments.currency, utilization: commitments.overall.utilization, coverage: commitments.overall.coverage },
      governance,
      review: { month: review.data.month },
    },
  };
}

// ─── budgets ────────────────────────────────────────────────────────────────────────────────────

/**
 * The demo's costwise.yaml: a monthly budget for the whole organisation and one per team (allocation owner),
 * each 110% of its spend in the last complete month, rounded up to a whole 100 (exact, BigInt).
 */
export async function demoConfigYaml(store: AnalysisStore, summary: DemoSummary): Promise<string> {
  const currency = summary.currency;
  const month = summary.lastMonth;
  const teams = await readRows(store, { team: col.text, cost: col.money }, {
    sql: `SELECT team, sum(effective_cost)::VARCHAR AS cost FROM ${ALLOCATION_TABLE}
          WHERE currency = ? AND charge_date >= CAST(? AS DATE) AND charge_date < CAST(? AS DATE) AND team <> ${quoteString(UNALLOCATED)}
          GROUP BY team HAVING sum(effective_cost) > 0 ORDER BY team`,
    params: [currency, month.start, month.end],
  });
  const total = summary.monthOverMonth.effectiveCost.current;
  const lines = [
    `# Written by \`costwise demo\`: the demo organisation's budgets, each 110% of its ${summary.metric} in ${month.month}`,
    `# rounded up to a whole 100 ${currency}; the demo's allocation rules and unit costs (business metrics: ${DEMO_METRICS_FILE}).`,
    `# Use it with: costwise --config <this file> --store <demo store> budget status | report unit-cost`,
    stringify({ allocation: { ...DEMO_ALLOCATION, unitCosts: DEMO_UNIT_COSTS } }).trimEnd(),
    "detection:",
    `  metric: ${summary.metric}`,
    "  budgets:",
    `    - name: organisation`,
    `      period: month`,
    `      amount: "${budgetAmount(total)}"`,
    `      currency: ${currency}`,
    ...teams.flatMap((t) => [
      `    - name: team-${t.team}`,
      `      scope: { owner: ${JSON.stringify(t.team)} }`,
      `      period: month`,
      `      amount: "${budgetAmount(t.cost)}"`,
      `      currency: ${currency}`,
    ]),
    "",
  ];
  return lines.join("\n");
}

/** 110% of `spend`, rounded up to a whole 100. */
export function budgetAmount(spend: string): string {
  const hundred = parseMoney("100");
  const x = (parseMoney(spend) * 11n) / 10n;
  const rounded = ((x + hundred - 1n) / hundred) * hundred;
  return formatMoney(rounded < hundred ? hundred : rounded, 2);
}

// ─── unit costs ─────────────────────────────────────────────────────────────────────────────────

export const DEMO_METRICS_FILE = "business-metrics.csv";

/** Unit costs of the demo: allocated cost per order (payments) and per 1,000 searches (search). */
export const DEMO_UNIT_COSTS = [
  { name: "cost-per-order", metric: "orders", filter: { team: ["payments"] }, description: "payments team's allocated cost per checkout order" },
  { name: "cost-per-1k-searches", metric: "searches_k", filter: { team: ["search"] }, description: "search team's allocated cost per 1,000 searches" },
];

/**
 * The demo organisation's daily business metrics, written as a CSV and loaded by the metrics ingest (the path
 * `costwise metrics ingest` takes): orders and thousands of searches per day, made to follow the owning team's
 * allocated spend with a deterministic ±6% wobble and a slow efficiency gain (so unit costs drift down).
 */
export async function loadDemoMetrics(store: AnalysisStore, summary: DemoSummary, dir: string): Promise<{ file: string; rows: number }> {
  const file = join(dir, DEMO_METRICS_FILE);
  await store.run(`COPY (
      WITH d AS (
        SELECT team, charge_date, sum(effective_cost) AS cost FROM ${ALLOCATION_TABLE}
        WHERE team IN ('payments', 'search') AND currency = ${quoteString(summary.currency)} GROUP BY ALL
      ), f AS (SELECT min(charge_date) AS first FROM d)
      SELECT CASE team WHEN 'payments' THEN 'orders' ELSE 'searches_k' END AS metric, strftime(charge_date, '%Y-%m-%d') AS date,
             round(cost / (CASE team WHEN 'payments' THEN 0.42 ELSE 0.9 END)
                   * (0.94 + (hash(team, charge_date) % 1200) / 10000.0)
                   * (1 + date_diff('day', f.first, charge_date) / 1200.0))::BIGINT AS value
      FROM d, f WHERE cost > 0 ORDER BY 1, 2
    ) TO ${quoteString(file)} (HEADER, DELIMITER ',')`);
  const r = await ingestMetrics(store, [file]);
  return { file, rows: r.rows };
}

// ─── governance ─────────────────────────────────────────────────────────────────────────────────

/**
 * The demo estate as a runtime inventory: every AWS resource the bills charged in the 14 days up to `lastDay`,
 * with the tags of its latest line item, its account and region, in the normalized shape a live
 * `policy scan` produces (ARNs built the way AWS writes them for EC2 instances, volumes and S3 buckets).
 */
export async function demoInventory(store: AnalysisStore, lastDay: string): Promise<NormalizedResource[]> {
  const inventoryRow = {
    id: col.text,
    account: col.text.nullable(),
    region: col.text.nullable(),
    service: col.text.nullable(),
    instance_type: col.text.nullable(),
    tag_keys: col.json.nullable(),
    tag_values: col.json.nullable(),
  };
  const rows = await readRows(store, inventoryRow, {
    sql: `SELECT "ResourceId" AS id, any_value("SubAccountId") AS account, any_value("RegionId") AS region, any_value("ServiceName") AS service,
                 arg_max(x_InstanceType, "ChargePeriodStart") AS instance_type,
                 map_keys(arg_max("Tags", "ChargePeriodStart")) AS tag_keys, map_values(arg_max("Tags", "ChargePeriodStart")) AS tag_values
          FROM ${COST_TABLE}
          WHERE "ProviderName" = 'AWS' AND "ResourceId" IS NOT NULL AND "CommitmentDiscountId" IS NULL AND "ChargeCategory" = 'Usage'
            AND "ChargePeriodStart" >= CAST(? AS TIMESTAMP) - INTERVAL 13 DAY AND "ChargePeriodStart" < CAST(? AS TIMESTAMP) + INTERVAL 1 DAY
          GROUP BY "ResourceId" ORDER BY "ResourceId"`,
    params: [lastDay, lastDay],
  });
  const out: NormalizedResource[] = [];
  for (const r of rows) {
    const id = r.id;
    const account = r.account ?? "";
    const region = r.region === null || r.region === "global" ? "" : r.region;
    const arn = id.startsWith("arn:")
      ? id
      : id.startsWith("i-")
        ? `arn:aws:ec2:${region}:${account}:instance/${id}`
        : id.startsWith("vol-")
          ? `arn:aws:ec2:${region}:${account}:volume/${id}`
          : r.service === "Amazon Simple Storage Service"
            ? `arn:aws:s3:::${id}`
            : null;
    if (arn === null) continue;
    const type = terraformTypeForArn(arn);
    const keys = asStrings(r.tag_keys);
    const values = asStrings(r.tag_values);
    const tags: Record<string, string> = {};
    keys.forEach((k, i) => (tags[k] = values[i] ?? ""));
    const attributes = id.startsWith("i-") ? { instance_id: id, instance_type: r.instance_type } : id.startsWith("vol-") ? { volume_id: id } : {};
    out.push(awsRuntimeResource(arn, type, tags, attributes, account || undefined, region || undefined));
  }
  return out;
}

function asStrings(v: unknown): string[] {
  if (Array.isArray(v)) return v.map((x) => String(x));
  if (typeof v === "string") {
    try {
      const parsed: unknown = JSON.parse(v);
      if (Array.isArray(parsed)) return parsed.map((x) => String(x));
    } catch {
      /* not JSON */
    }
  }
  return [];
}

/** Evaluates the demo policy on the demo estate and records the scan (findings with monthly cost, history). */
export async function demoGovernanceScan(store: AnalysisStore, lastDay: string, teamTag: string): Promise<DemoAnalyses["governance"]> {
  const policy = demoPolicyPath();
  const loaded = loadPolicyFile(policy);
  const scannedAt = new Date(`${addDays(lastDay, 1)}T06:00:00Z`);
  const resources = await demoInventory(store, lastDay);
  const result = evaluatePolicy(loaded.compiled, resources, { now: scannedAt });
  const costs = await monthlyCosts(store, resources);
  const scanId = `scan-demo-${lastDay.replace(/-/g, "")}-${randomBytes(3).toString("hex")}`;
  await recordScan(store, { scanId, scannedAt, origin: "demo-inventory", policyFile: loaded.file, resources, result, costs, teamTag });
  return { scanId, policy, summary: result.summary };
}

function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day.slice(0, 10)}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}
