/**
 * `costwise kpi`: the KPI scorecard (src/engine/kpi/: tagged spend %, forecast variance, alert latency p50/p95,
 * summaries delivered, recommendations closed, savings realized, open blocking findings, commitment utilization
 * and coverage), computed now and kept as the day's history; `--history <days>` adds each KPI's trend and stored
 * values. docs/kpis.md defines each KPI.
 */
import type { Command } from "commander";
import { computeKpis, kpiHistory, withTrend } from "../../engine/kpi/history.js";
import { formatKpiValue, formatTarget } from "../../engine/kpi/scorecard.js";
import { globalOptions, stdio, usageError, withStore } from "../context.js";
import { renderTable } from "../table.js";
import { monthOption } from "./date-options.js";

const ARROW = { up: "↑", down: "↓", flat: "→" } as const;

export async function kpi(opts: { history?: string; month?: string; tag?: string }, cmd: Command) {
  const g = globalOptions(cmd);
  let days: number | undefined;
  if (opts.history !== undefined) {
    days = Number(opts.history);
    if (!Number.isInteger(days) || days < 1) throw usageError("--history must be a positive number of days");
  }
  monthOption(opts.month, "--month");
  const { card, rows } = await withStore(g, async (store) => {
    const card = await computeKpis(store, g.workspace, { ...(opts.month ? { month: opts.month } : {}), ...(opts.tag ? { tagKey: opts.tag } : {}) });
    return { card, rows: days === undefined ? [] : await kpiHistory(store, { days, asOf: card.day }) };
  });
  const kpis = withTrend(card, rows);
  if (g.json) return stdio.json({ ...card, kpis: days === undefined ? card.kpis : kpis });
  const header = ["kpi", "value", "target", "", ...(days === undefined ? [] : ["trend", "previous"]), "for"];
  stdio.out(
    renderTable(
      header,
      kpis.map((k) => [
        k.id,
        formatKpiValue(k),
        formatTarget(k.target, k.unit),
        k.meetsTarget === false ? "missed" : k.meetsTarget ? "met" : "",
        ...(days === undefined ? [] : [k.trend === null ? "" : ARROW[k.trend], k.previous ? `${k.previous.value} (${k.previous.day})` : ""]),
        k.value === null ? k.detail : k.scope,
      ]),
      { rightAlign: [1] },
    ),
  );
  if (days !== undefined && rows.length === 0) stdio.out("no stored history before today yet: the kpi job (or costwise kpi) keeps one row per day per KPI");
}
