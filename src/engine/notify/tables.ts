/**
 * Tables of the notify feature: the outbox (every notification, its delivery state and history), job runs and
 * job locks, and the KPI scorecard history. Append migrations; never edit an applied one.
 */
import type { FeatureMigration } from "../store/migration.js";

export const OUTBOX_TABLE = "notify_outbox";
export const JOB_RUNS_TABLE = "job_runs";
export const JOB_LOCKS_TABLE = "job_locks";
export const KPI_TABLE = "kpi_history";

export const NOTIFY_MIGRATIONS: readonly FeatureMigration[] = [
  {
    version: 1,
    description: "outbox, job runs and locks, KPI history",
    statements: [
      `CREATE TABLE ${OUTBOX_TABLE} (
        id VARCHAR PRIMARY KEY,
        dedup_key VARCHAR NOT NULL UNIQUE,
        channel VARCHAR NOT NULL,
        channel_type VARCHAR NOT NULL,
        team VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        title VARCHAR NOT NULL,
        message JSON NOT NULL,
        status VARCHAR NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_at TIMESTAMP NOT NULL,
        lease_until TIMESTAMP,
        last_error VARCHAR,
        created_at TIMESTAMP NOT NULL,
        sent_at TIMESTAMP,
        data_landed_at TIMESTAMP,
        digest_id VARCHAR
      )`,
      `CREATE TABLE ${JOB_RUNS_TABLE} (
        id VARCHAR PRIMARY KEY,
        job VARCHAR NOT NULL,
        trigger VARCHAR NOT NULL,
        started_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP,
        status VARCHAR NOT NULL,
        attempt INTEGER NOT NULL,
        error VARCHAR,
        summary JSON
      )`,
      `CREATE TABLE ${JOB_LOCKS_TABLE} (
        job VARCHAR PRIMARY KEY,
        holder VARCHAR NOT NULL,
        pid INTEGER NOT NULL,
        host VARCHAR NOT NULL,
        acquired_at TIMESTAMP NOT NULL,
        heartbeat_at TIMESTAMP NOT NULL
      )`,
      `CREATE TABLE ${KPI_TABLE} (
        day DATE NOT NULL,
        kpi VARCHAR NOT NULL,
        scope VARCHAR NOT NULL,
        value VARCHAR,
        unit VARCHAR NOT NULL,
        details JSON,
        computed_at TIMESTAMP NOT NULL,
        PRIMARY KEY (day, kpi, scope)
      )`,
    ],
  },
];
