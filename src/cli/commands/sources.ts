/**
 * `costwise sources`: what is loaded, per source and billing account.
 */
import type { Command } from "commander";
import { trimMoney } from "../../core/money.js";
import { listSources } from "../../engine/store/sources.js";
import { globalOptions, stdio, withStore } from "../context.js";
import { renderTable } from "../table.js";

export function registerSources(program: Command): void {
  program
    .command("sources")
    .description("what is loaded: per source and billing account, the periods, row counts, cost and last complete day")
    .action(async (_opts: unknown, cmd: Command) => {
      const g = globalOptions(cmd);
      const sources = await withStore(g, (store) => listSources(store));
      if (g.json) return stdio.json(sources);
      if (sources.length === 0) return stdio.out("the store is empty: load bills with `costwise ingest <files>`");
      stdio.out(
        renderTable(
          ["source", "billing account", "periods", "first period", "last period", "rows", "billed cost", "currency", "last complete day", "last ingest"],
          sources.map((s) => [s.source, s.billingAccountId, String(s.periods), s.firstPeriod, s.lastPeriod, String(s.rows), trimMoney(s.billedCost), s.currency, s.lastCompleteDay ?? "", s.lastIngestAt]),
          { rightAlign: [2, 5, 6] },
        ),
      );
    });
}
