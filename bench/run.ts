/**
 * `npm run bench [-- <name> ... [--- <args for the benches>]]`: runs the named benchmarks (all when none is named),
 * one after another, each in its own process so timings and peak memory are its own. Every benchmark prints
 * its figures next to a baseline measured in the same process on the same data.
 *
 *   npm run bench -- ingest                    # the 10M-row ingest benchmark (long: ~15 min on 2 cores)
 *   npm run bench -- detect policy optimize    # several
 *   npm run bench -- clickhouse --- --rows 1000000
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export const BENCHES: Record<string, string> = {
  ingest: "ingest and re-ingest of a 10M-row CUR (CSV, Parquet, low memory) vs DuckDB's bare read",
  "cloud-exports": "Azure / GCP exports ingest vs DuckDB's bare read",
  connectors: "Cost Explorer staging and ingest vs DuckDB's typed read",
  opencost: "OpenCost responses and business metrics vs DuckDB's bare read",
  allocation: "allocation (rules, shared pools) vs a bare GROUP BY over the same rows",
  detect: "scoring 10,000 series × 365 days vs a mean ± 3σ baseline",
  optimize: "rightsizing 10,000 instances × 14 days of hourly metrics vs a bare aggregate scan",
  policy: "checking a 10,000-resource Terraform plan vs JSON.parse of it",
  estimate: "estimating and tag-checking a 10,000-resource Terraform plan (CPU time) vs JSON.parse of it",
  api: "dashboard API under 8 concurrent clients (p95) and first load in Chromium",
  clickhouse: "ingest and a query suite on DuckDB and a two-shard ClickHouse cluster, side by side",
  startup: "CLI start-up (--version, --help, query --help, policy check) vs a bare node start",
  validate: "the FOCUS 1.2 requirements model (validate --model) vs the built-in 91-rule validator on a 1M-row store",
};

const argv = process.argv.slice(2);
const split = argv.indexOf("---");
const names = (split < 0 ? argv : argv.slice(0, split)).filter((a) => !a.startsWith("-"));
const passThrough = split < 0 ? [] : argv.slice(split + 1);
const unknown = names.filter((n) => !(n in BENCHES));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(", ")}; benchmarks:\n${Object.entries(BENCHES).map(([n, d]) => `  ${n.padEnd(14)} ${d}`).join("\n")}`);
  process.exit(2);
}
const run = names.length > 0 ? names : Object.keys(BENCHES);
let failed = 0;
for (const name of run) {
  const file = join(import.meta.dirname, `${name}-bench.js`);
  if (!existsSync(file)) {
    console.error(`${name}: ${file} is missing (npm run build first)`);
    failed++;
    continue;
  }
  console.log(`\n━━ ${name}: ${BENCHES[name]} ━━`);
  const r = spawnSync(process.execPath, [file, ...passThrough], { stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`${name}: exited with ${r.status ?? r.signal}`);
    failed++;
  }
}
process.exit(failed > 0 ? 1 : 0);
