/**
 * `costwise report governance`: tag compliance KPIs from the recorded `costwise policy scan` runs: compliance
 * rate by resource count and by spend per scan, mean time to remediate, open violations by team.
 */
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { CostwiseError } from "../../core/errors.js";
import { governanceKpis } from "../../engine/governance/kpi.js";
import { formatAmount } from "../../engine/query/run-query.js";
import { renderTable } from "../table.js";
import { globalOptions, stdio, usageError, withStore } from "../context.js";
import { dayOption } from "./date-options.js";

const pct = (r: string | null): string => (r === null ? "-" : `${(Number(r) * 100).toFixed(1)}%`);

export async function governance(opts: { since?: string }, cmd: Command) {
  const global = globalOptions(cmd);
  dayOption(opts.since, "--since");
  if (global.store !== ":memory:" && !existsSync(global.store)) {
    throw new CostwiseError("NOT_FOUND", `no cost store at ${global.store}; run costwise policy scan first or pass --store`);
  }
  const k = await withStore(global, (store) => governanceKpis(store, opts.since ? { since: opts.since } : {}));
  if (global.json) {
    stdio.json(k);
    return;
  }
  if (k.scans.length === 0) {
    stdio.out("no governance scans recorded yet (run costwise policy scan)");
    return;
  }
  stdio.out("Compliance per scan");
  stdio.out(
    renderTable(
      ["scanned at", "checked", "compliant", "by count", "monthly spend", "compliant spend", "by spend"],
      k.scans.map((s) => [s.scannedAt, String(s.checked), String(s.compliant), pct(s.rateByCount), `${formatAmount(s.spend, { decimals: 2 })}${s.currency ? ` ${s.currency}` : ""}`, formatAmount(s.compliantSpend, { decimals: 2 }), pct(s.rateBySpend)]),
      { rightAlign: [1, 2, 3, 4, 5, 6] },
    ),
  );
  stdio.out("");
  stdio.out(
    k.mttr.resolved === 0
      ? "Mean time to remediate: no finding fixed yet"
      : `Mean time to remediate: ${k.mttr.meanHours} h (median ${k.mttr.medianHours} h) over ${k.mttr.resolved} fixed finding(s)`,
  );
  stdio.out("");
  stdio.out(`Open violations by team (latest scan ${k.latestScanId})`);
  stdio.out(
    k.openByTeam.length === 0
      ? "none"
      : renderTable(["team", "open findings", "blocking", "resources", "monthly cost"], k.openByTeam.map((t) => [t.team, String(t.openFindings), String(t.blocking), String(t.resources), formatAmount(t.monthlyCost, { decimals: 2 })]), { rightAlign: [1, 2, 3, 4] }),
  );
}
