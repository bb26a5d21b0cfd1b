import { describe, expect, it } from "vitest";
import { csvField, looksLikeFormula, toCsv } from "./csv.js";

describe("csvField", () => {
  // value                          exact                               safe
  const table: Array<[string | null, string, string]> = [
    ["plain", "plain", "plain"],
    [null, "", ""],
    ["", "", ""],
    ["a,b", '"a,b"', '"a,b"'],
    ['say "hi"', '"say ""hi"""', '"say ""hi"""'],
    ["line\nbreak", '"line\nbreak"', '"line\nbreak"'],
    ["=1+2", "=1+2", "'=1+2"],
    ['=HYPERLINK("http://x","y")', '"=HYPERLINK(""http://x"",""y"")"', '"\'=HYPERLINK(""http://x"",""y"")"'],
    ["+cmd", "+cmd", "'+cmd"],
    ["-2+3", "-2+3", "'-2+3"],
    ["@SUM(A1)", "@SUM(A1)", "'@SUM(A1)"],
    ["\tx", "\tx", "'\tx"],
    ["\r=1", '"\r=1"', '"\'\r=1"'],
    ["-12.50", "-12.50", "-12.50"],
    ["+3", "+3", "+3"],
    ["-0.000001", "-0.000001", "-0.000001"],
    ["-1e-3", "-1e-3", "-1e-3"],
    ["-.5", "-.5", "-.5"],
    ["-", "-", "'-"],
    ["-12.50 USD", "-12.50 USD", "'-12.50 USD"],
    ["a=b", "a=b", "a=b"],
    ["12", "12", "12"],
  ];
  it.each(table)("%j → exact %j, safe %j", (value, exact, safe) => {
    expect(csvField(value, "exact")).toBe(exact);
    expect(csvField(value, "safe")).toBe(safe);
  });
  it("exact is the default", () => {
    expect(csvField("=1")).toBe("=1");
  });
});

describe("looksLikeFormula", () => {
  it("is false for signed numbers and true for signed text", () => {
    expect(["-1", "+1.5", "-1E+9"].map(looksLikeFormula)).toEqual([false, false, false]);
    expect(["-A1", "+A1*2", "=1", "@x"].map(looksLikeFormula)).toEqual([true, true, true, true]);
  });
});

describe("toCsv", () => {
  it("writes CRLF records, header first, in either mode", () => {
    const rows = [["=cmd|' /C calc'!A0", "-12.50"], [null, "3"]];
    expect(toCsv(["team", "cost"], rows)).toBe("team,cost\r\n=cmd|' /C calc'!A0,-12.50\r\n,3\r\n");
    expect(toCsv(["team", "cost"], rows, "safe")).toBe("team,cost\r\n'=cmd|' /C calc'!A0,-12.50\r\n,3\r\n");
  });
});
