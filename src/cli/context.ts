/**
 * What every CLI command shares: global options, opening the store, output helpers and exit codes.
 */
import type { Command } from "commander";
import { CostwiseError, describeSystemError, isCostwiseError, systemErrorKind } from "../core/errors.js";
import { redactSecrets } from "../core/redact.js";
import { resolve } from "node:path";
import { loadConfig, type LoadedConfig } from "../engine/config/load-config.js";
import type { ReplicaSyncResult } from "../engine/store/clickhouse/analysis-replica.js";
import type { CostStore } from "../engine/store/cost-store.js";
import type { AnalysisStore } from "../engine/store/cost-store.js";
import { findAdminEndpoint } from "../engine/auth/admin-endpoint.js";
import { DEFAULT_STORE_PATH } from "./commands/option-values.js";
import { servingServer } from "./remote.js";

// The store modules (DuckDB's and ClickHouse's clients) are imported where a store is opened, not up front:
// every command imports this file, and a command that opens no store (policy check, validate…) must not pay
// for loading them (src/cli/help.test.ts checks it).
const duckDbModule = () => import("../engine/store/duckdb/duckdb-store.js");
const clickHouseModule = () => import("../engine/store/clickhouse/clickhouse-store.js");

/** Exit codes: CI can gate on them. */
export const EXIT = { ok: 0, failure: 1, usage: 2, findings: 3 } as const;

export interface GlobalOptions {
  store: string;
  json: boolean;
  memoryLimit?: string;
  /** costwise.yaml as loaded (defaults when the file does not exist). */
  workspace: LoadedConfig;
}

/**
 * Reads the global options from any (sub)command, and the workspace config (--config, $COSTWISE_CONFIG or
 * ./costwise.yaml). Store path precedence: --store, $COSTWISE_STORE, config `store.path`, ./costwise.duckdb.
 */
export function globalOptions(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals() as { store?: string; json?: boolean; memoryLimit?: string; config?: string };
  const workspace = loadConfig(o.config);
  const storeConfig = workspace.config.store;
  const configured = storeConfig?.path ? resolve(workspace.baseDir, storeConfig.path) : undefined;
  const memoryLimit = o.memoryLimit ?? storeConfig?.memoryLimit;
  return {
    store: o.store ?? process.env["COSTWISE_STORE"] ?? configured ?? DEFAULT_STORE_PATH,
    json: Boolean(o.json),
    ...(memoryLimit ? { memoryLimit } : {}),
    workspace,
  };
}

/** The configured backend ("duckdb" unless costwise.yaml says `store.backend: clickhouse`). */
export function backendOf(opts: GlobalOptions): "duckdb" | "clickhouse" {
  return opts.workspace.config.store?.backend ?? "duckdb";
}

/**
 * Opens the workspace's store, whichever backend it is, for commands that only need the `CostStore`
 * interface (queries, sources). Commands that need DuckDB itself use `withStore`.
 */
export async function withCostStore<T>(opts: GlobalOptions, fn: (store: CostStore) => Promise<T>): Promise<T> {
  if (backendOf(opts) === "duckdb") return withStore(opts, fn);
  const { openClickHouseFromConfig } = await clickHouseModule();
  const store = await openClickHouseFromConfig(opts.workspace.config.store!.clickhouse!);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/**
 * Opens the embedded DuckDB store the analyses run on. On a ClickHouse workspace this is the workspace's analysis
 * replica (the same DuckDB file, holding the analyses' state): it is brought in step with ClickHouse, partition by
 * partition, before `fn` runs (see engine/store/clickhouse/analysis-replica.ts).
 */
export async function withStore<T>(opts: GlobalOptions, fn: (store: AnalysisStore) => Promise<T>, o: { syncReplica?: boolean } = {}): Promise<T> {
  const { DuckDbStore } = await duckDbModule();
  const store = await DuckDbStore.open(opts.store, opts.memoryLimit ? { memoryLimit: opts.memoryLimit } : {}).catch((e: unknown) => {
    throw heldByServer(opts.store, e);
  });
  try {
    if (backendOf(opts) === "clickhouse" && o.syncReplica !== false) await syncFromClickHouse(opts, store);
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** An operation the server runs for the CLI when it holds the store: its local admin route and request body. */
export interface ServerOp {
  op: string;
  body: unknown;
}

/**
 * Runs `local` on the store (as `withStore`), or, while `costwise serve` holds that store, asks the server to run
 * the same operation (`remote`; cli/remote.ts, server/routes/admin.ts) and returns its answer: both paths give the
 * command the same value, so its output and exit code are the same. What the server's work logged goes to stderr
 * (not with --json), as the command's own log would.
 */
export async function withStoreOrServer<T>(opts: GlobalOptions, remote: ServerOp, local: (store: AnalysisStore) => Promise<T>, o: { syncReplica?: boolean } = {}): Promise<T> {
  const server = await servingServer(opts.store);
  if (server) return server.call<T>(remote.op, remote.body, (line) => (opts.json ? undefined : stdio.err(line)));
  return withStore(opts, local, o);
}

/** The workspace a forwarded command runs with: the costwise.yaml this CLI found (else the server's own). */
export function workspaceRef(opts: GlobalOptions): { config: string | null; cwd: string } {
  return { config: opts.workspace.file ?? null, cwd: process.cwd() };
}

/** A store that would not open while a live `costwise serve` holds it: say so, and what works beside it. */
function heldByServer(store: string, e: unknown): unknown {
  const found = findAdminEndpoint(store);
  if (found.kind !== "live") return e;
  return new CostwiseError(
    "STORE",
    `the store ${store} is held by a running costwise serve (pid ${found.endpoint.pid}); this command does not go through the server ` +
      "(ingest, allocate, run, token, sources and query do): run it while the server is stopped",
    { cause: e },
  );
}

/** Brings a ClickHouse workspace's analysis replica in step; says what it copied on stderr (not with --json). */
export async function syncFromClickHouse(opts: GlobalOptions, local: AnalysisStore): Promise<ReplicaSyncResult> {
  const [{ openClickHouseFromConfig }, { replicaOptionsOf, syncReplica }] = await Promise.all([clickHouseModule(), import("../engine/store/clickhouse/analysis-replica.js")]);
  const ch = await openClickHouseFromConfig(opts.workspace.config.store!.clickhouse!);
  try {
    const r = await syncReplica(ch, local, replicaOptionsOf(opts.workspace.config.store!.clickhouse));
    if (!opts.json && (r.copied > 0 || r.removed > 0)) {
      stdio.err(`analysis replica: ${r.copied} billing partition(s) copied from ClickHouse (${r.rows.toLocaleString("en")} rows)${r.removed > 0 ? `, ${r.removed} removed` : ""} in ${r.seconds.toFixed(1)} s`);
    }
    return r;
  } finally {
    await ch.close();
  }
}

/** Refuses a command that writes line items into the embedded store on a ClickHouse workspace. */
export function requireEmbeddedCosts(opts: GlobalOptions, what: string): void {
  if (backendOf(opts) === "clickhouse") {
    throw new CostwiseError(
      "BAD_CONFIG",
      `${what} writes line items into the embedded DuckDB store, but this workspace's costwise.yaml selects store.backend: clickhouse ` +
        "(ClickHouse is the system of record there: load files with `costwise ingest`; see docs/clickhouse.md)",
    );
  }
}

export interface Output {
  out(line?: string): void;
  err(line?: string): void;
  json(value: unknown): void;
}

export const stdio: Output = {
  out: (line = "") => process.stdout.write(`${line}\n`),
  err: (line = "") => process.stderr.write(`${line}\n`),
  json: (value) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
};

/** Prints an error for a person (or as JSON) and returns the exit code. Stack traces only for bugs. */
export function reportError(e: unknown, json: boolean, output: Output = stdio): number {
  if (isCostwiseError(e)) {
    const code = e.code === "USAGE" || e.code === "BAD_CONFIG" || e.code === "BAD_QUERY" ? EXIT.usage : EXIT.failure;
    if (json) output.json({ error: JSON.parse(JSON.stringify(e.toJSON()), (_k, v: unknown) => (typeof v === "string" ? redactSecrets(v) : v)) });
    else {
      output.err(`error: ${redactSecrets(e.message)}`);
      if (!e.isUserError && e.cause instanceof Error && process.env["COSTWISE_DEBUG"]) output.err(e.cause.stack);
    }
    return code;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  // out of space, no permission, a read-only disk: the machine's failure, said as such (not "a bug in costwise")
  const system = systemErrorKind(err);
  if (system) {
    const message = redactSecrets(`${describeSystemError(system)}: ${err.message.split("\n")[0]}`);
    if (json) output.json({ error: { code: "STORE", message } });
    else output.err(`error: ${message}`);
    return EXIT.failure;
  }
  if (json) output.json({ error: { code: "INTERNAL", message: redactSecrets(err.message) } });
  else {
    output.err(`internal error (a bug in costwise, please report it): ${redactSecrets(err.message)}`);
    output.err(redactSecrets(err.stack ?? ""));
  }
  return EXIT.failure;
}

export function usageError(message: string): CostwiseError {
  return new CostwiseError("USAGE", message);
}

/** Lets a command's action choose the exit code (e.g. 3 when findings are present). */
export function setExit(cmd: Command, code: number): void {
  (cmd as Command & { exitCodeOverride?: number }).exitCodeOverride = code;
}
