/**
 * One review, built and rendered: figures (./build.ts) → Markdown, HTML, or PDF printed from the HTML (./pdf.ts);
 * the figures kept in the store unless asked not to. The CLI, the API and the review job all come through here.
 */
import { CostwiseError } from "../../core/errors.js";
import { monthBounds, type ReviewData, type ReviewFormat } from "../../core/review/model.js";
import { reviewHtml, reviewMarkdown } from "../../core/review/render.js";
import { sql, type AnalysisStore } from "../store/cost-store.js";
import { col, readRow } from "../store/read-rows.js";
import { COST_TABLE } from "../store/schema.js";
import { buildReview, lastCompleteMonth, type ReviewWorkspace } from "./build.js";
import { htmlToPdf } from "./pdf.js";
import { saveReview } from "./store.js";

export interface RenderedReview {
  data: ReviewData;
  format: ReviewFormat;
  /** Text for md and html, bytes for pdf. */
  content: string | Buffer;
}

export async function renderReviewData(d: ReviewData, format: ReviewFormat, o: { link?: string } = {}): Promise<string | Buffer> {
  switch (format) {
    case "md":
      return reviewMarkdown(d, o);
    case "html":
      return reviewHtml(d, o);
    case "pdf":
      return htmlToPdf(reviewHtml(d, o));
  }
}

/** The month asked for, or the bill's last complete month. */
export async function reviewMonth(store: AnalysisStore, month: string | undefined): Promise<string> {
  if (month) return month;
  const m = await lastCompleteMonth(store);
  if (!m) throw new CostwiseError("NOT_FOUND", "no complete month in the store: ingest a bill first (costwise ingest), or pass --month YYYY-MM");
  return m;
}

/** Whether the bill has any charge in the month (a review of a month without one is refused, cheaply). */
export async function monthHasCosts(store: AnalysisStore, month: string): Promise<boolean> {
  const { start, end } = monthBounds(month);
  const r = await readRow(store, { n: col.int }, sql(`SELECT count(*)::INTEGER AS n FROM (SELECT 1 FROM ${COST_TABLE} WHERE "ChargePeriodStart" >= CAST(? AS TIMESTAMP) AND "ChargePeriodStart" < CAST(? AS TIMESTAMP) LIMIT 1)`, start, end));
  return (r?.n ?? 0) > 0;
}

export async function renderReview(store: AnalysisStore, ws: ReviewWorkspace, month: string, format: ReviewFormat, o: { now?: Date; link?: string; save?: boolean } = {}): Promise<RenderedReview> {
  if (!(await monthHasCosts(store, month))) throw new CostwiseError("NOT_FOUND", `no cost data in ${month}: pick a month the bill covers (costwise review without --month takes the last complete one)`);
  const data = await buildReview(store, ws, month, o.now ? { now: o.now } : {});
  if (o.save !== false) await saveReview(store, data);
  return { data, format, content: await renderReviewData(data, format, o.link ? { link: o.link } : {}) };
}
