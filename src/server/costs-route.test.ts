/**
 * POST /api/v1/costs/query in-process on a small hand-made store: the HTTP answer (served from the star rollup,
 * serialized without a second zod pass) equals the same query run on the cost table, field for field.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCostQuery } from "../core/query/cost-query.js";
import { queryOrThrow, runCostQuery } from "../engine/query/run-query.js";
import type { DuckDbStore } from "../engine/store/duckdb/duckdb-store.js";
import { tempStore } from "../../test/helpers/store.js";
import { buildServer, type App } from "./app.js";

let store: DuckDbStore;
let cleanup: () => Promise<void>;
let app: App;

beforeAll(async () => {
  ({ store, cleanup } = await tempStore());
  const tags = ["MAP {'team': 'a', 'env': 'prod'}", "MAP {'team': 'b', 'env': 'dev'}", "MAP {'env': 'prod'}", "NULL"];
  const values: string[] = [];
  for (let i = 0; i < 400; i++) {
    const ts = new Date(Date.UTC(2026, 0, 1) + ((i * 173) % (120 * 24)) * 3_600_000).toISOString().replace("T", " ").slice(0, 19);
    values.push(`(TIMESTAMP '${ts}', 'USD', 'AWS', '${["EC2", "S3", "RDS"][i % 3]}', '${["us-east-1", "eu-west-1"][i % 2]}', '${100 + (i % 5)}', ${(i % 37) + 0.125}, ${(i % 41) + 0.5}, 'test', ${tags[i % 4]}, 'r-${i % 20}')`);
  }
  await store.run(
    `INSERT INTO focus_costs ("ChargePeriodStart", "BillingCurrency", "ProviderName", "ServiceName", "RegionId", "SubAccountId", "BilledCost", "EffectiveCost", x_Source, "Tags", "ResourceId") VALUES ${values.join(", ")}`,
  );
  app = await buildServer({ store, logLevel: false, warm: false, webDir: "/nonexistent" });
});

afterAll(async () => {
  await app?.close();
  await cleanup?.();
});

describe("POST /api/v1/costs/query", () => {
  const bodies: Record<string, unknown>[] = [
    { metric: "EffectiveCost", groupBy: ["ServiceName"], granularity: "month", start: "2026-01-13", end: "2026-04-12", filters: [{ on: "tag:env", op: "neq", value: "dev" }] },
    { metric: "EffectiveCost", groupBy: ["tag:team"], granularity: "day", start: "2026-02-03", end: "2026-03-04", filters: [{ on: "tag:env", op: "neq", value: "prod" }], limit: 7 },
    { metric: "BilledCost", groupBy: ["SubAccountId", "RegionId"], start: "2026-01-20", end: "2026-04-19", filters: [{ on: "tag:env", op: "in", values: ["prod"] }] },
    { groupBy: ["ServiceName"], orderBy: [{ by: "ServiceName", direction: "desc" }] },
  ];

  it("answers from the rollup with exactly the cost table's rows, totals and truncation", async () => {
    for (const body of bodies) {
      const res = await app.inject({ method: "POST", url: "/api/v1/costs/query", payload: body });
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toContain("application/json");
      const got = res.json();
      const direct = await runCostQuery(store, queryOrThrow(parseCostQuery(body)));
      expect(got.servedFrom).toBe("rollup");
      expect({ columns: got.columns, rows: got.rows, totals: got.totals, truncated: got.truncated }).toEqual({
        columns: direct.columns,
        rows: direct.rows,
        totals: direct.totals,
        truncated: direct.truncated,
      });
      expect(typeof got.totals.total).toBe("string");
      expect(got.rows.length, JSON.stringify(body)).toBeGreaterThan(0);
    }
  });

  it("keeps the dashboard's fixed reads cached however many distinct explorer queries pass", async () => {
    const first = await app.inject({ method: "GET", url: "/api/v1/overview" });
    expect(first.statusCode).toBe(200);
    // change what a recomputed overview would read, behind the server's back: only a cached answer stays the same
    await store.run(`UPDATE serve_cost_month_facts_service SET "EffectiveCost" = "EffectiveCost" + 1`);
    await store.run(`UPDATE serve_cost_day_facts_service SET "EffectiveCost" = "EffectiveCost" + 1`);
    for (let i = 1; i <= 1100; i++) {
      const res = await app.inject({ method: "POST", url: "/api/v1/costs/query", payload: { groupBy: ["tag:team"], limit: i } });
      expect(res.statusCode).toBe(200);
    }
    const again = await app.inject({ method: "GET", url: "/api/v1/overview" });
    expect(again.body).toBe(first.body);
  }, 60_000);

  it("still refuses bodies that do not match the request schema", async () => {
    const res = await app.inject({ method: "POST", url: "/api/v1/costs/query", payload: { limit: "ten" } });
    expect(res.statusCode).toBe(400);
    expect(res.headers["content-type"]).toContain("application/problem+json");
  });
});
