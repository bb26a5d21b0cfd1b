/** What route handlers share: the readers, the writer, the rollup state and the caller. */
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { CostwiseConfig } from "../core/config/schema.js";
import { defaultConfig } from "../core/config/schema.js";
import type { AnalysisStore } from "../engine/store/cost-store.js";
import type { ReaderPool, SiblingStore } from "../engine/store/duckdb/reader-pool.js";
import type { AccessPolicy, Principal } from "./auth.js";
import { HttpProblem } from "./problem.js";

/**
 * The store a server runs on: a store the analyses run on (DuckDB SQL: the embedded store, or a ClickHouse
 * workspace's analysis replica, the same DuckDB file kept in step by `costwise serve`) that opens reader
 * connections of its own. Routes see only `AnalysisStore`s (the writer and the readers), never the concrete class.
 */
export type ServerStore = SiblingStore;

export interface ServerContext {
  /** The store opened for writing (token checks, status changes, rollup builds). */
  writer: AnalysisStore;
  /** Reader connections on the same database: `readers.use((s) => ...)` lends one `AnalysisStore`. */
  readers: ReaderPool;
  rollup: { ready: boolean; rows: number };
  /** True once the dashboard's fixed reads have been computed in the background after start. */
  warm: boolean;
  /** Whether requests need a token (computed when the server starts, refreshed on token changes). */
  tokensRequired: () => Promise<boolean>;
  /**
   * Answers of the dashboard's fixed reads (overview, sources, tag coverage, KPIs, ...), computed once
   * per data version. The data cannot change under a running server except through the server itself
   * (DuckDB holds the store file's write lock, so no ingest or allocate runs meanwhile); whatever the
   * server writes clears the cache (`invalidate`).
   */
  cached<T>(key: string, compute: () => Promise<T>): Promise<T>;
  /**
   * The same for ad-hoc cost queries (explorer views), in a pool of their own: a stream of distinct queries
   * evicts only older queries, never the fixed reads above.
   */
  cachedQuery<T>(key: string, compute: () => Promise<T>): Promise<T>;
  invalidate(): void;
  /** Serialises writes on the writer connection (its transactions must not interleave). */
  writeLock<T>(fn: () => Promise<T>): Promise<T>;
  /** costwise.yaml as loaded (budgets, unit costs, detection settings). */
  workspace: { config: CostwiseConfig; baseDir: string };
}

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
  interface FastifyContextConfig {
    policy?: AccessPolicy;
  }
}

export function principalOf(req: FastifyRequest): Principal {
  const p = req.principal;
  if (!p) throw new HttpProblem(500, "INTERNAL", "route has no caller (public route reading private data)");
  return p;
}

/** The team the caller is bound to, or null for an unscoped caller. */
export function scopeTeam(req: FastifyRequest): string | null {
  return principalOf(req).team;
}

/** The Fastify instance routes register on: zod schemas validate requests and document the API. */
export type ZApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

export function defaultWorkspace(): { config: CostwiseConfig; baseDir: string } {
  return { config: defaultConfig(), baseDir: process.cwd() };
}

