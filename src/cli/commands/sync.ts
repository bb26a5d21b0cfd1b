/**
 * `costwise sync [name...]`: fetch and ingest the sources configured in costwise.yaml (all, or the named ones).
 */
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { CostwiseError } from "../../core/errors.js";
import { syncSources, type SourceSyncReport } from "../../engine/connectors/sync.js";
import { EXIT, globalOptions, requireEmbeddedCosts, setExit, stdio, withStore } from "../context.js";
import { renderTable } from "../table.js";

export function registerSync(program: Command): void {
  program
    .command("sync")
    .description("fetch and ingest the sources configured in costwise.yaml (all, or the named ones)")
    .argument("[names...]", "source names from the sources: section (default: all, in the order written)")
    .option("--staging <dir>", "where downloads are staged before they load (default: .costwise-staging next to the store)")
    .addHelpText(
      "after",
      `
Source types: aws-cur-s3 (CUR / Data Exports in S3: only new or re-delivered report versions are fetched),
aws-cost-explorer (daily GetCostAndUsage, whole months replaced on each sync), aws-organizations (account
names and OU paths, joined onto AWS rows that lack names), azure-export (Cost Management exports in Blob
storage: only new or re-delivered export runs are fetched, each run replaces its month), files (paths or
globs), opencost (the /allocation API or a saved response), metrics (business metrics from CSV or JSON).

AWS credentials and region come from the standard AWS chain (environment, AWS_PROFILE or a source's
profile:, SSO, instance role); never from costwise.yaml. Throttling, timeouts and 5xx answers are retried
with backoff. Azure storage credentials (connection string, SAS token or account key) come only from the
environment variable or file a source names. A source that fails does not stop the others; the exit code is then 1.

Examples:
  costwise sync                 # every configured source
  costwise sync payer-cur org   # only these two
  costwise sync --json`,
    )
    .action(async (names: string[], opts: { staging?: string }, cmd: Command) => {
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
    });
}
