/** Governance: the latest policy scan's findings, by rule and by team, with what the non-compliant resources cost. */
import { api, type Findings } from "../api.js";
import { DataTable } from "../components/data-table.js";
import { Link } from "../components/link.js";
import { Amounts } from "../components/money.js";
import { Card, Page } from "../components/page.js";
import { ShowMore, usePaging } from "../components/show-more.js";
import { Empty, WhenAvailable } from "../components/states.js";
import { Tile, Tiles } from "../components/tiles.js";
import { useApi } from "../components/use-api.js";
import { number, sumDecimals } from "../format.js";
import { focusAttrs, navigate, useScrollToFocus } from "../router.js";

/** Amounts per currency (null currency: resources without cost rows), summed exactly. */
function perCurrency(rows: { currency: string | null; monthlyCost: string }[]): { currency: string | null; amount: string }[] {
  const by = new Map<string | null, string[]>();
  for (const r of rows) by.set(r.currency, [...(by.get(r.currency) ?? []), r.monthlyCost]);
  return [...by].filter(([c]) => c !== null).map(([currency, xs]) => ({ currency, amount: sumDecimals(xs) }));
}

const ruleUrl = (r: string) => (r ? `/governance?rule=${encodeURIComponent(r)}` : "/governance");

export function GovernancePage({ search }: { search?: URLSearchParams }) {
  const data = useApi(() => api<Findings>("/api/v1/governance/findings"), "findings");
  const rule = search?.get("rule") ?? "";
  // `?finding=<id>` (the links in governance alerts): that finding's row is shown, highlighted and scrolled to
  const focus = search?.get("finding") ?? null;
  const [rows, more] = usePaging();
  useScrollToFocus(focus, data.state === "ok");
  return (
    <Page title="Governance findings">
      <WhenAvailable value={data} what="findings" missing="governance findings">
        {(d) => {
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
          const items = rule ? d.items.filter((f) => f.rule_id === rule) : d.items;
          return (
            <>
              {d.scan ? (
                <p className="muted" data-testid="scan-line">
                  Latest scan {d.scan.scanned_at.replace("T", " ").replace("Z", " UTC")} ({d.scan.origin}): {number(d.scan.checked)} resources checked,{" "}
                  {number(d.scan.compliant)} compliant, {number(d.scan.findings)} findings, {number(d.scan.blocking)} blocking.
                </p>
              ) : null}
              {focus && !items.some((f) => f.finding_id === focus) ? (
                <p className="muted" data-testid="focus-missing">
                  Finding {focus} is not {rule ? `among rule ${rule}'s findings` : "in the latest scan"}: fixed since, or not among the findings shown.
                </p>
              ) : null}
              {sm.findings === 0 ? (
                <Empty title="No findings in the latest scan">Every resource checked complies with the policy.</Empty>
              ) : (
                <>
                  <Tiles>
                    <Tile label="Findings" value={number(sm.findings)} valueAttrs={{ "data-testid": "findings-count", "data-value": sm.findings }} sub={`${number(blocking)} blocking`} />
                    <Tile
                      label="Monthly cost of non-compliant resources"
                      value={<Amounts list={perCurrency(sm.byTeam.map((t) => ({ currency: t.currency, monthlyCost: t.monthlyCost })))} testId="findings-cost" />}
                      sub={`${number(sm.byTeam.reduce((a, t) => a + t.resources, 0))} resources, each counted once (last 30 days of the bill)`}
                    />
                    <Tile label="Rules broken" value={number(rules.length)} sub={`${number(teams.length)} teams affected`} />
                  </Tiles>
                  <div className="rules">
                    <Card scroll title="By rule">
                      <DataTable
                        testId="findings-by-rule"
                        rows={ruleRows}
                        rowKey={(r) => r.ruleId}
                        row={(r) => ({ data: { "data-rule": r.ruleId } })}
                        columns={[
                          { header: "Rule", cell: (r) => <Link to={ruleUrl(r.ruleId)}>{r.ruleId}</Link> },
                          { header: "Severity", className: (r) => `sev-${r.severity}`, cell: (r) => `${r.severity}${r.blocking ? " (blocking)" : ""}` },
                          { header: "Findings", num: true, cell: (r) => number(r.findings) },
                          { header: "Monthly cost", num: true, cell: (r) => <Amounts list={r.cost} /> },
                        ]}
                      />
                    </Card>
                    <Card scroll title="By team">
                      <DataTable
                        testId="findings-by-team"
                        rows={teamRows}
                        rowKey={(t) => t.team ?? ""}
                        row={(t) => ({ data: { "data-team": t.team ?? "" } })}
                        columns={[
                          { header: "Team", cell: (t) => t.team ?? "–" },
                          { header: "Findings", num: true, cell: (t) => number(t.findings) },
                          { header: "Resources", num: true, cell: (t) => number(t.resources) },
                          { header: "Monthly cost", num: true, cell: (t) => <Amounts list={t.cost} /> },
                        ]}
                      />
                    </Card>
                  </div>
                  <Card scroll>
                    <div className="row space">
                      <h2>
                        Findings{rule ? ` of rule ${rule}` : ""}: showing {number(Math.min(rows, items.length))} of {number(rule ? (ruleRows.find((r) => r.ruleId === rule)?.findings ?? items.length) : sm.findings)}
                        {sm.shown < sm.findings ? ` (the API returns the ${number(sm.shown)} costliest)` : ""}
                      </h2>
                      {rule ? (
                        <span className="chip" data-testid="rule-chip">
                          rule: {rule} <button onClick={() => navigate(ruleUrl(""))} aria-label="clear the rule filter">✕</button>
                        </span>
                      ) : null}
                    </div>
                    <DataTable
                      small
                      testId="findings-table"
                      rows={items.slice(0, Math.max(rows, focus ? items.findIndex((f) => f.finding_id === focus) + 1 : 0))}
                      rowKey={(_, i) => i}
                      row={(f) => {
                        const a = focusAttrs(f.finding_id === focus);
                        return { className: a.className, data: { "data-finding-id": f.finding_id, ...a.data } };
                      }}
                      columns={[
                        {
                          header: "Severity",
                          className: (f) => `sev-${f.severity}`,
                          cell: (f) => `${f.severity}${f.blocking ? " (blocking)" : ""}`,
                        },
                        { header: "Rule", cell: (f) => f.rule_id },
                        { header: "Resource", title: (f) => f.resource_id, cell: (f) => f.resource_id.split(/[/:]/).pop() },
                        { header: "Team", cell: (f) => f.team || "–" },
                        {
                          header: "Message",
                          className: "wrap",
                          cell: (f) => (
                            <>
                              {f.message}
                              {f.suggestion ? <div className="muted small">suggestion: {f.suggestion}</div> : null}
                            </>
                          ),
                        },
                        { header: "Monthly cost", money: (f) => (f.monthly_cost === null ? null : { amount: f.monthly_cost, currency: f.currency }) },
                      ]}
                    />
                    <ShowMore shown={rows} total={items.length} onMore={more} testId="more-findings" />
                  </Card>
                </>
              )}
            </>
          );
        }}
      </WhenAvailable>
    </Page>
  );
}
