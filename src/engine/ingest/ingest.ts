/**
 * Ingest: billing files → FOCUS rows in the cost store, exactly and atomically.
 *
 * Order of operations:
 *  1. Discover files (folders expanded, CUR manifests honoured, superseded report versions skipped)
 *     and refuse duplicated content.
 *  2. For each file: read its header, pick the mapping (or the forced --format), compile it to one
 *     SELECT, and stage the mapped rows in a temporary table straight from DuckDB's reader. Reader
 *     errors (bad numbers, bad dates, ragged rows, corrupt gzip/Parquet) name file, line and column.
 *  3. Check each staged file: per-row checks (unparseable dates, invalid Tags JSON, null keys) name
 *     the first offending row (found by a second read of the source, only when a check fails); the billing periods must be plausible (and the manifest's, when there is one); the mapped
 *     BilledCost must equal the source's cost column to the cent.
 *  4. In one transaction: for every (source, billing account, billing period) partition staged,
 *     delete the rows of other deliveries and of the same files (a re-delivery replaces the period,
 *     the other parts of the same delivery stay), insert the staged rows, verify the stored total,
 *     and record the run. Any failure rolls everything back: the store is as it was.
 */
import { randomUUID } from "node:crypto";
import { CostwiseError } from "../../core/errors.js";
import { addMoney, equalToTheCent, subMoney } from "../../core/money.js";
import { compileMapping, quoteIdent, quoteString, readTypes } from "../mapping/compile.js";
import type { SourceMapping } from "../mapping/mapping.js";
import { resolveMapping, type SourceFormat } from "../mapping/registry.js";
import type { DuckDbStore } from "../store/duckdb-store.js";
import { COST_TABLE, COST_TABLE_COLUMNS, RUNS_TABLE } from "../store/schema.js";
import { translateReadError } from "./duckdb-errors.js";
import { discoverFiles, displayPath, readCsvHeader, refuseDuplicates, type InputFile } from "./files.js";

export interface IngestProgress {
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
}

interface Staged {
  file: InputFile;
  table: string;
  mapping: SourceMapping;
  deliveryId: string;
  rows: number;
  sourceTotal: string;
  loadedTotal: string;
}

const EARLIEST_PERIOD = "2000-01-01";

export async function ingestFiles(store: DuckDbStore, paths: readonly string[], options: IngestOptions = {}): Promise<IngestResult> {
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

  const staged: Staged[] = [];
  try {
    // 2-3. stage and check every file
    for (const [i, file] of files.entries()) {
      progress("stage", i, file.path);
      const s = await stageFile(store, file, i, ingestId, options.format);
      staged.push(s);
      rowsSoFar += s.rows;
      progress("check", i, file.path);
      await checkStaged(store, s);
      bytesDone += file.bytes;
    }
    // 4. replace partitions atomically
    progress("commit", files.length);
    const result = await store.transaction(async () => {
      const partitions = await replacePartitions(store, staged, ingestId);
      const cols = COST_TABLE_COLUMNS.map((c) => quoteIdent(c.name)).join(", ");
      for (const s of staged) await store.run(`INSERT INTO ${COST_TABLE} (${cols}) SELECT ${cols} FROM ${s.table}`);
      const stored = await store.all({
        sql: `SELECT count(*)::BIGINT AS n, coalesce(sum("BilledCost"), 0)::VARCHAR AS total FROM ${COST_TABLE} WHERE x_IngestId = ?`,
        params: [ingestId],
      });
      const loadedTotal = addMoney("0", ...staged.map((s) => s.loadedTotal));
      const sourceTotal = addMoney("0", ...staged.map((s) => s.sourceTotal));
      const storedTotal = String(stored[0]?.["total"] ?? "0");
      const storedRows = Number(stored[0]?.["n"] ?? 0);
      const rowsLoaded = staged.reduce((a, s) => a + s.rows, 0);
      if (storedRows !== rowsLoaded || !equalToTheCent(storedTotal, sourceTotal)) {
        throw new CostwiseError(
          "CONTROL_TOTAL_MISMATCH",
          `the store holds ${storedRows} rows / ${storedTotal} for this ingest, but the files hold ${rowsLoaded} rows / ${sourceTotal}; nothing was loaded`,
        );
      }
      const currency = await store.all({
        sql: `SELECT coalesce("BillingCurrency", '?') AS c, sum("BilledCost")::VARCHAR AS t FROM ${COST_TABLE} WHERE x_IngestId = ? GROUP BY 1 ORDER BY 1`,
        params: [ingestId],
      });
      const currencyTotals = Object.fromEntries(currency.map((r) => [String(r["c"]), String(r["t"])]));
      const rowsReplaced = partitions.reduce((a, p) => a + p.rowsReplaced, 0);
      const replacedTotal = addMoney("0", ...partitions.map((p) => p.billedCostReplaced));
      const result: IngestResult = {
        ingestId,
        files: staged.map((s) => ({
          path: s.file.path,
          format: s.mapping.id,
          rows: s.rows,
          sourceTotal: s.sourceTotal,
          loadedTotal: s.loadedTotal,
          deliveryId: s.deliveryId,
        })),
        skipped,
        partitions,
        rowsLoaded,
        rowsReplaced,
        sourceTotal,
        loadedTotal,
        replacedTotal,
        currencyTotals,
      };
      await store.run({
        sql: `INSERT INTO ${RUNS_TABLE} VALUES (?, ?::TIMESTAMP, now()::TIMESTAMP, ?, ?::JSON, ?::JSON, ?, ?, ?::DECIMAL(38,10), ?::DECIMAL(38,10), ?::DECIMAL(38,10), ?::JSON)`,
        params: [
          ingestId,
          startedAt.toISOString().replace("T", " ").replace("Z", ""),
          [...new Set(staged.map((s) => s.mapping.id))].join(","),
          JSON.stringify(result.files),
          JSON.stringify(partitions),
          rowsLoaded,
          rowsReplaced,
          sourceTotal,
          loadedTotal,
          replacedTotal,
          JSON.stringify(currencyTotals),
        ],
      });
      if (options.beforeCommit) await options.beforeCommit();
      return result;
    });
    progress("done", files.length);
    return result;
  } finally {
    for (const s of staged) await store.run(`DROP TABLE IF EXISTS ${s.table}`).catch(() => undefined);
  }
}

async function stageFile(store: DuckDbStore, file: InputFile, index: number, ingestId: string, format?: SourceFormat): Promise<Staged> {
  const shown = displayPath(file.path);
  let columns: string[];
  let parquetTypes: Record<string, string> = {};
  if (file.kind === "parquet") {
    try {
      const rows = await store.all(`DESCRIBE SELECT * FROM read_parquet(${quoteString(file.path)})`);
      columns = rows.map((r) => String(r["column_name"]));
      parquetTypes = Object.fromEntries(rows.map((r) => [String(r["column_name"]), String(r["column_type"])]));
    } catch (e) {
      throw translateReadError(e, shown, {});
    }
    if (columns.length === 0) throw new CostwiseError("EMPTY_FILE", `${shown}: the Parquet file has no columns`, { location: { file: shown } });
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
  let mapping: SourceMapping;
  try {
    mapping = resolveMapping(columns, shown, format);
  } catch (e) {
    throw e;
  }
  const types = readTypes(mapping, columns, file.kind);
  const deliveryId = file.manifest ? `${mapping.id}:${file.manifest.assemblyId}` : `ingest:${ingestId}`;
  let relation: string;
  let physicalNames: Map<string, string> | undefined;
  if (file.kind === "parquet") {
    const casts = mapping.columns
      .filter((c) => columns.includes(c.name) && c.type !== "string" && c.type !== "map" && parquetTypes[c.name] !== types[c.name])
      .map((c) => `CAST(${quoteIdent(c.name)} AS ${types[c.name]}) AS ${quoteIdent(c.name)}`);
    relation = `(SELECT * ${casts.length ? `REPLACE (${casts.join(", ")})` : ""} FROM read_parquet(${quoteString(file.path)}))`;
  } else {
    // positional names: DuckDB matches column names case-insensitively, CUR headers can differ only in case
    physicalNames = new Map(columns.map((c, i) => [c, `c${i}`]));
    const struct = columns.map((c, i) => `${quoteString(`c${i}`)}: ${quoteString(types[c]!)}`).join(", ");
    relation = `read_csv(${quoteString(file.path)}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', strict_mode = true, nullstr = ['', 'NULL'], compression = ${file.gzip ? "'gzip'" : "'none'"}, columns = {${struct}})`;
  }
  const compiled = compileMapping({
    mapping,
    presentColumns: columns,
    relation,
    provenance: { file: file.path, ingestId, deliveryId },
    ...(physicalNames ? { physicalNames } : {}),
    textTimestamps: file.kind === "csv",
  });
  const table = `stg_${ingestId.replace(/[^a-zA-Z0-9]/g, "_")}_${index}`;
  try {
    await store.run(`CREATE TEMP TABLE ${table} AS ${compiled.sql}`);
  } catch (e) {
    throw translateReadError(e, shown, types, physicalNames ? new Map([...physicalNames].map(([a, b]) => [b, a])) : undefined);
  }
  const agg = await store.all(
    `SELECT count(*)::BIGINT AS n, coalesce(sum(__src_cost), 0)::VARCHAR AS src, coalesce(sum("BilledCost"), 0)::VARCHAR AS billed${compiled.checks
      .map((c) => `, count(*) FILTER (WHERE ${c.name})::BIGINT AS ${c.name}`)
      .join("")} FROM ${table}`,
  );
  const a = agg[0] ?? {};
  const rows = Number(a["n"] ?? 0);
  if (rows === 0) {
    throw new CostwiseError("EMPTY_FILE", `${shown}: the file has a header but no rows`, { location: { file: shown } });
  }
  for (const c of compiled.checks) {
    if (Number(a[c.name] ?? 0) === 0) continue;
    const ex = await store.all(compiled.diagnosticSql(c));
    const r = Number(ex[0]?.["r"] ?? 0);
    const v = ex[0]?.["v"];
    throw new CostwiseError(
      "BAD_INPUT",
      `${shown}: row ${r} (line ${r + 1}), column "${c.column}": expected ${c.expected}, got ${v === null || v === undefined ? "an empty value" : JSON.stringify(v)}` +
        ` (${a[c.name]} row(s) in all)`,
      { location: { file: shown, row: r, line: r + 1, column: c.column } },
    );
  }
  return { file, table, mapping, deliveryId, rows, sourceTotal: String(a["src"]), loadedTotal: String(a["billed"]) };
}

async function checkStaged(store: DuckDbStore, s: Staged): Promise<void> {
  const shown = displayPath(s.file.path);
  if (!equalToTheCent(s.sourceTotal, s.loadedTotal)) {
    throw new CostwiseError(
      "CONTROL_TOTAL_MISMATCH",
      `${shown}: the mapped BilledCost total ${s.loadedTotal} differs from the source's ${s.mapping.controlTotal.sourceColumn} total ${s.sourceTotal} by ${subMoney(s.loadedTotal, s.sourceTotal)}`,
      { location: { file: shown } },
    );
  }
  // billing periods must be plausible, and the manifest's own when there is one
  const manifestStart = s.file.manifest?.billingPeriod?.start;
  const bad = await store.all({
    sql: `SELECT (rowid + 1)::BIGINT AS r, "BillingPeriodStart"::VARCHAR AS bps, "BillingPeriodEnd"::VARCHAR AS bpe FROM ${s.table}
          WHERE "BillingPeriodStart" < ?::TIMESTAMP OR "BillingPeriodStart" > now()::TIMESTAMP + INTERVAL 400 DAY
             OR "BillingPeriodEnd" <= "BillingPeriodStart"
             ${manifestStart ? `OR "BillingPeriodStart" <> ?::TIMESTAMP` : ""}
          ORDER BY rowid LIMIT 1`,
    params: manifestStart ? [EARLIEST_PERIOD, manifestStart] : [EARLIEST_PERIOD],
  });
  const b = bad[0];
  if (b) {
    const r = Number(b["r"]);
    const why = manifestStart
      ? `the manifest ${displayPath(s.file.manifest!.path)} is for the period starting ${manifestStart}`
      : `expected a billing period between ${EARLIEST_PERIOD} and a year from now, ending after it starts`;
    throw new CostwiseError(
      "BAD_INPUT",
      `${shown}: row ${r} (line ${r + 1}), column BillingPeriodStart: unknown billing period ${b["bps"]} – ${b["bpe"]}: ${why}`,
      { location: { file: shown, row: r, column: "BillingPeriodStart" } },
    );
  }
}

/** Deletes what the staged deliveries replace; returns what each partition holds and replaced. */
async function replacePartitions(store: DuckDbStore, staged: readonly Staged[], ingestId: string): Promise<PartitionReport[]> {
  const union = staged.map((s) => `SELECT x_Source, "BillingAccountId", "BillingPeriodStart", x_DeliveryId, "BilledCost" FROM ${s.table}`).join(" UNION ALL ");
  const parts = await store.all(
    `SELECT x_Source AS source, "BillingAccountId" AS account, "BillingPeriodStart"::VARCHAR AS period, list(DISTINCT x_DeliveryId ORDER BY x_DeliveryId) AS deliveries,
            count(*)::BIGINT AS n, sum("BilledCost")::VARCHAR AS billed
     FROM (${union}) GROUP BY ALL ORDER BY 1, 2, 3`,
  );
  const files = staged.map((s) => s.file.path);
  const reports: PartitionReport[] = [];
  for (const p of parts) {
    const deliveries = p["deliveries"] as string[];
    if (deliveries.length > 1) {
      throw new CostwiseError(
        "BAD_INPUT",
        `two report versions of the same billing period (${p["source"]}, account ${p["account"]}, ${p["period"]}) in one ingest: ${deliveries.join(" and ")}; give only the latest`,
      );
    }
    const delivery = deliveries[0]!;
    const where = `x_Source = ? AND "BillingAccountId" IS NOT DISTINCT FROM ? AND "BillingPeriodStart" = ?::TIMESTAMP
       AND x_IngestId <> ? AND (x_DeliveryId <> ? OR x_SourceFile IN (${files.map(quoteString).join(", ")}))`;
    const params = [String(p["source"]), p["account"] === null ? null : String(p["account"]), String(p["period"]), ingestId, delivery] as const;
    const gone = await store.all({
      sql: `SELECT count(*)::BIGINT AS n, coalesce(sum("BilledCost"), 0)::VARCHAR AS t FROM ${COST_TABLE} WHERE ${where}`,
      params: [...params] as never,
    });
    const n = Number(gone[0]?.["n"] ?? 0);
    if (n > 0) await store.run({ sql: `DELETE FROM ${COST_TABLE} WHERE ${where}`, params: [...params] as never });
    reports.push({
      source: String(p["source"]),
      billingAccountId: p["account"] === null ? "" : String(p["account"]),
      billingPeriodStart: String(p["period"]),
      deliveryId: delivery,
      rows: Number(p["n"]),
      billedCost: String(p["billed"]),
      rowsReplaced: n,
      billedCostReplaced: String(gone[0]?.["t"] ?? "0"),
    });
  }
  return reports;
}
