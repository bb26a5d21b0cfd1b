/** Tables of the estimate feature: stored estimates per resource, for estimate-vs-actual. Append migrations; never edit an applied one. */
import type { FeatureMigration } from "../store/migration.js";

export const ESTIMATE_RUNS_TABLE = "estimate_runs";
export const ESTIMATE_RESOURCES_TABLE = "estimate_resources";

export const ESTIMATE_MIGRATIONS: readonly FeatureMigration[] = [
  {
    version: 1,
    description: "stored plan estimates (per run and per resource) for estimate vs actual",
    statements: [
      `CREATE TABLE ${ESTIMATE_RUNS_TABLE} (
        estimate_id VARCHAR PRIMARY KEY,
        created_at TIMESTAMP NOT NULL,
        pr VARCHAR,
        plans VARCHAR NOT NULL,
        total_monthly_cost DECIMAL(38, 10) NOT NULL,
        total_monthly_delta DECIMAL(38, 10) NOT NULL,
        currency VARCHAR NOT NULL
      )`,
      // one row per planned resource: address within its plan file, the owner, tags, and the cloud id once known
      `CREATE TABLE ${ESTIMATE_RESOURCES_TABLE} (
        estimate_id VARCHAR NOT NULL,
        plan_file VARCHAR NOT NULL,
        address VARCHAR NOT NULL,
        resource_type VARCHAR NOT NULL,
        action VARCHAR NOT NULL,
        region VARCHAR,
        owner VARCHAR NOT NULL,
        monthly_cost DECIMAL(38, 10),
        monthly_delta DECIMAL(38, 10),
        tags MAP(VARCHAR, VARCHAR),
        resource_id VARCHAR,
        PRIMARY KEY (estimate_id, plan_file, address)
      )`,
    ],
  },
];
