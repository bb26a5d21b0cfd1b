/**
 * The ClickHouse cost store: the scale-out backend (issue 10). The embedded DuckDB store stays the default.
 *
 * Layout, per shard server (one replica each here; replication is a deployment choice, see docs/clickhouse.md):
 *   focus_costs_local    MergeTree, PARTITION BY (x_Source, BillingAccountId, billing month): the replacement
 *                        unit of a re-delivered bill, the same unit the DuckDB store replaces
 *   focus_costs_staging  same structure; an ingest fills it, then swaps partitions in with REPLACE PARTITION
 *   focus_costs          Distributed over the cluster (what queries read); a VIEW when there is one server
 *   focus_costs_daily / _monthly (+ _local, _staging)   rollups maintained at ingest, same partitions (./rollup.ts)
 *   loaded_files / ingest_runs   bookkeeping on the first shard only
 *
 * ClickHouse has no multi-statement transactions: `transaction(fn)` only runs `fn`. Atomicity of an ingest
 * comes from staging + `REPLACE PARTITION` (atomic per shard), see ./ingest.ts. Queries are rendered with
 * inlined, escaped literals (18.16 has no server-side parameters): see `clickhouseLiteral` in core/query/compile.
 *
 * Compatibility: only SQL that Debian's 18.16 and current releases both accept. Money is Decimal(38,10);
 * 18.16 prints Decimal128 sums above ~10^24 wrongly, far beyond any bill. Tags are `Nested(key, value)`
 * (Map does not exist in 18.16). DateTime has second precision (FOCUS timestamps are whole seconds).
 */
import { ClickHouseLogLevel, createClient, type ClickHouseClient, type Logger } from "@clickhouse/client";
import type { Readable } from "node:stream";
import { CostwiseError } from "../../../core/errors.js";
import { redactSecrets, redactUrl } from "../../../core/redact.js";
import type { CompiledSql, CostStore, Row } from "../cost-store.js";
import { COST_TABLE, COST_TABLE_COLUMNS, DERIVED_COLUMNS, LOADED_TABLE, RUNS_TABLE, MONEY_SQL_TYPE } from "../schema.js";
import { clickhouseLiteral } from "../../../core/query/compile.js";
import type { CostQuery } from "../../../core/query/cost-query.js";
import { col, decodeRows } from "../read-rows.js";
import { CH_ROLLUP_COUNT_COLUMN, ROLLUP_GRAINS, rollupCreateSql, rollupFillSql, rollupFor, rollupTables } from "./rollup.js";

export interface ClickHouseOptions {
  /** HTTP URL of each shard's server (one per shard). */
  urls: string[];
  /** Cluster name in the servers' remote_servers config; required with more than one URL. */
  cluster?: string;
  database?: string;
  user?: string;
  password?: string;
}

/** Rows per block when streaming FOCUS rows into a shard (bounds the server's memory per insert). */
export const INSERT_BLOCK_ROWS = 100_000;

export const CH_LOCAL = `${COST_TABLE}_local`;
export const CH_STAGING = `${COST_TABLE}_staging`;
export const CH_LOADED_STAGING = `${LOADED_TABLE}_staging`;

/**
 * The partition: the replacement unit `<x_Source>|<BillingAccountId>|<yyyymm of BillingPeriodStart>`, kept in a
 * plain column `x_Partition` that the ingest fills. (18.16 crashes with a segfault when a partition key is an
 * expression over several Nullable string columns; a plain String column works on every version.)
 */
export const CH_PARTITION_COLUMN = "x_Partition";

/** ClickHouse type for a cost-table column type. */
export function clickhouseType(sqlType: string): string {
  if (sqlType === MONEY_SQL_TYPE) return "Nullable(Decimal(38, 10))";
  switch (sqlType) {
    case "VARCHAR":
    case "JSON":
      return "Nullable(String)";
    case "TIMESTAMP":
      return "Nullable(DateTime('UTC'))";
    case "MAP(VARCHAR, VARCHAR)":
      return "Nested(key String, value String)";
    default:
      throw new CostwiseError("INTERNAL", `no ClickHouse type for ${sqlType}`);
  }
}

function costColumnsDdl(): string {
  return [`"${CH_PARTITION_COLUMN}" String`, ...COST_TABLE_COLUMNS.map((c) => `"${c.name}" ${clickhouseType(c.sqlType)}`)].join(",\n  ");
}

export class ClickHouseStore implements CostStore {
  readonly dialect = "clickhouse" as const;
  readonly location: string;

  private constructor(
    readonly options: Required<Pick<ClickHouseOptions, "urls" | "database">> & ClickHouseOptions,
    readonly shards: ClickHouseClient[],
  ) {
    this.location = options.urls.join(",");
  }

  static async open(options: ClickHouseOptions): Promise<ClickHouseStore> {
    if (options.urls.length === 0) throw new CostwiseError("BAD_CONFIG", "store.clickhouse.urls: give at least one server URL");
    if (options.urls.length > 1 && !options.cluster) {
      throw new CostwiseError("BAD_CONFIG", "store.clickhouse.cluster: a cluster name (from the servers' remote_servers config) is required with more than one URL");
    }
    const database = options.database ?? "costwise";
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new CostwiseError("BAD_CONFIG", `store.clickhouse.database: "${database}" is not a plain identifier`);
    if (options.cluster !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(options.cluster)) {
      throw new CostwiseError("BAD_CONFIG", `store.clickhouse.cluster: "${options.cluster}" is not a plain identifier`);
    }
    const admin = options.urls.map((url) => client(url, options, undefined));
    try {
      for (const [i, c] of admin.entries()) {
        const url = options.urls[i]!;
        const shard = options.urls.length > 1 ? ` (shard ${i + 1})` : "";
        // ping first: it asks nothing of the credentials, so an unreachable server is told apart from a refused user
        const ping = await c.ping();
        if (!ping.success) throw connectionError(ping.error, url, options, shard);
        try {
          await c.command({ query: `CREATE DATABASE IF NOT EXISTS "${database}"` });
        } catch (e) {
          throw connectionError(e, url, options, shard);
        }
      }
    } finally {
      await Promise.all(admin.map((c) => c.close()));
    }
    const store = new ClickHouseStore({ ...options, database }, options.urls.map((url) => client(url, options, database)));
    await store.migrate();
    return store;
  }

  private async migrate(): Promise<void> {
    const db = this.options.database;
    const local = `CREATE TABLE IF NOT EXISTS "${CH_LOCAL}" (\n  ${costColumnsDdl()}\n) ENGINE = MergeTree PARTITION BY "${CH_PARTITION_COLUMN}"
      ORDER BY (toDate(ifNull("ChargePeriodStart", toDateTime(0, 'UTC'))), ifNull("ServiceName", ''), ifNull("ResourceId", ''))`;
    const loaded = (name: string) => `CREATE TABLE IF NOT EXISTS "${name}" (
        partition String, source String, billing_account_id String, billing_period_start DateTime('UTC'), delivery_id String, file String,
        ingest_id String, currency Nullable(String), rows UInt64, billed_cost Nullable(Decimal(38, 10)),
        effective_cost Nullable(Decimal(38, 10)), first_charge Nullable(DateTime('UTC')), last_charge Nullable(DateTime('UTC')),
        loaded_at DateTime('UTC')
      ) ENGINE = MergeTree PARTITION BY partition ORDER BY (source, billing_account_id, billing_period_start)`;
    for (const shard of this.shards) {
      await shard.command({ query: local });
      await shard.command({ query: `CREATE TABLE IF NOT EXISTS "${CH_STAGING}" AS "${CH_LOCAL}"` });
      if (this.options.cluster) {
        await shard.command({
          query: `CREATE TABLE IF NOT EXISTS "${COST_TABLE}" AS "${CH_LOCAL}" ENGINE = Distributed(${this.options.cluster}, ${db}, ${CH_LOCAL}, cityHash64(ifNull("ResourceId", '')))`,
        });
      } else {
        await shard.command({ query: `CREATE VIEW IF NOT EXISTS "${COST_TABLE}" AS SELECT * FROM "${CH_LOCAL}"` });
      }
    }
    for (let i = 0; i < this.shards.length; i++) await this.addMissingCostColumns(i);
    for (let i = 0; i < this.shards.length; i++) await this.migrateRollups(i);
    const first = this.shards[0]!;
    await first.command({ query: loaded(LOADED_TABLE) });
    await first.command({ query: loaded(CH_LOADED_STAGING) });
    await first.command({
      query: `CREATE TABLE IF NOT EXISTS "${RUNS_TABLE}" (ingest_id String, started_at DateTime('UTC'), finished_at DateTime('UTC'), source String,
        files String, partitions String, rows_loaded UInt64, rows_replaced UInt64, source_total Decimal(38, 10), loaded_total Decimal(38, 10),
        replaced_total Decimal(38, 10), currency_totals String) ENGINE = MergeTree ORDER BY (started_at, ingest_id)`,
    });
  }

  /**
   * Cost columns added to the schema after a store was created (e.g. x_CommitmentDiscountEndTime, migration 4 of
   * ../schema.ts): appended, in schema order, to the local, staging and served tables of one shard, so the staging
   * table keeps the local table's structure (partitions move between them). With one server the served table is a
   * VIEW, whose columns are fixed when it is created: it is created again when columns were added.
   */
  private async addMissingCostColumns(shard: number): Promise<void> {
    const c = this.shards[shard]!;
    const tables = [CH_LOCAL, CH_STAGING, ...(this.options.cluster ? [COST_TABLE] : [])];
    let added = false;
    for (const table of tables) {
      const have = new Set(
        decodeRows({ name: col.text }, await this.allOn(shard, `SELECT name FROM system.columns WHERE database = currentDatabase() AND table = ${clickhouseLiteral(table)}`)).map((r) => r.name),
      );
      for (const column of COST_TABLE_COLUMNS) {
        // Tags is Nested: ClickHouse lists it as Tags.key and Tags.value
        if (have.has(column.name) || have.has(`${column.name}.key`)) continue;
        await c.command({ query: `ALTER TABLE "${table}" ADD COLUMN "${column.name}" ${clickhouseType(column.sqlType)}` });
        added = true;
        // rows loaded before the column existed get what can be derived (the same SQL as the DuckDB migration)
        const derived = DERIVED_COLUMNS.find((d) => d.column === column.name);
        if (derived && table === CH_LOCAL) {
          await c.command({ query: `ALTER TABLE "${table}" UPDATE "${column.name}" = ${derived.sql} WHERE "${column.name}" IS NULL` });
          await this.mutationsDone(shard, table);
        }
      }
    }
    if (added && !this.options.cluster) {
      await c.command({ query: `DROP TABLE IF EXISTS "${COST_TABLE}"` });
      await c.command({ query: `CREATE VIEW "${COST_TABLE}" AS SELECT * FROM "${CH_LOCAL}"` });
    }
  }

  /** Waits until the table's mutations (ALTER ... UPDATE) on one shard are done: the servers run them in the background. */
  private async mutationsDone(shard: number, table: string): Promise<void> {
    const deadline = Date.now() + 300_000;
    for (;;) {
      // (system.mutations of older servers has no failure reason column: a failing mutation shows as not done)
      const [r] = decodeRows({ n: col.int }, await this.allOn(shard, `SELECT count() AS n FROM system.mutations WHERE database = currentDatabase() AND table = ${clickhouseLiteral(table)} AND is_done = 0`));
      if (!r || r.n === 0) return;
      if (Date.now() > deadline) throw new CostwiseError("STORE", `ClickHouse has not finished filling a new column of ${table} after 5 minutes`);
      await new Promise((done) => setTimeout(done, 100));
    }
  }

  /**
   * The rollup tables on one shard (see ./rollup.ts). A store whose line items predate the rollups gets them
   * built from its line items here, into a side table renamed into place when complete, so a rollup table
   * either does not exist or holds every partition.
   */
  private async migrateRollups(shard: number): Promise<void> {
    const c = this.shards[shard]!;
    for (const grain of ROLLUP_GRAINS) {
      const t = rollupTables(grain);
      const exists = decodeRows({ n: col.int }, await this.allOn(shard, `SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = ${clickhouseLiteral(t.local)}`));
      if ((exists[0]?.n ?? 0) === 0) {
        const build = `${t.local}_build`;
        await c.command({ query: `DROP TABLE IF EXISTS "${build}"` });
        await c.command({ query: rollupCreateSql(build, CH_PARTITION_COLUMN, clickhouseType) });
        const source = grain === "daily" ? CH_LOCAL : rollupTables("daily").local;
        await this.runOn(shard, rollupFillSql(grain, build, source, CH_PARTITION_COLUMN));
        await c.command({ query: `RENAME TABLE "${build}" TO "${t.local}"` });
      }
      await c.command({ query: `CREATE TABLE IF NOT EXISTS "${t.staging}" AS "${t.local}"` });
      if (this.options.cluster) {
        await c.command({
          query: `CREATE TABLE IF NOT EXISTS "${t.table}" AS "${t.local}" ENGINE = Distributed(${this.options.cluster}, ${this.options.database}, ${t.local}, cityHash64("${CH_PARTITION_COLUMN}"))`,
        });
      } else {
        await c.command({ query: `CREATE VIEW IF NOT EXISTS "${t.table}" AS SELECT * FROM "${t.local}"` });
      }
    }
  }

  /**
   * Where a typed query is answered from: the coarsest rollup table that answers it exactly (see
   * `rollupFor`), or undefined for the line items. `runCostQuery` asks this when not told a table.
   */
  costQueryTable(query: CostQuery): { table: string; lineItemsColumn: string } | undefined {
    const grain = rollupFor(query);
    return grain === undefined ? undefined : { table: rollupTables(grain).table, lineItemsColumn: CH_ROLLUP_COUNT_COLUMN };
  }

  async schemaVersion(): Promise<number> {
    return 1;
  }

  /** Runs a query on the first shard (the Distributed table fans out). Rows as the DuckDB store gives them. */
  async all(q: CompiledSql | string): Promise<Row[]> {
    return this.allOn(0, q);
  }

  async allOn(shard: number, q: CompiledSql | string): Promise<Row[]> {
    const text = renderInline(q);
    if (process.env["COSTWISE_CH_TRACE"]) process.stderr.write(`[ch ${shard}] ${text.slice(0, 300)}\n`);
    try {
      const rs = await this.shards[shard]!.query({ query: text, format: "TabSeparatedWithNamesAndTypes" });
      return parseTsvWithTypes(await rs.text());
    } catch (e) {
      throw storeError(e, text, this.options, this.options.urls[shard]);
    }
  }

  async run(q: CompiledSql | string): Promise<void> {
    return this.runOn(0, q);
  }

  async runOn(shard: number, q: CompiledSql | string): Promise<void> {
    const text = renderInline(q);
    if (process.env["COSTWISE_CH_TRACE"]) process.stderr.write(`[ch ${shard}] ${text.slice(0, 300)}\n`);
    try {
      await this.shards[shard]!.command({ query: text });
    } catch (e) {
      throw storeError(e, text, this.options, this.options.urls[shard]);
    }
  }

  async runOnEachShard(q: CompiledSql | string): Promise<void> {
    for (let i = 0; i < this.shards.length; i++) await this.runOn(i, q);
  }

  /** Streams newline-delimited JSON rows into `table` on one shard. */
  async insertJsonEachRow(shard: number, table: string, stream: Readable): Promise<void> {
    try {
      // raw bytes, not objects: the file DuckDB wrote goes to the server as-is. Blocks of 100k rows: FOCUS rows are
      // wide (~1.7 kB as JSON), and the default block of 1M rows needs more than a 4 GB per-query memory limit.
      const res = await this.shards[shard]!.exec({
        query: `INSERT INTO "${table}" FORMAT JSONEachRow`,
        values: stream,
        clickhouse_settings: { max_insert_block_size: String(INSERT_BLOCK_ROWS) },
      });
      res.stream.resume();
      await new Promise<void>((done, fail) => {
        res.stream.on("end", done).on("error", fail);
      });
    } catch (e) {
      throw storeError(e, `INSERT INTO ${table}`, this.options, this.options.urls[shard]);
    }
  }

  /** No multi-statement transactions in ClickHouse: runs `fn`. Ingest atomicity comes from partition replacement. */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    return fn();
  }

  async close(): Promise<void> {
    await Promise.all(this.shards.map((c) => c.close()));
  }
}

/**
 * The client's own logger, silenced: its default one prints warnings with the failed request's details and a stack
 * trace on stderr (a server that echoes request headers puts the Basic credential there). Failures reach the user
 * once, as the CostwiseError `connectionError` / `storeError` make of them, redacted.
 */
class SilentLogger implements Logger {
  trace(): void {}
  debug(): void {}
  info(): void {}
  warn(): void {}
  error(): void {}
}

function client(url: string, o: ClickHouseOptions, database: string | undefined): ClickHouseClient {
  return createClient({
    url,
    log: { LoggerClass: SilentLogger, level: ClickHouseLogLevel.OFF },
    ...(database ? { database } : {}),
    ...(o.user ? { username: o.user } : {}),
    ...(o.password ? { password: o.password } : {}),
    request_timeout: 300_000,
    // progress headers keep long inserts/queries alive through proxies (both settings exist since 1.1)
    clickhouse_settings: { send_progress_in_http_headers: 1, http_headers_progress_interval_ms: "10000" },
  });
}

/** A CompiledSql with its parameters inlined as escaped ClickHouse literals (`?` placeholders, in order). */
export function renderInline(q: CompiledSql | string): string {
  if (typeof q === "string") return q;
  if (q.params.length === 0) return q.sql;
  let i = 0;
  const out = q.sql.replace(/\?/g, () => {
    if (i >= q.params.length) throw new CostwiseError("INTERNAL", "more placeholders than parameters");
    return clickhouseLiteral(q.params[i++]!);
  });
  if (i !== q.params.length) throw new CostwiseError("INTERNAL", "more parameters than placeholders");
  return out;
}

/** ClickHouse error codes for a refused user: UNKNOWN_USER, WRONG_PASSWORD, REQUIRED_PASSWORD, AUTHENTICATION_FAILED. */
const AUTH_ERROR_CODES = new Set(["192", "193", "194", "516"]);
const AUTH_TEXT = /Authentication failed|Wrong password|password is incorrect|Unknown user|Required password|\b401\b|Unauthori[sz]ed/i;
const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "the connection was reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found (DNS lookup failed)",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "no answer (timed out)",
};

/** The first line of a client error's message with every secret of `o` (and anything shaped like one) redacted. */
function safeMessage(e: unknown, o: ClickHouseOptions): string {
  const msg = e instanceof Error ? e.message : String(e);
  return redactSecrets(msg.split("\n")[0] ?? "", { secrets: [o.password], user: o.user ?? "default" });
}

/**
 * A failure to connect or authenticate as the user can act on it: "cannot reach ClickHouse at <url>: connection
 * refused" or "ClickHouse at <url> refused the credentials for user X (HTTP 401)", never the request's headers,
 * the password or the client's stack (no `cause` is kept: its message may echo the headers). Anything else is a
 * store error, redacted.
 */
export function connectionError(e: unknown, url: string, o: ClickHouseOptions, shard = ""): CostwiseError {
  const where = redactUrl(url);
  const err = e as { code?: unknown; type?: unknown; message?: unknown };
  const code = typeof err?.code === "string" ? err.code : "";
  const network = NETWORK_CODES[code] ?? (/timeout/i.test(String(err?.message ?? "")) ? "no answer (timed out)" : undefined);
  if (network) return new CostwiseError("REMOTE", `cannot reach ClickHouse at ${where}${shard}: ${network}`, { details: { url: where, code } });
  if (AUTH_ERROR_CODES.has(code) || AUTH_TEXT.test(String(err?.message ?? ""))) {
    return new CostwiseError(
      "BAD_CONFIG",
      `ClickHouse at ${where}${shard} refused the credentials for user "${o.user ?? "default"}" (HTTP 401)` +
        `: check store.clickhouse.user and the password in the variable store.clickhouse.passwordEnv names`,
      { details: { url: where, user: o.user ?? "default" } },
    );
  }
  return new CostwiseError("REMOTE", `ClickHouse at ${where}${shard} failed: ${safeMessage(e, o)}`, { details: { url: where } });
}

function storeError(e: unknown, sqlText: string, o: ClickHouseOptions, url: string | undefined): CostwiseError {
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err?.code === "string" ? err.code : "";
  if (url && (NETWORK_CODES[code] || AUTH_ERROR_CODES.has(code))) return connectionError(e, url, o);
  return new CostwiseError("STORE", `ClickHouse: ${safeMessage(e, o)}`, {
    cause: new Error(safeMessage(e, o)),
    details: { sql: redactSecrets(sqlText.slice(0, 500)) },
  });
}

// ─── TabSeparatedWithNamesAndTypes → rows (exact: decimals and 64-bit integers stay strings) ──────────

const TSV_ESCAPES: Record<string, string> = { b: "\b", f: "\f", r: "\r", n: "\n", t: "\t", "0": "\0", "'": "'", "\\": "\\", "\"": "\"" };

function unescapeTsv(field: string): string {
  if (!field.includes("\\")) return field;
  return field.replace(/\\(.)/g, (_, c: string) => TSV_ESCAPES[c] ?? c);
}

function convert(raw: string, type: string): unknown {
  let t = type;
  if (t.startsWith("Nullable(")) {
    if (raw === "\\N") return null;
    t = t.slice(9, -1);
  }
  if (/^(Decimal|UInt64|Int64|UInt128|Int128|UInt256|Int256)/.test(t)) return unescapeTsv(raw);
  if (/^(U?Int(8|16|32)|Float(32|64))$/.test(t)) return Number(raw);
  return unescapeTsv(raw);
}

export function parseTsvWithTypes(text: string): Row[] {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  if (lines.length < 2) return [];
  const names = lines[0]!.split("\t").map(unescapeTsv);
  const types = lines[1]!.split("\t").map(unescapeTsv);
  const rows: Row[] = [];
  for (let i = 2; i < lines.length; i++) {
    const fields = lines[i]!.split("\t");
    const row: Row = {};
    names.forEach((n, j) => {
      row[n] = convert(fields[j] ?? "", types[j] ?? "String");
    });
    rows.push(row);
  }
  return rows;
}

/** Opens the ClickHouse store a costwise.yaml `store.clickhouse` section describes (password from its env var). */
export async function openClickHouseFromConfig(c: { urls: string[]; cluster?: string | undefined; database: string; user?: string | undefined; passwordEnv?: string | undefined }): Promise<ClickHouseStore> {
  let password: string | undefined;
  if (c.passwordEnv) {
    password = process.env[c.passwordEnv];
    if (password === undefined) throw new CostwiseError("BAD_CONFIG", `store.clickhouse.passwordEnv: the environment variable ${c.passwordEnv} is not set`);
  }
  return ClickHouseStore.open({
    urls: c.urls,
    database: c.database,
    ...(c.cluster ? { cluster: c.cluster } : {}),
    ...(c.user ? { user: c.user } : {}),
    ...(password !== undefined ? { password } : {}),
  });
}
