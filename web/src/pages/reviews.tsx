/**
 * Monthly FinOps reviews: the reviews kept in the store (rendered by `costwise review` or the review job), newest
 * first, and the one named by `?month=` shown as rendered (its self-contained HTML in a sandboxed frame, scripts
 * off). Figures come from /api/v1/reviews, built by src/engine/review/ from the same engine functions as the other
 * pages.
 */
import { api, type ReviewList, type Review } from "../api.js";
import { DataTable } from "../components/data-table.js";
import { Link } from "../components/link.js";
import { Page } from "../components/page.js";
import { Async } from "../components/states.js";
import { useApi } from "../components/use-api.js";
import { focusAttrs } from "../router.js";

function ReviewFrame({ month }: { month: string }) {
  const one = useApi(() => api<Review>(`/api/v1/reviews/${encodeURIComponent(month)}`), `review:${month}`);
  return (
    <Async value={one} what={`the review of ${month}`}>
      {(r) => <iframe title={`FinOps review ${r.review.month}`} data-testid="review-frame" sandbox="" srcDoc={r.html} style={{ width: "100%", height: "80vh", border: "1px solid #d9e2ec", background: "#fff" }} />}
    </Async>
  );
}

export function ReviewsPage({ search }: { search: URLSearchParams }) {
  const list = useApi(() => api<ReviewList>("/api/v1/reviews"), "reviews");
  const asked = search.get("month");
  return (
    <Page title="Monthly reviews">
      <Async value={list} what="reviews">
        {(l) => {
          const month = asked ?? l.items[0]?.month ?? null;
          return (
            <>
              {l.items.length === 0 ? (
                <p className="muted">
                  No review yet: run <code>costwise review --month YYYY-MM</code>, or let the review job render last month&apos;s on the 2nd working day.
                </p>
              ) : (
                <DataTable
                  testId="reviews"
                  rows={l.items}
                  rowKey={(r) => r.month}
                  row={(r) => {
                    const f = focusAttrs(r.month === month);
                    return { className: f.className, data: { ...f.data, "data-month": r.month } };
                  }}
                  columns={[
                    { header: "Month", cell: (r) => <Link to={`/reviews?month=${r.month}`}>{r.month}</Link> },
                    { header: "Spend", money: (r) => ({ amount: r.total, currency: r.currency }) },
                    { header: "vs month before", money: (r) => ({ amount: r.change, currency: r.currency }) },
                    { header: "%", num: true, cell: (r) => (r.changePercent === null ? "–" : `${r.changePercent}%`) },
                    { header: "Generated", cell: (r) => r.generatedAt.replace("T", " ").replace("Z", " UTC") },
                  ]}
                />
              )}
              {month ? <ReviewFrame month={month} /> : null}
            </>
          );
        }}
      </Async>
    </Page>
  );
}
