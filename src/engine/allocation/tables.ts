/** Tables of the allocation feature: allocation results, rule versions, tag coverage history. Append migrations; never edit an applied one. */
import type { FeatureMigration } from "../store/feature-tables.js";

export const ALLOCATION_MIGRATIONS: readonly FeatureMigration[] = [];
