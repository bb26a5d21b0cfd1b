/**
 * Regular expressions with RE2 semantics, the engine that runs them: DuckDB's `regexp_matches` (allocation rules'
 * `regex` conditions) is RE2, and the governance policies (`pattern`, `forbiddenPattern`, CEL `matches()`) run here
 * on re2js, a pure-JavaScript port of RE2. So a pattern is accepted exactly when the engine can run it (`(?i)` yes,
 * look-arounds and back-references no), and matching is linear in the input: `^(a+)+$` cannot backtrack for
 * minutes on a 30-character value, as JavaScript's RegExp does.
 *
 * `test` is an unanchored search, like RegExp#test and DuckDB's regexp_matches: anchor with ^ and $ yourself.
 */
import { RE2JS } from "re2js";

export interface Re2 {
  readonly source: string;
  /** Whether the pattern matches anywhere in `s`. */
  test(s: string): boolean;
}

const cache = new Map<string, Re2>();
const CACHE_LIMIT = 1000;

/** Why `pattern` is not a valid RE2 expression (the parser's words), or undefined when it is. */
export function re2Problem(pattern: string): string | undefined {
  try {
    compileRe2(pattern);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Compiles `pattern` with RE2 syntax (cached); throws the parser's error (a plain Error) when it is not valid RE2. */
export function compileRe2(pattern: string): Re2 {
  const hit = cache.get(pattern);
  if (hit) return hit;
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern);
  } catch (e) {
    throw new Error((e as Error).message.replace(/^error parsing regexp: /, ""));
  }
  const re: Re2 = { source: pattern, test: (s: string) => compiled.matcher(s).find() };
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(pattern, re);
  return re;
}
