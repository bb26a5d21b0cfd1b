/**
 * OpenCost and business-metrics ingest versus DuckDB's own bare reads of the same files, in the same run.
 *
 *   npm run build && node dist/bench/opencost-bench.js [--allocations 20000] [--sets 7] [--metric-rows 1000000] [--dir bench/.data]
 *
 * OpenCost: a generated /allocation response (sets × allocations, pod/container aggregate with labels and idle).
 *   baseline  DuckDB reads the response and unnests the allocations with their totalCost into a table
 *   ingest    costwise's ingest into a fresh store (flatten, map to FOCUS, replace, book, check totals)
 *   reingest  the same response again (replaces every window)
 * Metrics: a generated CSV (metric, date, value, service, environment, region).
 *   baseline  DuckDB read_csv CTAS with explicit types
 *   ingest    costwise metrics ingest into a fresh store (checks, replacement, insert)
 */
import { closeSync, mkdirSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ingestOpenCostFile } from "../src/engine/connectors/opencost.js";
import { ingestMetrics } from "../src/engine/metrics/ingest.js";
import { quoteString } from "../src/core/sql.js";
import { DuckDbStore } from "../src/engine/store/duckdb/duckdb-store.js";

const { values: args } = parseArgs({
  options: {
    allocations: { type: "string", default: "20000" },
    sets: { type: "string", default: "7" },
    "metric-rows": { type: "string", default: "1000000" },
    dir: { type: "string", default: "bench/.data" },
  },
});

const dir = resolve(args.dir);
mkdirSync(dir, { recursive: true });
const perSet = Number(args.allocations);
const sets = Number(args.sets);
const metricRows = Number(args["metric-rows"]);

/** Deterministic pseudo-random in [0,1). */
function rnd(i: number, salt: number): number {
  const x = Math.sin(i * 12.9898 + salt * 78.233) * 43758.5453;
  return x - Math.floor(x);
}
const six = (n: number) => n.toFixed(6);

function generateOpenCost(path: string): void {
  const fd = openSync(path, "w");
  let buf = '{"code":200,"status":"success","data":[';
  const flush = (force = false) => {
    if (force || buf.length > 1 << 20) {
      writeSync(fd, buf);
      buf = "";
    }
  };
  for (let s = 0; s < sets; s++) {
    const start = new Date(Date.UTC(2024, 5, 1 + s)).toISOString().slice(0, 19) + "Z";
    const end = new Date(Date.UTC(2024, 5, 2 + s)).toISOString().slice(0, 19) + "Z";
    buf += s ? ",{" : "{";
    for (let a = 0; a < perSet; a++) {
      const idle = a === perSet - 1;
      const ns = `ns-${a % 40}`;
      const pod = `app-${a % 900}-${(a * 7919) % 100000}`;
      const node = `node-${a % 60}`;
      const name = idle ? "bench/__idle__" : `bench/${node}/${ns}/${pod}/c${a % 3}`;
      const cpu = rnd(a, s) * 2;
      const ram = rnd(a, s + 100) * 0.5;
      const pv = a % 5 === 0 ? rnd(a, s + 200) * 0.1 : 0;
      const net = a % 7 === 0 ? rnd(a, s + 300) * 0.05 : 0;
      const total = Number(six(cpu)) + Number(six(ram)) + Number(six(pv)) + Number(six(net));
      const props = idle
        ? `{"cluster":"bench"}`
        : `{"cluster":"bench","node":"${node}","namespace":"${ns}","controllerKind":"deployment","controller":"app-${a % 900}","pod":"${pod}","container":"c${a % 3}","labels":{"app":"app-${a % 900}","team":"team-${a % 12}","env":"prod"}}`;
      buf += `${a ? "," : ""}"${name}":{"name":"${name}","properties":${props},"window":{"start":"${start}","end":"${end}"},"start":"${start}","end":"${end}","minutes":1440.000000,` +
        `"cpuCoreHours":${six(cpu * 12)},"cpuCost":${six(cpu)},"cpuCostAdjustment":0.000000,"gpuHours":0.000000,"gpuCost":0.000000,"gpuCostAdjustment":0.000000,` +
        `"networkTransferBytes":${Math.round(net * 1e10)},"networkCost":${six(net)},"networkCostAdjustment":0.000000,"loadBalancerCost":0.000000,"loadBalancerCostAdjustment":0.000000,` +
        `"pvByteHours":${Math.round(pv * 1e13)},"pvCost":${six(pv)},"pvCostAdjustment":0.000000,"pvs":null,"ramByteHours":${Math.round(ram * 1e12)},"ramCost":${six(ram)},"ramCostAdjustment":0.000000,` +
        `"sharedCost":0.000000,"externalCost":0.000000,"totalCost":${six(total)},"totalEfficiency":0.5,"rawAllocationOnly":null}`;
      flush();
    }
    buf += "}";
  }
  buf += "]}\n";
  flush(true);
  closeSync(fd);
}

function generateMetrics(path: string): void {
  const fd = openSync(path, "w");
  let buf = "metric,date,value,service,environment,region\n";
  for (let i = 0; i < metricRows; i++) {
    const day = new Date(Date.UTC(2020, 0, 1) + Math.floor(i / 400) * 86_400_000).toISOString().slice(0, 10);
    // 400 distinct (metric, service, environment, region) per day
    const k = i % 400;
    buf += `m${k % 4},${day},${(rnd(i, 1) * 10000).toFixed(4)},svc-${Math.floor(k / 4) % 10},${Math.floor(k / 40) % 2 ? "prod" : "staging"},r${Math.floor(k / 80)}\n`;
    if (buf.length > 1 << 20) {
      writeSync(fd, buf);
      buf = "";
    }
  }
  writeSync(fd, buf);
  closeSync(fd);
}

async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { seconds: (performance.now() - t0) / 1000, value };
}

async function freshStore(name: string): Promise<DuckDbStore> {
  const p = join(dir, name);
  rmSync(p, { force: true });
  rmSync(`${p}.wal`, { force: true });
  return DuckDbStore.open(p);
}

const ocFile = join(dir, `opencost-${sets}x${perSet}.json`);
const mFile = join(dir, `metrics-${metricRows}.csv`);
let t = await timed(async () => generateOpenCost(ocFile));
console.log(`generated ${ocFile}: ${sets} sets × ${perSet} allocations, ${(statSync(ocFile).size / 1e6).toFixed(1)} MB in ${t.seconds.toFixed(1)} s`);
t = await timed(async () => generateMetrics(mFile));
console.log(`generated ${mFile}: ${metricRows} rows, ${(statSync(mFile).size / 1e6).toFixed(1)} MB in ${t.seconds.toFixed(1)} s`);

const report = (name: string, s: number, base: number, note = "") =>
  console.log(`${name.padEnd(48)} ${s.toFixed(2).padStart(8)} s  ${(s / base).toFixed(2).padStart(6)}×  ${note}`);
const bareStore = await freshStore("opencost-bare.duckdb");
const size = statSync(ocFile).size + 1024;
const bare = await timed(() =>
  bareStore.run(`CREATE TABLE allocs AS
    WITH d AS (SELECT json AS j FROM read_json_objects(${quoteString(ocFile)}, format = 'unstructured', maximum_object_size = ${size})),
    s AS (SELECT json_extract(j, '$.data[' || i || ']') AS sj FROM d, range(json_array_length(j, '$.data')::BIGINT) t(i)),
    e AS (SELECT unnest(map_entries(CAST(sj AS MAP(VARCHAR, JSON)))) AS kv FROM s)
    SELECT kv.key AS key, CAST(json_extract_string(kv.value, '$.totalCost') AS DECIMAL(38,10)) AS total FROM e`),
);
await bareStore.close();
report("opencost: bare DuckDB read + unnest (baseline)", bare.seconds, bare.seconds);
const ocStore = await freshStore("opencost-ingest.duckdb");
const ing = await timed(() => ingestOpenCostFile(ocStore, ocFile));
report("opencost: costwise ingest", ing.seconds, bare.seconds, `${ing.value.allocations} allocations → ${ing.value.rows} FOCUS rows, ${ing.value.loadedTotal} = ${ing.value.sourceTotal}`);
const re = await timed(() => ingestOpenCostFile(ocStore, ocFile));
report("opencost: re-ingest (replaces every window)", re.seconds, bare.seconds, `${re.value.rowsReplaced} rows replaced`);
await ocStore.close();

const mBare = await freshStore("metrics-bare.duckdb");
const mb = await timed(() =>
  mBare.run(`CREATE TABLE m AS SELECT * FROM read_csv(${quoteString(mFile)}, header = true, auto_detect = false, columns = {'metric': 'VARCHAR', 'date': 'DATE', 'value': 'DECIMAL(38,10)', 'service': 'VARCHAR', 'environment': 'VARCHAR', 'region': 'VARCHAR'})`),
);
await mBare.close();
report("metrics: bare read_csv CTAS (baseline)", mb.seconds, mb.seconds);
const mStore = await freshStore("metrics-ingest.duckdb");
const mi = await timed(() => ingestMetrics(mStore, [mFile]));
report("metrics: costwise metrics ingest", mi.seconds, mb.seconds, `${mi.value.rows} rows`);
const mr = await timed(() => ingestMetrics(mStore, [mFile]));
report("metrics: re-ingest (replaces every value)", mr.seconds, mb.seconds, `${mr.value.replaced} replaced`);
await mStore.close();
