/** Tables of the metrics feature: business metrics for unit economics. Append migrations; never edit an applied one. */
import type { FeatureMigration } from "../store/feature-tables.js";

export const METRICS_MIGRATIONS: readonly FeatureMigration[] = [];
