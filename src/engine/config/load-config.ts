/**
 * Loads and validates costwise.yaml. Every problem is reported with the file, line and column of the
 * offending key or value and what was expected; all problems are reported at once, not only the first.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Node } from "yaml";
import type { z } from "zod";
import { CostwiseError } from "../../core/errors.js";
import { CONFIG_FILE_NAME, configSchema, defaultConfig, type CostwiseConfig } from "../../core/config/schema.js";

export interface LoadedConfig {
  config: CostwiseConfig;
  /** Absolute path of the file read, or undefined when none exists and defaults are used. */
  file: string | undefined;
  /** Directory relative paths in the config resolve against (the file's folder, else the cwd). */
  baseDir: string;
}

/**
 * Reads `path` (or ./costwise.yaml, or $COSTWISE_CONFIG). A path given explicitly must exist; the default
 * file may be absent, then defaults apply.
 */
export function loadConfig(path?: string, cwd: string = process.cwd()): LoadedConfig {
  const explicit = path ?? process.env["COSTWISE_CONFIG"];
  const file = resolve(cwd, explicit ?? CONFIG_FILE_NAME);
  if (!existsSync(file)) {
    if (explicit) throw new CostwiseError("BAD_CONFIG", `config file ${file} does not exist`, { location: { file } });
    return { config: defaultConfig(), file: undefined, baseDir: cwd };
  }
  return { config: parseConfig(readFileSync(file, "utf8"), file), file, baseDir: dirname(file) };
}

/** Parses config text; `file` is used in messages only. */
export function parseConfig(text: string, file = CONFIG_FILE_NAME): CostwiseConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const at = lineCounter.linePos(e.pos[0]);
      return `${file}${at ? `:${at.line}:${at.col}` : ""}: ${e.message.split("\n")[0]}`;
    });
    throw new CostwiseError("BAD_CONFIG", `${file} is not valid YAML:\n  ${problems.join("\n  ")}`, {
      location: { file, line: lineCounter.linePos(doc.errors[0]!.pos[0]).line },
    });
  }
  const raw: unknown = doc.toJS() ?? {};
  const parsed = configSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => describeIssue(issue, doc.contents, lineCounter, file));
  const first = problems[0]!;
  throw new CostwiseError("BAD_CONFIG", `${file} has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n  ${problems.map((p) => p.text).join("\n  ")}`, {
    location: { file, ...(first.line ? { line: first.line } : {}), column: first.key },
    details: { problems: problems.map((p) => ({ key: p.key, line: p.line, message: p.message })) },
  });
}

interface ConfigProblem {
  key: string;
  line: number | undefined;
  message: string;
  text: string;
}

function describeIssue(issue: z.core.$ZodIssue, root: unknown, lc: LineCounter, file: string): ConfigProblem {
  let path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
  let message = issue.message;
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys;
    path = [...path, keys[0]!];
    const allowed = allowedKeys(issue.path);
    message = `unknown key${keys.length > 1 ? "s" : ""} ${keys.map((k) => `"${k}"`).join(", ")}${suggest(keys[0]!, allowed)}`;
  }
  const node = nodeAt(root, path);
  const pos = node?.range ? lc.linePos(node.range[0]) : undefined;
  const key = path.length ? path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("").replace(/^\./, "") : "(top level)";
  const where = `${file}${pos ? `:${pos.line}:${pos.col}` : ""}`;
  return { key, line: pos?.line, message, text: `${where} ${key}: ${message}` };
}

/** The YAML node at a path (the key node for the last segment when it is a mapping key), for its position. */
function nodeAt(root: unknown, path: (string | number)[]): Node | undefined {
  let node: unknown = root;
  let last: Node | undefined = isNode(root) ? root : undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return last;
      last = (isNode(pair.key) ? pair.key : last) as Node | undefined;
      node = pair.value;
      if (isNode(node) && !isMap(node) && !isSeq(node)) last = node;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)];
      if (item === undefined) return last;
      node = item;
      if (isNode(item)) last = item;
    } else return last;
  }
  return last;
}

function isNode(v: unknown): v is Node {
  return typeof v === "object" && v !== null && "range" in v;
}
function isSeq(v: unknown): v is { items: unknown[] } & Node {
  return isNode(v) && Array.isArray((v as { items?: unknown }).items) && !isMap(v);
}

function allowedKeys(path: PropertyKey[]): string[] {
  let schema: unknown = configSchema;
  for (const seg of path) {
    const s = unwrap(schema);
    const shape = (s as { shape?: Record<string, unknown> } | undefined)?.shape;
    if (shape && typeof seg === "string") schema = shape[seg];
    else if (s && typeof s === "object" && "element" in s) schema = (s as { element: unknown }).element;
    else return [];
  }
  const shape = (unwrap(schema) as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}

function unwrap(s: unknown): unknown {
  let cur = s as { unwrap?: () => unknown; def?: { innerType?: unknown } } | undefined;
  for (let i = 0; i < 5 && cur; i++) {
    if (cur.def?.innerType) cur = cur.def.innerType as typeof cur;
    else break;
  }
  return cur;
}

/** ' (did you mean "x"?)' for a near miss among `allowed`, else ". Expected one of …". */
export function suggest(word: string, allowed: string[]): string {
  if (allowed.length === 0) return "";
  let best: string | undefined;
  let bestD = Infinity;
  for (const a of allowed) {
    const d = editDistance(word.toLowerCase(), a.toLowerCase());
    if (d < bestD) [best, bestD] = [a, d];
  }
  if (best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3))) return ` (did you mean "${best}"?)`;
  return `; expected one of ${allowed.map((a) => `"${a}"`).join(", ")}`;
}

export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}
