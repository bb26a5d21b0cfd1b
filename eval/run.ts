/**
 * `npm run eval`: the detector and forecaster measured against labelled data, with plain baselines measured in
 * the same run.
 *
 * 1. NAB real AWS CloudWatch series (../shared/fixtures/nab, or $COSTWISE_NAB_DIR): per file, windows detected,
 *    false alarms outside windows, detection delay — costwise vs mean ± 3σ over a trailing window.
 * 2. Generated daily cost series (./generator.ts, published): precision and recall per anomaly kind, false
 *    alerts per series-month on clean series, drift found within 7 days — costwise vs mean ± 3σ (28 days).
 * 3. Forecast backtest on the same generated series: month-end total forecast on day 15, MAPE/WAPE vs naive and
 *    seasonal naive; coverage of the 80% and 95% intervals.
 *
 * Honest tuning: detector and forecaster settings were chosen on the TRAIN split (seed 1); the figures below
 * are on the TEST split (seed 2), which was not used for tuning. Both are printed. `--json` prints JSON.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { detect, detectMeanSigma } from "../src/core/detect/detector.js";
import { backtest, type BacktestResult } from "./backtest.js";
import { generateSet, SERIES_KINDS, type GeneratedSeries } from "./generator.js";
import { evaluateNab, type NabFileScore } from "./nab.js";
import { scoreKind, type Detector, type KindScore } from "./synthetic.js";

export const TRAIN_SEED = 1;
export const TEST_SEED = 2;
export const PER_KIND = 100;

export const ours: Detector = (s: GeneratedSeries) => detect(s.values).events;
export const meanSigma: Detector = (s: GeneratedSeries) => detectMeanSigma(s.values, 28, 3).events.map((e) => ({ startIndex: e.startIndex, detectedIndex: e.startIndex }));

interface SplitResult {
  seed: number;
  ours: KindScore[];
  baseline: KindScore[];
  forecast: BacktestResult;
}

function runSplit(seed: number): SplitResult {
  const set = generateSet(seed, PER_KIND);
  return {
    seed,
    ours: SERIES_KINDS.map((k) => scoreKind(k, set, ours)),
    baseline: SERIES_KINDS.map((k) => scoreKind(k, set, meanSigma)),
    forecast: backtest(set),
  };
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : "-");
const pc = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : "-");

function printKinds(title: string, rows: KindScore[]): void {
  console.log(`  ${title}`);
  console.log(`    ${pad("kind", 12)}${pad("labels", 8, true)}${pad("alerts", 8, true)}${pad("precision", 11, true)}${pad("recall", 8, true)}${pad("delay d", 9, true)}${pad("≤7 days", 9, true)}${pad("false/series-month", 20, true)}`);
  for (const r of rows) {
    console.log(
      `    ${pad(r.kind, 12)}${pad(String(r.labels), 8, true)}${pad(String(r.alerts), 8, true)}${pad(r.kind === "clean" ? "-" : f2(r.precision), 11, true)}${pad(r.kind === "clean" ? "-" : f2(r.recall), 8, true)}${pad(f2(r.meanDelay), 9, true)}${pad(r.kind === "drift" ? pc(r.within7) : "-", 9, true)}${pad(r.falsePerSeriesMonth.toFixed(3), 20, true)}`,
    );
  }
}

function printNab(title: string, rows: NabFileScore[]): void {
  console.log(`  ${title}`);
  console.log(`    ${pad("file", 36)}${pad("windows", 9, true)}${pad("detected", 10, true)}${pad("false alarms", 14, true)}${pad("delay h", 10, true)}`);
  let w = 0;
  let d = 0;
  let fa = 0;
  const delays: number[] = [];
  for (const r of rows) {
    w += r.windows;
    d += r.detected;
    fa += r.falseAlarms;
    delays.push(...r.delaysHours);
    console.log(`    ${pad(r.file, 36)}${pad(String(r.windows), 9, true)}${pad(String(r.detected), 10, true)}${pad(String(r.falseAlarms), 14, true)}${pad(r.delaysHours.length ? r.delaysHours.map((x) => x.toFixed(0)).join(",") : "-", 10, true)}`);
  }
  const mean = delays.length ? delays.reduce((a, b) => a + b, 0) / delays.length : NaN;
  console.log(`    ${pad("all", 36)}${pad(String(w), 9, true)}${pad(String(d), 10, true)}${pad(String(fa), 14, true)}${pad(f2(mean), 10, true)}`);
}

function main(): void {
  const json = process.argv.includes("--json");
  const nabDir = process.env["COSTWISE_NAB_DIR"] ?? resolve(import.meta.dirname, "..", "..", "..", "shared", "fixtures", "nab");
  const nab = existsSync(nabDir) ? evaluateNab(nabDir) : undefined;
  const train = runSplit(TRAIN_SEED);
  const test = runSplit(TEST_SEED);

  const spike = test.ours.find((r) => r.kind === "spike")!;
  const clean = test.ours.find((r) => r.kind === "clean")!;
  const drift = test.ours.find((r) => r.kind === "drift")!;
  const targets = [
    { target: "spike precision ≥ 0.8", value: spike.precision, met: spike.precision >= 0.8 },
    { target: "spike recall ≥ 0.8", value: spike.recall, met: spike.recall >= 0.8 },
    { target: "false alerts ≤ 1 per series-month (clean)", value: clean.falsePerSeriesMonth, met: clean.falsePerSeriesMonth <= 1 },
    { target: "drifts found within 7 days ≥ 60%", value: drift.within7, met: drift.within7 >= 0.6 },
    { target: "80% interval coverage in [75%, 85%]", value: test.forecast.coverage80, met: test.forecast.coverage80 >= 0.75 && test.forecast.coverage80 <= 0.85 },
    {
      target: "month-end WAPE below naive and seasonal naive",
      value: test.forecast.methods[0]!.wape,
      met: test.forecast.methods[0]!.wape < test.forecast.methods[1]!.wape && test.forecast.methods[0]!.wape < test.forecast.methods[2]!.wape,
    },
  ];
  if (json) {
    console.log(JSON.stringify({ nab: nab ?? null, train, test, targets }, null, 2));
    return;
  }
  console.log("costwise eval — anomaly detection and forecasting against labelled data\n");
  if (nab) {
    console.log(`NAB realAWSCloudwatch (${nabDir}), 5-minute points averaged per hour:`);
    printNab("costwise", nab.ours);
    printNab("baseline: mean ± 3σ over the trailing 48 h", nab.baseline);
  } else console.log(`NAB fixtures not found at ${nabDir} (set COSTWISE_NAB_DIR); skipped`);
  for (const split of [test, train]) {
    const label = split.seed === TEST_SEED ? "TEST split (not used for tuning)" : "TRAIN split (used for tuning)";
    console.log(`\nGenerated daily cost series, seed ${split.seed}, ${PER_KIND} series per kind × 365 days — ${label}:`);
    printKinds("costwise", split.ours);
    printKinds("baseline: mean ± 3σ over the trailing 28 days", split.baseline);
    const fcst = split.forecast;
    console.log(`  month-end forecast made on day 15 (${fcst.forecasts} series-months):`);
    const pc2 = (x: number): string => `${(x * 100).toFixed(2)}%`;
    for (const m of fcst.methods) console.log(`    ${pad(m.method, 44)} MAPE ${pad(pc2(m.mape), 7, true)}  WAPE ${pad(pc2(m.wape), 7, true)}`);
    console.log(`    interval coverage: 80% band ${pc(fcst.coverage80)}, 95% band ${pc(fcst.coverage95)}`);
  }
  console.log("\nTargets (TEST split):");
  for (const t of targets) console.log(`  ${t.met ? "MET   " : "NOT MET"} ${t.target}: ${Number.isFinite(t.value) ? t.value.toFixed(3) : "-"}`);
}

main();
