/**
 * `costwise report governance`: tag compliance KPIs from the recorded `costwise policy scan` runs: compliance
 * rate by resource count and by spend per scan, mean time to remediate, open violations by team.
 */
import type { Command } from "commander";
import { lazyAction } from "./lazy-action.js";

export function registerReportGovernance(report: Command): void {
  report
    .command("governance")
    .description("tag compliance KPIs over time: compliance by resource count and by spend, mean time to remediate, open violations by team")
    .option("--since <date>", "only scans (and remediations) from this date on (YYYY-MM-DD)")
    .addHelpText("after", `\nReads the scans recorded by \`costwise policy scan\`.\n\nExamples:\n  costwise report governance\n  costwise --json report governance --since 2026-01-01\n`)
    .action(lazyAction(() => import("./report-governance-actions.js"), "governance"));
}
