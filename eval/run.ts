/**
 * `npm run eval`: the detector and forecaster measured against labelled data, with plain baselines measured in
 * the same run.
 *
 * 1. NAB real AWS CloudWatch series (../shared/fixtures/nab, or $COSTWISE_NAB_DIR), hourly and at their native
 *    5 minutes: per window (found, alarms, false alarms, P/R/F1) — costwise at the z chosen on the other half
 *    of the series (./nab.ts) vs mean ± 3σ over the previous 24 points.
 * 1b. Injected anomalies on generated hourly and per-minute series (./subdaily.ts), per event and per window,
 *    z chosen on seed 1, reported on seed 2 — costwise vs the same baseline.
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
import { f1, falsePerSeries, precision, recall, type AlarmScore } from "./alarms.js";
import { evaluateNab, NAB_RESOLUTIONS, type NabFileScore, type NabResult } from "./nab.js";
import { evaluateSubdaily, SUBDAILY_STEPS, type SubdailyResult } from "./subdaily.js";
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

const scoreCols = (s: AlarmScore): string =>
  `${pad(`${s.found}/${s.windows}`, 9, true)}${pad(String(s.alarms), 8, true)}${pad(String(s.falseAlarms), 8, true)}${pad(f2(precision(s)), 7, true)}${pad(f2(recall(s)), 7, true)}${pad(f2(f1(s)), 7, true)}${pad(f2(falsePerSeries(s)), 10, true)}`;
const scoreHead = `${pad("found", 9, true)}${pad("alarms", 8, true)}${pad("false", 8, true)}${pad("P", 7, true)}${pad("R", 7, true)}${pad("F1", 7, true)}${pad("false/ser", 10, true)}`;

function printNab(r: NabResult): void {
  console.log(`  ${r.resolution === "hour" ? "hourly (5-minute points averaged per hour)" : `native (${r.bucketMinutes}-minute points)`}; z chosen on half ${r.folds.map((f) => `${f.tunedOn}: ${f.z}`).join(", ")} (each half reported at the other's z)`);
  console.log(`    ${pad("file", 34)}${pad("half", 5)}${pad("z", 4, true)}${scoreHead}`);
  const rows = (list: NabFileScore[]): void => {
    for (const x of list) console.log(`    ${pad(x.file, 34)}${pad(x.half, 5)}${pad(String(x.z), 4, true)}${scoreCols(x)}`);
  };
  rows(r.ours);
  console.log(`    ${pad("costwise, all (out of fold)", 43)}${scoreCols(r.oursTotal)}`);
  console.log(`    ${pad("baseline mean ± 3σ (24 points), all", 43)}${scoreCols(r.baselineTotal)}`);
}

function printSubdaily(r: SubdailyResult): void {
  console.log(`  ${r.stepMinutes === 60 ? "hourly" : "per-minute"} series, ${r.seriesPerKind} per kind (spike, level_shift, clean); z = ${r.z} chosen on seed 1 (F1 ${f2(f1(r.train))}), reported on seed 2:`);
  console.log(`    ${pad("", 36)}${scoreHead}`);
  console.log(`    ${pad("costwise per event", 36)}${scoreCols(r.ours.perEvent)}`);
  console.log(`    ${pad("costwise per window", 36)}${scoreCols(r.ours.perWindow)}`);
  for (const [k, v] of Object.entries(r.ours.byKind)) console.log(`    ${pad(`  ${k} (per event)`, 36)}${scoreCols(v)}`);
  console.log(`    ${pad("baseline per event", 36)}${scoreCols(r.baseline.perEvent)}`);
  console.log(`    ${pad("baseline per window", 36)}${scoreCols(r.baseline.perWindow)}`);
}

function main(): void {
  const json = process.argv.includes("--json");
  const nabDir = process.env["COSTWISE_NAB_DIR"] ?? resolve(import.meta.dirname, "..", "..", "..", "shared", "fixtures", "nab");
  const nab = existsSync(nabDir) ? NAB_RESOLUTIONS.map((res) => evaluateNab(nabDir, res)) : undefined;
  const perKind = Number(process.env["COSTWISE_EVAL_SUBDAILY"] ?? 40);
  const subdaily = SUBDAILY_STEPS.map((step) => evaluateSubdaily(step, perKind));
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
  for (const r of nab ?? []) {
    const o = r.oursTotal;
    targets.push({ target: `NAB ${r.resolution}: window recall ≥ 0.7 with ≤ 2 false alarms per series`, value: recall(o), met: recall(o) >= 0.7 && falsePerSeries(o) <= 2 });
    targets.push({ target: `NAB ${r.resolution}: F1 above the baseline's (${f2(f1(r.baselineTotal))})`, value: f1(o), met: f1(o) > f1(r.baselineTotal) });
  }
  for (const r of subdaily) {
    const e = r.ours.perEvent;
    const name = r.stepMinutes === 60 ? "hourly" : "per-minute";
    targets.push({ target: `injected ${name}: precision per event ≥ 0.8`, value: precision(e), met: precision(e) >= 0.8 });
    targets.push({ target: `injected ${name}: recall per event ≥ 0.8`, value: recall(e), met: recall(e) >= 0.8 });
  }
  if (json) {
    console.log(JSON.stringify({ nab: nab ?? null, subdaily, train, test, targets }, null, 2));
    return;
  }
  console.log("costwise eval — anomaly detection and forecasting against labelled data\n");
  if (nab) {
    console.log(`NAB realAWSCloudwatch (${nabDir}), per window (an alarm = one event, at the point it was raised):`);
    for (const r of nab) printNab(r);
  } else console.log(`NAB fixtures not found at ${nabDir} (set COSTWISE_NAB_DIR); skipped`);
  console.log("\nInjected anomalies on generated operational series (eval/subdaily-generator.ts):");
  for (const r of subdaily) printSubdaily(r);
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
