/**
 * KPI history: one row per day per KPI in kpi_history (the table is created by the notify feature's first
 * migration, src/engine/notify/tables.ts; it stays there because that migration is applied and also creates the
 * outbox and job tables). The value stored is the scorecard's headline value (./scorecard.ts), its scope says
 * what it is for and `details` keeps the breakdown. Re-computing a day replaces that day's rows.
 *
 * Trend: a KPI's value against the last stored value of an earlier day.
 */
import { KPI_TABLE } from "../notify/tables.js";
import type { AnalysisStore, CostStore } from "../store/cost-store.js";
import { col, readRows, type RowOf } from "../store/read-rows.js";
import { tableExists } from "../store/table-rows.js";
import { KPI_DEFINITIONS, type KpiId, type KpiWorkspace } from "./definitions.js";
import { kpiScorecard, type Scorecard, type ScorecardKpi, type ScorecardOptions } from "./scorecard.js";

/** One stored KPI figure: `details` is the JSON text kept beside it. */
const KPI_HISTORY_ROW = { day: col.day, kpi: col.text, scope: col.text, value: col.text.nullable(), unit: col.text, details: col.text.nullable() };
export type KpiHistoryRow = RowOf<typeof KPI_HISTORY_ROW>;

/** Computes the scorecard for `now`'s day and keeps it: one row per available KPI. */
export async function computeKpis(store: AnalysisStore, workspace: KpiWorkspace, o: ScorecardOptions = {}): Promise<Scorecard> {
  const card = await kpiScorecard(store, workspace, o);
  const kept = card.kpis.filter((k) => k.value !== null);
  await store.transaction(async () => {
    await store.run({ sql: `DELETE FROM ${KPI_TABLE} WHERE day = CAST(? AS DATE)`, params: [card.day] });
    for (const k of kept) {
      await store.run({
        sql: `INSERT INTO ${KPI_TABLE} (day, kpi, scope, value, unit, details, computed_at) VALUES (CAST(? AS DATE), ?, ?, ?, ?, ?, now()::TIMESTAMP)`,
        params: [card.day, k.id, k.scope, k.value, k.unit, k.details ? JSON.stringify(k.details) : null],
      });
    }
  });
  return card;
}

/** Stored rows of the `days` days up to `asOf` (default today), newest first. */
export async function kpiHistory(store: CostStore, o: { days?: number; asOf?: string } = {}): Promise<KpiHistoryRow[]> {
  if (!(await tableExists(store, KPI_TABLE))) return [];
  const asOf = o.asOf ?? new Date().toISOString().slice(0, 10);
  return readRows(store, KPI_HISTORY_ROW, {
    sql: `SELECT strftime(day, '%Y-%m-%d') AS day, kpi, scope, value, unit, CAST(details AS VARCHAR) AS details FROM ${KPI_TABLE}
          WHERE day > CAST(? AS DATE) - CAST(? AS INTEGER) AND day <= CAST(? AS DATE) ORDER BY day DESC, kpi, scope`,
    params: [asOf, o.days ?? 30, asOf],
  });
}

export type Trend = "up" | "down" | "flat";

export interface KpiWithTrend extends ScorecardKpi {
  /** The last stored value of an earlier day, and the direction from it (null without one). */
  previous: { day: string; value: string } | null;
  trend: Trend | null;
  /** Whether the move is an improvement (per the KPI's better direction); null when flat or unknown. */
  improving: boolean | null;
  /** Stored values, oldest first. */
  history: { day: string; value: string | null }[];
}

/** Each KPI with its stored history and its trend against the last earlier day. */
export function withTrend(card: Scorecard, rows: readonly KpiHistoryRow[]): KpiWithTrend[] {
  return card.kpis.map((k) => {
    const mine = rows.filter((r) => r.kpi === k.id).sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
    const prev = [...mine].reverse().find((r) => r.day < card.day && r.value !== null);
    const trend: Trend | null = prev && k.value !== null ? (Number(k.value) > Number(prev.value) ? "up" : Number(k.value) < Number(prev.value) ? "down" : "flat") : null;
    const better = KPI_DEFINITIONS[k.id as KpiId].better;
    const improving = trend === null || trend === "flat" || better === "none" ? null : (trend === "up") === (better === "up");
    return { ...k, previous: prev ? { day: prev.day, value: prev.value! } : null, trend, improving, history: mine.map((r) => ({ day: r.day, value: r.value })) };
  });
}
