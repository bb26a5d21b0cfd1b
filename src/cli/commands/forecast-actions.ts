/**
 * `costwise forecast`: month-end, quarter-end and monthly spend forecasts with 80% and 95% intervals, per
 * scope (the whole store, a budget's scope, or filters), and the forecast-variance KPI from saved snapshots.
 */
import type { Command } from "commander";
import { CostwiseError } from "../../core/errors.js";
import { trimMoney, toCents } from "../../core/money.js";
import { defaultForecastScopes, forecastScope, forecastVariance, type ForecastScopeDef, type PeriodForecast } from "../../engine/detect/forecast-scope.js";
import { detectionConfig } from "../../engine/detect/monitors.js";
import { globalOptions, stdio, usageError, withStore } from "../context.js";
import { renderTable } from "../table.js";
import { dayOption } from "./date-options.js";

export async function forecast(opts: { budget?: string; filter?: string[]; months?: string; asOf?: string; save?: boolean; variance?: boolean }, cmd: Command) {
  const g = globalOptions(cmd);
  dayOption(opts.asOf, "--as-of");
  const d = detectionConfig(g.workspace.config);
  const months = opts.months === undefined ? d.forecast.months : Number(opts.months);
  if (!Number.isInteger(months) || months < 1 || months > 12) throw usageError("--months must be an integer from 1 to 12");
  let defs: ForecastScopeDef[];
  if (opts.budget !== undefined) {
    const b = d.budgets.find((x) => x.name === opts.budget);
    if (!b) throw new CostwiseError("BAD_CONFIG", `no budget named ${JSON.stringify(opts.budget)} in detection.budgets (${d.budgets.map((x) => x.name).join(", ") || "none configured"})`);
    defs = [{ name: `budget:${b.name}`, scope: b.scope }];
  } else if (opts.filter?.length) {
    defs = [{ name: `filter:${opts.filter.join(";")}`, scope: { filters: opts.filter } }];
  } else defs = opts.variance ? defaultForecastScopes(d) : [{ name: "total" }];

  if (opts.variance) {
    const rows = await withStore(g, (store) => forecastVariance(store, defs, { metric: d.metric }));
    if (g.json) return stdio.json(rows);
    if (rows.length === 0) return stdio.out("no closed month has a saved forecast yet (save snapshots with costwise forecast --save)");
    stdio.out(
      renderTable(
        ["scope", "month", "forecast made", "forecast", "actual", "variance"],
        rows.map((r) => [r.scope, r.month, r.madeOn, trimMoney(toCents(r.forecast)), `${trimMoney(toCents(r.actual))} ${r.currency}`, r.variance === null ? "" : `${(r.variance * 100).toFixed(1)}%`]),
        { rightAlign: [3, 4, 5] },
      ),
    );
    return;
  }
  const all = await withStore(g, async (store) => {
    const out = [];
    for (const def of defs) out.push(...(await forecastScope(store, def, { metric: d.metric, months, persist: Boolean(opts.save), ...(opts.asOf ? { asOf: opts.asOf } : {}) })));
    return out;
  });
  if (g.json) return stdio.json(all);
  if (all.length === 0) return stdio.out("nothing to forecast: the scope has less than a week of cost history");
  for (const f of all) {
    stdio.out(`${f.scope} (${f.currency}), forecast from ${f.asOf} on ${f.historyDays} days of history`);
    const row = (label: string, p: PeriodForecast): string[] => [
      label,
      trimMoney(toCents(p.actualToDate)),
      trimMoney(toCents(p.point)),
      `${trimMoney(toCents(p.lower80))} – ${trimMoney(toCents(p.upper80))}`,
      `${trimMoney(toCents(p.lower95))} – ${trimMoney(toCents(p.upper95))}`,
      String(p.daysLeft),
    ];
    stdio.out(
      renderTable(
        ["period", "actual to date", "forecast", "80% interval", "95% interval", "days left"],
        [row(`month ${f.monthEnd.start.slice(0, 7)}`, f.monthEnd), row(`quarter from ${f.quarterEnd.start}`, f.quarterEnd), row(`year ${f.yearEnd.start.slice(0, 4)}`, f.yearEnd), ...f.monthly.slice(1).map((m) => row(m.start.slice(0, 7), m))],
        { rightAlign: [1, 2, 3, 4, 5] },
      ),
    );
    stdio.out();
  }
}
