/**
 * `costwise anomalies`: the anomalies recorded by earlier `costwise detect` runs (one row per monitor, series
 * and start day), newest first, with their feedback; and the feedback itself (engine/detect/feedback.ts):
 * `ack <id>`, `expected <id> --reason`, `snooze <monitor> --until [--series]`, `unsnooze <monitor>`, `snoozes`.
 * Feedback is recorded with who gave it: the OS user, or `--by <name>`. While `costwise serve` holds the store, every
 * subcommand goes through it (server/routes/admin.ts `anomalies/...`), with the same engine calls and output.
 */
import type { Command } from "commander";
import type { FeedbackAction } from "../../engine/detect/feedback.js";
import { lazyAction } from "./lazy-action.js";

export function registerAnomalies(program: Command): void {
  const anomalies = program.command("anomalies").description("anomalies recorded by costwise detect (list, ack, expected, snooze, unsnooze, snoozes)");

  anomalies
    .command("list", { isDefault: true })
    .description("list anomalies recorded by costwise detect, newest first, with impact, top contributor and feedback")
    .option("--since <day>", "only anomalies still going on or ending on or after this day")
    .option("--monitor <name>", "only this monitor")
    .option("--alerts", "only anomalies that passed the alert thresholds")
    .option("--limit <n>", "at most n rows (default 100)")
    .action(lazyAction(() => import("./anomalies-actions.js"), "list"));

  const mark = (action: FeedbackAction, name: string, description: string, needsReason: boolean): void => {
    anomalies
      .command(`${name} <id>`)
      .description(description)
      .option("--reason <text>", needsReason ? "why it was expected (required)" : "a note kept with it")
      .option("--by <name>", "who gives the feedback (default: the OS user)")
      .action(async (id: string, opts: { reason?: string; by?: string }, cmd: Command) => (await import("./anomalies-actions.js")).feedback({ action, name, needsReason }, id, opts, cmd));
  };
  mark("ack", "ack", "acknowledge an anomaly (shown with it; recorded with who and when)", false);
  mark("expected", "expected", "mark an anomaly as expected, with a reason: its days leave the detector's baseline", true);

  anomalies
    .command("snooze <monitor>")
    .description("snooze a monitor (or one series of it) until a time: anomalies are still recorded, without alerts")
    .requiredOption("--until <time>", "a date (midnight UTC, e.g. 2026-12-10) or a UTC time (2026-12-10T08:00:00Z)")
    .option("--series <key>", "only this series of the monitor (a service, an account, a team)")
    .option("--reason <text>", "why")
    .option("--by <name>", "who snoozes (default: the OS user)")
    .action(lazyAction(() => import("./anomalies-actions.js"), "snooze"));

  anomalies
    .command("unsnooze <monitor>")
    .description("end a monitor's (or one series') snooze now")
    .option("--series <key>", "the series the snooze was on")
    .option("--by <name>", "who ends it (default: the OS user)")
    .action(lazyAction(() => import("./anomalies-actions.js"), "unsnooze"));

  anomalies
    .command("snoozes")
    .description("snoozes in force (with --all: every snooze recorded, with who ended it)")
    .option("--all", "every snooze, ended ones too")
    .action(lazyAction(() => import("./anomalies-actions.js"), "snoozes"));
}
