/**
 * Conformance benchmark: `costwise validate --model model-1.2.json` (the FinOps Foundation's requirements model,
 * 420 static rules compiled to one scan plus the grouped rules) against the built-in 91-rule validator
 * (validateStore) on the same store, in the same process. Target: the model ≤ 2× the built-in validator.
 *
 * The store: a generated CUR (bench/generate-cur.ts, one month of hourly line items) ingested through the CUR
 * mapping into bench/.data/validate-bench.duckdb (kept between runs for the same row count). Each validator runs
 * once to warm up, then 3 times; the best and the median are printed.
 *
 *   npm run build && node dist/bench/validate-bench.js [rows=1000000] [model=../shared/fixtures/focus/requirements-model/model-1.2.json]
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { ingestFiles } from "../src/engine/ingest/ingest.js";
import { DuckDbStore } from "../src/engine/store/duckdb/duckdb-store.js";
import { COST_TABLE } from "../src/engine/store/schema.js";
import { loadCurrencyCodes, loadRequirementsModel, runModel } from "../src/engine/validate/run-model.js";
import { validateStore } from "../src/engine/validate/validate-store.js";
import { generateBenchData } from "./generate-cur.js";

const rows = Number(process.argv[2] ?? 1_000_000);
const modelPath = resolve(process.argv[3] ?? join(import.meta.dirname, "../../../shared/fixtures/focus/requirements-model/model-1.2.json"));
const dataDir = join(import.meta.dirname, "../../bench/.data");
const storePath = join(dataDir, `validate-bench-${rows}.duckdb`);
mkdirSync(dataDir, { recursive: true });

let store = await DuckDbStore.open(storePath);
const have = Number((await store.all(`SELECT count(*) AS n FROM ${COST_TABLE}`))[0]?.["n"] ?? 0);
if (have !== rows) {
  await store.close();
  rmSync(storePath, { force: true });
  store = await DuckDbStore.open(storePath);
  const t = performance.now();
  const gen = join(dataDir, `validate-bench-${rows}`);
  mkdirSync(gen, { recursive: true });
  const { csv } = await generateBenchData(store, gen, rows);
  await ingestFiles(store, [csv]);
  console.log(`generated and ingested ${rows.toLocaleString("en-US")} CUR line items in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  if (existsSync(gen)) rmSync(gen, { recursive: true, force: true });
}
const stored = Number((await store.all(`SELECT count(*) AS n FROM ${COST_TABLE}`))[0]?.["n"] ?? 0);

const model = loadRequirementsModel(modelPath);
const currencyCodes = loadCurrencyCodes(modelPath);

async function time(fn: () => Promise<unknown>): Promise<{ best: number; median: number }> {
  await fn(); // warm-up
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await fn();
    runs.push((performance.now() - t) / 1000);
  }
  runs.sort((a, b) => a - b);
  return { best: runs[0]!, median: runs[1]! };
}

let builtinRules = 0;
const builtin = await time(async () => {
  builtinRules = (await validateStore(store)).rules.length;
});
let summary = "";
const ours = await time(async () => {
  const r = await runModel(store, model, { kind: "store", scope: {} }, { currencyCodes });
  summary = `${r.summary.pass} pass, ${r.summary.fail} fail, ${r.summary.notApplicable} n/a, ${r.summary.skipped} skipped`;
});

console.log(`validate bench: ${stored.toLocaleString("en-US")} rows in ${storePath}`);
console.log(`  built-in validator (${builtinRules} rules)        best ${builtin.best.toFixed(2)} s  median ${builtin.median.toFixed(2)} s`);
console.log(`  requirements model ${model.modelVersion} (${model.rules.length} rules)  best ${ours.best.toFixed(2)} s  median ${ours.median.toFixed(2)} s  (${summary})`);
console.log(`  ratio model / built-in: ${(ours.median / builtin.median).toFixed(2)}× (target ≤ 2×)`);
await store.close();
