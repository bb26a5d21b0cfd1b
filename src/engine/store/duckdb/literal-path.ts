/**
 * User files opened literally by DuckDB's readers (read_csv, read_parquet, read_json, read_json_objects).
 *
 * DuckDB reads the path given to a reader as a glob pattern: `a*.csv` also loads `ab.csv`, `g[1].csv` loads
 * `g1.csv`. Every engine reader of a user's (or a connector's downloaded) file names it through `readerPath`.
 *
 * Order of operations (readerPath):
 *  1. The path is made absolute, so it can never be read as a URL (`s3://…`, `https://…`) or a home folder (`~`),
 *     and a leading `-` is just part of a name.
 *  2. Each glob character `*`, `?`, `[`, `]` becomes a one-character class (`[*]`, `[?]`, `[[]`, `[]]`), which
 *     DuckDB 1.5's glob matches literally (measured for each character, in file names and in folder names;
 *     the reader's `filename` column gives back the real name).
 *  3. The escaped path is bound (a `?` parameter) to a variable of the store's connection, named after a hash of
 *     the path; the SQL text names the variable (`getvariable('costwise_path_…')`), never the path itself.
 *     Connection variables are per connection: the SQL must run on the same store object that bound it.
 */
import { createHash } from "node:crypto";
import { resolve } from "node:path";
import type { AnalysisStore } from "../cost-store.js";
import { sql } from "../cost-store.js";

const GLOB_CHARS = /[*?[\]]/g;

/** The absolute path with DuckDB's glob characters escaped, so a reader opens exactly that file. */
export function literalGlob(path: string): string {
  return resolve(path).replace(GLOB_CHARS, (c) => `[${c}]`);
}

/** True when DuckDB would read the path as a pattern if it were not escaped. */
export function hasGlobChars(path: string): boolean {
  return /[*?[\]]/.test(path);
}

/**
 * Binds a text value to a connection variable of `store` and returns the SQL expression reading it. The name is a
 * hash of the value (hex only), so the same value reuses its variable and the text never reaches the SQL.
 */
export async function bindText(store: AnalysisStore, value: string, prefix = "costwise_v"): Promise<string> {
  const name = `${prefix}_${createHash("sha256").update(value).digest("hex").slice(0, 20)}`;
  await store.run(sql(`SET VARIABLE ${name} = ?::VARCHAR`, value));
  return `getvariable('${name}')`;
}

/** The SQL expression for a reader's path argument that opens exactly the file at `path` (see the header). */
export async function readerPath(store: AnalysisStore, path: string): Promise<string> {
  return bindText(store, literalGlob(path), "costwise_path");
}
