/** Recommendations: savings per status, and each recommendation with accept / dismiss / mark done. */
import { api, type Recommendation, type Recommendations } from "../api.js";
import { DataTable } from "../components/data-table.js";
import { Link } from "../components/link.js";
import { Card, Page } from "../components/page.js";
import { Empty, ErrorState, WhenAvailable } from "../components/states.js";
import { StatusButtons, useStatusChange } from "../components/status-actions.js";
import { Tile, Tiles } from "../components/tiles.js";
import { useApi } from "../components/use-api.js";
import { money, recommendationAction, recommendationTypeName, sumDecimals } from "../format.js";
import { focusAttrs, useScrollToFocus } from "../router.js";

const STATUSES = ["open", "accepted", "done", "dismissed"] as const;

/** `?id=<id>` (the links in digests): that recommendation's row is highlighted and scrolled to. */
export function RecommendationsPage({ search }: { search?: URLSearchParams }) {
  const focus = search?.get("id") ?? null;
  const { version, error, setStatus } = useStatusChange("Why dismiss this recommendation?");
  const data = useApi(() => api<Recommendations>("/api/v1/recommendations"), `recs:${version}`);
  useScrollToFocus(focus, data.state === "ok");
  return (
    <Page title="Recommendations">
      {error ? <ErrorState error={error} /> : null}
      <WhenAvailable value={data} what="recommendations">
        {(d) => {
          const byStatus = new Map<string, Recommendation[]>();
          for (const r of d.items) byStatus.set(r.status, [...(byStatus.get(r.status) ?? []), r]);
          const cur = d.items[0]?.currency ?? "USD";
          const sum = (rs: Recommendation[]) => sumDecimals(rs.map((r) => r.monthlySaving));
          return (
            <>
              {d.items.some((r) => r.type === "savings-plan") ? (
                <p className="muted">
                  Savings Plan purchases, with the coverage and utilization of the commitments you hold: <Link to="/commitments">Commitments</Link>.
                </p>
              ) : null}
              <Tiles wrap>
                {STATUSES.map((s) => (
                  <Tile key={s} label={s} value={`${money(sum(byStatus.get(s) ?? []), cur)}/mo`} sub={`${(byStatus.get(s) ?? []).length} recommendations`} />
                ))}
              </Tiles>
              {focus && !d.items.some((r) => String(r.id) === focus) ? (
                <p className="muted" data-testid="focus-missing">
                  Recommendation #{focus} is no longer found.
                </p>
              ) : null}
              {d.items.length === 0 ? (
                <Empty title="No recommendations">Nothing to save for now. <code>costwise recommend run</code> looks again after each load.</Empty>
              ) : (
                <Card scroll>
                  <DataTable
                    small
                    testId="recs-table"
                    rows={d.items}
                    rowKey={(r) => r.id}
                    row={(r) => {
                      const f = focusAttrs(String(r.id) === focus);
                      return { title: r.reason, className: f.className, data: { "data-rec-id": String(r.id), ...f.data } };
                    }}
                    columns={[
                      { header: "#", cell: (r) => r.id },
                      { header: "Type", data: (r) => ({ "data-type": r.type }), cell: (r) => recommendationTypeName(r.type) },
                      { header: "Resource", cell: (r) => r.resourceId ?? "–" },
                      { header: "Owner", cell: (r) => r.owner ?? "–" },
                      { header: "Action", className: "wrap", title: (r) => r.action, cell: (r) => recommendationAction(r) },
                      { header: "Saving / month", money: (r) => ({ amount: r.monthlySaving, currency: r.currency }) },
                      { header: "Confidence", cell: (r) => r.confidence },
                      {
                        header: "Status",
                        cell: (r) => (
                          <>
                            {r.status}
                            {r.statusReason ? <div className="muted small">{r.statusReason}</div> : null}
                          </>
                        ),
                      },
                      { header: "", cell: (r) => <StatusButtons status={r.status} onSet={(s) => void setStatus(r.id, s)} doneLabel="Mark done" /> },
                    ]}
                  />
                </Card>
              )}
            </>
          );
        }}
      </WhenAvailable>
    </Page>
  );
}
