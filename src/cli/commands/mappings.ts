/**
 * `costwise mappings`: how each source format becomes FOCUS, column by column, for review.
 */
import type { Command } from "commander";
import { SOURCE_FORMATS } from "./option-values.js";
import { lazyAction } from "./lazy-action.js";

export function registerMappings(program: Command): void {
  program
    .command("mappings")
    .argument("[format]", `a source format (${SOURCE_FORMATS.join(", ")})`)
    .summary("list source formats, or show how one becomes FOCUS, column by column")
    .description(
      "Without a format, list the source formats costwise reads. With one, print its mapping to FOCUS 1.2: " +
        "for every FOCUS column (and costwise's x_ columns) the rule in plain words and the source columns " +
        "it reads, the audited raw-SQL uses with their reasons, the row checks and the control total.",
    )
    .option("--format <text|md|json>", "output: text (default), md (Markdown: without a source format, the coverage table of every FOCUS column per source) or json", "text")
    .option("--markdown", "print Markdown (without a format: the whole reference page, docs/mappings.md)", false)
    .addHelpText(
      "after",
      ["", "Examples:", "  costwise mappings", "  costwise mappings --format md        # coverage table for FinOps reviewers", "  costwise mappings azure-cost", "  costwise mappings aws-cur --json", "  costwise mappings --markdown > docs/mappings.md"].join("\n"),
    )
    .action(lazyAction(() => import("./mappings-actions.js"), "mappings"));
}
