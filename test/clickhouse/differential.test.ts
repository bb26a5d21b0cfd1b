/**
 * Differential suite: the same fixtures ingested into the embedded DuckDB store and into a two-shard
 * ClickHouse cluster give identical query results, to the cent, including after a re-delivered period.
 */
import fc from "fast-check";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clickhouseLiteral } from "../../src/core/query/compile.js";
import { parseQueryArgs, type QueryArgs } from "../../src/core/query/cost-query.js";
import { ingestFiles } from "../../src/engine/ingest/ingest.js";
import { queryOrThrow, runCostQuery } from "../../src/engine/query/run-query.js";
import { ClickHouseStore } from "../../src/engine/store/clickhouse/clickhouse-store.js";
import { ingestToClickHouse } from "../../src/engine/store/clickhouse/ingest.js";
import type { CostStore } from "../../src/engine/store/cost-store.js";
import type { DuckDbStore } from "../../src/engine/store/duckdb-store.js";
import { requireClickHouse, startTestCluster } from "../helpers/clickhouse.js";
import { splitCsv, writeCurDelivery } from "../helpers/cur-folder.js";
import { FIXTURES, LOCAL_FIXTURES, tempDir, tempStore } from "../helpers/store.js";

const enabled = requireClickHouse("ClickHouse differential tests");

const QUERIES: QueryArgs[] = [
  { metric: "BilledCost" },
  { metric: "EffectiveCost", groupBy: ["ProviderName,ServiceName"] },
  { metric: "BilledCost", groupBy: ["ServiceCategory"], granularity: "day" },
  { metric: "BilledCost", granularity: "month", groupBy: ["BillingAccountId"] },
  { metric: "ListCost", groupBy: ["RegionId"], filter: ["ProviderName=AWS"] },
  { metric: "BilledCost", groupBy: ["SubAccountId"], filter: ["ServiceName~%Compute%"], limit: "3" },
  { metric: "BilledCost", groupBy: ["ChargeCategory,ChargeFrequency"] },
  { metric: "ConsumedQuantity", groupBy: ["ConsumedUnit"] },
  { metric: "BilledCost", groupBy: ["x_Source"], filter: ["RegionId!=us-east-1"] },
  { metric: "BilledCost", groupBy: ["ChargePeriodStart"], limit: "5" },
  { metric: "BilledCost", groupBy: ["tag:env"], filter: ["tag:env is not null"] },
  { metric: "EffectiveCost", groupBy: ["ServiceName"], filter: ["ServiceName contains Storage", "ChargeCategory in Usage,Tax"], start: "2023-06-01", end: "2024-12-01", granularity: "month" },
];

async function results(store: CostStore): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const q of QUERIES) {
    const r = await runCostQuery(store, queryOrThrow(parseQueryArgs(q)));
    out.push({ q, rows: r.rows, totals: r.totals, truncated: r.truncated });
  }
  return out;
}

describe.runIf(enabled)("DuckDB and a two-shard ClickHouse cluster agree", () => {
  let cluster: Awaited<ReturnType<typeof startTestCluster>>;
  let ch: ClickHouseStore;
  let duck: { store: DuckDbStore; cleanup: () => Promise<void> };
  const work = tempDir("costwise-diff-");

  beforeAll(async () => {
    cluster = await startTestCluster(2);
    ch = await ClickHouseStore.open({ urls: cluster.urls, cluster: cluster.cluster, database: "costwise_test" });
    duck = await tempStore();
  }, 120_000);

  afterAll(async () => {
    await ch?.close();
    await cluster?.cleanup();
    await duck?.cleanup();
    work.cleanup();
  });

  it("ingests the same fixtures to the same totals and the same query results", async () => {
    const files = [join(FIXTURES, "focus/focus_sample.csv"), join(FIXTURES, "aws-cur/2023-06-01.csv"), join(LOCAL_FIXTURES, "cur-line-item-types.csv")];
    for (const f of files) {
      const a = await ingestFiles(duck.store, [f]);
      const b = await ingestToClickHouse(ch, [f]);
      expect(b.loadedTotal).toBe(a.loadedTotal);
      expect(b.rowsLoaded).toBe(a.rowsLoaded);
    }
    // rows really are spread over both shards
    const perShard = [await ch.allOn(0, `SELECT count() AS n FROM focus_costs_local`), await ch.allOn(1, `SELECT count() AS n FROM focus_costs_local`)];
    expect(perShard.every((r) => Number(r[0]!["n"]) > 0)).toBe(true);
    expect(await results(ch)).toEqual(await results(duck.store));
  });

  it("a re-delivered billing period replaces the old one on every shard, in both stores alike", async () => {
    const { header, rows } = splitCsv(join(LOCAL_FIXTURES, "cur-line-item-types.csv"));
    const period: [string, string] = ["2024-09-01", "2024-10-01"];
    const root = join(work.dir, "cur");
    writeCurDelivery(root, { header, rows, parts: 2, assemblyId: "aaaaaaaa-0000-0000-0000-000000000001", period });
    await ingestFiles(duck.store, [root]);
    await ingestToClickHouse(ch, [root]);
    // the month again, one charge fewer, under a new assembly id
    writeCurDelivery(root, { header, rows: rows.slice(1), parts: 1, assemblyId: "bbbbbbbb-0000-0000-0000-000000000002", period });
    const a = await ingestFiles(duck.store, [root]);
    const b = await ingestToClickHouse(ch, [root]);
    expect(b.rowsReplaced).toBe(a.rowsReplaced);
    expect(b.rowsReplaced).toBeGreaterThan(0);
    expect(await results(ch)).toEqual(await results(duck.store));
  });

  it("filter values that try to break out of their literal match nothing and break nothing", async () => {
    const evil = ["x' OR '1'='1", "x\\' OR 1=1 --", "'; DROP TABLE focus_costs_local; --", "\\", "a\0b", "Compute%' OR 1 --"];
    for (const v of evil) {
      const q = queryOrThrow(parseQueryArgs({ metric: "BilledCost", groupBy: ["ServiceName"], filter: [`ServiceName="${v.replace(/["\\]/g, "\\$&")}"`] }));
      const [x, y] = [await runCostQuery(ch, q), await runCostQuery(duck.store, q)];
      expect(x.rows).toEqual([]);
      expect(x.rows).toEqual(y.rows);
    }
    const still = await ch.all(`SELECT count() AS n FROM focus_costs`);
    expect(Number(still[0]!["n"])).toBeGreaterThan(0);
  });

  it("fuzz: any string inlined as a literal comes back from the server unchanged, as one value", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", maxLength: 40 }), async (s) => {
        const rows = await ch.all(`SELECT ${clickhouseLiteral(s)} AS v, 1 AS one`);
        expect(rows).toEqual([{ v: s, one: 1 }]);
      }),
      { numRuns: 300, examples: [["'"], ["\\"], ["\\'"], ["' UNION SELECT 1 --"], ["\0"], ["\t\n\r"], ["é漢字😀"]] },
    );
  });
});
