/**
 * The rollups on a single ClickHouse server (no cluster: the served tables are VIEWs, not Distributed tables):
 * maintained at ingest and answering the same as the line items.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseQueryArgs, type QueryArgs } from "../../src/core/query/cost-query.js";
import { queryOrThrow, runCostQuery } from "../../src/engine/query/run-query.js";
import { ClickHouseStore } from "../../src/engine/store/clickhouse/clickhouse-store.js";
import { ingestToClickHouse } from "../../src/engine/ingest/sinks/clickhouse.js";
import { requireClickHouse, startTestCluster } from "../helpers/clickhouse.js";
import { FIXTURES, LOCAL_FIXTURES } from "../helpers/store.js";

const enabled = requireClickHouse("ClickHouse single-server rollup tests");

const QUERIES: QueryArgs[] = [
  { metric: "BilledCost", groupBy: ["ServiceName"] },
  { metric: "EffectiveCost", groupBy: ["tag:env"], granularity: "day" },
  { metric: "ListCost", groupBy: ["BillingAccountId"], granularity: "month", filter: ["x_Source!=focus"] },
];

describe.runIf(enabled)("rollups on one ClickHouse server", () => {
  let server: Awaited<ReturnType<typeof startTestCluster>>;
  let ch: ClickHouseStore;

  beforeAll(async () => {
    server = await startTestCluster(1);
    ch = await ClickHouseStore.open({ urls: server.urls, database: "costwise_single" });
  }, 120_000);

  afterAll(async () => {
    await ch?.close();
    await server?.cleanup();
  });

  it("answers from the rollup views exactly what the line items answer", async () => {
    await ingestToClickHouse(ch, [join(FIXTURES, "focus/focus_sample.csv"), join(LOCAL_FIXTURES, "cur-line-item-types.csv")]);
    const kinds = await ch.all(`SELECT name, engine FROM system.tables WHERE database = currentDatabase() AND name IN ('focus_costs_daily', 'focus_costs_monthly') ORDER BY name`);
    expect(kinds).toEqual([
      { name: "focus_costs_daily", engine: "View" },
      { name: "focus_costs_monthly", engine: "View" },
    ]);
    for (const args of QUERIES) {
      const q = queryOrThrow(parseQueryArgs(args));
      expect(ch.costQueryTable(q)).toBeDefined();
      const fromRollup = await runCostQuery(ch, q);
      const fromLineItems = await runCostQuery(ch, q, { table: "focus_costs" });
      expect(fromRollup.rows.length).toBeGreaterThan(0);
      expect({ rows: fromRollup.rows, totals: fromRollup.totals }).toEqual({ rows: fromLineItems.rows, totals: fromLineItems.totals });
    }
  });
});
