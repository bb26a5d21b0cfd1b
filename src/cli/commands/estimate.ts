/**
 * `costwise estimate <plan.json | dir with .tf ...>`: the monthly cost of every created, changed or destroyed
 * resource and the delta, per resource and per owner, priced from the organisation's own bill first (the effective
 * rate paid over the last 30 billed days), then the shipped catalogue. `costwise estimate actual` compares stored
 * estimates with the bill once the resources appear in it.
 */
import type { Command } from "commander";
import { lazyAction } from "./lazy-action.js";

export function registerEstimate(program: Command): void {
  const estimate = program
    .command("estimate")
    .description("monthly cost and delta of a Terraform plan (or .tf directory) per resource and owner, priced from your own bill first, then list prices")
    .argument("[paths...]", "plan JSON (terraform show -json plan.out > plan.json), .tf files or directories")
    .option("--format <f>", "stdout format: table | json | md (--json = json)", "table")
    .option("--region <region>", "region to assume where the plan does not say (and for .tf files)")
    .option("--usage <file>", "usage file (Infracost layout: resource_usage.<address>.<key>, resource_type_default_usage.<type>.<key>)")
    .option("--no-bill", "do not read the cost store: price everything at the shipped list prices")
    .option("--record", "keep the estimate in the store, for costwise estimate actual")
    .option("--pr <id>", "pull/merge request the estimate belongs to (stored with --record)")
    .addHelpText(
      "after",
      `\nExamples:\n  terraform show -json plan.out > plan.json && costwise estimate plan.json\n  costwise estimate plan.json --format md --usage infracost-usage.yml\n  costwise estimate infra/ --region eu-west-1 --json\n  costwise estimate plan.json --record --pr 42 && costwise estimate actual --pr 42 --state state.json\n\nA month is 730 hours. Each component names its price source (bill or catalogue); a resource that cannot be\npriced is listed as unpriced with the reason, never as 0.\n`,
    )
    .action(lazyAction(() => import("./estimate-actions.js"), "estimate"));

  estimate
    .command("actual")
    .description("stored estimates vs the bill, per resource and per PR, and the estimate accuracy (median absolute % error)")
    .option("--pr <id>", "only the estimates of this pull/merge request")
    .option("--state <file>", "Terraform state as JSON (terraform show -json) after apply: gives the cloud ids of the estimated resources")
    .action(lazyAction(() => import("./estimate-actions.js"), "actual"));
}
