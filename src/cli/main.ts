/**
 * The `costwise` command line. Each command lives in its own file under ./commands and registers
 * itself here.
 *
 * Start-up is kept cheap: a command's file under ./commands holds only its definition (name, options,
 * arguments, help text) and imports its implementation (./commands/<name>-actions.ts, which loads DuckDB,
 * the AWS SDK, Fastify… as it needs them) with `await import()` when the command runs (./commands/lazy-action.ts).
 * So `--help`, `--version` and `<command> --help` load only commander and these definitions, and a command
 * loads only what it uses. This file must not import ./context.js statically either (it opens stores): the
 * error path imports it when an error is reported. src/cli/help.test.ts checks both.
 */
import { Command, CommanderError } from "commander";
import { registerAnomalies } from "./commands/anomalies.js";
import { registerBudget } from "./commands/budget.js";
import { registerForecast } from "./commands/forecast.js";
import { registerAllocate } from "./commands/allocate.js";
import { registerClickHouse } from "./commands/clickhouse.js";
import { registerCommitments } from "./commands/commitments.js";
import { registerDetect } from "./commands/detect.js";
import { registerDemo } from "./commands/demo.js";
import { registerIngest } from "./commands/ingest.js";
import { registerKpi } from "./commands/kpi.js";
import { registerNotifications } from "./commands/notifications.js";
import { registerRun } from "./commands/run.js";
import { registerJobs } from "./commands/jobs.js";
import { registerMappings } from "./commands/mappings.js";
import { registerMcp } from "./commands/mcp.js";
import { registerMetrics } from "./commands/metrics.js";
import { registerOpenCost } from "./commands/opencost.js";
import { registerPolicy } from "./commands/policy.js";
import { registerEstimate } from "./commands/estimate.js";
import { registerPrCheck } from "./commands/pr-check.js";
import { registerQuery } from "./commands/query.js";
import { registerRecommend } from "./commands/recommend.js";
import { registerReview } from "./commands/review.js";
import { registerReport } from "./commands/report.js";
import { registerServe } from "./commands/serve.js";
import { registerSources } from "./commands/sources.js";
import { registerSync } from "./commands/sync.js";
import { registerTickets } from "./commands/tickets.js";
import { registerToken } from "./commands/token.js";
import { registerUtilization } from "./commands/utilization.js";
import { registerValidate } from "./commands/validate.js";
import { exportFocusArgv, registerExport } from "./commands/export.js";

/** EXIT.ok and EXIT.usage of ./context.ts, which this file does not import up front (see above). */
const EXIT_OK = 0;
const EXIT_USAGE = 2;

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("costwise")
    .description("FinOps platform: cloud bills into a FOCUS cost store; allocate, govern, optimize, detect, alert, serve")
    .version("0.1.0")
    .option("--config <file>", "workspace config (env COSTWISE_CONFIG; default ./costwise.yaml if present)")
    .option("--store <path>", "cost store file (env COSTWISE_STORE; default store.path in config, else ./costwise.duckdb)", undefined)
    .option("--json", "machine-readable JSON output", false)
    .option("--memory-limit <size>", "DuckDB memory limit, e.g. 4GB (larger loads spill to disk)")
    .showHelpAfterError()
    .exitOverride();
  registerIngest(program);
  registerSources(program);
  registerSync(program);
  registerQuery(program);
  registerValidate(program);
  registerExport(program);
  registerMappings(program);
  registerOpenCost(program);
  registerMetrics(program);
  registerAllocate(program);
  registerReport(program);
  registerPolicy(program);
  registerEstimate(program);
  registerPrCheck(program);
  registerUtilization(program);
  registerRecommend(program);
  registerReview(program);
  registerCommitments(program);
  registerDemo(program);
  registerServe(program);
  registerMcp(program);
  registerToken(program);
  registerDetect(program);
  registerAnomalies(program);
  registerForecast(program);
  registerBudget(program);
  registerRun(program);
  registerJobs(program);
  registerNotifications(program);
  registerTickets(program);
  registerKpi(program);
  registerClickHouse(program);
  for (const c of program.commands) c.exitOverride();
  return program;
}

/** Runs the CLI; returns the process exit code (0 ok, 1 failure, 2 usage, 3 findings). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  let exitCode: number = EXIT_OK;
  // commands set this through the action's return (see setExit)
  program.hook("postAction", (_this, action) => {
    const code = (action as Command & { exitCodeOverride?: number }).exitCodeOverride;
    if (code !== undefined) exitCode = code;
  });
  try {
    await program.parseAsync(exportFocusArgv(argv));
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return EXIT_OK;
      return EXIT_USAGE;
    }
    const { reportError } = await import("./context.js");
    return reportError(e, argv.includes("--json"));
  }
}
