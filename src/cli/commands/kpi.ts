/**
 * `costwise kpi`: the KPI scorecard (src/engine/kpi/: tagged spend %, forecast variance, alert latency p50/p95,
 * summaries delivered, recommendations closed, savings realized, open blocking findings, commitment utilization
 * and coverage), computed now and kept as the day's history; `--history <days>` adds each KPI's trend and stored
 * values. docs/kpis.md defines each KPI.
 */
import type { Command } from "commander";
import { lazyAction } from "./lazy-action.js";

export function registerKpi(program: Command): void {
  program
    .command("kpi")
    .description("the FinOps KPI scorecard: value, target and (with --history) trend per KPI; computing it keeps the day's history")
    .option("--history <days>", "also show each KPI's trend and stored values over the last n days")
    .option("--month <YYYY-MM>", "billing month of the tagged-spend figure (default: the latest)")
    .option("--tag <key>", "the tag of the tagged-spend figure (default: kpis.taggedSpend.tag, team)")
    .action(lazyAction(() => import("./kpi-actions.js"), "kpi"));
}
