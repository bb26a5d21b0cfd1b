/**
 * `costwise metrics ingest <files…>` and `costwise metrics list`: business metrics for unit costs.
 */
import { Command, Option } from "commander";
import { METRIC_FILE_FORMATS } from "./option-values.js";
import { lazyAction } from "./lazy-action.js";

export function registerMetrics(program: Command): void {
  const metrics = program.command("metrics").description("business metrics for unit economics (transactions, active users, requests)");
  metrics
    .command("ingest")
    .description("load business metrics from CSV or JSON (array or one object per line) into the business_metrics table")
    .argument("<files...>", "CSV or JSON files")
    .addOption(new Option("--format <format>", "read every file as this format (default: from the extension)").choices([...METRIC_FILE_FORMATS]))
    .option("--metric <name>", "metric name for files without a metric column")
    .addHelpText(
      "after",
      `
Columns (CSV header or JSON keys, any case): metric (or metric_name, name), date (or day, ts, timestamp,
time, period_start), value (an exact decimal), optional service and environment (or env), optional
dimensions (a JSON object); any other column is one more dimension. Dates are UTC midnight; date-times
with an offset are converted to UTC. Write long values as strings in JSON (JSON numbers are doubles).

Loading the same metric, date, service, environment and dimensions again replaces the stored value.
A bad row (no metric, a bad date, a value that is not a number) stops the ingest with the file, row and
column; nothing is written.

Examples:
  costwise metrics ingest daily-transactions.csv
  costwise metrics ingest --metric active_users users.ndjson`,
    )
    .action(lazyAction(() => import("./metrics-actions.js"), "ingest"));
  metrics
    .command("list")
    .description("the business metrics in the store: date range, points, series and sum per metric")
    .option("--metric <name>", "only this metric")
    .action(lazyAction(() => import("./metrics-actions.js"), "list"));
}
