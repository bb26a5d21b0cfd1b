/**
 * The review job: on the 2nd working day of a month (or its first run after that day, within the job's 1st–7th
 * schedule), render the previous month's review, keep it, and send it: email channels get the PDF attached,
 * Slack/Teams/webhook channels the summary and a link to the dashboard's review page. The notification's key is
 * `review:<month>`, so the outbox sends it once per channel however often the job runs.
 *
 * The review goes to the routes of team `review.team` (default finops: notify.routes: { team: finops, channels:
 * [...], kinds: [review] }), else to notify.fallback; it is due on the `review.workingDay`-th working day (default 2).
 */
import { dashboardLink, type Notification } from "../../core/notify/message.js";
import { reviewSummary } from "../../core/review/render.js";
import { monthReviewedAt, nthWorkingDay } from "../../core/review/schedule.js";
import { REVIEW_DEFAULTS, reviewSettings } from "../../core/config/sections/review.js";
import type { AnalysisStore } from "../store/cost-store.js";
import type { ReviewWorkspace } from "./build.js";
import { htmlToPdf } from "./pdf.js";
import { renderReview } from "./render-review.js";

/** The default team (review.team). */
export const REVIEW_TEAM = REVIEW_DEFAULTS.team;

export interface ReviewJobResult {
  month: string;
  due: string;
  /** Null when not due yet. */
  notification: Notification | null;
  pdf: "attached" | "unavailable" | null;
  note?: string;
}

export async function reviewJobNotification(store: AnalysisStore, ws: ReviewWorkspace, o: { now: Date; dashboardUrl: string }): Promise<ReviewJobResult> {
  const month = monthReviewedAt(o.now);
  const thisMonth = o.now.toISOString().slice(0, 7);
  const settings = reviewSettings(ws.config);
  const due = nthWorkingDay(thisMonth, settings.workingDay);
  if (o.now.toISOString().slice(0, 10) < due) return { month, due, notification: null, pdf: null, note: `the review of ${month} is due on ${due}` };
  const link = dashboardLink(o.dashboardUrl, "reviews", { month });
  const r = await renderReview(store, ws, month, "html", { now: o.now, link });
  let pdf: ReviewJobResult["pdf"] = "attached";
  let attachments: Notification["attachments"] = [];
  try {
    attachments = [{ filename: `finops-review-${month}.pdf`, contentType: "application/pdf", base64: (await htmlToPdf(String(r.content))).toString("base64") }];
  } catch {
    // no browser on this host: the email still goes out, with the link
    pdf = "unavailable";
  }
  const lines = reviewSummary(r.data);
  return {
    month,
    due,
    pdf,
    notification: {
      kind: "review",
      key: `review:${month}`,
      team: settings.team,
      severity: "info",
      title: `FinOps review ${month}`,
      summary: lines[0] ?? `The FinOps review of ${month}`,
      facts: [],
      sections: [{ title: "Highlights", lines: lines.slice(1) }],
      link,
      chart: { title: "Monthly spend", labels: r.data.spend.trend.map((t) => t.month), values: r.data.spend.trend.map((t) => Number(t.amount)) },
      ...(attachments.length ? { attachments } : {}),
    },
  };
}
