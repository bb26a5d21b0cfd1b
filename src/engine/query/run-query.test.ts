import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addMoney } from "../../core/money.js";
import { DEFAULT_COST_TABLE } from "../../core/query/compile.js";
import { X_DIMENSIONS, parseCostQuery, parseQueryArgs, type QueryArgs } from "../../core/query/cost-query.js";
import { DuckDbStore } from "../store/duckdb/duckdb-store.js";
import { COST_TABLE, X_COLUMNS } from "../store/schema.js";
import { formatAmount, queryOrThrow, runCostQuery, type QueryResult } from "./run-query.js";

/**
 * Hand-written line items. September 2024 (the window used below) holds rows 1–5 (USD) and 8 (EUR);
 * rows 6 and 7 fall just outside it. Hand-computed sums are in the tests.
 */
const FIXTURE = `
INSERT INTO focus_costs ("ChargePeriodStart", "ProviderName", "ServiceName", "RegionId", "BillingCurrency", "BilledCost", "EffectiveCost", "PricingQuantity", "PricingUnit", "BillingPeriodStart", "x_Source", "Tags") VALUES
  ('2024-09-01 00:00:00', 'AWS',   'Amazon EC2',       'us-east-1',    'USD',   10.005,       9.00, 24, 'Hours', '2024-09-01', 'aws-cur', MAP {'team': 'a', 'env': 'prod'}),
  ('2024-09-01 13:00:00', 'AWS',   'Amazon EC2',       'us-east-1',    'USD',    0.1,         0.1,   1, 'Hours', '2024-09-01', 'aws-cur', MAP {'team': 'b', 'env': 'staging'}),
  ('2024-09-02 05:00:00', 'AWS',   'Amazon S3',        'us-west-2',    'USD',    0.2,         0.2,  10, 'GB-Mo', '2024-09-01', 'aws-cur', MAP {'team': 'a'}),
  ('2024-09-15 00:00:00', 'AWS',   'Amazon S3',        NULL,           'USD', 1234.5678,   1000,   500, 'GB-Mo', '2024-09-01', 'aws-cur', map([]::VARCHAR[], []::VARCHAR[])),
  ('2024-09-30 23:00:00', 'GCP',   'Compute Engine',   'europe-west1', 'USD',    3.333333333, 3.0,   2, 'Hours', '2024-09-01', 'focus',   MAP {'team': '', 'env': 'dev', '''); DROP TABLE focus_costs; --': 'gotcha'}),
  ('2024-10-01 00:00:00', 'AWS',   'Amazon EC2',       'us-east-1',    'USD',   50,          45,   720, 'Hours', '2024-10-01', 'aws-cur', MAP {'team': 'a'}),
  ('2024-08-31 23:59:59', 'AWS',   'Amazon EC2',       'us-east-1',    'USD',    7,           7,     1, 'Hours', '2024-08-01', 'aws-cur', NULL),
  ('2024-09-10 00:00:00', 'Azure', 'Virtual Machines', 'westeurope',   'EUR',   20.00,       18,    10, 'Hours', '2024-09-01', 'focus',   MAP {'team': 'a', 'cost center': 'R&D'})
`;
const ROWS = 8;
const SEPT = { start: "2024-09-01", end: "2024-10-01" } as const;

let store: DuckDbStore;

beforeAll(async () => {
  store = await DuckDbStore.open(":memory:");
  await store.run(FIXTURE);
});
afterAll(async () => {
  await store.close();
});

async function run(args: QueryArgs): Promise<QueryResult> {
  return runCostQuery(store, queryOrThrow(parseQueryArgs(args)));
}

/** Rows as `dims… = metric` strings, money rounded to the cent: easy to compare with hand sums. */
function cents(r: QueryResult): string[] {
  const metric = r.totals.metric;
  return r.rows.map((row) => {
    const dims = r.columns.filter((c) => c !== metric).map((c) => (row[c] === null ? "∅" : row[c]));
    return `${dims.join(" | ")} = ${formatAmount(row[metric] ?? null, { grouping: false })}`;
  });
}

async function rowCount(): Promise<number> {
  const r = await store.all(`SELECT count(*) AS n FROM ${COST_TABLE}`);
  return Number(r[0]?.["n"]);
}

describe("the core and the store agree", () => {
  it("on the x_ whitelist and the table name", () => {
    expect([...X_DIMENSIONS]).toEqual(X_COLUMNS.map((c) => c.name));
    expect(DEFAULT_COST_TABLE).toBe(COST_TABLE);
  });
});

describe("runCostQuery on DuckDB", () => {
  it("sums per service, per currency, exactly", async () => {
    const r = await run({ groupBy: ["ServiceName"], ...SEPT });
    expect(r.columns).toEqual(["ServiceName", "BillingCurrency", "BilledCost"]);
    expect(cents(r)).toEqual([
      "Amazon S3 | USD = 1234.77",
      "Virtual Machines | EUR = 20.00",
      "Amazon EC2 | USD = 10.11", // 10.005 + 0.1 = 10.105
      "Compute Engine | USD = 3.33",
    ]);
    // exact decimals, as the store gives them
    expect(r.rows[0]!["BilledCost"]).toBe("1234.7678000000");
    expect(r.rows[2]!["BilledCost"]).toBe("10.1050000000");
    expect(r.totals).toEqual({
      metric: "BilledCost",
      kind: "cost",
      unitColumn: "BillingCurrency",
      total: null, // USD and EUR are not added
      byUnit: [
        { unit: "EUR", total: "20.0000000000", groups: 1, lineItems: 1 },
        { unit: "USD", total: "1248.2061333330", groups: 3, lineItems: 5 },
      ],
      groups: 4,
      lineItems: 6,
    });
    expect(addMoney("10.005", "0.1", "0.2", "1234.5678", "3.333333333")).toBe("1248.2061333330");
  });

  it("sums per tag; missing and empty tags are their own groups", async () => {
    const r = await run({ groupBy: ["tag:team"], filter: ["BillingCurrency=USD"], ...SEPT });
    expect(cents(r)).toEqual(["∅ | USD = 1234.57", "a | USD = 10.21", " | USD = 3.33", "b | USD = 0.10"]);
    expect(r.totals.total).toBe("1248.2061333330");
    expect(r.columns).toEqual(["tag:team", "BillingCurrency", "BilledCost"]);
  });

  it("buckets by day, hour and month (UTC, end exclusive)", async () => {
    const day = await run({ granularity: "day", filter: ["BillingCurrency=USD"], ...SEPT });
    expect(cents(day)).toEqual([
      "2024-09-01T00:00:00Z | USD = 10.11",
      "2024-09-02T00:00:00Z | USD = 0.20",
      "2024-09-15T00:00:00Z | USD = 1234.57",
      "2024-09-30T00:00:00Z | USD = 3.33",
    ]);
    const hour = await run({ granularity: "hour", start: "2024-09-01", end: "2024-09-02" });
    expect(cents(hour)).toEqual(["2024-09-01T00:00:00Z | USD = 10.01", "2024-09-01T13:00:00Z | USD = 0.10"]);
    const month = await run({ granularity: "month", groupBy: ["BillingCurrency"] });
    expect(month.columns).toEqual(["BillingCurrency", "period", "BilledCost"]);
    expect(cents(month)).toEqual([
      "USD | 2024-08-01T00:00:00Z = 7.00",
      "USD | 2024-09-01T00:00:00Z = 1248.21",
      "EUR | 2024-09-01T00:00:00Z = 20.00",
      "USD | 2024-10-01T00:00:00Z = 50.00",
    ]);
  });

  it("filters with every operator", async () => {
    const total = async (filter: string[], currency = "USD"): Promise<string | null> =>
      (await run({ filter: [...filter, `BillingCurrency=${currency}`], ...SEPT })).totals.total;
    expect(await total(["ProviderName=AWS"])).toBe("1244.8728000000");
    expect(await total(["ProviderName!=AWS"])).toBe("3.3333333330");
    expect(await total(["RegionId!=us-east-1"])).toBe("1238.1011333330"); // keeps the NULL region
    expect(await total(["RegionId is null"])).toBe("1234.5678000000");
    expect(await total(["tag:env in prod,staging"])).toBe("10.1050000000");
    expect(await total(["tag:env not in prod"])).toBe("1238.2011333330"); // keeps rows without env
    expect(await total(["ServiceName~Amazon%"])).toBe("1244.8728000000");
    expect(await total(["ServiceName~Amazon S_"])).toBe("1234.7678000000");
    expect(await total(["ServiceName contains Engine"])).toBe("3.3333333330");
    expect(await total(["ServiceName contains engine"])).toBe("0.0000000000"); // case-sensitive
    expect(await total(["tag:team="])).toBe("1237.9011333330"); // missing (row 4) or empty (row 5)
    expect(await total(["tag:team!="])).toBe("10.3050000000");
    expect(await total(['tag:team=""'])).toBe("3.3333333330"); // empty only
    expect(await total(['tag:"cost center"=R&D'], "EUR")).toBe("20.0000000000");
    expect(await total(["BillingPeriodStart=2024-09-01"])).toBe("1248.2061333330");
    expect(await total(["x_Source=focus"])).toBe("3.3333333330");
    expect(await total(["tag:nope=x"])).toBe("0.0000000000");
  });

  it("answers an empty match with zero totals", async () => {
    const r = await run({ groupBy: ["ServiceName"], filter: ["ProviderName=OCI"] });
    expect(r.rows).toEqual([]);
    expect(r.totals).toMatchObject({ total: "0.0000000000", byUnit: [], groups: 0, lineItems: 0 });
  });

  it("limits rows but not totals, and orders as asked", async () => {
    const r = await run({ groupBy: ["ServiceName"], filter: ["BillingCurrency=USD"], limit: "2", ...SEPT });
    expect(cents(r)).toEqual(["Amazon S3 | USD = 1234.77", "Amazon EC2 | USD = 10.11"]);
    expect(r.truncated).toBe(true);
    expect(r.totals.groups).toBe(3);
    expect(r.totals.total).toBe("1248.2061333330");
    const asc = await run({ groupBy: ["ServiceName"], filter: ["BillingCurrency=USD"], order: ["ServiceName:asc"], ...SEPT });
    expect(asc.rows.map((x) => x["ServiceName"])).toEqual(["Amazon EC2", "Amazon S3", "Compute Engine"]);
    expect(asc.truncated).toBe(false);
  });

  it("sums quantities per unit", async () => {
    const r = await run({ metric: "PricingQuantity", groupBy: ["ServiceName"], filter: ["ProviderName=AWS"], ...SEPT });
    expect(r.columns).toEqual(["ServiceName", "PricingUnit", "PricingQuantity"]);
    expect(r.totals.kind).toBe("quantity");
    expect(r.totals.byUnit.map((u) => [u.unit, u.total])).toEqual([
      ["GB-Mo", "510.0000000000"],
      ["Hours", "25.0000000000"],
    ]);
  });

  it("never loses money: a filter and its negation split the rows exactly (property)", async () => {
    const all = (await run({ filter: ["BillingCurrency=USD"] })).totals.total!;
    const dims = ["ServiceName", "RegionId", "tag:team", "tag:env", "ProviderName"];
    const values = ["a", "", "prod", "us-east-1", "Amazon EC2", "AWS", "zzz"];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...dims), fc.subarray(values, { minLength: 1 }), async (dim, vs) => {
        const on = dim.startsWith("tag:") ? `tag:"${dim.slice(4)}"` : dim;
        const list = vs.map((v) => `"${v}"`).join(",");
        const a = (await run({ filter: [`${on} in ${list}`, "BillingCurrency=USD"] })).totals.total!;
        const b = (await run({ filter: [`${on} not in ${list}`, "BillingCurrency=USD"] })).totals.total!;
        expect(addMoney(a, b)).toBe(all);
        const n = (await run({ filter: [`${on} is null`, "BillingCurrency=USD"] })).totals.total!;
        const nn = (await run({ filter: [`${on} is not null`, "BillingCurrency=USD"] })).totals.total!;
        expect(addMoney(n, nn)).toBe(all);
      }),
      { numRuns: 25 },
    );
  });
});

describe("injection", () => {
  const PAYLOADS = [
    "'); DROP TABLE focus_costs; --",
    "team'] || 1 --",
    "team' OR '1'='1",
    "$1",
    "?",
    "$$; DROP TABLE focus_costs; $$",
    "\u2019); DROP TABLE focus_costs; --", // unicode right single quote
    "\u02bc OR 1=1 --", // modifier letter apostrophe
    "＇; DROP TABLE focus_costs; --", // fullwidth apostrophe
    "back\\slash\\'; --",
    '"; DROP TABLE focus_costs; --',
    "a\u0000b",
    "%",
    "_",
    "\n;DELETE FROM focus_costs;\n",
    "🙂 tag",
  ];

  it.each(PAYLOADS)("treats %j as data in tag keys, values and patterns", async (p) => {
    const before = await rowCount();
    const r1 = await runCostQuery(store, queryOrThrow(parseCostQuery({ groupBy: [`tag:${p}`], filters: [{ on: `tag:${p}`, op: "eq", value: p }] })));
    expect(r1.rows).toEqual([]);
    const r2 = await runCostQuery(
      store,
      queryOrThrow(
        parseCostQuery({
          groupBy: ["ServiceName", `tag:${p}`],
          filters: [
            { on: "ServiceName", op: "neq", value: p },
            { on: `tag:${p}`, op: "not_in", values: [p, p] },
            { on: "RegionId", op: "contains", value: p },
          ],
        }),
      ),
    );
    // contains(p) matches no region, so nothing comes back, whatever p is
    expect(r2.rows).toEqual([]);
    const r3 = await runCostQuery(store, queryOrThrow(parseCostQuery({ filters: [{ on: "ServiceName", op: "like", value: p }] })));
    // LIKE treats % as "everything" and _ as one character: as a pattern, not as SQL
    expect(r3.totals.lineItems).toBe(p === "%" ? ROWS : 0);
    expect(await rowCount()).toBe(before);
  });

  it("finds a tag whose key is an injection payload, as data", async () => {
    const key = "'); DROP TABLE focus_costs; --";
    const r = await runCostQuery(store, queryOrThrow(parseCostQuery({ groupBy: [`tag:${key}`], filters: [{ on: `tag:${key}`, op: "is_not_null" }] })));
    expect(r.columns).toEqual([`tag:${key}`, "BillingCurrency", "BilledCost"]);
    expect(r.rows).toEqual([{ [`tag:${key}`]: "gotcha", BillingCurrency: "USD", BilledCost: "3.3333333330" }]);
    const viaCli = await run({ groupBy: [`tag:"${key}"`], filter: [`tag:"${key}"=gotcha`] });
    expect(viaCli.totals.total).toBe("3.3333333330");
  });

  it("rejects dimension and metric names that are not on the whitelist with BAD_QUERY", async () => {
    const bad: QueryArgs[] = [
      { groupBy: ['ServiceName"; DROP TABLE focus_costs; --'] },
      { groupBy: ["ServiceName) FROM focus_costs; --"] },
      { filter: ["1=1 OR ServiceName=x"] },
      { filter: ['"ServiceName"=x'] },
      { metric: "BilledCost); DROP TABLE focus_costs; --" },
      { order: ["m; DROP TABLE focus_costs"] },
      { granularity: "day'); DROP TABLE focus_costs; --" },
      { limit: "1; DROP TABLE focus_costs" },
      { start: "2024-09-01'; DROP TABLE focus_costs; --" },
    ];
    for (const args of bad) {
      let err: unknown;
      try {
        await run(args);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(args)).toMatchObject({ code: "BAD_QUERY" });
    }
    expect(await rowCount()).toBe(ROWS);
  });

  it("round-trips arbitrary tag keys and values through the store (property)", async () => {
    const text = fc.oneof(fc.string({ unit: "binary", minLength: 1, maxLength: 30 }), fc.constantFrom(...PAYLOADS));
    await fc.assert(
      fc.asyncProperty(text, text, async (key, value) => {
        await store.run({
          sql: `INSERT INTO focus_costs ("BilledCost", "BillingCurrency", "x_Source", "Tags") VALUES (1.25, 'USD', 'prop', map([?::VARCHAR], [?::VARCHAR]))`,
          params: [key, value],
        });
        try {
          const q = queryOrThrow(
            parseCostQuery({
              groupBy: [`tag:${key}`],
              filters: [
                { on: "x_Source", op: "eq", value: "prop" },
                { on: `tag:${key}`, op: "eq", value },
                { on: `tag:${key}`, op: "in", values: [value, `${value}x`] },
                { on: `tag:${key}`, op: "contains", value },
              ],
            }),
          );
          const r = await runCostQuery(store, q);
          expect(r.rows).toEqual([{ [`tag:${key}`]: value, BillingCurrency: "USD", BilledCost: "1.2500000000" }]);
          const none = await runCostQuery(store, queryOrThrow(parseCostQuery({ filters: [{ on: "x_Source", op: "eq", value: "prop" }, { on: `tag:${key}`, op: "neq", value }] })));
          expect(none.rows).toEqual([]);
        } finally {
          await store.run(`DELETE FROM focus_costs WHERE "x_Source" = 'prop'`);
        }
      }),
      { numRuns: 60 },
    );
    expect(await rowCount()).toBe(ROWS);
  });
});

describe("formatAmount", () => {
  it("rounds for display without floats", () => {
    expect(formatAmount("1234567.8950000000")).toBe("1,234,567.90");
    expect(formatAmount("-0.0049")).toBe("0.00");
    expect(formatAmount("-1234.5")).toBe("-1,234.50");
    expect(formatAmount("0.1", { grouping: false, decimals: 4 })).toBe("0.1000");
    expect(formatAmount("510.0000000000", { trim: true })).toBe("510");
    expect(formatAmount("2.5000000000", { trim: true })).toBe("2.5");
    expect(formatAmount("99999999999999999999999999.9999999999")).toBe("100,000,000,000,000,000,000,000,000.00");
    expect(formatAmount(null)).toBe("");
  });
});
