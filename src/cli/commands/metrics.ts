/**
 * `costwise metrics ingest <files…>` and `costwise metrics list`: business metrics for unit costs.
 */
import { Command, Option } from "commander";
import { trimMoney } from "../../core/money.js";
import { METRIC_FILE_FORMATS, ingestMetrics, listMetrics, type MetricFileFormat } from "../../engine/metrics/ingest.js";
import { globalOptions, stdio, withStore } from "../context.js";
import { renderTable } from "../table.js";

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
    .action(async (files: string[], opts: { format?: MetricFileFormat; metric?: string }, cmd: Command) => {
      const g = globalOptions(cmd);
      const r = await withStore(g, (store) =>
        ingestMetrics(store, files, { ...(opts.format ? { format: opts.format } : {}), ...(opts.metric !== undefined ? { metric: opts.metric } : {}) }),
      );
      if (g.json) return stdio.json(r);
      for (const f of r.files) stdio.out(`loaded ${f.path} (${f.format}): ${f.rows} rows`);
      stdio.out(`metrics ${r.ingestId}: ${r.rows} rows, ${r.replaced} replaced; ${r.metrics.map((m) => m.metric).join(", ")}`);
    });
  metrics
    .command("list")
    .description("the business metrics in the store: date range, points, series and sum per metric")
    .option("--metric <name>", "only this metric")
    .action(async (opts: { metric?: string }, cmd: Command) => {
      const g = globalOptions(cmd);
      const list = await withStore(g, (store) => listMetrics(store, opts.metric));
      if (g.json) return stdio.json(list);
      if (list.length === 0) return stdio.out("no business metrics: load some with `costwise metrics ingest <files>`");
      stdio.out(
        renderTable(
          ["metric", "from", "to", "points", "series", "sum"],
          list.map((m) => [m.metric, m.from.slice(0, 10), m.to.slice(0, 10), String(m.points), String(m.series), trimMoney(m.sum, 0)]),
          { rightAlign: [3, 4, 5] },
        ),
      );
    });
}
