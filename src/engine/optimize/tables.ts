/** Tables of the optimize feature: utilization metrics, recommendations. Append migrations; never edit an applied one. */
import type { FeatureMigration } from "../store/feature-tables.js";

export const OPTIMIZE_MIGRATIONS: readonly FeatureMigration[] = [];
