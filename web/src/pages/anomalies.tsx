/** Anomalies: actual vs expected for the latest ones, and per anomaly its root cause (what moved the cost). */
import type { EChartsOption } from "echarts";
import { useState } from "react";
import { api, type Anomalies, type Anomaly, type RootCause } from "../api.js";
import { Chart, PALETTE } from "../components/chart.js";
import { DataTable } from "../components/data-table.js";
import { Money } from "../components/money.js";
import { Card, Page } from "../components/page.js";
import { ShowMore, usePaging } from "../components/show-more.js";
import { Empty, ErrorState, WhenAvailable } from "../components/states.js";
import { AnomalyFeedbackButtons, useAnomalyFeedback } from "../components/status-actions.js";
import { useApi } from "../components/use-api.js";
import { money, toChartNumber } from "../format.js";
import { focusAttrs, useScrollToFocus } from "../router.js";

/** The root-cause breakdown of an anomaly: which service, account, region, tag, SKU or resource moved it, and by how much. */
function RootCauseView({ rc: r, currency }: { rc: RootCause | null; currency: string }) {
  if (!r) return <span className="muted">no root cause computed</span>;
  return (
    <div className="rootcause" data-testid="root-cause">
      <p className="small">
        {`${r.days.from} to ${r.days.to}`}: actual <Money amount={r.actual} currency={currency} /> vs expected <Money amount={r.expected} currency={currency} />{" "}
        (baseline: the same weekdays of the {r.baselineWeeks} weeks before).{" "}
        {r.headline ? (
          <>
            Mostly <strong>{r.headline.kind}</strong> <strong>{r.headline.value}</strong>: <Money amount={r.headline.contribution} currency={currency} /> of{" "}
            <Money amount={r.deviation} currency={currency} />.
          </>
        ) : null}
      </p>
      <DataTable
        small
        rows={r.top.slice(0, 8)}
        rowKey={(_, i) => i}
        columns={[
          { header: "Dimension", cell: (c) => c.kind },
          { header: "Value", className: "wrap", cell: (c) => c.value },
          { header: "Actual", money: (c) => ({ amount: c.actual, currency }) },
          { header: "Expected", money: (c) => ({ amount: c.expected, currency }) },
          { header: "Contribution", money: (c) => ({ amount: c.contribution, currency }) },
          {
            header: "Share of the change",
            cell: (c) => (
              <>
                <span className="bar">
                  <div style={{ width: `${Math.max(0, Math.min(1, c.share ?? 0)) * 100}%` }} />
                </span>
                {c.share === null ? "–" : `${(c.share * 100).toFixed(1)}%`}
              </>
            ),
          },
        ]}
      />
    </div>
  );
}

/** `?anomaly=<id>` (the links in alerts): that anomaly's row is shown, highlighted, scrolled to, its root cause open. */
export function AnomaliesPage({ search }: { search?: URLSearchParams }) {
  const focus = search?.get("anomaly") ?? null;
  const feedback = useAnomalyFeedback();
  const data = useApi(() => api<Anomalies>("/api/v1/anomalies"), `anomalies:${feedback.version}`);
  // the anomaly whose root cause is open, by id (undefined: the first one)
  const [openId, setOpenId] = useState<string | null | undefined>(focus ?? undefined);
  const [rows, more] = usePaging();
  useScrollToFocus(focus, data.state === "ok");
  return (
    <Page title="Anomalies">
      {feedback.error ? <ErrorState error={feedback.error} /> : null}
      <WhenAvailable value={data} what="anomalies">
        {(d) => {
          if (d.items.length === 0) return (
              <Empty title="No anomalies found">Spend stayed within the expected range. <code>costwise detect</code> checks again after each load.</Empty>
            );
          const top = d.items.slice(0, 20);
          const option: EChartsOption = {
            color: [PALETTE[3]!, PALETTE[0]!],
            tooltip: { trigger: "axis", valueFormatter: (v) => money(String(v), top[0]!.currency) },
            legend: { top: 0 },
            grid: { left: 70, right: 20, top: 30, bottom: 70 },
            xAxis: { type: "category", data: top.map((a) => `${a.start_day.slice(5)} ${a.series_key.split("/").pop()}`.slice(0, 28)), axisLabel: { rotate: 30 } },
            yAxis: { type: "value", axisLabel: { formatter: (v: number) => money(String(v), top[0]!.currency, { compact: true }) } },
            series: [
              { name: "Actual", type: "bar", data: top.map((a) => toChartNumber(a.actual)) },
              { name: "Expected", type: "bar", data: top.map((a) => toChartNumber(a.expected)) },
            ],
          };
          const amount = (key: "actual" | "expected" | "impact") => (a: Anomaly) => ({ amount: a[key], currency: a.currency });
          const focusAt = focus ? d.items.findIndex((a) => a.id === focus) : -1;
          const open = openId === undefined ? d.items[0]!.id : openId;
          return (
            <>
              {focus && focusAt < 0 ? (
                <p className="muted" data-testid="focus-missing">
                  Anomaly {focus} is not among the {d.items.length} latest anomalies.
                </p>
              ) : null}
              <Card title={`Actual vs expected (latest ${top.length})`}>
                <Chart option={option} height={300} testId="anomaly-chart" />
              </Card>
              <Card scroll>
                <DataTable
                  small
                  testId="anomalies-table"
                  rows={d.items.slice(0, Math.max(rows, focusAt + 1))}
                  rowKey={(a) => a.id}
                  row={(a) => {
                    const f = focusAttrs(a.id === focus);
                    return { className: `clickable ${f.className}`, data: { "data-anomaly-id": a.id, ...f.data }, onClick: () => setOpenId(open === a.id ? null : a.id) };
                  }}
                  after={(a) => (open === a.id ? <RootCauseView rc={a.root_cause} currency={a.currency} /> : null)}
                  columns={[
                    {
                      header: "Days",
                      className: "nowrap",
                      cell: (a) => (a.start_day === a.end_day ? a.start_day : `${a.start_day} → ${a.end_day.slice(5)}`),
                    },
                    { header: "Monitor", cell: (a) => a.monitor },
                    { header: "Series", className: "wrap", title: (a) => a.series_key, cell: (a) => a.series_key.split("/").pop() },
                    { header: "Kind", cell: (a) => `${a.kind} ${a.direction}` },
                    { header: "Severity", cell: (a) => a.severity },
                    { header: "Actual", money: amount("actual") },
                    { header: "Expected", money: amount("expected") },
                    { header: "Impact", money: amount("impact") },
                    { header: "Feedback", cell: (a) => <AnomalyFeedbackButtons anomaly={a} onAct={(action) => void feedback.act(a, action)} /> },
                    {
                      header: "Root cause",
                      cell: (a) => (
                        <button className="small" aria-expanded={open === a.id}>
                          {open === a.id ? "hide" : "show"}
                        </button>
                      ),
                    },
                  ]}
                />
                <ShowMore shown={rows} total={d.items.length} onMore={more} testId="more-anomalies" ofTotal />
              </Card>
            </>
          );
        }}
      </WhenAvailable>
    </Page>
  );
}
