/**
 * `costwise demo`: generate a year of a fictional organisation's AWS and Azure bills, ingest them (and
 * the real FOCUS sample) into a fresh demo store, and print what a FinOps practitioner looks at first.
 * The demo itself is src/demo (full-run.ts); what it prints is demo-report.ts.
 */
import { join, resolve } from "node:path";
import { Command } from "commander";
import type { CostwiseConfig } from "../../core/config/schema.js";
import type { DemoAnalyses } from "../../demo/analyses.js";
import { freshDemoStore, runDemoWithAnalyses, type DemoRun } from "../../demo/full-run.js";
import { DEMO_STORE_FILE } from "../../demo/run-demo.js";
import { DuckDbStore } from "../../engine/store/duckdb/duckdb-store.js";
import { EXIT, backendOf, globalOptions, setExit, stdio, usageError, withStore } from "../context.js";
import { barReporter, commandPrefix, lineReporter, printAnalyses, printDemoAllocation, printSummary } from "./demo-report.js";

interface DemoCliOptions {
  dataDir: string;
  seed: string;
  keepStore?: boolean;
  progress: boolean;
  months?: string;
  scale?: string;
  serve?: boolean;
  port: string;
}

/** The analyses' counts for --json (the allocation is printed whole under `allocation`). */
function analysesJson(a: DemoAnalyses) {
  const { allocation: _allocation, ...rest } = a;
  return rest;
}

/** `npm run demo` ends here: the dashboard on the demo store, until Ctrl-C. */
async function serveDemo(storePath: string, port: number, json: boolean, workspace: { config: CostwiseConfig; baseDir: string } | undefined): Promise<void> {
  const { startServer } = await import("../../server/index.js");
  const { announce, waitForSignal } = await import("./serve-actions.js");
  const store = await DuckDbStore.open(storePath);
  try {
    const running = await startServer(store, { store, host: "127.0.0.1", port, logLevel: "warn", ...(workspace ? { workspace } : {}) });
    announce(running.url, json);
    await waitForSignal();
    await running.close();
  } finally {
    await store.close();
  }
}

function integer(text: string, option: string): number {
  if (!/^-?\d{1,15}$/.test(text.trim())) throw usageError(`${option} takes a whole number, not ${JSON.stringify(text)}`);
  return Number(text.trim());
}

export async function demo(opts: DemoCliOptions, cmd: Command) {
  const g = globalOptions(cmd);
  const seed = integer(opts.seed, "--seed");
  const months = opts.months === undefined ? undefined : integer(opts.months, "--months");
  const scale = opts.scale === undefined ? undefined : Number(opts.scale);
  if (scale !== undefined && !Number.isFinite(scale)) throw usageError(`--scale takes a number, not ${JSON.stringify(opts.scale)}`);
  if (months !== undefined && (months < 1 || months > 60)) throw usageError(`--months takes a whole number from 1 to 60, not ${months}`);

  const dataDir = resolve(opts.dataDir);
  const explicitStore = (cmd.optsWithGlobals() as { store?: string }).store;
  const storePath = resolve(explicitStore ?? join(dataDir, DEMO_STORE_FILE));
  if (!opts.keepStore) await freshDemoStore(storePath, dataDir, explicitStore !== undefined);

  const reporter = g.json ? undefined : Boolean(process.stderr.isTTY) && opts.progress ? barReporter() : lineReporter();
  const t0 = performance.now();
  let run: DemoRun;
  try {
    // a ClickHouse workspace loads the demo bills into ClickHouse; the analyses run on its replica (the demo store)
    run = await withStore({ ...g, store: storePath }, (store) =>
      runDemoWithAnalyses(store, {
        dataDir,
        seed,
        ...(months !== undefined ? { months } : {}),
        ...(scale !== undefined ? { scale } : {}),
        ...(reporter ? { onProgress: reporter.update } : {}),
        ...(backendOf(g) === "clickhouse" ? { clickhouse: g.workspace.config.store!.clickhouse! } : {}),
      }),
    );
  } finally {
    reporter?.stop();
  }
  const totalSeconds = (performance.now() - t0) / 1000;
  const { summary, analyses } = run;

  if (g.json) stdio.json({ ...summary, allocation: analyses.allocation, analyses: analysesJson(analyses) });
  else {
    printSummary(summary, stdio, {
      totalSeconds,
      prefix: commandPrefix(),
      beforeNextSteps: () => {
        printDemoAllocation(analyses.allocation, stdio);
        printAnalyses(analyses, stdio);
      },
    });
  }
  if (!summary.check.loadedEqualsGenerated) {
    stdio.err("error: the loaded demo data does not match what was generated (a bug in costwise, please report it)");
    setExit(cmd, EXIT.failure);
    return;
  }
  const serve = opts.serve ?? (Boolean(process.stdout.isTTY) && !g.json);
  if (serve) await serveDemo(storePath, integer(opts.port, "--port"), g.json, { config: run.config, baseDir: dataDir });
}
