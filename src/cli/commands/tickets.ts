/**
 * `costwise tickets check|sync|list`: tickets in GitHub Issues and Jira Cloud for what owners should act on
 * (the `tickets:` section; docs/tickets.md). `check` lists every problem of the configuration (routes, tokens,
 * repositories, projects); `sync` files new tickets, updates changed ones and reads their state back (the
 * `tickets` job does the same on a schedule); `list` shows every ticket and the backlog still waiting.
 */
import type { Command } from "commander";
import { lazyAction } from "./lazy-action.js";

export function registerTickets(program: Command): void {
  const tickets = program.command("tickets").description("tickets in GitHub Issues / Jira Cloud for recommendations, findings, anomalies and expiries, with their status flowing back");
  tickets
    .command("check")
    .description("check the tickets: section: every problem at once (unknown tracker or repo, missing token env var, bad project key, refused token)")
    .option("--offline", "only the checks that need no network")
    .addHelpText("after", "\nExit 0 when all is well, 2 when the configuration has problems, 1 when a tracker cannot be reached.\n")
    .action(lazyAction(() => import("./tickets-actions.js"), "ticketsCheck"));
  tickets
    .command("sync")
    .description("file new tickets, update the ones whose figures changed, read every ticket's state back (done, won't do, reopened)")
    .option("--dry-run", "show what would be filed and updated; call no tracker, write nothing")
    .addHelpText("after", "\nExamples:\n  costwise tickets sync --dry-run\n  costwise --json tickets sync\n")
    .action(lazyAction(() => import("./tickets-actions.js"), "ticketsSync"));
  tickets
    .command("list")
    .description("every ticket costwise filed, and the backlog waiting for its tracker")
    .option("--pending", "only the backlog (items not yet filed, with the last error)")
    .action(lazyAction(() => import("./tickets-actions.js"), "ticketsList"));
}
