/**
 * Turns DuckDB's reader errors into messages for a person: file, line, column, what was expected.
 */
import { CostwiseError } from "../../core/errors.js";
import { FORMAT_EXPECTED } from "../mapping/mapping.js";

function expectation(type: string): string {
  const t = type.toUpperCase();
  if (t.startsWith("DECIMAL") || t === "DOUBLE") return "a decimal number such as 12.34";
  if (t.startsWith("TIMESTAMP")) return FORMAT_EXPECTED.timestamp;
  if (t === "DATE") return "a date such as 2024-09-01";
  return `a value of type ${type}`;
}

/** DuckDB's CSV reader refuses a line longer than this many bytes unless read_csv's max_line_size says more. */
export const DEFAULT_MAX_LINE_SIZE = 2_000_000;
/** The environment variable that raises the longest CSV line costwise reads (bytes). */
export const MAX_LINE_SIZE_ENV = "COSTWISE_MAX_LINE_SIZE";

/** The longest CSV line to read, in bytes: COSTWISE_MAX_LINE_SIZE when set to a positive integer, else DuckDB's default. */
export function maxLineSize(): number {
  const v = process.env[MAX_LINE_SIZE_ENV];
  const n = v === undefined ? NaN : Number(v);
  return Number.isSafeInteger(n) && n > 0 ? n : DEFAULT_MAX_LINE_SIZE;
}

/** The message for a CSV line over the reader's limit; `at` is its place when known. */
export function lineTooLongMessage(file: string, limit: number, at?: { line: number; row: number; bytes: number }): string {
  const where = at ? `line ${at.line}${at.row > 0 ? ` (row ${at.row})` : " (the header)"}: ` : "";
  const size = at ? ` (${at.bytes.toLocaleString("en-US")} bytes)` : "";
  return `${file}: ${where}a field makes the line longer${size} than the maximum line size of ${limit.toLocaleString("en-US")} bytes; nothing was loaded. If the file is right, raise the limit with ${MAX_LINE_SIZE_ENV}=<bytes> (e.g. ${MAX_LINE_SIZE_ENV}=${Math.max(limit * 2, (at?.bytes ?? 0) + 1024)})`;
}

export function translateReadError(
  e: unknown,
  file: string,
  readTypes: Record<string, string>,
  originalNames?: ReadonlyMap<string, string>,
  kind?: "csv" | "parquet" | "json",
): CostwiseError {
  const msg = e instanceof Error ? e.message : String(e);
  if (isDiskFull(msg)) {
    return new CostwiseError("STORE", `${file}: disk full (ENOSPC / No space left on device) while loading; the store is unchanged: free some space and run it again`, {
      location: { file },
      cause: e,
    });
  }
  const line = /CSV Error on Line: (\d+)/.exec(msg)?.[1];
  const tooLong = /Maximum line size of (\d+) bytes exceeded\. Actual Size:\s*(\d+)/.exec(msg);
  if (tooLong) {
    const at = line ? { line: Number(line), row: Number(line) - 1, bytes: Number(tooLong[2]) } : undefined;
    return new CostwiseError("BAD_INPUT", lineTooLongMessage(file, Number(tooLong[1]), at), {
      location: { file, ...(at ? { line: at.line, row: at.row } : {}) },
      details: { lineTooLong: Number(tooLong[1]) },
      cause: e,
    });
  }
  if (/does not support a full read on this file/i.test(msg)) {
    // a line far over the buffer: DuckDB does not say which; the caller may find it (files.ts findLongLine)
    return new CostwiseError("BAD_INPUT", lineTooLongMessage(file, maxLineSize()), { location: { file }, details: { lineTooLong: maxLineSize() }, cause: e });
  }
  if (kind === "parquet" || /No magic bytes found|Thrift|parquet/i.test(msg)) {
    if (/No magic bytes found|too small to be a Parquet file|footer/i.test(msg)) {
      return new CostwiseError("BAD_INPUT", `${file}: not a Parquet file, or a truncated one (no Parquet footer at its end); nothing was loaded`, { location: { file }, cause: e });
    }
    if (kind === "parquet" || /Thrift|decompress|corrupt|Failed to read file/i.test(msg)) {
      return new CostwiseError("BAD_INPUT", `${file}: the Parquet file is corrupt (${parquetReason(msg)}); nothing was loaded`, { location: { file }, cause: e });
    }
  }
  const conv = /Error when converting column "((?:[^"]|"")*)"\. Could not convert string "((?:[^"]|"")*)" to '([^']+)'/.exec(msg);
  const where = line ? `line ${line}` : "";
  if (conv) {
    const physical = conv[1]!.replaceAll('""', '"');
    const column = originalNames?.get(physical) ?? physical;
    const value = conv[2]!.replaceAll('""', '"');
    const type = readTypes[column] ?? conv[3]!;
    return new CostwiseError("BAD_INPUT", `${file}: ${where}, column "${column}": expected ${expectation(type)}, got "${value}"`, {
      location: { file, ...(line ? { line: Number(line) } : {}), column },
      cause: e,
    });
  }
  const ragged = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(msg);
  if (ragged) {
    return new CostwiseError(
      "BAD_INPUT",
      `${file}: ${where}: expected ${ragged[1]} fields like the header, found ${ragged[2]} (a ragged row: a missing or extra comma, or an unquoted comma in a value)`,
      { location: { file, ...(line ? { line: Number(line) } : {}) }, cause: e },
    );
  }
  if (/state machine reached an invalid state/i.test(msg)) {
    return new CostwiseError(
      "BAD_INPUT",
      `${file}: ${where ? `${where}: ` : ""}the CSV is not well-formed (RFC 4180): mixed line endings (some lines end in CR LF, others in LF alone) or a quote inside an unquoted value; save it with one kind of line ending`,
      { location: { file, ...(line ? { line: Number(line) } : {}) }, cause: e },
    );
  }
  if (/unicode/i.test(msg)) {
    return new CostwiseError("BAD_INPUT", `${file}: ${where}: the file is not valid UTF-8 text (save it as UTF-8)`, {
      location: { file, ...(line ? { line: Number(line) } : {}) },
      cause: e,
    });
  }
  if (/gzip|zlib|inflate|compress/i.test(msg)) {
    return new CostwiseError("BAD_INPUT", `${file}: the compressed (gzip) file is truncated or corrupt; nothing was loaded`, { location: { file }, cause: e });
  }
  if (/Could not convert|Conversion Error|Invalid Input Error/i.test(msg)) {
    return new CostwiseError("BAD_INPUT", `${file}: ${where ? `${where}: ` : ""}${firstLine(msg).replace(/^[A-Za-z ]+Error: /, "")}`, {
      location: { file, ...(line ? { line: Number(line) } : {}) },
      cause: e,
    });
  }
  return new CostwiseError("STORE", `${file}: the store failed while loading: ${firstLine(msg)}`, { location: { file }, cause: e });
}

/** True for the operating system's "no space left" in any wording (errno ENOSPC, DuckDB's IO errors). */
export function isDiskFull(msg: string): boolean {
  return /ENOSPC|No space left on device|disk (is )?full/i.test(msg);
}

/** DuckDB's reason without the file path it repeats (the path it names is the escaped pattern). */
function parquetReason(msg: string): string {
  return firstLine(msg)
    .replace(/^[A-Za-z ]+Error: /, "")
    .replace(/Failed to read file "[^"]*":\s*/, "")
    .replace(/ '[^']*'/, "");
}

function firstLine(s: string): string {
  return s.split("\n")[0] ?? s;
}
