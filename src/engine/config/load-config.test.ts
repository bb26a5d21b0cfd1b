import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CostwiseError } from "../../core/errors.js";
import { loadConfig, parseConfig, suggest } from "./load-config.js";

function problem(text: string): CostwiseError {
  try {
    parseConfig(text, "costwise.yaml");
  } catch (e) {
    if (e instanceof CostwiseError) return e;
    throw e;
  }
  throw new Error("expected a config error");
}

describe("costwise.yaml loading", () => {
  it("defaults apply when no file exists", () => {
    const dir = mkdtempSync(join(tmpdir(), "cw-config-"));
    const loaded = loadConfig(undefined, dir);
    expect(loaded.file).toBeUndefined();
    expect(loaded.config.version).toBe(1);
  });

  it("an explicit path that does not exist is an error naming it", () => {
    const dir = mkdtempSync(join(tmpdir(), "cw-config-"));
    expect(() => loadConfig("nope.yaml", dir)).toThrow(/nope\.yaml does not exist/);
  });

  it("reads a valid file and resolves its folder", () => {
    const dir = mkdtempSync(join(tmpdir(), "cw-config-"));
    writeFileSync(join(dir, "costwise.yaml"), "version: 1\nstore:\n  backend: duckdb\n  path: ./x.duckdb\n");
    const loaded = loadConfig(undefined, dir);
    expect(loaded.config.store?.path).toBe("./x.duckdb");
    expect(loaded.baseDir).toBe(dir);
  });

  it("a misspelt top-level key points at its line and suggests the right one", () => {
    const e = problem("version: 1\nstroe:\n  backend: duckdb\n");
    expect(e.code).toBe("BAD_CONFIG");
    expect(e.message).toContain('costwise.yaml:2:1 stroe: unknown key "stroe" (did you mean "store"?)');
    expect(e.location?.line).toBe(2);
  });

  it("a bad value names the key path, line and what was expected", () => {
    const e = problem("store:\n  backend: postgres\n");
    expect(e.message).toMatch(/costwise\.yaml:2:12 store\.backend: .*"duckdb"/);
  });

  it("reports every problem at once", () => {
    const e = problem("store:\n  backend: postgres\n  memoryLimit: lots\n");
    expect(e.message).toContain("2 problems");
    expect(e.message).toContain("store.memoryLimit");
  });

  it("invalid YAML gets line and column", () => {
    const e = problem("store:\n  backend: [duckdb\n");
    expect(e.message).toMatch(/not valid YAML/);
    expect(e.message).toMatch(/costwise\.yaml:\d+:\d+/);
  });

  it("suggest proposes near misses only", () => {
    expect(suggest("budgts", ["budgets", "monitors"])).toBe(' (did you mean "budgets"?)');
    expect(suggest("zzzzzz", ["budgets"])).toContain("expected one of");
  });
});
