/** Tables of the auth feature: API tokens (hashed), roles and team bindings. Append migrations; never edit an applied one. */
import type { FeatureMigration } from "../store/feature-tables.js";

export const AUTH_MIGRATIONS: readonly FeatureMigration[] = [];
