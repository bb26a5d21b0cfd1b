/**
 * Hostile input to ingest: path tricks (glob characters, spaces, quotes, unicode, a leading dash, symlink loops,
 * folders, a FIFO), encodings (UTF-16 LE/BE, a UTF-8 BOM, Latin-1 bytes), truncated and corrupt gzip and Parquet,
 * huge fields, control characters in ids, a full disk. Each case asserts the message (file, row, column, what was
 * expected) and that the store is unchanged (totals before == after), or that exactly the named file loaded.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, createWriteStream, openSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CostwiseError, systemErrorKind } from "../../src/core/errors.js";
import { reportError } from "../../src/cli/context.js";
import { ingestFiles } from "../../src/engine/ingest/ingest.js";
import { parseCsvLine } from "../../src/engine/ingest/files.js";
import { MAX_LINE_SIZE_ENV } from "../../src/engine/ingest/duckdb-errors.js";
import { ingestMetrics, listMetrics } from "../../src/engine/metrics/ingest.js";
import { importUtilizationCsv } from "../../src/engine/optimize/import-utilization.js";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { col, readRows } from "../../src/engine/store/read-rows.js";
import { COST_TABLE } from "../../src/engine/store/schema.js";
import { runCli } from "../helpers/cli.js";
import { FIXTURES, snapshot, tempDir } from "../helpers/store.js";

// ── a small FOCUS bill, built from the sample's header and first row ───────────────────────────────────────────
const SAMPLE = readFileSync(join(FIXTURES, "focus/focus_sample.csv"), "utf8").split("\n");
const HEADER_LINE = SAMPLE[0]!;
const HEADER = parseCsvLine(HEADER_LINE);
const TEMPLATE = parseCsvLine(SAMPLE[1]!);

function cell(v: string): string {
  return v === "NULL" ? "NULL" : `"${v.replaceAll('"', '""')}"`;
}

/** A FOCUS CSV: `rows` rows on billing account `account`, each with BilledCost `cost` and the given overrides. */
function bill(account: string, rows: number, cost: string, over: (i: number) => Partial<Record<string, string>> = () => ({})): string {
  const lines = Array.from({ length: rows }, (_, i) => {
    const o: Partial<Record<string, string>> = { BillingAccountId: account, BilledCost: cost, ResourceName: `r-${account}-${i}`, ...over(i) };
    return HEADER.map((h, j) => cell(o[h] ?? TEMPLATE[j]!)).join(",");
  });
  return `${HEADER_LINE}\n${lines.join("\n")}\n`;
}

let store: DuckDbStore;
let dir: string;
let storePath: string;
let cleanupDir: () => void;
let before: Awaited<ReturnType<typeof snapshot>>;
let expectUnchanged = true;

beforeEach(async () => {
  ({ dir, cleanup: cleanupDir } = tempDir("costwise-hostile-"));
  storePath = join(dir, "store", "c.duckdb");
  store = await DuckDbStore.open(storePath);
  writeFileSync(join(dir, "base.csv"), bill("900000000001", 3, "10.00"));
  await ingestFiles(store, [join(dir, "base.csv")]);
  before = await snapshot(store);
  expectUnchanged = true;
});
afterEach(async () => {
  if (expectUnchanged) expect(await snapshot(store)).toEqual(before); // nothing half-written, nothing dropped
  await store.close();
  cleanupDir();
});

function write(rel: string, content: string | Buffer): string {
  const p = join(dir, rel);
  mkdirSync(join(p, ".."), { recursive: true });
  writeFileSync(p, content);
  return p;
}

/** The error an ingest of `paths` fails with (the test fails if it succeeds). */
async function ingestError(...paths: string[]): Promise<CostwiseError> {
  const e = await ingestFiles(store, paths).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, "the ingest should have failed").toBeInstanceOf(CostwiseError);
  return e as CostwiseError;
}

/** What the store holds per source file, beyond the base bill. */
async function loadedFiles(): Promise<{ file: string; n: number; billed: string }[]> {
  return readRows(
    store,
    { file: col.text, n: col.int, billed: col.money },
    `SELECT x_SourceFile AS file, count(*)::INTEGER AS n, sum(BilledCost)::VARCHAR AS billed FROM ${COST_TABLE}
     WHERE "BillingAccountId" <> '900000000001' GROUP BY 1 ORDER BY 1`,
  );
}

describe("paths are opened literally", () => {
  const GLOBS: { name: string; siblings: string[] }[] = [
    { name: "a*.csv", siblings: ["ab.csv", "ac.csv"] },
    { name: "g[1].csv", siblings: ["g1.csv"] },
    { name: "q?.csv", siblings: ["qx.csv", "qy.csv"] },
    { name: "b]x[.csv", siblings: ["bx.csv"] },
  ];
  for (const g of GLOBS) {
    it(`${g.name} loads that file only, and provenance names it`, async () => {
      expectUnchanged = false;
      const p = write(`g/${g.name}`, bill("100000000001", 2, "1.25"));
      g.siblings.forEach((s, i) => write(`g/${s}`, bill(`20000000000${i}`, 5, "7.00")));
      const r = await ingestFiles(store, [p]);
      expect(r.rowsLoaded).toBe(2);
      expect(r.files.map((f) => f.path)).toEqual([p]);
      expect(await loadedFiles()).toEqual([{ file: p, n: 2, billed: "2.5000000000" }]);
    });
  }

  it("a header-only file named a*.csv says it has no rows (its siblings are not loaded in its place)", async () => {
    const p = write("g/a*.csv", `${HEADER_LINE}\n`);
    write("g/ab.csv", bill("200000000001", 5, "7.00"));
    write("g/ac.csv", bill("200000000002", 5, "7.00"));
    const e = await ingestError(p);
    expect(e.code).toBe("EMPTY_FILE");
    expect(e.message).toMatch(/a\*\.csv: the file has a header but no rows/);
  });

  it("a pattern the user typed that names no file is not found, though other files match it", async () => {
    write("g/ab.csv", bill("200000000001", 5, "7.00"));
    const e = await ingestError(join(dir, "g/a*.csv"));
    expect(e.code).toBe("NOT_FOUND");
    expect(e.message).toContain("a*.csv: no such file or folder");
  });

  it("glob characters in a folder name: the folder is ingested, file by file", async () => {
    expectUnchanged = false;
    const a = write("d[1]*?/one.csv", bill("100000000001", 2, "1.00"));
    const b = write("d[1]*?/two.csv", bill("100000000002", 3, "1.00"));
    write("d1xy/one.csv", bill("200000000001", 9, "9.00")); // what the unescaped pattern would also match
    const r = await ingestFiles(store, [join(dir, "d[1]*?")]);
    expect(r.rowsLoaded).toBe(5);
    expect((await loadedFiles()).map((f) => [f.file, f.n])).toEqual([
      [a, 2],
      [b, 3],
    ]);
  });

  const ODD_NAMES = ["with space.csv", "it's \"quoted\".csv", "ünïcødé-账单.csv", "-leading-dash.csv", "back\\slash.csv", "semi;colon $(x).csv"];
  for (const name of ODD_NAMES) {
    it(`a file named ${JSON.stringify(name)} loads, provenance exact`, async () => {
      expectUnchanged = false;
      const p = write(`odd/${name}`, bill("100000000001", 2, "3.00"));
      await ingestFiles(store, [p]);
      expect(await loadedFiles()).toEqual([{ file: p, n: 2, billed: "6.0000000000" }]);
    });
  }

  it("a leading dash through the CLI (./-name) and glob characters through the CLI", async () => {
    await store.close();
    const p = write("-bill[1].csv", bill("100000000001", 2, "3.00"));
    write("-bill1.csv", bill("200000000001", 4, "3.00"));
    const r = await runCli("--json", "--store", storePath, "ingest", "--no-progress", p);
    store = await DuckDbStore.open(storePath);
    expect(r.err).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expectUnchanged = false;
    expect(await loadedFiles()).toEqual([{ file: p, n: 2, billed: "6.0000000000" }]);
  });

  it("a symlink loop says symlink loop (not 'no such file')", async () => {
    const p = join(dir, "loop.csv");
    symlinkSync(p, p);
    const e = await ingestError(p);
    expect(e.message).toBe(`${p}: symlink loop (the link points, directly or through other links, back to itself)`);
    const a = join(dir, "la.csv");
    const b = join(dir, "lb.csv");
    symlinkSync(b, a);
    symlinkSync(a, b);
    expect((await ingestError(a)).message).toContain(`${a}: symlink loop`);
  });

  it("a dangling symlink names what it points to", async () => {
    const p = join(dir, "dangling.csv");
    symlinkSync(join(dir, "gone.csv"), p);
    const e = await ingestError(p);
    expect(e.code).toBe("NOT_FOUND");
    expect(e.message).toBe(`${p}: dangling symlink (it points to ${join(dir, "gone.csv")}, which does not exist)`);
  });

  it("a folder holding a link to itself is read once (no endless walk)", async () => {
    expectUnchanged = false;
    const f = write("tree/x.csv", bill("100000000001", 2, "1.00"));
    symlinkSync(join(dir, "tree"), join(dir, "tree", "again"));
    const r = await ingestFiles(store, [join(dir, "tree")]);
    expect(r.rowsLoaded).toBe(2);
    expect(r.files.map((x) => x.path)).toEqual([f]);
    expect(r.skipped.map((s) => s.reason)).toEqual([expect.stringContaining("a link to a folder already read")]);
  });

  it("a FIFO is refused, not read forever", async () => {
    const p = join(dir, "pipe.csv");
    execFileSync("mkfifo", [p]);
    const e = await ingestError(p);
    expect(e.message).toBe(`${p}: not a regular file (it is a FIFO (named pipe)); give a file or a folder`);
  });
});

describe("the other readers of user files open them literally too", () => {
  it("metrics ingest (CSV and JSON): a*.csv and m[1].json load themselves, not their siblings", async () => {
    expectUnchanged = false;
    const csv = write("m/a*.csv", "metric,date,value\nreq,2024-09-01,1.5\n");
    write("m/ab.csv", "metric,date,value\nreq,2024-09-02,100\nreq,2024-09-03,100\n");
    const json = write("m/m[1].json", JSON.stringify([{ metric: "users", date: "2024-09-01", value: 7 }]));
    write("m/m1.json", JSON.stringify([{ metric: "users", date: "2024-09-05", value: 1000 }]));
    const r = await ingestMetrics(store, [csv, json]);
    expect(r.rows).toBe(2);
    expect((await listMetrics(store)).map((m) => [m.metric, m.points, m.sum])).toEqual([
      ["req", 1, "1.5000000000"],
      ["users", 1, "7.0000000000"],
    ]);
    expect((await listMetrics(store, "it's \"odd\"")).length).toBe(0); // a metric name with quotes is a bound value
  });

  it("utilization import: u[1].csv imports itself only", async () => {
    expectUnchanged = false;
    const p = write("u/u[1].csv", "timestamp,resource_id,metric,value\n2024-09-01T10:00:00Z,i-1,cpu,10\n");
    write("u/u1.csv", "timestamp,resource_id,metric,value\n2024-09-01T10:00:00Z,i-2,cpu,90\n2024-09-01T11:00:00Z,i-3,cpu,90\n");
    const r = await importUtilizationCsv(store, p, "it's a 'source'");
    expect(r.points).toBe(1);
    expect(r.resources).toBe(1);
  });
});

describe("encodings", () => {
  const text = () => bill("100000000001", 2, "1.00");
  it("UTF-16LE and UTF-16BE with a byte order mark", async () => {
    const le = write("le.csv", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text(), "utf16le")]));
    const e1 = await ingestError(le);
    expect(e1.message).toMatch(/le\.csv: the file is UTF-16LE \(byte order mark FF FE\); costwise reads UTF-8/);
    const beBody = Buffer.from(text(), "utf16le").swap16();
    const be = write("be.csv", Buffer.concat([Buffer.from([0xfe, 0xff]), beBody]));
    expect((await ingestError(be)).message).toMatch(/be\.csv: the file is UTF-16BE \(byte order mark FE FF\); costwise reads UTF-8/);
  });

  it("UTF-16 without a byte order mark, and UTF-16 inside gzip", async () => {
    const bare = write("bare.csv", Buffer.from(text(), "utf16le"));
    expect((await ingestError(bare)).message).toMatch(/the file is UTF-16LE \(no byte order mark\); costwise reads UTF-8/);
    const gz = write("u16.csv.gz", gzipSync(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text(), "utf16le")])));
    expect((await ingestError(gz)).message).toMatch(/u16\.csv\.gz: the file is UTF-16LE/);
  });

  it("a UTF-8 byte order mark is fine", async () => {
    expectUnchanged = false;
    const p = write("bom.csv", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text())]));
    const r = await ingestFiles(store, [p]);
    expect(r.rowsLoaded).toBe(2);
  });

  it("Latin-1 bytes: not UTF-8, with the line", async () => {
    const body = bill("100000000001", 3, "1.00", (i) => (i === 1 ? { ResourceName: "café-\u00e9" } : {}));
    const p = write("latin1.csv", Buffer.from(body, "latin1"));
    const e = await ingestError(p);
    expect(e.message).toMatch(/latin1\.csv: line 3: the file is not valid UTF-8 text/);
  });
});

describe("truncated and corrupt compressed and columnar files", () => {
  const big = () => bill("100000000001", 4000, "0.01", (i) => ({ ResourceName: `resource-${i}-${"x".repeat(i % 97)}` }));

  it("a .csv.gz cut short at a line end (DuckDB would load its first half without a word)", async () => {
    const whole = gzipSync(big());
    const p = write("cut.csv.gz", whole.subarray(0, Math.floor(whole.length * 0.6)));
    const e = await ingestError(p);
    expect(e.message).toBe(`cut.csv.gz: the compressed (gzip) file is truncated (it ends before its last block); nothing was loaded`.replace("cut.csv.gz", e.location!.file!));
    expect(e.location?.file).toMatch(/cut\.csv\.gz$/);
  });

  it("a .csv.gz cut anywhere, and one with bytes flipped in the middle", async () => {
    const whole = gzipSync(big());
    for (const frac of [0.1, 0.35, 0.9, 0.999]) {
      const p = write(`cut-${frac}.csv.gz`, whole.subarray(0, Math.floor(whole.length * frac)));
      const e = await ingestError(p);
      expect(e.message, `cut at ${frac}`).toMatch(/cut-[\d.]+\.csv\.gz: the compressed \(gzip\) file is (truncated|corrupt)/);
    }
    const flipped = Buffer.from(whole);
    for (let i = 2000; i < 2100; i++) flipped[i] = flipped[i]! ^ 0xa5;
    const e = await ingestError(write("flipped.csv.gz", flipped));
    expect(e.message).toMatch(/flipped\.csv\.gz: the compressed \(gzip\) file is (truncated or )?corrupt/);
  });

  it("a whole .csv.gz still loads", async () => {
    expectUnchanged = false;
    const r = await ingestFiles(store, [write("whole.csv.gz", gzipSync(big()))]);
    expect(r.rowsLoaded).toBe(4000);
  });

  it("Parquet cut short, corrupt in the middle, or not Parquet at all", async () => {
    const pq = join(dir, "ok.parquet");
    write("src.csv", big());
    await store.run(`COPY (SELECT * FROM read_csv('${join(dir, "src.csv")}', all_varchar = true)) TO '${pq}' (FORMAT parquet)`);
    const whole = readFileSync(pq);
    const cut = write("cut.parquet", whole.subarray(0, Math.floor(whole.length / 2)));
    expect((await ingestError(cut)).message).toMatch(/cut\.parquet: not a Parquet file, or a truncated one \(no Parquet footer at its end\); nothing was loaded/);
    const corrupt = Buffer.from(whole);
    for (let i = 100; i < Math.min(4000, whole.length - 2000); i++) corrupt[i] = 0x55;
    const ce = await ingestError(write("corrupt.parquet", corrupt));
    expect(ce.message).toMatch(/corrupt\.parquet: (the Parquet file is corrupt \(.+\)|not a Parquet file, or a truncated one .*); nothing was loaded/);
    expect(ce.message).not.toMatch(/gzip/);
    expect((await ingestError(write("text.parquet", "hello, this is not parquet\n"))).message).toMatch(/text\.parquet: not a Parquet file, or a truncated one/);
  });
});

describe("huge fields", () => {
  it("a 5 MB field: the file, the row, the limit and how to raise it; raising it loads the file", async () => {
    const p = write("big5.csv", bill("100000000001", 3, "1.00", (i) => (i === 1 ? { ResourceName: "x".repeat(5 * 1024 * 1024) } : {})));
    const e = await ingestError(p);
    expect(e.message).toMatch(/big5\.csv: line 3 \(row 2\): a field makes the line longer \([\d,]+ bytes\) than the maximum line size of 2,000,000 bytes; nothing was loaded/);
    expect(e.message).toContain("COSTWISE_MAX_LINE_SIZE=");
    expect(e.location).toMatchObject({ line: 3, row: 2 });
    process.env[MAX_LINE_SIZE_ENV] = String(8 * 1024 * 1024);
    try {
      expectUnchanged = false;
      expect((await ingestFiles(store, [p])).rowsLoaded).toBe(3);
    } finally {
      delete process.env[MAX_LINE_SIZE_ENV];
    }
  });

  it("a 200 MB field: located by costwise where the reader does not say (not 'header but no rows')", async () => {
    const p = join(dir, "big200.csv");
    const rows = bill("100000000001", 3, "1.00", (i) => (i === 1 ? { ResourceName: "@HUGE@" } : {})).split("@HUGE@");
    const w = createWriteStream(p);
    w.write(rows[0]!);
    const mb = "y".repeat(1 << 20);
    for (let i = 0; i < 200; i++) w.write(mb);
    w.write(rows[1]!);
    await new Promise<void>((res, rej) => w.end((err?: Error | null) => (err ? rej(err) : res())));
    const e = await ingestError(p);
    expect(e.message).toMatch(/big200\.csv: line 3 \(row 2\): a field makes the line longer \(209,7\d\d,\d\d\d bytes\) than the maximum line size of 2,000,000 bytes/);
    rmSync(p);
  }, 120_000);
});

describe("control characters in ids", () => {
  for (const [name, ch] of [
    ["NUL", "\0"],
    ["a tab", "\t"],
    ["a line break", "\n"],
    ["an escape", "\x1b"],
  ] as const) {
    it(`${name} inside BillingAccountId is refused with file, row and column`, async () => {
      const p = write("ctl.csv", bill("100000000001", 4, "1.00", (i) => (i === 2 ? { BillingAccountId: `1000${ch}00000001` } : {})));
      const e = await ingestError(p);
      expect(e.message).toBe(`${e.location!.file}: row 3 (line 4), column "BillingAccountId": expected an id without control characters (NUL, tab, line breaks), got ${JSON.stringify(`1000${ch}00000001`)}`);
      expect(e.location).toMatchObject({ row: 3, column: "BillingAccountId" });
    });
  }

  it("a NUL in ResourceId and SubAccountId too; a printable unicode id is fine", async () => {
    const p = write("ctl2.csv", bill("100000000001", 2, "1.00", (i) => (i === 1 ? { ResourceId: "arn:x\0y" } : {})));
    expect((await ingestError(p)).message).toMatch(/row 2 \(line 3\), column "ResourceId": expected an id without control characters/);
    const q = write("ctl3.csv", bill("100000000001", 2, "1.00", () => ({ SubAccountId: "sub\0" })));
    expect((await ingestError(q)).message).toMatch(/row 1 \(line 2\), column "SubAccountId"/);
    expectUnchanged = false;
    const ok = write("uni.csv", bill("100000000001", 2, "1.00", () => ({ ResourceId: "arn:ü:账单-ok" })));
    expect((await ingestFiles(store, [ok])).rowsLoaded).toBe(2);
  });
});

describe("a full disk", () => {
  it("ingest on a full disk (the store's WAL on /dev/full): 'disk full … the store is unchanged', and it is", async () => {
    await store.close();
    const wal = `${storePath}.wal`;
    rmSync(wal, { force: true });
    symlinkSync("/dev/full", wal); // every write of the commit's log fails with ENOSPC, as on a full disk
    const p = write("more.csv", bill("100000000001", 50, "2.00"));
    const r = await runCli("--store", storePath, "ingest", "--no-progress", p);
    rmSync(wal);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`disk full (ENOSPC / No space left on device) while writing ${storePath}; the store is unchanged`);
    expect(r.err).not.toMatch(/internal error|a bug in costwise|\n\s+at /);
    store = await DuckDbStore.open(storePath);
    expect(await loadedFiles()).toEqual([]);
  });

  it("an ENOSPC from the operating system, anywhere, is reported as a full disk, not a bug", () => {
    let err: unknown;
    const fd = openSync("/dev/full", "w");
    try {
      writeSync(fd, Buffer.alloc(4096));
    } catch (e) {
      err = e;
    } finally {
      closeSync(fd);
    }
    expect((err as NodeJS.ErrnoException).code).toBe("ENOSPC");
    expect(systemErrorKind(err)).toBe("disk-full");
    const lines: string[] = [];
    const code = reportError(err, false, { out: (s: string) => lines.push(s), err: (s: string) => lines.push(s), json: () => undefined } as never);
    expect(code).toBe(1);
    expect(lines.join("\n")).toMatch(/^error: disk full \(ENOSPC \/ No space left on device\): ENOSPC: no space left on device, write$/);
  });
});
