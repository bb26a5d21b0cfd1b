/**
 * The two backends side by side on the same generated CUR: ingest time and a fixed query suite, DuckDB
 * (embedded, the default) next to a two-shard ClickHouse cluster of local server processes (started here).
 * Results of every query must be identical on both; the bench fails loudly if they are not.
 *
 *   npm run build && node dist/bench/clickhouse-bench.js [--rows 1000000] [--shards 2] [--dir bench/.data]
 *
 * On this 2-core machine both ClickHouse shards share the cores with each other and with DuckDB's export:
 * the figures show the cost of the path, not the speed-up of real separate nodes (see docs/clickhouse.md).
 */
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parseQueryArgs, type QueryArgs } from "../src/core/query/cost-query.js";
import { ingestFiles } from "../src/engine/ingest/ingest.js";
import { queryOrThrow, runCostQuery } from "../src/engine/query/run-query.js";
import { ClickHouseStore } from "../src/engine/store/clickhouse/clickhouse-store.js";
import { ingestToClickHouse } from "../src/engine/store/clickhouse/ingest.js";
import { startLocalCluster } from "../src/engine/store/clickhouse/local-cluster.js";
import type { CostStore } from "../src/engine/store/cost-store.js";
import { DuckDbStore } from "../src/engine/store/duckdb-store.js";
import { generateBenchData } from "./generate-cur.js";

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    shards: { type: "string", default: "2" },
    dir: { type: "string", default: "bench/.data" },
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

async function suite(store: CostStore): Promise<{ name: string; seconds: number; result: string }[]> {
  const out = [];
  for (const s of SUITE) {
    const q = queryOrThrow(parseQueryArgs(s.q));
    await runCostQuery(store, q); // warm
    const [r, seconds] = await timeIt(() => runCostQuery(store, q));
    out.push({ name: s.name, seconds, result: JSON.stringify({ rows: r.rows, totals: r.totals }) });
  }
  return out;
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
  rmSync(duckPath, { force: true });
  rmSync(`${duckPath}.wal`, { force: true });
  const duck = await DuckDbStore.open(duckPath, { threads: 2 });
  const [dRes, dIngest] = await timeIt(() => ingestFiles(duck, [csv]));
  const dSuite = await suite(duck);

  const chDir = join(dir, "ch-cluster");
  rmSync(chDir, { recursive: true, force: true });
  const cluster = await startLocalCluster(chDir, Number(args.shards));
  try {
    const ch = await ClickHouseStore.open({ urls: cluster.urls, cluster: cluster.cluster, database: "bench" });
    const [cRes, cIngest] = await timeIt(() => ingestToClickHouse(ch, [csv]));
    const cSuite = await suite(ch);
    await ch.close();

    if (cRes.loadedTotal !== dRes.loadedTotal) throw new Error(`totals differ: ClickHouse ${cRes.loadedTotal} vs DuckDB ${dRes.loadedTotal}`);
    const pad = (s: string, n: number) => s.padEnd(n);
    console.log(`\n${pad("", 30)}${pad("DuckDB", 12)}${pad(`ClickHouse ×${args.shards}`, 16)}ratio (CH/DuckDB)`);
    console.log(`${pad("ingest", 30)}${pad(`${dIngest.toFixed(2)} s`, 12)}${pad(`${cIngest.toFixed(2)} s`, 16)}${(cIngest / dIngest).toFixed(2)}×`);
    console.log(
      `${pad("  of which export/stage/swap", 30)}${pad("", 12)}${pad(
        `${((cRes.timings["exportMs"] ?? 0) / 1000).toFixed(1)}/${((cRes.timings["stageMs"] ?? 0) / 1000).toFixed(1)}/${((cRes.timings["swapMs"] ?? 0) / 1000).toFixed(2)} s`,
        16,
      )}`,
    );
    for (let i = 0; i < SUITE.length; i++) {
      const d = dSuite[i]!;
      const c = cSuite[i]!;
      if (d.result !== c.result) throw new Error(`query "${d.name}" differs between backends`);
      console.log(`${pad(`query: ${d.name}`, 30)}${pad(`${(d.seconds * 1000).toFixed(0)} ms`, 12)}${pad(`${(c.seconds * 1000).toFixed(0)} ms`, 16)}${(c.seconds / d.seconds).toFixed(2)}×`);
    }
    console.log(`\nall ${SUITE.length} queries returned identical results on both backends; loaded BilledCost ${dRes.loadedTotal}`);
  } finally {
    await duck.close();
    await cluster.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
