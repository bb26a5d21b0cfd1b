/**
 * Differential suite: the same fixtures ingested into the embedded DuckDB store and into a two-shard
 * ClickHouse cluster give identical query results, to the cent, including after a re-delivered period.
 */
import fc from "fast-check";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clickhouseLiteral, type CompileOptions } from "../../src/core/query/compile.js";
import { parseQueryArgs, type QueryArgs } from "../../src/core/query/cost-query.js";
import { ingestFiles } from "../../src/engine/ingest/ingest.js";
import { queryOrThrow, runCostQuery } from "../../src/engine/query/run-query.js";
import { ClickHouseStore } from "../../src/engine/store/clickhouse/clickhouse-store.js";
import { ingestToClickHouse } from "../../src/engine/ingest/sinks/clickhouse.js";
import type { CostStore } from "../../src/engine/store/cost-store.js";
import type { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
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
  // shapes for the rollups: daily windows, daily buckets, tags, negated filters, order by a dimension, limits
  { metric: "BilledCost", groupBy: ["ServiceName,tag:env"], granularity: "day", start: "2024-09-02", end: "2024-09-20" },
  { metric: "ContractedCost", groupBy: ["ChargeClass,PricingCategory"], filter: ["tag:env not in prod"], granularity: "day" },
  { metric: "EffectiveCost", groupBy: ["SubAccountName,RegionName"], filter: ["tag:team is null"], start: "2023-06-03", end: "2023-06-29" },
  { metric: "BilledCost", groupBy: ["BillingAccountName,BillingCurrency"], granularity: "month", order: ["BillingAccountName:desc"], limit: "2" },
  { metric: "ListCost", groupBy: ["tag:team"], filter: ["x_Source in aws-cur,focus", "ChargeCategory!=Tax"], granularity: "month", start: "2023-01-01", end: "2025-01-01" },
  { metric: "BilledCost", groupBy: ["ServiceName"], granularity: "hour", start: "2024-09-01", end: "2024-09-02" },
];

/** The tables of the ClickHouse store that the auto-choice used, per query (rollups must be exercised). */
function tablesUsed(ch: ClickHouseStore): string[] {
  return QUERIES.map((q) => ch.costQueryTable(queryOrThrow(parseQueryArgs(q)))?.table ?? "focus_costs");
}

async function results(store: CostStore, options: CompileOptions = {}): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const q of QUERIES) {
    const r = await runCostQuery(store, queryOrThrow(parseQueryArgs(q)), options);
    out.push({ q, rows: r.rows, totals: r.totals, truncated: r.truncated });
  }
  return out;
}

/** ClickHouse answers as `costwise query` gives them (rollups when they fit) equal the line items' answers. */
async function chResults(ch: ClickHouseStore): Promise<unknown[]> {
  const auto = await results(ch);
  expect(auto).toEqual(await results(ch, { table: "focus_costs" }));
  return auto;
}

/** On every shard and in every partition, both rollups hold exactly the line items' sums and counts. */
async function expectRollupsMatchLineItems(ch: ClickHouseStore): Promise<void> {
  const sums = `toString(sum("BilledCost")) AS b, toString(sum("EffectiveCost")) AS e, toString(sum("ListCost")) AS l, toString(sum("ContractedCost")) AS c`;
  for (let i = 0; i < ch.shards.length; i++) {
    const raw = await ch.allOn(i, `SELECT x_Partition AS p, ${sums}, count() AS n FROM focus_costs_local GROUP BY p ORDER BY p`);
    expect(raw.length).toBeGreaterThan(0);
    for (const t of ["focus_costs_daily_local", "focus_costs_monthly_local"]) {
      const rolled = await ch.allOn(i, `SELECT x_Partition AS p, ${sums}, sum(x_LineItems) AS n FROM ${t} GROUP BY p ORDER BY p`);
      expect(rolled).toEqual(raw);
    }
  }
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
    expect(await chResults(ch)).toEqual(await results(duck.store));
    const used = tablesUsed(ch);
    expect(used.filter((t) => t === "focus_costs_monthly").length).toBeGreaterThanOrEqual(6);
    expect(used.filter((t) => t === "focus_costs_daily").length).toBeGreaterThanOrEqual(3);
    expect(used.filter((t) => t === "focus_costs").length).toBeGreaterThanOrEqual(3);
    await expectRollupsMatchLineItems(ch);
    // the rollups are smaller than the line items they stand for
    const size = async (t: string) => Number((await ch.all(`SELECT count() AS n FROM ${t}`))[0]!["n"]);
    expect(await size("focus_costs_monthly")).toBeLessThan(await size("focus_costs_daily"));
    expect(await size("focus_costs_daily")).toBeLessThan(await size("focus_costs"));
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
    expect(await chResults(ch)).toEqual(await results(duck.store));
    await expectRollupsMatchLineItems(ch);
    // and the rollups of that month changed with it: one charge fewer, counted once
    const month = async (t: string) =>
      (await ch.all(`SELECT toString(sum(BilledCost)) AS b, toString(sum(${t === "focus_costs" ? "1" : "x_LineItems"})) AS n FROM ${t} WHERE ChargePeriodStart >= toDateTime('2024-09-01 00:00:00', 'UTC') AND ChargePeriodStart < toDateTime('2024-10-01 00:00:00', 'UTC')`))[0];
    const raw = await month("focus_costs");
    expect(await month("focus_costs_daily")).toEqual(raw);
    expect(await month("focus_costs_monthly")).toEqual(raw);
    const duckMonth = await duck.store.all(`SELECT count(*)::VARCHAR AS n FROM focus_costs WHERE ChargePeriodStart >= TIMESTAMP '2024-09-01' AND ChargePeriodStart < TIMESTAMP '2024-10-01'`);
    expect(raw!["n"]).toBe(duckMonth[0]!["n"]);
  });

  it("a store whose line items predate the rollups builds them on open, to the same answers", async () => {
    for (let i = 0; i < ch.shards.length; i++) {
      for (const t of ["focus_costs_daily", "focus_costs_monthly"]) {
        for (const suffix of ["", "_local", "_staging"]) await ch.runOn(i, `DROP TABLE IF EXISTS ${t}${suffix}`);
      }
    }
    await ch.close();
    ch = await ClickHouseStore.open({ urls: cluster.urls, cluster: cluster.cluster, database: "costwise_test" });
    await expectRollupsMatchLineItems(ch);
    expect(await chResults(ch)).toEqual(await results(duck.store));
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
