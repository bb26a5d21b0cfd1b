import { api, type TagCoverage } from "../api.js";
import { Money } from "../components/money.js";
import { Async, Empty } from "../components/states.js";
import { useApi } from "../components/use-api.js";
import { navigate } from "../router.js";

export function TagsPage({ search }: { search: URLSearchParams }) {
  const month = search.get("month") ?? "";
  const data = useApi(() => api<TagCoverage>(`/api/v1/tag-coverage${month ? `?month=${month}` : ""}`), month);
  return (
    <section>
      <header className="page-head">
        <h1>Tag coverage</h1>
      </header>
      <Async value={data} what="tag coverage">
        {(t) => {
          if (!t.month) return <Empty title="No cost data yet">Load bills with <code>costwise ingest</code> or run <code>npm run demo</code>.</Empty>;
          return (
            <>
              <div className="toolbar">
                <label>
                  Month{" "}
                  <select value={t.month} onChange={(e) => navigate(`/tags?month=${e.target.value}`)} data-testid="month">
                    {t.months.map((m) => (
                      <option key={m}>{m}</option>
                    ))}
                  </select>
                </label>
                <span>
                  Spend <Money amount={t.total} currency={t.currency} testId="tags-total" />, with no tag at all{" "}
                  <Money amount={t.untagged} currency={t.currency} testId="tags-untagged" />
                </span>
              </div>
              <div className="card">
                {t.keys.length === 0 ? (
                  <Empty title="No tags on any cost this month" />
                ) : (
                  <table className="table" data-testid="coverage-table">
                    <thead>
                      <tr>
                        <th>Tag key</th>
                        <th className="num">Tagged spend</th>
                        <th>Coverage</th>
                        <th className="num">Distinct values</th>
                      </tr>
                    </thead>
                    <tbody>
                      {t.keys.map((k) => (
                        <tr key={k.key}>
                          <td>{k.key}</td>
                          <td className="num"><Money amount={k.tagged} currency={t.currency} /></td>
                          <td>
                            <div className="bar" title={`${k.percent ?? "–"}%`}>
                              <div style={{ width: `${Math.max(0, Math.min(100, Number(k.percent ?? 0)))}%` }} />
                            </div>
                            <span className="pct" data-testid={`coverage-${k.key}`}>{k.percent ?? "–"}%</span>
                          </td>
                          <td className="num">{k.values}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </div>
            </>
          );
        }}
      </Async>
    </section>
  );
}
