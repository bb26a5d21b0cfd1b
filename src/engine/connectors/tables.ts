/** Tables of the connectors feature: sync state of fetched sources (what was fetched, when, which report versions). Append migrations; never edit an applied one. */
import type { FeatureMigration } from "../store/feature-tables.js";

export const CONNECTOR_MIGRATIONS: readonly FeatureMigration[] = [];
