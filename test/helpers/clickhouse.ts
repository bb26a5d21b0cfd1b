/**
 * A two-shard ClickHouse cluster of local server processes for a test file (own config and data folders on
 * loopback ports, no root daemon). Missing clickhouse-server: skip loudly on a laptop, fail under CI=true.
 */
import { clickhouseServerCommand, startLocalCluster, type LocalCluster } from "../../src/engine/store/clickhouse/local-cluster.js";
import { tempDir } from "./store.js";

export function requireClickHouse(suite: string): boolean {
  if (clickhouseServerCommand()) return true;
  const msg = `clickhouse-server is not installed: ${suite} needs it (apt-get install clickhouse-server; .ci/run does this)`;
  if (process.env["CI"] === "true") throw new Error(`${msg}; CI=true, so this is a failure, not a skip`);
  console.warn(`\n*** SKIPPING ${suite}: ${msg} ***\n`);
  return false;
}

export async function startTestCluster(shards = 2): Promise<LocalCluster & { cleanup: () => Promise<void> }> {
  const { dir, cleanup } = tempDir("costwise-ch-");
  const cluster = await startLocalCluster(dir, shards);
  return {
    ...cluster,
    cleanup: async () => {
      await cluster.stop();
      cleanup();
    },
  };
}
