/**
 * `costwise kpi`: the KPI scorecard (tagged spend %, forecast variance, alert latency, recommendations and
 * savings realized, governance findings), computed now and kept as daily history.
 */
import type { Command } from "commander";
import { computeKpis, kpiHistory } from "../../engine/notify/kpi.js";
import { globalOptions, stdio, usageError, withStore } from "../context.js";
import { renderTable } from "../table.js";

export function registerKpi(program: Command): void {
  program
    .command("kpi")
    .description("the FinOps KPI scorecard: compute today's figures (kept as history) or show the history")
    .option("--history <days>", "show the stored history of the last n days instead of computing")
    .action(async (opts: { history?: string }, cmd: Command) => {
      const g = globalOptions(cmd);
      if (opts.history !== undefined) {
        const days = Number(opts.history);
        if (!Number.isInteger(days) || days < 1) throw usageError("--history must be a positive number of days");
        const rows = await withStore(g, (store) => kpiHistory(store, { days }));
        if (g.json) return stdio.json(rows);
        if (rows.length === 0) return stdio.out("no KPI history yet: run `costwise kpi` (or schedule notify.jobs.kpi)");
        return stdio.out(renderTable(["day", "kpi", "scope", "value", "unit"], rows.map((r) => [r.day, r.kpi, r.scope, r.value ?? "n/a", r.unit])));
      }
      const k = await withStore(g, (store) => computeKpis(store, g.workspace));
      if (g.json) return stdio.json(k);
      if (k.kpis.length === 0) return stdio.out("no KPIs yet: ingest a bill first");
      stdio.out(renderTable(["kpi", "scope", "value", "unit"], k.kpis.map((x) => [x.kpi, x.scope, x.value ?? "n/a", x.unit]), { rightAlign: [2] }));
    });
}
