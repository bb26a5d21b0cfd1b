import type { EChartsOption } from "echarts";
import { api, type Showback } from "../api.js";
import { Chart, PALETTE } from "../components/chart.js";
import { Money } from "../components/money.js";
import { Async, Empty, Unavailable } from "../components/states.js";
import { useApi } from "../components/use-api.js";
import { money, toChartNumber } from "../format.js";
import { navigate } from "../router.js";

export function TeamsPage({ search }: { search: URLSearchParams }) {
  const month = search.get("month") ?? "";
  const data = useApi(() => api<Showback>(`/api/v1/showback${month ? `?month=${month}` : ""}`), month);
  return (
    <section>
      <header className="page-head">
        <h1>Teams and showback</h1>
      </header>
      <Async value={data} what="showback">
        {(s) => {
          if (!s.availability.available) return <Unavailable availability={s.availability} what="allocated costs" />;
          if (s.currencies.length === 0) return <Empty title={`No allocated costs in ${s.month ?? "this month"}`} />;
          return (
            <>
              <div className="toolbar">
                <label>
                  Month{" "}
                  <select value={s.month ?? ""} onChange={(e) => navigate(`/teams?month=${e.target.value}`)} data-testid="month">
                    {s.months.map((m) => (
                      <option key={m}>{m}</option>
                    ))}
                  </select>
                </label>
              </div>
              {s.currencies.map((c) => {
                const option: EChartsOption = {
                  color: PALETTE,
                  tooltip: { trigger: "axis", valueFormatter: (v) => money(String(v), c.currency) },
                  legend: { top: 0 },
                  grid: { left: 160, right: 20, top: 30, bottom: 30 },
                  yAxis: { type: "category", inverse: true, data: c.teams.map((t) => (t.unallocated ? "Unallocated" : t.team)) },
                  xAxis: { type: "value", axisLabel: { formatter: (v: number) => money(String(v), c.currency, { compact: true }) } },
                  series: [
                    { name: "Direct", type: "bar", stack: "t", data: c.teams.map((t) => toChartNumber(t.direct)) },
                    { name: "Shared", type: "bar", stack: "t", data: c.teams.map((t) => toChartNumber(t.shared)) },
                  ],
                };
                return (
                  <div className="card" key={c.currency}>
                    <h2>
                      {s.month} · {c.currency} · total <Money amount={c.total} currency={c.currency} testId="showback-total" /> · unallocated{" "}
                      <Money amount={c.unallocated} currency={c.currency} testId="showback-unallocated" /> · shared <Money amount={c.shared} currency={c.currency} />
                    </h2>
                    <Chart option={option} height={Math.max(200, c.teams.length * 28 + 60)} />
                    <table className="table" data-testid="showback-table">
                      <thead>
                        <tr>
                          <th>Team</th>
                          <th className="num">Direct</th>
                          <th className="num">Shared</th>
                          <th className="num">Total</th>
                        </tr>
                      </thead>
                      <tbody>
                        {c.teams.map((t) => (
                          <tr key={t.team} className={t.unallocated ? "unallocated" : ""}>
                            <td>{t.unallocated ? "Unallocated" : t.team}</td>
                            <td className="num"><Money amount={t.direct} currency={c.currency} /></td>
                            <td className="num"><Money amount={t.shared} currency={c.currency} /></td>
                            <td className="num"><Money amount={t.amount} currency={c.currency} /></td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                );
              })}
            </>
          );
        }}
      </Async>
    </section>
  );
}
