import { api, type Source } from "../api.js";
import { Money } from "../components/money.js";
import { Async, Empty } from "../components/states.js";
import { useApi } from "../components/use-api.js";
import { number } from "../format.js";

export function SourcesPage() {
  const data = useApi(() => api<Source[]>("/api/v1/sources"), "sources");
  return (
    <section>
      <header className="page-head">
        <h1>Sources and freshness</h1>
      </header>
      <Async value={data} what="sources">
        {(s) =>
          s.length === 0 ? (
            <Empty title="The store is empty">Load bills with <code>costwise ingest &lt;files&gt;</code>, or run <code>npm run demo</code>.</Empty>
          ) : (
            <div className="card scroll">
              <table className="table" data-testid="sources-table">
                <thead>
                  <tr>
                    <th>Source</th>
                    <th>Billing account</th>
                    <th>Periods</th>
                    <th className="num">Rows</th>
                    <th className="num">Billed cost</th>
                    <th>Complete through</th>
                    <th>Last ingest</th>
                  </tr>
                </thead>
                <tbody>
                  {s.map((x, i) => (
                    <tr key={i}>
                      <td>{x.source}</td>
                      <td>{x.billingAccountName || x.billingAccountId || "–"}</td>
                      <td>
                        {x.firstPeriod} → {x.lastPeriod} ({x.periods})
                      </td>
                      <td className="num">{x.rows === null ? "–" : number(x.rows)}</td>
                      <td className="num">{x.billedCost === null ? "–" : <Money amount={x.billedCost} currency={x.currency} />}</td>
                      <td>{x.lastCompleteDay ?? "–"}</td>
                      <td>{x.lastIngestAt}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Async>
    </section>
  );
}
