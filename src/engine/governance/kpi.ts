/**
 * Compliance KPIs over time, computed in SQL from the recorded scans:
 *  - compliance rate by resource count and by spend (monthly cost of compliant checked resources / all
 *    checked resources with a cost), per scan;
 *  - mean (and median) time to remediate: first seen → resolved as "fixed", over findings resolved in the window;
 *  - open violations by team at the latest scan, with their monthly cost.
 * Money stays decimal strings; rates are fractions rounded to 4 places.
 */
import type { AnalysisStore } from "../store/cost-store.js";
import { col, readRow, readRows } from "../store/read-rows.js";
import { GOVERNANCE_FINDING_HISTORY_TABLE, GOVERNANCE_FINDINGS_TABLE, GOVERNANCE_SCAN_RESOURCES_TABLE, GOVERNANCE_SCANS_TABLE } from "./tables.js";

export interface ScanKpi {
  scanId: string;
  scannedAt: string;
  checked: number;
  compliant: number;
  /** compliant / checked, 4 decimals, null when nothing was checked. */
  rateByCount: string | null;
  spend: string;
  compliantSpend: string;
  rateBySpend: string | null;
  currency: string | null;
}

export interface TeamViolations {
  team: string;
  openFindings: number;
  blocking: number;
  resources: number;
  monthlyCost: string;
}

export interface GovernanceKpis {
  scans: ScanKpi[];
  mttr: { resolved: number; meanHours: string | null; medianHours: string | null };
  openByTeam: TeamViolations[];
  latestScanId: string | null;
}

export async function governanceKpis(store: AnalysisStore, opts: { since?: string } = {}): Promise<GovernanceKpis> {
  const since = opts.since ?? "1970-01-01";
  const scans = await readRows(
    store,
    {
      scan_id: col.text,
      scanned_at: col.text,
      checked: col.int,
      compliant: col.int,
      spend: col.money,
      compliant_spend: col.money,
      rate_count: col.text.nullable(),
      rate_spend: col.text.nullable(),
      currency: col.text.nullable(),
    },
    {
    sql: `SELECT s.scan_id, strftime(s.scanned_at, '%Y-%m-%dT%H:%M:%SZ') AS scanned_at,
                 count(r.resource_id)::INTEGER AS checked,
                 count(r.resource_id) FILTER (WHERE r.compliant)::INTEGER AS compliant,
                 coalesce(sum(r.monthly_cost), 0)::DECIMAL(38,10)::VARCHAR AS spend,
                 coalesce(sum(r.monthly_cost) FILTER (WHERE r.compliant), 0)::DECIMAL(38,10)::VARCHAR AS compliant_spend,
                 CASE WHEN count(r.resource_id) = 0 THEN NULL
                      ELSE round(count(r.resource_id) FILTER (WHERE r.compliant)::DECIMAL(18,4) / count(r.resource_id), 4)::VARCHAR END AS rate_count,
                 CASE WHEN coalesce(sum(r.monthly_cost), 0) = 0 THEN NULL
                      ELSE round(coalesce(sum(r.monthly_cost) FILTER (WHERE r.compliant), 0) / sum(r.monthly_cost), 4)::DECIMAL(18,4)::VARCHAR END AS rate_spend,
                 min(r.currency) AS currency
          FROM ${GOVERNANCE_SCANS_TABLE} s LEFT JOIN ${GOVERNANCE_SCAN_RESOURCES_TABLE} r USING (scan_id)
          WHERE s.scanned_at >= ?::TIMESTAMP
          GROUP BY s.scan_id, s.scanned_at ORDER BY s.scanned_at, s.scan_id`,
      params: [since],
    },
  );
  const m = await readRow(store, { n: col.int, mean_h: col.text.nullable(), median_h: col.text.nullable() }, {
    sql: `SELECT count(*)::INTEGER AS n,
                 round(avg(epoch(resolved_at) - epoch(first_seen)) / 3600, 2)::VARCHAR AS mean_h,
                 round(median(epoch(resolved_at) - epoch(first_seen)) / 3600, 2)::VARCHAR AS median_h
          FROM ${GOVERNANCE_FINDING_HISTORY_TABLE} WHERE resolution = 'fixed' AND resolved_at >= ?::TIMESTAMP`,
    params: [since],
  });
  const latest = await readRow(store, { scan_id: col.text }, `SELECT scan_id FROM ${GOVERNANCE_SCANS_TABLE} ORDER BY scanned_at DESC, scan_id DESC LIMIT 1`);
  const latestId = latest ? latest.scan_id : null;
  const teams = latestId
    ? await readRows(store, { team: col.text, open: col.int, blocking: col.int, resources: col.int, cost: col.money }, {
        sql: `WITH per_res AS (
                SELECT coalesce(team, '(unowned)') AS team, resource_id, count(*) AS n, count(*) FILTER (WHERE blocking) AS b, any_value(monthly_cost) AS cost
                FROM ${GOVERNANCE_FINDINGS_TABLE} WHERE scan_id = ? GROUP BY 1, 2)
              SELECT team, sum(n)::INTEGER AS open, sum(b)::INTEGER AS blocking, count(*)::INTEGER AS resources,
                     coalesce(sum(cost), 0)::DECIMAL(38,10)::VARCHAR AS cost
              FROM per_res GROUP BY team ORDER BY sum(cost) DESC NULLS LAST, open DESC, team`,
        params: [latestId],
      })
    : [];
  return {
    scans: scans.map((r) => ({
      scanId: r.scan_id,
      scannedAt: r.scanned_at,
      checked: r.checked,
      compliant: r.compliant,
      rateByCount: r.rate_count,
      spend: r.spend,
      compliantSpend: r.compliant_spend,
      rateBySpend: r.rate_spend,
      currency: r.currency,
    })),
    mttr: { resolved: m?.n ?? 0, meanHours: m?.mean_h ?? null, medianHours: m?.median_h ?? null },
    openByTeam: teams.map((t) => ({ team: t.team, openFindings: t.open, blocking: t.blocking, resources: t.resources, monthlyCost: t.cost })),
    latestScanId: latestId,
  };
}
