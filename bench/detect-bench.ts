/**
 * Detector benchmark: score 10,000 daily series of 365 days (every day of every series, walking forward, as a
 * monitor's first run does), and the plain mean ± 3σ trailing-window baseline on the same series in the same
 * process. Prints wall time (and CPU time: the machine may be shared), points scored per second and the ratio. Series come from the published generator
 * (eval/generator.ts), a mix of clean, spike, level-shift and drift series. Nothing is written to disk.
 *
 * Then the same for 10,000 hourly series × 90 days (2,160 points each, a daily cycle, a weekend dip, noise and
 * a few bursts), against the baseline over the previous 24 points; CPU seconds via process.cpuUsage (target ≤ 10 s).
 *
 *   npm run build && node dist/bench/detect-bench.js [series=10000] [days=365] [hourlySeries=10000] [hourlyDays=90]
 */
import { detect, detectMeanSigma, optionsForStep } from "../src/core/detect/detector.js";
import { generateSeries, prng, SERIES_KINDS } from "../eval/generator.js";

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

// ─── hourly series × 90 days ────────────────────────────────────────────────────────────────────
const hCount = Number(process.argv[4] ?? 10_000);
const hDays = Number(process.argv[5] ?? 90);
const hPoints = hDays * 24;
const hourlyOptions = optionsForStep(1);

/** An hourly series: base × daily cycle × weekend dip × log-normal noise, with a burst now and then. */
function hourlySeries(i: number): Float64Array {
  const r = prng(1_000 + i);
  const base = 10 ** (-2 + 6 * r());
  const amp = r() * 0.5;
  const dip = r() * 0.3;
  const sigma = 0.02 + r() * 0.08;
  const v = new Float64Array(hPoints);
  for (let t = 0; t < hPoints; t++) {
    const h = t % 24;
    const day = Math.floor(t / 24) % 7;
    const noise = Math.exp(sigma * (r() + r() + r() - 1.5) * 2);
    v[t] = base * (1 + amp * Math.sin((2 * Math.PI * (h - 6)) / 24)) * (day >= 5 ? 1 - dip : 1) * noise * (r() < 0.002 ? 3 : 1);
  }
  return v;
}

// generated in chunks (10,000 × 2,160 points is 170 MB at once); only the scoring is timed
const chunk = 500;
let hEvents = 0;
let hBaseEvents = 0;
let hOursCpu = 0;
let hBaseCpu = 0;
let hOursMs = 0;
let hBaseMs = 0;
for (let i = 0; i < 20; i++) detect(hourlySeries(i), hourlyOptions); // warm-up
for (let from = 0; from < hCount; from += chunk) {
  const batch: Float64Array[] = [];
  for (let i = from; i < Math.min(hCount, from + chunk); i++) batch.push(hourlySeries(i));
  const c = process.cpuUsage();
  const t = performance.now();
  for (const v of batch) hEvents += detect(v, hourlyOptions).events.length;
  hOursMs += performance.now() - t;
  const d = process.cpuUsage(c);
  hOursCpu += (d.user + d.system) / 1e6;
  const c2 = process.cpuUsage();
  const t2 = performance.now();
  for (const v of batch) hBaseEvents += detectMeanSigma(v, 24, 3).events.length;
  hBaseMs += performance.now() - t2;
  const d2 = process.cpuUsage(c2);
  hBaseCpu += (d2.user + d2.system) / 1e6;
}
const hPts = hCount * hPoints;
console.log(`detect bench, hourly: ${hCount.toLocaleString("en-US")} series × ${hDays} days × 24 h = ${hPts.toLocaleString("en-US")} points`);
console.log(`  costwise detector      cpu ${hOursCpu.toFixed(2)} s  wall ${(hOursMs / 1000).toFixed(2)} s  ${Math.round(hPts / hOursCpu).toLocaleString("en-US")} points per cpu-s  ${hEvents} events  (target ≤ 10 s of CPU for 10,000 × 90 days)`);
console.log(`  baseline mean ± 3σ/24  cpu ${hBaseCpu.toFixed(2)} s  wall ${(hBaseMs / 1000).toFixed(2)} s  ${hBaseEvents} events`);
console.log(`  ratio costwise / baseline (cpu): ${(hOursCpu / hBaseCpu).toFixed(1)}×`);
