/**
 * Names in SQL are defined once: every table's name is an exported constant of the module that owns the table
 * (a feature's `tables.ts`, the store's `schema.ts`, the rollups' modules), and SQL elsewhere interpolates the constant.
 * The sentinel owner `__unallocated__` is `UNALLOCATED` (core/allocation/model.ts). Store rows are decoded through
 * `readRows` (engine/store/read-rows.ts), not cast by hand. This test reads the source as text and fails with the
 * file and line of each stray.
 */
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, sources } from "./source-files.js";

const FILES = [...sources(join(ROOT, "src")), ...sources(join(ROOT, "web", "src"))].map((p) => ({
  path: relative(ROOT, p),
  text: readFileSync(p, "utf8"),
}));

/** Table names and the file that defines each: `export const SOMETHING_TABLE = "name";`. */
const TABLES = new Map<string, string>();
for (const f of FILES) {
  for (const m of f.text.matchAll(/export const ([A-Z][A-Z0-9_]*TABLE[A-Z0-9_]*) = "([a-z][a-z0-9_]*)";/g)) TABLES.set(m[2]!, f.path);
}

/** The lines of `text` outside comments, with their numbers (a line comment or a JSDoc line is prose, not SQL). */
function codeLines(text: string): [number, string][] {
  return text
    .split("\n")
    .map((l, i): [number, string] => [i + 1, l])
    .filter(([, l]) => !/^\s*(\/\/|\*|\/\*)/.test(l));
}

describe("names in SQL are defined once", () => {
  it("finds the table-name constants (the test reads what it means to)", () => {
    for (const t of ["focus_costs", "ingest_runs", "loaded_files", "cost_allocation", "notify_outbox", "recommendations", "api_tokens"]) {
      expect(TABLES.has(t), t).toBe(true);
    }
  });

  it("no SQL names a table by a bare string outside the module that defines it", () => {
    const names = [...TABLES.keys()].join("|");
    const bare = new RegExp(`\\b(FROM|JOIN|INTO|UPDATE|TABLE|EXISTS|ON CONFLICT ON)\\s+"?(${names})"?\\b(?!\\.)`, "g");
    const strays: string[] = [];
    for (const f of FILES) {
      for (const [n, line] of codeLines(f.text)) {
        for (const m of line.matchAll(bare)) if (TABLES.get(m[2]!) !== f.path) strays.push(`${f.path}:${n}: ${m[0]}`);
      }
    }
    expect(strays).toEqual([]);
  });

  it("the unallocated owner is one constant", () => {
    const strays = FILES.filter((f) => f.path !== "src/core/allocation/model.ts").flatMap((f) =>
      codeLines(f.text)
        .filter(([, l]) => l.includes("__unallocated__"))
        .map(([n]) => `${f.path}:${n}`),
    );
    expect(strays).toEqual([]);
  });

  it("store rows are decoded through readRows in engine and server code, not cast by hand", () => {
    const cast = /\b(String|Number)\((r|row|rows\[\d+\]!?|first|res|x)\??\.?\[["'`]/;
    const strays = FILES.filter((f) => /^src\/(engine|server)\//.test(f.path)).flatMap((f) =>
      codeLines(f.text)
        .filter(([, l]) => cast.test(l))
        .map(([n, l]) => `${f.path}:${n}: ${l.trim().slice(0, 100)}`),
    );
    expect(strays).toEqual([]);
  });

  it("no store is cast to its concrete class in the server", () => {
    const strays = FILES.filter((f) => f.path.startsWith("src/server/") && /\basDuck\b|as DuckDbStore\b/.test(f.text)).map((f) => f.path);
    expect(strays).toEqual([]);
  });
});
