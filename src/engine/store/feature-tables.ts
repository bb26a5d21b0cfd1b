/**
 * Tables owned by features (allocation, governance, detectors, ...), each versioned on its own so features
 * evolve their tables without renumbering the core cost-table migrations (schema.ts). A feature lists its
 * migrations in its own `tables.ts`; the store applies the ones not yet recorded in `feature_migrations`,
 * in the order below, each in its own transaction.
 */
import { ALLOCATION_MIGRATIONS } from "../allocation/tables.js";
import { AUTH_MIGRATIONS } from "../auth/tables.js";
import { CONNECTOR_MIGRATIONS } from "../connectors/tables.js";
import { DETECT_MIGRATIONS } from "../detect/tables.js";
import { ESTIMATE_MIGRATIONS } from "../estimate/tables.js";
import { GOVERNANCE_MIGRATIONS } from "../governance/tables.js";
import { METRICS_MIGRATIONS } from "../metrics/tables.js";
import { NOTIFY_MIGRATIONS } from "../notify/tables.js";
import { OPTIMIZE_MIGRATIONS } from "../optimize/tables.js";
import { TICKETS_MIGRATIONS } from "../tickets/tables.js";
import { REVIEW_MIGRATIONS } from "../review/tables.js";
import type { FeatureMigration } from "./migration.js";
export type { FeatureMigration } from "./migration.js";

/** The store's migration bookkeeping: core schema versions applied, and feature migrations applied. */
export const SCHEMA_MIGRATIONS_TABLE = "schema_migrations";
export const FEATURE_MIGRATIONS_TABLE = "feature_migrations";


export interface FeatureTables {
  feature: string;
  migrations: readonly FeatureMigration[];
}

export const FEATURE_TABLES: readonly FeatureTables[] = [
  { feature: "connectors", migrations: CONNECTOR_MIGRATIONS },
  { feature: "metrics", migrations: METRICS_MIGRATIONS },
  { feature: "allocation", migrations: ALLOCATION_MIGRATIONS },
  { feature: "governance", migrations: GOVERNANCE_MIGRATIONS },
  { feature: "optimize", migrations: OPTIMIZE_MIGRATIONS },
  { feature: "detect", migrations: DETECT_MIGRATIONS },
  { feature: "auth", migrations: AUTH_MIGRATIONS },
  { feature: "notify", migrations: NOTIFY_MIGRATIONS },
  { feature: "estimate", migrations: ESTIMATE_MIGRATIONS },
  { feature: "tickets", migrations: TICKETS_MIGRATIONS },
  { feature: "review", migrations: REVIEW_MIGRATIONS },
];
