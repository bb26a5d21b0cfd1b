/**
 * Tables of the allocation feature: allocation results, rule versions, allocation runs.
 * Append migrations; never edit an applied one.
 *
 * `cost_allocation` is a contract other features read (dashboard, notification routing by owner, team-scoped
 * tokens, anomaly monitors per owner); see src/engine/allocation/allocate.ts for its full description.
 */
import type { FeatureMigration } from "../store/feature-tables.js";

export const ALLOCATION_TABLE = "cost_allocation";
export const RULE_VERSIONS_TABLE = "allocation_rule_versions";
export const ALLOCATION_RUNS_TABLE = "allocation_runs";

export const ALLOCATION_MIGRATIONS: readonly FeatureMigration[] = [
  {
    version: 1,
    description: "cost_allocation (owners per aggregated cost group), allocation_rule_versions, allocation_runs",
    statements: [
      `CREATE TABLE ${ALLOCATION_TABLE} (
        charge_date DATE,
        billing_period_start TIMESTAMP,
        currency VARCHAR,
        team VARCHAR NOT NULL,
        owners MAP(VARCHAR, VARCHAR),
        rule_id VARCHAR NOT NULL,
        shared_pool VARCHAR,
        provider VARCHAR,
        sub_account_id VARCHAR,
        service_name VARCHAR,
        region_id VARCHAR,
        resource_id VARCHAR,
        x_source VARCHAR,
        k8s_cluster VARCHAR,
        k8s_namespace VARCHAR,
        billed_cost DECIMAL(38,10) NOT NULL,
        effective_cost DECIMAL(38,10) NOT NULL,
        line_items BIGINT NOT NULL
      )`,
      `CREATE TABLE ${RULE_VERSIONS_TABLE} (
        hash VARCHAR PRIMARY KEY,
        config_json VARCHAR NOT NULL,
        source_text VARCHAR,
        source_file VARCHAR,
        first_applied_at TIMESTAMP NOT NULL
      )`,
      `CREATE TABLE ${ALLOCATION_RUNS_TABLE} (
        run_id VARCHAR PRIMARY KEY,
        applied_at TIMESTAMP NOT NULL,
        rules_hash VARCHAR NOT NULL,
        rows_written BIGINT NOT NULL,
        seconds DOUBLE NOT NULL,
        summary_json VARCHAR
      )`,
    ],
  },
];
