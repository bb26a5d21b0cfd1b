/** Tables of the governance feature: policy findings, remediation audit. Append migrations; never edit an applied one. */
import type { FeatureMigration } from "../store/feature-tables.js";

export const GOVERNANCE_MIGRATIONS: readonly FeatureMigration[] = [];
