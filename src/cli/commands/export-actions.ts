/**
 * `costwise export focus`: runs the export and prints what was written (files, rows, totals per currency).
 */
import type { Command } from "commander";
import { exportFocus, type ExportFormat } from "../../engine/export/focus-export.js";
import { globalOptions, stdio, withStore } from "../context.js";

interface ExportFocusCliOptions {
  out: string;
  focusVersion: string;
  format: string;
  period?: string;
  allocated?: boolean;
}

export async function exportFocusCommand(opts: ExportFocusCliOptions, cmd: Command): Promise<void> {
  const global = globalOptions(cmd);
  const result = await withStore(global, (store) =>
    exportFocus(store, {
      version: opts.focusVersion,
      format: opts.format as ExportFormat,
      out: opts.out,
      allocated: Boolean(opts.allocated),
      generator: `costwise ${cmd.parent?.parent?.version() ?? ""}`.trim(),
      ...(opts.period !== undefined ? { period: opts.period } : {}),
    }),
  );
  if (global.json) {
    stdio.json(result);
    return;
  }
  stdio.out(`FOCUS ${result.version} ${result.allocated ? "allocated " : ""}export (${result.format}) in ${result.out}`);
  for (const f of result.files) {
    const totals = f.totals.map((t) => (f.dataset === "CostAndUsage" ? `${t.currency} billed ${t.billedCost}, effective ${t.effectiveCost}` : `${t.currency} ${t.billedCost}`)).join("; ");
    stdio.out(`  ${f.dataset.padEnd(18)} ${(f.period ?? "").padEnd(7)}  ${String(f.rows).padStart(9)} rows  ${totals}`);
  }
  stdio.out(`  metadata: ${result.metadata}`);
}
