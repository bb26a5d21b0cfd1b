/**
 * Loads an exchange-rates file into the store (fx_rates, fx_rate_days, fx_loads), by DuckDB's read_csv, never row
 * by row through JavaScript; reloaded only when the file's content (SHA-256), the base or maxAgeDays change.
 *
 * Layouts (picked from the header):
 *   - ECB wide: `Date,USD,JPY,…` (eurofxref-hist.csv), one column per currency, "N/A" or empty where no rate
 *     was published, a trailing empty column tolerated;
 *   - long: `date,currency,rate` (any column order, names case-insensitive);
 *   - JSON (a file whose first character is `{`): `{"base":"EUR","rates":{"2026-03-02":{"USD":1.08,…},…}}`, the
 *     time-series layout of frankfurter.app / exchangerate.host (other top-level keys ignored; `null` or "N/A" is
 *     no rate), read by DuckDB's read_json and json_each; "row" is then the day's position in `rates` (1 = first)
 *     and messages name the JSON path (`rates."2026-03-02".GBP`).
 * A rate is how many units of the currency buy 1 unit of the base (`fx.base`, ECB: EUR).
 *
 * Order of operations (loadRates):
 *   1. read the file as text columns with a row number (row 1 = first data row);
 *   2. to long form (day, currency, value): UNPIVOT for the wide layout;
 *   3. checks, each a located error (file, row, column): a date that is not YYYY-MM-DD, a column that is not a
 *      currency code but holds values, a value that is neither a positive decimal nor N/A, a (day, currency) twice;
 *   4. one transaction: replace fx_rates; fill fx_rate_days for every calendar day from the first published day to
 *      the last + maxAgeDays with the last rate on or before it at most maxAgeDays old (ASOF JOIN), the base at 1;
 *      record the load in fx_loads.
 * A URL is downloaded to a temporary file first (again when the last load is over an hour old).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { FxConfig } from "../../core/config/sections/fx.js";
import { CostwiseError } from "../../core/errors.js";
import { quoteIdent } from "../../core/sql.js";
import { sql, type AnalysisStore } from "../store/cost-store.js";
import { readerPath } from "../store/duckdb/literal-path.js";
import { col, readRow, readRows } from "../store/read-rows.js";
import { FX_DDL, FX_LOADS_TABLE, FX_LONG_TABLE, FX_RATE_DAYS_TABLE, FX_RATES_TABLE, FX_RAW_TABLE } from "./tables.js";

/** Which rates a conversion used: said with every converted result. */
export interface FxRatesInfo {
  source: string;
  base: string;
  /** First and last published day (YYYY-MM-DD). */
  from: string;
  to: string;
  /** Rates published (day × currency). */
  rates: number;
  currencies: string[];
  maxAgeDays: number;
}

const URL_REFRESH_MS = 60 * 60 * 1000;

function isUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

/** The rates in force for `fx`, loading or reloading them when the source changed. */
export async function ensureFxRates(store: AnalysisStore, fx: FxConfig, baseDir: string): Promise<FxRatesInfo> {
  for (const ddl of FX_DDL) await store.run(ddl);
  const current = await currentLoad(store);
  if (isUrl(fx.rates)) {
    if (current && current.source === fx.rates && current.base === fx.base && current.maxAgeDays === fx.maxAgeDays && Date.now() - current.loadedAt < URL_REFRESH_MS) return current.info;
    const text = await download(fx.rates);
    const dir = mkdtempSync(join(tmpdir(), "costwise-fx-"));
    try {
      const file = join(dir, "rates.csv");
      writeFileSync(file, text);
      return await loadIfChanged(store, fx, fx.rates, file, current);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const file = resolve(baseDir, fx.rates);
  if (!existsSync(file)) throw new CostwiseError("BAD_CONFIG", `fx.rates: the rates file ${file} does not exist`, { location: { file } });
  return loadIfChanged(store, fx, file, file, current);
}

async function download(url: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    throw new CostwiseError("REMOTE", `fx.rates: could not download ${url}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (!res.ok) throw new CostwiseError("REMOTE", `fx.rates: ${url} answered HTTP ${res.status}`);
  return res.text();
}

interface CurrentLoad {
  source: string;
  sha: string;
  base: string;
  maxAgeDays: number;
  loadedAt: number;
  info: FxRatesInfo;
}

async function currentLoad(store: AnalysisStore): Promise<CurrentLoad | undefined> {
  const r = await readRow(
    store,
    { source: col.text, sha256: col.text, base: col.text, max_age_days: col.int, first_day: col.text.nullable(), last_day: col.text.nullable(), rates: col.int, currencies: col.text, loaded_at: col.text },
    `SELECT source, sha256, base, max_age_days, strftime(first_day, '%Y-%m-%d') AS first_day, strftime(last_day, '%Y-%m-%d') AS last_day, rates::INTEGER AS rates, currencies, strftime(loaded_at, '%Y-%m-%dT%H:%M:%SZ') AS loaded_at FROM ${FX_LOADS_TABLE} LIMIT 1`,
  );
  if (!r) return undefined;
  return {
    source: r.source,
    sha: r.sha256,
    base: r.base,
    maxAgeDays: r.max_age_days,
    loadedAt: Date.parse(r.loaded_at),
    info: { source: r.source, base: r.base, from: r.first_day ?? "", to: r.last_day ?? "", rates: r.rates, currencies: r.currencies ? r.currencies.split(",") : [], maxAgeDays: r.max_age_days },
  };
}

async function loadIfChanged(store: AnalysisStore, fx: FxConfig, source: string, file: string, current: CurrentLoad | undefined): Promise<FxRatesInfo> {
  const sha = createHash("sha256").update(readFileSync(file)).digest("hex");
  if (current && current.source === source && current.sha === sha && current.base === fx.base && current.maxAgeDays === fx.maxAgeDays) return current.info;
  return loadRates(store, fx, source, file, sha);
}

/** Reads, checks and loads the rates file (see the header). `source` names it in messages and in fx_loads. */
export async function loadRates(store: AnalysisStore, fx: FxConfig, source: string, file: string, sha: string): Promise<FxRatesInfo> {
  for (const ddl of FX_DDL) await store.run(ddl);
  const where = (row: number, column: string) => ({ file: source, row, column });
  const path = await readerPath(store, file);
  const json = /^\s*\{/.test(readFileSync(file, "utf8").slice(0, 64).replace(/^\uFEFF/, ""));
  if (json) return loadJsonRates(store, fx, source, path, sha);
  // 1. text columns and a row number
  try {
    await store.run(`CREATE OR REPLACE TEMP TABLE ${FX_RAW_TABLE} AS SELECT row_number() OVER () AS fx_row, * FROM read_csv(${path}, header = true, all_varchar = true, auto_detect = true)`);
  } catch (e) {
    throw new CostwiseError("BAD_INPUT", `rates file ${source} could not be read as CSV: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}`, { cause: e, location: { file: source } });
  }
  const columns = (await readRows(store, { name: col.text }, `SELECT column_name AS name FROM (DESCRIBE ${FX_RAW_TABLE}) WHERE column_name <> 'fx_row'`)).map((r) => r.name);
  const lower = columns.map((c) => c.toLowerCase());
  // 2. long form
  const dateCol = columns[lower.indexOf("date")];
  if (dateCol === undefined) throw new CostwiseError("BAD_INPUT", `rates file ${source}: the header has no Date column (expected ECB's "Date,USD,JPY,…" or "date,currency,rate"; got ${columns.join(",")})`, { location: { file: source, row: 0 } });
  const long = lower.includes("currency") && lower.includes("rate");
  if (long) {
    const c = quoteIdent(columns[lower.indexOf("currency")]!);
    const r = quoteIdent(columns[lower.indexOf("rate")]!);
    await store.run(`CREATE OR REPLACE TEMP TABLE ${FX_LONG_TABLE} AS SELECT fx_row, trim(${quoteIdent(dateCol)}) AS d, trim(${c}) AS c, 'currency' AS c_col, trim(${r}) AS v, 'rate' AS v_col FROM ${FX_RAW_TABLE}`);
  } else {
    await store.run(
      `CREATE OR REPLACE TEMP TABLE ${FX_LONG_TABLE} AS SELECT fx_row, trim(${quoteIdent(dateCol)}) AS d, c, c AS c_col, trim(v) AS v, c AS v_col FROM (UNPIVOT ${FX_RAW_TABLE} ON COLUMNS(* EXCLUDE (fx_row, ${quoteIdent(dateCol)})) INTO NAME c VALUE v)`,
    );
  }
  return checkAndLoad(store, fx, source, sha, (row, column) => `row ${row}, column ${column}`, { dateCol });
}

/** Steps 1–2 for the JSON layout: the day keys and, per day, the currency keys, by read_json and json_each. */
async function loadJsonRates(store: AnalysisStore, fx: FxConfig, source: string, path: string, sha: string): Promise<FxRatesInfo> {
  const fail = (what: string, cause?: unknown, row?: number) => new CostwiseError("BAD_INPUT", `rates file ${source}: ${what}`, { ...(cause ? { cause } : {}), location: { file: source, ...(row !== undefined ? { row } : {}) } });
  try {
    await store.run(`CREATE OR REPLACE TEMP TABLE ${FX_RAW_TABLE} AS SELECT base, rates FROM read_json(${path}, columns = {base: 'VARCHAR', rates: 'JSON'}, format = 'auto', records = true)`);
  } catch (e) {
    throw fail(`could not be read as JSON (expected {"base":"EUR","rates":{"YYYY-MM-DD":{"USD":1.08,…}}}): ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}`, e);
  }
  const top = await readRows(store, { base: col.text.nullable(), t: col.text.nullable() }, `SELECT base, json_type(rates) AS t FROM ${FX_RAW_TABLE}`);
  if (top.length !== 1 || top[0]!.t !== "OBJECT") throw fail(`expected one object with a "rates" object keyed by day ({"base":"EUR","rates":{"YYYY-MM-DD":{"USD":1.08,…}}}), got ${top.length !== 1 ? `${top.length} values` : `"rates" of type ${top[0]!.t ?? "missing"}`}`);
  const base = top[0]!.base;
  if (base !== null && base.trim().toUpperCase() !== fx.base) throw fail(`"base" is ${JSON.stringify(base)} but fx.base is ${fx.base}: the rates must be quoted against fx.base (set fx.base: ${base.trim().toUpperCase()}?)`);
  const badDay = await readRow(store, { fx_row: col.int, d: col.text, t: col.text }, `SELECT (d.rowid + 1)::INTEGER AS fx_row, d.key AS d, d.type AS t FROM ${FX_RAW_TABLE} AS j, json_each(j.rates) AS d WHERE try_strptime(d.key, '%Y-%m-%d') IS NULL OR d.type <> 'OBJECT' ORDER BY d.rowid LIMIT 1`);
  if (badDay) {
    throw new CostwiseError(
      "BAD_INPUT",
      `rates file ${source}, rates.${JSON.stringify(badDay.d)}: ${badDay.t !== "OBJECT" ? `expected an object of rates by currency ({"USD":1.08,…}), got a ${badDay.t.toLowerCase()}` : `${JSON.stringify(badDay.d)} is not a date (expected YYYY-MM-DD)`}`,
      { location: { file: source, row: badDay.fx_row, column: badDay.d } },
    );
  }
  await store.run(
    `CREATE OR REPLACE TEMP TABLE ${FX_LONG_TABLE} AS SELECT (d.rowid + 1) AS fx_row, d.key AS d, c.key AS c, c.key AS c_col,
       CASE WHEN c.type = 'NULL' THEN NULL ELSE trim(c.value ->> '$') END AS v, c.key AS v_col
     FROM ${FX_RAW_TABLE} AS j, json_each(j.rates) AS d, json_each(d.value) AS c`,
  );
  return checkAndLoad(store, fx, source, sha, (_row, column, day) => `rates.${JSON.stringify(day)}.${column}`, {});
}

/** Steps 3–4 over the long form (fx_row, d, c, c_col, v, v_col); `at` names a cell in messages. */
async function checkAndLoad(
  store: AnalysisStore,
  fx: FxConfig,
  source: string,
  sha: string,
  at: (row: number, column: string, day: string) => string,
  csv: { dateCol?: string },
): Promise<FxRatesInfo> {
  const where = (row: number, column: string) => ({ file: source, row, column });
  const dateCol = csv.dateCol;
  // 3. checks
  if (dateCol !== undefined) {
    const badDate = await readRow(store, { fx_row: col.int, d: col.text.nullable() }, `SELECT fx_row::INTEGER AS fx_row, ${quoteIdent(dateCol)} AS d FROM ${FX_RAW_TABLE} WHERE try_strptime(trim(coalesce(${quoteIdent(dateCol)}, '')), '%Y-%m-%d') IS NULL ORDER BY fx_row LIMIT 1`);
    if (badDate) throw new CostwiseError("BAD_INPUT", `rates file ${source}, row ${badDate.fx_row}, column ${dateCol}: ${JSON.stringify(badDate.d ?? "")} is not a date (expected YYYY-MM-DD)`, { location: where(badDate.fx_row, dateCol) });
  }
  const hasValue = `coalesce(v, '') NOT IN ('', 'N/A')`;
  const badCur = await readRow(store, { fx_row: col.int, d: col.text, c: col.text.nullable(), c_col: col.text }, `SELECT fx_row::INTEGER AS fx_row, d, c, c_col FROM ${FX_LONG_TABLE} WHERE ${hasValue} AND NOT regexp_full_match(coalesce(c, ''), '[A-Z]{3}') ORDER BY fx_row LIMIT 1`);
  if (badCur) throw new CostwiseError("BAD_INPUT", `rates file ${source}, ${at(badCur.fx_row, badCur.c_col, badCur.d)}: ${JSON.stringify(badCur.c ?? "")} is not an ISO 4217 currency code`, { location: where(badCur.fx_row, badCur.c_col) });
  const badRate = await readRow(store, { fx_row: col.int, d: col.text, v: col.text, v_col: col.text }, `SELECT fx_row::INTEGER AS fx_row, d, v, v_col FROM ${FX_LONG_TABLE} WHERE ${hasValue} AND coalesce(try_cast(v AS DECIMAL(38,10)) > 0, false) = false ORDER BY fx_row, v_col LIMIT 1`);
  if (badRate) throw new CostwiseError("BAD_INPUT", `rates file ${source}, ${at(badRate.fx_row, badRate.v_col, badRate.d)}: ${JSON.stringify(badRate.v)} is not a rate (a positive decimal, or N/A)`, { location: where(badRate.fx_row, badRate.v_col) });
  const dup = await readRow(store, { fx_row: col.int, d: col.text, c: col.text }, `SELECT max(fx_row)::INTEGER AS fx_row, d, c FROM ${FX_LONG_TABLE} WHERE ${hasValue} GROUP BY d, c HAVING count(*) > 1 ORDER BY 1 LIMIT 1`);
  if (dup) throw new CostwiseError("BAD_INPUT", `rates file ${source}, ${dateCol !== undefined ? `row ${dup.fx_row}` : `rates.${JSON.stringify(dup.d)}`}: a second ${dup.c} rate for ${dup.d}`, { location: { file: source, row: dup.fx_row } });
  const baseRate = await readRow(store, { fx_row: col.int, d: col.text, v: col.text }, { ...sql(`SELECT fx_row::INTEGER AS fx_row, d, v FROM ${FX_LONG_TABLE} WHERE ${hasValue} AND c = ? AND CAST(v AS DECIMAL(38,10)) <> 1 ORDER BY fx_row LIMIT 1`, fx.base) });
  if (baseRate) throw new CostwiseError("BAD_INPUT", `rates file ${source}, ${dateCol !== undefined ? `row ${baseRate.fx_row}` : `rates.${JSON.stringify(baseRate.d)}.${fx.base}`}: the base currency ${fx.base} has rate ${baseRate.v}, not 1 — is fx.base right?`, { location: { file: source, row: baseRate.fx_row } });

  // 4. load
  return store.transaction(async () => {
    await store.run(`DELETE FROM ${FX_RATES_TABLE}`);
    await store.run(sql(`INSERT INTO ${FX_RATES_TABLE} SELECT CAST(d AS DATE), c, CAST(v AS DECIMAL(38,10)) FROM ${FX_LONG_TABLE} WHERE ${hasValue} AND c <> ?`, fx.base));
    await store.run(`DELETE FROM ${FX_RATE_DAYS_TABLE}`);
    await store.run(
      sql(
        `INSERT INTO ${FX_RATE_DAYS_TABLE}
         WITH b AS (SELECT min(fx_day) AS lo, max(fx_day) AS hi FROM ${FX_RATES_TABLE}),
         days AS (SELECT CAST(unnest(generate_series(CAST(lo AS TIMESTAMP), CAST(hi + CAST(? AS INTEGER) AS TIMESTAMP), INTERVAL 1 DAY)) AS DATE) AS d FROM b WHERE lo IS NOT NULL),
         grid AS (SELECT d, c FROM days CROSS JOIN (SELECT DISTINCT fx_currency AS c FROM ${FX_RATES_TABLE}))
         SELECT g.d, g.c, CAST(r.fx_rate * 10000000000 AS HUGEINT), r.fx_day FROM grid AS g ASOF JOIN ${FX_RATES_TABLE} AS r ON r.fx_currency = g.c AND g.d >= r.fx_day
         WHERE g.d - r.fx_day <= CAST(? AS INTEGER)
         UNION ALL SELECT d, CAST(? AS VARCHAR), CAST(10000000000 AS HUGEINT), d FROM days`,
        fx.maxAgeDays,
        fx.maxAgeDays,
        fx.base,
      ),
    );
    const s = await readRow(
      store,
      { from: col.text.nullable(), to: col.text.nullable(), n: col.int, cur: col.text.nullable() },
      `SELECT strftime(min(fx_day), '%Y-%m-%d') AS "from", strftime(max(fx_day), '%Y-%m-%d') AS "to", count(*)::INTEGER AS n, string_agg(DISTINCT fx_currency, ',' ORDER BY fx_currency) AS cur FROM ${FX_RATES_TABLE}`,
    );
    if (!s || s.n === 0) throw new CostwiseError("BAD_INPUT", `rates file ${source} holds no rates`, { location: { file: source } });
    await store.run(`DELETE FROM ${FX_LOADS_TABLE}`);
    await store.run(sql(`INSERT INTO ${FX_LOADS_TABLE} VALUES (?, ?, ?, ?, CAST(? AS DATE), CAST(? AS DATE), ?, ?, now()::TIMESTAMP)`, source, sha, fx.base, fx.maxAgeDays, s.from, s.to, s.n, s.cur ?? ""));
    return { source, base: fx.base, from: s.from ?? "", to: s.to ?? "", rates: s.n, currencies: s.cur ? s.cur.split(",") : [], maxAgeDays: fx.maxAgeDays };
  });
}
