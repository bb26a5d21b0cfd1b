/** Pages of analyses other costwise features produce: the data when present, else how to produce it. */
import { api, type Pending } from "../api.js";
import { Async, Empty, Unavailable } from "../components/states.js";
import { useApi } from "../components/use-api.js";

export function FeaturePage({ title, endpoint, what }: { title: string; endpoint: string; what: string }) {
  const data = useApi(() => api<Pending>(endpoint), endpoint);
  return (
    <section>
      <header className="page-head">
        <h1>{title}</h1>
      </header>
      <Async value={data} what={what}>
        {(p) =>
          !p.availability.available ? (
            <Unavailable availability={p.availability} what={what} />
          ) : p.items.length === 0 ? (
            <Empty title={`No ${what}`} />
          ) : (
            <div className="card scroll">
              <table className="table">
                <thead>
                  <tr>
                    {Object.keys(p.items[0]!).map((k) => (
                      <th key={k}>{k}</th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {p.items.map((it, i) => (
                    <tr key={i}>
                      {Object.keys(p.items[0]!).map((k) => (
                        <td key={k}>{typeof it[k] === "object" ? JSON.stringify(it[k]) : String(it[k] ?? "")}</td>
                      ))}
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
