/**
 * `costwise recommend savings [--json]`: realized savings measured on the bill — per done recommendation the
 * resource's EffectiveCost per day over N days before vs after the change, the expected saving beside it, per owner
 * and in total (src/engine/optimize/realized-savings.ts, the same function the KPI, the API and the review read).
 */
import type { Command } from "commander";
import { formatMoney, parseMoney } from "../../core/money.js";
import { measureRealizedSavings } from "../../engine/optimize/realized-savings.js";
import { globalOptions, stdio, withStore } from "../context.js";
import { renderTable } from "../table.js";
import { optimizationConfig } from "./recommend-actions.js";

const cents = (m: string | null): string => (m === null ? "" : formatMoney(parseMoney(m), 2));

export async function savings(_opts: unknown, cmd: Command) {
  const g = globalOptions(cmd);
  const r = await withStore(g, (store) => measureRealizedSavings(store, optimizationConfig(g)));
  if (g.json) return stdio.json(r);
  if (r.items.length === 0) return stdio.out("no recommendation marked done yet (costwise recommend done <id>)");
  stdio.out(`realized savings: ${r.windowDays} days of bill before vs after each change, up to ${r.lastCompleteDay ?? "(no bill)"} (the last complete day)`);
  stdio.out(
    renderTable(
      ["id", "resource", "owner", "done", "before/day", "after/day", "measured/month", "expected/month", "status"],
      r.items.map((i) => [
        String(i.id),
        i.resourceId,
        i.owner,
        i.changeDay,
        cents(i.before.perDay),
        cents(i.after.perDay),
        i.measuredMonthlySaving === null ? "" : `${cents(i.measuredMonthlySaving)} ${i.currency}`,
        `${cents(i.expectedMonthlySaving)} ${i.currency}`,
        i.status === "measuring" ? `measuring until ${i.measurableOn}` : i.status,
      ]),
      { rightAlign: [0, 4, 5, 6, 7] },
    ),
  );
  stdio.out("");
  stdio.out(
    renderTable(
      ["owner", "done", "measured", "measuring", "measured/month", "expected (measured ones)", "expected (all done)"],
      [...r.byOwner, ...r.totals.map((t) => ({ ...t, owner: "total" }))].map((x) => [x.owner, String(x.done), String(x.measured), String(x.measuring), `${cents(x.measuredMonthly)} ${x.currency}`, `${cents(x.expectedMonthlyOfMeasured)} ${x.currency}`, `${cents(x.expectedMonthly)} ${x.currency}`]),
      { rightAlign: [1, 2, 3, 4, 5, 6] },
    ),
  );
}
