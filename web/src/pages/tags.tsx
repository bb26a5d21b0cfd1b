/**
 * Tag coverage: per tag key, the share of a billing month's allocable spend that carries it. Keys are normalized
 * by default (the allocation's aliases, case and account defaults: the `team` row is the tagged-spend KPI, the
 * same number as `costwise kpi` and `costwise report coverage`); `?keys=raw` shows keys as billed. Tax, credits
 * and adjustments are shown apart, outside the denominator.
 */
import { api, type TagCoverage } from "../api.js";
import { DataTable } from "../components/data-table.js";
import { Money } from "../components/money.js";
import { Card, Page } from "../components/page.js";
import { Picker } from "../components/picker.js";
import { Async, Empty } from "../components/states.js";
import { useApi } from "../components/use-api.js";
import { navigate } from "../router.js";

const KEY_MODES = [
  { value: "normalized", label: "normalized (as allocated)" },
  { value: "raw", label: "raw (as billed)" },
];

export function TagsPage({ search }: { search: URLSearchParams }) {
  const month = search.get("month") ?? "";
  const keys = search.get("keys") === "raw" ? "raw" : "normalized";
  const query = new URLSearchParams({ ...(month ? { month } : {}), ...(keys === "raw" ? { keys } : {}) }).toString();
  const data = useApi(() => api<TagCoverage>(`/api/v1/tag-coverage${query ? `?${query}` : ""}`), query);
  const go = (m: string, k: string) => navigate(`/tags?${new URLSearchParams({ month: m, ...(k === "raw" ? { keys: k } : {}) }).toString()}`);
  return (
    <Page title="Tag coverage">
      <Async value={data} what="tag coverage">
        {(t) => {
          if (!t.month) return <Empty title="No cost data yet">Load bills with <code>costwise ingest</code> or run <code>npm run demo</code>.</Empty>;
          return (
            <>
              <div className="toolbar">
                <Picker label="Billing month" value={t.month} options={t.months} onPick={(m) => go(m, keys)} testId="month" />
                <Picker label="Keys" value={t.keyMode} options={KEY_MODES} onPick={(k) => go(t.month!, k)} testId="key-mode" />
                <span>
                  Allocable spend <Money amount={t.total} currency={t.currency} testId="tags-total" />, with no tag at all{" "}
                  <Money amount={t.untagged} currency={t.currency} testId="tags-untagged" />; not allocable (tax, credits, adjustments), apart{" "}
                  <Money amount={t.notAllocable} currency={t.currency} testId="tags-not-allocable" />
                </span>
              </div>
              <Card>
                {t.keys.length === 0 ? (
                  <Empty title="No tags on any cost this month">Tag resources at the provider (and activate the tags as cost allocation tags), then load the next bill.</Empty>
                ) : (
                  <DataTable
                    testId="coverage-table"
                    rows={t.keys}
                    rowKey={(k) => k.key}
                    columns={[
                      { header: "Tag key", cell: (k) => (t.keyMode === "normalized" && t.requiredTags.includes(k.key) ? <strong title="required tag">{k.key}</strong> : k.key) },
                      { header: "Tagged spend", money: (k) => ({ amount: k.tagged, currency: t.currency }) },
                      {
                        header: "Coverage",
                        cell: (k) => (
                          <>
                            <div className="bar" title={`${k.percent ?? "–"}%`}>
                              <div style={{ width: `${Math.max(0, Math.min(100, Number(k.percent ?? 0)))}%` }} />
                            </div>
                            <span className={t.keyMode === "normalized" && t.requiredTags.includes(k.key) && Number(k.percent ?? 0) < t.target ? "pct change up" : "pct"} data-testid={`coverage-${k.key}`}>
                              {k.percent ?? "–"}%
                            </span>
                          </>
                        ),
                      },
                      { header: "Distinct values", num: true, cell: (k) => k.values },
                    ]}
                  />
                )}
              </Card>
              {t.keyMode === "normalized" ? <p className="muted">Required tags in bold; target {t.target}% of allocable spend (docs/kpis.md).</p> : null}
            </>
          );
        }}
      </Async>
    </Page>
  );
}
