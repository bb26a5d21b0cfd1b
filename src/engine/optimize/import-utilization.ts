/**
 * Utilization from a CSV file (timestamp, resource_id, metric, value), for other clouds and monitoring
 * systems. Points are bucketed into UTC hours (avg, max, min, p99, count) in SQL and replace the same
 * resource/metric/hours already stored, in one transaction. Bad rows are named by file, row and column.
 */
import { existsSync } from "node:fs";
import { z } from "zod";
import { CostwiseError } from "../../core/errors.js";
import { quoteIdent } from "../../core/sql.js";
import { sql, type AnalysisStore } from "../store/cost-store.js";
import { readerPath } from "../store/duckdb/literal-path.js";
import { col, readRow, readRows } from "../store/read-rows.js";
import { translateReadError } from "../ingest/duckdb-errors.js";
import { UTILIZATION_TABLE } from "./tables.js";

/** The first bad cell of the file: its row, the raw cells, and which column is bad. */
const BAD_CELL_SHAPE = {
  __row: col.int,
  ts: col.text.nullable(),
  rid: col.text.nullable(),
  metric: col.text.nullable(),
  value: col.text.nullable(),
  bad: z.enum(["timestamp", "resource_id", "metric", "value"]),
};

export const UTILIZATION_CSV_COLUMNS = ["timestamp", "resource_id", "metric", "value"] as const;

export interface ImportResult {
  file: string;
  points: number;
  hours: number;
  resources: number;
  metrics: string[];
}

export async function importUtilizationCsv(store: AnalysisStore, file: string, source = "csv"): Promise<ImportResult> {
  if (!existsSync(file)) throw new CostwiseError("NOT_FOUND", `${file}: no such file`, { location: { file } });
  // the reader opens exactly this file (glob characters escaped, the path bound, not spliced)
  const f = await readerPath(store, file);
  let header: string[];
  try {
    const cols = await readRows(store, { column_name: col.text }, `DESCRIBE SELECT * FROM read_csv(${f}, header = true, all_varchar = true, auto_detect = true)`);
    header = cols.map((c) => c.column_name);
  } catch (e) {
    throw translateReadError(e, file, {});
  }
  const lower = header.map((h) => h.trim().toLowerCase());
  for (const c of UTILIZATION_CSV_COLUMNS) {
    if (!lower.includes(c)) {
      throw new CostwiseError("BAD_INPUT", `${file}: the header has no column "${c}" (expected ${UTILIZATION_CSV_COLUMNS.join(",")}; found ${header.join(",")})`, {
        location: { file, line: 1, column: c },
      });
    }
  }
  const column = (c: string): string => quoteIdent(header[lower.indexOf(c)]!);
  const raw = `(SELECT row_number() OVER () AS __row, ${column("timestamp")} AS ts, ${column("resource_id")} AS rid, ${column("metric")} AS metric, ${column("value")} AS value
                 FROM read_csv(${f}, header = true, all_varchar = true, auto_detect = true))`;
  try {
    // first bad cell, in file order
    const b = await readRow(store, BAD_CELL_SHAPE, `SELECT __row, ts, rid, metric, value,
        CASE WHEN ts IS NULL OR try_cast(ts AS TIMESTAMPTZ) IS NULL THEN 'timestamp'
             WHEN rid IS NULL OR trim(rid) = '' THEN 'resource_id'
             WHEN metric IS NULL OR trim(metric) = '' THEN 'metric'
             WHEN value IS NULL OR try_cast(value AS DOUBLE) IS NULL OR NOT isfinite(try_cast(value AS DOUBLE)) THEN 'value' END AS bad
      FROM ${raw} WHERE bad IS NOT NULL ORDER BY __row LIMIT 1`);
    if (b) {
      const column = b.bad;
      const expected =
        column === "timestamp" ? "an ISO 8601 timestamp such as 2024-09-01T13:05:00Z" : column === "value" ? "a number such as 12.5" : "a non-empty value";
      const got = column === "resource_id" ? b.rid : column === "timestamp" ? b.ts : column === "metric" ? b.metric : b.value;
      const row = b.__row;
      throw new CostwiseError("BAD_INPUT", `${file}: row ${row} (line ${row + 1}), column "${column}": expected ${expected}, got ${JSON.stringify(got ?? "")}`, {
        location: { file, row, line: row + 1, column },
      });
    }
    const s = (await readRow(
      store,
      { points: col.int, resources: col.int, metrics: z.array(z.string()).nullable() },
      `SELECT count(*)::INTEGER AS points, count(DISTINCT rid)::INTEGER AS resources, list(DISTINCT metric ORDER BY metric) AS metrics FROM ${raw}`,
    ))!;
    if (s.points === 0) throw new CostwiseError("EMPTY_FILE", `${file}: no data rows`, { location: { file } });
    let hours = 0;
    await store.transaction(async () => {
      await store.run(`CREATE OR REPLACE TEMP TABLE __util_import AS
        SELECT trim(rid) AS resource_id, trim(metric) AS metric,
               date_trunc('hour', cast(ts AS TIMESTAMPTZ) AT TIME ZONE 'UTC') AS hour,
               avg(cast(value AS DOUBLE)) AS avg, max(cast(value AS DOUBLE)) AS max, min(cast(value AS DOUBLE)) AS min,
               quantile_cont(cast(value AS DOUBLE), 0.99) AS p99, count(*)::INTEGER AS samples
        FROM ${raw} GROUP BY 1, 2, 3`);
      await store.run(`DELETE FROM ${UTILIZATION_TABLE} u USING __util_import i
        WHERE u.resource_id = i.resource_id AND u.metric = i.metric AND u.hour = i.hour`);
      await store.run(sql(`INSERT INTO ${UTILIZATION_TABLE} SELECT resource_id, metric, hour, avg, max, min, p99, samples, ?, now()::TIMESTAMP FROM __util_import`, source));
      hours = (await readRow(store, { n: col.int }, "SELECT count(*)::INTEGER AS n FROM __util_import"))!.n;
      await store.run("DROP TABLE __util_import");
    });
    return { file, points: s.points, hours, resources: s.resources, metrics: s.metrics ?? [] };
  } catch (e) {
    if (e instanceof CostwiseError) throw e;
    throw translateReadError(e, file, {});
  }
}
