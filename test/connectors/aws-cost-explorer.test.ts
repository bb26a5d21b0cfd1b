/** Cost Explorer connector against a real moto_server: every page fetched, rows exact, re-sync replaces. */
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { addMoney } from "../../src/core/money.js";
import { costExplorerWindow, syncCostExplorer } from "../../src/engine/connectors/aws-cost-explorer.js";
import type { ConnectorContext } from "../../src/engine/connectors/context.js";
import type { AwsCostExplorerSource } from "../../src/core/config/sections/sources.js";
import type { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { queueCostExplorerResults, useTestAwsEnv } from "../helpers/aws-env.js";
import { requireMoto, startMoto, type Moto } from "../helpers/moto.js";
import { tempStore } from "../helpers/store.js";

const enabled = requireMoto("Cost Explorer connector");

const group = (service: string, account: string, unblended: string, amortized = unblended) => ({
  Keys: [service, account],
  Metrics: { UnblendedCost: { Amount: unblended, Unit: "USD" }, AmortizedCost: { Amount: amortized, Unit: "USD" } },
});
const day = (start: string, end: string, estimated: boolean, groups: unknown[]) => ({ TimePeriod: { Start: start, End: end }, Total: {}, Groups: groups, Estimated: estimated });
const names = [
  { Value: "111111111111", Attributes: { description: "payments-prod" } },
  { Value: "222222222222", Attributes: { description: "search-dev" } },
];
// two pages: the first says there is more (NextPageToken), the second ends the list
export const CE_PAGES = [
  {
    ResultsByTime: [
      day("2024-08-01", "2024-08-02", false, [group("Amazon Elastic Compute Cloud - Compute", "111111111111", "10.1234567891", "9.50"), group("Amazon Simple Storage Service", "222222222222", "0.0000000001")]),
      day("2024-08-31", "2024-09-01", false, [group("Tax", "111111111111", "1.99")]),
    ],
    DimensionValueAttributes: names,
    NextPageToken: "page-2",
    GroupDefinitions: [{ Type: "DIMENSION", Key: "SERVICE" }, { Type: "DIMENSION", Key: "LINKED_ACCOUNT" }],
  },
  {
    ResultsByTime: [
      day("2024-09-01", "2024-09-02", false, [group("Amazon Elastic Compute Cloud - Compute", "111111111111", "12.00"), group("AWS Lambda", "222222222222", "-0.25")]),
      day("2024-09-02", "2024-09-03", true, [group("Amazon Elastic Compute Cloud - Compute", "111111111111", "11.50")]),
    ],
    DimensionValueAttributes: names,
    GroupDefinitions: [{ Type: "DIMENSION", Key: "SERVICE" }, { Type: "DIMENSION", Key: "LINKED_ACCOUNT" }],
  },
];
export const CE_TOTAL = addMoney("10.1234567891", "0.0000000001", "1.99", "12.00", "-0.25", "11.50");

describe.runIf(enabled)("Cost Explorer connector (moto)", () => {
  let moto: Moto;
  let store: DuckDbStore;
  let dir: string;
  let cleanup: () => Promise<void>;
  const source: AwsCostExplorerSource = {
    name: "ce",
    type: "aws-cost-explorer",
    groupBy: ["SERVICE", "LINKED_ACCOUNT"],
    tagKeys: [],
    lookbackDays: 10,
    billingAccountId: "999999999999",
  };
  const ctx = (): ConnectorContext => ({ store, stagingDir: join(dir, "staging"), baseDir: dir, now: new Date("2024-09-03T08:00:00Z") });

  beforeAll(async () => {
    useTestAwsEnv();
    moto = await startMoto();
  });
  afterAll(async () => moto?.stop());
  beforeEach(async () => {
    await moto.reset();
    ({ store, dir, cleanup } = await tempStore());
  });
  afterEach(async () => cleanup());

  it("the window is whole months from the lookback day to today", () => {
    expect(costExplorerWindow(new Date("2024-09-03T08:00:00Z"), 10)).toEqual({ start: "2024-08-01", end: "2024-09-03" });
    expect(costExplorerWindow(new Date("2024-03-15T00:00:00Z"), 60)).toEqual({ start: "2024-01-01", end: "2024-03-15" });
  });

  it("fetches every page, lands exact FOCUS rows, names the linked accounts, and a re-sync replaces instead of doubling", async () => {
    await queueCostExplorerResults(moto.endpoint, CE_PAGES);
    const s = { ...source, endpoint: moto.endpoint };
    const first = await syncCostExplorer(ctx(), s);
    expect(first.status).toBe("ok");
    expect(first.rowsLoaded).toBe(6); // 3 groups on page 1, 3 on page 2: both pages were read
    const rows = await store.all(`SELECT x_Source, "BillingAccountId", "SubAccountId", "SubAccountName", "ServiceName", "ChargeCategory",
        strftime("ChargePeriodStart", '%Y-%m-%d') AS d, strftime("BillingPeriodStart", '%Y-%m-%d') AS p, "BilledCost"::VARCHAR AS b, "EffectiveCost"::VARCHAR AS e
      FROM focus_costs ORDER BY d, "ServiceName"`);
    expect(rows[0]).toMatchObject({ x_Source: "aws-ce", BillingAccountId: "999999999999", SubAccountId: "111111111111", SubAccountName: "payments-prod",
      ServiceName: "Amazon Elastic Compute Cloud - Compute", ChargeCategory: "Usage", d: "2024-08-01", p: "2024-08-01", b: "10.1234567891", e: "9.5000000000" });
    expect(rows.find((r) => r["ServiceName"] === "Tax")).toMatchObject({ ChargeCategory: "Tax", p: "2024-08-01" });
    expect(rows.find((r) => r["ServiceName"] === "AWS Lambda")).toMatchObject({ b: "-0.2500000000", SubAccountName: "search-dev", p: "2024-09-01" });
    const total = async () => String((await store.all(`SELECT sum("BilledCost")::VARCHAR AS t, count(*)::BIGINT AS n FROM focus_costs`))[0]!["t"]);
    expect(await total()).toBe(addMoney(CE_TOTAL, "0"));

    // same request again: moto answers the same pages; the fetched months are replaced, not added
    const second = await syncCostExplorer(ctx(), s);
    expect(second.rowsLoaded).toBe(6);
    expect(second.details?.["replaced"]).toBe(6);
    expect(await total()).toBe(addMoney(CE_TOTAL, "0"));
    const days = await store.all(`SELECT strftime(day, '%Y-%m-%d') AS d, estimated FROM connector_ce_days WHERE source_name = 'ce' ORDER BY day`);
    expect(days).toEqual([
      { d: "2024-08-01", estimated: false },
      { d: "2024-08-31", estimated: false },
      { d: "2024-09-01", estimated: false },
      { d: "2024-09-02", estimated: true },
    ]);
  });

  it("a tag grouping lands as Tags, untagged as no tag", async () => {
    await queueCostExplorerResults(moto.endpoint, [
      {
        ResultsByTime: [
          day("2024-09-01", "2024-09-02", false, [
            { Keys: ["AWS Lambda", "team$search"], Metrics: { UnblendedCost: { Amount: "3.00", Unit: "USD" }, AmortizedCost: { Amount: "3.00", Unit: "USD" } } },
            { Keys: ["AWS Lambda", "team$"], Metrics: { UnblendedCost: { Amount: "1.00", Unit: "USD" }, AmortizedCost: { Amount: "1.00", Unit: "USD" } } },
          ]),
        ],
      },
    ]);
    const r = await syncCostExplorer(ctx(), { ...source, endpoint: moto.endpoint, groupBy: ["SERVICE"], tagKeys: ["team"] });
    expect(r.rowsLoaded).toBe(2);
    const rows = await store.all(`SELECT "Tags"['team'] AS team, "BilledCost"::VARCHAR AS b FROM focus_costs ORDER BY b`);
    expect(rows).toEqual([{ team: null, b: "1.0000000000" }, { team: "search", b: "3.0000000000" }]);
  });
});
