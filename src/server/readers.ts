/**
 * Concurrent readers for the HTTP server: a small pool of DuckDB connections on the store's database,
 * each a `CostStore` of its own (so `runCostQuery`'s snapshot transaction never interleaves with another
 * request's on the same connection).
 */
import type { DuckDBConnection, DuckDBValue } from "@duckdb/node-api";
import type { CompiledSql, CostStore, Row } from "../engine/store/cost-store.js";
import type { DuckDbStore } from "../engine/store/duckdb-store.js";

class ConnectionStore implements CostStore {
  readonly dialect = "duckdb" as const;
  private inTx = false;
  constructor(
    readonly location: string,
    private readonly connection: DuckDBConnection,
  ) {}

  async all(q: CompiledSql | string): Promise<Row[]> {
    const { sql, params } = typeof q === "string" ? { sql: q, params: [] } : q;
    const reader = await this.connection.runAndReadAll(sql, params as DuckDBValue[]);
    return reader.getRowObjectsJson() as Row[];
  }

  async run(q: CompiledSql | string): Promise<void> {
    const { sql, params } = typeof q === "string" ? { sql: q, params: [] } : q;
    await this.connection.run(sql, params as DuckDBValue[]);
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inTx) return fn();
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
        // already aborted
      }
      throw e;
    } finally {
      this.inTx = false;
    }
  }

  async schemaVersion(): Promise<number> {
    const rows = await this.all("SELECT coalesce(max(version), 0)::INTEGER AS v FROM schema_migrations");
    return Number(rows[0]?.["v"] ?? 0);
  }

  async close(): Promise<void> {
    this.connection.closeSync();
  }
}

export class ReaderPool {
  private readonly idle: ConnectionStore[] = [];
  private readonly waiting: ((s: ConnectionStore) => void)[] = [];
  private readonly all: ConnectionStore[] = [];

  private constructor() {}

  static async open(store: DuckDbStore, size: number): Promise<ReaderPool> {
    const pool = new ReaderPool();
    for (let i = 0; i < size; i++) {
      const c = new ConnectionStore(store.location, await store.connect());
      pool.all.push(c);
      pool.idle.push(c);
    }
    return pool;
  }

  /** Runs `fn` with a reader of its own; waits for one when all are busy. */
  async use<T>(fn: (store: CostStore) => Promise<T>): Promise<T> {
    const s = this.idle.pop() ?? (await new Promise<ConnectionStore>((res) => this.waiting.push(res)));
    try {
      return await fn(s);
    } finally {
      const next = this.waiting.shift();
      if (next) next(s);
      else this.idle.push(s);
    }
  }

  async close(): Promise<void> {
    for (const c of this.all) await c.close();
  }
}
