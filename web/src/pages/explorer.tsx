import type { EChartsOption } from "echarts";
import { useMemo, useState } from "react";
import { toCsv } from "../../../src/core/csv.js";
import { api, type Dimensions, type QueryResult } from "../api.js";
import { arrivingArea, Chart, PALETTE } from "../components/chart.js";
import { DataTable, type Column } from "../components/data-table.js";
import { Money } from "../components/money.js";
import { Card, Page } from "../components/page.js";
import { Async, Empty } from "../components/states.js";
import { useApi } from "../components/use-api.js";
import { addDays, money, monthAfter, number, splitAtComplete, toChartNumber } from "../format.js";
import { navigate } from "../router.js";

const OPS = [
  ["eq", "="],
  ["neq", "≠"],
  ["in", "in"],
  ["not_in", "not in"],
  ["contains", "contains"],
  ["like", "like"],
  ["is_null", "is missing"],
  ["is_not_null", "is present"],
] as const;
type Op = (typeof OPS)[number][0];

export interface FilterState {
  on: string;
  op: Op;
  value?: string;
  values?: string[];
}

export interface ExplorerState {
  metric: string;
  groupBy: string[];
  filters: FilterState[];
  granularity: string;
  start: string;
  end: string;
}

export function readState(search: URLSearchParams): ExplorerState {
  let filters: FilterState[] = [];
  try {
    const f = search.get("filters");
    if (f) filters = JSON.parse(f) as FilterState[];
  } catch {
    filters = [];
  }
  return {
    metric: search.get("metric") ?? "EffectiveCost",
    groupBy: (search.get("groupBy") ?? "ServiceName").split(",").filter(Boolean),
    filters,
    granularity: search.get("granularity") ?? "month",
    start: search.get("start") ?? "",
    end: search.get("end") ?? "",
  };
}

export function stateUrl(s: ExplorerState): string {
  const p = new URLSearchParams();
  p.set("metric", s.metric);
  p.set("groupBy", s.groupBy.join(","));
  if (s.filters.length) p.set("filters", JSON.stringify(s.filters));
  p.set("granularity", s.granularity);
  if (s.start) p.set("start", s.start);
  if (s.end) p.set("end", s.end);
  return `/explorer?${p.toString()}`;
}

export function queryBody(s: ExplorerState): Record<string, unknown> {
  return {
    metric: s.metric,
    groupBy: s.groupBy,
    filters: s.filters,
    granularity: s.granularity,
    ...(s.start ? { start: s.start } : {}),
    ...(s.end ? { end: s.end } : {}),
    limit: 2000,
  };
}

/** The dashboard's export is opened by people in spreadsheets: written in core/csv.ts's "safe" mode. */
function downloadCsv(r: QueryResult): void {
  const csv = toCsv(r.columns, r.rows.map((row) => r.columns.map((c) => row[c])), "safe");
  const blob = new Blob([csv], { type: "text/csv" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = "costwise-query.csv";
  a.click();
  URL.revokeObjectURL(a.href);
}

export function ExplorerPage({ search }: { search: URLSearchParams }) {
  const state = readState(search);
  const key = stateUrl(state);
  const dims = useApi(() => api<Dimensions>("/api/v1/costs/dimensions"), "dims");
  const result = useApi(() => api<QueryResult>("/api/v1/costs/query", { method: "POST", body: queryBody(state) }), key);
  const set = (patch: Partial<ExplorerState>) => navigate(stateUrl({ ...state, ...patch }));

  return (
    <Page title="Cost explorer">
      <Async value={dims} what="dimensions">
        {(d) => <Controls d={d} state={state} set={set} />}
      </Async>
      <Async value={result} what="the query">
        {(r) => <ResultView r={r} state={state} lastCompleteDay={dims.state === "ok" ? (dims.data.lastCompleteDay ?? null) : null} />}
      </Async>
    </Page>
  );
}

function Controls({ d, state, set }: { d: Dimensions; state: ExplorerState; set: (p: Partial<ExplorerState>) => void }) {
  const allDims = useMemo(() => [...d.dimensions, ...d.tagKeys.map((t) => `tag:${t.key}`)], [d]);
  const [addGroup, setAddGroup] = useState("");
  const [fOn, setFOn] = useState("ServiceName");
  const [fOp, setFOp] = useState<Op>("eq");
  const [fVal, setFVal] = useState("");
  const addFilter = () => {
    const f: FilterState =
      fOp === "is_null" || fOp === "is_not_null"
        ? { on: fOn, op: fOp }
        : fOp === "in" || fOp === "not_in"
          ? { on: fOn, op: fOp, values: fVal.split(",").map((v) => v.trim()).filter(Boolean) }
          : { on: fOn, op: fOp, value: fVal };
    set({ filters: [...state.filters, f] });
    setFVal("");
  };
  return (
    <div className="card controls">
      <div className="row">
        <label>
          Metric
          <select value={state.metric} onChange={(e) => set({ metric: e.target.value })} data-testid="metric">
            {d.metrics.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
        <label>
          Granularity
          <select value={state.granularity} onChange={(e) => set({ granularity: e.target.value })} data-testid="granularity">
            {d.granularities.map((g) => (
              <option key={g}>{g}</option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="date" value={state.start} onChange={(e) => set({ start: e.target.value })} data-testid="start" />
        </label>
        <label>
          To (exclusive)
          <input type="date" value={state.end} onChange={(e) => set({ end: e.target.value })} data-testid="end" />
        </label>
      </div>
      <div className="row">
        <span className="label">Group by</span>
        {state.groupBy.map((g) => (
          <span className="chip" key={g}>
            {g}
            <button aria-label={`remove ${g}`} onClick={() => set({ groupBy: state.groupBy.filter((x) => x !== g) })}>
              ×
            </button>
          </span>
        ))}
        <select value={addGroup} onChange={(e) => setAddGroup(e.target.value)} data-testid="add-group">
          <option value="">add a dimension or tag…</option>
          {allDims
            .filter((x) => !state.groupBy.includes(x))
            .map((x) => (
              <option key={x}>{x}</option>
            ))}
        </select>
        <button disabled={!addGroup} onClick={() => (set({ groupBy: [...state.groupBy, addGroup] }), setAddGroup(""))} data-testid="add-group-btn">
          Add
        </button>
      </div>
      <div className="row">
        <span className="label">Filters</span>
        {state.filters.map((f, i) => (
          <span className="chip" key={i} data-testid="filter-chip">
            {f.on} {OPS.find((o) => o[0] === f.op)?.[1]} {f.values ? f.values.join(", ") : (f.value ?? "")}
            <button aria-label="remove filter" onClick={() => set({ filters: state.filters.filter((_, j) => j !== i) })}>
              ×
            </button>
          </span>
        ))}
        <select value={fOn} onChange={(e) => setFOn(e.target.value)} data-testid="filter-on">
          {allDims.map((x) => (
            <option key={x}>{x}</option>
          ))}
        </select>
        <select value={fOp} onChange={(e) => setFOp(e.target.value as Op)} data-testid="filter-op">
          {OPS.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
        {fOp !== "is_null" && fOp !== "is_not_null" ? (
          <input value={fVal} placeholder={fOp === "in" || fOp === "not_in" ? "a, b, c" : "value"} onChange={(e) => setFVal(e.target.value)} data-testid="filter-value" />
        ) : null}
        <button onClick={addFilter} data-testid="add-filter">
          Add filter
        </button>
      </div>
    </div>
  );
}

function ResultView({ r, state, lastCompleteDay }: { r: QueryResult; state: ExplorerState; lastCompleteDay: string | null }) {
  const unitCol = r.totals.unitColumn;
  const dimCols = r.columns.filter((c) => c !== "period" && c !== unitCol && c !== r.totals.metric);
  const isMoney = r.totals.kind === "cost";
  const option = useMemo<EChartsOption>(() => {
    const label = (row: Record<string, string | null>) => dimCols.map((c) => row[c] ?? "(none)").join(" · ") || "total";
    const fmt = (v: unknown) => (isMoney ? money(String(v), r.totals.byUnit.length === 1 ? r.totals.byUnit[0]!.unit : null) : number(String(v), 2));
    if (state.granularity !== "none" && r.columns.includes("period")) {
      const totals = new Map<string, number>();
      for (const row of r.rows) totals.set(label(row), (totals.get(label(row)) ?? 0) + Math.abs(toChartNumber(row[r.totals.metric])));
      const top = [...totals].sort((a, b) => b[1] - a[1]).slice(0, 9).map(([k]) => k);
      const periods = [...new Set(r.rows.map((row) => row["period"]!))].sort();
      // time done right: periods after the last complete day are drawn faded in a shaded band, on a time axis
      const grain = state.granularity === "month" ? "month" : "day";
      const { arriving } = splitAtComplete(periods.map((period) => ({ period })), lastCompleteDay, grain);
      const late = new Set(arriving.map((p) => p.period));
      const groups = [...top, ...(totals.size > top.length ? ["other"] : [])];
      const data = new Map(groups.map((g) => [g, periods.map(() => 0)]));
      for (const row of r.rows) {
        const g = top.includes(label(row)) ? label(row) : "other";
        data.get(g)![periods.indexOf(row["period"]!)]! += toChartNumber(row[r.totals.metric]);
      }
      const x = (p: string) => (state.granularity === "month" ? p.slice(0, 10) : p);
      const endOf = (p: string) => (state.granularity === "day" ? `${p.slice(0, 10)} 12:00:00` : p);
      const lastLate = arriving[arriving.length - 1]?.period;
      return {
        color: PALETTE,
        tooltip: { trigger: "axis", valueFormatter: fmt },
        legend: { type: "scroll", top: 0 },
        grid: { left: 80, right: 20, top: 40, bottom: 30 },
        // a time axis: a period without costs is a gap; month ticks on monthly data, never hours on daily data
        xAxis: { type: "time", minInterval: state.granularity === "month" ? 28 * 86_400_000 : state.granularity === "day" ? 86_400_000 : 3_600_000 },
        yAxis: { type: "value", axisLabel: { formatter: (v: number) => (isMoney ? money(String(v), r.totals.byUnit.length === 1 ? r.totals.byUnit[0]!.unit : null, { compact: true }) : number(v)) } },
        series: groups.map((g, i) => ({
          name: g,
          type: "bar",
          stack: "s",
          barMaxWidth: 40,
          data: periods.map((p, j) => ({ value: [x(p), data.get(g)![j]!], ...(late.has(p) ? { itemStyle: { opacity: 0.4 } } : {}) })),
          // bars stand on their period's start: the shade is centred on the faded bars
          ...(i === 0 && lastLate && lastCompleteDay
            ? { markArea: state.granularity === "month" ? arrivingArea(addDays(x(arriving[0]!.period), -15), addDays(x(lastLate), 15)) : arrivingArea(state.granularity === "hour" ? `${addDays(lastCompleteDay, 1)} 00:00:00` : `${lastCompleteDay} 12:00:00`, endOf(lastLate)) }
            : {}),
        })),
      };
    }
    const top = r.rows.slice(0, 20);
    return {
      color: PALETTE,
      tooltip: { trigger: "axis", valueFormatter: fmt },
      grid: { left: 200, right: 20, top: 10, bottom: 30 },
      yAxis: { type: "category", inverse: true, data: top.map(label), axisLabel: { width: 180, overflow: "truncate" } },
      xAxis: { type: "value", axisLabel: { formatter: (v: number) => (isMoney ? money(String(v), r.totals.byUnit.length === 1 ? r.totals.byUnit[0]!.unit : null, { compact: true }) : number(v)) } },
      series: [{ type: "bar", data: top.map((row) => toChartNumber(row[r.totals.metric])) }],
    };
  }, [r, state.granularity, lastCompleteDay]);

  type Row = QueryResult["rows"][number];
  const columns = r.columns.map(
    (c): Column<Row> =>
      c === r.totals.metric
        ? {
            key: c,
            header: c,
            num: true,
            cell: (row) => (isMoney ? <Money amount={row[c]} currency={row[unitCol] ?? (unitCol === "BillingCurrency" ? row["BillingCurrency"] : null)} /> : number(row[c] ?? "0", 4)),
          }
        : { key: c, header: c, cell: (row) => (c === "period" ? row[c]?.slice(0, state.granularity === "month" ? 7 : 10) : (row[c] ?? <span className="muted">(none)</span>)) },
  );

  if (r.rows.length === 0) return <Empty title="No costs match this query">Widen the window or remove a filter.</Empty>;
  return (
    <>
      <Card>
        <div className="row space">
          <div>
            Total{" "}
            {r.totals.byUnit.map((u) => (
              <span key={u.unit ?? ""} className="total" data-testid="query-total">
                {isMoney ? <Money amount={u.total} currency={u.unit} /> : `${number(u.total ?? "0", 2)} ${u.unit ?? ""}`}{" "}
              </span>
            ))}
            <span className="muted small">
              {" "}
              {number(r.totals.groups)} groups, {number(r.totals.lineItems)} line items{r.truncated ? `, first ${r.rows.length} shown` : ""}
            </span>
          </div>
          <button onClick={() => downloadCsv(r)} data-testid="csv">
            Export CSV
          </button>
        </div>
        <Chart option={option} height={340} testId="explorer-chart" attrs={{ "data-complete-through": lastCompleteDay ?? "" }} />
        {lastCompleteDay && state.granularity !== "none" && r.rows.some((row) => (row["period"] ?? "").slice(0, 10) > lastCompleteDay || (state.granularity === "month" && addDays(monthAfter((row["period"] ?? "").slice(0, 10)), -1) > lastCompleteDay)) ? (
          <p className="muted small" data-testid="arriving-note">
            Faded, shaded: periods after {lastCompleteDay}, the last complete day; their charges are still arriving.
          </p>
        ) : null}
      </Card>
      <Card scroll>
        <DataTable testId="result-table" rows={r.rows.slice(0, 500)} rowKey={(_, i) => i} columns={columns} />
        {r.rows.length > 500 ? <p className="muted small">First 500 of {r.rows.length} rows shown; the CSV export has them all.</p> : null}
      </Card>
    </>
  );
}
