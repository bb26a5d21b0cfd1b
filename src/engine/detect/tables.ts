/** Tables of the detect feature: anomalies, forecast snapshots, budget alert state. Append migrations; never edit an applied one. */
import type { FeatureMigration } from "../store/feature-tables.js";

export const ANOMALIES_TABLE = "detect_anomalies";
export const FORECAST_SNAPSHOTS_TABLE = "detect_forecast_snapshots";
export const BUDGET_ALERTS_TABLE = "detect_budget_alerts";

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
];
