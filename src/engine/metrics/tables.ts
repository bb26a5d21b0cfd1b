/**
 * Tables of the metrics feature: business metrics for unit economics (transactions, active users, requests).
 * Append migrations; never edit an applied one.
 *
 * `business_metrics` holds one value per metric, period start and dimension set. `ts` is the start of the
 * period the value covers (UTC; a day for daily metrics). Re-ingesting the same metric, ts and dimensions
 * replaces the old value (the ingest deletes then inserts inside one transaction).
 */
import type { FeatureMigration } from "../store/migration.js";

export const METRICS_TABLE = "business_metrics";

export const METRICS_MIGRATIONS: readonly FeatureMigration[] = [
  {
    version: 1,
    description: "business_metrics: metric, period start, value, optional service/environment and other dimensions",
    statements: [
      `CREATE TABLE ${METRICS_TABLE} (
        metric VARCHAR NOT NULL,
        ts TIMESTAMP NOT NULL,
        value DECIMAL(38,10) NOT NULL,
        service VARCHAR,
        environment VARCHAR,
        dimensions MAP(VARCHAR, VARCHAR),
        source_file VARCHAR,
        ingest_id VARCHAR
      )`,
    ],
  },
];
