/**
 * Commitments: Reserved Instance and Savings Plan utilization, coverage and savings over the bill's last days,
 * expiring commitments, and the recommended Savings Plan purchase (accept / dismiss like any recommendation).
 */
import type { EChartsOption } from "echarts";
import { useMemo, useState } from "react";
import { api, type Commitments, type Purchase } from "../api.js";
import { Chart, PALETTE } from "../components/chart.js";
import { Money } from "../components/money.js";
import { Async, Empty, ErrorState, Unavailable } from "../components/states.js";
import { useApi } from "../components/use-api.js";
import { money, number, ratioPercent, sumDecimals, toChartNumber } from "../format.js";
import { navigate } from "../router.js";

const WINDOWS = [7, 30, 90, 365] as const;

/** The last path segment of an ARN, for a narrow table cell (the whole id is in the title). */
function shortId(id: string): string {
  const last = id.split(/[/:]/).filter(Boolean).pop() ?? id;
  return last.length > 28 ? `${last.slice(0, 26)}…` : last;
}

export function CommitmentsPage({ search }: { search: URLSearchParams }) {
  const asked = Number(search.get("days") ?? "30");
  const days = (WINDOWS as readonly number[]).includes(asked) ? asked : 30;
  const [version, setVersion] = useState(0);
  const data = useApi(() => api<Commitments>(`/api/v1/commitments?days=${days}`), `commitments:${days}:${version}`);
  const [err, setErr] = useState<Error | null>(null);
  const act = async (p: Purchase, status: "accepted" | "dismissed" | "done") => {
    let reason: string | undefined;
    if (status === "dismissed") {
      const r = window.prompt("Why dismiss this purchase recommendation?");
      if (!r) return;
      reason = r;
    }
    try {
      setErr(null);
      await api(`/api/v1/recommendations/${p.id}/status`, { method: "POST", body: { status, ...(reason ? { reason } : {}) } });
      setVersion((v) => v + 1);
    } catch (e) {
      setErr(e instanceof Error ? e : new Error(String(e)));
    }
  };
  return (
    <section>
      <header className="page-head">
        <h1>Commitments</h1>
      </header>
      <div className="toolbar">
        <label>
          Window{" "}
          <select value={days} onChange={(e) => navigate(`/commitments?days=${e.target.value}`)} data-testid="commitments-window">
            {WINDOWS.map((d) => (
              <option key={d} value={d}>
                last {d} days
              </option>
            ))}
          </select>
        </label>
      </div>
      {err ? <ErrorState error={err} /> : null}
      <Async value={data} what="commitments">
        {(c) => <CommitmentsBody c={c} onAct={act} />}
      </Async>
    </section>
  );
}

function CommitmentsBody({ c, onAct }: { c: Commitments; onAct: (p: Purchase, s: "accepted" | "dismissed" | "done") => void }) {
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
          <div className="tiles wrap" data-testid="commitment-tiles">
            <div className="tile">
              <div className="tile-label">Utilization</div>
              <div className="tile-value" data-testid="commit-utilization" data-value={c.overall.utilization ?? ""}>
                {ratioPercent(c.overall.utilization)}
              </div>
              <div className="tile-sub">
                used <Money amount={c.overall.used} currency={cur} /> of <Money amount={sumPaid(c)} currency={cur} /> paid
              </div>
            </div>
            <div className="tile">
              <div className="tile-label">Coverage</div>
              <div className="tile-value" data-testid="commit-coverage" data-value={c.overall.coverage ?? ""}>
                {ratioPercent(c.overall.coverage)}
              </div>
              <div className="tile-sub">
                of eligible usage; <Money amount={c.overall.onDemandEligible} currency={cur} testId="commit-on-demand" /> ran on demand
              </div>
            </div>
            <div className="tile">
              <div className="tile-label">Effective savings rate</div>
              <div className="tile-value" data-testid="commit-esr" data-value={c.overall.effectiveSavingsRate ?? ""}>
                {ratioPercent(c.overall.effectiveSavingsRate)}
              </div>
              <div className="tile-sub">
                net savings {c.overall.netSavings === null ? "unknown (list cost missing)" : <Money amount={c.overall.netSavings} currency={cur} testId="commit-net-savings" />}
              </div>
            </div>
          </div>
          {c.commitments.length === 0 ? (
            <Empty title="No Reserved Instance or Savings Plan charges in this window">Pick a longer window.</Empty>
          ) : (
            <>
              <div className="card scroll">
                <h2>Commitments ({c.commitments.length})</h2>
                <table className="table" data-testid="commitments-table">
                  <thead>
                    <tr>
                      <th>Commitment</th>
                      <th>Type</th>
                      <th className="num">Used</th>
                      <th className="num">Unused</th>
                      <th className="num">Utilization</th>
                      <th className="num">Savings</th>
                      <th>Ends</th>
                    </tr>
                  </thead>
                  <tbody>
                    {c.commitments.map((x) => (
                      <tr key={x.commitmentId} data-id={x.commitmentId}>
                        <td title={x.commitmentId} className="mono small">{x.commitmentId}</td>
                        <td>{x.type ?? "–"}</td>
                        <td className="num"><Money amount={x.used} currency={cur} /></td>
                        <td className="num"><Money amount={x.unused} currency={cur} /></td>
                        <td className="num">{ratioPercent(x.utilization)}</td>
                        <td className="num">{x.netSavings === null ? "–" : <Money amount={x.netSavings} currency={cur} />}</td>
                        <td>
                          {x.endsAt ? x.endsAt.slice(0, 10) : "unknown"}
                          {x.expiresWithinDays ? <div className="change up">expires within {x.expiresWithinDays} days</div> : null}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <div className="card">
                <h2>Paid per commitment: used and unused</h2>
                <Chart option={chart} height={240} testId="commitments-chart" />
              </div>
            </>
          )}
        </>
      )}
      <div className="card" data-testid="purchases">
        <h2>Recommended purchases</h2>
        {purchases.length === 0 ? (
          <Empty title="No Savings Plan purchase recommended">
            <p>
              <code>costwise recommend run</code> simulates Savings Plans on the bill's hourly on-demand eligible spend and recommends one when it saves money.
            </p>
          </Empty>
        ) : (
          purchases.map((p) => <PurchaseView key={p.id} p={p} onAct={onAct} />)
        )}
      </div>
    </>
  );
}

/** used + unused, exact (decimal strings). */
function sumPaid(c: Commitments): string {
  return sumDecimals([c.overall!.used, c.overall!.unused]);
}

function PurchaseView({ p, onAct }: { p: Purchase; onAct: (p: Purchase, s: "accepted" | "dismissed" | "done") => void }) {
  return (
    <div className="purchase" data-testid={`purchase-${p.id}`}>
      <div className="row space">
        <div>
          <strong>{p.action}</strong>
          <div className="muted small">
            {p.plan}, {p.discount ? `${ratioPercent(p.discount, 0)} off on-demand` : ""} · based on {p.lookbackDays ?? "?"} days · confidence {p.confidence} · status{" "}
            <strong data-testid="purchase-status">{p.status}</strong>
            {p.statusReason ? ` (${p.statusReason})` : ""}
          </div>
        </div>
        <div>
          {p.status === "open" ? (
            <>
              <button onClick={() => onAct(p, "accepted")}>Accept</button> <button onClick={() => onAct(p, "dismissed")}>Dismiss</button>
            </>
          ) : p.status === "accepted" ? (
            <button onClick={() => onAct(p, "done")}>Mark purchased</button>
          ) : null}
        </div>
      </div>
      <div className="tiles wrap">
        <div className="tile">
          <div className="tile-label">Saving per month</div>
          <div className="tile-value">
            <Money amount={p.monthlySaving} currency={p.currency} testId="purchase-saving" />
          </div>
          <div className="tile-sub">
            net, after the commitment; {p.netSavings ? <Money amount={p.netSavings} currency={p.currency} /> : "–"} over the lookback
          </div>
        </div>
        <div className="tile">
          <div className="tile-label">Commitment</div>
          <div className="tile-value" data-testid="purchase-hourly" data-amount={p.hourlyCommitment ?? ""}>
            {p.hourlyCommitment ? `${money(p.hourlyCommitment, p.currency)}/h` : "–"}
          </div>
          <div className="tile-sub">break-even after {p.breakEvenMonths ?? "?"} months</div>
        </div>
        <div className="tile">
          <div className="tile-label">Expected utilization / coverage</div>
          <div className="tile-value">
            {ratioPercent(p.expectedUtilization)} / {ratioPercent(p.expectedCoverage)}
          </div>
          <div className="tile-sub">
            of <Money amount={p.onDemandCost} currency={p.currency} /> on-demand eligible spend
          </div>
        </div>
      </div>
      {p.alternatives.length > 1 ? (
        <details>
          <summary className="small">Alternatives simulated ({p.alternatives.length})</summary>
          <table className="table small" data-testid="purchase-alternatives">
            <thead>
              <tr>
                <th>Plan</th>
                <th className="num">Lookback</th>
                <th className="num">Commitment / h</th>
                <th className="num">Net saving / month</th>
              </tr>
            </thead>
            <tbody>
              {p.alternatives.map((a, i) => (
                <tr key={i}>
                  <td>{a.plan}</td>
                  <td className="num">{number(a.lookbackDays)} days</td>
                  <td className="num">{money(a.hourlyCommitment, p.currency)}</td>
                  <td className="num"><Money amount={a.monthlyNetSavings} currency={p.currency} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ) : null}
      <p className="muted small">{p.reason}</p>
    </div>
  );
}
