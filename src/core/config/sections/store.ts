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
  /** ClickHouse connection (issue 10 fills this in). */
  clickhouse: z.looseObject({}).optional(),
});
export type StoreConfig = z.infer<typeof storeSection>;
