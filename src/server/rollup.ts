/**
 * A daily rollup of the cost table for the dashboard: one row per day and combination of the
 * dimensions people group by on the dashboard (provider, accounts, service, region, charge kind,
 * source and the whole Tags map), with the cost metrics summed and the line-item count kept.
 * Resource-level columns are left out, which is what makes it small.
 *
 * It is a cache, rebuilt by the server when the store's ingests changed (keyed on the ingest runs), so
 * it can never disagree with the cost table: while it is stale or missing, queries read the cost table.
 * Queries are answered from it only when everything they touch is in it (see `rollupEligible`), and
 * sums are exact (DECIMAL sums of DECIMAL sums), so the answer is the same to the digit.
 */
import { COST_METRICS } from "../core/focus/columns.js";
import type { CostQuery, Dimension } from "../core/query/cost-query.js";
import type { CostStore } from "../engine/store/cost-store.js";
import { sql } from "../engine/store/cost-store.js";
import { COST_TABLE, RUNS_TABLE } from "../engine/store/schema.js";

export const ROLLUP_TABLE = "serve_cost_daily";
/** The same rolled up by month (from the daily rollup): month and whole-window queries over whole months. */
export const MONTHLY_ROLLUP_TABLE = "serve_cost_monthly";
export const ROLLUP_STATE_TABLE = "serve_rollup_state";
export const ROLLUP_COUNT_COLUMN = "x_LineItems";

export const ROLLUP_DIMENSIONS = [
  "BillingCurrency",
  "ProviderName",
  "BillingAccountId",
  "BillingAccountName",
  "SubAccountId",
  "SubAccountName",
  "ServiceName",
  "ServiceCategory",
  "RegionId",
  "RegionName",
  "ChargeCategory",
  "ChargeClass",
  "PricingCategory",
  "x_Source",
] as const;
const ROLLUP_DIM_SET: ReadonlySet<string> = new Set(ROLLUP_DIMENSIONS);

function covered(d: Dimension): boolean {
  return d.kind === "tag" || ROLLUP_DIM_SET.has(d.column);
}

function atMidnight(iso: string | undefined): boolean {
  return iso === undefined || iso.endsWith("T00:00:00Z");
}

function atMonthStart(iso: string | undefined): boolean {
  return iso === undefined || /^\d{4}-\d{2}-01T00:00:00Z$/.test(iso);
}

/** True when the monthly rollup can answer `q` (it must be daily-eligible too). */
export function monthlyRollupEligible(q: CostQuery): boolean {
  return (q.granularity === "month" || q.granularity === "none") && atMonthStart(q.window.start) && atMonthStart(q.window.end);
}

/** True when the rollup holds everything `q` needs: cost metric, covered dimensions, whole days. */
export function rollupEligible(q: CostQuery): boolean {
  if (!(COST_METRICS as readonly string[]).includes(q.metric)) return false;
  if (q.granularity === "hour") return false;
  if (!atMidnight(q.window.start) || !atMidnight(q.window.end)) return false;
  if (!q.groupBy.every(covered)) return false;
  if (!q.filters.every((f) => covered(f.on))) return false;
  return q.orderBy.every((o) => o.key.kind !== "dimension" || covered(o.key.dimension));
}

async function currentKey(store: CostStore): Promise<string> {
  const rows = await store.all(
    `SELECT count(*)::BIGINT AS n, coalesce(strftime(max(finished_at), '%Y-%m-%dT%H:%M:%S.%f'), '') AS last,
            coalesce(sum(rows_loaded), 0)::BIGINT AS loaded, coalesce(sum(rows_replaced), 0)::BIGINT AS replaced FROM ${RUNS_TABLE}`,
  );
  const r = rows[0] ?? {};
  const count = await store.all(`SELECT count(*)::BIGINT AS n FROM ${COST_TABLE}`);
  return `${r["n"]}|${r["last"]}|${r["loaded"]}|${r["replaced"]}|${count[0]?.["n"]}`;
}

export interface RollupStatus {
  ready: boolean;
  rows: number;
  sourceRows: number;
  builtInMs: number;
}

/** Builds the rollup when missing or stale; returns whether it is usable. Runs on the writer connection. */
export async function refreshRollup(store: CostStore): Promise<RollupStatus> {
  const t0 = performance.now();
  await store.run(`CREATE TABLE IF NOT EXISTS ${ROLLUP_STATE_TABLE} (key VARCHAR NOT NULL, built_at TIMESTAMP NOT NULL)`);
  const key = await currentKey(store);
  const state = await store.all(`SELECT key FROM ${ROLLUP_STATE_TABLE}`);
  const exists = await store.all(sql(`SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name IN (?, ?)`, ROLLUP_TABLE, MONTHLY_ROLLUP_TABLE));
  if (state[0]?.["key"] !== key || Number(exists[0]?.["n"]) < 2) {
    const dims = ROLLUP_DIMENSIONS.map((d) => `"${d}"`).join(", ");
    const metrics = COST_METRICS.map((m) => `sum("${m}") AS "${m}"`).join(", ");
    await store.transaction(async () => {
      await store.run(
        `CREATE OR REPLACE TABLE ${ROLLUP_TABLE} AS
         SELECT date_trunc('day', "ChargePeriodStart") AS "ChargePeriodStart", ${dims}, "Tags", ${metrics}, count(*)::BIGINT AS "${ROLLUP_COUNT_COLUMN}"
         FROM ${COST_TABLE} GROUP BY ALL ORDER BY "ChargePeriodStart"`,
      );
      const sums = [...COST_METRICS, ROLLUP_COUNT_COLUMN].map((m) => `sum("${m}") AS "${m}"`).join(", ");
      await store.run(
        `CREATE OR REPLACE TABLE ${MONTHLY_ROLLUP_TABLE} AS
         SELECT date_trunc('month', "ChargePeriodStart") AS "ChargePeriodStart", ${dims}, "Tags", ${sums}
         FROM ${ROLLUP_TABLE} GROUP BY ALL ORDER BY "ChargePeriodStart"`,
      );
      await store.run(`DELETE FROM ${ROLLUP_STATE_TABLE}`);
      await store.run(sql(`INSERT INTO ${ROLLUP_STATE_TABLE} VALUES (?, now()::TIMESTAMP)`, key));
    });
  }
  const n = await store.all(`SELECT count(*)::BIGINT AS n, coalesce(sum("${ROLLUP_COUNT_COLUMN}"), 0)::BIGINT AS s FROM ${ROLLUP_TABLE}`);
  return { ready: true, rows: Number(n[0]?.["n"] ?? 0), sourceRows: Number(n[0]?.["s"] ?? 0), builtInMs: Math.round(performance.now() - t0) };
}
