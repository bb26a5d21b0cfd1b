/**
 * The ingest spine: every load of cost rows into the store goes through here, whatever its source (billing
 * files, OpenCost responses, connector downloads staged as files). A source hands over its rows as a relation
 * plus a declarative mapping (planLoad) and a replacement unit (./replacement.ts) saying what the load replaces;
 * the spine owns the rest: the ingest id, the one transaction, the loaded-files ledger, the run record and the
 * swap of old rows for new. No connector opens an ingest transaction of its own.
 *
 * Order of operations (runIngest), all in one transaction on the DuckDB sink (./sinks/duckdb.ts):
 *  1. unit.before: what must hold or go before any new row lands (e.g. refuse a window that partly overlaps old
 *     rows; take out the rows of the windows the load replaces and rebook what their loads still hold).
 *  2. For each load: insert the mapped rows (one INSERT … SELECT; an insert error goes through the load's
 *     onInsertError), book them in the ledger per partition, file and currency, then check them against the
 *     source (the load's control total, to the cent); a failed check throws.
 *  3. unit.after: delete what the loaded deliveries replace (cost rows and ledger rows) and report it.
 *  4. summarize: the caller's result and the run record; record the run; the beforeCommit hook; commit.
 * Any failure rolls everything back: the store is exactly as it was. The ClickHouse sink (./sinks/clickhouse.ts)
 * runs the same spine in a throwaway DuckDB and swaps the result into the warehouse partition by partition.
 */
import { randomUUID } from "node:crypto";
import { compileMapping, type CompileInput, type CompiledMapping } from "../mapping/compile.js";
import type { AnalysisStore } from "../store/cost-store.js";
import { bookLoaded, insertCostRows, recordRun, type RunRecord } from "./sinks/duckdb.js";

/** A run id: `<prefix>_<yyyymmddhhmmss>_<8 hex>` (ingests `ing_…`, metric loads `met_…`, syncs `sync_…`). */
export function newRunId(prefix: string, now: Date = new Date()): string {
  return `${prefix}_${now.toISOString().replace(/[-:.TZ]/g, "").slice(0, 14)}_${randomUUID().slice(0, 8)}`;
}

/** The id of one ingest run, carried by every row it loads (x_IngestId) and its ledger and run rows. */
export function newIngestId(): string {
  return newRunId("ing");
}

/** Rows to load: a relation and its mapping, compiled with their provenance into one SELECT of every cost column. */
export interface PlannedLoad {
  /** the ledger's file: what x_SourceFile the rows carry */
  file: string;
  deliveryId: string;
  compiled: CompiledMapping;
}

/** Plans a load: the relation plus its mapping, compiled with the provenance every row carries. */
export function planLoad(input: Omit<CompileInput, "provenance">, provenance: CompileInput["provenance"]): PlannedLoad {
  return { file: provenance.file, deliveryId: provenance.deliveryId, compiled: compileMapping({ ...input, provenance }) };
}

export interface IngestLoad<R> {
  planned: PlannedLoad;
  /** an insert failure turned into the error to throw (default: rethrown as is) */
  onInsertError?: (e: unknown) => unknown;
  /** inside the transaction, after the rows are inserted and booked: check them against the source; the load's report */
  check: (store: AnalysisStore) => Promise<R>;
}

/** What a load replaces, planned by the spine in the transaction (see ./replacement.ts for the units). */
export interface ReplacementUnit<P> {
  /** before the first insert */
  before?: (store: AnalysisStore, ingestId: string) => Promise<void>;
  /** after every load is booked: take out what the loads replace; what was replaced */
  after: (store: AnalysisStore, ingestId: string) => Promise<P>;
}

/** Where the spine is, for progress and timings. */
export type SpineStep = "before" | "inserted" | "booked" | "checked" | "replacing" | "replaced" | "recorded";

export interface IngestJob<R, P, T> {
  ingestId: string;
  loads: readonly IngestLoad<R>[];
  unit: ReplacementUnit<P>;
  /** the caller's result and the run record, from the loads' reports and what the unit replaced */
  summarize: (store: AnalysisStore, reports: R[], replaced: P) => Promise<{ result: T; run: RunRecord }>;
  /** called while load `index` is being inserted; returns the function that stops watching */
  watchInsert?: (index: number) => () => void;
  onStep?: (step: SpineStep, index: number) => void;
  /** test hook: called inside the transaction after the run is recorded, before commit */
  beforeCommit?: () => Promise<void>;
}

/** Loads, checks, swaps and records in one transaction; see the header for the order of operations. */
export async function runIngest<R, P, T>(store: AnalysisStore, job: IngestJob<R, P, T>): Promise<T> {
  return store.transaction(async () => {
    // 1. what must hold or go before the new rows land
    if (job.unit.before) await job.unit.before(store, job.ingestId);
    job.onStep?.("before", 0);
    // 2. insert, book and check each load
    const reports: R[] = [];
    for (const [i, load] of job.loads.entries()) {
      const stop = job.watchInsert?.(i);
      try {
        await insertCostRows(store, load.planned.compiled.sql);
      } catch (e) {
        throw load.onInsertError ? load.onInsertError(e) : e;
      } finally {
        stop?.();
      }
      job.onStep?.("inserted", i);
      await bookLoaded(store, { ingestId: job.ingestId, file: load.planned.file });
      job.onStep?.("booked", i);
      reports.push(await load.check(store));
      job.onStep?.("checked", i);
    }
    // 3. the swap: what the loads replace goes
    job.onStep?.("replacing", job.loads.length);
    const replaced = await job.unit.after(store, job.ingestId);
    job.onStep?.("replaced", job.loads.length);
    // 4. the run record
    const { result, run } = await job.summarize(store, reports, replaced);
    await recordRun(store, run);
    if (job.beforeCommit) await job.beforeCommit();
    job.onStep?.("recorded", job.loads.length);
    return result;
  });
}
