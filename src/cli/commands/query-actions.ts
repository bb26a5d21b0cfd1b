/**
 * `costwise query`: sum a cost metric over the store, grouped, filtered, bucketed in time.
 * Table for people (money rounded to cents), `--csv` and `--json` for machines (exact decimal strings);
 * `--safe-csv` for a CSV a person opens in a spreadsheet (formula-looking text cells prefixed with `'`, see core/csv.ts).
 */
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { toCsv, type CsvMode } from "../../core/csv.js";
import { CostwiseError, isCostwiseError } from "../../core/errors.js";
import { parseQueryArgs, toQueryInput } from "../../core/query/cost-query.js";
import { minorUnitDigits } from "../../core/fx/minor-unit.js";
import { fxContextOf } from "../../engine/fx/convert.js";
import { formatAmount, queryOrThrow, runCostQuery, withReportingCurrency, type QueryResult } from "../../engine/query/run-query.js";
import { timeOption } from "./date-options.js";
import { EXIT, backendOf, globalOptions, reportError, setExit, stdio, usageError, withCostStore, withStoreOrServer, type Output } from "../context.js";

interface QueryOptions {
  metric?: string;
  groupBy?: string[];
  filter?: string[];
  start?: string;
  end?: string;
  granularity?: string;
  order?: string[];
  limit?: string;
  currency?: string;
  csv?: boolean;
  safeCsv?: boolean;
}

/** The `--json` document: the canonical query, columns, rows (exact decimals) and totals. */
export function resultToJson(r: QueryResult): Record<string, unknown> {
  return { query: toQueryInput(r.query), columns: r.columns, rows: r.rows, totals: r.totals, truncated: r.truncated, ...(r.fx ? { fx: r.fx } : {}) };
}

/** RFC 4180: CRLF line ends; fields holding a comma, quote, CR or LF are quoted, quotes doubled. NULL is empty. */
export function renderCsv(r: QueryResult, mode: CsvMode = "exact"): string {
  return toCsv(r.columns, r.rows.map((row) => r.columns.map((c) => row[c] ?? null)), mode);
}

/** Control characters (newlines, terminal escapes) in data are shown escaped, never sent to the terminal. */
function visible(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
    return named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

/**
 * The aligned table for people: money rounded to cents (quantities trimmed) and right-aligned, then a
 * total line (one per currency when they differ). The metric is always the last column.
 */
export function renderTable(r: QueryResult): string[] {
  const { totals } = r;
  const metric = totals.metric;
  const amount = (v: string | null): string =>
    v === null ? "(none)" : formatAmount(v, totals.kind === "cost" ? { decimals: r.fx ? minorUnitDigits(r.fx.currency) : 2 } : { trim: true });
  const cell = (v: string | null): string => (v === null ? "(none)" : v === "" ? '""' : visible(v));

  // one currency that was not asked for goes into the metric's header instead of its own column
  const hideUnit = totals.byUnit.length <= 1;
  const unit = totals.byUnit[0]?.unit;
  const shown = r.columns.filter((c) => !(hideUnit && c === totals.unitColumn && isAddedUnit(r)));
  const unitHidden = shown.length < r.columns.length;
  const header = shown.map((c) => (c === metric && unitHidden && unit ? `${c} (${visible(unit)})` : visible(c)));
  const body = r.rows.map((row) => shown.map((c) => (c === metric ? amount(row[c] ?? null) : cell(row[c] ?? null))));

  const items = `${totals.lineItems.toLocaleString("en-US")} line item${totals.lineItems === 1 ? "" : "s"}`;
  const unitWord = totals.kind === "cost" ? "currency" : "unit";
  const unitsWord = totals.kind === "cost" ? "currencies" : "units";
  const footer: [string, string][] =
    totals.byUnit.length <= 1
      ? [[`Total (${items})`, amount(totals.total)]]
      : totals.byUnit.map((u): [string, string] => [`Total ${u.unit === null ? `(no ${unitWord})` : visible(u.unit)}`, amount(u.total)]);
  const notes: string[] = [];
  if (totals.byUnit.length > 1) notes.push(`(${items}; amounts in different ${unitsWord} are not added together)`);
  if (r.truncated) notes.push(`showing ${r.rows.length} of ${totals.groups} rows (--limit ${r.query.limit ?? ""})`);
  if (r.fx) notes.push(`(converted to ${r.fx.currency} with ${r.fx.rates} rates from ${r.fx.source}, base ${r.fx.base}, ${r.fx.from} to ${r.fx.to}: ${r.fx.rule})`);

  const n = shown.length;
  const widths = shown.map((_, i) => Math.max(header[i]!.length, ...body.map((b) => b[i]!.length)));
  const rule = (): string => widths.map((w) => "─".repeat(w)).join("  ");
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === n - 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();

  if (n === 1) {
    // no dimensions: the single row is the total
    return [line(header), rule(), ...(body.length ? body.map(line) : [line([amount(totals.total)])]), `(${items})`, ...notes];
  }
  widths[n - 1] = Math.max(widths[n - 1]!, ...footer.map((f) => f[1].length));
  let left = widths.slice(0, -1).reduce((a, w) => a + w, 0) + 2 * (n - 2);
  const labelWidth = Math.max(...footer.map((f) => f[0].length));
  if (labelWidth > left) {
    widths[0]! += labelWidth - left;
    left = labelWidth;
  }
  const out = [line(header), rule()];
  if (body.length === 0) out.push("(no matching cost rows)");
  for (const b of body) out.push(line(b));
  out.push(rule());
  for (const [label, value] of footer) out.push(`${label.padEnd(left)}  ${value.padStart(widths[n - 1]!)}`);
  out.push(...notes);
  return out;
}

/** Whether the unit column is there only because the compiler added it (not asked for in --group-by). */
function isAddedUnit(r: QueryResult): boolean {
  return !r.query.groupBy.some((g) => g.kind === "column" && g.column === r.totals.unitColumn);
}

function printTable(r: QueryResult, output: Output): void {
  for (const l of renderTable(r)) output.out(l);
}

export async function query(opts: QueryOptions, cmd: Command) {
  const global = globalOptions(cmd);
  try {
    if ((opts.csv || opts.safeCsv) && global.json) throw usageError(`${opts.csv ? "--csv" : "--safe-csv"} and --json are exclusive; choose one`);
    if (opts.csv && opts.safeCsv) throw usageError("--csv and --safe-csv are exclusive; choose one");
    timeOption(opts.start, "--start");
    timeOption(opts.end, "--end");
    const fx = fxContextOf(global.workspace);
    const query = withReportingCurrency(queryOrThrow(
      parseQueryArgs({
        ...(opts.metric !== undefined ? { metric: opts.metric } : {}),
        groupBy: opts.groupBy ?? [],
        filter: opts.filter ?? [],
        ...(opts.start !== undefined ? { start: opts.start } : {}),
        ...(opts.end !== undefined ? { end: opts.end } : {}),
        ...(opts.granularity !== undefined ? { granularity: opts.granularity } : {}),
        order: opts.order ?? [],
        ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
        ...(opts.currency !== undefined ? { currency: opts.currency } : {}),
      }),
    ), fx);
    if (backendOf(global) === "duckdb" && global.store !== ":memory:" && !existsSync(global.store)) {
      throw new CostwiseError("NOT_FOUND", `no cost store at ${global.store}; ingest a bill first (costwise ingest) or pass --store`);
    }
    // the embedded store beside a running server: the server runs the query (its answer, with this parsed query)
    const result =
      backendOf(global) === "duckdb"
        ? { ...(await withStoreOrServer(global, { op: "query", body: { query: toQueryInput(query) } }, (store) => runCostQuery(store, query, {}, fx))), query }
        : await withCostStore(global, (store) => runCostQuery(store, query, {}, fx));
    if (global.json) stdio.json(resultToJson(result));
    else if (opts.csv) process.stdout.write(renderCsv(result));
    else if (opts.safeCsv) process.stdout.write(renderCsv(result, "safe"));
    else printTable(result, stdio);
  } catch (e) {
    // a bad query is a usage error (exit 2), but keeps its own code BAD_QUERY for --json readers
    if (isCostwiseError(e) && e.code === "BAD_QUERY") {
      reportError(e, global.json);
      setExit(cmd, EXIT.usage);
      return;
    }
    throw e;
  }
}
