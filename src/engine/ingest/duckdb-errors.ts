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

export function translateReadError(
  e: unknown,
  file: string,
  readTypes: Record<string, string>,
  originalNames?: ReadonlyMap<string, string>,
): CostwiseError {
  const msg = e instanceof Error ? e.message : String(e);
  const line = /CSV Error on Line: (\d+)/.exec(msg)?.[1];
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
    return new CostwiseError("BAD_INPUT", `${file}: corrupt or truncated gzip data`, { location: { file }, cause: e });
  }
  if (/parquet|magic bytes|Thrift|footer/i.test(msg)) {
    return new CostwiseError("BAD_INPUT", `${file}: not a readable Parquet file (${firstLine(msg)})`, { location: { file }, cause: e });
  }
  if (/Could not convert|Conversion Error|Invalid Input Error/i.test(msg)) {
    return new CostwiseError("BAD_INPUT", `${file}: ${where ? `${where}: ` : ""}${firstLine(msg).replace(/^[A-Za-z ]+Error: /, "")}`, {
      location: { file, ...(line ? { line: Number(line) } : {}) },
      cause: e,
    });
  }
  return new CostwiseError("STORE", `${file}: the store failed while loading: ${firstLine(msg)}`, { location: { file }, cause: e });
}

function firstLine(s: string): string {
  return s.split("\n")[0] ?? s;
}
