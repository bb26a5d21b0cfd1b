import { api, type Kpis } from "../api.js";
import { Async } from "../components/states.js";
import { useApi } from "../components/use-api.js";
import { money, number } from "../format.js";

export function KpisPage() {
  const data = useApi(() => api<Kpis>("/api/v1/kpis"), "kpis");
  return (
    <section>
      <header className="page-head">
        <h1>KPI scorecard</h1>
      </header>
      <Async value={data} what="KPIs">
        {(k) => (
          <div className="tiles wrap" data-testid="kpis">
            {k.kpis.map((x) => (
              <div className={`tile ${x.available ? "" : "off"}`} key={x.id} data-testid={`kpi-${x.id}`}>
                <div className="tile-label">{x.title}</div>
                <div className="tile-value" data-value={x.value ?? ""}>
                  {x.value === null
                    ? "–"
                    : x.unit === "%"
                      ? `${x.value}%`
                      : /^[A-Z]{3}$/.test(x.unit)
                        ? money(x.value, x.unit)
                        : x.unit === "count"
                          ? number(x.value)
                          : `${number(x.value, (x.value.split(".")[1] ?? "").length)} ${x.unit}`}
                </div>
                <div className="tile-sub">{x.detail}</div>
              </div>
            ))}
          </div>
        )}
      </Async>
    </section>
  );
}
