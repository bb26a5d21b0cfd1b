/**
 * Business metrics for unit economics (transactions, active users, requests) → `business_metrics`.
 *
 * Inputs: CSV with a header, or JSON (an array of objects, or newline-delimited objects). Columns / keys
 * (names case-insensitive):
 *   metric       (or metric_name, name)   the metric's name; `--metric` names it for files without the column
 *   date         (or day, ts, timestamp, time, period_start)   a date (UTC midnight) or a date-time (offsets → UTC)
 *   value                                  an exact decimal (DECIMAL(38,10); more fraction digits are rounded)
 *   service, environment (or env)          optional
 *   dimensions                             optional JSON object (a JSON object, or JSON text in CSV)
 *   anything else                          another dimension (empty values are left out)
 * Everything is read by DuckDB (read_csv with every column as text, read_json_objects) and checked in SQL; bad
 * rows stop the ingest with file, row (line) and column. Re-ingesting the same metric, ts, service, environment
 * and dimensions replaces the stored value; all files of one ingest land in one transaction or not at all.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { CostwiseError } from "../../core/errors.js";
import { quoteIdent, quoteString } from "../../core/sql.js";
import { displayPath, readCsvHeader } from "../ingest/files.js";
import { newRunId } from "../ingest/spine.js";
import { sql, type AnalysisStore } from "../store/cost-store.js";
import { bindText, readerPath } from "../store/duckdb/literal-path.js";
import { col, readRow, readRows } from "../store/read-rows.js";
import { METRICS_TABLE } from "./tables.js";

export const METRIC_FILE_FORMATS = ["csv", "json"] as const;
export type MetricFileFormat = (typeof METRIC_FILE_FORMATS)[number];

export interface MetricsIngestOptions {
  /** default: from the extension (.csv → csv; .json, .jsonl, .ndjson → json) */
  format?: MetricFileFormat;
  /** metric name for rows of files without a metric column */
  metric?: string;
  /** test hook: inside the transaction, after the insert */
  beforeCommit?: () => Promise<void>;
}

export interface MetricsIngestResult {
  ingestId: string;
  files: { path: string; format: MetricFileFormat; rows: number }[];
  rows: number;
  /** stored values replaced by this ingest (same metric, ts and dimensions) */
  replaced: number;
  metrics: MetricSummary[];
}

export interface MetricSummary {
  metric: string;
  /** first and last period start, ISO 8601 UTC */
  from: string;
  to: string;
  points: number;
  /** distinct service/environment/dimension combinations */
  series: number;
  /** exact decimal */
  sum: string;
}

const ALIASES = {
  metric: ["metric", "metric_name", "name"],
  ts: ["date", "day", "ts", "timestamp", "time", "period_start"],
  value: ["value"],
  service: ["service"],
  environment: ["environment", "env"],
  dimensions: ["dimensions"],
} as const;
type Field = keyof typeof ALIASES;
const KNOWN = new Set<string>(Object.values(ALIASES).flat());

const EXPECTED: Record<"metric" | "ts" | "value" | "dimensions", string> = {
  metric: "a metric name",
  ts: "a date such as 2024-06-01 or a date-time such as 2024-06-01T00:00:00Z",
  value: "a decimal number such as 1234 or 0.25",
  dimensions: 'a JSON object such as {"region":"eu"}',
};

export function metricFormatOf(path: string): MetricFileFormat | undefined {
  if (/\.csv$/i.test(path)) return "csv";
  if (/\.(json|jsonl|ndjson)$/i.test(path)) return "json";
  return undefined;
}

export async function ingestMetrics(store: AnalysisStore, paths: readonly string[], options: MetricsIngestOptions = {}): Promise<MetricsIngestResult> {
  if (paths.length === 0) throw new CostwiseError("USAGE", "nothing to ingest: give one or more metrics files (CSV or JSON)");
  if (options.metric !== undefined && options.metric.trim() === "") throw new CostwiseError("USAGE", "--metric: expected a metric name");
  const ingestId = newRunId("met");
  const stage = `mx_stage_${ingestId.replace(/[^A-Za-z0-9_]/g, "_")}`;
  const files: MetricsIngestResult["files"] = [];
  await store.run(
    `CREATE TEMP TABLE ${stage} (file VARCHAR, shown VARCHAR, fmt VARCHAR, rn BIGINT, metric VARCHAR, ts_raw VARCHAR, value_raw VARCHAR, service VARCHAR, environment VARCHAR, dims_raw VARCHAR, extra MAP(VARCHAR, VARCHAR))`,
  );
  try {
    // 1. stage every file's rows as text
    for (const p of paths) {
      const file = resolve(p);
      const shown = displayPath(file);
      if (!existsSync(file) || !statSync(file).isFile()) throw new CostwiseError("NOT_FOUND", `${shown}: no such file`, { location: { file: shown } });
      const format = options.format ?? metricFormatOf(file);
      if (!format) throw new CostwiseError("USAGE", `${shown}: cannot tell the format from the name; give --format csv or --format json`, { location: { file: shown } });
      if (statSync(file).size === 0) throw new CostwiseError("EMPTY_FILE", `${shown}: the file is empty`, { location: { file: shown } });
      const count = async () => (await readRow(store, { n: col.int }, `SELECT count(*)::BIGINT AS n FROM ${stage}`))!.n;
      const before = await count();
      if (format === "csv") await stageCsv(store, stage, file, shown, options.metric);
      else await stageJson(store, stage, file, shown, options.metric);
      const rows = (await count()) - before;
      if (rows === 0) throw new CostwiseError("EMPTY_FILE", `${shown}: no metric rows in the file`, { location: { file: shown } });
      files.push({ path: file, format, rows });
    }

    // 2. checks: the first bad row, in file order
    await check(store, stage);

    // 3. replace and insert in one transaction
    const parsed = `SELECT file, metric, CAST(TRY_CAST(trim(ts_raw) AS TIMESTAMPTZ) AS TIMESTAMP) AS ts, CAST(trim(value_raw) AS DECIMAL(38,10)) AS value,
        NULLIF(trim(service), '') AS service, NULLIF(trim(environment), '') AS environment,
        CASE WHEN cardinality(d) = 0 THEN NULL ELSE d END AS dimensions
      FROM (SELECT *, map_concat(coalesce(TRY_CAST(TRY_CAST(NULLIF(trim(dims_raw), '') AS JSON) AS MAP(VARCHAR, VARCHAR)), MAP([]::VARCHAR[], []::VARCHAR[])), coalesce(extra, MAP([]::VARCHAR[], []::VARCHAR[]))) AS d FROM ${stage})`;
    const key = (t: string) =>
      `${t}.metric, ${t}.ts, coalesce(${t}.service, ''), coalesce(${t}.environment, ''), coalesce(to_json(map_from_entries(list_sort(map_entries(${t}.dimensions))))::VARCHAR, '{}')`;
    return await store.transaction(async () => {
      await store.run(`CREATE TEMP TABLE ${stage}_p AS ${parsed}`);
      const dup = (await readRow(store, { n: col.int }, `SELECT count(*)::BIGINT AS n FROM (SELECT ${key("p")} FROM ${stage}_p p GROUP BY ALL HAVING count(*) > 1)`))!;
      if (dup.n > 0) await reportDuplicate(store, stage, key);
      const replaced = (await readRow(
        store,
        { n: col.int },
        `SELECT count(*)::BIGINT AS n FROM ${METRICS_TABLE} m WHERE (${key("m")}) IN (SELECT (${key("p")}) FROM ${stage}_p p)`,
      ))!;
      await store.run(`DELETE FROM ${METRICS_TABLE} m WHERE (${key("m")}) IN (SELECT (${key("p")}) FROM ${stage}_p p)`);
      await store.run({
        sql: `INSERT INTO ${METRICS_TABLE} (metric, ts, value, service, environment, dimensions, source_file, ingest_id)
              SELECT metric, ts, value, service, environment, dimensions, file, ? FROM ${stage}_p`,
        params: [ingestId],
      });
      const metrics = await summarise(store, `WHERE metric IN (SELECT DISTINCT metric FROM ${stage}_p)`);
      await store.run(`DROP TABLE ${stage}_p`);
      if (options.beforeCommit) await options.beforeCommit();
      return { ingestId, files, rows: files.reduce((a, f) => a + f.rows, 0), replaced: replaced.n, metrics };
    });
  } finally {
    await store.run(`DROP TABLE IF EXISTS ${stage}`).catch(() => undefined);
    await store.run(`DROP TABLE IF EXISTS ${stage}_p`).catch(() => undefined);
  }
}

/** What the store holds per metric: date range, points, series and the exact sum. */
export async function listMetrics(store: AnalysisStore, metric?: string): Promise<MetricSummary[]> {
  return metric === undefined ? summarise(store, "") : summarise(store, "WHERE metric = ?", metric);
}

async function summarise(store: AnalysisStore, where: string, ...params: string[]): Promise<MetricSummary[]> {
  const rows = await readRows(
    store,
    { metric: col.text.nullable(), f: col.text.nullable(), t: col.text.nullable(), n: col.int, s: col.int, v: col.money.nullable() },
    sql(
      `SELECT metric, strftime(min(ts), '%Y-%m-%dT%H:%M:%SZ') AS f, strftime(max(ts), '%Y-%m-%dT%H:%M:%SZ') AS t, count(*)::BIGINT AS n,
            count(DISTINCT (coalesce(service, ''), coalesce(environment, ''), coalesce(to_json(map_from_entries(list_sort(map_entries(dimensions))))::VARCHAR, '{}')))::BIGINT AS s,
            sum(value)::VARCHAR AS v
     FROM ${METRICS_TABLE} ${where} GROUP BY metric ORDER BY metric`,
      ...params,
    ),
  );
  return rows.map((r) => ({ metric: String(r.metric), from: String(r.f), to: String(r.t), points: r.n, series: r.s, sum: String(r.v) }));
}

function pick(columns: readonly string[], field: Field): string | undefined {
  const names: readonly string[] = ALIASES[field];
  return columns.find((c) => names.includes(c.trim().toLowerCase()));
}

async function stageCsv(store: AnalysisStore, stage: string, file: string, shown: string, metric: string | undefined): Promise<void> {
  const columns = await readCsvHeader({ path: file, kind: "csv", gzip: false, bytes: statSync(file).size });
  const dupCol = columns.find((c, i) => columns.findIndex((o) => o.trim().toLowerCase() === c.trim().toLowerCase()) !== i);
  if (dupCol !== undefined) throw new CostwiseError("BAD_INPUT", `${shown}: line 1: the header names column "${dupCol}" twice`, { location: { file: shown, line: 1, column: dupCol } });
  if (columns.some((c) => c.trim() === "")) throw new CostwiseError("BAD_INPUT", `${shown}: line 1: the header has an empty column name`, { location: { file: shown, line: 1 } });
  requireColumns(columns, shown, metric);
  const phys = new Map(columns.map((c, i) => [c, `c${i}`]));
  const ref = (f: Field) => {
    const c = pick(columns, f);
    return c === undefined ? "NULL::VARCHAR" : quoteIdent(phys.get(c)!);
  };
  const extras = columns.filter((c) => !KNOWN.has(c.trim().toLowerCase()));
  // values from the file (header names, the metric, the paths) are bound, never spliced into the SQL text
  const extraKeys: string[] = [];
  for (const c of extras) extraKeys.push(await bindText(store, c.trim()));
  const extra = extras.length
    ? `map_from_entries(list_filter([${extras.map((c, i) => `struct_pack(k := ${extraKeys[i]!}, v := ${quoteIdent(phys.get(c)!)})`).join(", ")}], e -> NULLIF(trim(e.v), '') IS NOT NULL))`
    : "NULL::MAP(VARCHAR, VARCHAR)";
  const reader = `read_csv(${await readerPath(store, file)}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', strict_mode = true,
      columns = {${columns.map((_c, i) => `'c${i}': 'VARCHAR'`).join(", ")}})`;
  const metricExpr = metric === undefined ? ref("metric") : `coalesce(NULLIF(trim(${ref("metric")}), ''), ${await bindText(store, metric)})`;
  const fileSql = await bindText(store, file);
  const shownSql = await bindText(store, shown);
  try {
    await store.run(
      `INSERT INTO ${stage} SELECT ${fileSql}, ${shownSql}, 'csv', row_number() OVER (), ${metricExpr}, ${ref("ts")}, ${ref("value")}, ${ref("service")}, ${ref("environment")}, ${ref("dimensions")}, ${extra} FROM ${reader}`,
    );
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const line = /line[:\s]+(\d+)/i.exec(msg)?.[1];
    throw new CostwiseError("BAD_INPUT", `${shown}: ${line ? `line ${line}: ` : ""}not a well-formed CSV (${msg.split("\n")[0]!.replace(/^[A-Za-z ]+Error:\s*/, "").slice(0, 200)})`, {
      location: { file: shown, ...(line ? { line: Number(line) } : {}) },
      cause: e,
    });
  }
}

async function stageJson(store: AnalysisStore, stage: string, file: string, shown: string, metric: string | undefined): Promise<void> {
  const t = `${stage}_j`;
  try {
    // an array is read whole ('unstructured': a cut-short array is an error, never its first records) and unnested;
    // anything else is one object per line
    if (firstChar(file) === "[") {
      const size = Math.max(statSync(file).size + 1024, 16 << 20);
      await store.run(
        `CREATE TEMP TABLE ${t} AS SELECT generate_subscripts(a, 1) AS rn, unnest(a) AS j FROM (SELECT CAST(json AS JSON[]) AS a FROM read_json_objects(${await readerPath(store, file)}, format = 'unstructured', maximum_object_size = ${size}))`,
      );
    } else {
      await store.run(
        `CREATE TEMP TABLE ${t} AS SELECT row_number() OVER () AS rn, json AS j FROM read_json_objects(${await readerPath(store, file)}, format = 'newline_delimited', maximum_object_size = 16777216)`,
      );
    }
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const rec = /(?:record|value|line)[/\s]*(\d+)/i.exec(msg)?.[1];
    throw new CostwiseError("BAD_INPUT", `${shown}: ${rec ? `record ${rec}: ` : ""}not valid JSON (expected an array of objects or one object per line): ${msg.split("\n")[0]!.replace(/^[A-Za-z ]+Error:\s*/, "").slice(0, 200)}`, {
      location: { file: shown, ...(rec ? { row: Number(rec) } : {}) },
      cause: e,
    });
  }
  try {
    const r = await readRow(store, { rn: col.int, t: col.text.nullable() }, `SELECT rn, json_type(j) AS t FROM ${t} WHERE json_type(j) <> 'OBJECT' ORDER BY rn LIMIT 1`);
    if (r) {
      throw new CostwiseError("BAD_INPUT", `${shown}: record ${r.rn}: expected an object with metric, date and value, got ${jsonTypeName(String(r.t))}`, {
        location: { file: shown, row: r.rn },
      });
    }
    const keys = (await readRows(store, { k: col.text.nullable() }, `SELECT DISTINCT unnest(json_keys(j)) AS k FROM ${t}`)).map((k) => String(k.k));
    requireColumns(keys, shown, metric);
    // a key under any spelling: the first one the record has (its JSON path bound, not spliced)
    const keyPaths = new Map<string, string>();
    for (const k of keys) if (KNOWN.has(k.toLowerCase())) keyPaths.set(k, await bindText(store, `$."${k}"`));
    const get = (f: Field) => {
      const names = keys.filter((k) => (ALIASES[f] as readonly string[]).includes(k.toLowerCase()));
      if (names.length === 0) return "NULL::VARCHAR";
      const one = (k: string) => (f === "dimensions" ? `json_extract(j, ${keyPaths.get(k)!})::VARCHAR` : `json_extract_string(j, ${keyPaths.get(k)!})`);
      return names.length === 1 ? one(names[0]!) : `coalesce(${names.map(one).join(", ")})`;
    };
    const known = [...KNOWN].map(quoteString).join(", ");
    const extra = `map_from_entries(list_transform(list_filter(map_entries(CAST(j AS MAP(VARCHAR, JSON))), e -> lower(e.key) NOT IN (${known}) AND json_type(e.value) NOT IN ('NULL') AND NULLIF(json_extract_string(e.value, '$'), '') IS NOT NULL), e -> struct_pack(k := e.key, v := json_extract_string(e.value, '$'))))`;
    const metricExpr = metric === undefined ? get("metric") : `coalesce(NULLIF(trim(${get("metric")}), ''), ${await bindText(store, metric)})`;
    const fileSql = await bindText(store, file);
    const shownSql = await bindText(store, shown);
    await store.run(
      `INSERT INTO ${stage} SELECT ${fileSql}, ${shownSql}, 'json', rn, ${metricExpr}, ${get("ts")}, ${get("value")}, ${get("service")}, ${get("environment")}, ${get("dimensions")}, ${extra} FROM ${t}`,
    );
  } finally {
    await store.run(`DROP TABLE IF EXISTS ${t}`);
  }
}

function jsonTypeName(t: string): string {
  if (/INT|DOUBLE|DECIMAL/.test(t)) return "a number";
  if (t === "VARCHAR") return "a string";
  if (t === "BOOLEAN") return "a boolean";
  return `a JSON ${t.toLowerCase()}`;
}

function firstChar(file: string): string {
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.alloc(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString("utf8").replace(/^\uFEFF/, "").trimStart().charAt(0);
  } finally {
    closeSync(fd);
  }
}

function requireColumns(columns: readonly string[], shown: string, metric: string | undefined): void {
  const need: Field[] = metric === undefined ? ["metric", "ts", "value"] : ["ts", "value"];
  const missing = need.filter((f) => pick(columns, f) === undefined);
  if (missing.length > 0) {
    const say = missing.map((f) => `${ALIASES[f][0]}${ALIASES[f].length > 1 ? ` (or ${ALIASES[f].slice(1).join(", ")})` : ""}`);
    const hint = missing.includes("metric") ? "; for a file of one metric, give --metric <name>" : "";
    throw new CostwiseError("BAD_INPUT", `${shown}: missing column(s) ${say.join(", ")}; found ${columns.join(", ") || "none"}${hint}`, {
      location: { file: shown, line: 1 },
      details: { missing },
    });
  }
}

async function check(store: AnalysisStore, stage: string): Promise<void> {
  const checks = [
    { col: "metric", bad: `NULLIF(trim(metric), '') IS NULL`, val: "metric", exp: EXPECTED.metric },
    { col: "date", bad: `NULLIF(trim(ts_raw), '') IS NULL OR TRY_CAST(trim(ts_raw) AS TIMESTAMPTZ) IS NULL`, val: "ts_raw", exp: EXPECTED.ts },
    { col: "value", bad: `NULLIF(trim(value_raw), '') IS NULL OR TRY_CAST(trim(value_raw) AS DECIMAL(38,10)) IS NULL`, val: "value_raw", exp: EXPECTED.value },
    {
      col: "dimensions",
      bad: `NULLIF(trim(dims_raw), '') IS NOT NULL AND TRY_CAST(TRY_CAST(trim(dims_raw) AS JSON) AS MAP(VARCHAR, VARCHAR)) IS NULL`,
      val: "dims_raw",
      exp: EXPECTED.dimensions,
    },
  ];
  const which = checks.map((c, i) => `WHEN ${c.bad} THEN ${i}`).join(" ");
  const vals = checks.map((c, i) => `WHEN ${i} THEN ${c.val}`).join(" ");
  const h = await readRow(
    store,
    { shown: col.text.nullable(), fmt: col.text.nullable(), rn: col.int, chk: col.int, v: col.text.nullable() },
    `SELECT shown, fmt, rn, chk, CASE chk ${vals} END AS v FROM (SELECT *, CASE ${which} END AS chk, row_number() OVER () AS ord FROM ${stage}) WHERE chk IS NOT NULL ORDER BY ord LIMIT 1`,
  );
  if (!h) return;
  const c = checks[h.chk]!;
  const rn = h.rn;
  const at = h.fmt === "csv" ? `row ${rn} (line ${rn + 1})` : `record ${rn}`;
  const got = h.v === null || h.v.trim() === "" ? "nothing" : JSON.stringify(h.v.slice(0, 100));
  throw new CostwiseError("BAD_INPUT", `${h.shown}: ${at}: column "${c.col}": expected ${c.exp}, got ${got}; nothing was loaded`, {
    location: { file: String(h.shown), row: rn, ...(h.fmt === "csv" ? { line: rn + 1 } : {}), column: c.col },
  });
}

async function reportDuplicate(store: AnalysisStore, stage: string, key: (t: string) => string): Promise<never> {
  const parsed = `SELECT shown, fmt, rn, metric, CAST(TRY_CAST(trim(ts_raw) AS TIMESTAMPTZ) AS TIMESTAMP) AS ts, NULLIF(trim(service), '') AS service, NULLIF(trim(environment), '') AS environment,
      map_concat(coalesce(TRY_CAST(TRY_CAST(NULLIF(trim(dims_raw), '') AS JSON) AS MAP(VARCHAR, VARCHAR)), MAP([]::VARCHAR[], []::VARCHAR[])), coalesce(extra, MAP([]::VARCHAR[], []::VARCHAR[]))) AS dimensions,
      row_number() OVER () AS ord FROM ${stage}`;
  const r = (await readRow(
    store,
    { files: z.array(z.string()), fmts: z.array(z.string()), rns: z.array(col.int), metric: col.text.nullable(), ts: col.text.nullable() },
    `SELECT list(shown ORDER BY ord) AS files, list(fmt ORDER BY ord) AS fmts, list(rn ORDER BY ord) AS rns, any_value(metric) AS metric, strftime(any_value(ts), '%Y-%m-%dT%H:%M:%SZ') AS ts, min(ord) AS o
     FROM (${parsed}) p GROUP BY ${key("p")} HAVING count(*) > 1 ORDER BY o LIMIT 1`,
  ))!;
  const where = (i: number) => {
    const rn = r.rns[i]!;
    return `${r.files[i]} ${r.fmts[i] === "csv" ? `row ${rn} (line ${rn + 1})` : `record ${rn}`}`;
  };
  throw new CostwiseError("BAD_INPUT", `metric "${r.metric}" at ${r.ts} with the same dimensions is given twice: ${where(0)} and ${where(1)}; keep one; nothing was loaded`, {
    location: { file: r.files[1]!, row: r.rns[1]! },
  });
}
