/** Sources and freshness: what the store holds per source and billing account, and how recent it is. */
import { api, type Source } from "../api.js";
import { DataTable } from "../components/data-table.js";
import { Card, Page } from "../components/page.js";
import { Async, Empty } from "../components/states.js";
import { useApi } from "../components/use-api.js";
import { number } from "../format.js";

export function SourcesPage() {
  const data = useApi(() => api<Source[]>("/api/v1/sources"), "sources");
  return (
    <Page title="Sources and freshness">
      <Async value={data} what="sources">
        {(s) =>
          s.length === 0 ? (
            <Empty title="The store is empty">Load bills with <code>costwise ingest &lt;files&gt;</code>, or run <code>npm run demo</code>.</Empty>
          ) : (
            <Card scroll>
              <DataTable
                testId="sources-table"
                rows={s}
                rowKey={(_, i) => i}
                columns={[
                  { header: "Source", cell: (x) => x.source },
                  { header: "Billing account", cell: (x) => x.billingAccountName || x.billingAccountId || "–" },
                  { header: "Periods", cell: (x) => `${x.firstPeriod} → ${x.lastPeriod} (${x.periods})` },
                  { header: "Rows", num: true, cell: (x) => (x.rows === null ? "–" : number(x.rows)) },
                  { header: "Billed cost", money: (x) => (x.billedCost === null ? null : { amount: x.billedCost, currency: x.currency }) },
                  { header: "Complete through", cell: (x) => x.lastCompleteDay ?? "–" },
                  { header: "Last ingest", cell: (x) => x.lastIngestAt },
                ]}
              />
            </Card>
          )
        }
      </Async>
    </Page>
  );
}
