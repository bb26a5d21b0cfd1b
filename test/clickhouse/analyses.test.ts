/**
 * Every analysis on a ClickHouse workspace: the demo (ingest, allocation, anomalies, forecasts, recommendations)
 * and the dashboard API run on the two-shard cluster's workspace with the same numbers as on the embedded store;
 * the analysis replica follows ClickHouse partition by partition (a re-delivered period replaces, a second sync
 * copies nothing), and commands that would write line items beside ClickHouse refuse.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireClickHouse, startTestCluster } from "../helpers/clickhouse.js";
import { FIXTURES, tempDir } from "../helpers/store.js";
import { runCli } from "../helpers/cli.js";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { ClickHouseStore } from "../../src/engine/store/clickhouse/clickhouse-store.js";
import { firstReplicaMonth, startReplicaRefresh, syncReplica } from "../../src/engine/store/clickhouse/analysis-replica.js";
import { buildServer, notifyDataChanged, type App } from "../../src/server/app.js";

const enabled = requireClickHouse("ClickHouse analyses tests");
const SMALL = ["--months", "2", "--scale", "0.2", "--no-serve"];

/** The demo's JSON summary without what differs between two runs of the same demo (timings, paths, run ids). */
function comparable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(comparable);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (/[sS]econds|[pP]erSecond|ingestIds|ingestId|path|dataDir|store|startedAt|finishedAt|asOf|runId|scanId|^file$|(At|_at|Seen)$|^at$/.test(k)) continue;
      out[k] = comparable(x);
    }
    return out;
  }
  return v;
}

describe.runIf(enabled)("analyses on a ClickHouse workspace", () => {
  let cluster: Awaited<ReturnType<typeof startTestCluster>>;
  const work = tempDir("costwise-chan-");
  let chConfig: string;
  let duckConfig: string;
  let chDemo: Record<string, unknown>;
  let duckDemo: Record<string, unknown>;

  beforeAll(async () => {
    cluster = await startTestCluster(2);
    chConfig = join(work.dir, "ch.yaml");
    writeFileSync(
      chConfig,
      `store:\n  backend: clickhouse\n  path: ./ch-replica.duckdb\n  clickhouse:\n    cluster: ${cluster.cluster}\n    database: analyses_test\n    urls:\n${cluster.urls.map((u) => `      - ${u}\n`).join("")}`,
    );
    duckConfig = join(work.dir, "duck.yaml");
    writeFileSync(duckConfig, `store:\n  path: ./duck.duckdb\n`);
    const a = await runCli("--config", chConfig, "--store", join(work.dir, "ch-replica.duckdb"), "--json", "demo", "--data-dir", join(work.dir, "demo-ch"), ...SMALL);
    const b = await runCli("--config", duckConfig, "--store", join(work.dir, "duck.duckdb"), "--json", "demo", "--data-dir", join(work.dir, "demo-duck"), ...SMALL);
    expect(a.err).not.toMatch(/\n\s+at /);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    chDemo = JSON.parse(a.out) as Record<string, unknown>;
    duckDemo = JSON.parse(b.out) as Record<string, unknown>;
  }, 600_000);

  afterAll(async () => {
    await cluster?.cleanup();
    work.cleanup();
  });

  it("the demo loads into ClickHouse and every analysis gives the embedded store's numbers", async () => {
    // the line items are in ClickHouse, on both shards
    const ch = await ClickHouseStore.open({ urls: cluster.urls, cluster: cluster.cluster, database: "analyses_test" });
    try {
      const perShard = await Promise.all([0, 1].map(async (i) => Number((await ch.allOn(i, `SELECT count() AS n FROM focus_costs_local`))[0]!["n"])));
      expect(perShard.every((n) => n > 0)).toBe(true);
      const duck = await DuckDbStore.open(join(work.dir, "duck.duckdb"));
      try {
        const d = await duck.all(`SELECT count(*)::BIGINT AS n, CAST(sum("BilledCost") AS VARCHAR) AS b FROM focus_costs`);
        const c = await ch.all(`SELECT toString(count()) AS n, toString(sum("BilledCost")) AS b FROM focus_costs`);
        expect(String(c[0]!["n"])).toBe(String(d[0]!["n"]));
        expect(Number(perShard[0]! + perShard[1]!)).toBe(Number(d[0]!["n"]));
        expect(String(c[0]!["b"]).replace(/0+$/, "")).toBe(String(d[0]!["b"]).replace(/0+$/, ""));
      } finally {
        await duck.close();
      }
    } finally {
      await ch.close();
    }
    // spend, allocation (by team, unallocated, shared), tag coverage, anomalies, forecasts, recommendations
    expect((chDemo["allocation"] as Record<string, unknown> | undefined)?.["teams"] ?? chDemo["allocation"]).toBeTruthy();
    expect(comparable(chDemo)).toEqual(comparable(duckDemo));
    expect((chDemo["analyses"] as { anomalies: number }).anomalies).toBeGreaterThan(0);
    expect((chDemo["analyses"] as { recommendations: number }).recommendations).toBeGreaterThan(0);
  });

  it("the dashboard API answers the same on both workspaces", async () => {
    const open = async (path: string): Promise<{ app: App; store: DuckDbStore }> => {
      const store = await DuckDbStore.open(path);
      const app = await buildServer({ store, logLevel: false, webDir: join(work.dir, "no-web"), warm: false });
      return { app, store };
    };
    const a = await open(join(work.dir, "ch-replica.duckdb"));
    const b = await open(join(work.dir, "duck.duckdb"));
    try {
      const paths = [
        "/api/v1/overview",
        "/api/v1/showback",
        "/api/v1/tag-coverage",
        "/api/v1/anomalies",
        "/api/v1/recommendations",
        "/api/v1/forecasts",
        "/api/v1/unit-costs",
        "/api/v1/costs?groupBy=ServiceName&granularity=month",
        "/api/v1/costs?groupBy=tag:team&granularity=day",
      ];
      let compared = 0;
      for (const url of paths) {
        const x = await a.app.inject({ method: "GET", url });
        const y = await b.app.inject({ method: "GET", url });
        expect(x.statusCode, url).toBe(y.statusCode);
        if (x.statusCode !== 200) continue;
        compared++;
        expect(comparable(x.json()), url).toEqual(comparable(y.json()));
      }
      expect(compared).toBeGreaterThanOrEqual(6);
    } finally {
      await a.app.close();
      await b.app.close();
      await a.store.close();
      await b.store.close();
    }
  });

  it("the replica follows a re-delivered period without double counting, and copies nothing when nothing changed", async () => {
    const file = join(FIXTURES, "focus/focus_sample.csv");
    for (const cfg of [chConfig, duckConfig]) {
      const store = cfg === chConfig ? join(work.dir, "ch-replica.duckdb") : join(work.dir, "duck.duckdb");
      expect((await runCli("--config", cfg, "--store", store, "ingest", file)).code).toBe(0);
      expect((await runCli("--config", cfg, "--store", store, "ingest", file)).code).toBe(0); // re-delivered
      expect((await runCli("--config", cfg, "--store", store, "allocate")).code).toBe(0);
    }
    const report = (cfg: string, store: string) => runCli("--config", cfg, "--store", store, "report", "allocation", "--by", "team", "--format", "csv");
    const x = await report(chConfig, join(work.dir, "ch-replica.duckdb"));
    const y = await report(duckConfig, join(work.dir, "duck.duckdb"));
    expect(x.code).toBe(0);
    expect(x.out).toMatch(/__unallocated__/);
    expect(x.out).toBe(y.out);
    // the typed query runs on ClickHouse itself: the re-delivered sample is counted once, as on the embedded store
    const q = ["query", "--group-by", "ProviderName,ServiceName", "--granularity", "month", "--csv"];
    const cq = await runCli("--config", chConfig, ...q);
    const dq = await runCli("--config", duckConfig, "--store", join(work.dir, "duck.duckdb"), ...q);
    expect(cq.code).toBe(0);
    expect(cq.out.split("\n").length).toBeGreaterThan(10);
    expect(cq.out).toBe(dq.out);

    // the replica equals ClickHouse partition by partition; a second sync has nothing to do
    const ch = await ClickHouseStore.open({ urls: cluster.urls, cluster: cluster.cluster, database: "analyses_test" });
    const local = await DuckDbStore.open(join(work.dir, "ch-replica.duckdb"));
    try {
      const again = await syncReplica(ch, local);
      expect(again.copied).toBe(0);
      expect(again.removed).toBe(0);
      expect(again.unchanged).toBeGreaterThan(1);
      const remote = await ch.all(`SELECT x_Partition AS p, toString(count()) AS n FROM focus_costs GROUP BY p ORDER BY p`);
      const mine = await local.all(
        `SELECT x_Source || '|' || coalesce("BillingAccountId", '') || '|' || strftime("BillingPeriodStart", '%Y%m') AS p, CAST(count(*) AS VARCHAR) AS n FROM focus_costs GROUP BY p ORDER BY p`,
      );
      expect(mine).toEqual(remote);
      // rows that are not in ClickHouse do not survive a sync (ClickHouse is the system of record)
      await local.run(`INSERT INTO focus_costs (x_Source, "BillingAccountId", "BillingPeriodStart", "BilledCost") VALUES ('stray', 'x', TIMESTAMP '2020-01-01', 1)`);
      await local.run(`INSERT INTO loaded_files VALUES ('stray', 'x', TIMESTAMP '2020-01-01', 'd', 'f', 'i', 'USD', 1, 1, 1, NULL, NULL)`);
      const cleaned = await syncReplica(ch, local);
      expect(cleaned.removed).toBe(1);
      expect((await local.all(`SELECT count(*)::INTEGER AS n FROM focus_costs WHERE x_Source = 'stray'`))[0]!["n"]).toBe(0);
    } finally {
      await local.close();
      await ch.close();
    }
  });

  it("a running server follows what lands in ClickHouse (periodic replica refresh, caches dropped)", async () => {
    const store = await DuckDbStore.open(join(work.dir, "ch-replica.duckdb"));
    const app = await buildServer({ store, logLevel: false, webDir: join(work.dir, "no-web"), warm: false });
    const own = await store.sibling();
    const errors: unknown[] = [];
    const refresh = startReplicaRefresh({
      open: () => ClickHouseStore.open({ urls: cluster.urls, cluster: cluster.cluster, database: "analyses_test" }),
      local: own,
      seconds: 1,
      changed: () => notifyDataChanged(app),
      onError: (e) => errors.push(e),
    });
    try {
      const sources = async () => JSON.stringify((await app.inject({ method: "GET", url: "/api/v1/sources" })).json());
      expect(await sources()).not.toMatch(/oci-cost/);
      // another process loads an OCI cost report into ClickHouse while the server runs
      const r = await runCli("--config", chConfig, "ingest", join(FIXTURES, "oci/reports_cost-csv_0001000000603747.csv"));
      expect(r.code).toBe(0);
      let seen = "";
      for (let i = 0; i < 120 && !/oci-cost/.test(seen); i++) {
        await new Promise((done) => setTimeout(done, 250));
        seen = await sources();
      }
      expect(seen).toMatch(/oci-cost/);
      expect(errors).toEqual([]);
    } finally {
      await refresh.stop();
      await own.close();
      await app.close();
      await store.close();
    }
  }, 120_000);

  it("costwise run sync copies what changed in ClickHouse and chains the analyses", async () => {
    const store = join(work.dir, "ch-replica.duckdb");
    expect((await runCli("--config", chConfig, "ingest", join(FIXTURES, "gcp/2024-03-01_5.csv"))).code).toBe(0);
    const r = await runCli("--config", chConfig, "--store", store, "--json", "run", "sync", "--attempts", "1");
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out) as { status: string; summary: { rowsLoaded: number; replica: { copied: number } }; chained: { job: string; status: string }[] };
    expect(result.status).toBe("ok");
    expect(result.summary.replica.copied).toBeGreaterThan(0);
    expect(result.summary.rowsLoaded).toBeGreaterThan(0);
    expect(result.chained.map((c) => c.job)).toEqual(["allocate", "detect", "budgets", "deliver"]);
    // nothing new: nothing copied, nothing chained
    const again = JSON.parse((await runCli("--config", chConfig, "--store", store, "--json", "run", "sync")).out) as typeof result;
    expect(again.summary.rowsLoaded).toBe(0);
    expect(again.chained).toEqual([]);
  }, 120_000);

  it("replicaMonths keeps only the recent billing months in the replica; ClickHouse keeps all of history", async () => {
    expect(firstReplicaMonth(3, new Date("2026-02-10T00:00:00Z"))).toBe(202512);
    expect(firstReplicaMonth(1, new Date("2026-10-31T23:00:00Z"))).toBe(202610);
    const ch = await ClickHouseStore.open({ urls: cluster.urls, cluster: cluster.cluster, database: "analyses_test" });
    const local = await DuckDbStore.open(join(work.dir, "windowed.duckdb"));
    try {
      const months = async () =>
        (await local.all(`SELECT DISTINCT strftime("BillingPeriodStart", '%Y%m') AS m FROM focus_costs ORDER BY m`)).map((r) => String(r["m"]));
      const r = await syncReplica(ch, local, { months: 1, now: new Date("2026-10-15T00:00:00Z") });
      expect(r.copied).toBeGreaterThan(0);
      expect(await months()).toEqual(["202610"]);
      const remoteMonths = (await ch.all(`SELECT DISTINCT toString(toYYYYMM("BillingPeriodStart")) AS m FROM focus_costs ORDER BY m`)).map((x) => String(x["m"]));
      expect(remoteMonths.length).toBeGreaterThan(2);
      // the same window's money as ClickHouse's
      const a = await local.all(`SELECT CAST(sum("BilledCost") AS VARCHAR) AS b FROM focus_costs`);
      const b = await ch.all(`SELECT toString(sum("BilledCost")) AS b FROM focus_costs WHERE toYYYYMM("BillingPeriodStart") >= 202610`);
      expect(String(a[0]!["b"]).replace(/\.?0+$/, "")).toBe(String(b[0]!["b"]).replace(/\.?0+$/, ""));
      // widening the window copies the rest
      await syncReplica(ch, local);
      expect(await months()).toEqual(remoteMonths);
    } finally {
      await local.close();
      await ch.close();
    }
  });

  it("commands that would write line items beside ClickHouse refuse with an explanation", async () => {
    const r = await runCli("--config", chConfig, "--store", join(work.dir, "ch-replica.duckdb"), "opencost", join(FIXTURES, "opencost/allocation_response.json"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/ClickHouse is the system of record/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});
