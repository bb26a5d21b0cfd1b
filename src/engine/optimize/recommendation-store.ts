/**
 * The recommendations table: upsert a run's findings by stable key (figures refresh, status and history
 * stay), mark the ones a run no longer finds, change status with history, list, and measure realized savings.
 */
import { z } from "zod";
import { CostwiseError } from "../../core/errors.js";
import { subMoney } from "../../core/money.js";
import { checkTransition, RECOMMENDATION_STATUSES, type RecommendationDraft, type RecommendationStatus, type RecommendationType } from "../../core/optimize/recommendation-model.js";
import { quoteString } from "../../core/sql.js";
import { sql, type AnalysisStore, type SqlValue } from "../store/cost-store.js";
import { col, readRow, readRows, type RowOf } from "../store/read-rows.js";
import { COST_TABLE } from "../store/schema.js";
import { RECOMMENDATION_EVENTS_TABLE, RECOMMENDATIONS_TABLE } from "./tables.js";

export interface SaveResult {
  created: number;
  updated: number;
  resolved: number;
}

/**
 * Every value in this module's statements is bound (`?`), never spliced into SQL text: a reason, a key or a run id may
 * hold quotes, NUL or anything else a person or a recommender wrote. The statement text holds only table names and
 * placeholders. `NOW` is the bound timestamp, cast.
 */
const NOW = "CAST(CAST(? AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS TIMESTAMP)";
/** `?, ?, ?` for a list bound as separate parameters (an empty list: NULL, which matches nothing). */
const placeholders = (values: readonly unknown[]): string => (values.length === 0 ? "NULL" : values.map(() => "?").join(", "));

/**
 * Saves a run's drafts. `scope` = the types this run evaluated: open recommendations of those types that the
 * run did not find are marked still_found = false (event "resolved"); those found again get "reappeared".
 */
export async function saveRecommendations(
  store: AnalysisStore,
  drafts: readonly RecommendationDraft[],
  scope: readonly RecommendationType[],
  runId: string,
  at: Date = new Date(),
): Promise<SaveResult> {
  const now = at.toISOString();
  const unique = [...new Map(drafts.map((d) => [d.key, d])).values()];
  return store.transaction(async () => {
    // set-based: the run's drafts go to a temp table, then a handful of statements update, insert and log
    await store.run(`CREATE OR REPLACE TEMP TABLE __drafts (key VARCHAR, type VARCHAR, resource_id VARCHAR, resource_type VARCHAR, region VARCHAR,
      account_id VARCHAR, owner VARCHAR, owner_source VARCHAR, action VARCHAR, current_config VARCHAR, target_config VARCHAR,
      monthly_saving DECIMAL(38,10), currency VARCHAR, saving_basis VARCHAR, confidence VARCHAR, reason VARCHAR, risks JSON, details JSON,
      baseline_monthly_cost DECIMAL(38,10))`);
    // the drafts travel as one bound JSON parameter (a long VALUES list costs more to parse than to run)
    const payload = unique.map((d) => ({
      key: d.key, type: d.type, resource_id: d.resourceId, resource_type: d.resourceType, region: d.region, account_id: d.accountId,
      owner: d.owner, owner_source: d.ownerSource, action: d.action, current_config: d.currentConfig, target_config: d.targetConfig,
      monthly_saving: d.monthlySaving, currency: d.currency, saving_basis: d.savingBasis, confidence: d.confidence, reason: d.reason,
      risks: JSON.stringify(d.risks), details: JSON.stringify(d.details), baseline_monthly_cost: d.baselineMonthlyCost,
    }));
    if (payload.length > 0) {
      const shape = `[{"key":"VARCHAR","type":"VARCHAR","resource_id":"VARCHAR","resource_type":"VARCHAR","region":"VARCHAR","account_id":"VARCHAR",
        "owner":"VARCHAR","owner_source":"VARCHAR","action":"VARCHAR","current_config":"VARCHAR","target_config":"VARCHAR","monthly_saving":"VARCHAR",
        "currency":"VARCHAR","saving_basis":"VARCHAR","confidence":"VARCHAR","reason":"VARCHAR","risks":"VARCHAR","details":"VARCHAR","baseline_monthly_cost":"VARCHAR"}]`;
      await store.run({
        sql: `INSERT INTO __drafts SELECT key, type, resource_id, resource_type, region, account_id, owner, owner_source, action, current_config, target_config,
            monthly_saving::DECIMAL(38,10), currency, saving_basis, confidence, reason, risks::JSON, details::JSON, baseline_monthly_cost::DECIMAL(38,10)
          FROM (SELECT unnest(from_json($1::JSON, ${quoteString(shape.replace(/\s+/g, ""))}), recursive := true))`,
        params: [JSON.stringify(payload)],
      });
    }
    const count = async (sql: string): Promise<number> => (await readRow(store, { n: col.int }, sql))!.n;
    const updated = await count(`SELECT count(*)::INTEGER AS n FROM __drafts d JOIN ${RECOMMENDATIONS_TABLE} r USING (key)`);
    await store.run(sql(`INSERT INTO ${RECOMMENDATION_EVENTS_TABLE}
      SELECT r.id, ${NOW}, CASE WHEN r.still_found THEN 'updated' ELSE 'reappeared' END, NULL, NULL, NULL, d.monthly_saving, ?
      FROM __drafts d JOIN ${RECOMMENDATIONS_TABLE} r USING (key)`, now, runId));
    await store.run(sql(`UPDATE ${RECOMMENDATIONS_TABLE} r SET type = d.type, resource_id = d.resource_id, resource_type = d.resource_type,
        region = d.region, account_id = d.account_id, owner = d.owner, owner_source = d.owner_source, action = d.action,
        current_config = d.current_config, target_config = d.target_config, monthly_saving = d.monthly_saving, currency = d.currency,
        saving_basis = d.saving_basis, confidence = d.confidence, reason = d.reason, risks = d.risks, details = d.details,
        last_seen = ${NOW}, last_run = ?, still_found = TRUE
      FROM __drafts d WHERE r.key = d.key`, now, runId));
    await store.run(`CREATE OR REPLACE TEMP TABLE __new AS
      SELECT (SELECT coalesce(max(id), 0) FROM ${RECOMMENDATIONS_TABLE}) + row_number() OVER (ORDER BY d.monthly_saving DESC, d.key) AS id, d.*
      FROM __drafts d WHERE d.key NOT IN (SELECT key FROM ${RECOMMENDATIONS_TABLE})`);
    const created = await count(`SELECT count(*)::INTEGER AS n FROM __new`);
    await store.run(sql(`INSERT INTO ${RECOMMENDATIONS_TABLE}
      SELECT id::INTEGER, key, type, resource_id, resource_type, region, account_id, owner, owner_source, action, current_config, target_config,
        monthly_saving, currency, saving_basis, confidence, reason, risks, details, baseline_monthly_cost,
        'open', NULL, ${NOW}, ${NOW}, ${NOW}, ?, TRUE FROM __new`, now, now, now, runId));
    await store.run(sql(`INSERT INTO ${RECOMMENDATION_EVENTS_TABLE} SELECT id::INTEGER, ${NOW}, 'created', NULL, 'open', NULL, monthly_saving, ? FROM __new`, now, runId));
    let resolved = 0;
    if (scope.length > 0) {
      const gone = `still_found AND type IN (${placeholders(scope)}) AND key NOT IN (SELECT key FROM __drafts)`;
      resolved = (await readRow(store, { n: col.int }, sql(`SELECT count(*)::INTEGER AS n FROM ${RECOMMENDATIONS_TABLE} WHERE ${gone}`, ...scope)))!.n;
      await store.run(sql(`INSERT INTO ${RECOMMENDATION_EVENTS_TABLE} SELECT id, ${NOW}, 'resolved', NULL, NULL, 'not found by this run', NULL, ? FROM ${RECOMMENDATIONS_TABLE} WHERE ${gone}`, now, runId, ...scope));
      await store.run(sql(`UPDATE ${RECOMMENDATIONS_TABLE} SET still_found = FALSE, last_run = ? WHERE ${gone}`, runId, ...scope));
    }
    await store.run("DROP TABLE __drafts");
    await store.run("DROP TABLE __new");
    return { created, updated, resolved };
  });
}

/** A stored recommendation: the draft as stored (type, basis and confidence as written, possibly by an older costwise), with its state. */
export interface RecommendationRow extends Omit<RecommendationDraft, "type" | "savingBasis" | "confidence"> {
  id: number;
  type: string;
  savingBasis: string | null;
  confidence: string;
  status: RecommendationStatus;
  statusReason: string | null;
  statusChangedAt: string | null;
  firstSeen: string;
  lastSeen: string;
  stillFound: boolean;
}

export interface ListFilter {
  status?: RecommendationStatus[];
  type?: string[];
  owner?: string;
  /** Include recommendations the latest run no longer found (default false). */
  includeResolved?: boolean;
}

export async function listRecommendations(store: AnalysisStore, f: ListFilter = {}): Promise<RecommendationRow[]> {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (f.status?.length) {
    where.push(`status IN (${placeholders(f.status)})`);
    params.push(...f.status);
  }
  if (f.type?.length) {
    where.push(`type IN (${placeholders(f.type)})`);
    params.push(...f.type);
  }
  if (f.owner) {
    where.push(`owner = ?`);
    params.push(f.owner);
  }
  if (!f.includeResolved) where.push(`(still_found OR status IN ('accepted', 'done'))`);
  const rows = await readRows(store, RECOMMENDATION_SHAPE, sql(`SELECT ${RECOMMENDATION_COLUMNS}
    FROM ${RECOMMENDATIONS_TABLE} ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
    ORDER BY monthly_saving DESC, id`, ...params));
  return rows.map(toRow);
}

/** The columns a RecommendationRow is read from (money as decimal text, times as ISO 8601 UTC). */
const RECOMMENDATION_COLUMNS = `*, monthly_saving::VARCHAR AS ms, baseline_monthly_cost::VARCHAR AS bmc,
      strftime(status_changed_at, '%Y-%m-%dT%H:%M:%SZ') AS sca, strftime(first_seen, '%Y-%m-%dT%H:%M:%SZ') AS fs, strftime(last_seen, '%Y-%m-%dT%H:%M:%SZ') AS ls`;

const RECOMMENDATION_SHAPE = {
  id: col.int,
  key: col.text,
  type: col.text,
  resource_id: col.text.nullable(),
  resource_type: col.text.nullable(),
  region: col.text.nullable(),
  account_id: col.text.nullable(),
  owner: col.text.nullable(),
  owner_source: col.text.nullable(),
  action: col.text,
  current_config: col.text.nullable(),
  target_config: col.text.nullable(),
  ms: col.money,
  currency: col.text,
  saving_basis: col.text.nullable(),
  confidence: col.text,
  reason: col.text,
  risks: col.json.pipe(z.array(z.string()).nullable()),
  details: col.json.pipe(z.record(z.string(), z.unknown()).nullable()),
  bmc: col.money.nullable(),
  status: z.enum(RECOMMENDATION_STATUSES),
  status_reason: col.text.nullable(),
  sca: col.timestamp.nullable(),
  fs: col.timestamp,
  ls: col.timestamp,
  still_found: col.bool,
};

function toRow(r: RowOf<typeof RECOMMENDATION_SHAPE>): RecommendationRow {
  return {
    id: r.id,
    key: r.key,
    type: r.type,
    resourceId: r.resource_id,
    resourceType: r.resource_type,
    region: r.region,
    accountId: r.account_id,
    owner: r.owner,
    ownerSource: r.owner_source,
    action: r.action,
    currentConfig: r.current_config,
    targetConfig: r.target_config,
    monthlySaving: r.ms,
    currency: r.currency,
    savingBasis: r.saving_basis,
    confidence: r.confidence,
    reason: r.reason,
    risks: r.risks ?? [],
    details: r.details ?? {},
    baselineMonthlyCost: r.bmc,
    status: r.status,
    statusReason: r.status_reason,
    statusChangedAt: r.sca,
    firstSeen: r.fs,
    lastSeen: r.ls,
    stillFound: r.still_found,
  };
}

/** Finds one recommendation by numeric id or key. */
export async function getRecommendation(store: AnalysisStore, ref: string): Promise<RecommendationRow> {
  // a numeric ref is an id (digits too many for an INTEGER match nothing), anything else a key
  const where = /^\d+$/.test(ref) ? `id = TRY_CAST(? AS BIGINT)` : `key = ?`;
  const row = await readRow(store, RECOMMENDATION_SHAPE, sql(`SELECT ${RECOMMENDATION_COLUMNS} FROM ${RECOMMENDATIONS_TABLE} WHERE ${where}`, ref));
  if (!row) throw new CostwiseError("NOT_FOUND", `no recommendation ${ref} (see costwise recommend list)`);
  return toRow(row);
}

export async function setRecommendationStatus(
  store: AnalysisStore,
  ref: string,
  to: RecommendationStatus,
  reason: string | undefined,
  at: Date = new Date(),
): Promise<RecommendationRow> {
  if (!(RECOMMENDATION_STATUSES as readonly string[]).includes(to)) throw new CostwiseError("USAGE", `unknown status ${to}`);
  return store.transaction(async () => {
    const rec = await getRecommendation(store, ref);
    const problem = checkTransition(rec.status, to, reason);
    if (problem) throw new CostwiseError("USAGE", `recommendation ${rec.id}: ${problem.message}`, { details: { code: problem.code } });
    const now = at.toISOString();
    const why = reason ?? null;
    await store.run(sql(`UPDATE ${RECOMMENDATIONS_TABLE} SET status = ?, status_reason = ?, status_changed_at = ${NOW} WHERE id = ?`, to, why, now, rec.id));
    await store.run(
      sql(`INSERT INTO ${RECOMMENDATION_EVENTS_TABLE} VALUES (?, ${NOW}, 'status', ?, ?, ?, CAST(? AS DECIMAL(38,10)), NULL)`, rec.id, now, rec.status, to, why, rec.monthlySaving),
    );
    return getRecommendation(store, String(rec.id));
  });
}

export interface RecommendationEvent {
  at: string;
  event: string;
  fromStatus: string | null;
  toStatus: string | null;
  reason: string | null;
  monthlySaving: string | null;
  runId: string | null;
}

export async function recommendationHistory(store: AnalysisStore, id: number): Promise<RecommendationEvent[]> {
  return readRows(
    store,
    { at: col.timestamp, event: col.text, fromStatus: col.text.nullable(), toStatus: col.text.nullable(), reason: col.text.nullable(), monthlySaving: col.money.nullable(), runId: col.text.nullable() },
    sql(`SELECT strftime(event_at, '%Y-%m-%dT%H:%M:%SZ') AS at, event, from_status AS "fromStatus", to_status AS "toStatus", reason, monthly_saving::VARCHAR AS "monthlySaving", run_id AS "runId"
    FROM ${RECOMMENDATION_EVENTS_TABLE} WHERE recommendation_id = ? ORDER BY event_at, rowid`, id),
  );
}

export interface RealizedSaving {
  id: number;
  resourceId: string;
  /** Monthly cost when the recommendation was made (from the bill or list price). */
  baselineMonthlyCost: string;
  /** The resource's monthly cost in the bill since it was marked done (null: no billed hours since). */
  monthlyCostSince: string | null;
  realizedMonthlySaving: string | null;
  expectedMonthlySaving: string;
}

/**
 * Savings realized by done recommendations: baseline monthly cost minus the resource's billed monthly cost
 * (EffectiveCost per billed hour x hoursPerMonth) after it was marked done. A resource absent from the bill
 * since then (terminated, deleted) realizes its whole baseline.
 */
export async function realizedSavings(store: AnalysisStore, hoursPerMonth: number): Promise<RealizedSaving[]> {
  const rows = await readRows(store, { id: col.int, resource_id: col.text, baseline: col.money, expected: col.money, since: col.money.nullable(), bill_after: col.bool.nullable() }, sql(`
    SELECT r.id, r.resource_id, r.baseline_monthly_cost::VARCHAR AS baseline, r.monthly_saving::VARCHAR AS expected,
      (SELECT (sum(c."EffectiveCost") * CAST(? AS DECIMAL(18,4)) / nullif(date_diff('hour', r.status_changed_at, max(c."ChargePeriodEnd")), 0))::DECIMAL(38,10)::VARCHAR
         FROM ${COST_TABLE} c WHERE c."ResourceId" = r.resource_id AND c."ChargeCategory" = 'Usage' AND c."ChargePeriodStart" >= r.status_changed_at) AS since,
      (SELECT max(c."ChargePeriodEnd") > r.status_changed_at FROM ${COST_TABLE} c WHERE c."ChargePeriodStart" >= r.status_changed_at) AS bill_after
    FROM ${RECOMMENDATIONS_TABLE} r
    WHERE r.status = 'done' AND r.resource_id IS NOT NULL AND r.baseline_monthly_cost IS NOT NULL ORDER BY r.id`, String(hoursPerMonth)));
  return rows.map((r) => {
    const since = r.since ?? (r.bill_after ? "0" : null);
    return {
      id: r.id,
      resourceId: r.resource_id,
      baselineMonthlyCost: r.baseline,
      monthlyCostSince: since,
      realizedMonthlySaving: since === null ? null : subMoney(r.baseline, since),
      expectedMonthlySaving: r.expected,
    };
  });
}
