/**
 * `costwise demo` without the terminal: the demo store made fresh, the bills generated and loaded, every analysis
 * run. The CLI command parses options, opens the store, shows progress and prints the result.
 *
 *  1. `freshDemoStore`: the demo store is deleted so every run starts empty, except a store the user named that
 *     holds cost data other than the demo's (files outside the data folder, other than the FOCUS sample): that one
 *     is never touched (usage error);
 *  2. `runDemoWithAnalyses`: the bills are generated and ingested (run-demo.ts); a ClickHouse workspace loads them
 *     into ClickHouse and brings the analysis replica (the demo store) in step after each load;
 *  3. then every analysis the dashboard shows, through the real engine (analyses.ts): allocation, anomalies, budgets
 *     and forecasts (a demo costwise.yaml beside the store), recommendations, commitments, a governance scan.
 */
import { existsSync, rmSync } from "node:fs";
import { basename, sep } from "node:path";
import type { CostwiseConfig } from "../core/config/schema.js";
import type { StoreConfig } from "../core/config/sections/store.js";
import { CostwiseError } from "../core/errors.js";
import { ingestToClickHouse } from "../engine/ingest/sinks/clickhouse.js";
import { displayPath } from "../engine/ingest/files.js";
import type { IngestOptions } from "../engine/ingest/ingest.js";
import { replicaOptionsOf, syncReplica } from "../engine/store/clickhouse/analysis-replica.js";
import { openClickHouseFromConfig } from "../engine/store/clickhouse/clickhouse-store.js";
import type { AnalysisStore } from "../engine/store/cost-store.js";
import { DuckDbStore } from "../engine/store/duckdb/duckdb-store.js";
import { runDemoAnalyses, type DemoAnalyses } from "./analyses.js";
import { defaultFocusSamplePath, query, runDemo, type DemoSummary, type RunDemoOptions } from "./run-demo.js";

/**
 * Deletes the demo store so the run starts empty. A store named with --store (`explicit`) that holds anything other
 * than demo data (files outside the data folder, other than the FOCUS sample) is left alone: usage error.
 */
export async function freshDemoStore(path: string, dataDir: string, explicit: boolean): Promise<void> {
  if (!existsSync(path)) return;
  if (explicit) {
    let foreign: string[];
    try {
      const store = await DuckDbStore.open(path, { readOnly: true });
      try {
        const r = await query(store, { metric: "BilledCost", groupBy: ["x_SourceFile"] });
        const sample = defaultFocusSamplePath();
        const mine = (f: string): boolean => f.startsWith(dataDir + sep) || f === sample || basename(f) === "focus_sample.csv";
        foreign = r.rows.map((row) => row["x_SourceFile"] ?? "").filter((f) => !mine(f));
      } finally {
        await store.close();
      }
    } catch (e) {
      throw new CostwiseError("USAGE", `${path} is not a costwise demo store (${e instanceof Error ? e.message.split("\n")[0] : String(e)}); the demo starts from an empty store: give a new --store path`, { cause: e });
    }
    if (foreign.length > 0) {
      throw new CostwiseError(
        "USAGE",
        `the store ${displayPath(path)} holds cost data that is not the demo's (e.g. ${displayPath(foreign[0]!)}); the demo re-creates its store, ` +
          `so it will not touch this one: give a new --store path, or --keep-store to add the demo data to it`,
      );
    }
  }
  for (const p of [path, `${path}.wal`, `${path}.tmp`]) rmSync(p, { recursive: true, force: true });
}

export interface DemoRunOptions extends Omit<RunDemoOptions, "ingest" | "dataDir"> {
  dataDir: string;
  /** A ClickHouse workspace's connection: the bills land in ClickHouse, `store` is its analysis replica. */
  clickhouse?: NonNullable<StoreConfig["clickhouse"]>;
}

export interface DemoRun {
  summary: DemoSummary;
  analyses: DemoAnalyses;
  /** The demo's workspace config (also written as costwise.yaml in the data folder). */
  config: CostwiseConfig;
}

/** Generates and loads the demo bills into `store` (through ClickHouse for a ClickHouse workspace), then runs the analyses. */
export async function runDemoWithAnalyses(store: AnalysisStore, options: DemoRunOptions): Promise<DemoRun> {
  const { clickhouse, ...demo } = options;
  const warehouse = clickhouse ? await openClickHouseFromConfig(clickhouse) : undefined;
  try {
    const summary = await runDemo(store, {
      ...demo,
      ...(warehouse
        ? {
            ingest: async (paths: string[], o: IngestOptions) => {
              const r = await ingestToClickHouse(warehouse, paths, o);
              await syncReplica(warehouse, store, replicaOptionsOf(clickhouse));
              return r;
            },
          }
        : {}),
    });
    const { analyses, config } = await runDemoAnalyses(store, summary, { configDir: demo.dataDir });
    return { summary, analyses, config };
  } finally {
    await warehouse?.close();
  }
}
