/**
 * Allocation benchmark: `costwise allocate` (200 rules, 3 shared pools, tag normalization, largest-remainder
 * splits, the rebuild of cost_allocation in one transaction) against a bare GROUP BY over the same line
 * items at the same output grain (day, drill-down columns, resource and the raw Tags the owners come from),
 * in the same process on the same store. The headline baseline materializes into a temp table (in memory);
 * the same GROUP BY written to the database file (as cost_allocation is) is printed beside it.
 *
 *   npm run build && node dist/bench/allocation-bench.js [--rows 10000000] [--shape hourly|daily|random] [--repeat 2]
 *                                                        [--memory-limit 4GB] [--threads 2] [--dir bench/.data]
 *
 * Line items are generated inside DuckDB (range()) into bench/.data/allocation-bench.duckdb: 500 accounts,
 * 40 services (plus AWS Support and Amazon VPC), 4 regions, team tags spelled three ways, 2 currencies.
 * --shape says how the line items group (the allocation writes one row per group, so the shape decides how
 * much of its time is the write): hourly (default; an hourly CUR: a line item per resource and hour, ~20 per
 * output row), daily (4 line items per resource and day, ~4 per output row), random (every column drawn per
 * line item, ~1 per output row: the worst case).
 */
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { allocationSection } from "../src/core/config/sections/allocation.js";
import { applyAllocation } from "../src/engine/allocation/allocate.js";
import { compileLoaded } from "../src/engine/allocation/load-rules.js";
import { ALLOCATION_TABLE } from "../src/engine/allocation/tables.js";
import { DuckDbStore } from "../src/engine/store/duckdb/duckdb-store.js";
import { col, readRow, readRows } from "../src/engine/store/read-rows.js";
import { COST_TABLE } from "../src/engine/store/schema.js";

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "10000000" },
    "memory-limit": { type: "string", default: "4GB" },
    threads: { type: "string", default: "2" },
    dir: { type: "string", default: "bench/.data" },
    repeat: { type: "string", default: "2" },
    shape: { type: "string", default: "hourly" },
  },
});

const rows = Number(args.rows);
const dir = resolve(args.dir);
mkdirSync(dir, { recursive: true });
const dbPath = join(dir, "allocation-bench.duckdb");
rmSync(dbPath, { force: true });
rmSync(`${dbPath}.wal`, { force: true });

const TEAMS = Array.from({ length: 20 }, (_, i) => `team-${String(i).padStart(2, "0")}`);

function rules(): unknown[] {
  const out: unknown[] = [];
  // 3 shared pools
  out.push({ id: "platform-accounts", match: { SubAccountId: ["acct-000", "acct-001", "acct-002"] }, shared: { method: "proportional" } });
  out.push({ id: "support-fee", match: { ServiceName: "AWS Support" }, shared: { method: "even" } });
  out.push({ id: "shared-network", match: { ServiceName: "Amazon VPC", RegionId: { glob: "eu-*" } }, shared: { method: "fixed", percentages: { "team-00": 40, "team-01": 35, "team-02": 25 } } });
  // 150 account rules
  for (let i = 3; i < 153; i++) out.push({ id: `acct-${i}`, match: { SubAccountId: `acct-${String(i).padStart(3, "0")}` }, set: { team: TEAMS[i % 20]!, cost_center: `cc-${i % 7}` } });
  // 30 service/region rules with name patterns
  for (let i = 0; i < 30; i++) out.push({ id: `svc-${i}`, match: { ServiceName: `Service ${String(i).padStart(2, "0")}`, ResourceId: { glob: `res-${i % 10}*` } }, set: { team: TEAMS[(i * 3) % 20]!, product: `product-${i % 5}` } });
  // 16 tag-value rules, then the catch-all template
  for (let i = 0; i < 16; i++) out.push({ id: `tag-${i}`, match: { "tag:team": `legacy-${i}` }, set: { team: TEAMS[i]! } });
  out.push({ id: "team-tag", match: { "tag:team": { present: true } }, set: { team: "${tag:team}", environment: "${tag:env}" } });
  if (out.length !== 200) throw new Error(`expected 200 rules, made ${out.length}`);
  return out;
}

/** CPU seconds (all threads of this process, DuckDB's included) of the last `time` call: less sensitive than wall time to other work on a shared machine. */
let lastCpu = 0;
async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const c = process.cpuUsage();
  const v = await fn();
  const d = process.cpuUsage(c);
  lastCpu = (d.user + d.system) / 1e6;
  return [(performance.now() - t) / 1000, v];
}

const store = await DuckDbStore.open(dbPath, { memoryLimit: args["memory-limit"], threads: Number(args.threads) });
const shape = args.shape;
if (shape !== "hourly" && shape !== "daily" && shape !== "random") throw new Error(`--shape must be hourly, daily or random, got ${shape}`);
// hourly: the shape of an hourly CUR. Every resource has one account, service, region, currency and tag set and
// a line item every hour of 90 days (Jan-Mar 2025: three billing periods); the number of resources follows from
// --rows (10M rows: 4,630 resources). daily: a daily CUR, 4 line items (usage types) per resource and day over
// the same 90 days (10M rows: 27,778 resources). random: every column drawn per row (each line item its own
// account/service/region/resource/tags/day): almost no two rows share a group, the worst case for any grouping.
const slots = shape === "hourly" ? 90 * 24 : 90 * 4;
const resources = Math.max(100, Math.ceil(rows / slots));
const rowSource =
  shape === "hourly"
    ? `SELECT i, i % ${resources} AS r, TIMESTAMP '2025-01-01' + to_hours((i // ${resources})::INTEGER % ${slots}) AS ts FROM range(${rows}) t(i)`
    : shape === "daily"
      ? `SELECT i, i % ${resources} AS r, TIMESTAMP '2025-01-01' + to_days(((i // ${resources})::INTEGER % ${slots}) // 4) AS ts FROM range(${rows}) t(i)`
      : `SELECT i, i AS r, TIMESTAMP '2025-01-01' + to_days((hash(i, 7) % 365)::INTEGER) AS ts FROM range(${rows}) t(i)`;
console.log(`generating ${rows.toLocaleString("en-US")} line items (${shape}${shape === "random" ? "" : `: ${resources.toLocaleString("en-US")} resources x 90 days x ${shape === "hourly" ? "24 hours" : "4 usage types"}`}) in ${dbPath} ...`);
const [genSeconds] = await time(() =>
  store.run(`INSERT INTO ${COST_TABLE} ("BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd", "BillingCurrency", "BilledCost", "EffectiveCost",
      "SubAccountId", "ServiceName", "RegionId", "ResourceId", "ProviderName", "Tags", x_Source, "ChargeCategory")
    SELECT date_trunc('month', ts), date_trunc('month', ts) + INTERVAL 1 MONTH, ts, ts + INTERVAL ${shape === "hourly" ? "1 HOUR" : "1 DAY"}, CASE WHEN r % 10 = 0 THEN 'EUR' ELSE 'USD' END,
      b, b * 0.93::DECIMAL(38,10), 'acct-' || lpad((hash(r, 1) % 500)::VARCHAR, 3, '0'),
      CASE WHEN hash(r, 2) % 200 = 0 THEN 'AWS Support' WHEN hash(r, 2) % 200 = 1 THEN 'Amazon VPC' ELSE 'Service ' || lpad((hash(r, 2) % 40)::VARCHAR, 2, '0') END,
      ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1'][(1 + hash(r, 3) % 4)::BIGINT], 'res-' || (${shape === "random" ? "hash(r, 4) % 100000" : "r"})::VARCHAR, 'AWS',
      CASE hash(r, 5) % 5
        WHEN 0 THEN MAP {'team': 'team-' || lpad((hash(r, 6) % 20)::VARCHAR, 2, '0'), 'env': 'prod'}
        WHEN 1 THEN MAP {'Team': 'Team-' || lpad((hash(r, 6) % 20)::VARCHAR, 2, '0'), 'Env': 'Staging '}
        WHEN 2 THEN MAP {'owner-team': 'legacy-' || (hash(r, 6) % 20)::VARCHAR}
        WHEN 3 THEN MAP {'Name': 'x'}
        ELSE NULL END,
      'bench', 'Usage'
    FROM (SELECT i, r, ts, ((hash(i, 8) % 1000000)::DECIMAL(38,10) / 10000 + 0.0000012345)::DECIMAL(38,10) AS b FROM (${rowSource}))`),
);
console.log(`generated in ${genSeconds.toFixed(1)} s`);
await store.run("CHECKPOINT");

const loaded = compileLoaded(allocationSection.parse({ tags: { aliases: { team: ["owner-team"], environment: ["env"] } }, rules: rules() }), null, null);

// The bare GROUP BY groups at the output grain of cost_allocation: day x billing period x currency x the
// drill-down columns x resource, plus the owner-relevant column (the raw Tags the owners are derived from;
// grouping by fewer columns would make the baseline cheaper than the grain allocation must produce).
const baselineSelect = `SELECT CAST("ChargePeriodStart" AS DATE) AS charge_date, "BillingPeriodStart", "BillingCurrency", "ProviderName", "SubAccountId", "ServiceName", "RegionId", "ResourceId",
         x_Source, x_k8s_Cluster, x_k8s_Namespace, "Tags", sum("BilledCost") AS b, sum("EffectiveCost") AS e, count(*) AS n
  FROM ${COST_TABLE} GROUP BY ALL`;
// headline: materialized in memory (a temp table), the cheapest form of the baseline
const baselineSql = `CREATE OR REPLACE TEMP TABLE _bench_baseline AS ${baselineSelect}`;
// for information: the same GROUP BY written to a table in the database file, as cost_allocation is
const baselinePersistSql = `CREATE OR REPLACE TABLE _bench_baseline_persisted AS ${baselineSelect}`;

const repeat = Math.max(1, Number(args.repeat));
const base: number[] = [];
const basePersist: number[] = [];
const baseCpu: number[] = [];
const allocCpu: number[] = [];
const alloc: number[] = [];
let outRows = 0;
for (let r = 0; r < repeat; r++) {
  const [tb] = await time(() => store.run(baselineSql));
  baseCpu.push(lastCpu);
  const { n } = (await readRow(store, { n: col.int }, "SELECT count(*)::BIGINT AS n FROM _bench_baseline"))!;
  await store.run("DROP TABLE _bench_baseline");
  base.push(tb);
  const [tp] = await time(() => store.run(baselinePersistSql));
  await store.run("DROP TABLE _bench_baseline_persisted");
  basePersist.push(tp);
  const [ta, run] = await time(() => applyAllocation(store, loaded));
  alloc.push(ta);
  allocCpu.push(lastCpu);
  outRows = run.rows;
  if (!run.conservation.every((c) => c.ok)) throw new Error("conservation failed");
  console.log(`round ${r + 1}: bare GROUP BY ${tb.toFixed(2)} s (${n.toLocaleString("en-US")} groups; ${tp.toFixed(2)} s written to the db file), allocate ${ta.toFixed(2)} s (${run.rows.toLocaleString("en-US")} rows); CPU GROUP BY ${baseCpu[r]!.toFixed(2)} s, allocate ${allocCpu[r]!.toFixed(2)} s`);
}
const best = (xs: number[]): number => Math.min(...xs);
const summary = await readRows(store, { team: col.text, b: col.money }, `SELECT team, sum(billed_cost)::DECIMAL(38,2)::VARCHAR AS b FROM ${ALLOCATION_TABLE} WHERE currency = 'USD' GROUP BY ALL ORDER BY sum(billed_cost) DESC LIMIT 5`);
console.log(`\nallocation benchmark: ${rows.toLocaleString("en-US")} line items (${shape}), 200 rules, 3 shared pools, threads ${args.threads}, memory ${args["memory-limit"]}`);
console.log(`  bare GROUP BY (output grain incl. Tags, temp table)     best ${best(base).toFixed(2)} s`);
console.log(`  same GROUP BY written to the db file (as the allocation) best ${best(basePersist).toFixed(2)} s`);
console.log(`  costwise allocate (rules, splits, rebuild in one tx)    best ${best(alloc).toFixed(2)} s  -> ${outRows.toLocaleString("en-US")} cost_allocation rows`);
console.log(`  ratio allocate / GROUP BY (temp table): ${(best(alloc) / best(base)).toFixed(2)}x (target <= 2x)`);
console.log(`  ratio allocate / GROUP BY written to the db file: ${(best(alloc) / best(basePersist)).toFixed(2)}x`);
console.log(`  CPU seconds (process, all threads), best: GROUP BY ${best(baseCpu).toFixed(2)} s, allocate ${best(allocCpu).toFixed(2)} s -> ${(best(allocCpu) / best(baseCpu)).toFixed(2)}x`);
console.log(`  top teams (USD): ${summary.map((s) => `${s.team} ${s.b}`).join(", ")}`);
await store.close();
