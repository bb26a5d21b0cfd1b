/**
 * `costwise commitments`: RI and Savings Plan utilization, coverage, effective savings rate and expiry from
 * the bill; `commitments plan`: the Savings Plan purchase that maximizes net savings.
 */
import type { Command } from "commander";
import { lazyAction } from "./lazy-action.js";

export function registerCommitments(program: Command): void {
  const c = program.command("commitments").description("RI / Savings Plan utilization, coverage, savings rate and expiry; Savings Plan purchase planning");
  c.command("report", { isDefault: true })
    .description("per commitment and overall: utilization (used / paid), coverage (covered / eligible), effective savings rate, expiring in 30/60/90 days")
    .option("--start <date>", "window start on ChargePeriodStart (inclusive)")
    .option("--end <date>", "window end (exclusive)")
    .action(lazyAction(() => import("./commitments-actions.js"), "report"));
  c.command("plan")
    .description("Savings Plan purchase: simulate hourly commitments on the bill's hourly on-demand eligible spend (7/30/60-day lookbacks by default)")
    .option("--plan <name>", "only this plan (keys of optimization.savingsPlans.discounts, e.g. compute-1y-no-upfront)")
    .action(lazyAction(() => import("./commitments-actions.js"), "plan"));
}
