/**
 * CSV writing, one way for every writer (CLI `query --csv`/`--safe-csv`, `recommend --format csv`, and the
 * server and dashboard exports): RFC 4180 records separated by CRLF, a field quoted when it holds `"`, `,`,
 * CR or LF, quotes doubled.
 *
 * Two modes:
 * - "exact" (machine exports): every value written as it is, so a reader gets back the very strings stored.
 * - "safe" (a file a person opens in a spreadsheet): a text cell that a spreadsheet would run as a formula,
 *   i.e. one beginning with `=`, `+`, `-`, `@`, a tab or a CR, is prefixed with a single quote `'` (OWASP's
 *   CSV-injection advice), so `=HYPERLINK(...)` shows as text. A plain number (`-12.50`, `+3`, `1e-3`) is left
 *   as it is: negative money must stay a number.
 *
 * Order of operations for one field: null → empty; in safe mode, neutralize a formula-looking non-number;
 * then quote if needed (the added `'` never needs quoting by itself).
 */

export type CsvMode = "exact" | "safe";

/** The characters that make a spreadsheet treat a cell as a formula (or strip to one) when they lead it. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** A plain decimal number, optionally signed, with an optional exponent: what a spreadsheet reads as a number. */
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Whether `value` would be run as a formula by a spreadsheet (and is not a plain number). */
export function looksLikeFormula(value: string): boolean {
  return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value);
}

/** One field, quoted when needed; in "safe" mode a formula-looking text is prefixed with `'`. */
export function csvField(value: string | null | undefined, mode: CsvMode = "exact"): string {
  if (value === null || value === undefined) return "";
  const v = mode === "safe" && looksLikeFormula(value) ? `'${value}` : value;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** A whole CSV document: the header then each row, every record ended by CRLF. */
export function toCsv(header: readonly string[], rows: Iterable<readonly (string | null | undefined)[]>, mode: CsvMode = "exact"): string {
  const lines = [header.map((h) => csvField(h, mode)).join(",")];
  for (const row of rows) lines.push(row.map((v) => csvField(v, mode)).join(","));
  return `${lines.join("\r\n")}\r\n`;
}
