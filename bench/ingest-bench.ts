/**
 * `npm run bench`: costwise ingest end to end versus DuckDB's own bare load of the same file, in the
 * same run, on the same data. Each phase runs in its own child process so its peak RSS is its own.
 *
 *   node dist/bench/ingest-bench.js [--rows 10000000] [--memory-limit 4GB] [--threads 2] [--dir bench/.data]
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ingestFiles } from "../src/engine/ingest/ingest.js";
import { quoteString } from "../src/core/sql.js";
import { DuckDbStore } from "../src/engine/store/duckdb/duckdb-store.js";
import { parseQueryArgs } from "../src/core/query/cost-query.js";
import { queryOrThrow, runCostQuery } from "../src/engine/query/run-query.js";
import { BENCH_COLUMNS, generateBenchData } from "./generate-cur.js";

const PHASES = ["bare-csv", "ingest-csv", "reingest-csv", "query", "bare-parquet", "ingest-parquet", "lowmem-csv"] as const;
type Phase = (typeof PHASES)[number];

interface PhaseResult {
  phase: Phase;
  seconds: number;
  maxRssMb: number;
  rows?: number;
  note?: string;
}

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "10000000" },
    "memory-limit": { type: "string", default: "4GB" },
    "lowmem-limit": { type: "string", default: "1GB" },
    threads: { type: "string", default: "2" },
    dir: { type: "string", default: "bench/.data" },
    phase: { type: "string" },
    db: { type: "string" },
    file: { type: "string" },
  },
});


async function runPhase(phase: Phase, db: string, file: string): Promise<PhaseResult> {
  const memoryLimit = phase === "lowmem-csv" ? args["lowmem-limit"]! : args["memory-limit"]!;
  const store = await DuckDbStore.open(db, { memoryLimit, threads: Number(args.threads) });
  try {
    const t0 = performance.now();
    let rows: number | undefined;
    let note: string | undefined;
    switch (phase) {
      case "bare-csv": {
        const cols = BENCH_COLUMNS.map(([c, t]) => `${quoteString(c)}: ${quoteString(t)}`).join(", ");
        await store.run(`CREATE TABLE bare AS SELECT * FROM read_csv(${quoteString(file)}, header = true, auto_detect = false, delim = ',', quote = '"', columns = {${cols}})`);
        break;
      }
      case "bare-parquet":
        await store.run(`CREATE TABLE bare AS SELECT * FROM read_parquet(${quoteString(file)})`);
        break;
      case "ingest-csv":
      case "reingest-csv":
      case "ingest-parquet":
      case "lowmem-csv": {
        const r = await ingestFiles(store, [file]);
        rows = r.rowsLoaded;
        const steps = Object.entries(r.timings).filter(([, s]) => s >= 0.05).map(([k, s]) => `${k} ${s.toFixed(1)}`).join(", ");
        note = `${r.rowsReplaced} rows replaced; billed ${r.loadedTotal} = source ${r.sourceTotal}; steps (s): ${steps}`;
        break;
      }
      case "query": {
        const q = queryOrThrow(parseQueryArgs({ groupBy: ["ServiceName,tag:team"], granularity: "day", limit: "1000000" }));
        const first = performance.now();
        const r = await runCostQuery(store, q);
        const cold = (performance.now() - first) / 1000;
        const t1 = performance.now();
        await runCostQuery(store, q);
        const warm = (performance.now() - t1) / 1000;
        rows = r.rows.length;
        note = `daily by ServiceName, tag:team: ${r.rows.length} groups; first run ${cold.toFixed(3)} s, second ${warm.toFixed(3)} s`;
        return { phase, seconds: warm, maxRssMb: process.resourceUsage().maxRSS / 1024, rows, note };
      }
    }
    return { phase, seconds: (performance.now() - t0) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024, ...(rows !== undefined ? { rows } : {}), ...(note ? { note } : {}) };
  } finally {
    await store.close();
  }
}

function child(phase: Phase, db: string, file: string): PhaseResult {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, [self, "--phase", phase, "--db", db, "--file", file, "--memory-limit", args["memory-limit"]!, "--lowmem-limit", args["lowmem-limit"]!, "--threads", args.threads!], {
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`phase ${phase} failed:\n${r.stderr}\n${r.stdout}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as PhaseResult;
}

async function main(): Promise<void> {
  if (args.phase) {
    const out = await runPhase(args.phase as Phase, args.db!, args.file!);
    process.stdout.write(JSON.stringify(out) + "\n");
    return;
  }
  const rows = Number(args.rows);
  const dir = resolve(args.dir!);
  mkdirSync(dir, { recursive: true });
  console.log(`costwise ingest benchmark: ${rows.toLocaleString("en")} rows, DuckDB memory_limit ${args["memory-limit"]}, ${args.threads} threads`);
  const gen = await DuckDbStore.open(":memory:", { memoryLimit: args["memory-limit"]!, threads: Number(args.threads) });
  const t0 = performance.now();
  const { csv, parquet } = await generateBenchData(gen, dir, rows);
  await gen.close();
  const mb = (p: string) => (statSync(p).size / 1e6).toFixed(0);
  console.log(`data: ${csv} (${mb(csv)} MB), ${parquet} (${mb(parquet)} MB), ready in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

  const db = (name: string) => {
    const p = join(dir, `${name}.duckdb`);
    rmSync(p, { force: true });
    rmSync(`${p}.wal`, { force: true });
    return p;
  };
  const results: PhaseResult[] = [];
  const run = (phase: Phase, dbPath: string, file: string) => {
    const r = child(phase, dbPath, file);
    results.push(r);
    console.log(`${phase.padEnd(15)} ${r.seconds.toFixed(2).padStart(8)} s  ${(rows / r.seconds / 1e6).toFixed(2).padStart(6)} M rows/s  peak RSS ${r.maxRssMb.toFixed(0).padStart(5)} MB${r.note ? `  (${r.note})` : ""}`);
    return r;
  };
  const bareCsv = run("bare-csv", db("bare-csv"), csv);
  const oursDb = db("ingest-csv");
  const ingestCsv = run("ingest-csv", oursDb, csv);
  const reingest = run("reingest-csv", oursDb, csv);
  const query = run("query", oursDb, csv);
  const bareParquet = run("bare-parquet", db("bare-parquet"), parquet);
  const ingestParquet = run("ingest-parquet", db("ingest-parquet"), parquet);
  const lowmem = run("lowmem-csv", db("lowmem"), csv);

  const ratio = (a: PhaseResult, b: PhaseResult) => (a.seconds / b.seconds).toFixed(2);
  console.log(`
ratios (lower is better; targets in brackets)
  CSV ingest / bare read_csv CTAS          ${ratio(ingestCsv, bareCsv)}x  [<= 1.5x, aim 1.3x]
  Parquet ingest / bare read_parquet CTAS  ${ratio(ingestParquet, bareParquet)}x  [<= 1.3x]
  re-ingest of a loaded month / fresh load ${ratio(reingest, ingestCsv)}x  [<= 1.1x]
  daily group-by ServiceName, tag:team     ${query.seconds.toFixed(3)} s  [<= 1 s]
  load with memory_limit ${args["lowmem-limit"]} (file ${mb(csv)} MB)  ${lowmem.seconds.toFixed(2)} s, peak RSS ${lowmem.maxRssMb.toFixed(0)} MB`);
  for (const name of ["bare-csv", "ingest-csv", "bare-parquet", "ingest-parquet", "lowmem"]) db(name);
}

await main();
