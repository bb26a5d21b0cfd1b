/**
 * Tables of the connectors feature: sync state of fetched sources (what was fetched, when, which report
 * versions). Append migrations; never edit an applied one.
 *
 * - `connector_syncs`: one row per source per `costwise sync` run: status, the ingest runs it made (so the
 *   rows a configured source loaded can be found through `loaded_files.ingest_id`), rows, message.
 * - `connector_cur_deliveries`: per S3 manifest, the report version (assemblyId / executionId) and ETag last
 *   loaded, so a sync fetches only new or re-delivered versions.
 * - `connector_ce_days`: per Cost Explorer source, the days of the last fetched window and whether Cost
 *   Explorer marked them Estimated (freshness stops before the first estimated day).
 * - `aws_accounts`: AWS Organizations accounts (id, name, OU path), joined onto cost rows as names.
 */
import type { FeatureMigration } from "../store/migration.js";

export const SYNCS_TABLE = "connector_syncs";
export const CUR_DELIVERIES_TABLE = "connector_cur_deliveries";
export const CE_DAYS_TABLE = "connector_ce_days";
export const ACCOUNTS_TABLE = "aws_accounts";

export const CONNECTOR_MIGRATIONS: readonly FeatureMigration[] = [
  {
    version: 1,
    description: "connector sync runs, CUR deliveries fetched, Cost Explorer estimated days, AWS Organizations accounts",
    statements: [
      `CREATE TABLE ${SYNCS_TABLE} (
        sync_id VARCHAR NOT NULL,
        source_name VARCHAR NOT NULL,
        source_type VARCHAR NOT NULL,
        started_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP NOT NULL,
        status VARCHAR NOT NULL,
        ingest_ids VARCHAR[] NOT NULL,
        rows_loaded BIGINT NOT NULL,
        message VARCHAR
      )`,
      `CREATE TABLE ${CUR_DELIVERIES_TABLE} (
        source_name VARCHAR NOT NULL,
        bucket VARCHAR NOT NULL,
        manifest_key VARCHAR NOT NULL,
        etag VARCHAR,
        assembly_id VARCHAR NOT NULL,
        billing_period VARCHAR NOT NULL,
        report_keys JSON NOT NULL,
        bytes BIGINT NOT NULL,
        ingest_id VARCHAR NOT NULL,
        fetched_at TIMESTAMP NOT NULL
      )`,
      `CREATE TABLE ${CE_DAYS_TABLE} (
        source_name VARCHAR NOT NULL,
        billing_account_id VARCHAR NOT NULL,
        day DATE NOT NULL,
        estimated BOOLEAN NOT NULL,
        synced_at TIMESTAMP NOT NULL
      )`,
      `CREATE TABLE ${ACCOUNTS_TABLE} (
        account_id VARCHAR NOT NULL,
        name VARCHAR,
        email VARCHAR,
        status VARCHAR,
        ou_path VARCHAR,
        source_name VARCHAR NOT NULL,
        synced_at TIMESTAMP NOT NULL
      )`,
    ],
  },
];
