/**
 * Rollups of the cost table for the dashboard, rebuilt by the server when the store's ingests changed
 * (keyed on the ingest runs), so they can never disagree with the cost table: while stale or missing, queries
 * read the cost table. Resource-level columns are left out, which is what makes them small.
 *
 * - `serve_cost_daily`: one row per day and combination of the dimensions people group by on the dashboard
 *   (provider, accounts, service, region, charge kind, source and the whole Tags map), metrics summed and the
 *   line-item count kept. Read directly by tag coverage, tag keys and the overview.
 * - The cost explorer reads star-shaped copies of it: `serve_cost_keys` holds each combination of dimension
 *   values once under an integer key, `serve_cost_day_facts` / `serve_cost_month_facts` hold only
 *   (period, key, metric sums, line items), sorted by period. Filters and tag lookups then run once per
 *   combination instead of once per day and combination, and the fact scans are narrow (`rollupPlan`).
 *   The same exists per projection (`ROLLUP_PROJECTIONS`: by service, by account and region, by tags, ...,
 *   tables suffixed with its name): fewer dimensions, fewer combinations, fewer fact rows; the planner takes the
 *   smallest that holds every dimension the query touches. A query's window is tiled with whole months from
 *   the monthly facts and the edge days from the daily facts when its granularity allows (month or none).
 *
 * Queries are answered from them only when everything they touch is in them (see `rollupEligible`), and
 * sums are exact (DECIMAL sums of DECIMAL sums), so the answer is the same to the digit. Fact metric columns
 * are DECIMAL(18,10) when every value in them fits (checked at build, else DECIMAL(38,10)): the same exact
 * values, half the width, about twice as fast to sum.
 */
import { CostwiseError } from "../../../core/errors.js";
import { COST_METRICS } from "../../../core/focus/columns.js";
import type { CompileOptions } from "../../../core/query/compile.js";
import type { CostQuery, Dimension } from "../../../core/query/cost-query.js";
import type { CostStore } from "../cost-store.js";
import { sql } from "../cost-store.js";
import { col, readRow } from "../read-rows.js";
import { COST_TABLE, RUNS_TABLE } from "../schema.js";
import { ROLLUP_COUNT_COLUMN, ROLLUP_DIMENSIONS, type RollupDimension } from "../../../core/query/rollup-dimensions.js";
export { ROLLUP_COUNT_COLUMN, ROLLUP_DIMENSIONS };

export const ROLLUP_TABLE = "serve_cost_daily";
/** Each combination of rolled-up dimension values (and Tags) once, under the integer key `ROLLUP_KEY_COLUMN`. */
export const ROLLUP_KEYS_TABLE = "serve_cost_keys";
/** (day, key) → metric sums and line items, sorted by day. */
export const DAILY_FACTS_TABLE = "serve_cost_day_facts";
/** (month, key) → the same by month. */
export const MONTHLY_FACTS_TABLE = "serve_cost_month_facts";
export const ROLLUP_KEY_COLUMN = "x_Key";
export const ROLLUP_STATE_TABLE = "serve_rollup_state";
/** Bumped when the rollup tables change shape, so a store built by an older costwise is rebuilt. */
const LAYOUT = "star-3";
/** An earlier layout's table, dropped on rebuild. */
const OBSOLETE_TABLES = ["serve_cost_monthly"];

const ROLLUP_DIM_SET: ReadonlySet<string> = new Set(ROLLUP_DIMENSIONS);

/**
 * A star rollup over a subset of the dimensions: fewer dimensions, fewer combinations, fewer fact rows per day.
 * The explorer's usual views (by service, by account and region, by tag) each have one narrow enough to be
 * much smaller than the full set; `all` answers everything else.
 */
export interface RollupProjection {
  name: string;
  columns: readonly RollupDimension[];
  tags: boolean;
}

const UNIT: readonly RollupDimension[] = ["BillingCurrency", "ProviderName"];
const SERVICE: readonly RollupDimension[] = [...UNIT, "ServiceName", "ServiceCategory"];
const ACCOUNT: readonly RollupDimension[] = [...UNIT, "BillingAccountId", "BillingAccountName", "SubAccountId", "SubAccountName", "RegionId", "RegionName"];

/**
 * In order of preference: the planner takes the first that covers a query. A projection whose dimensions are a
 * subset of another's never has more combinations, and every chain of covering projections below is ordered so.
 */
export const ROLLUP_PROJECTIONS: readonly RollupProjection[] = [
  { name: "service", columns: SERVICE, tags: false },
  { name: "account", columns: ACCOUNT, tags: false },
  { name: "columns", columns: ROLLUP_DIMENSIONS, tags: false },
  { name: "tags", columns: UNIT, tags: true },
  { name: "service_tags", columns: SERVICE, tags: true },
  { name: "account_tags", columns: ACCOUNT, tags: true },
  { name: "all", columns: ROLLUP_DIMENSIONS, tags: true },
];

/** The keys and fact tables of a projection (`all` has the unsuffixed names). */
export function projectionTables(p: RollupProjection): { keys: string; day: string; month: string } {
  const sfx = p.name === "all" ? "" : `_${p.name}`;
  return { keys: `${ROLLUP_KEYS_TABLE}${sfx}`, day: `${DAILY_FACTS_TABLE}${sfx}`, month: `${MONTHLY_FACTS_TABLE}${sfx}` };
}

const ROLLUP_TABLES = [ROLLUP_TABLE, ...ROLLUP_PROJECTIONS.flatMap((p) => Object.values(projectionTables(p)))];

/** The first projection holding every dimension `q` groups, filters or orders by (and its unit). */
export function projectionFor(q: CostQuery): RollupProjection {
  const dims = [...q.groupBy, ...q.filters.map((f) => f.on), ...q.orderBy.flatMap((o) => (o.key.kind === "dimension" ? [o.key.dimension] : []))];
  const tags = dims.some((d) => d.kind === "tag");
  const columns = new Set<string>(["BillingCurrency", ...dims.flatMap((d) => (d.kind === "column" ? [d.column] : []))]);
  const fit = ROLLUP_PROJECTIONS.find((p) => (p.tags || !tags) && [...columns].every((c) => (p.columns as readonly string[]).includes(c)));
  return fit ?? ROLLUP_PROJECTIONS[ROLLUP_PROJECTIONS.length - 1]!;
}

function covered(d: Dimension): boolean {
  return d.kind === "tag" || ROLLUP_DIM_SET.has(d.column);
}

function atMidnight(iso: string | undefined): boolean {
  return iso === undefined || iso.endsWith("T00:00:00Z");
}

function isoDate(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 10)}T00:00:00Z`;
}

/** The first month start at or after `iso` (a midnight). */
function monthCeil(iso: string): string {
  const d = new Date(iso);
  if (d.getUTCDate() === 1) return iso;
  return isoDate(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
}

/** The last month start at or before `iso` (a midnight). */
function monthFloor(iso: string): string {
  const d = new Date(iso);
  return isoDate(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
}

/**
 * How the star rollup answers an eligible query (`rollupEligible` must hold): the parts tile the query's
 * window exactly. Day granularity reads the daily facts over the window; month and none read whole months
 * from the monthly facts and the days before the first and after the last whole month from the daily facts.
 */
export function rollupPlan(q: CostQuery): CompileOptions {
  const tables = projectionTables(projectionFor(q));
  const { start, end } = q.window;
  type Part = { table: string; start?: string; end?: string };
  const part = (table: string, s: string | undefined, e: string | undefined): Part => ({ table, ...(s !== undefined ? { start: s } : {}), ...(e !== undefined ? { end: e } : {}) });
  let parts: Part[];
  if (q.granularity !== "month" && q.granularity !== "none") parts = [part(tables.day, start, end)];
  else {
    const ms = start === undefined ? undefined : monthCeil(start);
    const me = end === undefined ? undefined : monthFloor(end);
    if (ms !== undefined && me !== undefined && ms >= me) parts = [part(tables.day, start, end)];
    else {
      parts = [part(tables.month, ms, me)];
      if (start !== undefined && ms !== start) parts.push(part(tables.day, start, ms));
      if (end !== undefined && me !== end) parts.push(part(tables.day, me, end));
    }
  }
  return { table: tables.day, lineItemsColumn: ROLLUP_COUNT_COLUMN, star: { keysTable: tables.keys, keyColumn: ROLLUP_KEY_COLUMN, parts } };
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
  // BIGINTs kept as the store prints them: the key is compared as text
  const r = await readRow(
    store,
    { n: col.text, last: col.text, loaded: col.text, replaced: col.text },
    `SELECT count(*)::BIGINT AS n, coalesce(strftime(max(finished_at), '%Y-%m-%dT%H:%M:%S.%f'), '') AS last,
            coalesce(sum(rows_loaded), 0)::BIGINT AS loaded, coalesce(sum(rows_replaced), 0)::BIGINT AS replaced FROM ${RUNS_TABLE}`,
  );
  const count = await readRow(store, { n: col.text }, `SELECT count(*)::BIGINT AS n FROM ${COST_TABLE}`);
  return `${r?.n}|${r?.last}|${r?.loaded}|${r?.replaced}|${count?.n}`;
}

/** Scratch tables of a rebuild (TEMP: the connection's own, dropped before it commits). */
const TMP_DAY_ALL = "serve_rollup_day_all";
const TMP_MAP = "serve_rollup_map";
const TMP_DAY_WIDE = "serve_rollup_day_wide";
const TMP_MONTH_WIDE = "serve_rollup_month_wide";

export interface RollupStatus {
  ready: boolean;
  rows: number;
  sourceRows: number;
  builtInMs: number;
}

/** Builds the rollups when missing or stale; returns whether they are usable. Runs on the writer connection. */
export async function refreshRollup(store: CostStore): Promise<RollupStatus> {
  const t0 = performance.now();
  await store.run(`CREATE TABLE IF NOT EXISTS ${ROLLUP_STATE_TABLE} (key VARCHAR NOT NULL, built_at TIMESTAMP NOT NULL)`);
  const key = `${LAYOUT}|${await currentKey(store)}`;
  const state = await readRow(store, { key: col.text }, `SELECT key FROM ${ROLLUP_STATE_TABLE}`);
  const exists = await readRow(
    store,
    { n: col.int },
    sql(`SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name IN (${ROLLUP_TABLES.map(() => "?").join(", ")})`, ...ROLLUP_TABLES),
  );
  if (state?.key !== key || (exists?.n ?? 0) < ROLLUP_TABLES.length) {
    const dimList = ROLLUP_DIMENSIONS.map((d) => `"${d}"`);
    const dims = dimList.join(", ");
    const metrics = COST_METRICS.map((m) => `sum("${m}") AS "${m}"`).join(", ");
    const sums = [...COST_METRICS, ROLLUP_COUNT_COLUMN].map((m) => `sum("${m}") AS "${m}"`).join(", ");
    const K = `"${ROLLUP_KEY_COLUMN}"`;
    await store.transaction(async () => {
      for (const t of OBSOLETE_TABLES) await store.run(`DROP TABLE IF EXISTS ${t}`);
      await store.run(
        `CREATE OR REPLACE TABLE ${ROLLUP_TABLE} AS
         SELECT date_trunc('day', "ChargePeriodStart") AS "ChargePeriodStart", ${dims}, "Tags", ${metrics}, count(*)::BIGINT AS "${ROLLUP_COUNT_COLUMN}"
         FROM ${COST_TABLE} GROUP BY ALL ORDER BY "ChargePeriodStart"`,
      );
      // each combination once; NULLs and maps compare as values (IS NOT DISTINCT FROM) when rows are keyed
      const same = (cols: readonly string[], a: string, b: string) => (cols.length ? cols.map((c) => `${a}.${c} IS NOT DISTINCT FROM ${b}.${c}`).join(" AND ") : "TRUE");
      await store.run(
        `CREATE OR REPLACE TABLE ${ROLLUP_KEYS_TABLE} AS
         SELECT (row_number() OVER ())::INTEGER AS ${K}, * FROM (SELECT DISTINCT ${dims}, "Tags" FROM ${ROLLUP_TABLE})`,
      );
      await store.run(
        `CREATE OR REPLACE TEMP TABLE ${TMP_DAY_ALL} AS
         SELECT r."ChargePeriodStart", k.${K}, ${[...COST_METRICS, ROLLUP_COUNT_COLUMN].map((m) => `r."${m}"`).join(", ")}
         FROM ${ROLLUP_TABLE} r JOIN ${ROLLUP_KEYS_TABLE} k ON ${same([...dimList, `"Tags"`], "r", "k")}`,
      );
      const check = await readRow(store, { a: col.int, b: col.int }, `SELECT (SELECT count(*) FROM ${ROLLUP_TABLE})::BIGINT AS a, (SELECT count(*) FROM ${TMP_DAY_ALL})::BIGINT AS b`);
      if (check?.a !== check?.b) {
        throw new CostwiseError("INTERNAL", `rollup keys do not match the daily rollup one to one (${check?.a} rows, ${check?.b} keyed)`);
      }
      for (const p of ROLLUP_PROJECTIONS) {
        const t = projectionTables(p);
        const cols = [...p.columns.map((c) => `"${c}"`), ...(p.tags ? [`"Tags"`] : [])];
        if (p.name !== "all") {
          // the projection's combinations, and which of them each full combination falls in
          await store.run(
            `CREATE OR REPLACE TABLE ${t.keys} AS
             SELECT (row_number() OVER ())::INTEGER AS ${K}, * FROM (SELECT DISTINCT ${cols.join(", ")} FROM ${ROLLUP_KEYS_TABLE})`,
          );
          await store.run(
            `CREATE OR REPLACE TEMP TABLE ${TMP_MAP} AS
             SELECT a.${K} AS k_all, p.${K} AS k FROM ${ROLLUP_KEYS_TABLE} a JOIN ${t.keys} p ON ${same(cols, "a", "p")}`,
          );
        } else await store.run(`CREATE OR REPLACE TEMP TABLE ${TMP_MAP} AS SELECT ${K} AS k_all, ${K} AS k FROM ${ROLLUP_KEYS_TABLE}`);
        await store.run(
          `CREATE OR REPLACE TEMP TABLE ${TMP_DAY_WIDE} AS
           SELECT "ChargePeriodStart", m.k AS ${K}, ${sums} FROM ${TMP_DAY_ALL} f JOIN ${TMP_MAP} m ON f.${K} = m.k_all GROUP BY ALL`,
        );
        await store.run(
          `CREATE OR REPLACE TEMP TABLE ${TMP_MONTH_WIDE} AS
           SELECT date_trunc('month', "ChargePeriodStart") AS "ChargePeriodStart", ${K}, ${sums} FROM ${TMP_DAY_WIDE} GROUP BY ALL`,
        );
        // the narrow type only where every value of the column fits it, in both tables
        const fits = await store.all(
          `SELECT ${COST_METRICS.map((m) => `coalesce(max(abs("${m}")) < 100000000, true) AS "${m}"`).join(", ")}
           FROM (SELECT ${COST_METRICS.map((m) => `"${m}"`).join(", ")} FROM ${TMP_DAY_WIDE} UNION ALL SELECT ${COST_METRICS.map((m) => `"${m}"`).join(", ")} FROM ${TMP_MONTH_WIDE})`,
        );
        const typed = COST_METRICS.map((m) => `CAST("${m}" AS DECIMAL(${fits[0]?.[m] === true ? 18 : 38},10)) AS "${m}"`).join(", ");
        for (const [table, from] of [
          [t.day, TMP_DAY_WIDE],
          [t.month, TMP_MONTH_WIDE],
        ] as const) {
          await store.run(
            `CREATE OR REPLACE TABLE ${table} AS
             SELECT "ChargePeriodStart", ${K}, ${typed}, "${ROLLUP_COUNT_COLUMN}"::BIGINT AS "${ROLLUP_COUNT_COLUMN}"
             FROM ${from} ORDER BY "ChargePeriodStart", ${K}`,
          );
          await store.run(`DROP TABLE ${from}`);
        }
        await store.run(`DROP TABLE ${TMP_MAP}`);
      }
      await store.run(`DROP TABLE ${TMP_DAY_ALL}`);
      await store.run(`DELETE FROM ${ROLLUP_STATE_TABLE}`);
      await store.run(sql(`INSERT INTO ${ROLLUP_STATE_TABLE} VALUES (?, now()::TIMESTAMP)`, key));
    });
  }
  const n = await readRow(store, { n: col.int, s: col.int }, `SELECT count(*)::BIGINT AS n, coalesce(sum("${ROLLUP_COUNT_COLUMN}"), 0)::BIGINT AS s FROM ${ROLLUP_TABLE}`);
  return { ready: true, rows: n?.n ?? 0, sourceRows: n?.s ?? 0, builtInMs: Math.round(performance.now() - t0) };
}
