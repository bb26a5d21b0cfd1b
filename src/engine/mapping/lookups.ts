/**
 * Lookup tables are CSV files under data/lookups/ (see its README for sources and licenses).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { LookupTable } from "./mapping.js";

/** The package root (the folder holding package.json), from src/ or dist/src/ alike. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("costwise: package.json not found above " + import.meta.url);
    dir = up;
  }
  return dir;
}

/** Loads a two-column CSV (key,value with a header row) as a lookup table. Values hold no commas or quotes. */
export function loadLookup(file: string, source: string): LookupTable {
  const text = readFileSync(join(packageRoot(), "data", "lookups", file), "utf8").replace(/^\uFEFF/, "");
  const entries = new Map<string, string>();
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    if (i === 0 || line.trim() === "") continue;
    const comma = line.indexOf(",");
    if (comma < 0) throw new Error(`lookup ${file} line ${i + 1}: expected key,value`);
    entries.set(line.slice(0, comma).trim(), line.slice(comma + 1).trim());
  }
  return { name: file.replace(/\.csv$/, ""), source, entries };
}
