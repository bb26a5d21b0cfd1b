/**
 * `costwise sync [name...]`: fetch and ingest the sources configured in costwise.yaml (all, or the named ones).
 */
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { CostwiseError } from "../../core/errors.js";
import { syncSources, type SourceSyncReport } from "../../engine/connectors/sync.js";
import { EXIT, globalOptions, requireEmbeddedCosts, setExit, stdio, withStore } from "../context.js";
import { renderTable } from "../table.js";

export async function sync(names: string[], opts: { staging?: string }, cmd: Command) {
  const g = globalOptions(cmd);
  const sources = g.workspace.config.sources ?? [];
  if (sources.length === 0) {
    throw new CostwiseError("BAD_CONFIG", `${g.workspace.file ?? "costwise.yaml"}: no sources: section; list the sources to sync there (see costwise sync --help)`);
  }
  requireEmbeddedCosts(g, "costwise sync");
  const stagingDir = opts.staging ? resolve(opts.staging) : join(dirname(resolve(g.store)), ".costwise-staging");
  const report = await withStore(g, (store) =>
    syncSources(sources, {
      store,
      stagingDir,
      baseDir: g.workspace.baseDir,
      only: names,
      onSourceStart: (s, i, n) => {
        if (!g.json) stdio.err(`[${i + 1}/${n}] ${s.name} (${s.type})`);
      },
      onSourceProgress: (_s, m) => {
        if (!g.json) stdio.err(`      ${m}`);
      },
      onSourceDone: (r) => {
        if (!g.json) stdio.err(`      ${r.status === "failed" ? "FAILED: " : ""}${r.message}`);
      },
    }),
  );
  if (report.failed > 0) setExit(cmd, EXIT.failure);
  if (g.json) return stdio.json(report);
  stdio.out(
    renderTable(
      ["source", "type", "status", "rows loaded", "seconds", "result"],
      report.sources.map((r: SourceSyncReport) => [r.name, r.type, r.status, String(r.rowsLoaded), r.seconds.toFixed(1), r.message]),
      { rightAlign: [3, 4] },
    ),
  );
  if (report.rowsNamed > 0) stdio.out(`account names from AWS Organizations set on ${report.rowsNamed} rows`);
  if (report.failed > 0) stdio.err(`error: ${report.failed} of ${report.sources.length} source${report.sources.length === 1 ? "" : "s"} failed: ${report.sources.filter((r) => r.status === "failed").map((r) => r.name).join(", ")}`);
}
