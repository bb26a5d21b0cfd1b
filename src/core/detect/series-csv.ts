/**
 * A real CSV reader for series files (`costwise detect --series`): RFC 4180 quoting (separators, quotes and
 * line breaks inside quoted fields, "" as a quote), a UTF-8 BOM, CRLF or LF lines, and the separator detected
 * from the header (`,` `;` tab or `|`). Numbers accept a decimal comma ("1,5" = 1.5) and thousands
 * separators ("1,234.5", "1.234,5"); an ambiguous "1,234" (one comma, three digits) is an error, not a guess.
 *
 * Pure: text in, rows out. Errors are values with the line and column they were found at.
 */

export const SEPARATORS = [",", ";", "\t", "|"] as const;

export interface CsvRow {
  /** 1-based line of the row's first character in the file. */
  line: number;
  cells: string[];
}

/** The separator the header uses: the candidate appearing most often outside quotes on the first line. */
export function detectSeparator(text: string): string {
  let best: string = ",";
  let bestCount = 0;
  const firstLine = text.replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0] ?? "";
  for (const sep of SEPARATORS) {
    let count = 0;
    let quoted = false;
    for (const ch of firstLine) {
      if (ch === '"') quoted = !quoted;
      else if (!quoted && ch === sep) count++;
    }
    if (count > bestCount) {
      best = sep;
      bestCount = count;
    }
  }
  return best;
}

/**
 * Splits CSV text into rows of cells. Order of operations: strip a BOM; walk the characters once, inside or
 * outside quotes; a separator outside quotes ends a cell, a line break outside quotes ends a row; blank lines are
 * skipped. An unterminated quote is reported with the line it opened on.
 */
export function parseCsv(text: string, sep = detectSeparator(text)): { rows: CsvRow[]; problem?: { line: number; message: string } } {
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const rows: CsvRow[] = [];
  let cells: string[] = [];
  let cell = "";
  let quoted = false;
  let quoteLine = 0;
  let line = 1;
  let rowLine = 1;
  let any = false;
  const endRow = (): void => {
    cells.push(cell);
    if (any || cells.length > 1 || cell.trim() !== "") rows.push({ line: rowLine, cells });
    cells = [];
    cell = "";
    any = false;
  };
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quoted) {
      if (ch === '"') {
        if (s[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === "\n") line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"') {
      quoted = true;
      quoteLine = line;
      any = true;
    } else if (ch === sep) {
      cells.push(cell);
      cell = "";
      any = true;
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && s[i + 1] === "\n") i++;
      endRow();
      line++;
      rowLine = line;
    } else cell += ch;
  }
  if (quoted) return { rows, problem: { line: quoteLine, message: "a quoted field is never closed (missing \")" } };
  if (cell !== "" || cells.length > 0) endRow();
  return { rows };
}

/**
 * A number from a cell: plain (`-1.5e3`), decimal comma (`1,5`), or with thousands separators (`1,234.5`,
 * `1.234,5`, `1 234,5`). Returns a message instead when the text is not a number or is ambiguous.
 */
export function parseNumber(raw: string): number | { error: string } {
  const t = raw.trim().replace(/[\u00a0\u202f ]/g, "");
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Number(t);
  const lastComma = t.lastIndexOf(",");
  const lastDot = t.lastIndexOf(".");
  if (lastComma >= 0 && lastDot >= 0) {
    // both: the later one is the decimal mark, the other groups thousands
    const dec = lastComma > lastDot ? "," : ".";
    const grp = dec === "," ? "." : ",";
    const re = new RegExp(`^[+-]?\\d{1,3}(\\${grp}\\d{3})*\\${dec}\\d+$`);
    if (re.test(t)) return Number(t.split(grp).join("").replace(",", "."));
    return { error: "expected a number" };
  }
  if (lastComma >= 0) {
    if (/^[+-]?\d{1,3}(,\d{3}){2,}$/.test(t)) return Number(t.replace(/,/g, ""));
    if (/^[+-]?\d{1,3},\d{3}$/.test(t)) return { error: `ambiguous number (thousands separator or decimal comma?); write ${t.replace(",", "")} or ${t.replace(",", ".")}` };
    if (/^[+-]?\d*,\d+$/.test(t)) return Number(t.replace(",", "."));
  }
  return { error: "expected a number" };
}
