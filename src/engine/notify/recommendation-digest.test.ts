import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempStore } from "../../../test/helpers/store.js";
import { configSchema } from "../../core/config/schema.js";
import type { DuckDbStore } from "../store/duckdb/duckdb-store.js";
import { RECOMMENDATIONS_TABLE } from "../optimize/tables.js";
import { isoWeek, previousWeek, recommendationDigests } from "./recommendation-digest.js";

const cfg = (c: unknown) => configSchema.parse(c);

describe("isoWeek", () => {
  const table = [
    ["2026-12-07", "2026-W50"], // a Monday
    ["2026-12-13", "2026-W50"], // its Sunday
    ["2026-12-14", "2026-W51"],
    ["2027-01-01", "2026-W53"], // a Friday: still the last week of 2026
    ["2027-01-04", "2027-W01"],
    ["2025-12-29", "2026-W01"], // a Monday in December: week 1 of 2026
  ] as const;
  it.each(table)("%s is in %s", (day, week) => {
    expect(isoWeek(new Date(`${day}T12:00:00Z`))).toBe(week);
  });

  it("the digest covers the last complete week, whichever day of the next week it runs", () => {
    for (const day of ["2026-12-07T00:00:00Z", "2026-12-09T10:00:00Z", "2026-12-13T23:59:59Z"]) {
      const w = previousWeek(new Date(day));
      expect([w.start.toISOString(), w.end.toISOString(), w.week]).toEqual(["2026-11-30T00:00:00.000Z", "2026-12-07T00:00:00.000Z", "2026-W49"]);
    }
  });
});

describe("recommendationDigests", () => {
  let store: DuckDbStore;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ store, cleanup } = await tempStore());
  });
  afterEach(async () => cleanup());

  // id, owner, saving, status, still found, first seen: which rows make the digest of week 2026-W49 (Nov 30 – Dec 6)
  const rows: [number, string | null, string, string, boolean, string, string][] = [
    [1, "payments", "120.50", "open", true, "2026-12-01 09:00:00", "in: payments"],
    [2, "payments", "10.00", "open", true, "2026-11-30 00:00:00", "in: exactly the minimum, first second of the week"],
    [3, "payments", "9.99", "open", true, "2026-12-02 00:00:00", "out: below the minimum"],
    [4, "payments", "500.00", "dismissed", true, "2026-12-02 00:00:00", "out: not open"],
    [5, "payments", "500.00", "open", false, "2026-12-02 00:00:00", "out: no longer found"],
    [6, "payments", "500.00", "open", true, "2026-11-29 23:59:59", "out: the week before"],
    [7, "payments", "500.00", "open", true, "2026-12-07 00:00:00", "out: this week (next digest)"],
    [8, "search", "40.00", "open", true, "2026-12-06 23:59:59", "in: search"],
    [9, null, "75.25", "open", true, "2026-12-03 12:00:00", "in: no owner → unallocated"],
  ];

  async function insert(): Promise<void> {
    for (const [id, owner, saving, status, found, first] of rows) {
      await store.run({
        sql: `INSERT INTO ${RECOMMENDATIONS_TABLE} (id, key, type, resource_id, owner, action, monthly_saving, currency, confidence, reason, status, first_seen, last_seen, still_found)
              VALUES (?, ?, 'rightsize', ?, ?, 'downsize', CAST(? AS DECIMAL(38,10)), 'USD', 'high', 'idle', ?, CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP), ?)`,
        params: [id, `k${id}`, `i-${id}`, owner, saving, status, first, first, found],
      });
    }
  }

  it("lists new open recommendations at or above the minimum, one digest per owner, keyed by owner and ISO week", async () => {
    await insert();
    const config = cfg({ notify: { recommendations: { minMonthlySaving: "10" } } });
    const ns = await recommendationDigests(store, config, { now: new Date("2026-12-08T08:00:00Z"), dashboardUrl: "https://c.example/" });
    expect(ns.map((n) => [n.team, n.key, n.kind, n.severity, n.link])).toEqual([
      ["__unallocated__", "recommendations:__unallocated__:2026-W49", "recommendation", "info", "https://c.example/recommendations?id=9"],
      ["payments", "recommendations:payments:2026-W49", "recommendation", "info", "https://c.example/recommendations?id=1"],
      ["search", "recommendations:search:2026-W49", "recommendation", "info", "https://c.example/recommendations?id=8"],
    ]);
    const pay = ns[1]!;
    expect(pay.title).toBe("2 new recommendations for payments: 130.50 USD a month");
    expect(pay.sections[0]!.lines).toEqual([
      "rightsize i-1: downsize, 120.50 USD a month (high confidence) https://c.example/recommendations?id=1",
      "rightsize i-2: downsize, 10.00 USD a month (high confidence) https://c.example/recommendations?id=2",
    ]);
  });

  it("the minimum comes from notify.recommendations.minMonthlySaving (numbers accepted), default 10", async () => {
    await insert();
    const at = { now: new Date("2026-12-10T08:00:00Z"), dashboardUrl: "https://c.example" };
    const high = await recommendationDigests(store, cfg({ notify: { recommendations: { minMonthlySaving: 100 } } }), at);
    expect(high.map((n) => n.key)).toEqual(["recommendations:payments:2026-W49"]);
    expect(high[0]!.facts).toEqual([
      { label: "New recommendations", value: "1" },
      { label: "Monthly saving", value: "120.50 USD" },
    ]);
    const dflt = await recommendationDigests(store, cfg({}), at);
    expect(dflt.map((n) => n.facts[0]!.value)).toEqual(["1", "2", "1"]);
  });

  it("no recommendations table content, no digest", async () => {
    expect(await recommendationDigests(store, cfg({}), { now: new Date("2026-12-08T08:00:00Z"), dashboardUrl: "https://c.example" })).toEqual([]);
  });
});
