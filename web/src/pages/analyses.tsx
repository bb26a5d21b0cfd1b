/** Anomalies, recommendations, governance findings and unit costs: data when present, else how to produce it. */
import type { EChartsOption } from "echarts";
import { useState } from "react";
import { api, ApiError, type Availability, type FindingsSummary } from "../api.js";
import { navigate } from "../router.js";
import { Chart, PALETTE } from "../components/chart.js";
import { Money } from "../components/money.js";
import { Async, Empty, ErrorState, Unavailable } from "../components/states.js";
import { useApi } from "../components/use-api.js";
import { money, number, sumDecimals, toChartNumber } from "../format.js";

type Item = Record<string, unknown>;
/** Long tables show this many rows, then "show more". */
const PAGE_ROWS = 50;
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

interface Contribution {
  kind: string;
  value: string;
  actual: string;
  expected: string;
  contribution: string;
  share: number | null;
}

interface RootCause {
  days?: { from: string; to: string };
  baselineWeeks?: number;
  actual?: string;
  expected?: string;
  deviation?: string;
  headline?: Contribution | null;
  top?: Contribution[];
}

/** The root-cause breakdown of an anomaly: which service, account, region, tag, SKU or resource moved it, and by how much. */
function RootCauseView({ rc, currency }: { rc: unknown; currency: string }) {
  const r = (typeof rc === "string" ? (JSON.parse(rc) as RootCause) : (rc as RootCause | null)) ?? null;
  if (!r || !Array.isArray(r.top)) return <span className="muted">no root cause computed</span>;
  return (
    <div className="rootcause" data-testid="root-cause">
      <p className="small">
        {r.days ? `${r.days.from} to ${r.days.to}` : ""}: actual <Money amount={r.actual} currency={currency} /> vs expected <Money amount={r.expected} currency={currency} />{" "}
        (baseline: the same weekdays of the {r.baselineWeeks ?? "?"} weeks before).{" "}
        {r.headline ? (
          <>
            Mostly <strong>{r.headline.kind}</strong> <strong>{r.headline.value}</strong>: <Money amount={r.headline.contribution} currency={currency} /> of{" "}
            <Money amount={r.deviation} currency={currency} />.
          </>
        ) : null}
      </p>
      <table className="table small">
        <thead>
          <tr>
            <th>Dimension</th>
            <th>Value</th>
            <th className="num">Actual</th>
            <th className="num">Expected</th>
            <th className="num">Contribution</th>
            <th>Share of the change</th>
          </tr>
        </thead>
        <tbody>
          {r.top.slice(0, 8).map((c, i) => (
            <tr key={i}>
              <td>{c.kind}</td>
              <td className="wrap">{c.value}</td>
              <td className="num"><Money amount={c.actual} currency={currency} /></td>
              <td className="num"><Money amount={c.expected} currency={currency} /></td>
              <td className="num"><Money amount={c.contribution} currency={currency} /></td>
              <td>
                <span className="bar">
                  <div style={{ width: `${Math.max(0, Math.min(1, c.share ?? 0)) * 100}%` }} />
                </span>
                {c.share === null ? "–" : `${(c.share * 100).toFixed(1)}%`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function AnomaliesPage() {
  const data = useApi(() => api<{ availability: Availability; items: Item[] }>("/api/v1/anomalies"), "anomalies");
  const [open, setOpen] = useState<number | null>(0);
  const [rows, setRows] = useState(PAGE_ROWS);
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
            xAxis: { type: "category", data: top.map((a) => `${str(a["start_day"]).slice(5)} ${str(a["series_key"]).split("/").pop()}`.slice(0, 28)), axisLabel: { rotate: 30 } },
            yAxis: { type: "value", axisLabel: { formatter: (v: number) => money(String(v), str(top[0]!["currency"]), { compact: true }) } },
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
                <table className="table small" data-testid="anomalies-table">
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
                    {d.items.slice(0, rows).flatMap((a, i) => [
                      <tr key={i} onClick={() => setOpen(open === i ? null : i)} className="clickable">
                        <td className="nowrap">{str(a["start_day"]) === str(a["end_day"]) ? str(a["start_day"]) : `${str(a["start_day"])} → ${str(a["end_day"]).slice(5)}`}</td>
                        <td>{str(a["monitor"])}</td>
                        <td className="wrap" title={str(a["series_key"])}>{str(a["series_key"]).split("/").pop()}</td>
                        <td>
                          {str(a["kind"])} {str(a["direction"])}
                        </td>
                        <td>{str(a["severity"])}</td>
                        <td className="num"><Money amount={str(a["actual"])} currency={str(a["currency"])} /></td>
                        <td className="num"><Money amount={str(a["expected"])} currency={str(a["currency"])} /></td>
                        <td className="num"><Money amount={str(a["impact"])} currency={str(a["currency"])} /></td>
                        <td>
                          <button className="small" aria-expanded={open === i}>
                            {open === i ? "hide" : "show"}
                          </button>
                        </td>
                      </tr>,
                      ...(open === i
                        ? [
                            <tr key={`${i}-rc`} className="detail">
                              <td colSpan={9}>
                                <RootCauseView rc={a["root_cause"]} currency={str(a["currency"])} />
                              </td>
                            </tr>,
                          ]
                        : []),
                    ])}
                  </tbody>
                </table>
                {d.items.length > rows ? (
                  <p>
                    <button onClick={() => setRows((n) => n + PAGE_ROWS)} data-testid="more-anomalies">
                      Show {number(Math.min(PAGE_ROWS, d.items.length - rows))} more of {number(d.items.length)}
                    </button>
                  </p>
                ) : null}
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
    <Page title="Recommendations">
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
              {d.items.some((r) => r.type === "savings-plan") ? (
                <p className="muted">
                  Savings Plan purchases, with the coverage and utilization of the commitments you hold:{" "}
                  <a
                    href="/commitments"
                    onClick={(e) => {
                      e.preventDefault();
                      navigate("/commitments");
                    }}
                  >
                    Commitments
                  </a>
                  .
                </p>
              ) : null}
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
                  <table className="table small" data-testid="recs-table">
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
                          <td className="wrap">
                            {r.action}
                            {r.targetConfig && !r.action.includes(r.targetConfig) ? ` → ${r.targetConfig}` : ""}
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

/** Amounts per currency (null currency: resources without cost rows), summed exactly. */
function perCurrency(rows: { currency: string | null; monthlyCost: string }[]): { currency: string | null; amount: string }[] {
  const by = new Map<string | null, string[]>();
  for (const r of rows) by.set(r.currency, [...(by.get(r.currency) ?? []), r.monthlyCost]);
  return [...by].filter(([c]) => c !== null).map(([currency, xs]) => ({ currency, amount: sumDecimals(xs) }));
}

function Amounts({ list, testId }: { list: { currency: string | null; amount: string }[]; testId?: string }) {
  if (list.length === 0) return <span data-testid={testId}>–</span>;
  return (
    <span data-testid={testId}>
      {list.map((x, i) => (
        <span key={x.currency ?? ""}>
          {i > 0 ? " + " : ""}
          <Money amount={x.amount} currency={x.currency} />
        </span>
      ))}
    </span>
  );
}

export function GovernancePage({ search }: { search?: URLSearchParams }) {
  const data = useApi(() => api<{ availability: Availability; scan: Item | null; summary: FindingsSummary; items: Item[] }>("/api/v1/governance/findings"), "findings");
  const rule = search?.get("rule") ?? "";
  const [rows, setRows] = useState(PAGE_ROWS);
  const setRule = (r: string) => navigate(r ? `/governance?rule=${encodeURIComponent(r)}` : "/governance");
  return (
    <Page title="Governance findings">
      <Async value={data} what="findings">
        {(d) => {
          if (!d.availability.available) return <Unavailable availability={d.availability} what="governance findings" />;
          const sm = d.summary;
          const rules = [...new Map(sm.byRule.map((r) => [r.ruleId, r])).values()];
          const ruleRows = rules.map((r) => {
            const xs = sm.byRule.filter((x) => x.ruleId === r.ruleId);
            return { ...r, findings: xs.reduce((a, x) => a + x.findings, 0), resources: xs.reduce((a, x) => a + x.resources, 0), cost: perCurrency(xs) };
          });
          const teams = [...new Set(sm.byTeam.map((t) => t.team))];
          const teamRows = teams.map((t) => {
            const xs = sm.byTeam.filter((x) => x.team === t);
            return { team: t, findings: xs.reduce((a, x) => a + x.findings, 0), resources: xs.reduce((a, x) => a + x.resources, 0), cost: perCurrency(xs) };
          });
          const blocking = sm.byRule.filter((r) => r.blocking).reduce((a, r) => a + r.findings, 0);
          const items = rule ? d.items.filter((f) => str(f["rule_id"]) === rule) : d.items;
          return (
            <>
              {d.scan ? (
                <p className="muted" data-testid="scan-line">
                  Latest scan {str(d.scan["scanned_at"]).replace("T", " ").replace("Z", " UTC")} ({str(d.scan["origin"])}): {number(str(d.scan["checked"]))} resources checked,{" "}
                  {number(str(d.scan["compliant"]))} compliant, {number(str(d.scan["findings"]))} findings, {number(str(d.scan["blocking"]))} blocking.
                </p>
              ) : null}
              {sm.findings === 0 ? (
                <Empty title="No findings in the latest scan">Every resource checked complies with the policy.</Empty>
              ) : (
                <>
                  <div className="tiles">
                    <div className="tile">
                      <div className="tile-label">Findings</div>
                      <div className="tile-value" data-testid="findings-count" data-value={sm.findings}>
                        {number(sm.findings)}
                      </div>
                      <div className="tile-sub">{number(blocking)} blocking</div>
                    </div>
                    <div className="tile">
                      <div className="tile-label">Monthly cost of non-compliant resources</div>
                      <div className="tile-value">
                        <Amounts list={perCurrency(sm.byTeam.map((t) => ({ currency: t.currency, monthlyCost: t.monthlyCost })))} testId="findings-cost" />
                      </div>
                      <div className="tile-sub">{number(sm.byTeam.reduce((a, t) => a + t.resources, 0))} resources, each counted once (last 30 days of the bill)</div>
                    </div>
                    <div className="tile">
                      <div className="tile-label">Rules broken</div>
                      <div className="tile-value">{number(rules.length)}</div>
                      <div className="tile-sub">{number(teams.length)} teams affected</div>
                    </div>
                  </div>
                  <div className="rules">
                    <div className="card scroll">
                      <h2>By rule</h2>
                      <table className="table" data-testid="findings-by-rule">
                        <thead>
                          <tr>
                            <th>Rule</th>
                            <th>Severity</th>
                            <th className="num">Findings</th>
                            <th className="num">Monthly cost</th>
                          </tr>
                        </thead>
                        <tbody>
                          {ruleRows.map((r) => (
                            <tr key={r.ruleId} data-rule={r.ruleId}>
                              <td>
                                <a href={`/governance?rule=${encodeURIComponent(r.ruleId)}`} onClick={(e) => (e.preventDefault(), setRule(r.ruleId))}>
                                  {r.ruleId}
                                </a>
                              </td>
                              <td className={`sev-${r.severity}`}>
                                {r.severity}
                                {r.blocking ? " (blocking)" : ""}
                              </td>
                              <td className="num">{number(r.findings)}</td>
                              <td className="num"><Amounts list={r.cost} /></td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    </div>
                    <div className="card scroll">
                      <h2>By team</h2>
                      <table className="table" data-testid="findings-by-team">
                        <thead>
                          <tr>
                            <th>Team</th>
                            <th className="num">Findings</th>
                            <th className="num">Resources</th>
                            <th className="num">Monthly cost</th>
                          </tr>
                        </thead>
                        <tbody>
                          {teamRows.map((t) => (
                            <tr key={t.team ?? ""} data-team={t.team ?? ""}>
                              <td>{t.team ?? "–"}</td>
                              <td className="num">{number(t.findings)}</td>
                              <td className="num">{number(t.resources)}</td>
                              <td className="num"><Amounts list={t.cost} /></td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    </div>
                  </div>
                  <div className="card scroll">
                    <div className="row space">
                      <h2>
                        Findings{rule ? ` of rule ${rule}` : ""}: showing {number(Math.min(rows, items.length))} of {number(rule ? (ruleRows.find((r) => r.ruleId === rule)?.findings ?? items.length) : sm.findings)}
                        {sm.shown < sm.findings ? ` (the API returns the ${number(sm.shown)} costliest)` : ""}
                      </h2>
                      {rule ? (
                        <span className="chip" data-testid="rule-chip">
                          rule: {rule} <button onClick={() => setRule("")} aria-label="clear the rule filter">✕</button>
                        </span>
                      ) : null}
                    </div>
                    <table className="table small" data-testid="findings-table">
                      <thead>
                        <tr>
                          <th>Severity</th>
                          <th>Rule</th>
                          <th>Resource</th>
                          <th>Team</th>
                          <th>Message</th>
                          <th className="num">Monthly cost</th>
                        </tr>
                      </thead>
                      <tbody>
                        {items.slice(0, rows).map((f, i) => (
                          <tr key={i}>
                            <td className={`sev-${str(f["severity"])}`}>
                              {str(f["severity"])}
                              {f["blocking"] ? " (blocking)" : ""}
                            </td>
                            <td>{str(f["rule_id"])}</td>
                            <td title={str(f["resource_id"])}>{str(f["resource_id"]).split(/[/:]/).pop()}</td>
                            <td>{str(f["team"]) || "–"}</td>
                            <td className="wrap">
                              {str(f["message"])}
                              {f["suggestion"] ? <div className="muted small">suggestion: {str(f["suggestion"])}</div> : null}
                            </td>
                            <td className="num">{f["monthly_cost"] === null ? "–" : <Money amount={str(f["monthly_cost"])} currency={str(f["currency"])} />}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                    {items.length > rows ? (
                      <p>
                        <button onClick={() => setRows((n) => n + PAGE_ROWS)} data-testid="more-findings">
                          Show {number(Math.min(PAGE_ROWS, items.length - rows))} more
                        </button>
                      </p>
                    ) : null}
                  </div>
                </>
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
          const ucur = str(d.items.find((x) => str(x["currency"]))?.["currency"]);
          const option: EChartsOption = {
            color: PALETTE,
            tooltip: { trigger: "axis", valueFormatter: (v) => money(String(v), ucur, { maxDigits: 4 }) },
            legend: { top: 0 },
            grid: { left: 70, right: 20, top: 30, bottom: 30 },
            xAxis: { type: "category", data: periods },
            yAxis: { type: "value", axisLabel: { formatter: (v: number) => money(String(v), ucur) } },
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
                        <td className="num">{number(str(r["units"]).replace(/\.0+$/, ""), (str(r["units"]).split(".")[1] ?? "").replace(/0+$/, "").length)}</td>
                        <td className="num" data-amount={str(r["unitCost"])}>
                          {r["unitCost"] === null ? "–" : money(str(r["unitCost"]), str(r["currency"]), { maxDigits: 4 })}
                        </td>
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
