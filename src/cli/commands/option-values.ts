/**
 * The value lists that command definitions show in their help (choices, defaults), kept here so that
 * registering a command does not import the engine module that owns the list (those load DuckDB and more).
 * Each list equals the engine's own constant: src/cli/help.test.ts fails when they drift apart.
 */
export const SOURCE_FORMATS = ["focus", "aws-cur", "aws-cur2", "aws-ce", "azure-cost", "gcp-billing", "oci-cost", "opencost"] as const; // engine/mapping/registry.ts
export const METRIC_FILE_FORMATS = ["csv", "json"] as const; // engine/metrics/ingest.ts
export const SUMMARY_GRANULARITIES = ["none", "day", "month"] as const; // engine/allocation/reports.ts
export const COVERAGE_DIMENSIONS = ["account", "service", "team", "none"] as const; // engine/kpi/tagged-spend.ts
export const ROLES = ["admin", "viewer"] as const; // engine/auth/tokens.ts
export const UTILIZATION_CSV_COLUMNS = ["timestamp", "resource_id", "metric", "value"] as const; // engine/optimize/import-utilization.ts
export const DEFAULT_DEMO_DATA_DIR = "./demo-data"; // demo/run-demo.ts
export const DEMO_STORE_FILE = "costwise-demo.duckdb"; // demo/run-demo.ts
export const DEFAULT_STORE_PATH = "./costwise.duckdb"; // engine/store/duckdb/duckdb-store.ts (cli/context.ts uses it)
export const SERIES_INTERVALS = ["auto", "native", "hour", "day"] as const; // engine/detect/series-file.ts
