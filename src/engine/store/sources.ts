/**
 * What the store holds, per source and billing account: periods, rows, money, freshness.
 */
import type { CostStore } from "./cost-store.js";
import { COST_TABLE, RUNS_TABLE } from "./schema.js";

export interface SourceSummary {
  source: string;
  billingAccountId: string;
  billingAccountName: string;
  periods: number;
  firstPeriod: string;
  lastPeriod: string;
  rows: number;
  billedCost: string;
  currency: string;
  /** the last day whose charges are complete: the day before the latest charge day seen (a day still being billed is partial) */
  lastCompleteDay: string | null;
  lastChargeAt: string | null;
  lastIngestAt: string;
}

export async function listSources(store: CostStore): Promise<SourceSummary[]> {
  const rows = await store.all(`
    WITH c AS (
      SELECT x_Source AS source, coalesce("BillingAccountId", '') AS account, any_value("BillingAccountName") AS name,
             count(DISTINCT "BillingPeriodStart")::BIGINT AS periods,
             strftime(min("BillingPeriodStart"), '%Y-%m') AS first_period, strftime(max("BillingPeriodStart"), '%Y-%m') AS last_period,
             count(*)::BIGINT AS n, sum("BilledCost")::VARCHAR AS billed, string_agg(DISTINCT "BillingCurrency", ',') AS currency,
             max("ChargePeriodEnd") AS last_end, max("ChargePeriodStart") AS last_start, list(DISTINCT x_IngestId) AS ingests
      FROM ${COST_TABLE} GROUP BY 1, 2
    )
    SELECT c.*, strftime(last_start, '%Y-%m-%d %H:%M:%S') AS last_charge,
           CASE WHEN last_end = date_trunc('day', last_end) THEN strftime(last_end - INTERVAL 1 DAY, '%Y-%m-%d')
                ELSE strftime(date_trunc('day', last_end) - INTERVAL 1 DAY, '%Y-%m-%d') END AS last_complete,
           (SELECT strftime(max(finished_at), '%Y-%m-%d %H:%M:%S') FROM ${RUNS_TABLE} r WHERE list_contains(c.ingests, r.ingest_id)) AS last_ingest
    FROM c ORDER BY source, account`);
  return rows.map((r) => ({
    source: String(r["source"]),
    billingAccountId: String(r["account"]),
    billingAccountName: r["name"] === null ? "" : String(r["name"]),
    periods: Number(r["periods"]),
    firstPeriod: String(r["first_period"]),
    lastPeriod: String(r["last_period"]),
    rows: Number(r["n"]),
    billedCost: String(r["billed"]),
    currency: r["currency"] === null ? "" : String(r["currency"]),
    lastCompleteDay: r["last_complete"] === null ? null : String(r["last_complete"]),
    lastChargeAt: r["last_charge"] === null ? null : String(r["last_charge"]),
    lastIngestAt: r["last_ingest"] === null ? "" : String(r["last_ingest"]),
  }));
}
