/**
 * Tables of the monthly FinOps review (issue 20). Append migrations; never edit an applied one.
 *
 * - review_action_items: the review's action items, each with its owner and due date. An item belongs to the
 *   review month it was raised in and is carried to every later review until it is done or dropped; its status
 *   and note are editable (CLI `costwise review items`, PUT /api/v1/reviews/items/:id).
 * - reviews: every review rendered (by the CLI or the review job): the month, when, and the review's figures as
 *   JSON (the dashboard lists these and renders each from its figures).
 */
import type { FeatureMigration } from "../store/migration.js";

export const REVIEW_ITEMS_TABLE = "review_action_items";
export const REVIEWS_TABLE = "reviews";

export const REVIEW_MIGRATIONS: readonly FeatureMigration[] = [
  {
    version: 1,
    description: "review_action_items, reviews",
    statements: [
      `CREATE TABLE ${REVIEW_ITEMS_TABLE} (
        id INTEGER PRIMARY KEY,
        review_month VARCHAR NOT NULL,
        title VARCHAR NOT NULL,
        owner VARCHAR NOT NULL,
        due_date DATE NOT NULL,
        status VARCHAR NOT NULL,
        note VARCHAR,
        created_at TIMESTAMP NOT NULL,
        updated_at TIMESTAMP NOT NULL,
        closed_at TIMESTAMP
      )`,
      `CREATE TABLE ${REVIEWS_TABLE} (
        month VARCHAR PRIMARY KEY,
        generated_at TIMESTAMP NOT NULL,
        data JSON NOT NULL
      )`,
    ],
  },
];
