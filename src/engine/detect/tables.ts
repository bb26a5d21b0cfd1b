/** Tables of the detect feature: anomalies, forecast snapshots, budget alert state. Append migrations; never edit an applied one. */
import type { FeatureMigration } from "../store/feature-tables.js";

export const DETECT_MIGRATIONS: readonly FeatureMigration[] = [];
