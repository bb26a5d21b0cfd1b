/**
 * `costwise budget status|check`: burn, forecast and days left per budget; `check` records thresholds that
 * fire (each once per period) and exits 3 when any threshold is crossed in the current period (a CI gate).
 */
import type { Command } from "commander";
import { trimMoney, toCents } from "../../core/money.js";
import { budgetStatus, type BudgetStatus } from "../../engine/detect/budget-status.js";
import { detectionConfig } from "../../engine/detect/monitors.js";
import { EXIT, globalOptions, setExit, stdio, withStore } from "../context.js";
import { renderTable } from "../table.js";
import { dayOption } from "./date-options.js";

function print(list: readonly BudgetStatus[], configured: number): void {
  if (configured === 0) return stdio.out("no budgets configured (add detection.budgets to costwise.yaml)");
  if (list.length === 0) return stdio.out("the store is empty: load bills with `costwise ingest <files>`");
  const pct = (x: number | null): string => (x === null ? "" : `${(x * 100).toFixed(1)}%`);
  stdio.out(
    renderTable(
      ["budget", "period", "amount", "actual", "burn", "forecast", "forecast burn", "days left", "crossed"],
      list.map((b) => [
        b.budget,
        `${b.periodStart} – ${b.periodEnd}`,
        `${trimMoney(toCents(b.amount))} ${b.currency}`,
        trimMoney(toCents(b.actual)),
        pct(b.burn),
        b.forecast ? trimMoney(toCents(b.forecast.point)) : "",
        pct(b.forecastBurn),
        String(b.daysLeft),
        b.crossed.join(", "),
      ]),
      { rightAlign: [2, 3, 4, 5, 6, 7] },
    ),
  );
}

export async function status(opts: { asOf?: string }, cmd: Command) {
  const g = globalOptions(cmd);
  dayOption(opts.asOf, "--as-of");
  const list = await withStore(g, (store) => budgetStatus(store, g.workspace.config, { persist: false, baseDir: g.workspace.baseDir, ...(opts.asOf ? { asOf: opts.asOf } : {}) }));
  if (g.json) return stdio.json(list);
  print(list, detectionConfig(g.workspace.config).budgets.length);
}

export async function check(opts: { asOf?: string }, cmd: Command) {
  const g = globalOptions(cmd);
  dayOption(opts.asOf, "--as-of");
  const list = await withStore(g, (store) => budgetStatus(store, g.workspace.config, { persist: true, baseDir: g.workspace.baseDir, ...(opts.asOf ? { asOf: opts.asOf } : {}) }));
  if (list.some((b) => b.crossed.length > 0)) setExit(cmd, EXIT.findings);
  if (g.json) return stdio.json(list);
  print(list, detectionConfig(g.workspace.config).budgets.length);
  for (const b of list) for (const t of b.newAlerts) stdio.out(`ALERT ${b.budget}: ${t.replace(":", " ")}% crossed (new this period)`);
}
