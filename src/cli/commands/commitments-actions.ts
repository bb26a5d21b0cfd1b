/**
 * `costwise commitments`: RI and Savings Plan utilization, coverage, effective savings rate and expiry from
 * the bill; `commitments plan`: the Savings Plan purchase that maximizes net savings.
 */
import type { Command } from "commander";
import { formatMoney, parseMoney } from "../../core/money.js";
import { commitmentReport } from "../../engine/optimize/commitment-analysis.js";
import { savingsPlanRecommendations } from "../../engine/optimize/commitment-analysis.js";
import { globalOptions, stdio, usageError, withStore } from "../context.js";
import { renderTable } from "../table.js";
import { optimizationConfig } from "./recommend-actions.js";
import { timeOptionDate } from "./date-options.js";

const pct = (r: string | null): string => (r === null ? "n/a" : `${(Number(r) * 100).toFixed(2)}%`);
const cents = (m: string | null): string => (m === null ? "n/a" : formatMoney(parseMoney(m), 2));

export async function report(opts: { start?: string; end?: string }, cmd: Command) {
  const g = globalOptions(cmd);
  const cfg = optimizationConfig(g);
  const start = timeOptionDate(opts.start, "--start");
  const end = timeOptionDate(opts.end, "--end");
  const r = await withStore(g, (store) => commitmentReport(store, cfg, { ...(start ? { start } : {}), ...(end ? { end } : {}) }));
  if (g.json) return stdio.json(r);
  if (r.commitments.length === 0) return stdio.out("no commitment (RI / Savings Plan) rows in the store for this window");
  stdio.out(
    renderTable(
      ["commitment", "type", "used", "unused", "utilization", "savings", "ESR", "ends", "expiring"],
      r.commitments.map((x) => [x.commitmentId, x.type ?? "", cents(x.used), cents(x.unused), pct(x.utilization), cents(x.netSavings), pct(x.effectiveSavingsRate), x.endsAt ?? "unknown", x.expiresWithinDays ? `<= ${x.expiresWithinDays} days` : ""]),
      { rightAlign: [2, 3, 4, 5, 6] },
    ),
  );
  const o = r.overall;
  stdio.out(`overall (${r.currency ?? "?"}): utilization ${pct(o.utilization)}, coverage ${pct(o.coverage)} (covered ${cents(o.used)} of ${cents(formatMoney(parseMoney(o.used) + parseMoney(o.onDemandEligible)))} eligible), effective savings rate ${pct(o.effectiveSavingsRate)}`);
  if (r.endUnknown.length) stdio.out(`end date unknown from the bill (no end-time column, e.g. CUR reservation/EndTime or savingsPlan/EndTime, and no one-time purchase row spanning the term) for ${r.endUnknown.length} commitment(s)`);
}

export async function plan(opts: { plan?: string }, cmd: Command) {
  const g = globalOptions(cmd);
  const cfg = optimizationConfig(g);
  const rows = await withStore(g, (store) => savingsPlanRecommendations(store, cfg, opts.plan ? { plans: [opts.plan] } : {}));
  if (g.json) return stdio.json({ savingsPlans: rows });
  if (rows.length === 0) return stdio.out("no on-demand eligible usage in the store (see optimization.savingsPlans.eligibleServices)");
  stdio.out(
    renderTable(
      ["plan", "lookback", "discount", "commitment/h", "on-demand", "net savings", "per month", "utilization", "coverage", "break-even"],
      rows.map((r) => [r.plan, `${r.lookbackDays} d`, r.discount, formatMoney(parseMoney(r.hourlyCommitment), 4), cents(r.onDemandCost), cents(r.netSavings), cents(r.monthlyNetSavings), pct(r.expectedUtilization), pct(r.expectedCoverage), r.breakEvenMonths ? `${r.breakEvenMonths} months` : ""]),
      { rightAlign: [3, 4, 5, 6, 7, 8] },
    ),
  );
}
