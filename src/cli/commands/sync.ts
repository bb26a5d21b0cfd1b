/**
 * `costwise sync [name...]`: fetch and ingest the sources configured in costwise.yaml (all, or the named ones).
 */
import type { Command } from "commander";
import { lazyAction } from "./lazy-action.js";

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
    .action(lazyAction(() => import("./sync-actions.js"), "sync"));
}
