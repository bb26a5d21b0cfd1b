/**
 * Replacement units: what a load replaces, so that re-delivered data replaces the old and money never doubles.
 * Both run inside the spine's transaction (./spine.ts).
 *
 * - billingPeriodUnit (billing files): the unit is the (source, billing account, billing period) partition. After
 *   the new rows are booked, the ledger says which older (partition, ingest, file) sets are replaced: those of
 *   another delivery, or of the same file; the cost rows are scanned once, by the DELETE itself.
 * - clusterWindowUnit (OpenCost allocations): the unit is (cluster, allocation window). Before the insert, an old
 *   row that only partly overlaps a new window is refused (it would be half replaced); the old rows inside the
 *   new windows are deleted and the loads they came from are rebooked with what they still hold.
 */
import { z } from "zod";
import { CostwiseError } from "../../core/errors.js";
import type { AnalysisStore } from "../store/cost-store.js";
import { sql } from "../store/cost-store.js";
import { col, readRow, readRows } from "../store/read-rows.js";
import { COST_TABLE, LOADED_TABLE } from "../store/schema.js";
import { bookLoaded, unbookLoaded } from "./sinks/duckdb.js";
import type { ReplacementUnit } from "./spine.js";

export interface PartitionReport {
  source: string;
  billingAccountId: string;
  billingPeriodStart: string;
  deliveryId: string;
  rows: number;
  billedCost: string;
  rowsReplaced: number;
  billedCostReplaced: string;
}

/**
 * Replaces, per (source, billing account, billing period) partition loaded, the rows of other deliveries and of
 * the same files (a re-delivery replaces the period, the other parts of the same delivery stay). Two report
 * versions of one partition in one ingest are refused.
 */
export function billingPeriodUnit(files: readonly string[]): ReplacementUnit<PartitionReport[]> {
  return { after: (store, ingestId) => replacePartitions(store, files, ingestId) };
}

async function replacePartitions(store: AnalysisStore, files: readonly string[], ingestId: string): Promise<PartitionReport[]> {
  const parts = await readRows(
    store,
    { source: col.text, account: col.text.nullable(), period: col.text.nullable(), deliveries: z.array(z.string()), n: col.int, billed: col.money.nullable() },
    {
      sql: `SELECT source, billing_account_id AS account, billing_period_start::VARCHAR AS period, list(DISTINCT delivery_id ORDER BY delivery_id) AS deliveries,
            sum(rows)::BIGINT AS n, sum(billed_cost)::VARCHAR AS billed
     FROM ${LOADED_TABLE} WHERE ingest_id = ? GROUP BY ALL ORDER BY 1, 2, 3`,
      params: [ingestId],
    },
  );
  for (const p of parts) {
    if (p.deliveries.length > 1) {
      throw new CostwiseError(
        "BAD_INPUT",
        `two report versions of the same billing period (${p.source}, account ${p.account}, ${p.period}) in one ingest: ${p.deliveries.join(" and ")}; give only the latest`,
      );
    }
  }
  // the loaded sets this ingest replaces: same partition, another ingest, and another delivery or the same file
  const victims = `SELECT o.source, o.billing_account_id, o.billing_period_start, o.ingest_id, o.file, o.rows, o.billed_cost
     FROM ${LOADED_TABLE} o JOIN (SELECT DISTINCT source, billing_account_id, billing_period_start, delivery_id FROM ${LOADED_TABLE} WHERE ingest_id = ?) n
       ON o.source = n.source AND o.billing_account_id IS NOT DISTINCT FROM n.billing_account_id AND o.billing_period_start IS NOT DISTINCT FROM n.billing_period_start
     WHERE o.ingest_id <> ? AND (o.delivery_id <> n.delivery_id OR o.file IN (${files.map(() => "?").join(", ") || "NULL"}))`;
  // the file paths are bound after the two ingest ids, in the order the placeholders appear
  const victimParams = [ingestId, ingestId, ...files];
  const replaced = await readRows(
    store,
    { source: col.text, account: col.text.nullable(), period: col.text.nullable(), n: col.int, t: col.money.nullable() },
    {
      sql: `SELECT source, billing_account_id AS account, billing_period_start::VARCHAR AS period, sum(rows)::BIGINT AS n, sum(billed_cost)::VARCHAR AS t
          FROM (${victims}) GROUP BY ALL`,
      params: victimParams,
    },
  );
  if (replaced.length > 0) {
    await store.run({
      sql: `DELETE FROM ${COST_TABLE} USING (SELECT DISTINCT source, billing_account_id, billing_period_start, ingest_id, file FROM (${victims})) v
            WHERE ${COST_TABLE}.x_IngestId = v.ingest_id AND ${COST_TABLE}.x_SourceFile = v.file AND ${COST_TABLE}.x_Source = v.source
              AND ${COST_TABLE}."BillingAccountId" IS NOT DISTINCT FROM v.billing_account_id AND ${COST_TABLE}."BillingPeriodStart" IS NOT DISTINCT FROM v.billing_period_start`,
      params: victimParams,
    });
    await store.run({
      sql: `DELETE FROM ${LOADED_TABLE} USING (SELECT DISTINCT source, billing_account_id, billing_period_start, ingest_id, file FROM (${victims})) v
            WHERE ${LOADED_TABLE}.ingest_id = v.ingest_id AND ${LOADED_TABLE}.file = v.file AND ${LOADED_TABLE}.source = v.source
              AND ${LOADED_TABLE}.billing_account_id IS NOT DISTINCT FROM v.billing_account_id AND ${LOADED_TABLE}.billing_period_start IS NOT DISTINCT FROM v.billing_period_start`,
      params: victimParams,
    });
  }
  const key = (r: { source: string; account: string | null; period: string | null }) => `${r.source}|${r.account ?? ""}|${String(r.period)}`;
  const gone = new Map(replaced.map((r) => [key(r), r]));
  return parts.map((p) => {
    const g = gone.get(key(p));
    return {
      source: p.source,
      billingAccountId: p.account === null ? "" : p.account,
      billingPeriodStart: String(p.period),
      deliveryId: p.deliveries[0]!,
      rows: p.n,
      billedCost: String(p.billed),
      rowsReplaced: g?.n ?? 0,
      billedCostReplaced: g?.t ?? "0",
    };
  });
}

/** What a cluster-window load replaced. */
export interface WindowReplacement {
  rowsReplaced: number;
  replacedTotal: string;
}

/**
 * Replaces, for one source, the rows of each cluster inside the new allocation windows. `windows` is a table
 * (cluster, ws, we) of the windows loaded; `shown` names the input in the error for a partial overlap.
 */
export function clusterWindowUnit(at: { source: string; windows: string; shown: string }): ReplacementUnit<WindowReplacement> {
  const { windows: winT, shown } = at;
  const source = at.source;
  let replacement: WindowReplacement = { rowsReplaced: 0, replacedTotal: "0" };
  return {
    before: async (store) => {
      const partial = await readRow(
        store,
        { cluster: col.text.nullable(), s: col.text.nullable(), e: col.text.nullable(), ws: col.text.nullable(), we: col.text.nullable() },
        sql(
          `SELECT f.x_k8s_Cluster AS cluster, strftime(f."ChargePeriodStart", '%Y-%m-%dT%H:%M:%SZ') AS s, strftime(f."ChargePeriodEnd", '%Y-%m-%dT%H:%M:%SZ') AS e,
                strftime(w.ws, '%Y-%m-%dT%H:%M:%SZ') AS ws, strftime(w.we, '%Y-%m-%dT%H:%M:%SZ') AS we
         FROM ${COST_TABLE} f JOIN ${winT} w ON f.x_Source = ? AND f.x_k8s_Cluster = w.cluster AND f."ChargePeriodStart" < w.we AND f."ChargePeriodEnd" > w.ws
         WHERE NOT EXISTS (SELECT 1 FROM ${winT} w2 WHERE w2.cluster = f.x_k8s_Cluster AND f."ChargePeriodStart" >= w2.ws AND f."ChargePeriodEnd" <= w2.we)
         LIMIT 1`,
          source,
        ),
      );
      if (partial) {
        throw new CostwiseError(
          "BAD_INPUT",
          `${shown}: cluster ${partial.cluster}: the new window ${partial.ws}–${partial.we} partly overlaps rows already loaded for ${partial.s}–${partial.e}; replacing them would drop or double money. Load windows that contain the old ones or line up with them (e.g. step=1d over whole UTC days); nothing was loaded`,
          { location: { file: shown, column: "window" } },
        );
      }
      const victims = `SELECT DISTINCT f.x_IngestId AS ingest_id, f.x_SourceFile AS file FROM ${COST_TABLE} f JOIN ${winT} w
         ON f.x_Source = ? AND f.x_k8s_Cluster = w.cluster AND f."ChargePeriodStart" >= w.ws AND f."ChargePeriodEnd" <= w.we`;
      const affected = await readRows(store, { ingest_id: col.text.nullable(), file: col.text.nullable() }, sql(`SELECT ingest_id, file FROM (${victims})`, source));
      const replaced = await readRow(
        store,
        { n: col.int, t: col.money },
        sql(
          `SELECT count(*)::BIGINT AS n, coalesce(sum("BilledCost"), 0)::VARCHAR AS t FROM ${COST_TABLE} f
           WHERE x_Source = ? AND EXISTS (SELECT 1 FROM ${winT} w WHERE f.x_k8s_Cluster = w.cluster AND f."ChargePeriodStart" >= w.ws AND f."ChargePeriodEnd" <= w.we)`,
          source,
        ),
      );
      replacement = { rowsReplaced: replaced!.n, replacedTotal: replaced!.t };
      if (affected.length > 0) {
        await store.run(
          sql(
            `DELETE FROM ${COST_TABLE} f WHERE x_Source = ? AND EXISTS (SELECT 1 FROM ${winT} w WHERE f.x_k8s_Cluster = w.cluster AND f."ChargePeriodStart" >= w.ws AND f."ChargePeriodEnd" <= w.we)`,
            source,
          ),
        );
      }
      // the ledger: rebuild what the partly or fully replaced older loads now hold
      for (const a of affected) {
        const older = { source: at.source, ingestId: String(a.ingest_id), file: String(a.file) };
        await unbookLoaded(store, older);
        await bookLoaded(store, older);
      }
    },
    after: async () => replacement,
  };
}
