/** Tables of the detect feature: anomalies, forecast snapshots, budget alert state, anomaly feedback and monitor snoozes. Append migrations; never edit an applied one. */
import type { FeatureMigration } from "../store/migration.js";

export const ANOMALIES_TABLE = "detect_anomalies";
export const FORECAST_SNAPSHOTS_TABLE = "detect_forecast_snapshots";
export const BUDGET_ALERTS_TABLE = "detect_budget_alerts";
export const ANOMALY_FEEDBACK_TABLE = "detect_anomaly_feedback";
export const MONITOR_SNOOZES_TABLE = "detect_monitor_snoozes";

export const DETECT_MIGRATIONS: readonly FeatureMigration[] = [
  {
    version: 1,
    description: "anomalies (one row per monitor, series and start day), forecast snapshots, budget alert state",
    statements: [
      // one row per anomaly event; re-runs update it (a multi-day anomaly is one row, alerted once)
      `CREATE TABLE ${ANOMALIES_TABLE} (
        monitor VARCHAR NOT NULL,
        series_key VARCHAR NOT NULL,
        start_day DATE NOT NULL,
        currency VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        direction VARCHAR NOT NULL,
        severity VARCHAR NOT NULL,
        end_day DATE NOT NULL,
        detected_day DATE NOT NULL,
        is_open BOOLEAN NOT NULL,
        actual DECIMAL(38,10) NOT NULL,
        expected DECIMAL(38,10) NOT NULL,
        impact DECIMAL(38,10) NOT NULL,
        impact_pct DOUBLE,
        max_z DOUBLE,
        alert BOOLEAN NOT NULL,
        alerted_at TIMESTAMP,
        root_cause JSON,
        first_seen_at TIMESTAMP NOT NULL,
        updated_at TIMESTAMP NOT NULL,
        PRIMARY KEY (monitor, series_key, start_day, currency)
      )`,
      `CREATE TABLE ${FORECAST_SNAPSHOTS_TABLE} (
        scope VARCHAR NOT NULL,
        made_on DATE NOT NULL,
        period_kind VARCHAR NOT NULL,
        period_start DATE NOT NULL,
        currency VARCHAR NOT NULL,
        point DECIMAL(38,10) NOT NULL,
        lower80 DECIMAL(38,10) NOT NULL,
        upper80 DECIMAL(38,10) NOT NULL,
        lower95 DECIMAL(38,10) NOT NULL,
        upper95 DECIMAL(38,10) NOT NULL,
        created_at TIMESTAMP NOT NULL,
        PRIMARY KEY (scope, made_on, period_kind, period_start, currency)
      )`,
      // fires once per budget, period and threshold; a new period has new keys, so state resets with it
      `CREATE TABLE ${BUDGET_ALERTS_TABLE} (
        budget VARCHAR NOT NULL,
        period_start DATE NOT NULL,
        threshold VARCHAR NOT NULL,
        fired_on DATE NOT NULL,
        value DECIMAL(38,10) NOT NULL,
        amount DECIMAL(38,10) NOT NULL,
        created_at TIMESTAMP NOT NULL,
        PRIMARY KEY (budget, period_start, threshold)
      )`,
    ],
  },
  {
    version: 2,
    description: "anomaly feedback (acknowledged, expected: who, when, why) and monitor snoozes",
    statements: [
      // append-only: every acknowledgement or "expected" mark is a row; an anomaly's state is its latest row per action
      `CREATE TABLE ${ANOMALY_FEEDBACK_TABLE} (
        anomaly_id VARCHAR NOT NULL,
        action VARCHAR NOT NULL,
        reason VARCHAR,
        by_name VARCHAR NOT NULL,
        by_team VARCHAR,
        given_at TIMESTAMP NOT NULL
      )`,
      // a monitor (series_key NULL) or one of its series, silenced until `until_at`; unsnoozing records who and when
      `CREATE TABLE ${MONITOR_SNOOZES_TABLE} (
        monitor VARCHAR NOT NULL,
        series_key VARCHAR,
        until_at TIMESTAMP NOT NULL,
        reason VARCHAR,
        by_name VARCHAR NOT NULL,
        by_team VARCHAR,
        snoozed_at TIMESTAMP NOT NULL,
        cleared_by VARCHAR,
        cleared_at TIMESTAMP
      )`,
    ],
  },
];
