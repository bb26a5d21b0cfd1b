/**
 * `costwise anomalies`: the anomalies recorded by earlier `costwise detect` runs (one row per monitor, series
 * and start day), newest first.
 */
import type { Command } from "commander";
import { trimMoney, toCents } from "../../core/money.js";
import { listAnomalies } from "../../engine/detect/monitors.js";
import { globalOptions, stdio, usageError, withStore } from "../context.js";
import { renderTable } from "../table.js";

export function registerAnomalies(program: Command): void {
  program
    .command("anomalies")
    .description("list anomalies recorded by costwise detect, newest first, with impact and top contributor")
    .option("--since <day>", "only anomalies still going on or ending on or after this day")
    .option("--monitor <name>", "only this monitor")
    .option("--alerts", "only anomalies that passed the alert thresholds")
    .option("--limit <n>", "at most n rows (default 100)")
    .action(async (opts: { since?: string; monitor?: string; alerts?: boolean; limit?: string }, cmd: Command) => {
      const g = globalOptions(cmd);
      if (opts.since !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(opts.since)) throw usageError(`--since must be a date such as 2024-09-01`);
      const limit = opts.limit === undefined ? 100 : Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw usageError(`--limit must be a positive integer`);
      const rows = await withStore(g, (store) =>
        listAnomalies(store, { ...(opts.since ? { since: opts.since } : {}), ...(opts.monitor ? { monitor: opts.monitor } : {}), alertsOnly: Boolean(opts.alerts), limit }),
      );
      if (g.json) return stdio.json(rows);
      if (rows.length === 0) return stdio.out("no anomalies recorded (run costwise detect)");
      stdio.out(
        renderTable(
          ["monitor", "series", "start", "end", "kind", "severity", "impact", "impact %", "alerted", "top contributor"],
          rows.map((r) => {
            const rc = r.root_cause;
            const p = r.impact_pct;
            return [
              r.monitor,
              r.series_key,
              r.start_day,
              r.end_day + (r.is_open ? "…" : ""),
              `${r.kind} ${r.direction === "up" ? "↑" : "↓"}`,
              r.severity,
              `${trimMoney(toCents(r.impact))} ${r.currency}`,
              p === null ? "" : `${p >= 0 ? "+" : ""}${(p * 100).toFixed(1)}%`,
              r.alerted_at === null ? "" : r.alerted_at,
              rc?.headline ? `${rc.headline.kind} ${rc.headline.value}` : "",
            ];
          }),
          { rightAlign: [6, 7] },
        ),
      );
    });
}
