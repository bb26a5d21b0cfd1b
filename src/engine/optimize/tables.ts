/**
 * Tables of the optimize feature: utilization metrics, resource inventory, recommendations with their status
 * history, and runs. Append migrations; never edit an applied one.
 *
 * - utilization_hourly: one row per resource, metric and UTC hour: avg, max, min, p99 (null where the source
 *   gave none), sample count. Metric names are CloudWatch's (CPUUtilization, mem_used_percent, NetworkIn,
 *   NetworkOut) or anything a CSV import brings. Re-collecting an hour replaces it.
 * - resource_inventory: what the collector saw (instances, volumes, Elastic IPs) at its last run.
 * - recommendations: one row per stable key (type + resource); later runs update the figures and keep
 *   status; `still_found` is false once a run no longer finds it.
 * - recommendation_events: every creation, status change, resolution (the history).
 */
import type { FeatureMigration } from "../store/migration.js";

export const UTILIZATION_TABLE = "utilization_hourly";
export const INVENTORY_TABLE = "resource_inventory";
export const RECOMMENDATIONS_TABLE = "recommendations";
export const RECOMMENDATION_EVENTS_TABLE = "recommendation_events";
export const OPTIMIZE_RUNS_TABLE = "optimize_runs";

export const OPTIMIZE_MIGRATIONS: readonly FeatureMigration[] = [
  {
    version: 1,
    description: "utilization_hourly, resource_inventory, recommendations (+ events), optimize_runs",
    statements: [
      `CREATE TABLE ${UTILIZATION_TABLE} (
        resource_id VARCHAR NOT NULL,
        metric VARCHAR NOT NULL,
        hour TIMESTAMP NOT NULL,
        avg DOUBLE,
        max DOUBLE,
        min DOUBLE,
        p99 DOUBLE,
        samples INTEGER,
        source VARCHAR NOT NULL,
        loaded_at TIMESTAMP NOT NULL
      )`,
      `CREATE TABLE ${INVENTORY_TABLE} (
        resource_id VARCHAR PRIMARY KEY,
        resource_type VARCHAR NOT NULL,
        provider VARCHAR,
        account_id VARCHAR,
        region VARCHAR,
        instance_type VARCHAR,
        state VARCHAR,
        launch_time TIMESTAMP,
        attached_to VARCHAR,
        size_gb INTEGER,
        volume_type VARCHAR,
        public_ip VARCHAR,
        tags MAP(VARCHAR, VARCHAR),
        collected_at TIMESTAMP NOT NULL
      )`,
      `CREATE TABLE ${RECOMMENDATIONS_TABLE} (
        id INTEGER PRIMARY KEY,
        key VARCHAR NOT NULL UNIQUE,
        type VARCHAR NOT NULL,
        resource_id VARCHAR,
        resource_type VARCHAR,
        region VARCHAR,
        account_id VARCHAR,
        owner VARCHAR,
        owner_source VARCHAR,
        action VARCHAR NOT NULL,
        current_config VARCHAR,
        target_config VARCHAR,
        monthly_saving DECIMAL(38,10) NOT NULL,
        currency VARCHAR NOT NULL,
        saving_basis VARCHAR,
        confidence VARCHAR NOT NULL,
        reason VARCHAR NOT NULL,
        risks JSON,
        details JSON,
        baseline_monthly_cost DECIMAL(38,10),
        status VARCHAR NOT NULL,
        status_reason VARCHAR,
        status_changed_at TIMESTAMP,
        first_seen TIMESTAMP NOT NULL,
        last_seen TIMESTAMP NOT NULL,
        last_run VARCHAR,
        still_found BOOLEAN NOT NULL
      )`,
      `CREATE TABLE ${RECOMMENDATION_EVENTS_TABLE} (
        recommendation_id INTEGER NOT NULL,
        event_at TIMESTAMP NOT NULL,
        event VARCHAR NOT NULL,
        from_status VARCHAR,
        to_status VARCHAR,
        reason VARCHAR,
        monthly_saving DECIMAL(38,10),
        run_id VARCHAR
      )`,
      `CREATE TABLE ${OPTIMIZE_RUNS_TABLE} (
        run_id VARCHAR PRIMARY KEY,
        kind VARCHAR NOT NULL,
        started_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP,
        summary JSON
      )`,
    ],
  },
];
