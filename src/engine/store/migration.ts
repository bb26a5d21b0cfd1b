/** A feature's migration: the shape each feature's `tables.ts` lists and `feature-tables.ts` applies in order. */
export interface FeatureMigration {
  /** 1, 2, 3 ... within the feature. */
  version: number;
  description: string;
  /** DuckDB SQL statements (the ClickHouse store translates or provides its own, see store/clickhouse). */
  statements: string[];
}
