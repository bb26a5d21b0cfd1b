/** Tables of the auth feature: API tokens (hashed), roles and team bindings. Append migrations; never edit an applied one. */
import type { FeatureMigration } from "../store/migration.js";

export const TOKENS_TABLE = "api_tokens";

export const AUTH_MIGRATIONS: readonly FeatureMigration[] = [
  {
    version: 1,
    description: "api_tokens: hashed API tokens with a role and an optional team binding",
    statements: [
      `CREATE TABLE ${TOKENS_TABLE} (
        id VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL,
        role VARCHAR NOT NULL,
        team VARCHAR,
        salt VARCHAR NOT NULL,
        hash VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        revoked_at TIMESTAMP
      )`,
    ],
  },
];
