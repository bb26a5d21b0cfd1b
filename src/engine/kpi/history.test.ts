/**
 * The scorecard's targets (kpis: config), alert latency p50/p95 from the outbox, one history row per day per KPI,
 * and the trend against the last earlier day.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configSchema } from "../../core/config/schema.js";
import type { DuckDbStore } from "../store/duckdb/duckdb-store.js";
import { OUTBOX_TABLE } from "../notify/tables.js";
import { insertCostRows } from "../../../test/helpers/allocation-rows.js";
import { tempStore } from "../../../test/helpers/store.js";
import { kpiSettings } from "./definitions.js";
import { computeKpis, kpiHistory, withTrend } from "./history.js";

let store: DuckDbStore;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ store, cleanup } = await tempStore());
});
afterEach(async () => cleanup());

const ws = (kpis?: unknown) => ({ config: configSchema.parse(kpis === undefined ? {} : { kpis }), baseDir: "." });

/** A delivered anomaly alert whose data was committed `seconds` before it was sent. */
async function alert(id: string, sentAt: string, seconds: number): Promise<void> {
  await store.run({
    sql: `INSERT INTO ${OUTBOX_TABLE} (id, dedup_key, channel, channel_type, team, kind, title, message, status, attempts, next_attempt_at, created_at, sent_at, data_landed_at)
          VALUES (?, ?, 'pay', 'slack', 'payments', 'anomaly', 't', '{}', 'sent', 1, CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP) - CAST(? AS INTEGER) * INTERVAL 1 SECOND)`,
    params: [id, id, sentAt, sentAt, sentAt, sentAt, seconds],
  });
}

describe("KPI targets", () => {
  it("default to tagged ≥ 85%, variance < 20%, alert latency ≤ 300 s, and follow the kpis: section", () => {
    expect(kpiSettings(ws().config).targets).toEqual({
      "tagged-spend": { op: ">=", value: 85 },
      "forecast-variance": { op: "<", value: 20 },
      "alert-latency-p50": { op: "<=", value: 300 },
      "alert-latency-p95": { op: "<=", value: 300 },
    });
    const t = kpiSettings(ws({ taggedSpend: { min: 90, tag: "Owner" }, alertLatency: { max: 60 } }).config);
    expect([t.taggedTag, t.targets["tagged-spend"]!.value, t.targets["alert-latency-p95"]!.value]).toEqual(["owner", 90, 60]);
  });
});

describe("the scorecard and its history", () => {
  //  day         tagged (team)        alerts delivered (data committed → sent)
  //  2026-03-01  60 of 100 = 60.00%   120 s, 240 s         → p50 180, p95 234
  //  2026-03-02  90 of 100 = 90.00%   + 600 s              → p50 240, p95 564
  it("keeps one row per day per KPI and gives each KPI its value, target and trend", async () => {
    await insertCostRows(store, [
      { date: "2026-02-10", billed: "60", resource: "i-1", tags: { team: "payments" } },
      { date: "2026-02-10", billed: "40", resource: "i-2" },
    ]);
    await alert("a1", "2026-02-28 10:00:00", 120);
    await alert("a2", "2026-02-28 11:00:00", 240);
    const day1 = await computeKpis(store, ws(), { now: new Date("2026-03-01T06:00:00Z") });
    const byId = (c: typeof day1) => Object.fromEntries(c.kpis.map((k) => [k.id, [k.value, k.meetsTarget]]));
    expect(byId(day1)).toMatchObject({ "tagged-spend": ["60.00", false], "alert-latency-p50": ["180", true], "alert-latency-p95": ["234", true] });
    // features not in use: no value, no row
    expect(day1.kpis.find((k) => k.id === "forecast-variance")?.available).toBe(false);

    await store.run(`UPDATE focus_costs SET "Tags" = MAP {'Team': 'search'} WHERE "ResourceId" = 'i-2' AND "EffectiveCost" = 40`);
    await store.run(`UPDATE focus_costs SET "EffectiveCost" = 30 WHERE "ResourceId" = 'i-2'`);
    await insertCostRows(store, [{ date: "2026-02-11", billed: "10", resource: "i-3" }]);
    await alert("a3", "2026-03-01 12:00:00", 600);
    // re-computing a day replaces it
    await computeKpis(store, ws(), { now: new Date("2026-03-02T05:00:00Z") });
    const day2 = await computeKpis(store, ws(), { now: new Date("2026-03-02T06:00:00Z") });
    expect(byId(day2)).toMatchObject({ "tagged-spend": ["90.00", true], "alert-latency-p50": ["240", true], "alert-latency-p95": ["564", false] });

    const rows = await kpiHistory(store, { days: 30, asOf: "2026-03-02" });
    const perDay = new Map<string, number>();
    for (const r of rows) perDay.set(`${r.day} ${r.kpi}`, (perDay.get(`${r.day} ${r.kpi}`) ?? 0) + 1);
    expect([...perDay.values()].every((n) => n === 1)).toBe(true);
    expect(rows.filter((r) => r.kpi === "tagged-spend").map((r) => [r.day, r.value, r.scope])).toEqual([
      ["2026-03-02", "90.00", "team · 2026-02 · USD"],
      ["2026-03-01", "60.00", "team · 2026-02 · USD"],
    ]);

    const trend = Object.fromEntries(withTrend(day2, rows).map((k) => [k.id, [k.trend, k.improving, k.previous?.value ?? null, k.history.length]]));
    expect(trend["tagged-spend"]).toEqual(["up", true, "60.00", 2]);
    expect(trend["alert-latency-p95"]).toEqual(["up", false, "234", 2]);
    expect(trend["forecast-variance"]).toEqual([null, null, null, 0]);
  });
});
