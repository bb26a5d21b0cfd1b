/**
 * `store:` section of costwise.yaml — which cost store backs the workspace.
 * DuckDB (embedded, one file) is the default; ClickHouse is the scale-out path (issue 10).
 */
import { z } from "zod";

export const storeSection = z.strictObject({
  backend: z.enum(["duckdb", "clickhouse"]).default("duckdb"),
  /** DuckDB file (default ./costwise.duckdb; --store and COSTWISE_STORE win over it). */
  path: z.string().min(1).optional(),
  memoryLimit: z.string().regex(/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, "a size such as 4GB").optional(),
  /** ClickHouse connection, used when `backend: clickhouse`. */
  clickhouse: z
    .strictObject({
      /** HTTP URL of each shard's server, one per shard, e.g. http://ch1:8123. */
      urls: z.array(z.url({ protocol: /^https?$/ })).min(1),
      /** Cluster name from the servers' remote_servers config (required with more than one URL). */
      cluster: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a plain identifier").optional(),
      database: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a plain identifier").default("costwise"),
      user: z.string().optional(),
      /** Name of the environment variable holding the password (never the password itself). */
      passwordEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "an environment variable name").optional(),
      /** How often `costwise serve` brings the analysis replica in step with ClickHouse (seconds; 0 = only at start). */
      refreshSeconds: z.number().int().min(0).default(60),
      /**
       * Billing months the analysis replica holds (counting the current month); older months stay in ClickHouse
       * only (costwise query still reads them). Default: all.
       */
      replicaMonths: z.number().int().min(1).max(1200).optional(),
    })
    .refine((c) => c.urls.length === 1 || c.cluster !== undefined, { message: "cluster is required with more than one URL", path: ["cluster"] })
    .optional(),
})
  .refine((s) => s.backend !== "clickhouse" || s.clickhouse !== undefined, {
    message: "backend is clickhouse but the clickhouse: connection is missing",
    path: ["clickhouse"],
  });
export type StoreConfig = z.infer<typeof storeSection>;
