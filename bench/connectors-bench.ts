/**
 * Cost Explorer landing path at scale: saved GetCostAndUsage pages (NDJSON) → staged CSV (DuckDB) → aws-ce
 * mapping → store, versus DuckDB's own bare read of the same pages (unnest days × groups and sum the cost),
 * in the same process on the same data. Data goes to bench/.data (gitignored).
 *
 *   npm run build && node dist/bench/connectors-bench.js [--days 400] [--groups 500] [--page 5000]
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { stageCostExplorerPages } from "../src/engine/connectors/aws-cost-explorer.js";
import { ingestFiles } from "../src/engine/ingest/ingest.js";
import { quoteString } from "../src/core/sql.js";
import { DuckDbStore } from "../src/engine/store/duckdb/duckdb-store.js";
import { col, readRow } from "../src/engine/store/read-rows.js";

const { values: args } = parseArgs({
  options: {
    days: { type: "string", default: "400" },
    groups: { type: "string", default: "500" },
    page: { type: "string", default: "5000" },
    dir: { type: "string", default: "bench/.data" },
  },
});
const days = Number(args.days);
const groups = Number(args.groups);
const perPage = Number(args.page);
const dir = resolve(args.dir!, "connectors");
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

// deterministic pages: days × groups (SERVICE × LINKED_ACCOUNT), cut into pages of `perPage` groups
const pagesFile = join(dir, "pages.ndjson");
const lines: string[] = [];
let page: { TimePeriod: { Start: string; End: string }; Estimated: boolean; Total: object; Groups: unknown[] }[] = [];
let inPage = 0;
const day0 = Date.UTC(2023, 0, 1);
for (let d = 0; d < days; d++) {
  const start = new Date(day0 + d * 86_400_000).toISOString().slice(0, 10);
  const end = new Date(day0 + (d + 1) * 86_400_000).toISOString().slice(0, 10);
  let current = { TimePeriod: { Start: start, End: end }, Estimated: false, Total: {}, Groups: [] as unknown[] };
  page.push(current);
  for (let g = 0; g < groups; g++) {
    const cents = ((d * 7919 + g * 104729) % 100000) / 100;
    current.Groups.push({
      Keys: [`Service ${g % 60}`, String(100000000000 + (g % 40))],
      Metrics: { UnblendedCost: { Amount: `${cents}`, Unit: "USD" }, AmortizedCost: { Amount: `${cents}`, Unit: "USD" }, UsageQuantity: { Amount: `${g}`, Unit: "N/A" } },
    });
    if (++inPage === perPage) {
      lines.push(JSON.stringify({ ResultsByTime: page }));
      page = [];
      inPage = 0;
      current = { TimePeriod: { Start: start, End: end }, Estimated: false, Total: {}, Groups: [] };
      page.push(current);
    }
  }
}
if (inPage > 0) lines.push(JSON.stringify({ ResultsByTime: page }));
writeFileSync(pagesFile, lines.join("\n") + "\n");
const mb = statSync(pagesFile).size / 1e6;

const store = await DuckDbStore.open(join(dir, "bench.duckdb"), { threads: 2 });
try {
  let t0 = performance.now();
  // DuckDB's own typed JSON reader over the same pages: unnest days and groups, sum the cost
  const M = "MAP(VARCHAR, STRUCT(Amount VARCHAR, Unit VARCHAR))";
  const bare = (await readRow(store, { n: col.int, t: col.money.nullable() }, `SELECT count(*)::BIGINT AS n, sum(g.Metrics['UnblendedCost'].Amount::DECIMAL(38,10))::VARCHAR AS t
    FROM (SELECT unnest(d.Groups) AS g FROM (SELECT unnest(ResultsByTime) AS d
      FROM read_json(${quoteString(pagesFile)}, format = 'newline_delimited', maximum_object_size = 1073741824,
        columns = {ResultsByTime: 'STRUCT(TimePeriod STRUCT(Start VARCHAR, "End" VARCHAR), Estimated BOOLEAN, Groups STRUCT(Keys VARCHAR[], Metrics ${M})[], Total ${M})[]'})))`))!;
  const bareS = (performance.now() - t0) / 1000;

  t0 = performance.now();
  const csv = join(dir, "ce.csv");
  const staged = await stageCostExplorerPages(store, pagesFile, csv, [{ Type: "DIMENSION", Key: "SERVICE" }, { Type: "DIMENSION", Key: "LINKED_ACCOUNT" }], "999999999999");
  const stageS = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const r = await ingestFiles(store, [csv], { format: "aws-ce" });
  const ingestS = (performance.now() - t0) / 1000;

  const n = bare.n;
  if (staged !== n || r.rowsLoaded !== n) throw new Error(`row counts differ: bare ${n}, staged ${staged}, loaded ${r.rowsLoaded}`);
  if (r.loadedTotal.replace(/0+$/, "") !== String(bare.t).replace(/0+$/, "")) throw new Error(`totals differ: bare ${bare.t}, loaded ${r.loadedTotal}`);
  const total = stageS + ingestS;
  console.log(`Cost Explorer pages: ${days} days × ${groups} groups = ${n} rows in ${lines.length} pages (${mb.toFixed(1)} MB NDJSON)`);
  console.log(`  bare DuckDB typed JSON read + sum ${bareS.toFixed(2)} s   1.00×`);
  console.log(`  stage to CSV (connector SQL)      ${stageS.toFixed(2)} s   ${(stageS / bareS).toFixed(2)}×`);
  console.log(`  ingest (aws-ce mapping, checks)   ${ingestS.toFixed(2)} s   ${(ingestS / bareS).toFixed(2)}×`);
  console.log(`  costwise total                    ${total.toFixed(2)} s   ${(total / bareS).toFixed(2)}×   ${Math.round(n / total)} rows/s; totals equal: ${r.loadedTotal}`);
} finally {
  await store.close();
}
