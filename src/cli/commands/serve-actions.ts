/**
 * `costwise serve`: the HTTP API and the dashboard over the store.
 */
import type { Command } from "commander";
import { serverSection } from "../../core/config/sections/server.js";
import { DuckDbStore } from "../../engine/store/duckdb/duckdb-store.js";
import { startScheduler } from "../../engine/jobs/scheduler.js";
import { effectiveSchedules } from "../../engine/jobs/schedule.js";
import { notifyConfigOf } from "../../engine/jobs/jobs.js";
import { notifyDataChanged, startServer } from "../../server/index.js";
import { replicaOptionsOf, startReplicaRefresh } from "../../engine/store/clickhouse/analysis-replica.js";
import { openClickHouseFromConfig } from "../../engine/store/clickhouse/clickhouse-store.js";
import { backendOf, globalOptions, stdio, syncFromClickHouse, usageError, type GlobalOptions } from "../context.js";

interface ServeCliOptions {
  host?: string;
  port?: string;
  logLevel?: string;
}

/** Re-syncs the analysis replica every `seconds` on its own connection; calls `changed` when partitions moved. */
async function followClickHouse(g: GlobalOptions, store: DuckDbStore, seconds: number, changed: () => Promise<void>): Promise<{ stop(): Promise<void> }> {
  const own = await store.sibling();
  const refresh = startReplicaRefresh({
    open: () => openClickHouseFromConfig(g.workspace.config.store!.clickhouse!),
    local: own,
    options: replicaOptionsOf(g.workspace.config.store!.clickhouse),
    seconds,
    changed: async (r) => {
      if (!g.json) stdio.err(`analysis replica: ${r.copied} partition(s) copied, ${r.removed} removed (${r.rows.toLocaleString("en")} rows) in ${r.seconds.toFixed(1)} s`);
      await changed();
    },
    onError: (e) => stdio.err(`analysis replica: refresh failed (retried in ${seconds} s): ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`),
  });
  return {
    async stop() {
      await refresh.stop();
      await own.close();
    },
  };
}

export function announce(url: string, json: boolean): void {
  if (json) stdio.json({ url });
  else stdio.out(`costwise dashboard and API: ${url}  (OpenAPI: ${url}openapi.json; Ctrl-C stops)`);
}

/** Resolves on SIGINT or SIGTERM. */
export function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.on("SIGINT", done);
    process.on("SIGTERM", done);
  });
}

export async function serve(opts: ServeCliOptions, cmd: Command) {
  const g = globalOptions(cmd);
  const cfg = serverSection.parse(g.workspace.config.server ?? {});
  const port = opts.port === undefined ? cfg.port : Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw usageError(`--port takes a port number 0-65535, not ${JSON.stringify(opts.port)}`);
  const levels = ["fatal", "error", "warn", "info", "debug", "silent"] as const;
  const logLevel = (opts.logLevel ?? cfg.logLevel) as (typeof levels)[number];
  if (!levels.includes(logLevel)) throw usageError(`--log-level takes one of ${levels.join(", ")}`);
  // bad tracker config fails at start, every problem listed (a tracker that is merely down does not stop serve)
  if (g.workspace.config.tickets) await (await import("../../engine/tickets/check.js")).assertTicketsConfig(g.workspace.config.tickets, { baseDir: g.workspace.baseDir, file: g.workspace.file });
  const store = await DuckDbStore.open(g.store, g.memoryLimit ? { memoryLimit: g.memoryLimit } : {});
  try {
    const ch = backendOf(g) === "clickhouse" ? g.workspace.config.store!.clickhouse! : undefined;
    if (ch) await syncFromClickHouse(g, store);
    const running = await startServer(store, { store, host: opts.host ?? cfg.host, port, auth: cfg.auth, readers: cfg.readers, logLevel, workspace: { config: g.workspace.config, baseDir: g.workspace.baseDir }, adminEndpoint: { storeFile: g.store, workspace: g.workspace } });
    announce(running.url, g.json);
    // the feedback loop's schedules (notify.jobs), on their own connection beside the server's
    // with a config file, every job runs on its default schedule unless notify.jobs overrides it (costwise jobs lists them)
    const withDefaults = g.workspace.file !== undefined;
    const jobs = effectiveSchedules(notifyConfigOf(g.workspace), { defaults: withDefaults }).some((j) => j.enabled);
    const jobStore = jobs ? await store.sibling() : undefined;
    const scheduler = jobStore
      ? startScheduler({ store: jobStore, workspace: g.workspace, log: (l) => stdio.err(`[jobs] ${l}`) }, g.workspace, async (r) => {
          const changed = [r, ...r.chained].some((x) => x.status === "ok" && (x.job === "sync" || x.job === "allocate"));
          if (changed) await notifyDataChanged(running.app);
        }, { defaults: withDefaults })
      : undefined;
    if (scheduler && !g.json) for (const j of scheduler.jobs) stdio.err(`[jobs] ${j.job}: ${j.schedule} (${j.timezone}), next ${j.next ?? "never"}`);
    // on a ClickHouse workspace: follow what lands in ClickHouse (the analysis replica, partition by partition)
    const refresher = ch && ch.refreshSeconds > 0 ? await followClickHouse(g, store, ch.refreshSeconds, () => notifyDataChanged(running.app)) : undefined;
    await waitForSignal();
    await refresher?.stop();
    scheduler?.stop();
    await running.close();
    await jobStore?.close();
  } finally {
    await store.close();
  }
}
