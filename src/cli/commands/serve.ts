/**
 * `costwise serve`: the HTTP API and the dashboard over the store.
 */
import type { Command } from "commander";
import { lazyAction } from "./lazy-action.js";

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("serve the HTTP API (OpenAPI at /openapi.json) and the web dashboard over the store")
    .option("--host <address>", "listen address (config server.host; default 127.0.0.1). A non-loopback address needs API tokens")
    .option("--port <n>", "listen port (config server.port; default 8787; 0 picks a free port)")
    .option("--log-level <level>", "fatal, error, warn, info, debug or silent (config server.logLevel; default info)")
    .addHelpText(
      "after",
      `
Auth: while no API token exists, the server is open on loopback (local use) and refuses any other
address. Once a token exists (costwise token create), every API request needs
"Authorization: Bearer <token>"; a token bound to a team (--team) sees only that team's allocated costs.

Endpoints: /api/v1/... (see /openapi.json), /healthz, /metrics (Prometheus), / (dashboard).

Beside the server: while serve holds the store, it publishes <store>.serve.json (its loopback URL and a
random admin credential, readable by the store's owner only; removed when serve stops). CLI commands on
the same store (ingest, allocate, run, token, sources, query) find it and go through the server instead of
failing on the store's lock; their output and exit codes are the same.

With a costwise.yaml, serve also runs the feedback loop's jobs on their default schedules (sync hourly,
forecast/scan/commitments/kpi/summary daily, summary-weekly and recommend weekly, deliver every minute),
overridden per job under notify.jobs (notify.defaultSchedules: false runs only those); a job that missed
its previous scheduled time while serve was down runs once at start. costwise jobs lists the schedules.
The notify config is checked at start-up.

On a ClickHouse workspace (store.backend: clickhouse) the analyses and the dashboard read the workspace's
analysis replica (the DuckDB file): serve brings it in step with ClickHouse at start and every
store.clickhouse.refreshSeconds (default 60), copying only changed billing partitions.

Examples:
  costwise serve
  costwise --store org.duckdb serve --host 0.0.0.0 --port 8080`,
    )
    .action(lazyAction(() => import("./serve-actions.js"), "serve"));
}
