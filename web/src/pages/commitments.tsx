/**
 * Commitments: Reserved Instance and Savings Plan utilization, coverage and savings over the bill's last days,
 * expiring commitments, and the recommended Savings Plan purchase (accept / dismiss like any recommendation).
 */
import type { EChartsOption } from "echarts";
import { useMemo } from "react";
import { api, type Commitments, type Purchase } from "../api.js";
import { Chart, PALETTE } from "../components/chart.js";
import { DataTable } from "../components/data-table.js";
import { Money } from "../components/money.js";
import { Card, Page } from "../components/page.js";
import { Picker } from "../components/picker.js";
import { Async, Empty, ErrorState, Unavailable } from "../components/states.js";
import { StatusButtons, useStatusChange, type NextStatus } from "../components/status-actions.js";
import { Tile, Tiles } from "../components/tiles.js";
import { useApi } from "../components/use-api.js";
import { commitmentTypeName, hourly, money, number, planName, recommendationAction, ratioPercent, sumDecimals, toChartNumber } from "../format.js";
import { focusAttrs, navigate, useScrollToFocus } from "../router.js";

const WINDOWS = [7, 30, 90, 365] as const;

/** The last path segment of an ARN, for a narrow table cell (the whole id is in the title). */
function shortId(id: string): string {
  const last = id.split(/[/:]/).filter(Boolean).pop() ?? id;
  return last.length > 28 ? `${last.slice(0, 26)}…` : last;
}

export function CommitmentsPage({ search }: { search: URLSearchParams }) {
  const asked = Number(search.get("days") ?? "30");
  const days = (WINDOWS as readonly number[]).includes(asked) ? asked : 30;
  const { version, error, setStatus } = useStatusChange("Why dismiss this purchase recommendation?");
  const data = useApi(() => api<Commitments>(`/api/v1/commitments?days=${days}`), `commitments:${days}:${version}`);
  // `?id=<commitment id>` (the links in expiry notices): that commitment's row is highlighted and scrolled to
  const focus = search.get("id");
  useScrollToFocus(focus, data.state === "ok");
  return (
    <Page title="Commitments">
      <div className="toolbar">
        <Picker
          label="Window"
          value={days}
          options={WINDOWS.map((d) => ({ value: d, label: `last ${d} days` }))}
          onPick={(d) => navigate(`/commitments?${new URLSearchParams({ days: String(d), ...(focus ? { id: focus } : {}) }).toString()}`)}
          testId="commitments-window"
        />
      </div>
      {error ? <ErrorState error={error} /> : null}
      <Async value={data} what="commitments">
        {(c) => <CommitmentsBody c={c} focus={focus} onAct={(p, s) => void setStatus(p.id, s)} />}
      </Async>
    </Page>
  );
}

type OnAct = (p: Purchase, s: NextStatus) => void;

function CommitmentsBody({ c, focus, onAct }: { c: Commitments; focus: string | null; onAct: OnAct }) {
  const cur = c.currency;
  const chart = useMemo<EChartsOption>(
    () => ({
      color: [PALETTE[1]!, PALETTE[3]!],
      tooltip: { trigger: "axis", valueFormatter: (v) => money(String(v), cur) },
      legend: { top: 0 },
      grid: { left: 80, right: 20, top: 30, bottom: 40 },
      xAxis: { type: "category", data: c.commitments.map((x) => shortId(x.commitmentId)), axisLabel: { interval: 0, width: 140, overflow: "truncate" } },
      yAxis: { type: "value", axisLabel: { formatter: (v: number) => money(String(v), cur, { compact: true }) } },
      series: [
        { name: "Used", type: "bar", stack: "paid", data: c.commitments.map((x) => toChartNumber(x.used)) },
        { name: "Unused", type: "bar", stack: "paid", data: c.commitments.map((x) => toChartNumber(x.unused)) },
      ],
    }),
    [c, cur],
  );
  const purchases = c.purchases;
  return (
    <>
      {!c.availability.available || !c.overall || !c.window ? (
        <Unavailable availability={c.availability} what="commitments" />
      ) : (
        <>
          <p className="muted" data-testid="commitments-window-text">
            {c.window.start} to {c.window.end} ({c.window.days} days up to the bill's last charge), {cur ?? "no currency"}.
          </p>
          <Tiles wrap testId="commitment-tiles">
            <Tile
              label="Utilization"
              value={ratioPercent(c.overall.utilization)}
              valueAttrs={{ "data-testid": "commit-utilization", "data-value": c.overall.utilization ?? "" }}
              sub={
                <>
                  used <Money amount={c.overall.used} currency={cur} /> of <Money amount={sumPaid(c)} currency={cur} /> paid
                </>
              }
            />
            <Tile
              label="Coverage"
              value={ratioPercent(c.overall.coverage)}
              valueAttrs={{ "data-testid": "commit-coverage", "data-value": c.overall.coverage ?? "" }}
              sub={
                <>
                  of eligible usage; <Money amount={c.overall.onDemandEligible} currency={cur} testId="commit-on-demand" /> ran on demand
                </>
              }
            />
            <Tile
              label="Effective savings rate"
              value={ratioPercent(c.overall.effectiveSavingsRate)}
              valueAttrs={{ "data-testid": "commit-esr", "data-value": c.overall.effectiveSavingsRate ?? "" }}
              sub={<>net savings {c.overall.netSavings === null ? "unknown (list cost missing)" : <Money amount={c.overall.netSavings} currency={cur} testId="commit-net-savings" />}</>}
            />
          </Tiles>
          {focus && !c.commitments.some((x) => x.commitmentId === focus) ? (
            <p className="muted" data-testid="focus-missing">
              Commitment {focus} has no charges in this window: pick a longer one.
            </p>
          ) : null}
          {c.commitments.length === 0 ? (
            <Empty title="No Reserved Instance or Savings Plan charges in this window">Pick a longer window.</Empty>
          ) : (
            <>
              <Card scroll title={`Commitments (${c.commitments.length})`}>
                <DataTable
                  testId="commitments-table"
                  rows={c.commitments}
                  rowKey={(x) => x.commitmentId}
                  row={(x) => {
                    const f = focusAttrs(x.commitmentId === focus);
                    return { className: f.className, data: { "data-id": x.commitmentId, ...f.data } };
                  }}
                  columns={[
                    { header: "Commitment", title: (x) => x.commitmentId, className: "mono small", cell: (x) => x.commitmentId },
                    { header: "Type", title: (x) => x.type ?? "", data: (x) => ({ "data-type": x.type ?? "" }), cell: (x) => commitmentTypeName(x.type) },
                    { header: "Used", money: (x) => ({ amount: x.used, currency: cur }) },
                    { header: "Unused", money: (x) => ({ amount: x.unused, currency: cur }) },
                    { header: "Utilization", num: true, cell: (x) => ratioPercent(x.utilization) },
                    { header: "Savings", money: (x) => (x.netSavings === null ? null : { amount: x.netSavings, currency: cur }) },
                    {
                      header: "Ends",
                      cell: (x) => (
                        <>
                          {x.endsAt ? (
                            x.endsAt.slice(0, 10)
                          ) : (
                            <span className="muted" data-testid="ends-unknown" title="No row of the bill states this commitment's end: neither an end-time column (CUR reservation/EndTime, savingsPlan/EndTime) nor a purchase row spanning the term. Load the bill that holds the purchase to show it.">
                              not in the bill
                            </span>
                          )}
                          {x.expiresWithinDays ? <div className="change up">expires within {x.expiresWithinDays} days</div> : null}
                        </>
                      ),
                    },
                  ]}
                />
              </Card>
              {c.commitments.some((x) => x.endsAt === null) ? (
                <p className="muted small" data-testid="ends-note">
                  "Not in the bill": no row in the store states that commitment's end (an end-time column such as CUR's reservation/EndTime or savingsPlan/EndTime, or a purchase row
                  spanning the term). Load the bill that holds the purchase, or a CUR with those columns, to show it.
                </p>
              ) : null}
              <Card title="Paid per commitment: used and unused">
                <Chart option={chart} height={240} testId="commitments-chart" />
              </Card>
            </>
          )}
        </>
      )}
      <Card testId="purchases" title="Recommended purchases">
        {purchases.length === 0 ? (
          <Empty title="No Savings Plan purchase recommended">
            <p>
              <code>costwise recommend run</code> simulates Savings Plans on the bill's hourly on-demand eligible spend and recommends one when it saves money.
            </p>
          </Empty>
        ) : (
          purchases.map((p) => <PurchaseView key={p.id} p={p} onAct={onAct} />)
        )}
      </Card>
    </>
  );
}

/** used + unused, exact (decimal strings). */
function sumPaid(c: Commitments): string {
  return sumDecimals([c.overall!.used, c.overall!.unused]);
}

function PurchaseView({ p, onAct }: { p: Purchase; onAct: OnAct }) {
  return (
    <div className="purchase" data-testid={`purchase-${p.id}`}>
      <div className="row space">
        <div>
          <strong title={p.action} data-testid="purchase-action">
            {recommendationAction({ action: `buy a ${p.plan} Savings Plan`, targetConfig: p.hourlyCommitment ? `${p.hourlyCommitment}/h` : null, currency: p.currency })}
          </strong>
          <div className="muted small">
            <span data-testid="purchase-plan" data-plan={p.plan}>
              {planName(p.plan)}
            </span>
            {p.discount ? `, ${ratioPercent(p.discount, 0)} off on-demand` : ""} · based on {p.lookbackDays ?? "?"} days · confidence {p.confidence} · status{" "}
            <strong data-testid="purchase-status">{p.status}</strong>
            {p.statusReason ? ` (${p.statusReason})` : ""}
          </div>
        </div>
        <div>
          <StatusButtons status={p.status} onSet={(st) => onAct(p, st)} doneLabel="Mark purchased" />
        </div>
      </div>
      <Tiles wrap>
        <Tile
          label="Saving per month"
          value={<Money amount={p.monthlySaving} currency={p.currency} testId="purchase-saving" />}
          sub={<>net, after the commitment; {p.netSavings ? <Money amount={p.netSavings} currency={p.currency} /> : "–"} over the lookback</>}
        />
        <Tile
          label="Commitment"
          value={hourly(p.hourlyCommitment, p.currency)}
          valueAttrs={{ "data-testid": "purchase-hourly", "data-amount": p.hourlyCommitment ?? "" }}
          sub={`break-even after ${p.breakEvenMonths ?? "?"} months`}
        />
        <Tile
          label="Expected utilization / coverage"
          value={`${ratioPercent(p.expectedUtilization)} / ${ratioPercent(p.expectedCoverage)}`}
          sub={
            <>
              of <Money amount={p.onDemandCost} currency={p.currency} /> on-demand eligible spend
            </>
          }
        />
      </Tiles>
      {p.alternatives.length > 1 ? (
        <details>
          <summary className="small">Alternatives simulated ({p.alternatives.length})</summary>
          <DataTable
            small
            testId="purchase-alternatives"
            rows={p.alternatives}
            rowKey={(_, i) => i}
            columns={[
              { header: "Plan", title: (a) => a.plan, cell: (a) => planName(a.plan) },
              { header: "Lookback", num: true, cell: (a) => `${number(a.lookbackDays)} days` },
              { header: "Commitment", num: true, cell: (a) => hourly(a.hourlyCommitment, p.currency) },
              { header: "Net saving / month", money: (a) => ({ amount: a.monthlyNetSavings, currency: p.currency }) },
            ]}
          />
        </details>
      ) : null}
      <p className="muted small">{p.reason}</p>
    </div>
  );
}
