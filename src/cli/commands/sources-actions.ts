/**
 * `costwise sources`: what is loaded, per source and billing account, with freshness (the last complete
 * billing day), and per configured source (costwise.yaml) its last sync.
 */
import type { Command } from "commander";
import { trimMoney } from "../../core/money.js";
import { configuredSources, listSources, type ConfiguredSourceStatus } from "../../engine/store/sources.js";
import { globalOptions, stdio, withStoreOrServer } from "../context.js";
import { renderTable } from "../table.js";

/** source types that load no cost rows (account names, business metrics) */
const NO_COST_ROWS = new Set(["aws-organizations", "metrics"]);

function configuredTable(rows: readonly ConfiguredSourceStatus[]): string {
  return renderTable(
    ["configured source", "type", "last sync", "status", "rows held", "last complete day", "result"],
    rows.map((s) => [
      s.configured ? s.name : `${s.name} (no longer configured)`,
      s.type,
      s.lastSyncAt ?? "never",
      s.lastStatus ?? "",
      NO_COST_ROWS.has(s.type) ? "-" : String(s.rows),
      s.lastCompleteDay ?? "",
      s.lastMessage ?? "",
    ]),
    { rightAlign: [4] },
  );
}

export async function sources(opts: { configured?: boolean }, cmd: Command) {
  const g = globalOptions(cmd);
  const configured = (g.workspace.config.sources ?? []).map((s) => ({ name: s.name, type: s.type }));
  const configuredOnly = Boolean(opts.configured);
  const { sources, bySource } = await withStoreOrServer(g, { op: "sources", body: { configuredOnly, configured } }, async (store) => ({
    sources: configuredOnly ? [] : await listSources(store),
    bySource: await configuredSources(store, configured),
  }));
  if (opts.configured) {
    if (g.json) return stdio.json(bySource);
    if (bySource.length === 0) return stdio.out("no sources are configured: list them under sources: in costwise.yaml");
    return stdio.out(configuredTable(bySource));
  }
  if (g.json) return stdio.json(sources);
  if (sources.length === 0) stdio.out("the store is empty: load bills with `costwise ingest <files>` or `costwise sync`");
  else {
    stdio.out(
      renderTable(
        ["source", "billing account", "periods", "first period", "last period", "rows", "billed cost", "currency", "last complete day", "last ingest", "synced by"],
        sources.map((s) => [
          s.source,
          s.billingAccountName && s.billingAccountName !== s.billingAccountId ? `${s.billingAccountId} (${s.billingAccountName})` : s.billingAccountId,
          String(s.periods),
          s.firstPeriod,
          s.lastPeriod,
          String(s.rows),
          trimMoney(s.billedCost),
          s.currency,
          s.lastCompleteDay ?? "",
          s.lastIngestAt,
          s.configuredSources.join(", "),
        ]),
        { rightAlign: [2, 5, 6] },
      ),
    );
  }
  if (bySource.length > 0) {
    stdio.out("");
    stdio.out(configuredTable(bySource));
  }
}
