/** Tables of the governance feature: policy findings, remediation audit. Append migrations; never edit an applied one. */
import type { FeatureMigration } from "../store/migration.js";

export const GOVERNANCE_SCANS_TABLE = "governance_scans";
export const GOVERNANCE_SCAN_RESOURCES_TABLE = "governance_scan_resources";
export const GOVERNANCE_FINDINGS_TABLE = "governance_findings";
export const GOVERNANCE_FINDING_HISTORY_TABLE = "governance_finding_history";
export const GOVERNANCE_AUDIT_TABLE = "governance_audit";

export const GOVERNANCE_MIGRATIONS: readonly FeatureMigration[] = [
  {
    version: 1,
    description: "runtime compliance scans, per-resource results, findings per scan, finding lifecycle, remediation audit",
    statements: [
      `CREATE TABLE ${GOVERNANCE_SCANS_TABLE} (
        scan_id VARCHAR PRIMARY KEY,
        scanned_at TIMESTAMP NOT NULL,
        origin VARCHAR NOT NULL,
        policy_file VARCHAR,
        resources INTEGER NOT NULL,
        checked INTEGER NOT NULL,
        compliant INTEGER NOT NULL,
        findings INTEGER NOT NULL,
        blocking INTEGER NOT NULL
      )`,
      // every resource a scan checked, with its monthly cost (NULL when the cost store has none) and owning team
      `CREATE TABLE ${GOVERNANCE_SCAN_RESOURCES_TABLE} (
        scan_id VARCHAR NOT NULL,
        resource_id VARCHAR NOT NULL,
        arn VARCHAR,
        resource_type VARCHAR NOT NULL,
        account VARCHAR,
        region VARCHAR,
        team VARCHAR,
        compliant BOOLEAN NOT NULL,
        monthly_cost DECIMAL(38, 10),
        currency VARCHAR,
        tags MAP(VARCHAR, VARCHAR)
      )`,
      `CREATE TABLE ${GOVERNANCE_FINDINGS_TABLE} (
        scan_id VARCHAR NOT NULL,
        finding_id VARCHAR NOT NULL,
        rule_id VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        severity VARCHAR NOT NULL,
        blocking BOOLEAN NOT NULL,
        resource_id VARCHAR NOT NULL,
        arn VARCHAR,
        resource_type VARCHAR NOT NULL,
        account VARCHAR,
        region VARCHAR,
        team VARCHAR,
        tag_key VARCHAR,
        tag_value VARCHAR,
        suggestion VARCHAR,
        message VARCHAR NOT NULL,
        monthly_cost DECIMAL(38, 10),
        currency VARCHAR
      )`,
      // one row per finding id: when it was first and last seen, and when it stopped being reported
      `CREATE TABLE ${GOVERNANCE_FINDING_HISTORY_TABLE} (
        finding_id VARCHAR PRIMARY KEY,
        rule_id VARCHAR NOT NULL,
        resource_id VARCHAR NOT NULL,
        account VARCHAR,
        region VARCHAR,
        severity VARCHAR NOT NULL,
        team VARCHAR,
        first_seen TIMESTAMP NOT NULL,
        last_seen TIMESTAMP NOT NULL,
        resolved_at TIMESTAMP,
        resolution VARCHAR
      )`,
      `CREATE TABLE ${GOVERNANCE_AUDIT_TABLE} (
        change_id VARCHAR NOT NULL,
        applied_at TIMESTAMP NOT NULL,
        actor VARCHAR NOT NULL,
        approval VARCHAR NOT NULL,
        resource_id VARCHAR NOT NULL,
        arn VARCHAR,
        tag_key VARCHAR NOT NULL,
        before_value VARCHAR,
        after_value VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        rule_id VARCHAR,
        api VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        error VARCHAR
      )`,
    ],
  },
];
