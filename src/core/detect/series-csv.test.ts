import { describe, expect, it } from "vitest";
import { detectSeparator, parseCsv, parseNumber } from "./series-csv.js";

describe("series CSV reader", () => {
  it("honours quotes (separators, quotes and line breaks inside), BOM and CRLF", () => {
    const text = '\uFEFFtimestamp,value,note\r\n2024-01-01,"1,5","a ""quoted"" note"\r\n2024-01-02,2,"two\nlines"\r\n\r\n';
    const { rows, problem } = parseCsv(text);
    expect(problem).toBeUndefined();
    expect(rows).toEqual([
      { line: 1, cells: ["timestamp", "value", "note"] },
      { line: 2, cells: ["2024-01-01", "1,5", 'a "quoted" note'] },
      { line: 3, cells: ["2024-01-02", "2", "two\nlines"] },
    ]);
  });

  it("detects ; tab and | separators from the header", () => {
    expect(detectSeparator("timestamp;value\n2024-01-01;1,5\n")).toBe(";");
    expect(detectSeparator("timestamp\tvalue\n")).toBe("\t");
    expect(detectSeparator('"a|b",x|y|z\n')).toBe("|");
    expect(parseCsv("timestamp;value\n2024-01-01;1,5\n").rows[1]!.cells).toEqual(["2024-01-01", "1,5"]);
  });

  it("reports an unterminated quote with the line it opened on", () => {
    expect(parseCsv('timestamp,value\n2024-01-01,"3\n2024-01-02,4\n').problem).toEqual({ line: 2, message: 'a quoted field is never closed (missing ")' });
  });

  it("reads numbers: plain, decimal comma, thousands separators; ambiguous ones are errors", () => {
    const table: [string, number | "error"][] = [
      ["1.5", 1.5],
      ["-2e3", -2000],
      ["1,5", 1.5],
      ["0,001", "error"],
      [",25", 0.25],
      ["1,234.5", 1234.5],
      ["1.234,5", 1234.5],
      ["1,234,567", 1234567],
      ["1 234,5", 1234.5],
      ["1,234", "error"],
      ["abc", "error"],
      ["1.2.3", "error"],
    ];
    for (const [raw, want] of table) {
      const got = parseNumber(raw);
      if (want === "error") expect(typeof got, raw).toBe("object");
      else expect(got, raw).toBe(want);
    }
  });
});
