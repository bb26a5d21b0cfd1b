/**
 * Demo utilization: 14 days of hourly CPU and network for the demo bill's EC2 instances, generated in SQL
 * (deterministic per instance): most instances busy, some oversized (low CPU), a few idle. Only the demo uses
 * it, so the dashboard's recommendations page has something real to show — the recommendations themselves come
 * from the same analysis a live `costwise utilization collect` feeds.
 */
import { CostwiseError } from "../core/errors.js";
import { quoteString } from "../core/sql.js";
import { UTILIZATION_TABLE } from "../engine/optimize/tables.js";
import type { AnalysisStore } from "../engine/store/cost-store.js";
import { col, readRow } from "../engine/store/read-rows.js";
import { COST_TABLE } from "../engine/store/schema.js";

/** The `source` of the demo's utilization rows. */
const DEMO_SOURCE = "demo";

export async function loadDemoUtilization(store: AnalysisStore, lastDay: string): Promise<number> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(lastDay)) throw new CostwiseError("INTERNAL", `the demo's utilization needs a day as YYYY-MM-DD, got ${JSON.stringify(lastDay)}`);
  const source = quoteString(DEMO_SOURCE);
  const day = quoteString(lastDay);
  await store.run(`DELETE FROM ${UTILIZATION_TABLE} WHERE source = ${source}`);
  await store.run(`
    INSERT INTO ${UTILIZATION_TABLE}
    WITH inst AS (
      SELECT DISTINCT "ResourceId" AS rid, hash("ResourceId") % 10 AS kind
      FROM ${COST_TABLE}
      WHERE "ResourceId" LIKE 'i-%' AND x_InstanceType IS NOT NULL AND "ChargePeriodStart" >= TIMESTAMP ${day} - INTERVAL 14 DAY
    ),
    hours AS (SELECT TIMESTAMP ${day} - INTERVAL 14 DAY + INTERVAL (h) HOUR AS hour, h FROM range(14 * 24) t(h)),
    cpu AS (
      SELECT rid, hour,
        CASE WHEN kind < 2 THEN 0.3 + (hash(rid, h) % 50) / 100.0                 -- idle
             WHEN kind < 5 THEN 6 + (hash(rid, h) % 600) / 100.0 + 4 * sin(h / 3.8) -- oversized
             ELSE 35 + (hash(rid, h) % 3000) / 100.0 + 15 * sin(h / 3.8) END AS v,
        kind
      FROM inst, hours
    )
    SELECT rid, 'CPUUtilization', hour, v, v * 1.25, v * 0.7, v * 1.2, 12, ${source}, now()::TIMESTAMP FROM cpu
    UNION ALL
    SELECT rid, 'NetworkIn', hour, CASE WHEN kind < 2 THEN 2000 ELSE 5e7 END, CASE WHEN kind < 2 THEN 5000 ELSE 9e7 END,
           0, CASE WHEN kind < 2 THEN 4800 ELSE 8.8e7 END, 12, ${source}, now()::TIMESTAMP FROM cpu`);
  const r = await readRow(store, { n: col.int }, `SELECT count(DISTINCT resource_id)::INTEGER AS n FROM ${UTILIZATION_TABLE} WHERE source = ${source}`);
  return r?.n ?? 0;
}
