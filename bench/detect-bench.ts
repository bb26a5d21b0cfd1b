/**
 * Detector benchmark: score 10,000 daily series of 365 days (every day of every series, walking forward, as a
 * monitor's first run does), and the plain mean ± 3σ trailing-window baseline on the same series in the same
 * process. Prints wall time (and CPU time: the machine may be shared), points scored per second and the ratio. Series come from the published generator
 * (eval/generator.ts), a mix of clean, spike, level-shift and drift series. Nothing is written to disk.
 *
 *   npm run build && node dist/bench/detect-bench.js [series=10000] [days=365]
 */
import { detect, detectMeanSigma } from "../src/core/detect/detector.js";
import { generateSeries, SERIES_KINDS } from "../eval/generator.js";

const count = Number(process.argv[2] ?? 10_000);
const days = Number(process.argv[3] ?? 365);

const t0 = performance.now();
const series: Float64Array[] = [];
for (let i = 0; i < count; i++) series.push(generateSeries(7, i, SERIES_KINDS[i % SERIES_KINDS.length]!, days).values);
const genMs = performance.now() - t0;

// warm up the JIT on a few series so both timings measure steady state
for (let i = 0; i < 50; i++) {
  detect(series[i]!);
  detectMeanSigma(series[i]!);
}

let events = 0;
const c1 = process.cpuUsage();
const t1 = performance.now();
for (const v of series) events += detect(v).events.length;
const oursMs = performance.now() - t1;
const oursCpu = process.cpuUsage(c1);

let baseEvents = 0;
const c2 = process.cpuUsage();
const t2 = performance.now();
for (const v of series) baseEvents += detectMeanSigma(v, 28, 3).events.length;
const baseMs = performance.now() - t2;
const baseCpu = process.cpuUsage(c2);

const pts = count * days;
console.log(`detect bench: ${count.toLocaleString("en-US")} series × ${days} days = ${pts.toLocaleString("en-US")} points (generated in ${(genMs / 1000).toFixed(2)} s)`);
console.log(`  costwise detector      ${(oursMs / 1000).toFixed(2)} s  ${Math.round(pts / (oursMs / 1000)).toLocaleString("en-US")} points/s  ${events} events  cpu ${((oursCpu.user + oursCpu.system) / 1e6).toFixed(2)} s  (target ≤ 5 s for 10,000 × 365)`);
console.log(`  baseline mean ± 3σ     ${(baseMs / 1000).toFixed(2)} s  ${Math.round(pts / (baseMs / 1000)).toLocaleString("en-US")} points/s  ${baseEvents} events  cpu ${((baseCpu.user + baseCpu.system) / 1e6).toFixed(2)} s`);
console.log(`  ratio costwise / baseline: ${(oursMs / baseMs).toFixed(1)}×`);
