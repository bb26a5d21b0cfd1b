/**
 * The FOCUS 1.3 provider columns on a ClickHouse store made before them: when the store is opened the columns are
 * added (engine/store/clickhouse) and the rows already there get them derived with the same SQL as the DuckDB
 * migration (schema.ts DERIVED_COLUMNS): ServiceProviderName from ProviderName, HostProviderName from ProviderName
 * ("Not Applicable" on Tax rows), on every shard.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestToClickHouse } from "../../src/engine/ingest/sinks/clickhouse.js";
import { CH_LOCAL, CH_STAGING, ClickHouseStore } from "../../src/engine/store/clickhouse/clickhouse-store.js";
import { COST_TABLE } from "../../src/engine/store/schema.js";
import { requireClickHouse, startTestCluster } from "../helpers/clickhouse.js";
import { LOCAL_FIXTURES } from "../helpers/store.js";

const enabled = requireClickHouse("ClickHouse FOCUS 1.3 column migration tests");
const DROPPED = ["ServiceProviderName", "HostProviderName"];

describe.runIf(enabled)("FOCUS 1.3 provider columns added to an older ClickHouse store", () => {
  let cluster: Awaited<ReturnType<typeof startTestCluster>>;
  beforeAll(async () => {
    cluster = await startTestCluster(2);
  }, 120_000);
  afterAll(async () => {
    await cluster?.cleanup();
  });

  it.each([
    { name: "with a cluster", single: false },
    { name: "on one server", single: true },
  ])("$name: rows loaded before get the columns derived", async ({ single }) => {
    const opts = single ? { urls: [cluster.urls[0]!], database: "focus13_single" } : { urls: cluster.urls, cluster: cluster.cluster, database: "focus13_cluster" };
    const shards = single ? 1 : 2;
    const first = await ClickHouseStore.open(opts);
    await ingestToClickHouse(first, [join(LOCAL_FIXTURES, "cur-line-item-types.csv")]);
    const before = await first.all(`SELECT "ChargeCategory" AS c, toString(sum("BilledCost")) AS b, count() AS n FROM "${COST_TABLE}" GROUP BY c ORDER BY c`);
    expect(before.map((r) => r["c"])).toContain("Tax");
    // the store as an older costwise left it: the 1.3 provider columns dropped everywhere
    for (let i = 0; i < shards; i++) {
      if (single) await first.runOn(i, `DROP TABLE "${COST_TABLE}"`);
      for (const t of [CH_LOCAL, CH_STAGING, ...(single ? [] : [COST_TABLE])]) for (const c of DROPPED) await first.runOn(i, `ALTER TABLE "${t}" DROP COLUMN "${c}"`);
      if (single) await first.runOn(i, `CREATE VIEW "${COST_TABLE}" AS SELECT * FROM "${CH_LOCAL}"`);
    }
    await first.close();

    const ch = await ClickHouseStore.open(opts);
    try {
      const rows = await ch.all(`SELECT "ChargeCategory" AS c, "ServiceProviderName" AS sp, "HostProviderName" AS host, count() AS n FROM "${COST_TABLE}" GROUP BY c, sp, host ORDER BY c`);
      expect(rows.length).toBe(before.length);
      for (const r of rows) {
        expect(r["sp"]).toBe("AWS");
        expect(r["host"]).toBe(r["c"] === "Tax" ? "Not Applicable" : "AWS");
      }
      const after = await ch.all(`SELECT "ChargeCategory" AS c, toString(sum("BilledCost")) AS b, count() AS n FROM "${COST_TABLE}" GROUP BY c ORDER BY c`);
      expect(after).toEqual(before);
    } finally {
      await ch.close();
    }
  }, 120_000);
});
