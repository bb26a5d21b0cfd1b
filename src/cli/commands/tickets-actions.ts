/**
 * `costwise tickets check|sync|list` (see ./tickets.ts).
 */
import type { Command } from "commander";
import type { TicketsConfig } from "../../core/config/sections/tickets.js";
import { CostwiseError } from "../../core/errors.js";
import { notifyConfigOf } from "../../engine/jobs/jobs.js";
import { assertTicketsConfig, checkTickets } from "../../engine/tickets/check.js";
import { listTickets, syncTickets } from "../../engine/tickets/sync.js";
import { EXIT, globalOptions, setExit, stdio, withStore, type GlobalOptions } from "../context.js";
import { renderTable } from "../table.js";

function ticketsConfig(g: GlobalOptions): TicketsConfig {
  const t = g.workspace.config.tickets;
  if (!t) throw new CostwiseError("BAD_CONFIG", `${g.workspace.file ?? "costwise.yaml"} has no tickets: section (see docs/tickets.md)`);
  return t;
}

export async function ticketsCheck(opts: { offline?: boolean }, cmd: Command) {
  const g = globalOptions(cmd);
  const r = await checkTickets(ticketsConfig(g), { baseDir: g.workspace.baseDir, ...(opts.offline ? { offline: true } : {}) });
  const unreachable = Object.entries(r.unreachable);
  if (g.json) stdio.json({ ok: r.problems.length === 0 && unreachable.length === 0, problems: r.problems, unreachable: r.unreachable });
  else {
    for (const p of r.problems) stdio.out(`problem: ${p.message}`);
    for (const [name, why] of unreachable) stdio.out(`unreachable: tracker ${name}: ${why}`);
    if (r.problems.length === 0 && unreachable.length === 0) stdio.out(`tickets: configuration ok (${Object.keys(ticketsConfig(g).trackers).length} tracker(s), ${ticketsConfig(g).routes.length} route(s))`);
    else if (r.problems.length > 0) stdio.out(`${r.problems.length} problem${r.problems.length === 1 ? "" : "s"} in the tickets: section`);
  }
  if (r.problems.length > 0) setExit(cmd, EXIT.usage);
  else if (unreachable.length > 0) setExit(cmd, EXIT.failure);
}

export async function ticketsSync(opts: { dryRun?: boolean }, cmd: Command) {
  const g = globalOptions(cmd);
  const cfg = ticketsConfig(g);
  // a bad configuration fails before anything is filed, every problem listed
  await assertTicketsConfig(cfg, { baseDir: g.workspace.baseDir, file: g.workspace.file, offline: !!opts.dryRun });
  const r = await withStore(g, (store) => syncTickets(store, cfg, { baseDir: g.workspace.baseDir, dashboardUrl: notifyConfigOf(g.workspace).dashboardUrl, ...(opts.dryRun ? { dryRun: true } : {}) }));
  if (g.json) stdio.json(r);
  else {
    const rows = r.actions.filter((a) => a.action !== "unchanged").map((a) => [a.action, a.key, a.tracker ?? "", a.target ?? "", a.ticket ?? "", a.detail ?? ""]);
    if (rows.length) stdio.out(renderTable(["action", "item", "tracker", "target", "ticket", "detail"], rows));
    stdio.out(
      `${r.dryRun ? "dry run: " : ""}${r.items} item(s): ${r.dryRun ? `would file ${r.actions.filter((a) => a.action === "file").length}, would update ${r.actions.filter((a) => a.action === "update").length}` : `filed ${r.filed}, updated ${r.updated}`}, unchanged ${r.unchanged}, unrouted ${r.unrouted}; ` +
        `${r.statusChanges.length} status change(s), ${r.closed} ticket(s) closed; backlog ${r.pending} pending`,
    );
    for (const [t, why] of Object.entries(r.deferred)) stdio.err(`tracker ${t} deferred to the next run: ${why}`);
  }
  if (Object.keys(r.deferred).length > 0) setExit(cmd, EXIT.failure);
}

export async function ticketsList(opts: { pending?: boolean }, cmd: Command) {
  const g = globalOptions(cmd);
  const rows = await withStore(g, (store) => listTickets(store, opts.pending ? { status: "pending" } : {}));
  if (g.json) return stdio.json({ tickets: rows });
  if (rows.length === 0) return stdio.out(opts.pending ? "no backlog: every item is filed" : "no tickets yet (costwise tickets sync)");
  stdio.out(
    renderTable(
      ["item", "status", "tracker", "ticket", "state", "attempts", "last error / url"],
      rows.map((t) => [t.key, t.status, `${t.tracker} ${t.target}`, t.remote_id ?? "", t.remote_state === "closed" ? `closed (${t.remote_closed_as ?? "?"})` : (t.remote_state ?? ""), String(t.attempts), t.status === "pending" ? (t.last_error ?? "") : (t.remote_url ?? "")]),
    ),
  );
}
