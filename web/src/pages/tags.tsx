/** Tag coverage: per tag key, the share of a month's spend that carries it. */
import { api, type TagCoverage } from "../api.js";
import { DataTable } from "../components/data-table.js";
import { Money } from "../components/money.js";
import { Card, Page } from "../components/page.js";
import { Picker } from "../components/picker.js";
import { Async, Empty } from "../components/states.js";
import { useApi } from "../components/use-api.js";
import { navigate } from "../router.js";

export function TagsPage({ search }: { search: URLSearchParams }) {
  const month = search.get("month") ?? "";
  const data = useApi(() => api<TagCoverage>(`/api/v1/tag-coverage${month ? `?month=${month}` : ""}`), month);
  return (
    <Page title="Tag coverage">
      <Async value={data} what="tag coverage">
        {(t) => {
          if (!t.month) return <Empty title="No cost data yet">Load bills with <code>costwise ingest</code> or run <code>npm run demo</code>.</Empty>;
          return (
            <>
              <div className="toolbar">
                <Picker label="Month" value={t.month} options={t.months} onPick={(m) => navigate(`/tags?month=${m}`)} testId="month" />
                <span>
                  Spend <Money amount={t.total} currency={t.currency} testId="tags-total" />, with no tag at all{" "}
                  <Money amount={t.untagged} currency={t.currency} testId="tags-untagged" />
                </span>
              </div>
              <Card>
                {t.keys.length === 0 ? (
                  <Empty title="No tags on any cost this month" />
                ) : (
                  <DataTable
                    testId="coverage-table"
                    rows={t.keys}
                    rowKey={(k) => k.key}
                    columns={[
                      { header: "Tag key", cell: (k) => k.key },
                      { header: "Tagged spend", money: (k) => ({ amount: k.tagged, currency: t.currency }) },
                      {
                        header: "Coverage",
                        cell: (k) => (
                          <>
                            <div className="bar" title={`${k.percent ?? "–"}%`}>
                              <div style={{ width: `${Math.max(0, Math.min(100, Number(k.percent ?? 0)))}%` }} />
                            </div>
                            <span className="pct" data-testid={`coverage-${k.key}`}>{k.percent ?? "–"}%</span>
                          </>
                        ),
                      },
                      { header: "Distinct values", num: true, cell: (k) => k.values },
                    ]}
                  />
                )}
              </Card>
            </>
          );
        }}
      </Async>
    </Page>
  );
}
