/**
 * Starts a ClickHouse cluster of local server processes on loopback: N shards, one replica each, each with its
 * own config and data folder under `dir`, no root daemon. Used by the tests, the benchmark and
 * `costwise clickhouse local` (a throwaway cluster for trying the warehouse backend on one machine).
 *
 * Works with Debian's clickhouse-server 18.16 (`/usr/sbin/clickhouse-server --config-file=…`) and with current
 * releases (`clickhouse server --config-file=…`).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { CostwiseError } from "../../../core/errors.js";

export interface LocalCluster {
  /** HTTP URL of each shard's server, shard order. */
  urls: string[];
  cluster: string;
  dir: string;
  stop(): Promise<void>;
}

/** The server command on this machine, or undefined. */
export function clickhouseServerCommand(): string[] | undefined {
  for (const cmd of [["clickhouse-server"], ["/usr/sbin/clickhouse-server"], ["clickhouse", "server"]]) {
    const probe = spawnSync(cmd[0]!, [...cmd.slice(1), "--version"], { stdio: "ignore" });
    if (!probe.error) return cmd;
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const a = srv.address();
      const port = typeof a === "object" && a ? a.port : 0;
      srv.close(() => done(port));
    });
  });
}

export async function startLocalCluster(dir: string, shards = 2, cluster = "costwise"): Promise<LocalCluster> {
  const cmd = clickhouseServerCommand();
  if (!cmd) throw new CostwiseError("NOT_FOUND", "clickhouse-server is not installed (Debian: apt-get install clickhouse-server)");
  const root = resolve(dir);
  const ports: { http: number; tcp: number; inter: number }[] = [];
  for (let i = 0; i < shards; i++) ports.push({ http: await freePort(), tcp: await freePort(), inter: await freePort() });
  const remote = ports.map((p) => `      <shard><replica><host>127.0.0.1</host><port>${p.tcp}</port></replica></shard>`).join("\n");
  const children: ChildProcess[] = [];
  const logs: string[] = [];
  for (let i = 0; i < shards; i++) {
    const home = join(root, `shard${i + 1}`);
    for (const sub of ["data", "tmp", "user_files", "log"]) mkdirSync(join(home, sub), { recursive: true });
    const p = ports[i]!;
    writeFileSync(
      join(home, "users.xml"),
      `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`,
    );
    writeFileSync(
      join(home, "config.xml"),
      `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${home}/log/server.log</log><errorlog>${home}/log/err.log</errorlog></logger>
  <http_port>${p.http}</http_port>
  <tcp_port>${p.tcp}</tcp_port>
  <interserver_http_port>${p.inter}</interserver_http_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${home}/data/</path>
  <tmp_path>${home}/tmp/</tmp_path>
  <user_files_path>${home}/user_files/</user_files_path>
  <format_schema_path>${home}/format_schemas/</format_schema_path>
  <users_config>${home}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <remote_servers>
    <${cluster}>
${remote}
    </${cluster}>
  </remote_servers>
</yandex>
`,
    );
    const child = spawn(cmd[0]!, [...cmd.slice(1), `--config-file=${join(home, "config.xml")}`], { cwd: home, stdio: ["ignore", "ignore", "pipe"] });
    child.stderr?.on("data", (d: Buffer) => {
      logs[i] = ((logs[i] ?? "") + d.toString()).slice(-2000);
    });
    children.push(child);
  }
  const urls = ports.map((p) => `http://127.0.0.1:${p.http}`);
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((done) => {
            if (c.exitCode !== null || c.signalCode !== null) return done();
            c.once("exit", () => done());
            c.kill("SIGTERM");
            setTimeout(() => c.kill("SIGKILL"), 5000).unref();
          }),
      ),
    );
  };
  const deadline = Date.now() + 60_000;
  for (let i = 0; i < shards; i++) {
    for (;;) {
      const child = children[i]!;
      if (child.exitCode !== null) {
        await stop();
        const err = join(root, `shard${i + 1}`, "log", "err.log");
        throw new CostwiseError("STORE", `clickhouse-server shard ${i + 1} exited (${child.exitCode}): ${logs[i] ?? ""}${existsSync(err) ? ` (see ${err})` : ""}`);
      }
      try {
        const res = await fetch(`${urls[i]}/ping`);
        if (res.ok) break;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) {
        await stop();
        throw new CostwiseError("STORE", `clickhouse-server shard ${i + 1} did not answer on ${urls[i]} within 60 s`);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  return { urls, cluster, dir: root, stop };
}
