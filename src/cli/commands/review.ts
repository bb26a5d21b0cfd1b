/**
 * `costwise review`: the monthly FinOps review (spend vs budget and forecast, movers, owners, unit costs, tag
 * coverage, anomalies, recommendations with measured savings, commitments, governance, action items) as Markdown,
 * HTML or PDF; `review items add|list|set` keeps the action items carried from review to review.
 */
import type { Command } from "commander";
import { ACTION_ITEM_STATUSES, REVIEW_FORMATS } from "../../core/review/model.js";
import { lazyAction } from "./lazy-action.js";

export function registerReview(program: Command): void {
  const review = program.command("review").description("the monthly FinOps review (md, html, pdf) and its action items");

  review
    .command("render", { isDefault: true, hidden: true })
    .description("render the review of a month (default: the last complete month)")
    .option("--month <YYYY-MM>", "the month reviewed (default: the bill's last complete month)")
    .option("--format <f>", `${REVIEW_FORMATS.join(" | ")} (default md)`, "md")
    .option("--out <file>", "write to this file (default: stdout for md and html; review-<month>.pdf for pdf)")
    .option("--no-save", "do not keep the review's figures in the store (the dashboard lists kept reviews)")
    .action(lazyAction(() => import("./review-actions.js"), "render"));

  const items = review.command("items").description(`action items: add, list, set (status ${ACTION_ITEM_STATUSES.join(", ")})`);
  items
    .command("add")
    .description("raise an action item in a review month")
    .requiredOption("--title <text>", "what is to be done")
    .requiredOption("--owner <team>", "who does it")
    .requiredOption("--due <YYYY-MM-DD>", "due date")
    .option("--month <YYYY-MM>", "the review month it is raised in (default: the last complete month)")
    .option("--note <text>", "a note")
    .action(lazyAction(() => import("./review-actions.js"), "itemsAdd"));
  items
    .command("list", { isDefault: true })
    .description("list action items (all, or one review month's)")
    .option("--month <YYYY-MM>", "only items raised in this review month")
    .option("--status <s>", `only this status: ${ACTION_ITEM_STATUSES.join(", ")}`)
    .option("--owner <team>", "only this owner")
    .action(lazyAction(() => import("./review-actions.js"), "itemsList"));
  items
    .command("set <id>")
    .description("change an action item's status, owner, due date, title or note")
    .option("--status <s>", ACTION_ITEM_STATUSES.join(" | "))
    .option("--owner <team>", "new owner")
    .option("--due <YYYY-MM-DD>", "new due date")
    .option("--title <text>", "new title")
    .option("--note <text>", "note")
    .action(lazyAction(() => import("./review-actions.js"), "itemsSet"));
}
