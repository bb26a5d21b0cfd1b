/** Tables of the notify feature: outbox, deliveries, job runs and locks, KPI history. Append migrations; never edit an applied one. */
import type { FeatureMigration } from "../store/feature-tables.js";

export const NOTIFY_MIGRATIONS: readonly FeatureMigration[] = [];
