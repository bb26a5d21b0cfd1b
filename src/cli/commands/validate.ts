/**
 * `costwise validate`: checks the cost rows in the store against the FOCUS 1.2 conformance rules.
 */
import type { Command } from "commander";
import { lazyAction } from "./lazy-action.js";

export function registerValidate(program: Command): void {
  program
    .command("validate")
    .summary("check stored cost rows against the FOCUS 1.2 conformance rules")
    .description(
      "Check the cost rows in the store against the FOCUS 1.2 conformance rules that the data can decide: " +
        "nullability of Mandatory and Conditional columns, allowed values, currency codes, charge and " +
        "billing periods, non-negative unit prices, and unit price x quantity = cost. Prints each failing " +
        "rule with its violation count and one offending row, then how many rows fill each Recommended " +
        "and Conditional column. All rules run in one scan inside the store.",
    )
    .option("--source <id>", "only rows from this source format (x_Source, e.g. aws-cur, focus)")
    .option("--ingest <id>", "only rows loaded by this ingest run (x_IngestId)")
    .option("--file <path>", "only rows loaded from this file (x_SourceFile, as recorded at ingest)")
    .option("--all", "also list the rules that passed or did not apply", false)
    .option("--model <file>", "run the FinOps Foundation's FOCUS requirements model (e.g. model-1.2.json) instead of the built-in rules")
    .option("--dataset <file>", "with --model: check this exported FOCUS file (.csv, .csv.gz or .parquet) instead of the store")
    .option("--applicability <list>", "with --model: applicability criteria that hold (comma-separated, 'all' or 'none'; default: per source)")
    .option("--format <format>", "with --model: write the report as junit, sarif or md (default: text, or JSON with --json)")
    .addHelpText(
      "after",
      [
        "",
        "Severity: error for a MUST requirement, warning for a SHOULD (or for a MUST the data can only",
        "suggest). A Recommended or Conditional column that holds no value in the checked rows counts as",
        "absent, and its not-null rules are reported as not applicable.",
        "",
        "Exit codes:",
        "  0  no error-severity violations (warnings may be present)",
        "  1  failure (e.g. the store cannot be opened, or no rows match the filters)",
        "  2  usage error",
        "  3  error-severity violations found (use it to gate CI)",
        "",
        "With --model, every Static rule of the model runs as SQL in one scan (Dynamic rules are reported as skipped,",
        "MAY rules as permissions); each rule gets pass, fail, not-applicable or skipped, with the failing row count",
        "and examples. MUST and MUST NOT failures exit 3.",
        "",
        "Examples:",
        "  costwise validate",
        "  costwise validate --source aws-cur",
        "  costwise validate --ingest 2024-06-01T12-00-00-abc123 --json",
        "  costwise validate --model model-1.2.json --source aws-cur --json",
        "  costwise validate --model model-1.2.json --dataset export/focus-2024-06.parquet --format sarif",
      ].join("\n"),
    )
    .action(lazyAction(() => import("./validate-actions.js"), "validate"));
}

