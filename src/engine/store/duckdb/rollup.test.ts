/**
 * The explorer's star rollup (keys + daily/monthly facts): the plan tiles a query's window exactly, and every
 * query it answers equals the same query on the cost table, to the digit (rows and totals), over data with
 * NULL dimensions and metrics, missing and empty Tags, tag maps written in different key orders, and values
 * too large for the narrow fact columns.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCostQuery } from "../../../core/query/cost-query.js";
import { queryOrThrow, runCostQuery } from "../../query/run-query.js";
import type { DuckDbStore } from "./duckdb-store.js";
import { tempStore } from "../../../../test/helpers/store.js";
import { DAILY_FACTS_TABLE, MONTHLY_FACTS_TABLE, ROLLUP_KEYS_TABLE, ROLLUP_PROJECTIONS, projectionFor, projectionTables, refreshRollup, rollupEligible, rollupPlan } from "./rollup.js";

function q(body: Record<string, unknown>) {
  return queryOrThrow(parseCostQuery(body));
}

function parts(body: Record<string, unknown>) {
  return rollupPlan(q(body)).star!.parts.map((p) => `${p.table.startsWith(MONTHLY_FACTS_TABLE) ? "month" : "day"} ${p.start?.slice(0, 10) ?? "-∞"}..${p.end?.slice(0, 10) ?? "∞"}`);
}

describe("rollupPlan", () => {
  it("reads day granularity from the daily facts over the window", () => {
    expect(parts({ granularity: "day", start: "2026-01-15", end: "2026-04-10" })).toEqual(["day 2026-01-15..2026-04-10"]);
    expect(parts({ granularity: "day" })).toEqual(["day -∞..∞"]);
  });

  it("tiles month and none windows with whole months and edge days", () => {
    expect(parts({ granularity: "month", start: "2026-01-15", end: "2026-04-10" })).toEqual(["month 2026-02-01..2026-04-01", "day 2026-01-15..2026-02-01", "day 2026-04-01..2026-04-10"]);
    expect(parts({ start: "2026-01-01", end: "2026-03-01" })).toEqual(["month 2026-01-01..2026-03-01"]);
    expect(parts({ start: "2026-12-31", end: "2027-01-31" })).toEqual(["day 2026-12-31..2027-01-31"]);
    expect(parts({ start: "2026-01-31", end: "2026-03-01" })).toEqual(["month 2026-02-01..2026-03-01", "day 2026-01-31..2026-02-01"]);
    expect(parts({ end: "2026-03-05" })).toEqual(["month -∞..2026-03-01", "day 2026-03-01..2026-03-05"]);
    expect(parts({ start: "2026-03-05" })).toEqual(["month 2026-04-01..∞", "day 2026-03-05..2026-04-01"]);
    expect(parts({ granularity: "month" })).toEqual(["month -∞..∞"]);
    expect(parts({ granularity: "month", start: "2026-03-05", end: "2026-03-06" })).toEqual(["day 2026-03-05..2026-03-06"]);
  });

  it("reads the smallest projection holding every dimension the query touches", () => {
    const pick = (body: Record<string, unknown>) => projectionFor(q(body)).name;
    expect(pick({ groupBy: ["ServiceName"] })).toBe("service");
    expect(pick({})).toBe("service");
    expect(pick({ groupBy: ["SubAccountId", "RegionId"] })).toBe("account");
    expect(pick({ groupBy: ["SubAccountId"], filters: [{ on: "ServiceName", op: "eq", value: "x" }] })).toBe("columns");
    expect(pick({ groupBy: ["tag:team"], filters: [{ on: "tag:env", op: "neq", value: "dev" }] })).toBe("tags");
    expect(pick({ groupBy: ["ServiceName"], filters: [{ on: "tag:env", op: "neq", value: "dev" }] })).toBe("service_tags");
    expect(pick({ groupBy: ["SubAccountId", "RegionId"], filters: [{ on: "tag:env", op: "in", values: ["prod"] }] })).toBe("account_tags");
    expect(pick({ groupBy: ["x_Source", "tag:team"] })).toBe("all");
    expect(pick({ groupBy: ["ServiceName"], orderBy: [{ by: "ServiceName" }], filters: [{ on: "ChargeCategory", op: "eq", value: "Usage" }] })).toBe("columns");
    expect(rollupPlan(q({ groupBy: ["tag:team"] })).star!.keysTable).toBe(projectionTables(ROLLUP_PROJECTIONS.find((p) => p.name === "tags")!).keys);
  });

  it("is only used for whole-day windows over rolled-up dimensions", () => {
    expect(rollupEligible(q({ groupBy: ["tag:team"], start: "2026-01-15" }))).toBe(true);
    expect(rollupEligible(q({ start: "2026-01-15T06:00:00Z" }))).toBe(false);
    expect(rollupEligible(q({ groupBy: ["ResourceId"] }))).toBe(false);
    expect(rollupEligible(q({ granularity: "hour" }))).toBe(false);
  });
});

/** A small deterministic PRNG (mulberry32), so a failure names a reproducible query. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TAGS = ["NULL", "MAP {}", "MAP {'team': 'a'}", "MAP {'team': 'b', 'env': 'prod'}", "MAP {'env': 'prod', 'team': 'b'}", "MAP {'env': 'dev'}", "MAP {'team': '', 'env': 'prod'}"];
const SERVICES = ["'EC2'", "'S3'", "NULL", "'Lambda'"];
const REGIONS = ["'us-east-1'", "'eu-west-1'", "NULL"];
const CURRENCIES = ["'USD'", "'USD'", "'USD'", "'EUR'"];

async function fill(store: DuckDbStore, seed: number, huge: boolean): Promise<void> {
  const r = rng(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const values: string[] = [];
  for (let i = 0; i < 900; i++) {
    // 2026-01-01 .. 2026-06-30, at any hour
    const ts = new Date(Date.UTC(2026, 0, 1) + Math.floor(r() * 181 * 24) * 3_600_000).toISOString().replace("T", " ").slice(0, 19);
    const cents = Math.floor(r() * 200_000) - 20_000;
    const billed = huge && i % 97 === 0 ? `${cents}12345678.123456789` : `${(cents / 100).toFixed(2)}0000001`;
    const list = r() < 0.2 ? "NULL" : `${Math.floor(r() * 5000)}.5`;
    values.push(
      `(TIMESTAMP '${ts}', ${pick(CURRENCIES)}, 'AWS', ${pick(SERVICES)}, ${pick(REGIONS)}, '${100 + Math.floor(r() * 4)}', ${billed}, ${billed}, ${list}, NULL, 'Usage', 'test', ${pick(TAGS)}, 'r-${i % 50}')`,
    );
  }
  await store.run(
    `INSERT INTO focus_costs ("ChargePeriodStart", "BillingCurrency", "ProviderName", "ServiceName", "RegionId", "SubAccountId", "BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "ChargeCategory", x_Source, "Tags", "ResourceId") VALUES ${values.join(", ")}`,
  );
}

const FILTERS: Record<string, Record<string, unknown>> = {
  "tag:env": { on: "tag:env", op: "neq", value: "dev" },
  "tag:team": { on: "tag:team", op: "in", values: ["a", "b"] },
  "tag:team ": { on: "tag:team", op: "is_null" },
  RegionId: { on: "RegionId", op: "not_in", values: ["eu-west-1"] },
  ServiceName: { on: "ServiceName", op: "like", value: "%C%" },
  "tag:env ": { on: "tag:env", op: "is_not_null" },
  BillingCurrency: { on: "BillingCurrency", op: "eq", value: "USD" },
  ProviderName: { on: "ProviderName", op: "neq", value: "GCP" },
};
/** Dimension families, so every projection is exercised: by service, by account and region, by tags, mixed. */
const FAMILIES = [
  ["ServiceName", "BillingCurrency"],
  ["RegionId", "SubAccountId", "BillingCurrency", "ProviderName"],
  ["tag:team", "tag:env", "BillingCurrency"],
  ["ServiceName", "tag:team", "tag:env"],
  ["SubAccountId", "RegionId", "tag:env"],
  ["ServiceName", "RegionId", "ChargeCategory", "BillingCurrency"],
  ["ServiceName", "RegionId", "SubAccountId", "BillingCurrency", "tag:team", "tag:env", "ChargeCategory"],
];

function randomQuery(r: () => number): Record<string, unknown> {
  const day = (n: number) => new Date(Date.UTC(2025, 11, 20) + n * 86_400_000).toISOString().slice(0, 10);
  const s = Math.floor(r() * 200);
  const family = FAMILIES[Math.floor(r() * FAMILIES.length)]!;
  const body: Record<string, unknown> = {
    metric: ["BilledCost", "EffectiveCost", "ListCost", "ContractedCost"][Math.floor(r() * 4)],
    granularity: ["day", "month", "none", "none"][Math.floor(r() * 4)],
    groupBy: family.filter(() => r() < 0.5),
    filters: Object.entries(FILTERS).filter(([d]) => family.includes(d.trim()) && r() < 0.3).map(([, f]) => f),
  };
  if (r() < 0.85) body["start"] = day(s);
  if (r() < 0.85) body["end"] = day(s + 1 + Math.floor(r() * 120));
  if (r() < 0.3) body["limit"] = 1 + Math.floor(r() * 8);
  return body;
}

for (const huge of [false, true]) {
  describe(`star rollup answers equal the cost table (${huge ? "values too large for DECIMAL(18,10)" : "narrow fact columns"})`, () => {
    let store: DuckDbStore;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      ({ store, cleanup } = await tempStore());
      await fill(store, huge ? 7 : 3, huge);
      await refreshRollup(store);
    });
    afterAll(async () => cleanup?.());

    it(`keeps the fact metric columns ${huge ? "wide" : "narrow"} and every line item`, async () => {
      const types = await store.all(`SELECT table_name AS t, column_name AS c, data_type AS d FROM duckdb_columns() WHERE table_name IN ('${DAILY_FACTS_TABLE}', '${MONTHLY_FACTS_TABLE}') AND column_name = 'BilledCost'`);
      expect(types.map((t) => t["d"])).toEqual([huge ? "DECIMAL(38,10)" : "DECIMAL(18,10)", huge ? "DECIMAL(38,10)" : "DECIMAL(18,10)"]);
      const n = await store.all(`SELECT (SELECT sum("x_LineItems") FROM ${DAILY_FACTS_TABLE})::BIGINT AS d, (SELECT sum("x_LineItems") FROM ${MONTHLY_FACTS_TABLE})::BIGINT AS m, (SELECT count(*) FROM ${ROLLUP_KEYS_TABLE})::BIGINT AS k`);
      expect(n[0]).toMatchObject({ d: "900", m: "900" });
      expect(Number(n[0]!["k"])).toBeGreaterThan(20);
    });

    it("answers 150 random queries (windows, granularities, group-bys, filters, limits) like the cost table", async () => {
      const r = rng(huge ? 11 : 5);
      let nonEmpty = 0;
      const used = new Map<string, number>();
      for (let i = 0; i < 150; i++) {
        const body = randomQuery(r);
        const query = q(body);
        expect(rollupEligible(query)).toBe(true);
        const p = projectionFor(query).name;
        used.set(p, (used.get(p) ?? 0) + 1);
        const raw = await runCostQuery(store, query);
        const star = await runCostQuery(store, query, rollupPlan(query));
        expect({ body, rows: star.rows, totals: star.totals, truncated: star.truncated }).toEqual({ body, rows: raw.rows, totals: raw.totals, truncated: raw.truncated });
        if (raw.rows.length > 0) nonEmpty++;
      }
      expect(nonEmpty).toBeGreaterThan(100);
      // every projection answered some of them
      for (const p of ROLLUP_PROJECTIONS) expect(used.get(p.name) ?? 0, p.name).toBeGreaterThanOrEqual(3);
    }, 60_000);
  });
}
