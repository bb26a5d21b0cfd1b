/**
 * Series extraction: daily (or hourly) sums of a cost metric per scope, split by a dimension, in SQL. Only the
 * aggregated series (one row per day, value and currency) reach TypeScript.
 */
import { quoteString } from "../../core/sql.js";
import type { CostStore } from "../store/cost-store.js";
import { col, readRow, readRows } from "../store/read-rows.js";
import { COST_TABLE } from "../store/schema.js";
import { lastCompleteDay } from "../store/sources.js";
import type { ScopeSql, SplitSql } from "./scope.js";

/** A value of a split that has no value (NULL or empty string) is reported under this key. */
export const NONE_KEY = "(none)";

export interface ExtractedSeries {
  /** The split value (NONE_KEY for no value), or "total". */
  key: string;
  currency: string;
  /** Bucket starts (`YYYY-MM-DD` for days, `YYYY-MM-DDTHH:00:00Z` for hours) with exact decimal sums. */
  points: { at: string; amount: string }[];
}

/**
 * The last complete billing day: what the store's freshness says (`lastCompleteDay` in store/sources.ts: per
 * source from the load bookkeeping, the earliest among active sources, Cost Explorer stopping before its first
 * estimated day); when there is no bookkeeping (rows written by other means), the day before the latest charge
 * day in the cost table (that day is still being billed). Null on an empty store. Swappable: monitors, forecasts
 * and budgets take a `lastCompleteDay` function.
 */
export async function lastCompleteDayFromStore(store: CostStore): Promise<string | null> {
  const fromBookkeeping = await lastCompleteDay(store);
  if (fromBookkeeping !== null) return fromBookkeeping;
  const r = await readRow(store, { d: col.day.nullable() }, `SELECT strftime(CAST(max("ChargePeriodStart") AS DATE) - INTERVAL 1 DAY, '%Y-%m-%d') AS d FROM ${COST_TABLE}`);
  return r?.d ?? null;
}

export interface ExtractOptions {
  granularity: "day" | "hour";
  /** Inclusive first day and exclusive end day (`YYYY-MM-DD`). */
  from: string;
  to: string;
  /** Only the top N split values by spend over [topFrom, to) are returned. */
  top?: number;
  topFrom?: string;
}

export async function extractSeries(store: CostStore, scope: ScopeSql, split: SplitSql | undefined, o: ExtractOptions): Promise<ExtractedSeries[]> {
  const bucket = o.granularity === "day" ? `CAST(${scope.time} AS DATE)` : `date_trunc('hour', ${scope.time})`;
  const fmt = o.granularity === "day" ? "'%Y-%m-%d'" : "'%Y-%m-%dT%H:00:00Z'";
  const key = split ? `coalesce(nullif(CAST(${split.expr} AS VARCHAR), ''), ${quoteString(NONE_KEY)})` : `'total'`;
  const params = [...(split?.params ?? []), o.from, o.to, ...scope.where.params];
  let sql = `WITH f AS (
      SELECT ${bucket} AS b, ${key} AS k, coalesce(${scope.currency}, '') AS cur, ${scope.metric} AS m
      FROM ${scope.table}
      WHERE ${scope.time} >= CAST(? AS DATE) AND ${scope.time} < CAST(? AS DATE) AND ${scope.where.sql}
    ), g AS (SELECT b, k, cur, sum(m) AS m FROM f GROUP BY b, k, cur)`;
  if (split && o.top !== undefined) {
    sql += `, top AS (SELECT k, cur FROM g WHERE b >= CAST(? AS DATE) GROUP BY k, cur ORDER BY sum(m) DESC, k LIMIT ?)
      SELECT strftime(b, ${fmt}) AS at, g.k, g.cur, CAST(g.m AS VARCHAR) AS m FROM g SEMI JOIN top ON g.k = top.k AND g.cur = top.cur ORDER BY g.k, g.cur, b`;
    params.push(o.topFrom ?? o.from, o.top);
  } else {
    sql += ` SELECT strftime(b, ${fmt}) AS at, k, cur, CAST(m AS VARCHAR) AS m FROM g ORDER BY k, cur, b`;
  }
  const rows = await readRows(store, { at: col.text, k: col.text, cur: col.text, m: col.money }, { sql, params });
  const out: ExtractedSeries[] = [];
  let cur: ExtractedSeries | undefined;
  for (const r of rows) {
    const k = r.k;
    const c = r.cur;
    if (!cur || cur.key !== k || cur.currency !== c) {
      cur = { key: k, currency: c, points: [] };
      out.push(cur);
    }
    cur.points.push({ at: r.at, amount: r.m });
  }
  return out;
}

/**
 * The series without the points on these days (`YYYY-MM-DD`; for hourly series every hour of the day): how days
 * marked expected leave the detector's input. Dropped points are missing (NaN once densified), not zero.
 */
export function withoutDays(s: ExtractedSeries, days: ReadonlySet<string> | undefined): ExtractedSeries {
  if (!days || days.size === 0) return s;
  return { ...s, points: s.points.filter((p) => !days.has(p.at.slice(0, 10))) };
}
