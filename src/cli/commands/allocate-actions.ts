/**
 * `costwise allocate`: apply the allocation rules (costwise.yaml `allocation:`, or its rules file) to all
 * loaded history, rebuilding `cost_allocation` in one transaction; `--preview` shows exactly what money a
 * rule change would move between owners, without writing anything.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { CostwiseError } from "../../core/errors.js";
import { compareMoney } from "../../core/money.js";
import { applyAllocation, previewAllocation } from "../../engine/allocation/allocate.js";
import { loadAllocation } from "../../engine/allocation/load-rules.js";
import { allocationSummary } from "../../engine/allocation/reports.js";
import { formatAmount } from "../../engine/query/run-query.js";
import { renderTable } from "../table.js";
import { globalOptions, stdio, withStoreOrServer, workspaceRef } from "../context.js";

interface AllocateOptions {
  preview?: boolean;
  rules?: string;
}

function signed(v: string): string {
  const s = formatAmount(v, { decimals: 2 });
  return compareMoney(v, "0") > 0 ? `+${s}` : s;
}

export function printTeams(summary: Awaited<ReturnType<typeof allocationSummary>>): void {
  stdio.out(
    renderTable(
      ["currency", summary.by, "billed", "of which shared"],
      summary.rows.map((r) => [r.currency, r.key, formatAmount(r.billedCost, { decimals: 2 }), formatAmount(r.sharedCost, { decimals: 2 })]),
      { rightAlign: [2, 3] },
    ),
  );
  for (const t of summary.totals) {
    stdio.out(`Total ${t.currency}: ${formatAmount(t.billedCost, { decimals: 2 })}, unallocated ${formatAmount(t.unallocated, { decimals: 2 })}`);
  }
}

export async function allocate(opts: AllocateOptions, cmd: Command) {
  const global = globalOptions(cmd);
  const loaded = loadAllocation(global.workspace.config, global.workspace.baseDir, opts.rules);
  if (global.store !== ":memory:" && !existsSync(global.store)) {
    throw new CostwiseError("NOT_FOUND", `no cost store at ${global.store}; ingest a bill first (costwise ingest) or pass --store`);
  }
  const remote = { op: "allocate", body: { preview: Boolean(opts.preview), rules: opts.rules ? resolve(opts.rules) : null, workspace: workspaceRef(global) } };
  if (opts.preview) {
    const p = await withStoreOrServer(global, remote, (store) => previewAllocation(store, loaded));
    if (global.json) return stdio.json(p);
    stdio.out(`Preview of rules ${p.proposedHash.slice(0, 12)} against the applied allocation ${p.appliedHash ? p.appliedHash.slice(0, 12) : "(none applied yet)"}`);
    const changed = p.owners.filter((o) => compareMoney(o.change, "0") !== 0);
    if (changed.length === 0) {
      stdio.out("No owner's cost would change.");
      return;
    }
    stdio.out(
      renderTable(
        ["currency", "owner", "current", "proposed", "change"],
        changed.map((o) => [o.currency, o.owner, formatAmount(o.current, { decimals: 2 }), formatAmount(o.proposed, { decimals: 2 }), signed(o.change)]),
        { rightAlign: [2, 3, 4] },
      ),
    );
    for (const m of p.moved) stdio.out(`Money changing owner: ${formatAmount(m.amount, { decimals: 2 })} ${m.currency}`);
    const rules = p.rules.filter((r) => compareMoney(r.change, "0") !== 0);
    if (rules.length) {
      stdio.out("");
      stdio.out(renderTable(["currency", "rule", "current", "proposed", "change"], rules.map((r) => [r.currency, r.ruleId, formatAmount(r.current, { decimals: 2 }), formatAmount(r.proposed, { decimals: 2 }), signed(r.change)]), { rightAlign: [2, 3, 4] }));
    }
    return;
  }
  // beside a running server the rules are applied by it (the store is its); the same run comes back
  const { run, summary } = await withStoreOrServer(global, remote, async (store) => {
    const run = await applyAllocation(store, loaded);
    return { run, summary: await allocationSummary(store, { by: "team" }) };
  });
  if (global.json) return stdio.json({ ...run, teams: summary });
  stdio.out(`Allocated ${run.lineItems.toLocaleString("en-US")} line items into ${run.rows.toLocaleString("en-US")} rows in ${run.seconds.toFixed(1)} s (rules ${run.rulesHash.slice(0, 12)})`);
  for (const r of run.reconciled) stdio.out(`Kubernetes ${r.cluster} ${r.period} ${r.currency}: node cost ${formatAmount(r.cloudBilled, { decimals: 2 })} replaced by its OpenCost allocation`);
  printTeams(summary);
}
