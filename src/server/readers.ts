/**
 * Concurrent readers for the HTTP server: a small pool of DuckDB connections on the store's database,
 * each a sibling `AnalysisStore` of its own (so `runCostQuery`'s snapshot transaction never interleaves with another
 * request's on the same connection).
 */
import type { CostStore } from "../engine/store/cost-store.js";
import { DuckDbStore } from "../engine/store/duckdb-store.js";
import type { AnalysisStore } from "../engine/store/cost-store.js";

export class ReaderPool {
  private readonly idle: AnalysisStore[] = [];
  private readonly waiting: ((s: AnalysisStore) => void)[] = [];
  private readonly all: AnalysisStore[] = [];

  private constructor() {}

  static async open(store: DuckDbStore, size: number): Promise<ReaderPool> {
    const pool = new ReaderPool();
    for (let i = 0; i < size; i++) {
      const c = await store.sibling();
      pool.all.push(c);
      pool.idle.push(c);
    }
    return pool;
  }

  /** Runs `fn` with a reader of its own; waits for one when all are busy. */
  async use<T>(fn: (store: CostStore) => Promise<T>): Promise<T> {
    const s = this.idle.pop() ?? (await new Promise<AnalysisStore>((res) => this.waiting.push(res)));
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
