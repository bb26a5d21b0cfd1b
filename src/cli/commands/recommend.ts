/**
 * `costwise recommend`: optimization recommendations as data — run the analysis, list (table, --json, CSV),
 * show one with its history, change status (accept, dismiss --reason, done, reopen), realized savings.
 */
import type { Command } from "commander";
import { RECOMMENDATION_STATUSES, RECOMMENDATION_TYPES, type RecommendationStatus } from "../../core/optimize/recommendation-model.js";
import { lazyAction } from "./lazy-action.js";

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), ...value.split(",").map((v) => v.trim()).filter(Boolean)];

export function registerRecommend(program: Command): void {
  const rec = program
    .command("recommend")
    .description("optimization recommendations: rightsizing, idle and orphaned resources, Savings Plans (run, list, accept, dismiss, done)");

  rec
    .command("list", { isDefault: true })
    .description("list recommendations, largest monthly saving first (open, accepted, dismissed, done; resolved ones with --all)")
    .option("--status <s>", `filter by status: ${RECOMMENDATION_STATUSES.join(", ")} (repeatable or comma-separated)`, collect)
    .option("--type <t>", `filter by type: ${RECOMMENDATION_TYPES.join(", ")} (repeatable or comma-separated)`, collect)
    .option("--owner <team>", "only this owner")
    .option("--all", "include recommendations the latest run no longer found")
    .option("--format <f>", "table | csv (default table; --json for JSON)")
    .action(lazyAction(() => import("./recommend-actions.js"), "list"));

  rec
    .command("run")
    .description("analyse stored utilization, inventory and the bill; create or refresh recommendations (status and history are kept)")
    .option("--profile <name>", "rightsizing profile (built-in: compute-optimizer, average-threshold; default optimization.rightsizing.profile)")
    .option("--as-of <date>", "end of the lookback window (default now)")
    .option("--no-savings-plans", "skip the Savings Plan purchase simulation")
    .action(lazyAction(() => import("./recommend-actions.js"), "run"));

  rec
    .command("show <id>")
    .description("one recommendation (id or key) with its reason, risks, figures and status history")
    .action(lazyAction(() => import("./recommend-actions.js"), "show"));

  const status = (name: string, to: RecommendationStatus, description: string, needsReason: boolean): void => {
    const c = rec.command(`${name} <id>`).description(description);
    c.option("--reason <text>", needsReason ? "why (required)" : "a note kept in the history");
    c.action(async (id: string, opts: { reason?: string }, cmd: Command) => (await import("./recommend-actions.js")).setStatus({ name, to, needsReason }, id, opts, cmd));
  };
  status("accept", "accepted", "accept a recommendation (it will be acted on)", false);
  status("dismiss", "dismissed", "dismiss a recommendation, with a reason (kept dismissed by later runs)", true);
  status("done", "done", "mark a recommendation as done (its realized saving is measured from later bills)", false);
  status("reopen", "open", "set a recommendation back to open", false);

  rec
    .command("realized")
    .description("savings realized by done recommendations: monthly cost before vs the bill since it was done")
    .action(lazyAction(() => import("./recommend-actions.js"), "realized"));

  rec
    .command("savings")
    .description("realized savings measured on the bill: EffectiveCost per day N days before vs after each done recommendation, per owner and total")
    .action(lazyAction(() => import("./recommend-savings.js"), "savings"));
}
