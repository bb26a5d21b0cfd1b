/**
 * Joins runtime findings with the cost store (what each violation costs per month) and records a scan in the
 * governance tables so compliance can be followed over time (findings history, first seen → resolved).
 *
 * Monthly cost of a resource = sum of BilledCost over the last 30 days of cost data in the store (the window
 * ends at the latest ChargePeriodEnd), matching `ResourceId` against the ARN or the short id bills use
 * (`i-…`, `vol-…`, bucket name). Summed in SQL; exact decimals, per currency.
 */
import type { Finding, EvaluationResult } from "../../core/governance/evaluate.js";
import type { NormalizedResource } from "../../core/governance/resource.js";
import type { AnalysisStore } from "../store/cost-store.js";
import { col, readRows } from "../store/read-rows.js";
import { COST_TABLE } from "../store/schema.js";
import { billingResourceId } from "./runtime-scan.js";
import { GOVERNANCE_FINDING_HISTORY_TABLE, GOVERNANCE_FINDINGS_TABLE, GOVERNANCE_SCAN_RESOURCES_TABLE, GOVERNANCE_SCANS_TABLE } from "./tables.js";

export interface ResourceCost {
  amount: string;
  currency: string | null;
}

const CHUNK = 500;
/** The resource ids (ARN and the short id bills use) of one monthlyCosts call: a temp table, dropped after. */
const COST_IDS_TABLE = "gov_cost_ids";

/** ARN → monthly cost; resources without cost rows are absent. One currency per resource (the largest). */
export async function monthlyCosts(store: AnalysisStore, resources: readonly NormalizedResource[]): Promise<Map<string, ResourceCost>> {
  const out = new Map<string, ResourceCost>();
  const ids = resources.filter((r) => r.arn).map((r) => [r.id, billingResourceId(r.arn!)] as const);
  if (ids.length === 0) return out;
  await store.run(`CREATE OR REPLACE TEMP TABLE ${COST_IDS_TABLE} (id VARCHAR, short VARCHAR)`);
  try {
    for (let i = 0; i < ids.length; i += CHUNK) {
      const part = ids.slice(i, i + CHUNK);
      await store.run({ sql: `INSERT INTO ${COST_IDS_TABLE} VALUES ${part.map(() => "(?, ?)").join(", ")}`, params: part.flat() });
    }
    const rows = await readRows(
      store,
      { id: col.text, currency: col.text.nullable(), cost: col.money },
      `
      WITH win AS (SELECT max("ChargePeriodEnd") AS e FROM ${COST_TABLE}),
      matched AS (
        SELECT g.id, f."BillingCurrency" AS currency, sum(f."BilledCost") AS cost
        FROM ${COST_TABLE} f JOIN ${COST_IDS_TABLE} g ON f."ResourceId" = g.id OR f."ResourceId" = g.short, win
        WHERE f."ChargePeriodStart" >= win.e - INTERVAL 30 DAY
        GROUP BY g.id, f."BillingCurrency"
      )
      SELECT id, currency, cost::VARCHAR AS cost FROM matched
      QUALIFY row_number() OVER (PARTITION BY id ORDER BY cost DESC) = 1`,
    );
    for (const r of rows) out.set(r.id, { amount: r.cost, currency: r.currency });
  } finally {
    await store.run(`DROP TABLE IF EXISTS ${COST_IDS_TABLE}`);
  }
  return out;
}

export interface RecordScanInput {
  scanId: string;
  scannedAt: Date;
  origin: string;
  policyFile: string | undefined;
  resources: readonly NormalizedResource[];
  result: EvaluationResult;
  costs: Map<string, ResourceCost>;
  teamTag: string;
}

export const UNOWNED = "(unowned)";

export function teamOf(r: NormalizedResource | undefined, teamTag: string): string {
  const t = r?.tags[teamTag];
  return t === undefined || t === "" ? UNOWNED : t;
}

/**
 * Writes the scan, its checked resources and findings, and updates the findings history in one transaction:
 * a finding seen again keeps its first_seen; a finding no longer reported on a resource that was scanned is
 * resolved ("fixed"); one whose resource disappeared from a scanned account/region is resolved ("resource-gone").
 */
export async function recordScan(store: AnalysisStore, input: RecordScanInput): Promise<void> {
  const { scanId, scannedAt, result, resources, costs, teamTag } = input;
  const ts = scannedAt.toISOString();
  const byId = new Map(resources.map((r) => [r.id, r]));
  const checked = new Set(result.checkedResourceIds);
  const nonCompliant = new Set(result.findings.filter((f) => f.severity !== "info").map((f) => f.resourceId));
  await store.transaction(async () => {
    await store.run({
      sql: `INSERT INTO ${GOVERNANCE_SCANS_TABLE} VALUES (?, ?::TIMESTAMP, ?, ?, ?, ?, ?, ?, ?)`,
      params: [scanId, ts, input.origin, input.policyFile ?? null, result.summary.resources, result.summary.checked, result.summary.compliant, result.summary.findings, result.summary.blocking],
    });
    const resRows = resources.filter((r) => checked.has(r.id));
    for (let i = 0; i < resRows.length; i += CHUNK) {
      const part = resRows.slice(i, i + CHUNK);
      const params: (string | boolean | null)[] = [];
      const values: string[] = [];
      for (const r of part) {
        const c = costs.get(r.id);
        const keys = Object.keys(r.tags);
        values.push(`(?, ?, ?, ?, ?, ?, ?, ?, ?::DECIMAL(38,10), ?, MAP(?::VARCHAR[], ?::VARCHAR[]))`);
        params.push(scanId, r.id, r.arn ?? null, r.type, r.account ?? null, r.region ?? null, teamOf(r, teamTag), !nonCompliant.has(r.id), c?.amount ?? null, c?.currency ?? null, JSON.stringify(keys), JSON.stringify(keys.map((k) => r.tags[k]!)));
      }
      await store.run({ sql: `INSERT INTO ${GOVERNANCE_SCAN_RESOURCES_TABLE} VALUES ${values.join(", ")}`, params });
    }
    for (let i = 0; i < result.findings.length; i += CHUNK) {
      const part = result.findings.slice(i, i + CHUNK);
      const params: (string | boolean | null)[] = [];
      for (const f of part) {
        const c = costs.get(f.resourceId);
        params.push(scanId, f.id, f.ruleId, f.kind, f.severity, f.blocking, f.resourceId, f.arn ?? null, f.resourceType, f.account ?? null, f.region ?? null, teamOf(byId.get(f.resourceId), teamTag), f.tag ?? null, f.value ?? null, f.suggestion ?? null, f.message, c?.amount ?? null, c?.currency ?? null);
      }
      await store.run({ sql: `INSERT INTO ${GOVERNANCE_FINDINGS_TABLE} VALUES ${part.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::DECIMAL(38,10), ?)").join(", ")}`, params });
    }
    // history: insert new / refresh seen / reopen
    await store.run({
      sql: `INSERT INTO ${GOVERNANCE_FINDING_HISTORY_TABLE}
            SELECT finding_id, rule_id, resource_id, account, region, severity, team, ?::TIMESTAMP, ?::TIMESTAMP, NULL, NULL
            FROM ${GOVERNANCE_FINDINGS_TABLE} WHERE scan_id = ?
            ON CONFLICT (finding_id) DO UPDATE SET
              last_seen = excluded.last_seen,
              team = excluded.team,
              severity = excluded.severity,
              first_seen = CASE WHEN ${GOVERNANCE_FINDING_HISTORY_TABLE}.resolved_at IS NULL THEN ${GOVERNANCE_FINDING_HISTORY_TABLE}.first_seen ELSE excluded.first_seen END,
              resolved_at = NULL,
              resolution = NULL`,
      params: [ts, ts, scanId],
    });
    // resolve what this scan no longer reports
    await store.run({
      sql: `UPDATE ${GOVERNANCE_FINDING_HISTORY_TABLE} h SET resolved_at = ?::TIMESTAMP,
              resolution = CASE WHEN EXISTS (SELECT 1 FROM ${GOVERNANCE_SCAN_RESOURCES_TABLE} r WHERE r.scan_id = ? AND r.resource_id = h.resource_id) THEN 'fixed' ELSE 'resource-gone' END
            WHERE h.resolved_at IS NULL
              AND h.finding_id NOT IN (SELECT finding_id FROM ${GOVERNANCE_FINDINGS_TABLE} WHERE scan_id = ?)
              AND (EXISTS (SELECT 1 FROM ${GOVERNANCE_SCAN_RESOURCES_TABLE} r WHERE r.scan_id = ? AND r.resource_id = h.resource_id)
                   OR EXISTS (SELECT 1 FROM ${GOVERNANCE_SCAN_RESOURCES_TABLE} r WHERE r.scan_id = ? AND r.account IS NOT DISTINCT FROM h.account AND r.region IS NOT DISTINCT FROM h.region))`,
      params: [ts, scanId, scanId, scanId, scanId],
    });
  });
}

/** Findings with their monthly cost attached (for output). */
export function withCosts(findings: readonly Finding[], costs: Map<string, ResourceCost>): (Finding & { monthlyCost?: ResourceCost })[] {
  return findings.map((f) => {
    const c = costs.get(f.resourceId);
    return c ? { ...f, monthlyCost: c } : f;
  });
}
