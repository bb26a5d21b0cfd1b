/** Anomalies, recommendations, governance findings and unit costs: data when present, else how to produce it. */
import type { EChartsOption } from "echarts";
import { useState } from "react";
import { api, ApiError, type Availability } from "../api.js";
import { Chart, PALETTE } from "../components/chart.js";
import { Money } from "../components/money.js";
import { Async, Empty, ErrorState, Unavailable } from "../components/states.js";
import { useApi } from "../components/use-api.js";
import { money, sumDecimals, toChartNumber } from "../format.js";

type Item = Record<string, unknown>;
const str = (v: unknown): string => (v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v));

function Page({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <section>
      <header className="page-head">
        <h1>{title}</h1>
      </header>
      {children}
    </section>
  );
}

// ─── anomalies ──────────────────────────────────────────────────────────────────────────────────

interface RootCause {
  dimension?: string;
  value?: string;
  contributions?: { dimension?: string; value?: string; actual?: string; expected?: string; delta?: string; share?: number }[];
  [k: string]: unknown;
}

function RootCauseView({ rc, currency }: { rc: unknown; currency: string }) {
  if (!rc) return <span className="muted">none computed</span>;
  const list = Array.isArray(rc) ? (rc as Item[]) : Array.isArray((rc as RootCause).contributions) ? ((rc as RootCause).contributions as Item[]) : null;
  if (!list) return <code className="small">{JSON.stringify(rc)}</code>;
  return (
    <table className="table small">
      <tbody>
        {list.slice(0, 5).map((c, i) => (
          <tr key={i}>
            <td>{str(c["dimension"] ?? c["dim"])}</td>
            <td>{str(c["value"] ?? c["key"])}</td>
            <td className="num">{c["delta"] !== undefined ? <Money amount={str(c["delta"])} currency={currency} /> : str(c["impact"] ?? c["share"])}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function AnomaliesPage() {
  const data = useApi(() => api<{ availability: Availability; items: Item[] }>("/api/v1/anomalies"), "anomalies");
  const [open, setOpen] = useState<number | null>(0);
  return (
    <Page title="Anomalies">
      <Async value={data} what="anomalies">
        {(d) => {
          if (!d.availability.available) return <Unavailable availability={d.availability} what="anomalies" />;
          if (d.items.length === 0) return <Empty title="No anomalies found" />;
          const top = d.items.slice(0, 20);
          const option: EChartsOption = {
            color: [PALETTE[3]!, PALETTE[0]!],
            tooltip: { trigger: "axis", valueFormatter: (v) => money(String(v), str(top[0]!["currency"])) },
            legend: { top: 0 },
            grid: { left: 70, right: 20, top: 30, bottom: 70 },
            xAxis: { type: "category", data: top.map((a) => `${str(a["start_day"])} ${str(a["series_key"])}`.slice(0, 40)), axisLabel: { rotate: 30 } },
            yAxis: { type: "value" },
            series: [
              { name: "Actual", type: "bar", data: top.map((a) => toChartNumber(str(a["actual"]))) },
              { name: "Expected", type: "bar", data: top.map((a) => toChartNumber(str(a["expected"]))) },
            ],
          };
          return (
            <>
              <div className="card">
                <h2>Actual vs expected (latest {top.length})</h2>
                <Chart option={option} height={300} testId="anomaly-chart" />
              </div>
              <div className="card scroll">
                <table className="table" data-testid="anomalies-table">
                  <thead>
                    <tr>
                      <th>Days</th>
                      <th>Monitor</th>
                      <th>Series</th>
                      <th>Kind</th>
                      <th>Severity</th>
                      <th className="num">Actual</th>
                      <th className="num">Expected</th>
                      <th className="num">Impact</th>
                      <th>Root cause</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.items.map((a, i) => (
                      <tr key={i} onClick={() => setOpen(open === i ? null : i)}>
                        <td>
                          {str(a["start_day"])} → {str(a["end_day"])}
                        </td>
                        <td>{str(a["monitor"])}</td>
                        <td>{str(a["series_key"])}</td>
                        <td>
                          {str(a["kind"])} {str(a["direction"])}
                        </td>
                        <td>{str(a["severity"])}</td>
                        <td className="num"><Money amount={str(a["actual"])} currency={str(a["currency"])} /></td>
                        <td className="num"><Money amount={str(a["expected"])} currency={str(a["currency"])} /></td>
                        <td className="num"><Money amount={str(a["impact"])} currency={str(a["currency"])} /></td>
                        <td>{open === i ? <RootCauseView rc={a["root_cause"]} currency={str(a["currency"])} /> : <button className="small">show</button>}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          );
        }}
      </Async>
    </Page>
  );
}

// ─── recommendations ────────────────────────────────────────────────────────────────────────────

interface Rec {
  id: number;
  type: string;
  resourceId: string | null;
  owner: string | null;
  action: string;
  currentConfig: string | null;
  targetConfig: string | null;
  monthlySaving: string;
  currency: string;
  confidence: string;
  reason: string;
  status: string;
  statusReason: string | null;
}

export function RecommendationsPage() {
  const [version, setVersion] = useState(0);
  const data = useApi(
    () => api<{ availability: Availability; items: Rec[]; realized: { count: number; monthly: { currency: string; amount: string }[] } }>("/api/v1/recommendations"),
    `recs:${version}`,
  );
  const [err, setErr] = useState<Error | null>(null);
  const act = async (id: number, status: string) => {
    let reason: string | undefined;
    if (status === "dismissed") {
      const r = window.prompt("Why dismiss this recommendation?");
      if (!r) return;
      reason = r;
    }
    try {
      setErr(null);
      await api(`/api/v1/recommendations/${id}/status`, { method: "POST", body: { status, ...(reason ? { reason } : {}) } });
      setVersion((v) => v + 1);
    } catch (e) {
      setErr(e instanceof Error ? e : new Error(String(e)));
    }
  };
  return (
    <Page title="Recommendations and commitments">
      {err ? <ErrorState error={err} /> : null}
      <Async value={data} what="recommendations">
        {(d) => {
          if (!d.availability.available) return <Unavailable availability={d.availability} what="recommendations" />;
          const byStatus = new Map<string, Rec[]>();
          for (const r of d.items) byStatus.set(r.status, [...(byStatus.get(r.status) ?? []), r]);
          const cur = d.items[0]?.currency ?? "USD";
          const sum = (rs: Rec[]) => sumDecimals(rs.map((r) => r.monthlySaving));
          return (
            <>
              <div className="tiles wrap">
                {["open", "accepted", "done", "dismissed"].map((s) => (
                  <div className="tile" key={s}>
                    <div className="tile-label">{s}</div>
                    <div className="tile-value">{money(sum(byStatus.get(s) ?? []), cur)}/mo</div>
                    <div className="tile-sub">{(byStatus.get(s) ?? []).length} recommendations</div>
                  </div>
                ))}
              </div>
              {d.items.length === 0 ? (
                <Empty title="No recommendations" />
              ) : (
                <div className="card scroll">
                  <table className="table" data-testid="recs-table">
                    <thead>
                      <tr>
                        <th>#</th>
                        <th>Type</th>
                        <th>Resource</th>
                        <th>Owner</th>
                        <th>Action</th>
                        <th className="num">Saving / month</th>
                        <th>Confidence</th>
                        <th>Status</th>
                        <th />
                      </tr>
                    </thead>
                    <tbody>
                      {d.items.map((r) => (
                        <tr key={r.id} title={r.reason}>
                          <td>{r.id}</td>
                          <td>{r.type}</td>
                          <td>{r.resourceId ?? "–"}</td>
                          <td>{r.owner ?? "–"}</td>
                          <td>
                            {r.action}
                            {r.targetConfig ? ` → ${r.targetConfig}` : ""}
                          </td>
                          <td className="num"><Money amount={r.monthlySaving} currency={r.currency} /></td>
                          <td>{r.confidence}</td>
                          <td>
                            {r.status}
                            {r.statusReason ? <div className="muted small">{r.statusReason}</div> : null}
                          </td>
                          <td>
                            {r.status === "open" ? (
                              <>
                                <button onClick={() => void act(r.id, "accepted")}>Accept</button> <button onClick={() => void act(r.id, "dismissed")}>Dismiss</button>
                              </>
                            ) : r.status === "accepted" ? (
                              <button onClick={() => void act(r.id, "done")}>Mark done</button>
                            ) : null}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </>
          );
        }}
      </Async>
    </Page>
  );
}

// ─── governance ─────────────────────────────────────────────────────────────────────────────────

export function GovernancePage() {
  const data = useApi(() => api<{ availability: Availability; scan: Item | null; items: Item[] }>("/api/v1/governance/findings"), "findings");
  return (
    <Page title="Governance findings">
      <Async value={data} what="findings">
        {(d) => {
          if (!d.availability.available) return <Unavailable availability={d.availability} what="governance findings" />;
          return (
            <>
              {d.scan ? (
                <p className="muted">
                  Latest scan {str(d.scan["scanned_at"])} ({str(d.scan["origin"])}): {str(d.scan["checked"])} resources checked, {str(d.scan["compliant"])} compliant,{" "}
                  {str(d.scan["findings"])} findings, {str(d.scan["blocking"])} blocking.
                </p>
              ) : null}
              {d.items.length === 0 ? (
                <Empty title="No findings in the latest scan" />
              ) : (
                <div className="card scroll">
                  <table className="table" data-testid="findings-table">
                    <thead>
                      <tr>
                        <th>Severity</th>
                        <th>Rule</th>
                        <th>Resource</th>
                        <th>Team</th>
                        <th>Message</th>
                        <th>Suggestion</th>
                        <th className="num">Monthly cost</th>
                      </tr>
                    </thead>
                    <tbody>
                      {d.items.map((f, i) => (
                        <tr key={i}>
                          <td>
                            {str(f["severity"])}
                            {f["blocking"] ? " (blocking)" : ""}
                          </td>
                          <td>{str(f["rule_id"])}</td>
                          <td>{str(f["resource_id"])}</td>
                          <td>{str(f["team"]) || "–"}</td>
                          <td>{str(f["message"])}</td>
                          <td>{str(f["suggestion"])}</td>
                          <td className="num">{f["monthly_cost"] === null ? "–" : <Money amount={str(f["monthly_cost"])} currency={str(f["currency"])} />}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </>
          );
        }}
      </Async>
    </Page>
  );
}

// ─── unit costs ─────────────────────────────────────────────────────────────────────────────────

export function UnitCostsPage() {
  const data = useApi(() => api<{ availability: Availability; items: Item[] }>("/api/v1/unit-costs"), "unit-costs");
  return (
    <Page title="Unit costs">
      <Async value={data} what="unit costs">
        {(d) => {
          if (!d.availability.available) return <Unavailable availability={d.availability} what="unit costs" />;
          if (d.items.length === 0) return <Empty title="No unit costs for the stored periods" />;
          const names = [...new Set(d.items.map((r) => str(r["name"])))];
          const periods = [...new Set(d.items.map((r) => str(r["period"])))].sort();
          const option: EChartsOption = {
            color: PALETTE,
            tooltip: { trigger: "axis" },
            legend: { top: 0 },
            grid: { left: 70, right: 20, top: 30, bottom: 30 },
            xAxis: { type: "category", data: periods },
            yAxis: { type: "value" },
            series: names.map((n) => ({
              name: n,
              type: "line",
              data: periods.map((p) => {
                const r = d.items.find((x) => str(x["name"]) === n && str(x["period"]) === p && x["unitCost"] !== null);
                return r ? toChartNumber(str(r["unitCost"])) : null;
              }),
            })),
          };
          return (
            <>
              <div className="card">
                <Chart option={option} height={280} />
              </div>
              <div className="card scroll">
                <table className="table" data-testid="unit-costs-table">
                  <thead>
                    <tr>
                      <th>Unit cost</th>
                      <th>Period</th>
                      <th>Service</th>
                      <th>Environment</th>
                      <th className="num">Cost</th>
                      <th className="num">Units</th>
                      <th className="num">Cost per unit</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.items.map((r, i) => (
                      <tr key={i}>
                        <td>{str(r["name"])}</td>
                        <td>{str(r["period"])}</td>
                        <td>{str(r["service"]) || "–"}</td>
                        <td>{str(r["environment"]) || "–"}</td>
                        <td className="num"><Money amount={str(r["cost"])} currency={str(r["currency"])} /></td>
                        <td className="num">{str(r["units"])}</td>
                        <td className="num">{r["unitCost"] === null ? "–" : `${str(r["unitCost"])} ${str(r["currency"])}`}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          );
        }}
      </Async>
    </Page>
  );
}

export { ApiError };
