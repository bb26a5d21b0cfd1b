/**
 * `costwise ingest <files or folders…>`: load billing exports into the cost store.
 */
import { Command, Option } from "commander";
import { SOURCE_FORMATS } from "./option-values.js";
import { lazyAction } from "./lazy-action.js";

export function registerIngest(program: Command): void {
  program
    .command("ingest")
    .description("load billing exports (FOCUS CSV/Parquet, AWS CUR CSV/.csv.gz with manifests, CUR 2.0 Parquet) into the cost store; a saved OpenCost /allocation JSON response is recognised too")
    .argument("<paths...>", "files or folders (folders are searched recursively; CUR manifests pick the current report version)")
    .addOption(new Option("--format <format>", "skip detection and read every file as this format").choices([...SOURCE_FORMATS]))
    .option("--no-progress", "no progress bar, even on a terminal")
    .addHelpText(
      "after",
      `
A billing period re-delivered for the same source and billing account replaces the one loaded before,
atomically: totals never double. All files of one delivery (the files a CUR manifest lists, or all files
given to one ingest for the same period) are loaded together. A file that fails leaves the store unchanged.

Examples:
  costwise ingest focus_sample.csv
  costwise ingest s3-mirror/cur/my-report/           # every month, current report versions only
  costwise ingest --format aws-cur2 export.parquet`,
    )
    .action(lazyAction(() => import("./ingest-actions.js"), "ingest"));
}
