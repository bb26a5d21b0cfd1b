/**
 * The DuckDB sink of the ingest spine: the writes of one ingest into the embedded store (cost rows, the
 * loaded-files ledger, the run record) and the ledger reads the spine checks with. Called only by the spine
 * (../spine.ts), inside its transaction.
 */
import { quoteIdent } from "../../../core/sql.js";
import type { AnalysisStore } from "../../store/cost-store.js";
import { col, readRow, readRows } from "../../store/read-rows.js";
import { COST_TABLE, COST_TABLE_COLUMNS, LOADED_TABLE, RUNS_TABLE } from "../../store/schema.js";

/** One row of `ingest_runs`: what one ingest loaded, replaced and checked. */
export interface RunRecord {
  ingestId: string;
  startedAt: Date;
  /** when the rows were committed, on the caller's clock (default: the store's now()) */
  finishedAt?: Date;
  /** the mapping ids loaded, comma-separated */
  source: string;
  files: unknown[];
  partitions: unknown[];
  rowsLoaded: number;
  rowsReplaced: number;
  sourceTotal: string;
  loadedTotal: string;
  replacedTotal: string;
  currencyTotals: Record<string, string>;
}

/** Inserts mapped rows (a SELECT of every cost-table column, in table order) into the cost table. */
export async function insertCostRows(store: AnalysisStore, selectSql: string): Promise<void> {
  const cols = COST_TABLE_COLUMNS.map((c) => quoteIdent(c.name)).join(", ");
  await store.run(`INSERT INTO ${COST_TABLE} (${cols}) ${selectSql}`);
}

/**
 * Books in the ledger what the rows of (ingest, file) hold, per partition, delivery and currency (one pass over
 * those rows). With `source`, only that source's rows (rebooking what an older load still holds).
 */
export async function bookLoaded(store: AnalysisStore, at: { ingestId: string; file: string; source?: string }): Promise<void> {
  await store.run({
    sql: `INSERT INTO ${LOADED_TABLE} SELECT x_Source, "BillingAccountId", "BillingPeriodStart", x_DeliveryId, x_SourceFile, x_IngestId, "BillingCurrency",
            count(*), sum("BilledCost"), sum("EffectiveCost"), min("ChargePeriodStart"), max("ChargePeriodEnd")
          FROM ${COST_TABLE} WHERE ${at.source === undefined ? "" : "x_Source = ? AND "}x_IngestId = ? AND x_SourceFile = ? GROUP BY ALL`,
    params: at.source === undefined ? [at.ingestId, at.file] : [at.source, at.ingestId, at.file],
  });
}

/** Drops the ledger rows of one older (source, ingest, file), before it is rebooked. */
export async function unbookLoaded(store: AnalysisStore, at: { ingestId: string; file: string; source: string }): Promise<void> {
  await store.run({ sql: `DELETE FROM ${LOADED_TABLE} WHERE source = ? AND ingest_id = ? AND file = ?`, params: [at.source, at.ingestId, at.file] });
}

/** What the ledger holds for one file of an ingest: rows and BilledCost. */
export async function bookedTotals(store: AnalysisStore, ingestId: string, file: string): Promise<{ rows: number; billedCost: string }> {
  const r = await readRow(store, { n: col.int, t: col.money }, {
    sql: `SELECT coalesce(sum(rows), 0)::BIGINT AS n, coalesce(sum(billed_cost), 0)::VARCHAR AS t FROM ${LOADED_TABLE} WHERE ingest_id = ? AND file = ?`,
    params: [ingestId, file],
  });
  return { rows: r?.n ?? 0, billedCost: r?.t ?? "0" };
}

/** BilledCost an ingest loaded, per currency ("?" for rows without one). */
export async function bookedCurrencyTotals(store: AnalysisStore, ingestId: string): Promise<Record<string, string>> {
  const rows = await readRows(store, { c: col.text, t: col.money.nullable() }, {
    sql: `SELECT coalesce(currency, '?') AS c, sum(billed_cost)::VARCHAR AS t FROM ${LOADED_TABLE} WHERE ingest_id = ? GROUP BY 1 ORDER BY 1`,
    params: [ingestId],
  });
  return Object.fromEntries(rows.map((r) => [r.c, String(r.t)]));
}

/** Records the run (finished now, or at run.finishedAt on the caller's clock). */
export async function recordRun(store: AnalysisStore, run: RunRecord): Promise<void> {
  await store.run({
    sql: `INSERT INTO ${RUNS_TABLE} VALUES (?, ?::TIMESTAMP, coalesce(?::TIMESTAMP, now()::TIMESTAMP), ?, ?::JSON, ?::JSON, ?, ?, ?::DECIMAL(38,10), ?::DECIMAL(38,10), ?::DECIMAL(38,10), ?::JSON)`,
    params: [
      run.ingestId,
      run.startedAt.toISOString().replace("T", " ").replace("Z", ""),
      run.finishedAt ? run.finishedAt.toISOString().replace("T", " ").replace("Z", "") : null,
      run.source,
      JSON.stringify(run.files),
      JSON.stringify(run.partitions),
      run.rowsLoaded,
      run.rowsReplaced,
      run.sourceTotal,
      run.loadedTotal,
      run.replacedTotal,
      JSON.stringify(run.currencyTotals),
    ],
  });
}
