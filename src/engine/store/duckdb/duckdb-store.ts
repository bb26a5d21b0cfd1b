/**
 * The embedded DuckDB cost store: one file per workspace, created on first use, migrated on open.
 */
import { closeSync, lstatSync, mkdirSync, openSync, readSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { DuckDBConnection, DuckDBInstance, type DuckDBValue } from "@duckdb/node-api";
import { CostwiseError, describeSystemError, systemErrorKind } from "../../../core/errors.js";
import type { CompiledSql, CostStore, Row } from "../cost-store.js";
import { FEATURE_MIGRATIONS_TABLE, FEATURE_TABLES, SCHEMA_MIGRATIONS_TABLE } from "../feature-tables.js";
import { col, readRow, readRows } from "../read-rows.js";
import { MIGRATIONS, SCHEMA_VERSION } from "../schema.js";

export const DEFAULT_STORE_PATH = "./costwise.duckdb";

export interface DuckDbStoreOptions {
  /** DuckDB memory limit, e.g. "4GB" (default: DuckDB's own, 80% of RAM). */
  memoryLimit?: string;
  threads?: number;
  /** Where DuckDB spills when a load is larger than memory (default: next to the store file). */
  tempDirectory?: string;
  readOnly?: boolean;
}

export class DuckDbStore implements CostStore {
  readonly dialect = "duckdb" as const;
  private inTx = false;

  private constructor(
    readonly location: string,
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    /** false for a sibling: closing it closes only its connection. */
    private readonly ownsInstance = true,
  ) {}

  /**
   * Another store object on the same database with its own connection (own transactions), e.g. for scheduled
   * jobs running beside a server. Closing it closes only its connection.
   */
  async sibling(): Promise<DuckDbStore> {
    const c = await this.connect();
    await c.run("SET enable_progress_bar = true");
    await c.run("SET enable_progress_bar_print = false");
    return new DuckDbStore(this.location, this.instance, c, false);
  }

  /** Opens (creating if needed) the store at `path` (":memory:" for a throwaway store) and migrates it. */
  static async open(path: string = DEFAULT_STORE_PATH, options: DuckDbStoreOptions = {}): Promise<DuckDbStore> {
    const location = path === ":memory:" ? path : resolve(path);
    // what is already at the path must be a DuckDB database before DuckDB opens it (DuckDB 1.5 opens a CSV file
    // as a throwaway in-memory database and accepts writes into it)
    if (location !== ":memory:") checkStoreFile(location);
    if (location !== ":memory:") mkdirSync(dirname(location), { recursive: true });
    const config: Record<string, string> = {};
    if (options.memoryLimit) config["memory_limit"] = options.memoryLimit;
    if (options.threads) config["threads"] = String(options.threads);
    if (options.readOnly) config["access_mode"] = "READ_ONLY";
    config["temp_directory"] = options.tempDirectory ?? (location === ":memory:" ? ".tmp-costwise" : `${location}.tmp`);
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(location, config);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      const hint = /lock/i.test(msg) ? " (another costwise process has it open?)" : "";
      throw new CostwiseError("STORE", `cannot open the cost store ${location}${hint}: ${firstLine(msg)}`, { cause: e });
    }
    const connection = await instance.connect();
    const store = new DuckDbStore(location, instance, connection);
    if (location !== ":memory:") {
      try {
        await store.checkIdentity();
      } catch (e) {
        await store.close();
        throw e;
      }
    }
    await connection.run("SET TimeZone = 'UTC'");
    // progress of long statements (ingest) is read from the connection; DuckDB must not print its own bar
    await connection.run("SET enable_progress_bar = true");
    await connection.run("SET enable_progress_bar_print = false");
    if (!options.readOnly) await store.migrate();
    return store;
  }

  /**
   * A DuckDB database that holds tables but no costwise schema is someone else's: refused before any write. An
   * empty database (no tables) becomes a costwise store.
   */
  private async checkIdentity(): Promise<void> {
    const tables = await readRows(
      this,
      { name: col.text },
      "SELECT schema_name || '.' || table_name AS name FROM duckdb_tables() WHERE database_name = current_database() AND NOT temporary ORDER BY 1",
    );
    if (tables.length === 0 || tables.some((t) => t.name === `main.${SCHEMA_MIGRATIONS_TABLE}`)) return;
    const shown = tables.slice(0, 5).map((t) => t.name.replace(/^main\./, ""));
    throw new CostwiseError(
      "BAD_CONFIG",
      `${this.location} is not a costwise store: it is a DuckDB database holding other tables (${shown.join(", ")}${tables.length > 5 ? ", …" : ""}) and no costwise schema; costwise does not write into it (name a new file with --store)`,
    );
  }

  private async migrate(): Promise<void> {
    await this.connection.run(
      `CREATE TABLE IF NOT EXISTS ${SCHEMA_MIGRATIONS_TABLE} (version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMP)`,
    );
    const current = await this.schemaVersion();
    if (current > SCHEMA_VERSION) {
      throw new CostwiseError(
        "STORE",
        `the store ${this.location} has schema version ${current}, newer than this costwise (${SCHEMA_VERSION}); upgrade costwise`,
      );
    }
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      await this.transaction(async () => {
        for (const s of m.statements) await this.connection.run(s);
        await this.connection.run(`INSERT INTO ${SCHEMA_MIGRATIONS_TABLE} VALUES ($1, $2, now()::TIMESTAMP)`, [m.version, m.description]);
      });
    }
    await this.connection.run(
      `CREATE TABLE IF NOT EXISTS ${FEATURE_MIGRATIONS_TABLE} (feature VARCHAR, version INTEGER, description VARCHAR, applied_at TIMESTAMP, PRIMARY KEY (feature, version))`,
    );
    const applied = new Set(
      (await readRows(this, { k: col.text }, `SELECT feature || ':' || version AS k FROM ${FEATURE_MIGRATIONS_TABLE}`)).map((r) => r.k),
    );
    for (const { feature, migrations } of FEATURE_TABLES) {
      for (const m of migrations) {
        if (applied.has(`${feature}:${m.version}`)) continue;
        await this.transaction(async () => {
          for (const s of m.statements) await this.connection.run(s);
          await this.connection.run(`INSERT INTO ${FEATURE_MIGRATIONS_TABLE} VALUES ($1, $2, $3, now()::TIMESTAMP)`, [feature, m.version, m.description]);
        });
      }
    }
  }

  async schemaVersion(): Promise<number> {
    const row = await readRow(this, { v: col.int }, `SELECT coalesce(max(version), 0)::INTEGER AS v FROM ${SCHEMA_MIGRATIONS_TABLE}`);
    return row?.v ?? 0;
  }

  async all(q: CompiledSql | string): Promise<Row[]> {
    const { sql, params } = typeof q === "string" ? { sql: q, params: [] } : q;
    const reader = await this.connection.runAndReadAll(sql, params as DuckDBValue[]);
    return reader.getRowObjectsJson() as Row[];
  }

  async run(q: CompiledSql | string): Promise<void> {
    const { sql, params } = typeof q === "string" ? { sql: q, params: [] } : q;
    await this.connection.run(sql, params as DuckDBValue[]);
  }

  statementProgress(): number {
    const p = this.connection.progress.percentage;
    return p >= 0 ? p / 100 : -1;
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inTx) return fn(); // nested: part of the outer transaction
    await this.connection.run("BEGIN TRANSACTION");
    this.inTx = true;
    try {
      const out = await fn();
      await this.connection.run("COMMIT");
      return out;
    } catch (e) {
      try {
        await this.connection.run("ROLLBACK");
      } catch {
        // the transaction may already be aborted; the original error is what matters
      }
      // out of space: the commit wrote nothing the store keeps (DuckDB writes the WAL at commit)
      const space = systemErrorKind(e);
      if (space === "disk-full" || space === "quota") {
        throw new CostwiseError("STORE", `${describeSystemError(space)} while writing ${this.location}; the store is unchanged (the transaction was rolled back): free some space and try again`, {
          location: { file: this.location },
          cause: e,
        });
      }
      throw e;
    } finally {
      this.inTx = false;
    }
  }

  /** Another connection to the same database, e.g. for concurrent readers (costwise serve); close it yourself. */
  async connect(): Promise<DuckDBConnection> {
    const c = await this.instance.connect();
    await c.run("SET TimeZone = 'UTC'");
    return c;
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    if (this.ownsInstance) this.instance.closeSync();
  }
}

/** DuckDB's file magic: "DUCK" at byte offset 8 of the main database file (measured on DuckDB 1.5). */
const DUCKDB_MAGIC = "DUCK";
const MAGIC_OFFSET = 8;

/**
 * Refuses a path that holds something other than a DuckDB database (a CSV, an empty file, random bytes, a folder),
 * before DuckDB opens it and before any write. A missing path is fine: the store is created there.
 */
export function checkStoreFile(location: string): void {
  let isDir: boolean;
  let size: number;
  try {
    lstatSync(location);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    if ((e as NodeJS.ErrnoException).code === "ELOOP") throw notAStore(location, "it is a symlink loop");
    throw new CostwiseError("STORE", `cannot open the cost store ${location}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const st = statSync(location);
    isDir = st.isDirectory();
    size = st.size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ELOOP") throw notAStore(location, "it is a symlink loop");
    if (code === "ENOENT") throw notAStore(location, "it is a dangling symlink");
    throw new CostwiseError("STORE", `cannot open the cost store ${location}: ${(e as Error).message}`, { cause: e });
  }
  if (isDir) throw notAStore(location, "it is a folder (name a file inside it, e.g. costwise.duckdb)");
  if (size === 0) throw notAStore(location, "it is an empty file (delete it, or name a new file, to create a store)");
  const head = Buffer.alloc(16); // the magic, and enough to say what the file is instead
  let got = 0;
  const fd = openSync(location, "r");
  try {
    got = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (got < MAGIC_OFFSET + DUCKDB_MAGIC.length || head.toString("latin1", MAGIC_OFFSET, MAGIC_OFFSET + DUCKDB_MAGIC.length) !== DUCKDB_MAGIC) {
    throw notAStore(location, `it does not start like a DuckDB database file${describeHead(head.subarray(0, got))}`);
  }
}

function notAStore(location: string, why: string): CostwiseError {
  return new CostwiseError("BAD_CONFIG", `${location} is not a costwise store (DuckDB database): ${why}; nothing was written`, {
    location: { file: location },
  });
}

/** A hint at what the file is instead: text, SQLite, Parquet, gzip. */
function describeHead(head: Buffer): string {
  const latin = head.toString("latin1");
  if (latin.startsWith("SQLite format")) return " (it is a SQLite database)";
  if (latin.startsWith("PAR1")) return " (it is a Parquet file)";
  if (head[0] === 0x1f && head[1] === 0x8b) return " (it is a gzip file)";
  if (head.length > 0 && head.every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f))) return " (it is a text file, e.g. a CSV)";
  return "";
}

function firstLine(s: string): string {
  return s.split("\n")[0] ?? s;
}
