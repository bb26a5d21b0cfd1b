import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CostwiseError } from "../errors.js";
import { clickhouseLiteral, compileCostQuery, dialectSql, DUCKDB_SQL } from "./compile.js";
import { parseCostQuery, parseQueryArgs, type CostQuery, type QueryArgs } from "./cost-query.js";

function q(args: QueryArgs): CostQuery {
  const r = parseQueryArgs(args);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.value;
}

const placeholders = (sql: string): number => (sql.match(/\?/g) ?? []).length;

describe("compileCostQuery (duckdb)", () => {
  it("compiles the default query", () => {
    const c = compileCostQuery(q({}), "duckdb");
    expect(c.rows).toMatchInlineSnapshot(`
      {
        "params": [],
        "sql": "SELECT "u", CAST("k"."m" AS VARCHAR) AS "m", CAST("k"."n" AS VARCHAR) AS "n" FROM (SELECT "u", sum("m") AS "m", count(*) AS "n" FROM (SELECT "BillingCurrency" AS "u", "BilledCost" AS "m" FROM "focus_costs") AS "q" GROUP BY "u") AS "k" ORDER BY "k"."m" DESC NULLS LAST, "k"."u" ASC NULLS LAST",
      }
    `);
    expect(c.totals).toMatchInlineSnapshot(`
      {
        "params": [],
        "sql": "SELECT "u", sum("m") AS "m", count(*) AS "groups", sum("n") AS "n" FROM (SELECT "u", "m", "n" FROM (SELECT "u", sum("m") AS "m", count(*) AS "n" FROM (SELECT "BillingCurrency" AS "u", "BilledCost" AS "m" FROM "focus_costs") AS "q" GROUP BY "u") AS "k") AS "r" GROUP BY "u" ORDER BY "u" ASC NULLS LAST",
      }
    `);
    expect(c.columns).toMatchInlineSnapshot(`
      [
        {
          "alias": "u",
          "name": "BillingCurrency",
          "role": "unit",
        },
        {
          "alias": "m",
          "name": "BilledCost",
          "role": "metric",
        },
      ]
    `);
  });

  it("compiles groups, tags, filters, window, buckets, order and limit; values only as parameters", () => {
    const c = compileCostQuery(
      q({
        groupBy: ["ServiceName,tag:team"],
        filter: [
          "ProviderName=AWS",
          "RegionId!=us-east-1",
          "tag:env in prod,staging",
          "tag:env not in dev",
          "ResourceId~i-%",
          "ResourceName contains web",
          "tag:owner=",
          "tag:team!=",
        ],
        start: "2024-09-01",
        end: "2024-10-01",
        granularity: "day",
        limit: "10",
      }),
      "duckdb",
    );
    expect(c.rows.sql).toMatchInlineSnapshot(`"SELECT "g0", "g1", strftime("p", '%Y-%m-%dT%H:%M:%SZ') AS "p", "u", CAST("k"."m" AS VARCHAR) AS "m", CAST("k"."n" AS VARCHAR) AS "n" FROM (SELECT "g0", "g1", "p", "u", sum("m") AS "m", count(*) AS "n" FROM (SELECT "ServiceName" AS "g0", "Tags"[?] AS "g1", date_trunc('day', "ChargePeriodStart") AS "p", "BillingCurrency" AS "u", "BilledCost" AS "m" FROM "focus_costs" WHERE "ChargePeriodStart" >= CAST(? AS TIMESTAMP) AND "ChargePeriodStart" < CAST(? AS TIMESTAMP) AND "ProviderName" = ? AND ("RegionId" IS DISTINCT FROM ?) AND "Tags"[?] IN (?, ?) AND ("Tags"[?] IS NULL OR "Tags"[?] NOT IN (?)) AND "ResourceId" LIKE ? ESCAPE '\\' AND contains("ResourceName", ?) AND ("Tags"[?] IS NULL OR "Tags"[?] = '') AND ("Tags"[?] IS NOT NULL AND "Tags"[?] <> '')) AS "q" GROUP BY "g0", "g1", "p", "u") AS "k" ORDER BY "k"."p" ASC NULLS LAST, "k"."m" DESC NULLS LAST, "k"."g0" ASC NULLS LAST, "k"."g1" ASC NULLS LAST, "k"."u" ASC NULLS LAST LIMIT ?"`);
    expect(c.rows.params).toMatchInlineSnapshot(`
      [
        "team",
        "2024-09-01 00:00:00",
        "2024-10-01 00:00:00",
        "AWS",
        "us-east-1",
        "env",
        "prod",
        "staging",
        "env",
        "env",
        "dev",
        "i-%",
        "web",
        "owner",
        "owner",
        "team",
        "team",
        10,
      ]
    `);
    expect(placeholders(c.rows.sql)).toBe(c.rows.params.length);
    expect(placeholders(c.totals.sql)).toBe(c.totals.params.length);
    expect(c.columns.map((x) => `${x.alias}=${x.name}`)).toEqual(["g0=ServiceName", "g1=tag:team", "p=period", "u=BillingCurrency", "m=BilledCost"]);
  });

  it("formats date-time and JSON dimensions as text, and leaves out a grouped unit column", () => {
    const c = compileCostQuery(q({ metric: "PricingQuantity", groupBy: ["BillingPeriodStart,SkuPriceDetails,PricingUnit"], order: ["PricingUnit"] }), "duckdb");
    expect(c.rows.sql).toMatchInlineSnapshot(`"SELECT strftime("g0", '%Y-%m-%dT%H:%M:%SZ') AS "g0", "g1", "g2", "u", CAST("k"."m" AS VARCHAR) AS "m", CAST("k"."n" AS VARCHAR) AS "n" FROM (SELECT "g0", "g1", "g2", "u", sum("m") AS "m", count(*) AS "n" FROM (SELECT "BillingPeriodStart" AS "g0", CAST("SkuPriceDetails" AS VARCHAR) AS "g1", "PricingUnit" AS "g2", "PricingUnit" AS "u", "PricingQuantity" AS "m" FROM "focus_costs") AS "q" GROUP BY "g0", "g1", "g2", "u") AS "k" ORDER BY "k"."g2" ASC NULLS LAST, "k"."g0" ASC NULLS LAST, "k"."g1" ASC NULLS LAST, "k"."u" ASC NULLS LAST"`);
    expect(c.columns.map((x) => x.name)).toEqual(["BillingPeriodStart", "SkuPriceDetails", "PricingUnit", "PricingQuantity"]);
  });

  it("uses the table it is given, and only a plain identifier", () => {
    expect(compileCostQuery(q({}), "duckdb", { table: "focus_costs_v2" }).rows.sql).toContain('FROM "focus_costs_v2"');
    expect(() => compileCostQuery(q({}), "duckdb", { table: 'x"; DROP TABLE y; --' })).toThrow(CostwiseError);
  });

  it("reads a star rollup: filters and group values on the keys table, each part over its own window", () => {
    const star = { keysTable: "keys_t", keyColumn: "kk", parts: [{ table: "month_t", start: "2026-02-01T00:00:00Z", end: "2026-03-01T00:00:00Z" }, { table: "day_t", start: "2026-01-15T00:00:00Z", end: "2026-02-01T00:00:00Z" }] };
    const c = compileCostQuery(q({ groupBy: ["tag:team"], filter: ["tag:env!=dev"], granularity: "month", start: "2026-01-15", end: "2026-03-01" }), "duckdb", { lineItemsColumn: "x_LineItems", star });
    expect(c.rows.sql).toContain(`FROM (SELECT "kk" AS "k", "Tags"[?] AS "g0", "BillingCurrency" AS "u" FROM "keys_t" WHERE ("Tags"[?] IS DISTINCT FROM ?)) AS "d" JOIN (`);
    expect(c.rows.sql).toContain(`FROM "month_t" WHERE "ChargePeriodStart" >= CAST(? AS TIMESTAMP) AND "ChargePeriodStart" < CAST(? AS TIMESTAMP) UNION ALL SELECT "kk" AS "k"`);
    expect(c.rows.sql).not.toContain("focus_costs");
    expect(c.rows.params).toEqual(["team", "env", "dev", "2026-02-01 00:00:00", "2026-03-01 00:00:00", "2026-01-15 00:00:00", "2026-02-01 00:00:00"]);
    expect(placeholders(c.rows.sql)).toBe(c.rows.params.length);
    expect(() => compileCostQuery(q({}), "duckdb", { lineItemsColumn: "x_LineItems", star: { ...star, keysTable: 'k"; DROP TABLE y; --' } })).toThrow(CostwiseError);
    expect(() => compileCostQuery(q({}), "duckdb", { star })).toThrow(/line-item column/);
  });

  it("never puts filter values or tag keys in the SQL text (property)", () => {
    // a marker that cannot occur in the compiler's own SQL text
    const marker = fc.string({ unit: "binary", minLength: 1, maxLength: 30 }).map((s) => `«${s}»`);
    fc.assert(
      fc.property(marker, marker, fc.constantFrom("eq", "neq", "like", "contains", "in", "not_in"), (key, value, op) => {
        const filter = op === "in" || op === "not_in" ? { on: `tag:${key}`, op, values: [value, value] } : { on: `tag:${key}`, op, value };
        const r = parseCostQuery({ groupBy: [`tag:${key}`], filters: [filter, { on: "ServiceName", op: "eq", value }] });
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        const c = compileCostQuery(r.value, "duckdb");
        for (const s of [c.rows, c.totals]) {
          expect(s.sql).not.toContain("«");
          expect(placeholders(s.sql)).toBe(s.params.length);
          expect(s.params).toContain(key);
          expect(s.params).toContain(value);
        }
      }),
    );
  });

  it("refuses identifiers that are not on the whitelist even if a forged query gets past the parser", () => {
    const forged = { ...q({}), groupBy: [{ kind: "column", column: 'ServiceName" FROM x; --' }] } as unknown as CostQuery;
    expect(() => compileCostQuery(forged, "duckdb")).toThrow(/refusing to use/);
    const forgedMetric = { ...q({}), metric: "BilledCost; DROP TABLE focus_costs" } as unknown as CostQuery;
    expect(() => compileCostQuery(forgedMetric, "duckdb")).toThrow();
  });
});

describe("dialects", () => {
  it("ClickHouse gets inlined, escaped literals and no parameters (18.16 has no server-side parameters)", () => {
    expect(dialectSql("duckdb")).toBe(DUCKDB_SQL);
    const c = compileCostQuery(q({ groupBy: ["tag:a"], filter: ["ServiceName=it's"], limit: "5" }), "clickhouse");
    expect(c.rows.params).toEqual([]);
    expect(c.rows.sql).toContain(`if(has("Tags.key", 'a'), "Tags.value"[indexOf("Tags.key", 'a')], NULL) AS "g0"`);
    expect(c.rows.sql).toContain(`"ServiceName" = 'it\\'s'`);
    expect(c.rows.sql).toMatch(/LIMIT 5$/);
  });

  it("clickhouseLiteral escapes every character that could end a string literal", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        const lit = clickhouseLiteral(s);
        // inside the quotes, every quote and backslash is escaped by a backslash; NUL never appears raw
        const body = lit.slice(1, -1);
        expect(lit.startsWith("'") && lit.endsWith("'")).toBe(true);
        expect(body.includes("\0")).toBe(false);
        let i = 0;
        let decoded = "";
        while (i < body.length) {
          const ch = body[i]!;
          if (ch === "'") return false; // an unescaped quote would end the literal
          if (ch === "\\") {
            const next = body[i + 1]!;
            decoded += next === "0" ? "\0" : next;
            i += 2;
          } else {
            decoded += ch;
            i += 1;
          }
        }
        return decoded === s;
      }),
    );
    expect(() => clickhouseLiteral("1; DROP", "integer")).toThrow();
    expect(() => clickhouseLiteral("2024-01-01' OR 1", "timestamp")).toThrow();
    expect(clickhouseLiteral(null)).toBe("NULL");
  });

  it("renders placeholders through the dialect, numbered in order", () => {
    const numbered = { ...DUCKDB_SQL, placeholder: (i: number) => `$${i}` };
    const c = compileCostQuery(q({ groupBy: ["tag:a"], filter: ["tag:b=x"], limit: "5" }), numbered);
    expect(c.rows.sql).toMatch(/"Tags"\[\$1\] AS "g0".*"Tags"\[\$2\] = \$3.*LIMIT \$4$/);
    expect(c.rows.params).toEqual(["a", "b", "x", 5]);
  });
});
