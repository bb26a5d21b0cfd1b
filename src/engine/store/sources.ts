/**
 * What the store holds, per source and billing account: periods, rows, money, freshness.
 */
import { z } from "zod";
import { quoteString } from "../../core/sql.js";
import type { CostStore } from "./cost-store.js";
import { col, readRows } from "./read-rows.js";
import { CE_DAYS_TABLE, SYNCS_TABLE } from "../connectors/tables.js";
import { COST_TABLE, LOADED_TABLE, RUNS_TABLE } from "./schema.js";

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
  /** the last day whose charges are complete (see FRESHNESS_RULES) */
  lastCompleteDay: string | null;
  lastChargeAt: string | null;
  lastIngestAt: string;
  /** configured source names (costwise.yaml) whose syncs loaded these rows */
  configuredSources: string[];
  lastSyncAt: string | null;
}

/** A DuckDB LIST of ingest ids. */
const idList = z.array(z.string()).nullable();

const SOURCE_ROW = {
  source: col.text,
  account: col.text,
  name: col.text.nullable(),
  periods: col.int,
  // NULL when the rows carry no BillingPeriodStart (not FOCUS-conformant, but loadable by hand)
  first_period: col.text.nullable(),
  last_period: col.text.nullable(),
  n: col.int,
  billed: col.money.nullable(),
  currency: col.text.nullable(),
  last_complete: col.text.nullable(),
  last_charge: col.text.nullable(),
  last_ingest: col.text.nullable(),
};

export async function listSources(store: CostStore): Promise<SourceSummary[]> {
  const rows = await readRows(store, SOURCE_ROW, `
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
  // freshness reads the load bookkeeping; a store without it keeps the per-row rule computed above
  const fresh = new Map((await freshness(store).catch(() => [] as SourceFreshness[])).map((f) => [`${f.source}\u0000${f.billingAccountId}`, f]));
  return rows.map((r) => {
    const f = fresh.get(`${r.source}\u0000${r.account}`);
    return {
    source: r.source,
    billingAccountId: r.account,
    billingAccountName: r.name ?? "",
    periods: r.periods,
    firstPeriod: r.first_period ?? "",
    lastPeriod: r.last_period ?? "",
    rows: r.n,
    billedCost: r.billed ?? "0",
    currency: r.currency ?? "",
    lastCompleteDay: f ? f.lastCompleteDay : r.last_complete,
    lastChargeAt: r.last_charge,
    lastIngestAt: r.last_ingest ?? "",
    configuredSources: f?.configuredSources ?? [],
    lastSyncAt: f?.lastSyncAt ?? null,
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Freshness: the last complete billing day per source, for `costwise sources`, charts and detectors

/**
 * How the last complete day is decided, per source:
 * - every source: a day is complete once the source has delivered charges past it. From the bookkeeping of
 *   what was loaded (loaded_files, no cost-row scan): the latest ChargePeriodEnd; when it is midnight the day
 *   before it is complete, otherwise (a day still being billed, e.g. an hourly CUR delivered mid-day) the day
 *   before that day. A CUR delivered through 2024-09-15 13:00 is complete through 2024-09-14.
 * - Cost Explorer (aws-ce) also: the day before the first day Cost Explorer marked Estimated in the last
 *   fetched window, since estimated amounts still change.
 */
export const FRESHNESS_RULES = {
  default: "the day before the latest charge end (a partly billed day is not complete)",
  "aws-ce": "the day before Cost Explorer's first Estimated day (and before the latest charge end)",
} as const;

export interface SourceFreshness {
  /** x_Source (the mapping id: aws-cur, aws-ce, focus, opencost, ...) */
  source: string;
  billingAccountId: string;
  /** configured source names (costwise.yaml) whose syncs loaded these rows; empty for `costwise ingest` loads */
  configuredSources: string[];
  rows: number;
  /** latest ChargePeriodEnd loaded, "YYYY-MM-DD HH:MM:SS" */
  lastChargeEnd: string | null;
  lastCompleteDay: string | null;
  /** Cost Explorer: the first day it marked Estimated (null when none, or not Cost Explorer) */
  estimatedFrom: string | null;
  rule: string;
  lastIngestAt: string | null;
  /** the last sync of a configured source that loaded these rows */
  lastSyncAt: string | null;
}

export async function freshness(store: CostStore): Promise<SourceFreshness[]> {
  const rows = await readRows(store, { source: col.text, account: col.text, n: col.int, ingests: idList, last_end: col.text.nullable(), complete: col.text.nullable(), last_ingest: col.text.nullable() }, `
    WITH c AS (
      SELECT source, coalesce(billing_account_id, '') AS account, sum(rows)::BIGINT AS n, max(last_charge) AS last_charge, list(DISTINCT ingest_id) AS ingests
      FROM ${LOADED_TABLE} GROUP BY 1, 2)
    SELECT source, account, n, ingests, strftime(last_charge, '%Y-%m-%d %H:%M:%S') AS last_end,
           strftime(CASE WHEN last_charge = date_trunc('day', last_charge) THEN last_charge - INTERVAL 1 DAY
                         ELSE date_trunc('day', last_charge) - INTERVAL 1 DAY END, '%Y-%m-%d') AS complete,
           (SELECT strftime(max(finished_at), '%Y-%m-%d %H:%M:%S') FROM ${RUNS_TABLE} r WHERE list_contains(c.ingests, r.ingest_id)) AS last_ingest
    FROM c ORDER BY 1, 2`);
  // connector bookkeeping (absent on stores without the connectors feature: freshness still works)
  let syncs: { source_name: string; at: string; ingest_id: string }[] = [];
  let estimated: { account: string; first_estimated: string | null }[] = [];
  try {
    syncs = await readRows(store, { source_name: col.text, at: col.text, ingest_id: col.text }, `SELECT source_name, strftime(finished_at, '%Y-%m-%d %H:%M:%S') AS at, unnest(ingest_ids) AS ingest_id FROM ${SYNCS_TABLE}`);
    estimated = await readRows(store, { account: col.text, first_estimated: col.text.nullable() }, `SELECT billing_account_id AS account, strftime(min(day) FILTER (WHERE estimated), '%Y-%m-%d') AS first_estimated
      FROM ${CE_DAYS_TABLE} GROUP BY 1`);
  } catch {
    // no connectors tables
  }
  const byIngest = new Map<string, { name: string; at: string }[]>();
  for (const s of syncs) {
    const id = s.ingest_id;
    byIngest.set(id, [...(byIngest.get(id) ?? []), { name: s.source_name, at: s.at }]);
  }
  const firstEstimated = new Map(estimated.map((e) => [e.account, e.first_estimated]));
  return rows.map((r) => {
    const source = r.source;
    const account = r.account;
    const ingests = r.ingests ?? [];
    const names = new Map<string, string>();
    for (const id of ingests) for (const s of byIngest.get(id) ?? []) if (!names.has(s.name) || names.get(s.name)! < s.at) names.set(s.name, s.at);
    let complete = r.complete;
    const est = source === "aws-ce" ? (firstEstimated.get(account) ?? null) : null;
    if (est) {
      const before = dayBefore(est);
      if (complete === null || before < complete) complete = before;
    }
    const lastSync = [...names.values()].sort().at(-1) ?? null;
    return {
      source,
      billingAccountId: account,
      configuredSources: [...names.keys()].sort(),
      rows: r.n,
      lastChargeEnd: r.last_end,
      lastCompleteDay: complete,
      estimatedFrom: est,
      rule: source === "aws-ce" ? FRESHNESS_RULES["aws-ce"] : FRESHNESS_RULES.default,
      lastIngestAt: r.last_ingest,
      lastSyncAt: lastSync,
    };
  });
}

function dayBefore(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

/**
 * The last day complete across sources, where charts and detectors should stop: the earliest last complete
 * day among the active sources (those complete within `activeDays` of the freshest one; a source that stopped
 * delivering long ago does not hold everyone back), optionally only among `sources` (x_Source ids).
 */
export async function lastCompleteDay(store: CostStore, options: { sources?: readonly string[]; activeDays?: number } = {}): Promise<string | null> {
  const all = (await freshness(store)).filter((f) => f.lastCompleteDay !== null && (!options.sources || options.sources.includes(f.source)));
  if (all.length === 0) return null;
  const newest = all.map((f) => f.lastCompleteDay!).sort().at(-1)!;
  const horizon = new Date(Date.parse(`${newest}T00:00:00Z`) - (options.activeDays ?? 31) * 86_400_000).toISOString().slice(0, 10);
  return all.map((f) => f.lastCompleteDay!).filter((d) => d >= horizon).sort()[0] ?? null;
}

export interface ConfiguredSourceStatus {
  name: string;
  type: string;
  /** in costwise.yaml now (false: only its history remains) */
  configured: boolean;
  lastSyncAt: string | null;
  lastStatus: string | null;
  lastMessage: string | null;
  lastOkAt: string | null;
  /** rows in the store loaded by this source's syncs */
  rows: number;
  /** the earliest last complete day among the (source, billing account) sets it loaded */
  lastCompleteDay: string | null;
}

/** Per configured source name: the last sync and its outcome, rows held, and freshness. */
export async function configuredSources(store: CostStore, configured: readonly { name: string; type: string }[] = []): Promise<ConfiguredSourceStatus[]> {
  let last: { source_name: string; type: string | null; at: string | null; status: string | null; message: string | null; ok_at: string | null }[] = [];
  try {
    last = await readRows(store, { source_name: col.text, type: col.text.nullable(), at: col.text.nullable(), status: col.text.nullable(), message: col.text.nullable(), ok_at: col.text.nullable() }, `
      SELECT source_name, arg_max(source_type, finished_at) AS type, strftime(max(finished_at), '%Y-%m-%d %H:%M:%S') AS at,
             arg_max(status, finished_at) AS status, arg_max(message, finished_at) AS message,
             strftime(max(finished_at) FILTER (WHERE status <> ${quoteString("failed")}), '%Y-%m-%d %H:%M:%S') AS ok_at
      FROM ${SYNCS_TABLE} GROUP BY 1`);
  } catch {
    // no connectors tables
  }
  const fresh = await freshness(store);
  const names = [...new Set([...configured.map((c) => c.name), ...last.map((l) => l.source_name)])];
  return names.map((name) => {
    const l = last.find((x) => x.source_name === name);
    const mine = fresh.filter((f) => f.configuredSources.includes(name));
    const days = mine.map((f) => f.lastCompleteDay).filter((d): d is string => d !== null).sort();
    const c = configured.find((x) => x.name === name);
    return {
      name,
      type: c?.type ?? String(l?.type ?? ""),
      configured: c !== undefined,
      lastSyncAt: l ? String(l.at) : null,
      lastStatus: l ? String(l.status) : null,
      lastMessage: l ? l.message : null,
      lastOkAt: l ? l.ok_at : null,
      rows: mine.reduce((a, f) => a + f.rows, 0),
      lastCompleteDay: days[0] ?? null,
    };
  });
}
