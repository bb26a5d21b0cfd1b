/**
 * The allocation configuration actually in force: costwise.yaml's `allocation:` section, with `rules`
 * taken from the rules file when `rulesFile` (or `--rules`) names one, checked and compiled.
 *
 * A rules file is YAML holding `rules: [...]` (the same rule shape as inline rules). Problems name the
 * file, line and key.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { isMap, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import { z } from "zod";
import { compileAllocation, defaultAllocationConfig, type AllocationModel } from "../../core/allocation/model.js";
import { allocationRule, type AllocationConfig } from "../../core/config/sections/allocation.js";
import type { CostwiseConfig } from "../../core/config/schema.js";
import { CostwiseError } from "../../core/errors.js";
import { KNOWN_COLUMNS } from "./sql.js";

export interface LoadedAllocation {
  model: AllocationModel;
  /** sha256 of the canonical JSON of the effective configuration. */
  hash: string;
  configJson: string;
  /** The rules file's text (or costwise.yaml's allocation section as JSON when rules are inline). */
  sourceText: string | null;
  sourceFile: string | null;
}

const rulesFileSchema = z.strictObject({ rules: z.array(allocationRule) });

/** Parses a rules file's text. */
export function parseRulesFile(text: string, file: string): AllocationConfig["rules"] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const at = lc.linePos(e.pos[0]);
    throw new CostwiseError("BAD_CONFIG", `${file}:${at.line}:${at.col}: not valid YAML: ${e.message.split("\n")[0]}`, { location: { file, line: at.line } });
  }
  const parsed = rulesFileSchema.safeParse(doc.toJS() ?? {});
  if (parsed.success) return parsed.data.rules;
  const lines = parsed.error.issues.map((i) => {
    const path = i.path.map((x) => (typeof x === "symbol" ? String(x) : x));
    const extra = i.code === "unrecognized_keys" ? [i.keys[0]!] : [];
    const node = nodeAt(doc.contents, [...path, ...extra]);
    const pos = node?.range ? lc.linePos(node.range[0]) : undefined;
    const key = [...path, ...extra].map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("").replace(/^\./, "") || "(top level)";
    return { text: `${file}${pos ? `:${pos.line}:${pos.col}` : ""} ${key}: ${i.message}`, line: pos?.line, key };
  });
  throw new CostwiseError("BAD_CONFIG", `${file} has ${lines.length} problem${lines.length === 1 ? "" : "s"}:\n  ${lines.map((l) => l.text).join("\n  ")}`, {
    location: { file, ...(lines[0]!.line ? { line: lines[0]!.line } : {}), column: lines[0]!.key },
  });
}

function nodeAt(root: unknown, path: (string | number)[]): Node | undefined {
  let node = root as Node | undefined;
  for (const p of path) {
    if (isMap(node)) {
      const pair = node.items.find((it) => (it.key as { value?: unknown } | null)?.value === p);
      node = (pair?.value ?? pair?.key) as Node | undefined;
    } else if (isSeq(node) && typeof p === "number") node = node.items[p] as Node | undefined;
    else return node;
  }
  return node;
}

/**
 * The effective allocation config and its compiled model. `rulesOverride` (a path) replaces the rules
 * (used by `allocate --rules` and `--preview`); relative paths resolve against `baseDir`.
 */
export function loadAllocation(config: CostwiseConfig, baseDir: string, rulesOverride?: string): LoadedAllocation {
  const section: AllocationConfig = config.allocation ?? defaultAllocationConfig();
  const rulesPath = rulesOverride ? resolve(process.cwd(), rulesOverride) : section.rulesFile ? resolve(baseDir, section.rulesFile) : undefined;
  let effective = section;
  let sourceText: string | null = null;
  if (rulesPath) {
    if (!existsSync(rulesPath)) throw new CostwiseError("BAD_CONFIG", `rules file ${rulesPath} does not exist`, { location: { file: rulesPath } });
    sourceText = readFileSync(rulesPath, "utf8");
    effective = { ...section, rules: parseRulesFile(sourceText, rulesPath) };
  }
  return compileLoaded(effective, sourceText, rulesPath ?? null);
}

export function compileLoaded(effective: AllocationConfig, sourceText: string | null, sourceFile: string | null): LoadedAllocation {
  const { model, problems } = compileAllocation(effective, KNOWN_COLUMNS);
  if (!model) {
    const where = sourceFile ?? "costwise.yaml";
    const lineOf = ruleLines(sourceText, sourceFile);
    throw new CostwiseError("BAD_CONFIG", `allocation rules in ${where} have ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n  ${problems.map((p) => `${lineOf(p.path)}${p.path ?? ""}: ${p.message}`).join("\n  ")}`, {
      location: { file: where, ...(problems[0]?.path ? { column: problems[0].path } : {}) },
      details: { problems },
    });
  }
  const configJson = canonicalJson(effective);
  const hash = createHash("sha256").update(configJson).digest("hex");
  return { model, hash, configJson, sourceText: sourceText ?? JSON.stringify(effective, null, 2), sourceFile };
}

/** JSON with object keys sorted (arrays keep their order: rule order is precedence). */
export function canonicalJson(v: unknown): string {
  const norm = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(norm);
    if (x && typeof x === "object") return Object.fromEntries(Object.keys(x).sort().map((k) => [k, norm((x as Record<string, unknown>)[k])]));
    return x;
  };
  return JSON.stringify(norm(v));
}

/** "file:line: " for a problem path inside a rules file's `rules` (allocation.rules[i]...), else "". */
function ruleLines(text: string | null, file: string | null): (path: string | undefined) => string {
  if (!text || !file) return () => "";
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  return (path) => {
    const m = path ? /^allocation\.rules\[(\d+)\](.*)$/.exec(path) : null;
    if (!m) return "";
    const rest = [...m[2]!.matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)].map((x) => (x[2] !== undefined ? Number(x[2]) : x[1]!));
    const node = nodeAt(doc.contents, ["rules", Number(m[1]), ...rest]);
    if (!node?.range) return "";
    const at = lc.linePos(node.range[0]);
    return `${file}:${at.line}:${at.col} `;
  };
}
