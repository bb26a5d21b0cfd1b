/**
 * Concurrent readers for the HTTP server: a small pool of DuckDB connections on the store's database,
 * each a sibling `AnalysisStore` of its own (so `runCostQuery`'s snapshot transaction never interleaves with another
 * request's on the same connection).
 *
 * Every reader speaks DuckDB SQL (the embedded store, or a ClickHouse workspace's analysis replica, which is the
 * same DuckDB file): the analyses take them as they are, no cast.
 */
import type { AnalysisStore } from "../cost-store.js";

/** A store that opens more connections on its own database (the embedded DuckDbStore). */
export interface SiblingStore extends AnalysisStore {
  sibling(): Promise<AnalysisStore>;
}

export class ReaderPool {
  private readonly idle: AnalysisStore[] = [];
  private readonly waiting: ((s: AnalysisStore) => void)[] = [];
  private readonly all: AnalysisStore[] = [];

  private constructor() {}

  static async open(store: SiblingStore, size: number): Promise<ReaderPool> {
    const pool = new ReaderPool();
    for (let i = 0; i < size; i++) {
      const c = await store.sibling();
      pool.all.push(c);
      pool.idle.push(c);
    }
    return pool;
  }

  /** Runs `fn` with a reader of its own; waits for one when all are busy. */
  async use<T>(fn: (store: AnalysisStore) => Promise<T>): Promise<T> {
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
