/**
 * Ingest: billing files → FOCUS rows in the cost store, exactly and atomically.
 *
 * Order of operations:
 *  1. Discover files (folders expanded, CUR manifests honoured, superseded report versions skipped)
 *     and refuse duplicated content.
 *  2. Plan each file: read its header, pick the mapping (or the forced --format), compile it to one
 *     SELECT over DuckDB's reader with the per-row checks built in.
 *  3. In one transaction, for each file: insert the mapped rows straight from the reader (one pass;
 *     a broken row or a reader error stops the statement and is reported with file, line or row and
 *     column), then read the source's control total (row count and cost column sum).
 *  4. Still in the transaction: the rows and BilledCost stored for each file must equal the source's
 *     to the cent; for every (source, billing account, billing period) partition loaded, delete the
 *     rows of other deliveries and of the same files (a re-delivery replaces the period, the other
 *     parts of the same delivery stay); record the run; commit. Any failure rolls everything back:
 *     the store is exactly as it was.
 */
import { randomUUID } from "node:crypto";
import { CostwiseError } from "../../core/errors.js";
import { addMoney, equalToTheCent, subMoney } from "../../core/money.js";
import { SOURCE_DECIMAL_TYPE, canonicalColumns, checkIndexFromError, compileMapping, readTypes, type CompiledMapping } from "../mapping/compile.js";
import { quoteIdent, quoteString } from "../../core/sql.js";
import type { SourceMapping } from "../mapping/mapping.js";
import { resolveMapping, type SourceFormat } from "../mapping/registry.js";
import { DuckDbStore } from "../store/duckdb-store.js";
import type { AnalysisStore } from "../store/cost-store.js";
import { COST_TABLE, COST_TABLE_COLUMNS, LOADED_TABLE, RUNS_TABLE } from "../store/schema.js";
import { translateReadError } from "./duckdb-errors.js";
import { discoverFiles, displayPath, readCsvHeader, refuseDuplicates, type InputFile } from "./files.js";
import { jsonLayout, jsonRelation, type JsonLayout } from "./json-relation.js";

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
}

export interface FileReport {
  path: string;
  format: string;
  rows: number;
  sourceTotal: string;
  loadedTotal: string;
  deliveryId: string;
}

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
  deliveryId: string;
  compiled: CompiledMapping;
  readTypes: Record<string, string>;
  originalNames?: ReadonlyMap<string, string>;
}

const EARLIEST_PERIOD = "2000-01-01 00:00:00";

export async function ingestFiles(store: AnalysisStore, paths: readonly string[], options: IngestOptions = {}): Promise<IngestResult> {
  if (paths.length === 0) throw new CostwiseError("USAGE", "nothing to ingest: give one or more files or folders");
  const ingestId = `ing_${new Date().toISOString().replace(/[-:.TZ]/g, "").slice(0, 14)}_${randomUUID().slice(0, 8)}`;
  const startedAt = new Date();
  const { files, skipped } = discoverFiles(paths);
  if (files.length === 0) {
    throw new CostwiseError("NOT_FOUND", `no billing files found in ${paths.join(", ")} (looked for .csv, .csv.gz, .parquet and CUR manifests)`);
  }
  refuseDuplicates(files);
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
  for (const file of files) plans.push(await planFile(store, file, ingestId, options.format));
  lap("plan");

  // 3-4. load, check and replace in one transaction
  const result = await store.transaction(async () => {
    const fileReports: FileReport[] = [];
    for (const [i, plan] of plans.entries()) {
      progress("stage", i, plan.file.path);
      const stopPolling = pollProgress(store, (fraction) => {
        options.onProgress?.({ phase: "stage", fileIndex: i, fileCount: files.length, bytesDone: bytesDone + Math.round(plan.file.bytes * fraction), bytesTotal, rows: rowsSoFar, file: plan.file.path });
      });
      try {
        await insertFile(store, plan);
      } finally {
        stopPolling();
      }
      lap("insert");
      bytesDone += plan.file.bytes;
      // the control total: the source re-read at full precision (a second connection running it during
      // the insert measured no faster on 2 cores, and used more memory)
      const control = await store.all(plan.compiled.controlSql);
      lap("control");
      // book what the file loaded, per partition and currency (one pass over the new rows)
      await store.run({
        sql: `INSERT INTO ${LOADED_TABLE} SELECT x_Source, "BillingAccountId", "BillingPeriodStart", x_DeliveryId, x_SourceFile, x_IngestId, "BillingCurrency",
                count(*), sum("BilledCost"), sum("EffectiveCost"), min("ChargePeriodStart"), max("ChargePeriodEnd")
              FROM ${COST_TABLE} WHERE x_IngestId = ? AND x_SourceFile = ? GROUP BY ALL`,
        params: [ingestId, plan.file.path],
      });
      const stored = await store.all({
        sql: `SELECT coalesce(sum(rows), 0)::BIGINT AS n, coalesce(sum(billed_cost), 0)::VARCHAR AS t FROM ${LOADED_TABLE} WHERE ingest_id = ? AND file = ?`,
        params: [ingestId, plan.file.path],
      });
      lap("book");
      const sourceRows = Number(control[0]?.["n"] ?? 0);
      const sourceTotal = String(control[0]?.["total"] ?? "0");
      const rows = Number(stored[0]?.["n"] ?? 0);
      const loadedTotal = String(stored[0]?.["t"] ?? "0");
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
      rowsSoFar += rows;
      progress("check", i, plan.file.path);
      fileReports.push({ path: plan.file.path, format: plan.mapping.id, rows, sourceTotal, loadedTotal, deliveryId: plan.deliveryId });
    }
    progress("commit", files.length);
    const partitions = await replacePartitions(store, plans, ingestId);
    lap("replace");
    const currency = await store.all({
      sql: `SELECT coalesce(currency, '?') AS c, sum(billed_cost)::VARCHAR AS t FROM ${LOADED_TABLE} WHERE ingest_id = ? GROUP BY 1 ORDER BY 1`,
      params: [ingestId],
    });
    const currencyTotals = Object.fromEntries(currency.map((r) => [String(r["c"]), String(r["t"])]));
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
    await store.run({
      sql: `INSERT INTO ${RUNS_TABLE} VALUES (?, ?::TIMESTAMP, now()::TIMESTAMP, ?, ?::JSON, ?::JSON, ?, ?, ?::DECIMAL(38,10), ?::DECIMAL(38,10), ?::DECIMAL(38,10), ?::JSON)`,
      params: [
        ingestId,
        startedAt.toISOString().replace("T", " ").replace("Z", ""),
        [...new Set(plans.map((p) => p.mapping.id))].join(","),
        JSON.stringify(result.files),
        JSON.stringify(partitions),
        result.rowsLoaded,
        result.rowsReplaced,
        result.sourceTotal,
        result.loadedTotal,
        result.replacedTotal,
        JSON.stringify(currencyTotals),
      ],
    });
    if (options.beforeCommit) await options.beforeCommit();
    lap("record");
    return result;
  }).catch(async (e: unknown) => {
    throw e instanceof RowCheckFailure ? await e.explain(store) : e;
  });
  lap("commit");
  progress("done", files.length);
  return result;
}

/** Reports DuckDB's own progress on the running statement (a fraction 0..1) while it runs. */
function pollProgress(store: AnalysisStore, report: (fraction: number) => void): () => void {
  const timer = setInterval(() => {
    const p = store.statementProgress?.();
    if (p !== undefined && p >= 0) report(Math.min(1, p));
  }, 250);
  return () => clearInterval(timer);
}

async function planFile(store: AnalysisStore, file: InputFile, ingestId: string, format?: SourceFormat): Promise<Plan> {
  const shown = displayPath(file.path);
  let columns: string[];
  let parquetTypes: Record<string, string> = {};
  let jsonFlat: JsonLayout | undefined;
  if (file.kind === "parquet") {
    try {
      const rows = await store.all(`DESCRIBE SELECT * FROM read_parquet(${quoteString(file.path)})`);
      columns = rows.map((r) => String(r["column_name"]));
      parquetTypes = Object.fromEntries(rows.map((r) => [String(r["column_name"]), String(r["column_type"])]));
    } catch (e) {
      throw translateReadError(e, shown, {});
    }
    if (columns.length === 0) throw new CostwiseError("EMPTY_FILE", `${shown}: the Parquet file has no columns`, { location: { file: shown } });
  } else if (file.kind === "json") {
    jsonFlat = await jsonLayout(store, file, shown);
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
    relation = `(SELECT * ${casts.length ? `REPLACE (${casts.join(", ")})` : ""} FROM read_parquet(${quoteString(file.path)}))`;
    controlRelation = `read_parquet(${quoteString(file.path)})`;
    columnTypes = { ...parquetTypes, ...Object.fromEntries(mapping.columns.filter((c) => c.type === "decimal" && c.name in parquetTypes).map((c) => [c.name, types[c.name]!])) };
  } else if (jsonFlat) {
    physicalNames = new Map(columns.map((c, i) => [c, `c${i}`]));
    relation = jsonRelation(file, jsonFlat);
    controlRelation = relation;
    columnTypes = Object.fromEntries(columns.map((c) => [c, "VARCHAR"]));
  } else {
    // positional names: DuckDB matches column names case-insensitively, CUR headers can differ only in case
    physicalNames = new Map(columns.map((c, i) => [c, `c${i}`]));
    const csv = (t: Record<string, string>) =>
      `read_csv(${quoteString(file.path)}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', strict_mode = true, nullstr = ['', 'NULL'], compression = ${file.gzip ? "'gzip'" : "'none'"}, columns = {${columns.map((c, i) => `${quoteString(`c${i}`)}: ${quoteString(t[c]!)}`).join(", ")}})`;
    relation = csv(types);
    // the control total re-reads the cost column at the source's full precision
    controlRelation = csv({ ...Object.fromEntries(columns.map((c) => [c, "VARCHAR"])), [mapping.controlTotal.sourceColumn]: SOURCE_DECIMAL_TYPE });
    columnTypes = types;
  }
  const manifestStart = file.manifest?.billingPeriod?.start;
  const latest = new Date(Date.now() + 400 * 86_400_000).toISOString().slice(0, 10) + " 00:00:00";
  const compiled = compileMapping({
    mapping,
    presentColumns: columns,
    relation,
    provenance: { file: file.path, ingestId, deliveryId },
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
  });
  return {
    file,
    shown,
    mapping,
    deliveryId,
    compiled,
    readTypes: types,
    ...(physicalNames ? { originalNames: new Map(headers.map((h, i) => [`c${i}`, h])) } : {}),
  };
}

async function insertFile(store: AnalysisStore, plan: Plan): Promise<void> {
  const cols = COST_TABLE_COLUMNS.map((c) => quoteIdent(c.name)).join(", ");
  try {
    await store.run(`INSERT INTO ${COST_TABLE} (${cols}) ${plan.compiled.sql}`);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const index = checkIndexFromError(msg);
    const check = index === undefined ? undefined : plan.compiled.checks[index];
    if (!check) throw translateReadError(e, plan.shown, plan.readTypes, plan.originalNames);
    // the transaction is aborted; the diagnostic read runs after the rollback, outside it
    throw new RowCheckFailure(plan, check);
  }
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
    const ex = await store.all(plan.compiled.diagnosticSql(check)).catch(() => []);
    const r = Number(ex[0]?.["r"] ?? 0);
    const v = ex[0]?.["v"];
    const got = v === null || v === undefined ? "an empty value" : JSON.stringify(v);
    // a CSV has a header line; newline-delimited JSON has one object per line
    const at = r > 0 ? `row ${r} (line ${plan.file.kind === "json" ? r : r + 1}), ` : "";
    return new CostwiseError("BAD_INPUT", `${plan.shown}: ${at}column "${check.column}": expected ${check.expected}, got ${got}`, {
      location: { file: plan.shown, ...(r > 0 ? { row: r, line: plan.file.kind === "json" ? r : r + 1 } : {}), column: check.column },
    });
  }
}

/**
 * Deletes what the loaded deliveries replace and returns what each partition holds and replaced.
 * The bookkeeping table says which (partition, ingest, file) sets are replaced, so the cost rows are
 * scanned once, by the DELETE itself.
 */
async function replacePartitions(store: AnalysisStore, plans: readonly Plan[], ingestId: string): Promise<PartitionReport[]> {
  const parts = await store.all({
    sql: `SELECT source, billing_account_id AS account, billing_period_start::VARCHAR AS period, list(DISTINCT delivery_id ORDER BY delivery_id) AS deliveries,
            sum(rows)::BIGINT AS n, sum(billed_cost)::VARCHAR AS billed
     FROM ${LOADED_TABLE} WHERE ingest_id = ? GROUP BY ALL ORDER BY 1, 2, 3`,
    params: [ingestId],
  });
  for (const p of parts) {
    const deliveries = p["deliveries"] as string[];
    if (deliveries.length > 1) {
      throw new CostwiseError(
        "BAD_INPUT",
        `two report versions of the same billing period (${p["source"]}, account ${p["account"]}, ${p["period"]}) in one ingest: ${deliveries.join(" and ")}; give only the latest`,
      );
    }
  }
  const files = plans.map((p) => quoteString(p.file.path)).join(", ");
  // the loaded sets this ingest replaces: same partition, another ingest, and another delivery or the same file
  const victims = `SELECT o.source, o.billing_account_id, o.billing_period_start, o.ingest_id, o.file, o.rows, o.billed_cost
     FROM ${LOADED_TABLE} o JOIN (SELECT DISTINCT source, billing_account_id, billing_period_start, delivery_id FROM ${LOADED_TABLE} WHERE ingest_id = ?) n
       ON o.source = n.source AND o.billing_account_id IS NOT DISTINCT FROM n.billing_account_id AND o.billing_period_start IS NOT DISTINCT FROM n.billing_period_start
     WHERE o.ingest_id <> ? AND (o.delivery_id <> n.delivery_id OR o.file IN (${files}))`;
  const replaced = await store.all({
    sql: `SELECT source, billing_account_id AS account, billing_period_start::VARCHAR AS period, sum(rows)::BIGINT AS n, sum(billed_cost)::VARCHAR AS t
          FROM (${victims}) GROUP BY ALL`,
    params: [ingestId, ingestId],
  });
  if (replaced.length > 0) {
    await store.run({
      sql: `DELETE FROM ${COST_TABLE} USING (SELECT DISTINCT source, billing_account_id, billing_period_start, ingest_id, file FROM (${victims})) v
            WHERE ${COST_TABLE}.x_IngestId = v.ingest_id AND ${COST_TABLE}.x_SourceFile = v.file AND ${COST_TABLE}.x_Source = v.source
              AND ${COST_TABLE}."BillingAccountId" IS NOT DISTINCT FROM v.billing_account_id AND ${COST_TABLE}."BillingPeriodStart" IS NOT DISTINCT FROM v.billing_period_start`,
      params: [ingestId, ingestId],
    });
    await store.run({
      sql: `DELETE FROM ${LOADED_TABLE} USING (SELECT DISTINCT source, billing_account_id, billing_period_start, ingest_id, file FROM (${victims})) v
            WHERE ${LOADED_TABLE}.ingest_id = v.ingest_id AND ${LOADED_TABLE}.file = v.file AND ${LOADED_TABLE}.source = v.source
              AND ${LOADED_TABLE}.billing_account_id IS NOT DISTINCT FROM v.billing_account_id AND ${LOADED_TABLE}.billing_period_start IS NOT DISTINCT FROM v.billing_period_start`,
      params: [ingestId, ingestId],
    });
  }
  const key = (r: Record<string, unknown>) => `${r["source"]}|${r["account"] ?? ""}|${r["period"]}`;
  const gone = new Map(replaced.map((r) => [key(r), r]));
  return parts.map((p) => {
    const g = gone.get(key(p));
    return {
      source: String(p["source"]),
      billingAccountId: p["account"] === null ? "" : String(p["account"]),
      billingPeriodStart: String(p["period"]),
      deliveryId: (p["deliveries"] as string[])[0]!,
      rows: Number(p["n"]),
      billedCost: String(p["billed"]),
      rowsReplaced: Number(g?.["n"] ?? 0),
      billedCostReplaced: String(g?.["t"] ?? "0"),
    };
  });
}
