/**
 * `costwise pr-check <plan...> --policy <file>`: one pull-request check: tag findings (the policy check) and the
 * cost estimate in one Markdown comment, SARIF and JUnit files; exit 3 on a blocking finding or when the change
 * pushes an owner over a budget marked `gating: true`.
 */
import type { Command } from "commander";
import { lazyAction } from "./lazy-action.js";

export function registerPrCheck(program: Command): void {
  program
    .command("pr-check")
    .description("tag findings + cost estimate of a Terraform change in one PR comment (Markdown), SARIF and JUnit; exit 3 on a blocking finding or a gating budget crossed")
    .argument("<paths...>", "plan JSON files, .tf files or directories")
    .option("-p, --policy <file>", "policy file (default: governance.policy in costwise.yaml)")
    .option("--markdown <file>", "write the PR comment (Markdown) to this file (default: stdout)")
    .option("--sarif <file>", "also write SARIF 2.1.0 to this file")
    .option("--junit <file>", "also write JUnit XML to this file")
    .option("--region <region>", "region to assume where the plan does not say")
    .option("--usage <file>", "usage file for usage-based components")
    .option("--no-bill", "do not read the cost store: list prices only")
    .option("--record", "keep the estimate in the store, for costwise estimate actual")
    .option("--pr <id>", "pull/merge request id (stored with --record)")
    .option("--now <date>", "evaluate exemption expiry as of this date (YYYY-MM-DD; default today)")
    .addHelpText("after", `\nExample:\n  costwise pr-check plan.json -p policies/tags.yaml --markdown comment.md --sarif costwise.sarif --junit costwise.xml\n\nExit codes: 0 nothing blocking, 3 a blocking finding or a gating budget crossed, 2 bad policy or usage, 1 unreadable input.\n`)
    .action(lazyAction(() => import("./pr-check-actions.js"), "prCheck"));
}
