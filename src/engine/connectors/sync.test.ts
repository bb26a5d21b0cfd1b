/** Picking sources and expanding file globs for `files` sources. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SourceConfig } from "../../core/config/sections/sources.js";
import { tempDir } from "../../../test/helpers/store.js";
import { expandGlob, selectSources } from "./sync.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

describe("expandGlob", () => {
  it("expands *, ? and ** (zero or more folders), sorted, without duplicates", () => {
    for (const p of ["a/x.csv", "a/y.csv", "a/y.txt", "a/b/z.csv", "a/b/c/w.csv", "q1.csv", "q22.csv"]) {
      mkdirSync(join(dir, p, ".."), { recursive: true });
      writeFileSync(join(dir, p), "x\n");
    }
    expect(expandGlob(join(dir, "a", "*.csv"))).toEqual([join(dir, "a/x.csv"), join(dir, "a/y.csv")]);
    expect(expandGlob(join(dir, "a", "**", "*.csv"))).toEqual([join(dir, "a/x.csv"), join(dir, "a/y.csv"), join(dir, "a/b/z.csv"), join(dir, "a/b/c/w.csv")]);
    expect(expandGlob(join(dir, "q?.csv"))).toEqual([join(dir, "q1.csv")]);
    expect(expandGlob(join(dir, "nothing", "*.csv"))).toEqual([]);
    expect(expandGlob(join(dir, "plain.csv"))).toEqual([join(dir, "plain.csv")]); // no wildcard: as given
  });
});

describe("selectSources", () => {
  const all: SourceConfig[] = [
    { name: "a", type: "aws-organizations" },
    { name: "b", type: "files", paths: ["x"] },
  ];
  it("all by default, the named ones in config order, unknown names listed with the configured ones", () => {
    expect(selectSources(all).map((s) => s.name)).toEqual(["a", "b"]);
    expect(selectSources(all, ["b"]).map((s) => s.name)).toEqual(["b"]);
    expect(() => selectSources(all, ["c", "a"])).toThrow('no source named "c" in the config (configured: a, b)');
  });
});
