/** Teams and showback: a month's allocated cost per team (direct + shared), with the unallocated bucket. */
import type { EChartsOption } from "echarts";
import { api, type Showback } from "../api.js";
import { Chart, PALETTE } from "../components/chart.js";
import { DataTable } from "../components/data-table.js";
import { Money } from "../components/money.js";
import { Card, Page } from "../components/page.js";
import { Picker } from "../components/picker.js";
import { Empty, WhenAvailable } from "../components/states.js";
import { useApi } from "../components/use-api.js";
import { money, ownerLabel, toChartNumber } from "../format.js";
import { focusAttrs, navigate, useScrollToFocus } from "../router.js";

/** `?month=YYYY-MM` picks the month; `?team=<team>` (the links in summaries) highlights that team's row and scrolls to it. */
export function TeamsPage({ search }: { search: URLSearchParams }) {
  const month = search.get("month") ?? "";
  const team = search.get("team");
  const data = useApi(() => api<Showback>(`/api/v1/showback${month ? `?month=${encodeURIComponent(month)}` : ""}`), month);
  useScrollToFocus(team, data.state === "ok");
  return (
    <Page title="Teams and showback">
      <WhenAvailable value={data} what="showback" missing="allocated costs">
        {(s) => {
          if (s.currencies.length === 0) return (
              <Empty title={`No allocated costs in ${s.month ?? "this month"}`}>
                Run <code>costwise allocate</code> after loading the month's bill, then reload this page.
              </Empty>
            );
          return (
            <>
              <div className="toolbar">
                <Picker label="Month" value={s.month ?? ""} options={s.months} onPick={(m) => navigate(`/teams?${new URLSearchParams({ month: m, ...(team ? { team } : {}) }).toString()}`)} testId="month" />
              </div>
              {s.currencies.map((c) => {
                const option: EChartsOption = {
                  color: PALETTE,
                  tooltip: { trigger: "axis", valueFormatter: (v) => money(String(v), c.currency) },
                  legend: { top: 0 },
                  grid: { left: 160, right: 20, top: 30, bottom: 30 },
                  yAxis: { type: "category", inverse: true, data: c.teams.map(ownerLabel) },
                  xAxis: { type: "value", axisLabel: { formatter: (v: number) => money(String(v), c.currency, { compact: true }) } },
                  series: [
                    { name: "Direct", type: "bar", stack: "t", data: c.teams.map((t) => toChartNumber(t.direct)) },
                    { name: "Shared", type: "bar", stack: "t", data: c.teams.map((t) => toChartNumber(t.shared)) },
                  ],
                };
                return (
                  <Card
                    key={c.currency}
                    title={
                      <>
                        {s.month} · {c.currency} · total <Money amount={c.total} currency={c.currency} testId="showback-total" /> · unallocated{" "}
                        <Money amount={c.unallocated} currency={c.currency} testId="showback-unallocated" /> · shared <Money amount={c.shared} currency={c.currency} />
                      </>
                    }
                  >
                    <Chart option={option} height={Math.max(200, c.teams.length * 28 + 60)} />
                    <DataTable
                      testId="showback-table"
                      rows={c.teams}
                      rowKey={(t) => t.team}
                      row={(t) => {
                        const f = focusAttrs(t.team === team);
                        return { className: `${t.unallocated ? "unallocated" : ""} ${f.className}`.trim(), data: { "data-team": t.team, ...f.data } };
                      }}
                      columns={[
                        { header: "Team", cell: ownerLabel },
                        { header: "Direct", money: (t) => ({ amount: t.direct, currency: c.currency }) },
                        { header: "Shared", money: (t) => ({ amount: t.shared, currency: c.currency }) },
                        { header: "Total", money: (t) => ({ amount: t.amount, currency: c.currency }) },
                      ]}
                    />
                  </Card>
                );
              })}
            </>
          );
        }}
      </WhenAvailable>
    </Page>
  );
}
