/**
 * `costwise clickhouse local`: a throwaway ClickHouse cluster of local server processes (N shards on loopback,
 * own config and data folders, no root daemon), with the costwise.yaml that points a workspace at it. For
 * trying the warehouse backend on one machine; production runs on the organisation's own cluster.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { startLocalCluster } from "../../engine/store/clickhouse/local-cluster.js";
import { globalOptions, stdio, usageError } from "../context.js";
import { waitForSignal } from "./serve-actions.js";

export async function local(opts: { dir: string; shards: string; database: string; writeConfig?: string }, cmd: Command) {
  const g = globalOptions(cmd);
  const shards = Number(opts.shards);
  if (!Number.isInteger(shards) || shards < 1 || shards > 16) throw usageError(`--shards takes a whole number from 1 to 16, not ${JSON.stringify(opts.shards)}`);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(opts.database)) throw usageError(`--database takes a plain identifier, not ${JSON.stringify(opts.database)}`);
  const cluster = await startLocalCluster(resolve(opts.dir), shards);
  try {
    const yaml = [
      "store:",
      "  backend: clickhouse",
      "  path: ./costwise.duckdb          # the analysis replica and the analyses' state",
      "  clickhouse:",
      `    cluster: ${cluster.cluster}`,
      `    database: ${opts.database}`,
      "    urls:",
      ...cluster.urls.map((u) => `      - ${u}`),
      "",
    ].join("\n");
    if (opts.writeConfig) writeFileSync(resolve(opts.writeConfig), yaml);
    if (g.json) stdio.json({ cluster: cluster.cluster, urls: cluster.urls, dir: cluster.dir, config: opts.writeConfig ? resolve(opts.writeConfig) : null });
    else {
      stdio.out(`ClickHouse cluster "${cluster.cluster}": ${shards} shard(s) at ${cluster.urls.join(", ")} (data in ${cluster.dir}); Ctrl-C stops it`);
      stdio.out(opts.writeConfig ? `wrote ${opts.writeConfig}:\n${yaml}` : `costwise.yaml for it:\n${yaml}`);
    }
    await waitForSignal();
  } finally {
    await cluster.stop();
  }
}
