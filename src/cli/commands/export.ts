/**
 * `costwise export focus`: the store as FOCUS datasets (Cost and Usage per billing period, Contract Commitment,
 * metadata), written by the store (src/engine/export/focus-export.ts).
 */
import type { Command } from "commander";
import { lazyAction } from "./lazy-action.js";

export function registerExport(program: Command): void {
  const exp = program.command("export").description("write the store's data in a standard format (FOCUS)");
  exp
    .command("focus")
    .description(
      "Write the cost rows as FOCUS datasets into a folder: the Cost and Usage dataset, one file per billing period " +
        "(cost-and-usage-YYYY-MM.parquet), the Contract Commitment dataset (1.3 and later: the RIs, Savings Plans and " +
        "CUDs the bill names) and metadata.json (FOCUS version, data generator, column definitions). The store writes " +
        "the files itself. With --allocated, the Cost and Usage rows are the allocation (run `costwise allocate` first) " +
        "as FOCUS 1.3 split cost allocation: AllocatedMethodId (the rule), AllocatedMethodDetails (split method and " +
        "ratio), AllocatedResourceId/Name and AllocatedTags (the owner dimensions, keys prefixed costwise/).",
    )
    .requiredOption("--out <dir>", "folder to write into (created if needed; files of the same name are replaced)")
    .option("--focus-version <version>", "FOCUS version to write: 1.2, 1.3 or 1.4 (after `export focus`, --version is read as this)", "1.3")
    .option("--format <format>", "parquet or csv", "parquet")
    .option("--period <YYYY-MM>", "only this billing period")
    .option("--allocated", "write the allocation as FOCUS split cost allocation rows (1.3 and later)", false)
    .addHelpText(
      "after",
      [
        "",
        "Exit codes: 0 written, 1 failure (e.g. no rows in the period), 2 usage error.",
        "",
        "Examples:",
        "  costwise export focus --out focus-export",
        "  costwise export focus --version 1.2 --format csv --period 2024-09 --out focus-1.2",
        "  costwise export focus --allocated --out focus-allocated",
      ].join("\n"),
    )
    .action(lazyAction(() => import("./export-actions.js"), "exportFocusCommand"));
}

/**
 * `costwise export focus --version 1.3`: the root program owns `--version` (print costwise's version) wherever it
 * appears, so after the `export focus` words it is renamed to the command's own `--focus-version` before parsing.
 */
export function exportFocusArgv(argv: readonly string[]): string[] {
  const at = argv.findIndex((a, i) => a === "export" && argv[i + 1] === "focus");
  if (at < 0) return [...argv];
  return argv.map((a, i) => (i <= at + 1 ? a : a === "--version" ? "--focus-version" : a.startsWith("--version=") ? `--focus-version=${a.slice("--version=".length)}` : a));
}
