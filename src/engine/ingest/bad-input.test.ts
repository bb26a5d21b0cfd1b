/**
 * Every kind of bad input gets a clear error naming file, line or row and column, and the store is
 * unchanged afterwards.
 */
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CostwiseError } from "../../core/errors.js";
import type { DuckDbStore } from "../store/duckdb/duckdb-store.js";
import { FIXTURES, LOCAL_FIXTURES, snapshot, tempStore } from "../../../test/helpers/store.js";
import { splitCsv } from "../../../test/helpers/cur-folder.js";
import { ingestFiles } from "./ingest.js";

const CUR_TYPES = join(LOCAL_FIXTURES, "cur-line-item-types.csv");
const { header, rows } = splitCsv(CUR_TYPES);
const cols = header.split(",");
const col = (name: string) => cols.indexOf(name);

let store: DuckDbStore;
let dir: string;
let cleanup: () => Promise<void>;
let before: Awaited<ReturnType<typeof snapshot>>;
beforeEach(async () => {
  ({ store, dir, cleanup } = await tempStore());
  await ingestFiles(store, [join(FIXTURES, "focus/focus_sample.csv")]);
  before = await snapshot(store);
});
afterEach(async () => {
  expect(await snapshot(store)).toEqual(before); // the store is unchanged after every bad input
  await cleanup();
});

function write(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** A CUR CSV with one cell of data row `row` (1-based) replaced. */
function withCell(row: number, column: string, value: string): string {
  const lines = rows.map((r, i) => {
    if (i !== row - 1) return r;
    const cells = splitCells(r);
    cells[col(column)] = value;
    return cells.map((c) => (/[",]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(",");
  });
  return [header, ...lines].join("\n") + "\n";
}

function splitCells(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (q) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') q = false; else cur += c;
    } else if (c === '"') q = true;
    else if (c === ",") { out.push(cur); cur = ""; } else cur += c;
  }
  out.push(cur);
  return out;
}

async function failure(paths: string[], opts = {}): Promise<CostwiseError> {
  try {
    await ingestFiles(store, paths, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(CostwiseError);
    expect((e as CostwiseError).isUserError).toBe(true);
    return e as CostwiseError;
  }
  throw new Error("expected the ingest to fail");
}

describe("bad input", () => {
  it("an empty file", async () => {
    const e = await failure([write("empty.csv", "")]);
    expect(e.code).toBe("EMPTY_FILE");
    expect(e.message).toMatch(/empty\.csv: the file is empty/);
  });

  it("a header without rows", async () => {
    const e = await failure([write("header-only.csv", header + "\n")]);
    expect(e.code).toBe("EMPTY_FILE");
    expect(e.message).toMatch(/header-only\.csv: the file has a header but no rows/);
  });

  it("unknown headers say which columns are missing and which format it looked like", async () => {
    const partial = header.replace("lineItem/UnblendedCost", "lineItem/Cost").replace("lineItem/CurrencyCode", "lineItem/Currency");
    const e = await failure([write("wrong-header.csv", [partial, ...rows].join("\n"))]);
    expect(e.code).toBe("UNKNOWN_FORMAT");
    expect(e.message).toMatch(/wrong-header\.csv: unrecognised columns: it looks like AWS Cost and Usage Report \(legacy CSV\) but/);
    expect(e.message).toContain("lineItem/UnblendedCost");
    expect(e.message).toContain("lineItem/CurrencyCode");
  });

  it("a file of something else entirely", async () => {
    const e = await failure([write("people.csv", "name,age\nada,36\n")]);
    expect(e.code).toBe("UNKNOWN_FORMAT");
    expect(e.message).toMatch(/people\.csv: unrecognised columns: the required column\(s\) .* are missing \(known formats: focus, aws-cur, aws-cur2, [^)]*; force one with --format\)/);
  });

  it("ragged rows (a published koku CUR file has them)", async () => {
    const e = await failure([join(FIXTURES, "aws-cur/test_cur.csv")]);
    expect(e.code).toBe("BAD_INPUT");
    expect(e.message).toMatch(/test_cur\.csv: line 2: expected 131 fields like the header, found 130/);
  });

  it("a non-numeric cost names line and column", async () => {
    const e = await failure([write("nan-cost.csv", withCell(4, "lineItem/UnblendedCost", "12,34 EUR"))]);
    expect(e.message).toBe('nan-cost.csv: line 5, column "lineItem/UnblendedCost": expected a decimal number such as 12.34, got "12,34 EUR"'.replace(/^/, e.message.slice(0, e.message.indexOf("nan-cost.csv"))));
    expect(e.location).toMatchObject({ line: 5, column: "lineItem/UnblendedCost" });
  });

  it("a bad date names line and column", async () => {
    const e = await failure([write("bad-date.csv", withCell(2, "lineItem/UsageStartDate", "31/09/2024"))]);
    expect(e.message).toMatch(/bad-date\.csv: row 2 \(line 3\), column "lineItem\/UsageStartDate": expected a date and time such as 2024-09-01T00:00:00Z, got "31\/09\/2024"/);
  });

  it("a missing cost value names the row", async () => {
    const e = await failure([write("no-cost.csv", withCell(3, "lineItem/UnblendedCost", ""))]);
    expect(e.message).toMatch(/no-cost\.csv: row 3 \(line 4\), column "lineItem\/UnblendedCost": expected a decimal cost, got an empty value/);
  });

  it("a byte-order mark is not an error", async () => {
    const bom = write("bom.csv", "\uFEFF" + [header, ...rows].join("\n"));
    const r = await ingestFiles(store, [bom]);
    expect(r.rowsLoaded).toBe(rows.length);
    await store.run(`DELETE FROM focus_costs WHERE x_IngestId = '${r.ingestId}'`);
    await store.run(`DELETE FROM ingest_runs WHERE ingest_id = '${r.ingestId}'`);
  });

  it("the same file twice in one ingest", async () => {
    const copy = join(dir, "copy.csv");
    copyFileSync(CUR_TYPES, copy);
    const e = await failure([CUR_TYPES, copy]);
    expect(e.code).toBe("DUPLICATE_FILE");
    expect(e.message).toMatch(/has the same content as .*; loading both would count the same money twice/);
  });

  it("a file for an unknown period", async () => {
    const ancient = [header, ...rows.map((r) => r.replaceAll("2024-09-01T00:00:00Z,2024-10-01T00:00:00Z", "1970-01-01T00:00:00Z,1970-02-01T00:00:00Z"))].join("\n");
    const e = await failure([write("ancient.csv", ancient)]);
    expect(e.message).toMatch(/ancient\.csv: row 1 \(line 2\), column "bill\/BillingPeriodStartDate": expected a billing period starting between 2000-01-01 and .* got "1970-01-01 00:00:00 – 1970-02-01 00:00:00"/);
  });

  it("a corrupt gzip", async () => {
    const good = gzipSync([header, ...rows].join("\n"));
    const e = await failure([write("corrupt.csv.gz", Buffer.concat([good.subarray(0, 40), Buffer.from("garbage-garbage-garbage")]))]);
    expect(e.code).toBe("BAD_INPUT");
    expect(e.message).toMatch(/corrupt\.csv\.gz: .*(gzip|truncated)/);
  });

  it("a truncated gzip (download cut short)", async () => {
    const good = gzipSync([header, ...rows, ...rows.map((r) => r.replace("li-0", "li-1"))].join("\n"));
    const e = await failure([write("truncated.csv.gz", good.subarray(0, Math.floor(good.length * 0.8)))]);
    expect(e.code).toBe("BAD_INPUT");
    expect(e.message).toMatch(/truncated\.csv\.gz/);
  });

  it("a corrupt Parquet file", async () => {
    const e = await failure([write("corrupt.parquet", Buffer.concat([Buffer.from("PAR1"), Buffer.alloc(100, 7), Buffer.from("PAR1")]))]);
    expect(e.code).toBe("BAD_INPUT");
    expect(e.message).toMatch(/corrupt\.parquet: (the Parquet file is corrupt \(.+\)|not a Parquet file, or a truncated one \(no Parquet footer at its end\)); nothing was loaded/);
  });

  it("a FOCUS file whose Tags are not a JSON object names the row", async () => {
    const focus = splitCsv(join(FIXTURES, "focus/focus_sample.csv"));
    const tagsAt = focus.header.split(",").findIndex((h) => h.replaceAll('"', "") === "Tags");
    const broken = focus.rows.slice(0, 3).map((r, i) => {
      if (i !== 1) return r;
      const cells = splitCells(r);
      cells[tagsAt] = '{"team": "search"'; // missing brace
      return cells.map((c) => `"${c.replaceAll('"', '""')}"`).join(",");
    });
    const e = await failure([write("bad-tags.csv", [focus.header, ...broken].join("\n"))]);
    expect(e.message).toMatch(/bad-tags\.csv: row 2 \(line 3\), column "Tags": expected a JSON object of tag key\/value pairs.*got "\{\\"team\\": \\"search\\""/);
  });

  it("a FOCUS file with malformed SkuPriceDetails JSON names the row", async () => {
    const e = await failure([write("bad-json.csv", 'BilledCost,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,SkuPriceDetails\n' +
      '1.5,USD,2024-09-01T00:00:00Z,2024-10-01T00:00:00Z,2024-09-01T00:00:00Z,2024-09-02T00:00:00Z,"{""CoreCount"": 4}"\n' +
      '2.5,USD,2024-09-01T00:00:00Z,2024-10-01T00:00:00Z,2024-09-01T00:00:00Z,2024-09-02T00:00:00Z,"{CoreCount: 4"\n')]);
    expect(e.message).toMatch(/bad-json\.csv: row 2 \(line 3\), column "SkuPriceDetails": expected a JSON value, got "\{CoreCount: 4"/);
  });

  it("a missing billing period end names the row", async () => {
    const e = await failure([write("no-end.csv", withCell(2, "bill/BillingPeriodEndDate", ""))]);
    expect(e.message).toMatch(/no-end\.csv: row 2 \(line 3\), column "bill\/BillingPeriodEndDate": expected a timestamp such as 2024-10-01T00:00:00Z, got an empty value/);
  });

  it("a path that does not exist", async () => {
    const e = await failure([join(dir, "nope.csv")]);
    expect(e.code).toBe("NOT_FOUND");
  });

  it("a CUR manifest naming a missing part", async () => {
    const m = write("x-Manifest.json", JSON.stringify({ assemblyId: "a1", reportKeys: ["r/20240901-20241001/a1/x-1.csv.gz"] }));
    const e = await failure([m]);
    expect(e.code).toBe("NOT_FOUND");
    expect(e.message).toMatch(/x-Manifest\.json: the manifest lists r\/20240901-20241001\/a1\/x-1\.csv\.gz/);
  });

  it("a forced format that does not fit says what is missing", async () => {
    const e = await failure([CUR_TYPES], { format: "focus" });
    expect(e.code).toBe("UNKNOWN_FORMAT");
    expect(e.message).toMatch(/BilledCost/);
    expect(e.message).not.toMatch(/force one with --format/);
  });
});
