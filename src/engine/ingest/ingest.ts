/**
 * Ingest: billing files → FOCUS rows in the cost store, exactly and atomically, through the ingest spine
 * (./spine.ts: the transaction, the loaded-files ledger, the run record; ./replacement.ts: the replacement unit).
 *
 * Order of operations:
 *  1. Discover files (folders expanded, CUR manifests honoured, superseded report versions skipped)
 *     and refuse duplicated content.
 *  2. Plan each file: read its header, pick the mapping (or the forced --format), compile it to one
 *     SELECT over DuckDB's reader with the per-row checks built in (the spine's planLoad).
 *  3. In one transaction (the spine), for each file: insert the mapped rows straight from the reader (one
 *     pass; a broken row or a reader error stops the statement and is reported with file, line or row and
 *     column), book them in the ledger, then read the source's control total (row count and cost column
 *     sum): the rows and BilledCost booked for each file must equal the source's to the cent.
 *  4. Still in the transaction: for every (source, billing account, billing period) partition loaded, delete
 *     the rows of other deliveries and of the same files (the billing-period replacement unit: a re-delivery
 *     replaces the period, the other parts of the same delivery stay); record the run; commit. Any failure
 *     rolls everything back: the store is exactly as it was.
 */
import { z } from "zod";
import { CostwiseError } from "../../core/errors.js";
import { addMoney, equalToTheCent, subMoney } from "../../core/money.js";
import { SOURCE_DECIMAL_TYPE, canonicalColumns, checkIndexFromError, readTypes, type CompiledMapping } from "../mapping/compile.js";
import { quoteIdent, quoteString } from "../../core/sql.js";
import type { SourceMapping } from "../mapping/mapping.js";
import { resolveMapping, type SourceFormat } from "../mapping/registry.js";
import type { AnalysisStore } from "../store/cost-store.js";
import { col, readRow, readRows } from "../store/read-rows.js";
import { bindText, readerPath } from "../store/duckdb/literal-path.js";
import { DEFAULT_MAX_LINE_SIZE, lineTooLongMessage, maxLineSize, translateReadError } from "./duckdb-errors.js";
import { discoverFiles, displayPath, findLongLine, gzipProblem, readCsvHeader, readFirstLine, refuseDuplicates, type InputFile } from "./files.js";
import { jsonLayout, jsonRelation, type JsonLayout } from "./json-relation.js";
import { billingPeriodUnit, type PartitionReport } from "./replacement.js";
import { bookedCurrencyTotals, bookedTotals, type RunRecord } from "./sinks/duckdb.js";
import { newIngestId, planLoad, runIngest, type PlannedLoad, type SpineStep } from "./spine.js";

export type { PartitionReport } from "./replacement.js";

export interface IngestProgress {
  /** stage: a file is being read (bytesDone moves with DuckDB's own progress); check: a file is loaded and checked */
  phase: "stage" | "check" | "commit" | "done";
  file?: string;
  fileIndex: number;
  fileCount: number;
  bytesDone: number;
  bytesTotal: number;
  rows: number;
}

export interface IngestOptions {
  format?: SourceFormat;
  onProgress?: (p: IngestProgress) => void;
  /** test hook: called inside the transaction after the insert, before commit */
  beforeCommit?: () => Promise<void>;
  /** the run's start on the caller's clock (a job's, which tests pin): the run record's times follow it */
  now?: Date;
}

export interface FileReport {
  path: string;
  format: string;
  rows: number;
  sourceTotal: string;
  loadedTotal: string;
  deliveryId: string;
}

export interface IngestResult {
  ingestId: string;
  files: FileReport[];
  skipped: { path: string; reason: string }[];
  partitions: PartitionReport[];
  rowsLoaded: number;
  rowsReplaced: number;
  sourceTotal: string;
  loadedTotal: string;
  replacedTotal: string;
  /** BilledCost per currency loaded */
  currencyTotals: Record<string, string>;
  /** seconds spent per step (plan, insert, control, book, replace, record, commit) */
  timings: Record<string, number>;
}

interface Plan {
  file: InputFile;
  shown: string;
  mapping: SourceMapping;
  load: PlannedLoad;
  readTypes: Record<string, string>;
  originalNames?: ReadonlyMap<string, string>;
}

const EARLIEST_PERIOD = "2000-01-01 00:00:00";

/** The run record of a files ingest (the ClickHouse sink records the same, with what its swap replaced). */
export function fileRunRecord(result: IngestResult, startedAt: Date): RunRecord {
  return {
    ingestId: result.ingestId,
    startedAt,
    source: [...new Set(result.files.map((f) => f.format))].join(","),
    files: result.files,
    partitions: result.partitions,
    rowsLoaded: result.rowsLoaded,
    rowsReplaced: result.rowsReplaced,
    sourceTotal: result.sourceTotal,
    loadedTotal: result.loadedTotal,
    replacedTotal: result.replacedTotal,
    currencyTotals: result.currencyTotals,
  };
}

export async function ingestFiles(store: AnalysisStore, paths: readonly string[], options: IngestOptions = {}): Promise<IngestResult> {
  if (paths.length === 0) throw new CostwiseError("USAGE", "nothing to ingest: give one or more files or folders");
  const ingestId = newIngestId();
  const startedAt = options.now ?? new Date();
  const realStart = Date.now();
  const { files, skipped } = discoverFiles(paths);
  if (files.length === 0) {
    throw new CostwiseError("NOT_FOUND", `no billing files found in ${paths.join(", ")} (looked for .csv, .csv.gz, .parquet and CUR manifests)`);
  }
  refuseDuplicates(files);
  // gzip files are decompressed to their end beside the load (one at a time): a truncated one is refused before commit
  const gzipChecks = new Map<string, Promise<string | undefined>>();
  let chain: Promise<unknown> = Promise.resolve();
  for (const f of files.filter((f) => f.gzip)) {
    const check = chain.then(() => gzipProblem(f.path));
    gzipChecks.set(f.path, check);
    chain = check;
  }
  const bytesTotal = files.reduce((a, f) => a + f.bytes, 0);
  let bytesDone = 0;
  let rowsSoFar = 0;
  const progress = (phase: IngestProgress["phase"], fileIndex: number, file?: string) =>
    options.onProgress?.({ phase, fileIndex, fileCount: files.length, bytesDone, bytesTotal, rows: rowsSoFar, ...(file ? { file } : {}) });

  const timings: Record<string, number> = {};
  let mark = performance.now();
  const lap = (step: string) => {
    const now = performance.now();
    timings[step] = Math.round(((timings[step] ?? 0) + (now - mark) / 1000) * 1000) / 1000;
    mark = now;
  };

  // 2. plan every file before touching the store
  const plans: Plan[] = [];
  try {
    for (const file of files) {
      const plan = await planFile(store, file, ingestId, options.format);
      if (plan) plans.push(plan);
      else skipped.push({ path: file.path, reason: CONTRACT_COMMITMENT_SKIPPED });
    }
  } catch (e) {
    throw await betterError(e, files, gzipChecks);
  }
  if (plans.length === 0) throw new CostwiseError("NOT_FOUND", `no billing files found in ${paths.join(", ")}: ${skipped.map((s) => `${displayPath(s.path)}: ${s.reason}`).join("; ")}`);
  lap("plan");

  // 3-4. load, check and replace in one transaction
  const onStep = (step: SpineStep, i: number): void => {
    switch (step) {
      case "inserted":
        lap("insert");
        bytesDone += plans[i]!.file.bytes;
        return;
      case "booked":
        lap("book");
        return;
      case "checked":
        progress("check", i, plans[i]!.file.path);
        return;
      case "replacing":
        progress("commit", files.length);
        return;
      case "replaced":
        lap("replace");
        return;
      case "recorded":
        lap("record");
        return;
      case "before":
        return;
    }
  };
  const result = await runIngest(store, {
    ingestId,
    loads: plans.map((plan) => ({
      planned: plan.load,
      onInsertError: (e: unknown) => insertError(e, plan),
      check: async (s: AnalysisStore) => {
        const gz = await gzipChecks.get(plan.file.path);
        if (gz) throw gzipError(plan.shown, gz);
        return checkFile(s, plan, ingestId, (rows) => (rowsSoFar += rows), lap);
      },
    })),
    unit: billingPeriodUnit(plans.map((p) => p.file.path)),
    watchInsert: (i) => {
      const plan = plans[i]!;
      progress("stage", i, plan.file.path);
      return pollProgress(store, (fraction) => {
        options.onProgress?.({ phase: "stage", fileIndex: i, fileCount: files.length, bytesDone: bytesDone + Math.round(plan.file.bytes * fraction), bytesTotal, rows: rowsSoFar, file: plan.file.path });
      });
    },
    onStep,
    summarize: async (s, fileReports, partitions) => {
      const currencyTotals = await bookedCurrencyTotals(s, ingestId);
      const result: IngestResult = {
        ingestId,
        files: fileReports,
        skipped,
        partitions,
        rowsLoaded: fileReports.reduce((a, f) => a + f.rows, 0),
        rowsReplaced: partitions.reduce((a, p) => a + p.rowsReplaced, 0),
        sourceTotal: addMoney("0", ...fileReports.map((f) => f.sourceTotal)),
        loadedTotal: addMoney("0", ...fileReports.map((f) => f.loadedTotal)),
        replacedTotal: addMoney("0", ...partitions.map((p) => p.billedCostReplaced)),
        currencyTotals,
        timings,
      };
      const run = fileRunRecord(result, startedAt);
      return { result, run: options.now ? { ...run, finishedAt: new Date(startedAt.getTime() + Date.now() - realStart) } : run };
    },
    ...(options.beforeCommit ? { beforeCommit: options.beforeCommit } : {}),
  }).catch(async (e: unknown) => {
    throw await betterError(e instanceof RowCheckFailure ? await e.explain(store) : e, files, gzipChecks);
  });
  lap("commit");
  progress("done", files.length);
  return result;
}

function gzipError(shown: string, problem: string): CostwiseError {
  return new CostwiseError("BAD_INPUT", `${shown}: ${problem}; nothing was loaded`, { location: { file: shown } });
}

/**
 * The error to report for a failed ingest, once the transaction is rolled back: a truncated gzip file explains
 * whatever the reader said about it (a ragged last line, a header with no rows); a line too long for the reader is
 * located in the file when the reader did not say where.
 */
async function betterError(e: unknown, files: readonly InputFile[], gzipChecks: ReadonlyMap<string, Promise<string | undefined>>): Promise<unknown> {
  if (!(e instanceof CostwiseError)) return e;
  const file = files.find((f) => displayPath(f.path) === e.location?.file || f.path === e.location?.file);
  if (!file) return e;
  const shown = displayPath(file.path);
  const gz = e.code !== "STORE" ? await gzipChecks.get(file.path) : undefined;
  if (gz) return gzipError(shown, gz);
  // DuckDB reports a line far over its limit as an unterminated quote, a ragged row or no line at all: any reader
  // error on a CSV (not a value that failed to convert) is checked against the limit, on the error path only
  const limit = e.details?.["lineTooLong"];
  const readerError = e.code === "BAD_INPUT" && e.cause !== undefined && e.location?.column === undefined;
  if (file.kind === "csv" && (typeof limit === "number" ? e.location?.line === undefined : readerError)) {
    const max = typeof limit === "number" ? limit : maxLineSize();
    const at = await findLongLine(file, max);
    if (at) return new CostwiseError("BAD_INPUT", lineTooLongMessage(shown, max, at), { location: { file: shown, line: at.line, row: at.row }, cause: e.cause });
  }
  return e;
}

/**
 * The file's control check: the source re-read at full precision (a second connection running it during the
 * insert measured no faster on 2 cores, and used more memory) against what the ledger booked for the file.
 */
async function checkFile(store: AnalysisStore, plan: Plan, ingestId: string, counted: (rows: number) => void, lap: (step: string) => void): Promise<FileReport> {
  const control = await readRow(store, { n: col.int.nullable(), total: col.money.nullable() }, plan.load.compiled.controlSql);
  lap("control");
  const stored = await bookedTotals(store, ingestId, plan.file.path);
  lap("book");
  const sourceRows = control?.n ?? 0;
  const sourceTotal = control?.total ?? "0";
  const rows = stored.rows;
  const loadedTotal = stored.billedCost;
  if (sourceRows === 0) {
    throw new CostwiseError("EMPTY_FILE", `${plan.shown}: the file has a header but no rows`, { location: { file: plan.shown } });
  }
  if (rows !== sourceRows || !equalToTheCent(sourceTotal, loadedTotal)) {
    throw new CostwiseError(
      "CONTROL_TOTAL_MISMATCH",
      `${plan.shown}: loaded ${rows} rows with BilledCost ${loadedTotal}, but the source has ${sourceRows} rows with ${plan.mapping.controlTotal.sourceColumn} ${sourceTotal} (a difference of ${subMoney(loadedTotal, sourceTotal)}); nothing was loaded`,
      { location: { file: plan.shown } },
    );
  }
  counted(rows);
  return { path: plan.file.path, format: plan.mapping.id, rows, sourceTotal, loadedTotal, deliveryId: plan.load.deliveryId };
}

/** Reports DuckDB's own progress on the running statement (a fraction 0..1) while it runs. */
function pollProgress(store: AnalysisStore, report: (fraction: number) => void): () => void {
  const timer = setInterval(() => {
    const p = store.statementProgress?.();
    if (p !== undefined && p >= 0) report(Math.min(1, p));
  }, 250);
  return () => clearInterval(timer);
}

/** Why a FOCUS Contract Commitment file (recognized by its columns) is not loaded. */
export const CONTRACT_COMMITMENT_SKIPPED = "a FOCUS Contract Commitment dataset (ContractCommitmentId, no BilledCost): not cost rows, not loaded";

/** The file's load plan; null for a FOCUS Contract Commitment dataset (unless a --format is forced). */
async function planFile(store: AnalysisStore, file: InputFile, ingestId: string, format?: SourceFormat): Promise<Plan | null> {
  const shown = displayPath(file.path);
  // the reader opens exactly this file (glob characters escaped, the path bound, not spliced)
  const path = await readerPath(store, file.path);
  let columns: string[];
  let parquetTypes: Record<string, string> = {};
  let jsonFlat: JsonLayout | undefined;
  if (file.kind === "parquet") {
    try {
      const rows = await readRows(store, { column_name: col.text, column_type: col.text }, `DESCRIBE SELECT * FROM read_parquet(${path})`);
      columns = rows.map((r) => r.column_name);
      parquetTypes = Object.fromEntries(rows.map((r) => [r.column_name, r.column_type]));
    } catch (e) {
      throw translateReadError(e, shown, {}, undefined, "parquet");
    }
    if (columns.length === 0) throw new CostwiseError("EMPTY_FILE", `${shown}: the Parquet file has no columns`, { location: { file: shown } });
  } else if (file.kind === "json") {
    await readFirstLine(file, shown); // refuses UTF-16 and a corrupt gzip before DuckDB reads it
    jsonFlat = await jsonLayout(store, file, shown, path);
    columns = jsonFlat.columns;
  } else {
    columns = await readCsvHeader(file);
    const dup = columns.find((c, i) => columns.indexOf(c) !== i);
    if (dup !== undefined) {
      throw new CostwiseError("BAD_INPUT", `${shown}: line 1: the header names column "${dup}" twice`, { location: { file: shown, line: 1, column: dup } });
    }
    if (columns.some((c) => c === "")) {
      throw new CostwiseError("BAD_INPUT", `${shown}: line 1: the header has an empty column name (position ${columns.indexOf("") + 1})`, {
        location: { file: shown, line: 1 },
      });
    }
  }
  // `costwise export focus` writes the Contract Commitment dataset beside the cost files: recognized, not loaded
  if (format === undefined && columns.includes("ContractCommitmentId") && !columns.includes("BilledCost")) return null;
  const mapping = resolveMapping(columns, shown, format);
  // header spellings the mapping reads loosely (Azure: camelCase, localized labels) under its own names;
  // reader errors still name the header as the file spells it
  const headers = columns;
  columns = canonicalColumns(mapping, columns);
  // JSON is flattened to text columns, parsed in the mapping like CSV text
  const types = readTypes(mapping, columns, file.kind === "parquet" ? "parquet" : "csv");
  const deliveryId = file.manifest ? `${mapping.id}:${file.manifest.assemblyId}` : `ingest:${ingestId}`;
  let relation: string;
  let controlRelation: string;
  let physicalNames: Map<string, string> | undefined;
  let columnTypes: Record<string, string>;
  if (file.kind === "parquet") {
    const casts = mapping.columns
      .filter((c) => columns.includes(c.name) && c.type === "decimal" && parquetTypes[c.name] !== types[c.name])
      .map((c) => `CAST(${quoteIdent(c.name)} AS ${types[c.name]}) AS ${quoteIdent(c.name)}`);
    relation = `(SELECT * ${casts.length ? `REPLACE (${casts.join(", ")})` : ""} FROM read_parquet(${path}))`;
    controlRelation = `read_parquet(${path})`;
    columnTypes = { ...parquetTypes, ...Object.fromEntries(mapping.columns.filter((c) => c.type === "decimal" && c.name in parquetTypes).map((c) => [c.name, types[c.name]!])) };
  } else if (jsonFlat) {
    physicalNames = new Map(columns.map((c, i) => [c, `c${i}`]));
    relation = jsonRelation(file, jsonFlat, path);
    controlRelation = relation;
    columnTypes = Object.fromEntries(columns.map((c) => [c, "VARCHAR"]));
  } else {
    // positional names: DuckDB matches column names case-insensitively, CUR headers can differ only in case
    physicalNames = new Map(columns.map((c, i) => [c, `c${i}`]));
    const lineLimit = maxLineSize();
    const maxLine = lineLimit === DEFAULT_MAX_LINE_SIZE ? "" : `max_line_size = ${lineLimit}, `;
    const csv = (t: Record<string, string>) =>
      `read_csv(${path}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', strict_mode = true, ${maxLine}nullstr = ['', 'NULL'], compression = ${file.gzip ? "'gzip'" : "'none'"}, columns = {${columns.map((c, i) => `${quoteString(`c${i}`)}: ${quoteString(t[c]!)}`).join(", ")}})`;
    relation = csv(types);
    // the control total re-reads the cost column at the source's full precision
    controlRelation = csv({ ...Object.fromEntries(columns.map((c) => [c, "VARCHAR"])), [mapping.controlTotal.sourceColumn]: SOURCE_DECIMAL_TYPE });
    columnTypes = types;
  }
  const manifestStart = file.manifest?.billingPeriod?.start;
  const latest = new Date(Date.now() + 400 * 86_400_000).toISOString().slice(0, 10) + " 00:00:00";
  const load = planLoad(
    {
      mapping,
      presentColumns: columns,
      relation,
      ...(physicalNames ? { physicalNames } : {}),
      columnTypes,
      controlRelation,
      periodRule: {
        earliest: EARLIEST_PERIOD,
        latest,
        ...(manifestStart ? { exactStart: manifestStart } : {}),
        expected: manifestStart
          ? `the period of the manifest ${displayPath(file.manifest!.path)}, starting ${manifestStart}`
        : `a billing period starting between ${EARLIEST_PERIOD.slice(0, 10)} and ${latest.slice(0, 10)} and ending after it starts`,
      },
    },
    // the path and the delivery (a manifest's assemblyId) come from the user's files: bound, not spliced
    { file: file.path, ingestId, deliveryId, sql: { file: await bindText(store, file.path), deliveryId: await bindText(store, deliveryId) } },
  );
  return {
    file,
    shown,
    mapping,
    load,
    readTypes: types,
    ...(physicalNames ? { originalNames: new Map(headers.map((h, i) => [`c${i}`, h])) } : {}),
  };
}

/** The error for a failed insert of a file's rows: a reader error located in the file, or a per-row check. */
function insertError(e: unknown, plan: Plan): Error {
  const msg = e instanceof Error ? e.message : String(e);
  const index = checkIndexFromError(msg);
  const check = index === undefined ? undefined : plan.load.compiled.checks[index];
  if (!check) return translateReadError(e, plan.shown, plan.readTypes, plan.originalNames, plan.file.kind);
  // the transaction is aborted; the diagnostic read runs after the rollback, outside it
  return new RowCheckFailure(plan, check);
}

/** A per-row check failed; the row and value are looked up once the transaction is rolled back. */
class RowCheckFailure extends Error {
  constructor(
    readonly plan: Plan,
    readonly check: CompiledMapping["checks"][number],
  ) {
    super(`row check ${check.name} failed in ${plan.shown}`);
  }

  async explain(store: AnalysisStore): Promise<CostwiseError> {
    const { plan, check } = this;
    const ex = await readRows(store, { r: col.int.nullable(), v: z.unknown() }, plan.load.compiled.diagnosticSql(check)).catch(() => []);
    const r = ex[0]?.r ?? 0;
    const v = ex[0]?.v;
    const got = v === null || v === undefined ? "an empty value" : JSON.stringify(v);
    // a CSV has a header line; newline-delimited JSON has one object per line
    const at = r > 0 ? `row ${r} (line ${plan.file.kind === "json" ? r : r + 1}), ` : "";
    return new CostwiseError("BAD_INPUT", `${plan.shown}: ${at}column "${check.column}": expected ${check.expected}, got ${got}`, {
      location: { file: plan.shown, ...(r > 0 ? { row: r, line: plan.file.kind === "json" ? r : r + 1 } : {}), column: check.column },
    });
  }
}
