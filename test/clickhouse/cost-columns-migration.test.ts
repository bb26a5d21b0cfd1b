/**
 * A ClickHouse store created before a cost column existed (here x_CommitmentDiscountEndTime, migration 4 of
 * engine/store/schema.ts) gets the column when it is opened: on the local, staging and served tables, with a
 * cluster (Distributed) and on one server (VIEW), and the CUR end times land in it.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestToClickHouse } from "../../src/engine/ingest/sinks/clickhouse.js";
import { CH_LOCAL, CH_STAGING, ClickHouseStore } from "../../src/engine/store/clickhouse/clickhouse-store.js";
import { COST_TABLE } from "../../src/engine/store/schema.js";
import { requireClickHouse, startTestCluster } from "../helpers/clickhouse.js";
import { LOCAL_FIXTURES } from "../helpers/store.js";

const enabled = requireClickHouse("ClickHouse cost-column migration tests");
const NEW = "x_CommitmentDiscountEndTime";

describe.runIf(enabled)("cost columns added after a ClickHouse store was created", () => {
  let cluster: Awaited<ReturnType<typeof startTestCluster>>;

  beforeAll(async () => {
    cluster = await startTestCluster(2);
  }, 120_000);

  afterAll(async () => {
    await cluster?.cleanup();
  });

  /** The store as an older costwise left it: the new column dropped from every cost table (and the view made again without it). */
  async function makeOld(ch: ClickHouseStore, shards: number, served: "distributed" | "view"): Promise<void> {
    for (let i = 0; i < shards; i++) {
      if (served === "view") await ch.runOn(i, `DROP TABLE "${COST_TABLE}"`);
      for (const t of [CH_LOCAL, CH_STAGING, ...(served === "distributed" ? [COST_TABLE] : [])]) await ch.runOn(i, `ALTER TABLE "${t}" DROP COLUMN "${NEW}"`);
      if (served === "view") await ch.runOn(i, `CREATE VIEW "${COST_TABLE}" AS SELECT * FROM "${CH_LOCAL}"`);
    }
  }

  async function columnsOf(ch: ClickHouseStore, shard: number): Promise<string[]> {
    const rows = await ch.allOn(shard, `SELECT table FROM system.columns WHERE database = currentDatabase() AND name = '${NEW}' ORDER BY table`);
    return rows.map((r) => String(r["table"]));
  }

  async function endTimes(ch: ClickHouseStore): Promise<string[]> {
    const rows = await ch.all(`SELECT "CommitmentDiscountId" AS id, toString(max("${NEW}")) AS e FROM "${COST_TABLE}"
      WHERE "CommitmentDiscountId" IS NOT NULL GROUP BY id ORDER BY id`);
    return rows.map((r) => `${String(r["id"])} ${String(r["e"])}`);
  }

  const EXPECTED = [
    "arn:aws:ec2:us-east-1:111111111111:reserved-instances/ri-1 2025-01-05 00:00:00",
    "arn:aws:rds:us-east-1:111111111111:ri:ri-2 2026-02-28 11:00:00",
    "arn:aws:savingsplans::111111111111:savingsplan/sp-1 2027-03-31 23:59:59",
  ];

  it("with a cluster: added to the local, staging and Distributed tables on every shard", async () => {
    const opts = { urls: cluster.urls, cluster: cluster.cluster, database: "cols_cluster" };
    const first = await ClickHouseStore.open(opts);
    await makeOld(first, 2, "distributed");
    expect(await columnsOf(first, 0)).toEqual([]);
    await first.close();
    const ch = await ClickHouseStore.open(opts);
    try {
      for (const shard of [0, 1]) expect(await columnsOf(ch, shard)).toEqual([COST_TABLE, CH_LOCAL, CH_STAGING].sort());
      await ingestToClickHouse(ch, [join(LOCAL_FIXTURES, "cur-commitment-end-times.csv")]);
      expect(await endTimes(ch)).toEqual(EXPECTED);
    } finally {
      await ch.close();
    }
  }, 120_000);

  it("on one server: added to the tables, and the VIEW is made again so it shows the column", async () => {
    const opts = { urls: [cluster.urls[0]!], database: "cols_single" };
    const first = await ClickHouseStore.open(opts);
    await makeOld(first, 1, "view");
    expect(await columnsOf(first, 0)).toEqual([]);
    await first.close();
    const ch = await ClickHouseStore.open(opts);
    try {
      expect(await columnsOf(ch, 0)).toEqual([COST_TABLE, CH_LOCAL, CH_STAGING].sort());
      await ingestToClickHouse(ch, [join(LOCAL_FIXTURES, "cur-commitment-end-times.csv")]);
      expect(await endTimes(ch)).toEqual(EXPECTED);
    } finally {
      await ch.close();
    }
  }, 120_000);
});
