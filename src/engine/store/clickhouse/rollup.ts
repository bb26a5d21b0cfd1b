/**
 * Rollup tables of the ClickHouse store, maintained at ingest (issue 10, item 1).
 *
 * Two pre-aggregated copies of the cost table, per shard, with the dimensions people group by on the
 * dashboard (the same column choice as the DuckDB server's rollup, src/engine/store/duckdb/rollup.ts: provider, accounts,
 * service, region, charge kind, source and the whole Tags list), the four cost metrics summed exactly
 * (Decimal(38,10) sums of Decimal(38,10)) and the line-item count kept:
 *
 *   focus_costs_daily_local    MergeTree, one row per day × dimensions × x_Partition on this shard
 *   focus_costs_monthly_local  the same by month (filled from the daily rows)
 *   focus_costs_daily / focus_costs_monthly   Distributed over the cluster (VIEWs with one server)
 *   focus_costs_daily_staging / focus_costs_monthly_staging   filled at ingest from the line-item staging table
 *
 * Both are partitioned by the same `x_Partition` as the line items, so an ingest fills the staging rollups from
 * the staging line items and swaps the rollup partitions in with `REPLACE PARTITION` right after the line
 * items' partition, on every shard: a re-delivered bill replaces its rollup rows together with its line items
 * and a rollup can never count a bill twice. Plain MergeTree (not SummingMergeTree): each partition is written
 * once, already grouped, so no background merge has to add anything up and Nullable sums stay NULL-correct.
 *
 * `rollupFor(query)` answers whether a typed query can be answered from a rollup: cost metric, every group-by,
 * filter and order dimension in the rollup, day/month/no granularity, and a window on whole days (whole months
 * for the monthly rollup). The query compiles unchanged against the rollup table, summing `x_LineItems` for the
 * line-item count, and gives the same answer to the digit.
 *
 * SQL here is accepted by ClickHouse 18.16 and current releases (GROUP BY over Nullable and Array columns,
 * INSERT … SELECT into Nested columns, RENAME TABLE).
 */
import { COST_METRICS } from "../../../core/focus/columns.js";
import type { CostQuery, Dimension } from "../../../core/query/cost-query.js";
import { COST_TABLE, COST_TABLE_COLUMNS } from "../schema.js";
import { ROLLUP_COUNT_COLUMN, ROLLUP_DIMENSIONS } from "../../../core/query/rollup-dimensions.js";

/** The grouped dimensions and the line-item count column: the same as the DuckDB server rollup's (one list, in core). */
export const CH_ROLLUP_DIMENSIONS = ROLLUP_DIMENSIONS;
export const CH_ROLLUP_COUNT_COLUMN = ROLLUP_COUNT_COLUMN;
const DIM_SET: ReadonlySet<string> = new Set(CH_ROLLUP_DIMENSIONS);

export const ROLLUP_GRAINS = ["daily", "monthly"] as const;
export type RollupGrain = (typeof ROLLUP_GRAINS)[number];

export interface RollupTables {
  grain: RollupGrain;
  /** What queries read (Distributed, or a VIEW with one server). */
  table: string;
  local: string;
  staging: string;
}

export function rollupTables(grain: RollupGrain): RollupTables {
  const table = `${COST_TABLE}_${grain}`;
  return { grain, table, local: `${table}_local`, staging: `${table}_staging` };
}

/** Column definitions, in table order (x_Partition first, as in the line-item table). */
export function rollupColumnsDdl(partitionColumn: string, typeOf: (sqlType: string) => string): string {
  const sqlType = (name: string): string => {
    const c = COST_TABLE_COLUMNS.find((x) => x.name === name);
    if (!c) throw new Error(`rollup column ${name} is not a cost-table column`);
    return typeOf(c.sqlType);
  };
  return [
    `"${partitionColumn}" String`,
    `"ChargePeriodStart" ${sqlType("ChargePeriodStart")}`,
    ...CH_ROLLUP_DIMENSIONS.map((d) => `"${d}" ${sqlType(d)}`),
    `"Tags" ${sqlType("Tags")}`,
    ...COST_METRICS.map((m) => `"${m}" ${sqlType(m)}`),
    `"${CH_ROLLUP_COUNT_COLUMN}" UInt64`,
  ].join(",\n  ");
}

export function rollupCreateSql(name: string, partitionColumn: string, typeOf: (sqlType: string) => string): string {
  return `CREATE TABLE IF NOT EXISTS "${name}" (\n  ${rollupColumnsDdl(partitionColumn, typeOf)}\n) ENGINE = MergeTree PARTITION BY "${partitionColumn}"
    ORDER BY (toDate(ifNull("ChargePeriodStart", toDateTime(0, 'UTC'))), ifNull("ServiceName", ''), ifNull("SubAccountId", ''))`;
}

/**
 * `INSERT INTO target SELECT … FROM source GROUP BY …`: the daily rollup from line items (`source` a line-item
 * table), or the monthly rollup from daily rows (`source` a daily rollup table). Optionally one partition only.
 */
export function rollupFillSql(grain: RollupGrain, target: string, source: string, partitionColumn: string): string {
  const dims = [`"${partitionColumn}"`, ...CH_ROLLUP_DIMENSIONS.map((d) => `"${d}"`), `"Tags.key"`, `"Tags.value"`];
  const day = grain === "daily";
  const bucket = day ? `toDateTime(toStartOfDay("ChargePeriodStart"))` : `toDateTime(toStartOfMonth("ChargePeriodStart"))`;
  const sums = COST_METRICS.map((m) => `sum("${m}")`);
  const count = day ? "count()" : `sum("${CH_ROLLUP_COUNT_COLUMN}")`;
  const into = [`"${partitionColumn}"`, `"ChargePeriodStart"`, ...dims.slice(1), ...COST_METRICS.map((m) => `"${m}"`), `"${CH_ROLLUP_COUNT_COLUMN}"`];
  return `INSERT INTO "${target}" (${into.join(", ")})
    SELECT "${partitionColumn}", ${bucket} AS b, ${dims.slice(1).join(", ")}, ${sums.join(", ")}, ${count}
    FROM "${source}" GROUP BY "${partitionColumn}", b, ${dims.slice(1).join(", ")}`;
}

function covered(d: Dimension): boolean {
  return d.kind === "tag" || DIM_SET.has(d.column);
}

const MIDNIGHT_RE = /T00:00:00Z$/;
const MONTH_START_RE = /^\d{4}-\d{2}-01T00:00:00Z$/;

function windowOn(q: CostQuery, re: RegExp): boolean {
  return (q.window.start === undefined || re.test(q.window.start)) && (q.window.end === undefined || re.test(q.window.end));
}

/**
 * The coarsest rollup that answers `q` exactly, or undefined when only the line items can: the metric is a
 * cost metric, every group-by, filter and order dimension is in the rollup, granularity is day, month or
 * none, and the window falls on whole days (whole months, and month or no granularity, for the monthly one).
 */
export function rollupFor(q: CostQuery): RollupGrain | undefined {
  if (!(COST_METRICS as readonly string[]).includes(q.metric)) return undefined;
  if (q.granularity === "hour") return undefined;
  if (!q.groupBy.every(covered) || !q.filters.every((f) => covered(f.on))) return undefined;
  if (!q.orderBy.every((o) => o.key.kind !== "dimension" || covered(o.key.dimension))) return undefined;
  if ((q.granularity === "month" || q.granularity === "none") && windowOn(q, MONTH_START_RE)) return "monthly";
  if (windowOn(q, MIDNIGHT_RE)) return "daily";
  return undefined;
}
