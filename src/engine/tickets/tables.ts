/**
 * Tables of the tickets feature. Append migrations; never edit an applied one.
 *
 * - tickets: one row per item key, ever (the dedupe key: a recommendation, finding, anomaly or commitment gets
 *   one ticket for life). `status` is `pending` until the tracker accepted it (a tracker that is down or rate
 *   limited leaves it pending with `last_error` and `attempts`: the backlog, retried every run), then `filed`.
 *   `remote_state` / `remote_closed_as` are the ticket's state as last read (a change from closed to open is a
 *   reopen); `body_hash` is the hash of the body last sent (a re-run sends an update only when it changed).
 */
import type { FeatureMigration } from "../store/migration.js";

export const TICKETS_TABLE = "tickets";

export const TICKETS_MIGRATIONS: readonly FeatureMigration[] = [
  {
    version: 1,
    description: "tickets (one per item key, with the remote id and last-seen state)",
    statements: [
      `CREATE TABLE ${TICKETS_TABLE} (
        key VARCHAR PRIMARY KEY,
        item_kind VARCHAR NOT NULL,
        item_ref VARCHAR NOT NULL,
        team VARCHAR NOT NULL,
        tracker VARCHAR NOT NULL,
        tracker_type VARCHAR NOT NULL,
        target VARCHAR NOT NULL,
        title VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        remote_id VARCHAR,
        remote_url VARCHAR,
        remote_state VARCHAR,
        remote_closed_as VARCHAR,
        body_hash VARCHAR,
        attempts INTEGER NOT NULL,
        last_error VARCHAR,
        created_at TIMESTAMP NOT NULL,
        filed_at TIMESTAMP,
        updated_at TIMESTAMP,
        synced_at TIMESTAMP
      )`,
    ],
  },
];
