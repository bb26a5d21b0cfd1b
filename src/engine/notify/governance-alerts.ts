/**
 * Alerts on blocking governance findings that are new since the previous scan, one message per owning team.
 * Order of operations:
 * 1. the latest scan recorded at or before `now`, and the scan before it (none: every finding is new);
 * 2. the latest scan's blocking findings whose finding id the previous scan did not report (a finding fixed and
 *    back again counts as new);
 * 3. per team (no team, or the scan's "(unowned)", → the unallocated sentinel, which routes to the fallback
 *    channels): one message, costliest first, each finding with a deep link `/governance?finding=<id>`;
 * 4. the dedupe key is `governance:<team>:<scan id>`: one alert per team and scan.
 */
import { UNALLOCATED } from "../../core/allocation/model.js";
import type { CostwiseConfig } from "../../core/config/schema.js";
import { dashboardLink, formatAmount, type Notification } from "../../core/notify/message.js";
import { UNOWNED } from "../governance/record.js";
import { GOVERNANCE_FINDINGS_TABLE, GOVERNANCE_SCANS_TABLE } from "../governance/tables.js";
import type { AnalysisStore } from "../store/cost-store.js";
import { col, readRow, readRows, type RowOf } from "../store/read-rows.js";
import { tableExists } from "./build-messages.js";

/** At most this many findings are listed in one message (the rest are counted). */
const MAX_LINES = 20;

const NEW_FINDING_ROW = {
  finding_id: col.text,
  rule_id: col.text,
  severity: col.text,
  resource_id: col.text,
  team: col.text.nullable(),
  message: col.text,
  monthly_cost: col.money.nullable(),
  currency: col.text.nullable(),
};
export type NewBlockingFinding = RowOf<typeof NEW_FINDING_ROW>;

export interface ScanFindings {
  scanId: string;
  scannedAt: string;
  findings: NewBlockingFinding[];
}

/** The latest scan (at or before `now`) and its blocking findings the scan before did not report; null without a scan. */
export async function newBlockingFindings(store: AnalysisStore, now: Date): Promise<ScanFindings | null> {
  if (!(await tableExists(store, GOVERNANCE_SCANS_TABLE))) return null;
  const at = now.toISOString().slice(0, 19).replace("T", " ");
  const scan = await readRow(store, { scan_id: col.text, scanned_at: col.text }, {
    sql: `SELECT scan_id, strftime(scanned_at, '%Y-%m-%dT%H:%M:%SZ') AS scanned_at FROM ${GOVERNANCE_SCANS_TABLE} WHERE scanned_at <= CAST(? AS TIMESTAMP) ORDER BY scanned_at DESC, scan_id DESC LIMIT 1`,
    params: [at],
  });
  if (!scan) return null;
  const prev = await readRow(store, { scan_id: col.text }, {
    sql: `SELECT scan_id FROM ${GOVERNANCE_SCANS_TABLE} WHERE scanned_at < CAST(? AS TIMESTAMP) ORDER BY scanned_at DESC, scan_id DESC LIMIT 1`,
    params: [scan.scanned_at.slice(0, 19).replace("T", " ")],
  });
  const findings = await readRows(store, NEW_FINDING_ROW, {
    sql: `SELECT finding_id, rule_id, severity, resource_id, team, message, CAST(monthly_cost AS VARCHAR) AS monthly_cost, currency
          FROM ${GOVERNANCE_FINDINGS_TABLE} f
          WHERE f.scan_id = ? AND f.blocking
            AND NOT EXISTS (SELECT 1 FROM ${GOVERNANCE_FINDINGS_TABLE} p WHERE p.scan_id = ? AND p.finding_id = f.finding_id)
          ORDER BY monthly_cost DESC NULLS LAST, finding_id`,
    params: [scan.scan_id, prev?.scan_id ?? ""],
  });
  return { scanId: scan.scan_id, scannedAt: scan.scanned_at, findings };
}

/** The alerts for one scan's new blocking findings (pure): one per team, teams in name order. */
export function governanceMessages(s: ScanFindings, o: { dashboardUrl: string }): Notification[] {
  const byTeam = new Map<string, NewBlockingFinding[]>();
  for (const f of s.findings) {
    const team = f.team === null || f.team === "" || f.team === UNOWNED ? UNALLOCATED : f.team;
    byTeam.set(team, [...(byTeam.get(team) ?? []), f]);
  }
  return [...byTeam.keys()].sort().map((team) => {
    const items = byTeam.get(team)!;
    const n = items.length;
    const rules = [...new Set(items.map((f) => f.rule_id))].sort();
    const lines = items.slice(0, MAX_LINES).map(
      (f) =>
        `${f.rule_id} on ${f.resource_id}: ${f.message}${f.monthly_cost !== null && f.currency !== null ? ` (${formatAmount(f.monthly_cost, f.currency)} a month)` : ""} ${dashboardLink(o.dashboardUrl, "governance", { finding: f.finding_id })}`,
    );
    if (n > MAX_LINES) lines.push(`and ${n - MAX_LINES} more`);
    return {
      kind: "governance" as const,
      key: `governance:${team}:${s.scanId}`,
      team,
      severity: "warning" as const,
      title: `${n} new blocking governance finding${n === 1 ? "" : "s"} for ${team}`,
      summary: `The scan of ${s.scannedAt} found ${n} blocking finding${n === 1 ? "" : "s"} the scan before did not report.`,
      facts: [
        { label: "New blocking findings", value: String(n) },
        { label: "Rules", value: rules.join(", ") },
        { label: "Scan", value: s.scanId },
      ],
      sections: [{ title: "Findings", lines }],
      link: dashboardLink(o.dashboardUrl, "governance", { finding: items[0]!.finding_id }),
    };
  });
}

export async function governanceFindingAlerts(store: AnalysisStore, _config: CostwiseConfig, o: { now: Date; dashboardUrl: string }): Promise<Notification[]> {
  const s = await newBlockingFindings(store, o.now);
  return s ? governanceMessages(s, { dashboardUrl: o.dashboardUrl }) : [];
}
