/**
 * The latest governance scan's findings as the API serves them: the scan, its findings (at most 2000, blocking
 * and costliest first) and the whole scan's counts and monthly cost per rule and per team, computed in SQL
 * (exact; a resource's monthly cost counts once per group however many findings it has there). A team
 * narrows everything to that team's findings.
 */
import type { SqlValue } from "../../core/sql.js";
import type { CostStore } from "../store/cost-store.js";
import { col, readRow, readRows, type RowOf } from "../store/read-rows.js";
import { GOVERNANCE_FINDINGS_TABLE, GOVERNANCE_SCANS_TABLE } from "./tables.js";

const SCAN_ROW = {
  scan_id: col.text,
  scanned_at: col.text,
  origin: col.text,
  policy_file: col.text.nullable(),
  resources: col.int,
  checked: col.int,
  compliant: col.int,
  findings: col.int,
  blocking: col.int,
};
export type ScanRow = RowOf<typeof SCAN_ROW>;

const FINDING_ROW = {
  finding_id: col.text,
  rule_id: col.text,
  kind: col.text,
  severity: col.text,
  blocking: col.bool,
  resource_id: col.text,
  resource_type: col.text,
  account: col.text.nullable(),
  region: col.text.nullable(),
  team: col.text.nullable(),
  tag_key: col.text.nullable(),
  tag_value: col.text.nullable(),
  suggestion: col.text.nullable(),
  message: col.text,
  monthly_cost: col.money.nullable(),
  currency: col.text.nullable(),
};
export type FindingRow = RowOf<typeof FINDING_ROW>;

export interface RuleSummary {
  ruleId: string;
  severity: string;
  blocking: boolean;
  findings: number;
  resources: number;
  currency: string | null;
  monthlyCost: string;
}
export interface TeamSummary {
  team: string | null;
  findings: number;
  resources: number;
  currency: string | null;
  monthlyCost: string;
}

export interface LatestFindings {
  scan: ScanRow;
  items: FindingRow[];
  summary: { findings: number; shown: number; byRule: RuleSummary[]; byTeam: TeamSummary[] };
}

/** The latest scan's findings (a team's only, given `team`); null when no scan was recorded. */
export async function latestFindings(s: CostStore, team: string | null): Promise<LatestFindings | null> {
  const scan = await readRow(
    s,
    SCAN_ROW,
    `SELECT scan_id, strftime(scanned_at, '%Y-%m-%dT%H:%M:%SZ') AS scanned_at, origin, policy_file, resources, checked, compliant, findings, blocking FROM ${GOVERNANCE_SCANS_TABLE} ORDER BY scanned_at DESC LIMIT 1`,
  );
  if (!scan) return null;
  const where = `scan_id = ?${team !== null ? " AND team = ?" : ""}`;
  const params: SqlValue[] = team !== null ? [scan.scan_id, team] : [scan.scan_id];
  const items = await readRows(s, FINDING_ROW, {
    sql: `SELECT finding_id, rule_id, kind, severity, blocking, resource_id, resource_type, account, region, team, tag_key, tag_value, suggestion, message,
                 monthly_cost::VARCHAR AS monthly_cost, currency
          FROM ${GOVERNANCE_FINDINGS_TABLE} WHERE ${where} ORDER BY blocking DESC, monthly_cost DESC NULLS LAST, finding_id LIMIT 2000`,
    params,
  });
  const shape = { k: col.text.nullable(), severity: col.text, blocking: col.bool, findings: col.int, resources: col.int, currency: col.text.nullable(), monthly_cost: col.money };
  const group = async (key: "rule_id" | "team") =>
    readRows(s, shape, {
      // a resource's monthly cost counts once per group, however many findings it has there
      sql: `WITH f AS (SELECT *, row_number() OVER (PARTITION BY ${key}, resource_id ORDER BY finding_id) AS rn FROM ${GOVERNANCE_FINDINGS_TABLE} WHERE ${where})
            SELECT ${key} AS k, any_value(severity) AS severity, bool_or(blocking) AS blocking, count(*)::INTEGER AS findings, count(DISTINCT resource_id)::INTEGER AS resources,
                   currency, coalesce(sum(monthly_cost) FILTER (WHERE rn = 1), 0)::VARCHAR AS monthly_cost
            FROM f GROUP BY ${key}, currency ORDER BY findings DESC, k, currency`,
      params,
    });
  const byRule = (await group("rule_id")).map((r) => ({ ruleId: String(r.k), severity: r.severity, blocking: r.blocking, findings: r.findings, resources: r.resources, currency: r.currency, monthlyCost: r.monthly_cost }));
  const byTeam = (await group("team")).map((r) => ({ team: r.k, findings: r.findings, resources: r.resources, currency: r.currency, monthlyCost: r.monthly_cost }));
  const findings = byRule.reduce((n, r) => n + r.findings, 0);
  return { scan, items, summary: { findings, shown: items.length, byRule, byTeam } };
}
