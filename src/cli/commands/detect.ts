/**
 * `costwise detect`: run the anomaly monitors over the cost store (or the detector over any CSV series with
 * `--series`) and print the anomalies found, with expected, actual, impact and root cause. This file is the
 * command's definition; ./detect-actions.ts runs it (loaded when the command runs: ./lazy-action.ts).
 */
import type { Command } from "commander";
import { lazyAction } from "./lazy-action.js";
import { SERIES_INTERVALS } from "./option-values.js";

export function registerDetect(program: Command): void {
  program
    .command("detect")
    .description("find cost anomalies (spikes, level shifts, drift) with root cause; or run the detector on any CSV series")
    .option("--series <file.csv>", "score a CSV series (columns timestamp,value; any interval) instead of the cost store")
    .option("--interval <i>", `with --series: ${SERIES_INTERVALS.join(" | ")} (auto: points under an hour apart are averaged per hour; native: scored at their own step)`, "auto")
    .option("--min-deviation <units>", "with --series: alert only when |value − expected| at the peak is at least this, in the series' units", "0")
    .option("--min-percent <pct>", "with --series: alert only when the deviation is at least this percent of the expected value", "0")
    .option("--direction <d>", "with --series: alert on up | down | both", "both")
    .option("--z <sigmas>", "detection threshold in robust sigmas (default from config, else 5)")
    .option("--as-of <day>", "score through this day (never past the last complete billing day)")
    .option("--no-save", "do not record anomalies and alert state in the store")
    .option("--alerts", "show only anomalies that pass the alert thresholds")
    .option("--exit-code", "exit 3 when an anomaly is alerted for the first time by this run (with --series: when any anomaly passes the alert thresholds)")
    .addHelpText(
      "after",
      `
Monitors come from detection.monitors in costwise.yaml (default: total, per ServiceName, per SubAccountId,
per owner when allocation has run). A day is scored only once it is complete (the day before the latest
charge day in the store). Alerts are anomalies above detection.alert thresholds; each alerts once.

Examples:
  costwise detect
  costwise detect --alerts --json
  costwise detect --series cpu.csv --json
  costwise detect --series cpu.csv --interval native --alerts --min-percent 50 --exit-code`,
    )
    .action(lazyAction(() => import("./detect-actions.js"), "detect"));
}
