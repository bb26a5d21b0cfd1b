/**
 * Switching `store.backend` to clickhouse in costwise.yaml: the same CLI ingests into and queries the two-shard
 * cluster, with the numbers the embedded store gives; commands that need DuckDB say so instead of failing oddly.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireClickHouse, startTestCluster } from "../helpers/clickhouse.js";
import { FIXTURES, tempDir } from "../helpers/store.js";
import { runCli } from "../helpers/cli.js";

const enabled = requireClickHouse("ClickHouse CLI tests");

const cli = (...args: string[]) => runCli(...args);

describe.runIf(enabled)("costwise on a ClickHouse workspace", () => {
  let cluster: Awaited<ReturnType<typeof startTestCluster>>;
  const work = tempDir("costwise-chcli-");
  let chConfig: string;
  let duckConfig: string;

  beforeAll(async () => {
    cluster = await startTestCluster(2);
    chConfig = join(work.dir, "ch.yaml");
    writeFileSync(
      chConfig,
      `store:\n  backend: clickhouse\n  clickhouse:\n    cluster: ${cluster.cluster}\n    database: cli_test\n    urls:\n${cluster.urls.map((u) => `      - ${u}\n`).join("")}`,
    );
    duckConfig = join(work.dir, "duck.yaml");
    writeFileSync(duckConfig, `store:\n  path: ./costs.duckdb\n`);
  }, 120_000);

  afterAll(async () => {
    await cluster?.cleanup();
    work.cleanup();
  });

  it("ingests and queries with the same output as the DuckDB workspace", async () => {
    const file = join(FIXTURES, "focus/focus_sample.csv");
    const a = await cli("--config", chConfig, "--store", join(work.dir, "replica.duckdb"), "--json", "ingest", file);
    const b = await cli("--config", duckConfig, "--json", "ingest", file);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(JSON.parse(a.out).loadedTotal).toBe(JSON.parse(b.out).loadedTotal);
    const q = ["query", "--group-by", "ProviderName,ServiceCategory", "--granularity", "month", "--csv"];
    const x = await cli("--config", chConfig, ...q);
    const y = await cli("--config", duckConfig, ...q);
    expect(x.code).toBe(0);
    expect(x.out.split("\n").length).toBeGreaterThan(3);
    expect(x.out).toBe(y.out);
  });

  it("validate runs on the ClickHouse workspace (its analysis replica) with the embedded store's findings", async () => {
    const r = await cli("--config", chConfig, "--store", join(work.dir, "replica.duckdb"), "--json", "validate");
    const d = await cli("--config", duckConfig, "--json", "validate");
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.code).toBe(d.code);
    // (a rule's example row is any one violating row: which one depends on scan order, so it is left out)
    const strip = (t: string) => JSON.stringify(JSON.parse(t), (k, v) => (/store|path|location|[sS]econds|ingestId|^example$/.test(k) ? undefined : v));
    expect(JSON.parse(strip(r.out))).toEqual(JSON.parse(strip(d.out)));
    expect(JSON.parse(r.out)).toBeTruthy();
  });

  it("costwise clickhouse local starts a cluster a workspace can use, and Ctrl-C stops it", async () => {
    const bin = join(import.meta.dirname, "../../bin/costwise.js");
    const cfg = join(work.dir, "local.yaml");
    const child = spawn(process.execPath, [bin, "clickhouse", "local", "--dir", join(work.dir, "local-ch"), "--shards", "2", "--write-config", cfg], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
    try {
      for (let i = 0; i < 600 && !existsSync(cfg); i++) await new Promise((r) => setTimeout(r, 100));
      expect(existsSync(cfg), out).toBe(true);
      expect(readFileSync(cfg, "utf8")).toMatch(/backend: clickhouse[\s\S]*urls:\n\s+- http:\/\/127\.0\.0\.1:\d+\n\s+- http:\/\/127\.0\.0\.1:\d+/);
      const ingest = await cli("--config", cfg, "--store", join(work.dir, "local-replica.duckdb"), "--json", "ingest", join(FIXTURES, "focus/focus_sample.csv"));
      expect(ingest.code).toBe(0);
      expect(JSON.parse(ingest.out).rowsLoaded).toBe(1000);
    } finally {
      child.kill("SIGINT");
    }
    expect(await exited).toBe(0);
    expect(out).toMatch(/2 shard\(s\) at http/);
  }, 120_000);

  it("a bad clickhouse section points at the key", async () => {
    const bad = join(work.dir, "bad.yaml");
    writeFileSync(bad, "store:\n  backend: clickhouse\n  clickhouse:\n    urls: [http://a:8123, http://b:8123]\n");
    const r = await cli("--config", bad, "query");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.yaml:\d+:\d+ store\.clickhouse\.cluster: cluster is required/);
  });
});
