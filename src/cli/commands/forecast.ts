/**
 * `costwise forecast`: month-end, quarter-end and monthly spend forecasts with 80% and 95% intervals, per
 * scope (the whole store, a budget's scope, or filters), and the forecast-variance KPI from saved snapshots.
 */
import type { Command } from "commander";
import { lazyAction } from "./lazy-action.js";

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function registerForecast(program: Command): void {
  program
    .command("forecast")
    .description("forecast spend per scope: month end, quarter end and up to 12 months, with 80%/95% intervals")
    .option("--budget <name>", "forecast a budget's scope (from detection.budgets)")
    .option("-f, --filter <expr>", "forecast the spend matching filters (costwise query grammar; repeatable)", collect)
    .option("--months <n>", "months forecast monthly, 1-12 (default detection.forecast.months, 12)")
    .option("--as-of <day>", "forecast from this day (never past the last complete billing day)")
    .option("--save", "store the forecasts as snapshots (for the forecast variance KPI)")
    .option("--variance", "show forecast variance per scope and closed month from saved snapshots")
    .action(lazyAction(() => import("./forecast-actions.js"), "forecast"));
}
