/**
 * `costwise notifications`: the outbox — what was sent to whom, what is waiting or failed, and the alert latency.
 */
import type { Command } from "commander";
import { lazyAction } from "./lazy-action.js";

const STATUSES = ["pending", "sending", "sent", "failed", "digested"];

export function registerNotifications(program: Command): void {
  program
    .command("notifications")
    .description("delivery status of alerts, summaries and digests (the outbox), newest first")
    .option("--status <s>", STATUSES.join(" | "))
    .option("--team <team>", "only this team's")
    .option("--limit <n>", "at most n rows", "50")
    .action(lazyAction(() => import("./notifications-actions.js"), "notifications"));
}
