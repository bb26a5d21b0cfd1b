/**
 * Reviews kept in the store: each rendered review's figures by month (the latest rendering of a month replaces
 * the earlier one), for the dashboard's list and page and for the review job's "already sent" check.
 */
import type { ReviewData } from "../../core/review/model.js";
import { sql, type AnalysisStore } from "../store/cost-store.js";
import { col, readRow, readRows } from "../store/read-rows.js";
import { tableExists } from "../store/table-rows.js";
import { REVIEWS_TABLE } from "./tables.js";

export async function saveReview(store: AnalysisStore, d: ReviewData): Promise<void> {
  await store.transaction(async () => {
    await store.run(sql(`DELETE FROM ${REVIEWS_TABLE} WHERE month = ?`, d.month));
    await store.run(sql(`INSERT INTO ${REVIEWS_TABLE} VALUES (?, CAST(? AS TIMESTAMP), CAST(? AS JSON))`, d.month, d.generatedAt.replace("T", " ").replace("Z", ""), JSON.stringify(d)));
  });
}

export interface ReviewListItem {
  month: string;
  generatedAt: string;
  currency: string | null;
  total: string;
  change: string;
  changePercent: string | null;
}

export async function listReviews(store: AnalysisStore): Promise<ReviewListItem[]> {
  if (!(await tableExists(store, REVIEWS_TABLE))) return [];
  const rows = await readRows(store, { month: col.text, at: col.timestamp, data: col.json }, `SELECT month, strftime(generated_at, '%Y-%m-%dT%H:%M:%SZ') AS at, data::VARCHAR AS data FROM ${REVIEWS_TABLE} ORDER BY month DESC`);
  return rows.map((r) => {
    const d = r.data as ReviewData;
    return { month: r.month, generatedAt: r.at, currency: d.currency, total: d.spend.total, change: d.spend.change, changePercent: d.spend.changePercent };
  });
}

export async function getSavedReview(store: AnalysisStore, month: string): Promise<ReviewData | null> {
  if (!(await tableExists(store, REVIEWS_TABLE))) return null;
  const r = await readRow(store, { data: col.json }, sql(`SELECT data::VARCHAR AS data FROM ${REVIEWS_TABLE} WHERE month = ?`, month));
  return r ? (r.data as ReviewData) : null;
}
