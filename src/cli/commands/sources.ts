/**
 * `costwise sources`: what is loaded, per source and billing account, with freshness (the last complete
 * billing day), and per configured source (costwise.yaml) its last sync.
 */
import type { Command } from "commander";
import { lazyAction } from "./lazy-action.js";

export function registerSources(program: Command): void {
  program
    .command("sources")
    .description("what is loaded: per source and billing account, the periods, row counts, cost, last complete day and who synced it")
    .option("--configured", "only the sources configured in costwise.yaml: last sync, its outcome, rows held, last complete day")
    .addHelpText(
      "after",
      `
The last complete day is where charts and detectors stop. A day is complete once the source has delivered
charges past it: the day before the latest charge end (an hourly CUR delivered through 13:00 on the 15th
is complete through the 14th). For Cost Explorer also the day before the first day it marks Estimated.`,
    )
    .action(lazyAction(() => import("./sources-actions.js"), "sources"));
}
