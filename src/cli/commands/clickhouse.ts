/**
 * `costwise clickhouse local`: a throwaway ClickHouse cluster of local server processes (N shards on loopback,
 * own config and data folders, no root daemon), with the costwise.yaml that points a workspace at it. For
 * trying the warehouse backend on one machine; production runs on the organisation's own cluster.
 */
import type { Command } from "commander";
import { lazyAction } from "./lazy-action.js";

export function registerClickHouse(program: Command): void {
  const ch = program.command("clickhouse").description("the ClickHouse warehouse backend: a local cluster to try it (see docs/clickhouse.md)");
  ch.command("local")
    .description("start a local ClickHouse cluster (N shards on loopback) and write the costwise.yaml that uses it; Ctrl-C stops it")
    .option("--dir <path>", "config and data folders of the servers", ".costwise-clickhouse")
    .option("--shards <n>", "number of shard servers", "2")
    .option("--database <name>", "database the workspace uses", "costwise")
    .option("--write-config <file>", "write a costwise.yaml for this cluster (store.backend: clickhouse) to <file>")
    .addHelpText(
      "after",
      `
Needs clickhouse-server (Debian: apt-get install clickhouse-server). Ports are picked free on every start,
so write the config each time. Data stays in --dir between starts.

Example (two terminals):
  costwise clickhouse local --write-config ch.yaml
  costwise --config ch.yaml demo          # the demo's bills land in ClickHouse; analyses run on its replica`,
    )
    .action(lazyAction(() => import("./clickhouse-actions.js"), "local"));
}
