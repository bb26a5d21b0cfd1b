import { describe, expect, it } from "vitest";
import { DuckDbStore } from "../store/duckdb/duckdb-store.js";
import { col, readRow } from "../store/read-rows.js";
import { anomalyId, anomalyIdSql } from "./anomaly-id.js";

describe("anomalyId", () => {
  it("is the same in TypeScript and in SQL, and differs when any part of the key differs", async () => {
    const store = await DuckDbStore.open(":memory:");
    try {
      const keys = [
        { monitor: "service", seriesKey: "AmazonEC2", startDay: "2026-11-03", currency: "USD" },
        { monitor: "service", seriesKey: "AmazonEC2", startDay: "2026-11-04", currency: "USD" },
        { monitor: "service", seriesKey: "AmazonEC2", startDay: "2026-11-03", currency: "EUR" },
        { monitor: "team", seriesKey: "a\u0000b|c ü", startDay: "2026-11-03", currency: "USD" },
      ];
      const ids = new Set<string>();
      for (const k of keys) {
        const r = await readRow(store, { id: col.text }, {
          sql: `SELECT ${anomalyIdSql("t")} AS id FROM (SELECT ?::VARCHAR AS monitor, ?::VARCHAR AS series_key, ?::DATE AS start_day, ?::VARCHAR AS currency) t`,
          params: [k.monitor, k.seriesKey, k.startDay, k.currency],
        });
        expect(r?.id).toBe(anomalyId(k));
        expect(anomalyId(k)).toMatch(/^[0-9a-f]{16}$/);
        ids.add(anomalyId(k));
      }
      expect(ids.size).toBe(keys.length);
    } finally {
      await store.close();
    }
  });
});
