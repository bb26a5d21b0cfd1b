/**
 * Tables of the allocation feature: allocation results, rule versions, allocation runs.
 * Append migrations; never edit an applied one.
 *
 * `cost_allocation` is a contract other features read (dashboard, notification routing by owner, team-scoped
 * tokens, anomaly monitors per owner); see src/engine/allocation/allocate.ts for its full description.
 */
import { quoteIdent, quoteString } from "../../core/sql.js";
import type { FeatureMigration } from "../store/migration.js";
import { col, readRow, type RowSource } from "../store/read-rows.js";

export const ALLOCATION_TABLE = "cost_allocation";
export const RULE_VERSIONS_TABLE = "allocation_rule_versions";
export const ALLOCATION_RUNS_TABLE = "allocation_runs";

/** Type of `cost_allocation.owners` for the owner dimensions `dims` (names are `[a-z][a-z0-9_]*`, see the config schema). */
export function ownersType(dims: readonly string[]): string {
  return `STRUCT(${dims.map((d) => `${quoteIdent(d)} VARCHAR`).join(", ")})`;
}

/** The owner dimensions `cost_allocation.owners` holds now (fields of its STRUCT), in order; [] without the table. */
export async function ownerFields(store: RowSource, table = ALLOCATION_TABLE): Promise<string[]> {
  const row = await readRow(store, { data_type: col.text }, `SELECT data_type FROM duckdb_columns() WHERE table_name = ${quoteString(table)} AND column_name = 'owners'`);
  const t = row?.data_type ?? "";
  return [...t.matchAll(/(?:STRUCT\(|, )"?([a-z][a-z0-9_]*)"? VARCHAR/g)].map((m) => m[1]!);
}

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
  {
    version: 2,
    description: "cost_allocation.owners is a STRUCT of the owner dimensions (was a MAP: several times dearer to build and write per row)",
    statements: [
      `CREATE TABLE ${ALLOCATION_TABLE}_v2 AS SELECT * EXCLUDE (owners),
         CAST({'team': owners['team'], 'product': owners['product'], 'environment': owners['environment'], 'cost_center': owners['cost_center']} AS ${ownersType(["team", "product", "environment", "cost_center"])}) AS owners
       FROM ${ALLOCATION_TABLE}`,
      `DROP TABLE ${ALLOCATION_TABLE}`,
      `ALTER TABLE ${ALLOCATION_TABLE}_v2 RENAME TO ${ALLOCATION_TABLE}`,
    ],
  },
];
