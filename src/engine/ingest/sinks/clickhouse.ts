/**
 * The ClickHouse sink of the ingest spine (../spine.ts): ingest into the ClickHouse store, on the one mapping path: files are mapped to FOCUS by the same compiler
 * and checks as for DuckDB (in a throwaway in-memory DuckDB: control totals, located errors, replacement
 * units), then the FOCUS rows are exported by DuckDB as newline-delimited JSON, one file per shard, and
 * streamed to each shard's staging table in bulk. Only when every shard holds its staging rows are the
 * affected partitions swapped in with `ALTER TABLE … REPLACE PARTITION … FROM staging` (atomic per shard;
 * the swaps of all shards run back to back, after all the slow work). A re-delivered billing period thus
 * replaces the old one on every shard — including shards where the new delivery has no rows — and never
 * double counts. A failure before the swap leaves the served tables untouched.
 *
 * The rollup tables (store/clickhouse/rollup.ts) are filled per shard from the staging line items and swapped with the same
 * partitions, each right after its line items, so a re-delivered bill replaces its rollup rows as well.
 *
 * Rows are routed to shards by DuckDB's hash of (ResourceId, ChargePeriodStart) modulo the shard count: one
 * resource's day stays on one shard; no row passes through JavaScript.
 */
import { createReadStream, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addMoney, subMoney } from "../../../core/money.js";
import { clickhouseLiteral } from "../../../core/query/compile.js";
import { quoteIdent } from "../../../core/sql.js";
import { CH_LOADED_STAGING, CH_LOCAL, CH_PARTITION_COLUMN, CH_STAGING, type ClickHouseStore } from "../../store/clickhouse/clickhouse-store.js";
import { ROLLUP_GRAINS, rollupFillSql, rollupTables } from "../../store/clickhouse/rollup.js";
import { sql } from "../../store/cost-store.js";
import { DuckDbStore } from "../../store/duckdb/duckdb-store.js";
import { col, readRow } from "../../store/read-rows.js";
import { COST_TABLE, COST_TABLE_COLUMNS, LOADED_TABLE, RUNS_TABLE } from "../../store/schema.js";
import { fileRunRecord, ingestFiles, type IngestOptions, type IngestResult } from "../ingest.js";
import type { RunRecord } from "./duckdb.js";

const PARTITION_SQL = `x_Source || '|' || coalesce("BillingAccountId", '') || '|' || strftime("BillingPeriodStart", '%Y%m')`;

function exportColumns(): string {
  return [`${PARTITION_SQL} AS ${quoteIdent(CH_PARTITION_COLUMN)}`, ...COST_TABLE_COLUMNS.map((c) => {
    const q = quoteIdent(c.name);
    if (c.sqlType === "TIMESTAMP") return `strftime(${q}, '%Y-%m-%d %H:%M:%S') AS ${q}`;
    if (c.sqlType === "JSON") return `CAST(${q} AS VARCHAR) AS ${q}`;
    if (c.sqlType.startsWith("MAP")) return `coalesce(map_keys(${q}), []) AS ${quoteIdent("Tags.key")}, coalesce(map_values(${q}), []) AS ${quoteIdent("Tags.value")}`;
    return q;
  })].join(", ");
}

/** 202401 for "2024-01-01 00:00:00" (billing periods start on a month's first day, UTC). */
function yyyymmOf(periodStart: string): number {
  return Number(periodStart.slice(0, 4)) * 100 + Number(periodStart.slice(5, 7));
}

/** The partition id literal, as PARTITION_SQL computes it for the rows. */
function partitionLiteral(source: string, account: string, periodStart: string): string {
  return clickhouseLiteral(`${source}|${account}|${yyyymmOf(periodStart)}`);
}

/** The throwaway DuckDB that maps the files: its memory limit and threads (DuckDB's defaults otherwise). */
export interface MappingDuckDbOptions {
  memoryLimit?: string;
  threads?: number;
}

export async function ingestToClickHouse(ch: ClickHouseStore, paths: readonly string[], options: IngestOptions = {}, mapping: MappingDuckDbOptions = {}): Promise<IngestResult> {
  const started = new Date();
  const work = mkdtempSync(join(tmpdir(), "costwise-ch-"));
  const mem = await DuckDbStore.open(":memory:", { ...mapping, tempDirectory: join(work, "spill") });
  try {
    const result = await ingestFiles(mem, paths, options);
    const n = ch.shards.length;
    const t0 = performance.now();
    // FOCUS rows out of DuckDB, one NDJSON file per shard
    for (let i = 0; i < n; i++) {
      await mem.run(
        sql(`COPY (SELECT ${exportColumns()} FROM ${COST_TABLE} WHERE hash("ResourceId", "ChargePeriodStart") % ${n} = ${i}) TO ? (FORMAT JSON)`, join(work, `shard${i}.ndjson`)),
      );
    }
    await mem.run(sql(`COPY (SELECT source || '|' || coalesce(billing_account_id, '') || '|' || strftime(billing_period_start, '%Y%m') AS partition, source, coalesce(billing_account_id, '') AS billing_account_id, strftime(billing_period_start, '%Y-%m-%d %H:%M:%S') AS billing_period_start,
        delivery_id, file, ingest_id, currency, rows, billed_cost, effective_cost, strftime(first_charge, '%Y-%m-%d %H:%M:%S') AS first_charge,
        strftime(last_charge, '%Y-%m-%d %H:%M:%S') AS last_charge, strftime(now()::TIMESTAMP, '%Y-%m-%d %H:%M:%S') AS loaded_at FROM ${LOADED_TABLE})
        TO ? (FORMAT JSON)`, join(work, "loaded.ndjson")));
    const tExport = performance.now();

    // what the swap will replace, for the report
    const replaced = new Map<string, { rows: number; billed: string }>();
    for (const p of result.partitions) {
      const r = await readRow(
        ch,
        { n: col.int.nullable(), b: col.text.nullable() },
        `SELECT count() AS n, toString(sum("BilledCost")) AS b FROM ${quoteIdent(COST_TABLE)} WHERE ${quoteIdent(CH_PARTITION_COLUMN)} = ${partitionLiteral(p.source, p.billingAccountId ?? "", p.billingPeriodStart)}`,
      );
      replaced.set(`${p.source}|${p.billingAccountId}|${p.billingPeriodStart}`, { rows: r?.n ?? 0, billed: r?.b ?? "0" });
    }

    // stage on every shard
    for (let i = 0; i < n; i++) {
      await ch.runOn(i, `TRUNCATE TABLE ${quoteIdent(CH_STAGING)}`);
      const file = join(work, `shard${i}.ndjson`);
      if (existsSync(file)) await ch.insertJsonEachRow(i, CH_STAGING, createReadStream(file)); // no file: no rows for this shard
    }
    await ch.runOn(0, `TRUNCATE TABLE ${quoteIdent(CH_LOADED_STAGING)}`);
    if (existsSync(join(work, "loaded.ndjson"))) await ch.insertJsonEachRow(0, CH_LOADED_STAGING, createReadStream(join(work, "loaded.ndjson")));
    const tStage = performance.now();

    // the rollups of exactly the staged rows, on every shard: daily from the line items, monthly from the daily rows
    for (let i = 0; i < n; i++) {
      for (const grain of ROLLUP_GRAINS) {
        const t = rollupTables(grain);
        await ch.runOn(i, `TRUNCATE TABLE ${quoteIdent(t.staging)}`);
        await ch.runOn(i, rollupFillSql(grain, t.staging, grain === "daily" ? CH_STAGING : rollupTables("daily").staging, CH_PARTITION_COLUMN));
      }
    }
    const tRollup = performance.now();

    // swap: every affected partition on every shard (line items, then its rollups right after), then the bookkeeping
    const parts = [...new Set(result.partitions.map((p) => partitionLiteral(p.source, p.billingAccountId ?? "", p.billingPeriodStart)))];
    const pairs: [string, string][] = [[CH_LOCAL, CH_STAGING], ...ROLLUP_GRAINS.map((g): [string, string] => [rollupTables(g).local, rollupTables(g).staging])];
    for (let i = 0; i < n; i++) {
      for (const part of parts) {
        for (const [target, staging] of pairs) await ch.runOn(i, `ALTER TABLE ${quoteIdent(target)} REPLACE PARTITION ${part} FROM ${quoteIdent(staging)}`);
      }
    }
    for (const part of parts) await ch.runOn(0, `ALTER TABLE ${quoteIdent(LOADED_TABLE)} REPLACE PARTITION ${part} FROM ${quoteIdent(CH_LOADED_STAGING)}`);
    const tSwap = performance.now();

    let rowsReplaced = 0;
    let replacedTotal = "0";
    const partitions = result.partitions.map((p) => {
      const r = replaced.get(`${p.source}|${p.billingAccountId}|${p.billingPeriodStart}`) ?? { rows: 0, billed: "0" };
      rowsReplaced += r.rows;
      replacedTotal = addMoney(replacedTotal, r.billed === "" ? "0" : r.billed);
      return { ...p, rowsReplaced: r.rows, billedCostReplaced: r.billed === "" ? "0" : r.billed };
    });
    const final: IngestResult = {
      ...result,
      partitions,
      rowsReplaced,
      replacedTotal,
      timings: { ...result.timings, exportMs: tExport - t0, stageMs: tStage - tExport, rollupMs: tRollup - tStage, swapMs: tSwap - tRollup },
    };
    await recordRunInClickHouse(ch, fileRunRecord(final, started));
    return final;
  } finally {
    await mem.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/** Records the run in the warehouse's `ingest_runs` (finished now); the same record as the DuckDB sink's. */
async function recordRunInClickHouse(ch: ClickHouseStore, run: RunRecord): Promise<void> {
  await ch.runOn(
    0,
    `INSERT INTO ${quoteIdent(RUNS_TABLE)} VALUES (${[
      clickhouseLiteral(run.ingestId),
      `toDateTime(${clickhouseLiteral(iso(run.startedAt), "timestamp")}, 'UTC')`,
      `toDateTime(${clickhouseLiteral(iso(new Date()), "timestamp")}, 'UTC')`,
      clickhouseLiteral(run.source),
      clickhouseLiteral(JSON.stringify(run.files)),
      clickhouseLiteral(JSON.stringify(run.partitions)),
      String(run.rowsLoaded),
      String(run.rowsReplaced),
      `toDecimal128(${clickhouseLiteral(run.sourceTotal)}, 10)`,
      `toDecimal128(${clickhouseLiteral(run.loadedTotal)}, 10)`,
      `toDecimal128(${clickhouseLiteral(subMoney(run.replacedTotal, "0"))}, 10)`,
      clickhouseLiteral(JSON.stringify(run.currencyTotals)),
    ].join(", ")})`,
  );
}

function iso(d: Date): string {
  return d.toISOString().slice(0, 19).replace("T", " ");
}
