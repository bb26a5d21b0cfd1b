/**
 * Optimization benchmark: N instances x D days of hourly CPU and memory metrics, generated in DuckDB into a
 * store under bench/.data/, then the full analysis (per-instance p99.5 / avg / max in SQL, profile and target
 * choice per instance, idle checks, owners and billed cost joins) and saving the recommendations. Printed next
 * to a baseline on the same table in the same process: a bare aggregate scan (avg and max per resource).
 *
 *   npm run build && node dist/bench/optimize-bench.js [--instances 10000] [--days 14] [--dir bench/.data]
 */
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { optimizationDefaults } from "../src/core/config/sections/optimization.js";
import { loadCatalog } from "../src/engine/optimize/load-catalog.js";
import { analyzeResources } from "../src/engine/optimize/analyze.js";
import { saveRecommendations } from "../src/engine/optimize/recommendation-store.js";
import { INVENTORY_TABLE, UTILIZATION_TABLE } from "../src/engine/optimize/tables.js";
import { DuckDbStore } from "../src/engine/store/duckdb/duckdb-store.js";
import { col, readRow } from "../src/engine/store/read-rows.js";
import { quoteString } from "../src/core/sql.js";

const { values } = parseArgs({
  options: {
    instances: { type: "string", default: "10000" },
    days: { type: "string", default: "14" },
    dir: { type: "string", default: "bench/.data" },
  },
});
const N = Number(values.instances);
const D = Number(values.days);
const dir = resolve(values.dir!);
mkdirSync(dir, { recursive: true });
const path = join(dir, "optimize-bench.duckdb");
rmSync(path, { force: true });
rmSync(`${path}.wal`, { force: true });

const ms = (t: number): string => `${(performance.now() - t).toFixed(0)} ms`;
const store = await DuckDbStore.open(path);
const end = new Date("2024-09-15T00:00:00Z");
const types = ["m5.large", "m5.xlarge", "m5.2xlarge", "m5.4xlarge", "c5.xlarge", "c5.2xlarge", "r5.xlarge", "r5.2xlarge", "t3.medium", "m6g.xlarge"];
let t = performance.now();
await store.run(`INSERT INTO ${INVENTORY_TABLE}
  SELECT 'i-' || lpad(i::VARCHAR, 8, '0'), 'ec2-instance', 'AWS', '123456789012', 'us-east-1',
         [${types.map(quoteString).join(", ")}][1 + (hash(i, 'type') % ${types.length})::INTEGER],
         'running', TIMESTAMP '2024-01-01', NULL, NULL, NULL, NULL, MAP {'team': 'team-' || (i % 40)}, now()::TIMESTAMP
  FROM range(${N}) r(i)`);
// CPU: a per-instance base level (0.2% .. 60%) with hourly noise and a daily peak; memory: per-instance level
await store.run(`INSERT INTO ${UTILIZATION_TABLE}
  SELECT 'i-' || lpad(i::VARCHAR, 8, '0'), m.metric, TIMESTAMP '${end.toISOString().slice(0, 10)}' - to_hours(h::BIGINT + 1),
    v, least(100, v * (1.2 + (hash(i, h, 'burst') % 100) / 100.0)), v * 0.5, NULL, 12, 'bench', now()::TIMESTAMP
  FROM range(${N}) r(i), range(${D * 24}) hh(h), (VALUES ('CPUUtilization'), ('mem_used_percent')) m(metric),
  LATERAL (SELECT CASE WHEN m.metric = 'CPUUtilization'
                       THEN least(100, (0.2 + (hash(i, 'lvl') % 600) / 10.0) * (0.7 + (hash(i, h) % 60) / 100.0) * CASE WHEN h % 24 = 14 THEN 1.5 ELSE 1 END)
                       ELSE 10 + (hash(i, 'mem') % 80) END AS v) x`);
const { n: rows } = (await readRow(store, { n: col.int }, `SELECT count(*)::BIGINT AS n FROM ${UTILIZATION_TABLE}`))!;
console.log(`generated ${N.toLocaleString("en-US")} instances x ${D} days: ${rows.toLocaleString("en-US")} hourly rows (CPU + memory) in ${ms(t)}`);
await store.run("CHECKPOINT");

// baseline: a bare aggregate scan of the same table
const baseline: number[] = [];
for (let k = 0; k < 3; k++) {
  t = performance.now();
  await store.all(`SELECT resource_id, avg(avg) AS a, max(max) AS m FROM ${UTILIZATION_TABLE} GROUP BY resource_id`);
  baseline.push(performance.now() - t);
}
const base = Math.min(...baseline);

const cfg = optimizationDefaults();
const catalog = loadCatalog();
const runs: { analyse: number; save: number; drafts: number }[] = [];
for (let k = 0; k < 2; k++) {
  t = performance.now();
  const a = await analyzeResources(store, { config: cfg, catalog, asOf: end });
  const analyse = performance.now() - t;
  t = performance.now();
  await saveRecommendations(store, a.drafts, ["rightsize", "idle-instance", "stopped-instance", "unattached-volume", "unused-eip"], `bench-${k}`);
  runs.push({ analyse, save: performance.now() - t, drafts: a.drafts.length });
  console.log(`run ${k + 1}: ${Object.entries(a.timingsMs).map(([n, v]) => `${n} ${v.toFixed(0)} ms`).join(", ")}`);
  const kinds: Record<string, number> = {};
  for (const v of a.verdicts) kinds[v.outcome.kind] = (kinds[v.outcome.kind] ?? 0) + 1;
  if (k === 0) console.log(`verdicts: ${JSON.stringify(kinds)}`);
}
const best = runs.reduce((x, y) => (x.analyse + x.save <= y.analyse + y.save ? x : y));
console.log(`baseline: bare aggregate scan (avg, max per resource)   ${base.toFixed(0)} ms`);
console.log(`analysis (summaries in SQL, profiles, targets, idle)    ${best.analyse.toFixed(0)} ms  (${(best.analyse / base).toFixed(1)}x baseline)`);
console.log(`save ${best.drafts.toLocaleString("en-US")} recommendations (upsert + history)       ${best.save.toFixed(0)} ms`);
console.log(`total                                                  ${(best.analyse + best.save).toFixed(0)} ms  (target <= 10,000 ms for 10,000 instances x 14 days)`);
await store.close();
