/**
 * Reads and validates a policy file (YAML). Every problem is reported at once with file:line:col, the key path
 * and what was expected (YAML syntax, schema, "did you mean" for unknown keys, CEL syntax, bad regexes), the
 * same way costwise.yaml is checked (src/engine/config/load-config.ts).
 */
import { existsSync, readFileSync } from "node:fs";
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import type { z } from "zod";
import { CostwiseError } from "../../core/errors.js";
import { celProblems, compilePolicy, type CompiledPolicy, type PolicyProblem } from "../../core/governance/evaluate.js";
import { policySchema, type Policy } from "../../core/governance/policy.js";
import { nearMiss } from "../../core/governance/text.js";

export interface LoadedPolicy {
  file: string;
  policy: Policy;
  compiled: CompiledPolicy;
}

export function loadPolicyFile(file: string): LoadedPolicy {
  // a policy path is something the user typed: a usage error (exit 2), like an unknown option
  if (!existsSync(file)) throw new CostwiseError("USAGE", `policy file ${file} does not exist (pass --policy <file> or set governance.policy in costwise.yaml)`, { location: { file } });
  return parsePolicy(readFileSync(file, "utf8"), file);
}

interface Located {
  key: string;
  line: number | undefined;
  col: number | undefined;
  message: string;
}

export function parsePolicy(text: string, file = "policy.yaml"): LoadedPolicy {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const at = lc.linePos(e.pos[0]);
      return { key: "(yaml)", line: at.line, col: at.col, message: e.message.split("\n")[0] ?? "invalid YAML" };
    });
    throw located(file, "is not valid YAML", problems);
  }
  const raw: unknown = doc.toJS() ?? null;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw located(file, "is not a policy", [{ key: "(top level)", line: 1, col: 1, message: "expected a mapping with `rules:` (see docs/governance.md)" }]);
  }
  const locate = (p: PolicyProblem): Located => {
    const path = (p.path ?? "").split(".").map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    const node = nodeAt(doc.contents, path, true);
    let start = node?.range?.[0];
    // point at the offending name inside a one-line CEL string (plain or quoted; block scalars: the value start)
    if (start !== undefined && p.offset !== undefined && isScalar(node)) {
      if (node.type === "PLAIN") start += p.offset;
      else if (node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE") start += p.offset + 1;
    }
    const pos = start !== undefined ? lc.linePos(start) : undefined;
    return { key: keyText(path), line: pos?.line, col: pos?.col, message: p.message };
  };
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) {
    // report every problem at once: CEL text is checked on the raw document too, so a CEL syntax error is not
    // hidden behind an unrelated schema problem
    const problems = parsed.error.issues.map((i) => describeIssue(i, doc.contents, lc));
    const seen = new Set(problems.map((p) => p.key));
    for (const p of rawCelProblems(raw)) {
      const l = locate(p);
      if (!seen.has(l.key)) problems.push(l);
    }
    throw located(file, "is not a valid policy", problems);
  }
  const compiled = compilePolicy(parsed.data);
  if (!compiled.value) throw located(file, "is not a valid policy", compiled.problems.map(locate));
  return { file, policy: parsed.data, compiled: compiled.value };
}

/** CEL problems of the `assert` and `match.when` strings of a policy that failed the schema. */
function rawCelProblems(raw: object): PolicyProblem[] {
  const rules = (raw as { rules?: unknown }).rules;
  if (!Array.isArray(rules)) return [];
  const out: PolicyProblem[] = [];
  rules.forEach((r: unknown, i) => {
    if (typeof r !== "object" || r === null) return;
    const rule = r as { assert?: unknown; match?: { when?: unknown } };
    if (typeof rule.assert === "string" && rule.assert !== "") out.push(...celProblems(rule.assert, `rules.${i}.assert`).problems);
    const when = typeof rule.match === "object" && rule.match !== null ? rule.match.when : undefined;
    if (typeof when === "string" && when !== "") out.push(...celProblems(when, `rules.${i}.match.when`).problems);
  });
  return out;
}

function located(file: string, what: string, problems: Located[]): CostwiseError {
  const lines = problems.map((p) => `${file}${p.line ? `:${p.line}:${p.col ?? 1}` : ""} ${p.key}: ${p.message}`);
  const first = problems[0];
  return new CostwiseError("BAD_CONFIG", `${file} ${what} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  ${lines.join("\n  ")}`, {
    location: { file, ...(first?.line ? { line: first.line } : {}), ...(first ? { column: first.key } : {}) },
    details: { problems },
  });
}

function keyText(path: (string | number)[]): string {
  return path.length ? path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("").replace(/^\./, "") : "(top level)";
}

const RULE_KEYS = ["id", "description", "severity", "match", "require", "tag", "allowed", "pattern", "forbidden", "forbiddenPattern", "assert", "message", "remediation"];
const KEYS_BY_CONTEXT: Record<string, string[]> = {
  "": ["version", "blocking", "unresolved", "rules", "exemptions", "remediation"],
  rules: RULE_KEYS,
  match: ["types", "resources", "when"],
  exemptions: ["resources", "rules", "expires", "reason"],
  remediation: ["default", "from", "overwrite", "accounts", "stackTagKeys", "mappings"],
  mappings: ["tag", "value", "resources", "set"],
};

function describeIssue(issue: z.core.$ZodIssue, root: unknown, lc: LineCounter): Located {
  let path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p)) as (string | number)[];
  let message = issue.message;
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys;
    path = [...path, keys[0]!];
    const ctxKey = [...issue.path].reverse().find((p) => typeof p === "string") as string | undefined;
    const allowed = KEYS_BY_CONTEXT[ctxKey ?? ""] ?? [];
    const near = nearMiss(keys[0]!, allowed);
    message = `unknown key${keys.length > 1 ? "s" : ""} ${keys.map((k) => `"${k}"`).join(", ")}${near ? ` (did you mean "${near}"?)` : allowed.length ? `; expected one of ${allowed.join(", ")}` : ""}`;
  } else if (issue.code === "invalid_value" && "values" in issue) {
    message = `${message}`;
  }
  const node = nodeAt(root, path, false);
  const pos = node?.range ? lc.linePos(node.range[0]) : undefined;
  return { key: keyText(path), line: pos?.line, col: pos?.col, message };
}

/** The YAML node at a path: the value node when `preferValue` (for CEL text), else the key node of the last segment. */
function nodeAt(root: unknown, path: (string | number)[], preferValue: boolean): Node | undefined {
  let node: unknown = root;
  let last: Node | undefined = isNodeLike(root) ? root : undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return last;
      last = (isNodeLike(pair.key) ? pair.key : last) as Node | undefined;
      node = pair.value;
      if (isNodeLike(node) && !isMap(node) && !isSeq(node) && preferValue) last = node;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)];
      if (item === undefined) return last;
      node = item;
      if (isNodeLike(item)) last = item;
    } else return last;
  }
  return last;
}

function isNodeLike(v: unknown): v is Node {
  return typeof v === "object" && v !== null && "range" in v;
}
