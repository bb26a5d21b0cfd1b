/**
 * `costwise demo`: generate a year of a fictional organisation's AWS and Azure bills, ingest them (and
 * the real FOCUS sample) into a fresh demo store, and print what a FinOps practitioner looks at first.
 * The demo itself is src/demo (full-run.ts); what it prints is demo-report.ts.
 */
import { Command, Option } from "commander";
import { DEFAULT_DEMO_DATA_DIR, DEMO_STORE_FILE } from "./option-values.js";
import { lazyAction } from "./lazy-action.js";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("generate a year of demo AWS + Azure bills, ingest them into a fresh demo store and summarise it")
    .option("--data-dir <dir>", "where the demo bills are written (its aws-cur/ and focus/ are replaced)", DEFAULT_DEMO_DATA_DIR)
    .option("--seed <n>", "generator seed: the same seed gives the same bills", "42")
    .option("--keep-store", "ingest into the existing demo store instead of re-creating it (re-delivered periods replace themselves: totals do not change)")
    .option("--no-progress", "no progress bar, even on a terminal")
    .option("--serve", "end by serving the dashboard and API on the demo store (default when run from a terminal)")
    .option("--no-serve", "do not start the dashboard at the end")
    .option("--port <n>", "dashboard port for --serve (127.0.0.1)", "8787")
    .addOption(new Option("--months <n>", "billing months to generate (1-60)").hideHelp())
    .addOption(new Option("--scale <x>", "generator size factor").hideHelp())
    .addHelpText(
      "after",
      `
The store is the global --store when given, else <data-dir>/${DEMO_STORE_FILE}. It is re-created on every run
so the demo is repeatable; an existing --store holding data that is not the demo's is never deleted.
The real FOCUS sample (../shared/fixtures/focus/focus_sample.csv beside the package) is loaded too when present.

Examples:
  costwise demo
  costwise --json demo --seed 7 > demo-summary.json`,
    )
    .action(lazyAction(() => import("./demo-actions.js"), "demo"));
}

