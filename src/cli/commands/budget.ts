/**
 * `costwise budget status|check`: burn, forecast and days left per budget; `check` records thresholds that
 * fire (each once per period) and exits 3 when any threshold is crossed in the current period (a CI gate).
 */
import type { Command } from "commander";
import { lazyAction } from "./lazy-action.js";

export function registerBudget(program: Command): void {
  const budget = program.command("budget").description("budgets from detection.budgets: burn, forecast, days left, threshold alerts");
  budget
    .command("status")
    .description("show burn, period-end forecast and days left per budget (records nothing)")
    .option("--as-of <day>", "as of this day (never past the last complete billing day)")
    .action(lazyAction(() => import("./budget-actions.js"), "status"));
  budget
    .command("check")
    .description("evaluate thresholds, record the ones that fire (once per period), exit 3 when any is crossed")
    .option("--as-of <day>", "as of this day (never past the last complete billing day)")
    .action(lazyAction(() => import("./budget-actions.js"), "check"));
}
