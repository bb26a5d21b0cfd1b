/**
 * The analysis replica of a ClickHouse workspace.
 *
 * On a ClickHouse workspace the line items live in ClickHouse: ingest writes there (sharded, partition replace),
 * `costwise query` runs there. The analyses (allocation, detectors, forecasts, budgets, recommendations,
 * governance, notifications, the dashboard) are written against the embedded engine: they need window functions,
 * CTEs, MAP columns and transactions over their own state tables, which Debian's ClickHouse 18.16 does not have.
 * They run unchanged on the workspace's DuckDB file (`store.path`, default ./costwise.duckdb), which holds their
 * state and a copy of the line items kept in step with ClickHouse **by billing partition**:
 *
 *   - ClickHouse's `loaded_files` (one row per partition, delivery and file, replaced together with the line items)
 *     gives each partition a fingerprint (its ingest runs and row counts); nothing else is scanned to find changes;
 *   - a partition whose fingerprint differs is streamed out of the Distributed table (JSONEachRow, decimals and
 *     timestamps as text so they arrive exact) into a file and loaded by DuckDB's JSON reader — no row passes
 *     through JavaScript; a partition ClickHouse no longer has is deleted;
 *   - the local replacement (delete the partitions, insert their rows, bookkeeping) is one DuckDB transaction,
 *     and the copy is checked against ClickHouse's per-partition row counts and BilledCost sums before it commits:
 *     a failed or short sync leaves the previous copy in place.
 *
 * ClickHouse stays the system of record: local rows of a partition ClickHouse does not hold are removed by the
 * next sync, so commands that write line items locally (connectors' `sync`, `opencost`) refuse on such a workspace.
 */
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createHash } from "node:crypto";
import { CostwiseError } from "../../../core/errors.js";
import { clickhouseLiteral } from "../../../core/query/compile.js";
import { col, readRows } from "../read-rows.js";
import { DuckDbStore } from "../duckdb/duckdb-store.js";
import { sql, type AnalysisStore } from "../cost-store.js";
import { readerPath } from "../duckdb/literal-path.js";
import { COST_TABLE, COST_TABLE_COLUMNS, LOADED_TABLE, MONEY_SQL_TYPE, RUNS_TABLE } from "../schema.js";
import { CH_LOCAL, CH_PARTITION_COLUMN, type ClickHouseStore } from "./clickhouse-store.js";

export const REPLICA_TABLE = "ch_replica_partitions";

/** The local partition key, the same text as ClickHouse's `x_Partition` (see ./ingest.ts). */
const LOCAL_PARTITION_OF_COSTS = `x_Source || '|' || coalesce("BillingAccountId", '') || '|' || strftime("BillingPeriodStart", '%Y%m')`;
const LOCAL_PARTITION_OF_LOADED = `source || '|' || coalesce(billing_account_id, '') || '|' || strftime(billing_period_start, '%Y%m')`;

export interface ReplicaSyncResult {
  /** Partitions copied (new or changed in ClickHouse). */
  copied: number;
  /** Partitions removed because ClickHouse no longer holds them. */
  removed: number;
  unchanged: number;
  rows: number;
  seconds: number;
  /** Of `seconds`: streaming out of ClickHouse, and loading + checking in DuckDB. */
  exportSeconds?: number;
  loadSeconds?: number;
}

/** Brings the local copy of the line items in step with ClickHouse. Cheap when nothing changed (one small query). */
export interface ReplicaOptions {
  /**
   * Keep only the last N billing months (counting the month of `now`) in the replica; ClickHouse keeps all of
   * history and `costwise query` still reads all of it. Default: every month ClickHouse holds.
   */
  months?: number;
  now?: Date;
}

/** The replica options a costwise.yaml `store.clickhouse` section sets. */
export function replicaOptionsOf(c: { replicaMonths?: number | undefined } | undefined, now?: Date): ReplicaOptions {
  return { ...(c?.replicaMonths !== undefined ? { months: c.replicaMonths } : {}), ...(now ? { now } : {}) };
}

/** The first billing month (yyyymm) a replica of the last `months` months holds. */
export function firstReplicaMonth(months: number, now: Date): number {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (months - 1), 1));
  return d.getUTCFullYear() * 100 + d.getUTCMonth() + 1;
}

export async function syncReplica(ch: ClickHouseStore, local: AnalysisStore, options: ReplicaOptions = {}): Promise<ReplicaSyncResult> {
  const t0 = performance.now();
  await local.run(`CREATE TABLE IF NOT EXISTS ${REPLICA_TABLE} (partition VARCHAR PRIMARY KEY, fingerprint VARCHAR NOT NULL, rows BIGINT NOT NULL, billed_cost ${MONEY_SQL_TYPE}, synced_at TIMESTAMP NOT NULL)`);

  const remote = new Map<string, string>();
  for (const r of await readRows(
    ch,
    { partition: col.text, f: col.text },
    `SELECT partition, arrayStringConcat(arraySort(groupArray(concat(ingest_id, ':', delivery_id, ':', file, ':', ifNull(currency, ''), ':', toString(rows), ':', ifNull(toString(billed_cost), '')))), '\\n') AS f
     FROM "${LOADED_TABLE}" GROUP BY partition`,
  )) {
    remote.set(r.partition, createHash("sha256").update(r.f).digest("hex"));
  }
  if (options.months !== undefined) {
    // the partition id ends with the billing month (yyyymm): months before the window are not replicated
    const first = firstReplicaMonth(options.months, options.now ?? new Date());
    for (const p of [...remote.keys()]) if (Number(p.slice(p.lastIndexOf("|") + 1)) < first) remote.delete(p);
  }
  const localFp = new Map<string, string>();
  for (const r of await readRows(local, { partition: col.text, fingerprint: col.text }, `SELECT partition, fingerprint FROM ${REPLICA_TABLE}`)) localFp.set(r.partition, r.fingerprint);
  // partitions the local file holds that did not come from this replica (rows loaded into the DuckDB file before)
  const localParts = new Set<string>(localFp.keys());
  for (const r of await readRows(local, { p: col.text }, `SELECT DISTINCT ${LOCAL_PARTITION_OF_LOADED} AS p FROM ${LOADED_TABLE}`)) localParts.add(r.p);

  const copy = [...remote].filter(([p, f]) => localFp.get(p) !== f).map(([p]) => p).sort();
  const remove = [...localParts].filter((p) => !remote.has(p)).sort();
  const unchanged = remote.size - copy.length;
  if (copy.length === 0 && remove.length === 0) {
    return { copied: 0, removed: 0, unchanged, rows: 0, seconds: (performance.now() - t0) / 1000 };
  }

  const work = mkdtempSync(join(tmpdir(), "costwise-replica-"));
  try {
    // one file per shard, streamed from every shard at once (not funnelled through the Distributed table)
    const costsFiles = ch.shards.map((_, i) => join(work, `costs-${i}.ndjson`));
    const loadedFile = join(work, "loaded.ndjson");
    const runsFile = join(work, "runs.ndjson");
    const inList = copy.length > 0 ? copy.map((p) => clickhouseLiteral(p)).join(", ") : "''";
    await Promise.all(
      costsFiles.map((f, i) => exportTo(ch, `SELECT ${remoteColumns()} FROM "${CH_LOCAL}" WHERE "${CH_PARTITION_COLUMN}" IN (${inList}) FORMAT JSONEachRow`, f, i)),
    );
    await exportTo(
      ch,
      `SELECT partition, source, billing_account_id, toString(billing_period_start) AS billing_period_start, delivery_id, file, ingest_id, currency, toString(rows) AS rows,
         toString(billed_cost) AS billed_cost, toString(effective_cost) AS effective_cost, toString(first_charge) AS first_charge, toString(last_charge) AS last_charge
       FROM "${LOADED_TABLE}" WHERE partition IN (${inList}) FORMAT JSONEachRow`,
      loadedFile,
    );
    await exportTo(
      ch,
      `SELECT ingest_id, toString(started_at) AS started_at, toString(finished_at) AS finished_at, source, files, partitions, toString(rows_loaded) AS rows_loaded,
         toString(rows_replaced) AS rows_replaced, toString(source_total) AS source_total, toString(loaded_total) AS loaded_total,
         toString(replaced_total) AS replaced_total, currency_totals FROM "${RUNS_TABLE}" FORMAT JSONEachRow`,
      runsFile,
    );
    // what ClickHouse holds for the copied partitions, to check the copy against before committing
    const expected = new Map<string, { rows: string; billed: string }>();
    if (copy.length > 0) {
      for (const r of await readRows(
        ch,
        { p: col.text, n: col.text, b: col.text },
        `SELECT "${CH_PARTITION_COLUMN}" AS p, toString(count()) AS n, toString(sum(ifNull("BilledCost", toDecimal128(0, 10)))) AS b FROM "${COST_TABLE}" WHERE "${CH_PARTITION_COLUMN}" IN (${inList}) GROUP BY p`,
      )) {
        expected.set(r.p, { rows: r.n, billed: r.b });
      }
    }

    const touched = [...copy, ...remove];
    // partition keys are data (source, account): bound on the local DuckDB copy
    const touchedIn = touched.length === 0 ? "(NULL)" : `(${touched.map(() => "?").join(", ")})`;
    const tExported = performance.now();
    let rows = 0;
    await local.transaction(async () => {
      await local.run(sql(`DELETE FROM ${COST_TABLE} WHERE ${LOCAL_PARTITION_OF_COSTS} IN ${touchedIn}`, ...touched));
      await local.run(sql(`DELETE FROM ${LOADED_TABLE} WHERE ${LOCAL_PARTITION_OF_LOADED} IN ${touchedIn}`, ...touched));
      const withRows = costsFiles.filter(nonEmpty);
      if (withRows.length > 0) {
        // each export file bound literally (one statement at a time on the connection)
        const paths: string[] = [];
        for (const f of withRows) paths.push(await readerPath(local, f));
        await local.run(`INSERT INTO ${COST_TABLE} (${COST_TABLE_COLUMNS.map((c) => `"${c.name}"`).join(", ")})
          SELECT ${localCasts()} FROM read_json([${paths.join(", ")}], format = 'newline_delimited', columns = ${readColumns()})`);
      }
      if (nonEmpty(loadedFile)) {
        await local.run(`INSERT INTO ${LOADED_TABLE} (source, billing_account_id, billing_period_start, delivery_id, file, ingest_id, currency, rows, billed_cost, effective_cost, first_charge, last_charge)
          SELECT source, nullif(billing_account_id, ''), CAST(billing_period_start AS TIMESTAMP), delivery_id, file, ingest_id, currency, CAST(rows AS BIGINT),
            CAST(billed_cost AS ${MONEY_SQL_TYPE}), CAST(effective_cost AS ${MONEY_SQL_TYPE}), CAST(first_charge AS TIMESTAMP), CAST(last_charge AS TIMESTAMP)
          FROM read_json(${await readerPath(local, loadedFile)}, format = 'newline_delimited', columns = {partition: 'VARCHAR', source: 'VARCHAR', billing_account_id: 'VARCHAR',
            billing_period_start: 'VARCHAR', delivery_id: 'VARCHAR', file: 'VARCHAR', ingest_id: 'VARCHAR', currency: 'VARCHAR', rows: 'VARCHAR', billed_cost: 'VARCHAR',
            effective_cost: 'VARCHAR', first_charge: 'VARCHAR', last_charge: 'VARCHAR'})`);
      }
      if (nonEmpty(runsFile)) {
        await local.run(`DELETE FROM ${RUNS_TABLE}`);
        await local.run(`INSERT INTO ${RUNS_TABLE} SELECT ingest_id, CAST(started_at AS TIMESTAMP), CAST(finished_at AS TIMESTAMP), source, CAST(files AS JSON),
            CAST(partitions AS JSON), CAST(rows_loaded AS BIGINT), CAST(rows_replaced AS BIGINT), CAST(source_total AS ${MONEY_SQL_TYPE}),
            CAST(loaded_total AS ${MONEY_SQL_TYPE}), CAST(replaced_total AS ${MONEY_SQL_TYPE}), CAST(currency_totals AS JSON)
          FROM read_json(${await readerPath(local, runsFile)}, format = 'newline_delimited', columns = {ingest_id: 'VARCHAR', started_at: 'VARCHAR', finished_at: 'VARCHAR', source: 'VARCHAR',
            files: 'VARCHAR', partitions: 'VARCHAR', rows_loaded: 'VARCHAR', rows_replaced: 'VARCHAR', source_total: 'VARCHAR', loaded_total: 'VARCHAR',
            replaced_total: 'VARCHAR', currency_totals: 'VARCHAR'})`);
      }
      // the copy must equal what ClickHouse holds, partition by partition, before it replaces the old one
      if (copy.length > 0) {
        const got = await readRows(
          local,
          { p: col.text, n: col.text, b: col.text },
          sql(`SELECT ${LOCAL_PARTITION_OF_COSTS} AS p, CAST(count(*) AS VARCHAR) AS n, CAST(sum(coalesce("BilledCost", 0)) AS VARCHAR) AS b FROM ${COST_TABLE}
           WHERE ${LOCAL_PARTITION_OF_COSTS} IN ${touchedIn} GROUP BY p`, ...touched),
        );
        const gotBy = new Map(got.map((r) => [r.p, { rows: r.n, billed: r.b }]));
        for (const p of copy) {
          const want = expected.get(p) ?? { rows: "0", billed: "0" };
          const have = gotBy.get(p) ?? { rows: "0", billed: "0" };
          if (want.rows !== have.rows || !sameDecimal(want.billed, have.billed)) {
            throw new CostwiseError(
              "STORE",
              `analysis replica: partition ${p} copied ${have.rows} rows / BilledCost ${have.billed} but ClickHouse holds ${want.rows} / ${want.billed} (changed during the copy? run again)`,
            );
          }
          rows += Number(want.rows);
        }
      }
      if (touched.length > 0) await local.run(sql(`DELETE FROM ${REPLICA_TABLE} WHERE partition IN ${touchedIn}`, ...touched));
      for (const p of copy) {
        await local.run({
          sql: `INSERT INTO ${REPLICA_TABLE} VALUES (?, ?, CAST(? AS BIGINT), CAST(? AS ${MONEY_SQL_TYPE}), now()::TIMESTAMP)`,
          params: [p, remote.get(p)!, expected.get(p)?.rows ?? "0", expected.get(p)?.billed ?? "0"],
        });
      }
    });
    const tEnd = performance.now();
    return { copied: copy.length, removed: remove.length, unchanged, rows, seconds: (tEnd - t0) / 1000, exportSeconds: (tExported - t0) / 1000, loadSeconds: (tEnd - tExported) / 1000 };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface ReplicaRefresh {
  /** Stops the timer and waits for a sync in flight. */
  stop(): Promise<void>;
}

/**
 * Keeps a replica in step while a long-running process (costwise serve) reads it: every `seconds`, opens
 * ClickHouse, syncs on `local` (give it its own connection) and calls `changed` when partitions moved. A failed
 * refresh is reported to `onError` and retried at the next tick; syncs never overlap.
 */
export function startReplicaRefresh(o: {
  open: () => Promise<ClickHouseStore>;
  local: AnalysisStore;
  options?: ReplicaOptions;
  seconds: number;
  changed: (r: ReplicaSyncResult) => Promise<void>;
  onError: (e: unknown) => void;
}): ReplicaRefresh {
  let chain: Promise<void> = Promise.resolve();
  const tick = () => {
    chain = chain.then(async () => {
      try {
        const ch = await o.open();
        try {
          const r = await syncReplica(ch, o.local, o.options);
          if (r.copied > 0 || r.removed > 0) await o.changed(r);
        } finally {
          await ch.close();
        }
      } catch (e) {
        o.onError(e);
      }
    });
  };
  const timer = setInterval(tick, o.seconds * 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await chain;
    },
  };
}

/** Streams the raw answer of a `… FORMAT …` query to a file. */
async function exportTo(ch: ClickHouseStore, query: string, file: string, shard = 0): Promise<void> {
  if (process.env["COSTWISE_CH_TRACE"]) process.stderr.write(`[ch ${shard}] ${query.slice(0, 300)}\n`);
  try {
    const res = await ch.shards[shard]!.exec({ query });
    await pipeline(res.stream, createWriteStream(file));
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new CostwiseError("STORE", `ClickHouse: ${msg.split("\n")[0]}`, { cause: e, details: { sql: query.slice(0, 500) } });
  }
}

/** Columns as ClickHouse sends them: money and timestamps as text (exact), Tags as two arrays. */
function remoteColumns(): string {
  return COST_TABLE_COLUMNS.map((c) => {
    const q = `"${c.name}"`;
    if (c.sqlType === MONEY_SQL_TYPE || c.sqlType === "TIMESTAMP") return `toString(${q}) AS ${q}`;
    if (c.sqlType.startsWith("MAP")) return `"Tags.key" AS tags_key, "Tags.value" AS tags_value`;
    return q;
  }).join(", ");
}

function readColumns(): string {
  const cols = COST_TABLE_COLUMNS.flatMap((c) =>
    c.sqlType.startsWith("MAP") ? [`tags_key: 'VARCHAR[]'`, `tags_value: 'VARCHAR[]'`] : [`"${c.name}": 'VARCHAR'`],
  );
  return `{${cols.join(", ")}}`;
}

function localCasts(): string {
  return COST_TABLE_COLUMNS.map((c) => {
    const q = `"${c.name}"`;
    if (c.sqlType.startsWith("MAP")) return `map(coalesce(tags_key, []), coalesce(tags_value, []))`;
    if (c.sqlType === "VARCHAR") return q;
    return `CAST(${q} AS ${c.sqlType})`;
  }).join(", ");
}

function nonEmpty(file: string): boolean {
  try {
    return statSync(file).size > 0;
  } catch {
    return false;
  }
}

/** "1.5000000000" and "1.5" are the same amount. */
function sameDecimal(a: string, b: string): boolean {
  const norm = (s: string) => {
    let t = s.trim();
    if (t.includes(".")) t = t.replace(/0+$/, "").replace(/\.$/, "");
    return t === "-0" || t === "" ? "0" : t;
  };
  return norm(a) === norm(b);
}
