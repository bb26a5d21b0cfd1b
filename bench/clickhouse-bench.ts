/**
 * The two backends side by side on the same generated CUR: ingest time and a fixed query suite, DuckDB
 * (embedded, the default) next to a two-shard ClickHouse cluster of local server processes (started here).
 * ClickHouse queries run twice: as `costwise query` runs them (from the rollup tables when one answers the
 * query, see src/engine/store/clickhouse/rollup.ts) and forced onto the line items. Results of every query must
 * be identical on both backends and both ClickHouse paths; the bench fails loudly if they are not.
 *
 *   npm run bench -- clickhouse --- --rows 10000000
 *   npm run build && node dist/bench/clickhouse-bench.js [--rows 1000000] [--shards 2] [--dir bench/.data] [--memory-limit 6GB]
 *
 * Data: the generated CUR under bench/.data (reused when present). At 10M rows the run needs ~3.7 GB for the CSV,
 * ~1 GB per store and ~15 GB of temporary NDJSON under the OS temp folder during the ClickHouse ingest.
 *
 * On this 2-core machine both ClickHouse shards share the cores with each other and with DuckDB's export:
 * the figures show the cost of the path, not the speed-up of real separate nodes (see docs/clickhouse.md).
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parseQueryArgs, type QueryArgs } from "../src/core/query/cost-query.js";
import { ingestFiles } from "../src/engine/ingest/ingest.js";
import { queryOrThrow, runCostQuery } from "../src/engine/query/run-query.js";
import { ClickHouseStore } from "../src/engine/store/clickhouse/clickhouse-store.js";
import { ingestToClickHouse } from "../src/engine/ingest/sinks/clickhouse.js";
import { syncReplica } from "../src/engine/store/clickhouse/analysis-replica.js";
import { rollupTables } from "../src/engine/store/clickhouse/rollup.js";
import type { CompileOptions } from "../src/core/query/compile.js";
import { COST_TABLE } from "../src/engine/store/schema.js";
import { startLocalCluster } from "../src/engine/store/clickhouse/local-cluster.js";
import type { CostStore } from "../src/engine/store/cost-store.js";
import { DuckDbStore } from "../src/engine/store/duckdb/duckdb-store.js";
import { generateBenchData } from "./generate-cur.js";

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    shards: { type: "string", default: "2" },
    dir: { type: "string", default: "bench/.data" },
    "memory-limit": { type: "string", default: "6GB" },
    /** Reuse the DuckDB store an earlier run of this bench left (same rows); its ingest time is the recorded run's. */
    "reuse-duckdb": { type: "boolean", default: false },
  },
});

const SUITE: { name: string; q: QueryArgs }[] = [
  { name: "total", q: { metric: "BilledCost" } },
  { name: "by service, month", q: { metric: "BilledCost", groupBy: ["ServiceName"], granularity: "month" } },
  { name: "by account, day", q: { metric: "EffectiveCost", groupBy: ["SubAccountId"], granularity: "day" } },
  { name: "by tag, day", q: { metric: "BilledCost", groupBy: ["tag:team"], granularity: "day" } },
  { name: "filtered top 10 resources", q: { metric: "BilledCost", groupBy: ["ResourceId"], filter: ["ServiceName~%EC2%"], limit: "10" } },
  { name: "region x category", q: { metric: "ListCost", groupBy: ["RegionId", "ServiceCategory"] } },
];

async function timeIt<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const out = await fn();
  return [out, (performance.now() - t0) / 1000];
}

interface Timed {
  name: string;
  seconds: number;
  result: string;
  /** The table that answered (ClickHouse: a rollup or the line items). */
  table: string;
}

/** Each query warmed once, then timed as the median of `repeat` runs. `options` forces a table. */
async function suite(store: CostStore, options: CompileOptions = {}, repeat = 3): Promise<Timed[]> {
  const out: Timed[] = [];
  for (const s of SUITE) {
    const q = queryOrThrow(parseQueryArgs(s.q));
    const r = await runCostQuery(store, q, options); // warm
    const times: number[] = [];
    for (let i = 0; i < repeat; i++) times.push((await timeIt(() => runCostQuery(store, q, options)))[1]);
    times.sort((a, b) => a - b);
    const table = options.table ?? store.costQueryTable?.(q)?.table ?? COST_TABLE;
    out.push({ name: s.name, seconds: times[Math.floor(times.length / 2)]!, result: JSON.stringify({ rows: r.rows, totals: r.totals }), table });
  }
  return out;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function main(): Promise<void> {
  const rows = Number(args.rows);
  const dir = resolve(args.dir!);
  mkdirSync(dir, { recursive: true });
  const gen = await DuckDbStore.open(":memory:");
  const { csv } = await generateBenchData(gen, dir, rows);
  await gen.close();
  console.log(`ClickHouse vs DuckDB on ${rows.toLocaleString("en")} CUR rows (${csv})`);

  const duckPath = join(dir, `ch-bench-duck-${rows}.duckdb`);
  const reuse = args["reuse-duckdb"] === true && existsSync(duckPath);
  if (!reuse) {
    rmSync(duckPath, { force: true });
    rmSync(`${duckPath}.wal`, { force: true });
  }
  const memoryLimit = args["memory-limit"]!;
  const duck = await DuckDbStore.open(duckPath, { threads: 2, memoryLimit });
  let dRes: { loadedTotal: string };
  let dIngest: number;
  let dCpu = Number.NaN;
  if (reuse) {
    const run = await duck.all(`SELECT loaded_total::VARCHAR AS t, strftime(started_at, '%Y-%m-%d %H:%M') AS at, (SELECT count(*) FROM ingest_runs)::INTEGER AS runs FROM ingest_runs`);
    if (run.length !== 1 || Number(run[0]!["runs"]) !== 1) throw new Error(`--reuse-duckdb: ${duckPath} does not hold exactly one ingest run`);
    dRes = { loadedTotal: String(run[0]!["t"]) };
    dIngest = Number.NaN; // the store does not record how long its ingest took
    console.log(`DuckDB store reused from an earlier run (ingest started ${String(run[0]!["at"])} UTC): DuckDB ingest not measured`);
  } else {
    const c0 = cpuSeconds();
    [dRes, dIngest] = await timeIt(() => ingestFiles(duck, [csv]));
    dCpu = cpuSeconds() - c0;
  }
  const dSuite = await suite(duck);
  await duck.close(); // its memory back before the ClickHouse side maps the same file

  const chDir = join(dir, "ch-cluster");
  rmSync(chDir, { recursive: true, force: true });
  const cluster = await startLocalCluster(chDir, Number(args.shards));
  try {
    const ch = await ClickHouseStore.open({ urls: cluster.urls, cluster: cluster.cluster, database: "bench" });
    const c1 = cpuSeconds();
    const [cRes, cIngest] = await timeIt(() => ingestToClickHouse(ch, [csv], {}, { threads: 2, memoryLimit }));
    const cCpu = cpuSeconds() - c1;
    const cSuite = await suite(ch);
    // the analysis replica: every partition copied into a fresh DuckDB file, then a sync with nothing to do
    const replicaPath = join(dir, `ch-bench-replica-${rows}.duckdb`);
    rmSync(replicaPath, { force: true });
    rmSync(`${replicaPath}.wal`, { force: true });
    const replica = await DuckDbStore.open(replicaPath, { threads: 2, memoryLimit });
    const [rSync, rSeconds] = await timeIt(() => syncReplica(ch, replica));
    const [, rNoop] = await timeIt(() => syncReplica(ch, replica));
    const rTotal = String((await replica.all(`SELECT CAST(sum("BilledCost") AS VARCHAR) AS b FROM focus_costs`))[0]?.["b"]);
    await replica.close();
    rmSync(replicaPath, { force: true });
    const rawSuite = await suite(ch, { table: COST_TABLE });
    const size = async (t: string) => Number((await ch.all(`SELECT count() AS n FROM "${t}"`))[0]?.["n"] ?? 0);
    const sizes = { raw: await size(COST_TABLE), daily: await size(rollupTables("daily").table), monthly: await size(rollupTables("monthly").table) };
    let chBytes = 0;
    for (let i = 0; i < ch.shards.length; i++) {
      chBytes += Number((await ch.allOn(i, `SELECT sum(bytes) AS b FROM system.parts WHERE active AND database = currentDatabase()`))[0]?.["b"] ?? 0);
    }
    await ch.close();

    if (cRes.loadedTotal !== dRes.loadedTotal) throw new Error(`totals differ: ClickHouse ${cRes.loadedTotal} vs DuckDB ${dRes.loadedTotal}`);
    const pad = (s: string, n: number) => s.padEnd(n);
    const sec = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(1)}`;
    console.log(`\n${pad("", 30)}${pad("DuckDB", 12)}${pad(`ClickHouse ×${args.shards}`, 16)}${pad("CH/DuckDB", 11)}${pad("CH line items", 15)}${pad("CH/DuckDB", 11)}CH table used`);
    console.log(`${pad("ingest", 30)}${pad(Number.isNaN(dIngest) ? "n/a" : `${dIngest.toFixed(1)} s`, 12)}${pad(`${cIngest.toFixed(1)} s`, 16)}${Number.isNaN(dIngest) ? "" : `${(cIngest / dIngest).toFixed(2)}×`}`);
    console.log(`${pad("  costwise process CPU", 30)}${pad(Number.isNaN(dCpu) ? "n/a" : `${dCpu.toFixed(1)} s`, 12)}${pad(`${cCpu.toFixed(1)} s`, 16)}(ClickHouse servers' CPU not included)`);
    const t = cRes.timings;
    console.log(`${pad("  CH: map/export/stage/rollup/swap", 30)}${pad("", 12)}${sec((t["exportMs"] === undefined ? 0 : cIngest * 1000 - (t["exportMs"] ?? 0) - (t["stageMs"] ?? 0) - (t["rollupMs"] ?? 0) - (t["swapMs"] ?? 0)))}/${sec(t["exportMs"])}/${sec(t["stageMs"])}/${sec(t["rollupMs"])}/${((t["swapMs"] ?? 0) / 1000).toFixed(2)} s`);
    if (rTotal !== dRes.loadedTotal) throw new Error(`analysis replica BilledCost ${rTotal} differs from the loaded ${dRes.loadedTotal}`);
    console.log(
      `${pad("analysis replica: full copy", 30)}${pad("", 12)}${pad(`${rSeconds.toFixed(1)} s`, 16)}${Number.isNaN(dIngest) ? "" : `${(rSeconds / dIngest).toFixed(2)}× DuckDB's ingest`} (${rSync.rows.toLocaleString("en")} rows, ${rSync.copied} partition(s): export ${(rSync.exportSeconds ?? 0).toFixed(1)} s, load ${(rSync.loadSeconds ?? 0).toFixed(1)} s; BilledCost equal)`,
    );
    console.log(`${pad("analysis replica: no change", 30)}${pad("", 12)}${pad(`${(rNoop * 1000).toFixed(0)} ms`, 16)}(fingerprints only)`);
    for (let i = 0; i < SUITE.length; i++) {
      const d = dSuite[i]!;
      const c = cSuite[i]!;
      const r = rawSuite[i]!;
      if (d.result !== c.result) throw new Error(`query "${d.name}" differs between backends`);
      if (r.result !== c.result) throw new Error(`query "${d.name}" differs between the ClickHouse rollup and the line items`);
      const ms = (x: number) => `${(x * 1000).toFixed(0)} ms`;
      console.log(
        `${pad(`query: ${d.name}`, 30)}${pad(ms(d.seconds), 12)}${pad(ms(c.seconds), 16)}${pad(`${(c.seconds / d.seconds).toFixed(2)}×`, 11)}${pad(ms(r.seconds), 15)}${pad(`${(r.seconds / d.seconds).toFixed(2)}×`, 11)}${c.table}`,
      );
    }
    console.log(`\nClickHouse rows: ${sizes.raw.toLocaleString("en")} line items, daily rollup ${sizes.daily.toLocaleString("en")}, monthly rollup ${sizes.monthly.toLocaleString("en")}; on disk ${(chBytes / 1e9).toFixed(2)} GB (all shards' tables)`);
    console.log(`all ${SUITE.length} queries returned identical results on both backends (and from ClickHouse's rollups and line items alike); loaded BilledCost ${dRes.loadedTotal}`);
  } finally {
    await cluster.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
