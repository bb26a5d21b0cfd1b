/**
 * `costwise metrics ingest <files…>` and `costwise metrics list`: business metrics for unit costs.
 */
import { Command } from "commander";
import { trimMoney } from "../../core/money.js";
import { ingestMetrics, listMetrics, type MetricFileFormat } from "../../engine/metrics/ingest.js";
import { globalOptions, stdio, withStore } from "../context.js";
import { renderTable } from "../table.js";

export async function ingest(files: string[], opts: { format?: MetricFileFormat; metric?: string }, cmd: Command) {
  const g = globalOptions(cmd);
  const r = await withStore(g, (store) =>
    ingestMetrics(store, files, { ...(opts.format ? { format: opts.format } : {}), ...(opts.metric !== undefined ? { metric: opts.metric } : {}) }),
  );
  if (g.json) return stdio.json(r);
  for (const f of r.files) stdio.out(`loaded ${f.path} (${f.format}): ${f.rows} rows`);
  stdio.out(`metrics ${r.ingestId}: ${r.rows} rows, ${r.replaced} replaced; ${r.metrics.map((m) => m.metric).join(", ")}`);
}

export async function list(opts: { metric?: string }, cmd: Command) {
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
}
