/**
 * `--store` pointing at something that is not a costwise store (a CSV, an empty file, random bytes, a folder, a
 * SQLite file, another program's DuckDB database, a symlink loop) is refused with a clear message before any write,
 * for every command that opens the store; the file is left byte for byte as it was. A missing file is still created.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CostwiseError } from "../../src/core/errors.js";
import { ingestFiles } from "../../src/engine/ingest/ingest.js";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { col, readRow } from "../../src/engine/store/read-rows.js";
import { COST_TABLE } from "../../src/engine/store/schema.js";
import { runCli } from "../helpers/cli.js";
import { FIXTURES, tempDir } from "../helpers/store.js";

const FOCUS = join(FIXTURES, "focus/focus_sample.csv");

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir("costwise-store-id-"));
});
afterEach(() => cleanup());

/** Each kind of not-a-store: how to make it, and what the message says it is. */
const NOT_STORES: { name: string; make: (p: string) => void; says: RegExp }[] = [
  { name: "a CSV", make: (p) => writeFileSync(p, "BilledCost,BillingAccountId\n1.00,a\n"), says: /text file, e\.g\. a CSV/ },
  { name: "an empty file", make: (p) => writeFileSync(p, ""), says: /empty file/ },
  { name: "random bytes", make: (p) => writeFileSync(p, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256))), says: /does not start like a DuckDB database file/ },
  { name: "a folder", make: (p) => mkdirSync(p), says: /is a folder/ },
  { name: "a SQLite database", make: (p) => writeFileSync(p, Buffer.concat([Buffer.from("SQLite format 3\0"), Buffer.alloc(4080)])), says: /SQLite database/ },
  { name: "a symlink loop", make: (p) => symlinkSync(p, p), says: /symlink loop/ },
];

/** Commands that open the store, each with its arguments. */
const COMMANDS: { name: string; args: string[] }[] = [
  { name: "ingest", args: ["ingest", FOCUS] },
  { name: "sources", args: ["sources"] },
  { name: "token create", args: ["token", "create", "--name", "probe", "--role", "admin"] },
  { name: "query", args: ["query", "--group-by", "ServiceName"] },
];

function contentOf(p: string): string {
  try {
    const st = statSync(p);
    return st.isDirectory() ? "<folder>" : readFileSync(p).toString("base64");
  } catch (e) {
    return `<${(e as NodeJS.ErrnoException).code}>`;
  }
}

describe("--store that is not a costwise store", () => {
  for (const kind of NOT_STORES) {
    // (query checks that the store exists before opening it: a symlink loop is "no cost store" there)
    for (const command of COMMANDS.filter((c) => !(c.name === "query" && kind.name === "a symlink loop"))) {
      it(`${command.name} on ${kind.name}: refused, named, nothing written`, async () => {
        const p = join(dir, "store.duckdb");
        kind.make(p);
        const before = contentOf(p);
        const r = await runCli("--store", p, ...command.args);
        expect(r.code).not.toBe(0);
        expect(r.err).toContain(`${p} is not a costwise store (DuckDB database)`);
        expect(r.err).toMatch(kind.says);
        expect(r.err).not.toMatch(/internal error|\n\s+at /); // no stack trace
        expect(r.out).toBe(""); // no token, no "6 rows loaded"
        expect(contentOf(p)).toBe(before);
        expect(existsSync(`${p}.wal`)).toBe(false);
      });
    }
  }

  it("serve on a CSV fails at once with the same message (it never listens)", async () => {
    const p = join(dir, "bill.csv");
    writeFileSync(p, "a,b\n1,2\n");
    const r = await Promise.race([
      runCli("--store", p, "serve", "--port", "0"),
      new Promise<never>((_, rej) => setTimeout(() => rej(new Error("serve kept running on a CSV store")), 20_000)),
    ]);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain(`${p} is not a costwise store (DuckDB database)`);
    expect(readFileSync(p, "utf8")).toBe("a,b\n1,2\n");
  });

  it("--json gives the error as JSON with its code", async () => {
    const p = join(dir, "bill.csv");
    writeFileSync(p, "a,b\n1,2\n");
    const r = await runCli("--json", "--store", p, "sources");
    expect(r.code).toBe(2);
    const body = JSON.parse(r.out) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("BAD_CONFIG");
    expect(body.error.message).toMatch(/is not a costwise store/);
  });
});

describe("a DuckDB database that is not a costwise store", () => {
  it("holding other tables: refused for every open, its tables untouched", async () => {
    const p = join(dir, "other.duckdb");
    const db = await DuckDBInstance.create(p);
    const c = await db.connect();
    await c.run("CREATE TABLE invoices (id INTEGER, amount DECIMAL(10,2))");
    await c.run("INSERT INTO invoices VALUES (1, 9.99)");
    c.closeSync();
    db.closeSync();

    const r = await runCli("--store", p, "ingest", FOCUS);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${p} is not a costwise store: it is a DuckDB database holding other tables (invoices) and no costwise schema`);
    const err = await DuckDbStore.open(p).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CostwiseError);

    // its tables are as they were: no costwise table was created in it
    const db2 = await DuckDBInstance.create(p);
    const c2 = await db2.connect();
    const tables = (await c2.runAndReadAll("SELECT table_name FROM duckdb_tables() ORDER BY 1")).getRowsJson().map((row) => row[0]);
    const rows = (await c2.runAndReadAll("SELECT id, amount::VARCHAR FROM invoices")).getRowsJson();
    c2.closeSync();
    db2.closeSync();
    expect(tables).toEqual(["invoices"]);
    expect(rows).toEqual([[1, "9.99"]]);
  });

  it("an empty DuckDB database becomes a costwise store", async () => {
    const p = join(dir, "blank.duckdb");
    const db = await DuckDBInstance.create(p);
    db.closeSync();
    expect(await ingestAndReopen(p)).toBe(1000);
  });
});

/** Ingests the FOCUS sample into the store at `p` through the engine, closes it, reopens it and counts the rows. */
async function ingestAndReopen(p: string): Promise<number> {
  const store = await DuckDbStore.open(p);
  try {
    await ingestFiles(store, [FOCUS]);
  } finally {
    await store.close();
  }
  const again = await DuckDbStore.open(p, { readOnly: true });
  try {
    return (await readRow(again, { n: col.int }, `SELECT count(*)::INTEGER AS n FROM ${COST_TABLE}`))!.n;
  } finally {
    await again.close();
  }
}

describe("stores that are fine", () => {
  it("a missing file is created (folders too), and reopened as a costwise store", async () => {
    const p = join(dir, "sub", "new.duckdb");
    expect(await ingestAndReopen(p)).toBe(1000);
    expect(readFileSync(p).toString("latin1", 8, 12)).toBe("DUCK");
  });

  it("a store file named .csv (created by costwise) opens as a store, not as a CSV", async () => {
    expect(await ingestAndReopen(join(dir, "odd-name.csv"))).toBe(1000);
  });
});
