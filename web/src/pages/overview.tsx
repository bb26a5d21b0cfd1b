import type { EChartsOption } from "echarts";
import { useMemo } from "react";
import { api, type Budgets, type Overview } from "../api.js";
import { arrivingArea, Chart, PALETTE } from "../components/chart.js";
import { DataTable } from "../components/data-table.js";
import { Change, Money } from "../components/money.js";
import { Card, Page } from "../components/page.js";
import { Picker } from "../components/picker.js";
import { Async, Empty, WhenAvailable } from "../components/states.js";
import { Tile, Tiles } from "../components/tiles.js";
import { useApi } from "../components/use-api.js";
import { addDays, money, monthAfter, splitAtComplete, toChartNumber } from "../format.js";
import { focusAttrs, navigate, useScrollToFocus } from "../router.js";

export function OverviewPage({ search }: { search: URLSearchParams }) {
  const currency = search.get("currency") ?? "";
  const data = useApi(() => api<Overview>(`/api/v1/overview${currency ? `?currency=${encodeURIComponent(currency)}` : ""}`), currency);
  // `?budget=<name>` (the links in budget alerts, at /overview): that budget's burn and forecast first
  const budget = search.get("budget");
  return (
    <Page title="Overview">
      {budget ? <BudgetFocus name={budget} /> : null}
      <Async value={data} what="the overview">
        {(o) => (o.available ? <OverviewBody o={o} /> : <Empty title="No cost data yet">{o.reason}</Empty>)}
      </Async>
    </Page>
  );
}

/** One budget from costwise.yaml, as its alerts describe it: spent, burn, period-end forecast, thresholds crossed. */
function BudgetFocus({ name }: { name: string }) {
  const data = useApi(() => api<Budgets>("/api/v1/budgets"), "budgets");
  useScrollToFocus(name, data.state === "ok");
  return (
    <WhenAvailable value={data} what="budgets">
      {(d) => {
        const b = d.items.filter((x) => x.budget === name);
        if (b.length === 0) return <Empty title={`No budget named ${name}`}>It is not (or no longer) in costwise.yaml.</Empty>;
        return (
          <Card title={`Budget ${name}`}>
            <DataTable
              small
              testId="budget-focus"
              rows={b}
              rowKey={(x) => `${x.budget}:${x.currency}`}
              row={(x) => {
                const f = focusAttrs(true);
                return { className: f.className, data: { "data-budget": x.budget, ...f.data } };
              }}
              columns={[
                { header: "Budget", cell: (x) => x.budget },
                { header: "Period", cell: (x) => `${x.period} ${x.periodStart} → ${x.periodEnd}` },
                { header: "Spent", money: (x) => ({ amount: x.actual, currency: x.currency }) },
                { header: "Amount", money: (x) => ({ amount: x.amount, currency: x.currency }) },
                { header: "Burn", num: true, cell: (x) => (x.burn === null ? "–" : `${Math.round(x.burn * 100)}%`) },
                { header: "Forecast", money: (x) => (x.forecast ? { amount: x.forecast.point, currency: x.currency } : null) },
                { header: "Days left", num: true, cell: (x) => x.daysLeft },
                { header: "Crossed", cell: (x) => (x.crossed.length ? x.crossed.join(", ") : "none") },
              ]}
            />
          </Card>
        );
      }}
    </WhenAvailable>
  );
}

function OverviewBody({ o }: { o: Overview }) {
  const cur = o.currency;
  // time done right: solid lines and bars stop at the last complete day; later days (still arriving) are shaded
  const lastComplete = o.lastCompleteDay ?? null;
  const days = useMemo(() => splitAtComplete(o.daily, lastComplete, "day"), [o.daily, lastComplete]);
  const months = useMemo(() => splitAtComplete(o.monthly, lastComplete, "month"), [o.monthly, lastComplete]);
  const trend = useMemo<EChartsOption>(() => {
    const tail = days.arriving.length ? [...days.complete.slice(-1), ...days.arriving] : [];
    const series: EChartsOption["series"] = [
      { name: "Actual", type: "line", showSymbol: false, data: days.complete.map((p) => [p.period, toChartNumber(p.amount)]), lineStyle: { width: 2 }, color: PALETTE[0] },
    ];
    if (tail.length) {
      series.push({
        name: "Still arriving",
        type: "line",
        showSymbol: false,
        data: tail.map((p) => [p.period, toChartNumber(p.amount)]),
        lineStyle: { width: 1, type: "dotted", opacity: 0.7 },
        color: "#64748b",
        // points stand at midnight: the shade starts half-way from the last complete day to the first arriving one
        markArea: arrivingArea(`${lastComplete!} 12:00:00`, `${tail[tail.length - 1]!.period.slice(0, 10)} 12:00:00`),
      });
    }
    if (o.forecast.available && o.forecast.points.length) {
      series.push(
        { name: "Forecast low", type: "line", stack: "band", showSymbol: false, lineStyle: { opacity: 0 }, tooltip: { show: false }, data: o.forecast.points.map((p) => [p.period, toChartNumber(p.lower)]) },
        {
          name: "80% band",
          type: "line",
          stack: "band",
          showSymbol: false,
          lineStyle: { opacity: 0 },
          areaStyle: { color: "rgba(37,99,235,0.18)" },
          color: "rgba(37,99,235,0.35)",
          tooltip: { show: false },
          data: o.forecast.points.map((p) => [p.period, toChartNumber(p.upper) - toChartNumber(p.lower)]),
        },
        { name: "Forecast", type: "line", showSymbol: false, lineStyle: { type: "dashed" }, data: o.forecast.points.map((p) => [p.period, toChartNumber(p.expected)]), color: PALETTE[0] },
      );
    }
    return {
      tooltip: { trigger: "axis", valueFormatter: (v) => money(String(v), cur) },
      grid: { left: 70, right: 20, top: 30, bottom: 30 },
      xAxis: { type: "time" },
      yAxis: { type: "value", axisLabel: { formatter: (v: number) => money(String(v), cur, { compact: true }) } },
      legend: { top: 0, data: ["Actual", ...(tail.length ? ["Still arriving"] : []), "Forecast", "80% band"] },
      series,
    };
  }, [o, cur, days, lastComplete]);
  const monthly = useMemo<EChartsOption>(() => {
    const budget = o.budget.available && o.budget.monthlyAmount !== null ? toChartNumber(o.budget.monthlyAmount) : null;
    const at = (p: { period: string }) => p.period.slice(0, 10);
    const last = o.monthly[o.monthly.length - 1];
    return {
      tooltip: { trigger: "axis", valueFormatter: (v) => money(String(v), cur) },
      grid: { left: 70, right: 20, top: 30, bottom: 30 },
      // a time axis: months without spend show as gaps, not as adjacent bars
      xAxis: { type: "time", minInterval: 28 * 86_400_000 },
      yAxis: { type: "value", axisLabel: { formatter: (v: number) => money(String(v), cur, { compact: true }) } },
      legend: { top: 0 },
      series: [
        { name: "Spend", type: "bar", barMaxWidth: 32, data: months.complete.map((p) => [at(p), toChartNumber(p.amount)]), color: PALETTE[0] },
        ...(months.arriving.length
          ? [
              {
                name: "Month so far",
                type: "bar" as const,
                barMaxWidth: 32,
                barGap: "-100%",
                data: months.arriving.map((p) => [at(p), toChartNumber(p.amount)]),
                color: "rgba(100,116,139,0.55)",
                // bars stand on their month's first day: the shade is centred on them
                markArea: arrivingArea(addDays(at(months.arriving[0]!), -15), addDays(at(months.arriving[months.arriving.length - 1]!), 15)),
              },
            ]
          : []),
        // the budget as a line series (not a markLine): the value axis then keeps it in view
        ...(budget !== null && last
          ? [{ name: "Budget", type: "line" as const, step: "end" as const, symbol: "none", data: [...o.monthly.map((p) => [addDays(at(p), -15), budget]), [addDays(at(last), 15), budget]], color: PALETTE[3], lineStyle: { type: "dashed" as const, width: 2 } }]
          : []),
      ],
    };
  }, [o, cur, months]);
  const mom = o.monthOverMonth;
  return (
    <>
      {o.currencies.length > 1 || o.fx ? (
        <div className="toolbar">
          <Picker
            label="Currency"
            value={cur ?? ""}
            options={[...new Set([...(o.fx ? [o.fx.currency] : []), ...o.currencies.map((c) => c.currency)])]}
            onPick={(c) => navigate(`/?currency=${encodeURIComponent(c)}`)}
            testId="currency"
          />
        </div>
      ) : null}
      {o.fx ? (
        <p className="muted small" data-testid="fx-note">
          All amounts in <strong>{o.fx.currency}</strong>, converted from {o.currencies.map((c) => c.currency).join(", ")} with the rates of {o.fx.source} (base {o.fx.base}, {o.fx.from} to {o.fx.to}): {o.fx.rule}.
        </p>
      ) : null}
      {o.scope.team ? <p className="muted">Showing allocated costs of team <strong>{o.scope.team}</strong>.</p> : null}
      <Tiles>
        <Tile
          label={mom ? `Spend in ${mom.month}` : "Spend"}
          value={<Money amount={mom?.amount ?? o.total} currency={cur} testId="mom-amount" />}
          sub={
            mom ? (
              <>
                vs {mom.previousMonth}: <Change amount={mom.change} pct={mom.changePercent} currency={cur} testId="mom-change" />
              </>
            ) : null
          }
        />
        <Tile label="All months shown" value={<Money amount={o.total} currency={cur} testId="total" />} sub={`${o.metric}, ${o.monthly.length} months`} />
        <Tile
          label="Data complete through"
          value={lastComplete ?? o.freshness.map((f) => f.lastCompleteDay).filter(Boolean).sort().reverse()[0] ?? "–"}
          valueAttrs={{ "data-testid": "last-day" }}
          sub={`last charge day ${o.lastDay ?? "–"}`}
        />
      </Tiles>
      <div className="grid2">
        <Card title="Daily spend, last 90 days">
          <Chart option={trend} testId="trend-chart" attrs={{ "data-complete-through": days.complete[days.complete.length - 1]?.period.slice(0, 10) ?? "", "data-arriving": String(days.arriving.length) }} />
          {days.arriving.length ? (
            <p className="muted small" data-testid="arriving-note">
              Shaded: {days.arriving.length === 1 ? "1 day" : `${days.arriving.length} days`} after {lastComplete} whose charges are still arriving (amounts will grow).
            </p>
          ) : null}
          {o.forecast.available && o.forecast.points.length ? (
            <p className="muted small" data-testid="forecast-note">
              Dashed: forecast {o.scope.team ? `of team ${o.scope.team}` : "of the organisation"} with its 80% band, {o.forecast.points[0]!.period} to {o.forecast.points[o.forecast.points.length - 1]!.period}; next day{" "}
              <Money amount={o.forecast.points[0]!.expected} currency={cur} testId="forecast-next" /> (<Money amount={o.forecast.points[0]!.lower} currency={cur} testId="forecast-next-lower" /> –{" "}
              <Money amount={o.forecast.points[0]!.upper} currency={cur} testId="forecast-next-upper" />).
            </p>
          ) : (
            <p className="muted small" data-testid="forecast-note">Forecast band: {o.forecast.reason ?? "not available"}.</p>
          )}
        </Card>
        <Card title="Monthly spend">
          <Chart option={monthly} testId="monthly-chart" attrs={{ "data-complete-through": months.complete[months.complete.length - 1]?.period.slice(0, 7) ?? "" }} />
          {months.arriving.length ? (
            <p className="muted small" data-testid="month-so-far-note">
              Shaded: {months.arriving.map((p) => p.period.slice(0, 7)).join(", ")} so far (complete through {lastComplete}).
            </p>
          ) : null}
          {o.budget.available && o.budget.monthlyAmount !== null ? (
            <p className="muted small" data-testid="budget-note">
              Red line: monthly budget {o.scope.team ? `of team ${o.scope.team}` : "of the organisation"}, <Money amount={o.budget.monthlyAmount} currency={cur} testId="budget-amount" />.
            </p>
          ) : (
            <p className="muted small" data-testid="budget-note">Budget line: {o.budget.reason ?? "not available"}.</p>
          )}
        </Card>
      </div>
      <div className="grid2">
        <Card title={`Top movers ${mom ? `(${mom.month} vs ${mom.previousMonth})` : ""}`}>
          {o.topMovers.length === 0 ? (
            <Empty title="No movers">Month over month needs two months of costs: load the previous month's bill with <code>costwise ingest &lt;files&gt;</code>.</Empty>
          ) : (
            <DataTable
              small
              testId="movers"
              rows={o.topMovers}
              rowKey={(m) => m.service}
              columns={[
                { header: "Service", cell: (m) => m.service },
                { header: "Previous", money: (m) => ({ amount: m.previousAmount, currency: cur }) },
                { header: "Now", money: (m) => ({ amount: m.amount, currency: cur }) },
                { header: "Change", num: true, cell: (m) => <Change amount={m.change} pct={m.changePercent} currency={cur} /> },
              ]}
            />
          )}
        </Card>
        <Card title="Data freshness">
          <DataTable
            testId="freshness"
            rows={o.freshness}
            rowKey={(_, i) => i}
            columns={[
              { header: "Source", cell: (f) => f.source },
              { header: "Complete through", cell: (f) => f.lastCompleteDay ?? "–" },
              { header: "Last ingest", cell: (f) => f.lastIngestAt },
            ]}
          />
        </Card>
      </div>
    </>
  );
}
