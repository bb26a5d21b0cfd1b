/** Sources and freshness: what the store holds per source and billing account, and how recent it is. */
import { api, type Source } from "../api.js";
import { DataTable } from "../components/data-table.js";
import { Card, Page } from "../components/page.js";
import { Async, Empty } from "../components/states.js";
import { useApi } from "../components/use-api.js";
import { number } from "../format.js";

/**
 * What tells a row apart from the other rows of the same source: its billing account (name and id), and the
 * costwise.yaml sources that loaded it. A source listed once needs no more than its name.
 */
export function whichOf(x: Source, all: readonly Source[]): string {
  const account = x.billingAccountName && x.billingAccountId && x.billingAccountName !== x.billingAccountId ? `${x.billingAccountName} (${x.billingAccountId})` : x.billingAccountName || x.billingAccountId || "";
  const via = x.configuredSources?.length ? `loaded by ${x.configuredSources.join(", ")}` : "";
  const parts = [account ? `billing account ${account}` : "", via].filter(Boolean);
  if (parts.length) return parts.join(", ");
  return all.filter((y) => y.source === x.source).length > 1 ? "rows without a billing account" : "";
}

export function SourcesPage() {
  const data = useApi(() => api<Source[]>("/api/v1/sources"), "sources");
  return (
    <Page title="Sources and freshness">
      <Async value={data} what="sources">
        {(s) => {
          if (s.length === 0) {
            return (
              <Empty title="The store is empty">
                Load bills with <code>costwise ingest &lt;files&gt;</code>, configure a source in costwise.yaml and run <code>costwise sync</code>, or run <code>npm run demo</code>.
              </Empty>
            );
          }
          const repeated = [...new Set(s.map((x) => x.source))].filter((src) => s.filter((x) => x.source === src).length > 1);
          return (
            <Card scroll>
              {repeated.length ? (
                <p className="muted small" data-testid="sources-repeated">
                  {repeated.map((src) => `"${src}" is listed ${s.filter((x) => x.source === src).length} times`).join("; ")}: once per billing account its files carry, each with its own freshness.
                </p>
              ) : null}
              <DataTable
                testId="sources-table"
                rows={s}
                rowKey={(x, i) => `${x.source}\u0000${x.billingAccountId ?? i}`}
                row={(x) => ({ data: { "data-source": x.source, "data-account": x.billingAccountId ?? "" } })}
                columns={[
                  { header: "Source", cell: (x) => x.source },
                  { header: "Which", className: "wrap", data: () => ({ "data-testid": "source-which" }), cell: (x) => whichOf(x, s) || "–" },
                  { header: "Periods", cell: (x) => (x.firstPeriod ? `${x.firstPeriod} → ${x.lastPeriod} (${x.periods})` : "no billing period on the rows") },
                  { header: "Rows", num: true, cell: (x) => (x.rows === null ? "–" : number(x.rows)) },
                  { header: "Billed cost", money: (x) => (x.billedCost === null ? null : { amount: x.billedCost, currency: x.currency }) },
                  { header: "Complete through", cell: (x) => x.lastCompleteDay ?? "–" },
                  { header: "Last charge", cell: (x) => x.lastChargeAt ?? "–" },
                  { header: "Last ingest", cell: (x) => x.lastIngestAt || "–" },
                ]}
              />
            </Card>
          );
        }}
      </Async>
    </Page>
  );
}
