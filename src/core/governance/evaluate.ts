/**
 * Policy evaluation: pure, deterministic, one pass over normalized resources. Findings carry a stable id
 * (rule, resource, kind, tag) so runs can be compared over time (first seen → fixed).
 */
import type { Problem } from "../errors.js";
import { compileRe2, type Re2 } from "../re2.js";
import { celCallProblems, celContext, compileCel, evalCelBool, type CompiledCel } from "./cel.js";
import type { Exemption, Policy, PolicyRule, Severity } from "./policy.js";
import type { NormalizedResource, SkippedResource, SourceLocation } from "./resource.js";
import { matchesAnyGlob, nearMiss, stableId } from "./text.js";

export const FINDING_KINDS = ["missing-tag", "value-not-allowed", "value-forbidden", "assert-failed", "unresolved", "eval-error"] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export interface Finding {
  id: string;
  ruleId: string;
  kind: FindingKind;
  severity: Severity;
  blocking: boolean;
  resourceId: string;
  resourceType: string;
  tag?: string;
  value?: string;
  /** "did you mean" for a near miss: the allowed value or the required key that was probably meant. */
  suggestion?: string;
  message: string;
  /** Where the resource came from: the plan JSON (line when pretty-printed) or the .tf file. */
  location?: SourceLocation;
  /** Plan input: the resource's declaration in the .tf files, when the plan's configuration gives it. */
  source?: SourceLocation;
  /** An unresolved finding whose answer the plan computes during apply ("known after apply"). */
  afterApply?: boolean;
  arn?: string;
  account?: string;
  region?: string;
}

export interface ExemptedFinding {
  finding: Finding;
  exemption: { index: number; reason: string; expires: string };
}

export interface ExpiredExemption {
  index: number;
  expires: string;
  reason: string;
  resources: string[];
  rules: string[] | undefined;
  /** Findings that would have been exempted and now count again. */
  matchedFindings: number;
}

export interface EvaluationSummary {
  resources: number;
  /** Input files the resources came from (several plans in one run are counted apart: file + address). */
  files: number;
  /** Resources at least one rule applied to. */
  checked: number;
  /** Checked resources without an error or warning finding (after exemptions). */
  compliant: number;
  findings: number;
  blocking: number;
  bySeverity: Record<Severity, number>;
  unresolved: number;
  /** Of `unresolved`: findings the plan only answers after apply. */
  knownAfterApply: number;
  exempted: number;
  expiredExemptions: number;
  /** Resources no rule applied to (see `skipped` for which and why). */
  skipped: number;
}

export interface EvaluationResult {
  findings: Finding[];
  exempted: ExemptedFinding[];
  expiredExemptions: ExpiredExemption[];
  summary: EvaluationSummary;
  /** Whether any blocking finding remains (CI exit code 3). */
  blocking: boolean;
  /** Ids of the resources at least one rule applied to, for compliance rates. */
  checkedResourceIds: string[];
  /**
   * Per rule, the resources it applied to (one JUnit test case each). `cases` says which file each came from
   * (parallel to `resourceIds`): several plans may hold the same address.
   */
  checks: { ruleId: string; resourceIds: string[]; cases: CheckedCase[] }[];
  /** Resources no rule applied to, with the reason (untaggable, not in the curated list, no rule matches). */
  skipped: SkippedResource[];
}

export interface CheckedCase {
  resourceId: string;
  resourceType: string;
  file?: string;
}

/** Identity of a resource within one run: file + address (the same address may come from several plans). */
export function resourceKey(r: { id: string; location?: SourceLocation | undefined }): string {
  return r.location?.file ? `${r.location.file}\u0000${r.id}` : r.id;
}

/** Identity of a finding's resource within one run (see resourceKey). */
export function findingResourceKey(f: Finding): string {
  return f.location?.file ? `${f.location.file}\u0000${f.resourceId}` : f.resourceId;
}

const hasGlobChar = (g: string): boolean => /[*?]/.test(g);

/**
 * Whether a rule's type selection reaches a resource, or why not. Taggability the plan shows is exact: a resource
 * whose plan has no tags attribute is never held to tag rules. The curated list (.tf, runtime) is a guess: an
 * unlisted type is checked only when a rule selects it through `match.types`.
 */
function typeGate(r: NormalizedResource, types: string[] | undefined): "applies" | "no-match" | "not-taggable" | "not-in-taggable-list" {
  if (types && !matchesAnyGlob(r.type, types)) return "no-match";
  if (r.taggable) return "applies";
  if (r.taggableFrom === "plan") return "not-taggable";
  if (types) return "applies";
  return "not-in-taggable-list";
}

interface CompiledRule {
  rule: PolicyRule;
  index: number;
  when?: CompiledCel;
  assert?: CompiledCel;
  pattern?: Re2;
  forbiddenPattern?: Re2;
}

export interface CompiledPolicy {
  policy: Policy;
  rules: CompiledRule[];
}

/** A policy problem; CEL problems also carry the 0-based offset in the expression where it starts. */
export type PolicyProblem = Problem & { offset?: number };

/**
 * Parses one CEL expression and checks that every function it calls exists, so `foo(tags.Name)` is a load-time
 * problem instead of an error on every resource. Used on the validated policy and, when the schema fails, on
 * the raw YAML so a CEL syntax error is reported together with the other problems.
 */
export function celProblems(src: string, path: string): { value?: CompiledCel; problems: PolicyProblem[] } {
  const r = compileCel(src);
  if (r.error || !r.value) return { problems: [{ code: "BAD_CEL", message: r.error ?? "cannot parse", path }] };
  const calls = celCallProblems(r.value);
  if (calls.length) return { problems: calls.map((c) => ({ code: "BAD_CEL", message: `${c.message} (at character ${c.offset + 1} of \`${src}\`)`, path, offset: c.offset })) };
  return { value: r.value, problems: [] };
}

/** Parses every CEL expression of the policy; problems carry the YAML path (`rules.2.assert`). */
export function compilePolicy(policy: Policy): { value?: CompiledPolicy; problems: PolicyProblem[] } {
  const problems: PolicyProblem[] = [];
  const rules: CompiledRule[] = policy.rules.map((rule, index) => {
    const c: CompiledRule = { rule, index };
    const cel = (src: string | undefined, path: string): CompiledCel | undefined => {
      if (src === undefined) return undefined;
      const r = celProblems(src, path);
      problems.push(...r.problems);
      return r.value;
    };
    const when = cel(rule.match?.when, `rules.${index}.match.when`);
    if (when) c.when = when;
    const assert = cel(rule.assert, `rules.${index}.assert`);
    if (assert) c.assert = assert;
    // RE2, linear time: a policy's pattern cannot make a check run for minutes on a long tag value
    for (const k of ["pattern", "forbiddenPattern"] as const) {
      const p = rule[k];
      if (p === undefined || p === "") continue;
      try {
        c[k] = compileRe2(p);
      } catch (e) {
        problems.push({ code: "BAD_REGEX", message: `rule "${rule.id}": ${k} is not a valid regular expression (RE2 syntax): ${(e as Error).message}`, path: `rules.${index}.${k}` });
      }
    }
    return c;
  });
  return problems.length ? { problems } : { value: { policy, rules }, problems };
}

export interface EvaluateOptions {
  /** "Today" for exemption expiry (UTC). */
  now: Date;
}

export function evaluatePolicy(compiled: CompiledPolicy, resources: readonly NormalizedResource[], opts: EvaluateOptions): EvaluationResult {
  const { policy } = compiled;
  const blockingSet = new Set<Severity>(policy.blocking);
  const raw: Finding[] = [];
  // keyed by file + address: several plans (one per environment) share addresses
  const checked = new Map<string, string>();
  const perRule = compiled.rules.map(() => [] as string[]);
  const perRuleCases = compiled.rules.map(() => [] as CheckedCase[]);
  const skipped: SkippedResource[] = [];
  const files = new Set<string>();

  for (const r of resources) {
    const key = resourceKey(r);
    if (r.location?.file) files.add(r.location.file);
    const markChecked = (index: number): void => {
      checked.set(key, r.id);
      perRule[index]!.push(r.id);
      perRuleCases[index]!.push({ resourceId: r.id, resourceType: r.type, ...(r.location?.file ? { file: r.location.file } : {}) });
    };
    let hadFinding = false;
    let skipWhy: "not-taggable" | "not-in-taggable-list" | "no-match" | undefined;
    let ctx: Record<string, unknown> | undefined;
    const context = (): Record<string, unknown> => (ctx ??= celContext(r));
    const emit = (rule: PolicyRule, kind: FindingKind, message: string, extra: Partial<Finding> = {}): void => {
      const severity: Severity = kind === "unresolved" ? policy.unresolved : rule.severity;
      const f: Finding = {
        id: stableId(`${rule.id}\u0000${r.id}\u0000${kind}\u0000${extra.tag ?? ""}${r.location?.file ? `\u0000${r.location.file}` : ""}`),
        ruleId: rule.id,
        kind,
        severity,
        blocking: blockingSet.has(severity),
        resourceId: r.id,
        resourceType: r.type,
        message,
        ...extra,
      };
      if (r.location) f.location = r.location;
      if (r.source) f.source = r.source;
      if (r.arn) f.arn = r.arn;
      if (r.account) f.account = r.account;
      if (r.region) f.region = r.region;
      raw.push(f);
      hadFinding = true;
    };
    const keyless = r.unresolved.filter((u) => u.key === undefined);
    const keyUnresolved = (k: string) => r.unresolved.find((u) => u.key === k);
    const tagValue = (k: string): string | undefined => (Object.hasOwn(r.tags, k) ? r.tags[k] : undefined);

    for (const c of compiled.rules) {
      const rule = c.rule;
      const m = rule.match;
      const gate = typeGate(r, m?.types);
      if (gate !== "applies") {
        // the most telling reason wins: untaggable > not listed > no rule selects it
        if (gate !== "no-match") skipWhy = gate;
        else skipWhy ??= "no-match";
        continue;
      }
      if (m?.resources && !matchesAnyGlob(r.id, m.resources) && !(r.arn && matchesAnyGlob(r.arn, m.resources))) continue;
      if (c.when) {
        const w = evalCelBool(c.when, context());
        if (!w.ok) {
          if (r.unresolved.length) emit(rule, "unresolved", `cannot tell whether rule applies: ${w.error} (tags not resolved statically: ${describeUnresolved(r)})`);
          else emit(rule, "eval-error", `match.when failed: ${w.error}`);
          markChecked(c.index);
          continue;
        }
        if (!w.value) {
          if (mayDependOnUnresolved(rule.match!.when!, r)) emit(rule, "unresolved", `cannot tell whether rule applies: \`${rule.match!.when}\` reads tags not resolved statically (${describeUnresolved(r)})`);
          continue;
        }
      }
      markChecked(c.index);

      if (rule.require) {
        for (const key of rule.require) {
          if (Object.hasOwn(r.tags, key)) continue;
          const ku = keyUnresolved(key);
          if (ku) {
            // the key is set but its value is computed during apply: neither missing nor a pass
            if (ku.afterApply) emit(rule, "unresolved", `tag "${key}" is known after apply (\`${ku.expression}\` is computed during apply)`, { tag: key, afterApply: true });
            continue;
          }
          if (keyless.length) {
            const after = keyless.every((u) => u.afterApply);
            emit(
              rule,
              "unresolved",
              after
                ? `tag "${key}" is known after apply (${keyless.map((u) => `\`${u.expression}\``).join(", ")} computed during apply)`
                : `tag "${key}" may come from ${keyless.map((u) => `\`${u.expression}\``).join(", ")}, which cannot be resolved statically`,
              { tag: key, ...(after ? { afterApply: true } : {}) },
            );
            continue;
          }
          const near = nearMiss(key, Object.keys(r.tags));
          emit(rule, "missing-tag", `missing required tag "${key}"${near ? ` (found "${near}": did you mean "${key}"?)` : ""}`, {
            tag: key,
            ...(near ? { suggestion: near } : {}),
          });
        }
      } else if (rule.tag !== undefined) {
        const key = rule.tag;
        const value = tagValue(key);
        if (value === undefined) {
          const u = keyUnresolved(key) ?? (keyless.length && keyless.every((x) => x.afterApply) ? keyless[0] : undefined);
          if (u?.afterApply) emit(rule, "unresolved", `value of tag "${key}" is known after apply (\`${u.expression}\` is computed during apply)`, { tag: key, afterApply: true });
          else if (u) emit(rule, "unresolved", `value of tag "${key}" is \`${u.expression}\`, which cannot be resolved statically (${u.reason})`, { tag: key });
          continue;
        }
        if (rule.forbidden?.includes(value) || c.forbiddenPattern?.test(value)) {
          emit(rule, "value-forbidden", `tag "${key}" has forbidden value "${value}"`, { tag: key, value });
          continue;
        }
        if (rule.allowed && !rule.allowed.includes(value)) {
          const near = nearMiss(value, rule.allowed);
          emit(
            rule,
            "value-not-allowed",
            `tag "${key}" = "${value}" is not allowed${near ? ` (did you mean "${near}"?)` : `; expected one of ${rule.allowed.map((a) => `"${a}"`).join(", ")}`}`,
            { tag: key, value, ...(near ? { suggestion: near } : {}) },
          );
        } else if (c.pattern && !c.pattern.test(value)) {
          emit(rule, "value-not-allowed", `tag "${key}" = "${value}" does not match /${rule.pattern}/`, { tag: key, value });
        }
      } else if (c.assert) {
        const a = evalCelBool(c.assert, context());
        if (a.ok && a.value) continue;
        if (mayDependOnUnresolved(rule.assert!, r) || (!a.ok && r.unresolved.length)) {
          emit(rule, "unresolved", `cannot decide \`${rule.assert}\`: tags not resolved statically (${describeUnresolved(r)})`);
        } else if (!a.ok) emit(rule, "eval-error", `assert failed to evaluate: ${a.error}`);
        else emit(rule, "assert-failed", rule.message ?? `condition \`${rule.assert}\` is false`);
      }
    }
    if (!checked.has(key) && !hadFinding) {
      const why = skipWhy ?? "no-match";
      skipped.push({
        id: r.id,
        type: r.type,
        ...(r.location?.file ? { file: r.location.file } : {}),
        reason: why === "no-match" ? "no-rule-matches" : why,
        message:
          why === "not-taggable"
            ? `${r.type} takes no tags (the plan shows no tags/tags_all attribute)`
            : why === "not-in-taggable-list"
              ? `${r.type} is not in the curated list of taggable types (name it in a rule's match.types to check it)`
              : "no rule selects it (match.types, match.resources or match.when)",
      });
    }
  }

  // exemptions
  const today = opts.now.toISOString().slice(0, 10);
  const active: { e: Exemption; index: number }[] = [];
  const expired: ExpiredExemption[] = [];
  policy.exemptions.forEach((e, index) => {
    if (e.expires >= today) active.push({ e, index });
    else expired.push({ index, expires: e.expires, reason: e.reason, resources: e.resources, rules: e.rules, matchedFindings: 0 });
  });
  const covers = (e: Exemption, f: Finding): boolean =>
    (e.rules === undefined || e.rules.includes(f.ruleId)) && (matchesAnyGlob(f.resourceId, e.resources) || (f.arn !== undefined && matchesAnyGlob(f.arn, e.resources)));
  const findings: Finding[] = [];
  const exempted: ExemptedFinding[] = [];
  for (const f of raw) {
    const hit = active.find((a) => covers(a.e, f));
    if (hit) {
      exempted.push({ finding: f, exemption: { index: hit.index, reason: hit.e.reason, expires: hit.e.expires } });
      continue;
    }
    for (const x of expired) if (covers(policy.exemptions[x.index]!, f)) x.matchedFindings++;
    findings.push(f);
  }

  const bySeverity: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  const nonCompliant = new Set<string>();
  let blockingCount = 0;
  let unresolved = 0;
  let knownAfterApply = 0;
  for (const f of findings) {
    bySeverity[f.severity]++;
    if (f.blocking) blockingCount++;
    if (f.kind === "unresolved") unresolved++;
    if (f.afterApply) knownAfterApply++;
    if (f.severity !== "info") nonCompliant.add(findingResourceKey(f));
  }
  return {
    findings,
    exempted,
    expiredExemptions: expired,
    blocking: blockingCount > 0,
    checkedResourceIds: [...new Set(checked.values())],
    checks: compiled.rules.map((c) => ({ ruleId: c.rule.id, resourceIds: perRule[c.index]!, cases: perRuleCases[c.index]! })),
    skipped,
    summary: {
      resources: resources.length,
      files: files.size,
      checked: checked.size,
      compliant: checked.size - [...nonCompliant].filter((k) => checked.has(k)).length,
      findings: findings.length,
      blocking: blockingCount,
      bySeverity,
      unresolved,
      knownAfterApply,
      exempted: exempted.length,
      expiredExemptions: expired.length,
      skipped: skipped.length,
    },
  };
}

/**
 * Whether a CEL expression's outcome may change once unresolved tags are known: some tags are unknown
 * wholesale (`tags = var.tags`), or the expression names a tag whose value is unknown.
 */
function mayDependOnUnresolved(source: string, r: NormalizedResource): boolean {
  if (r.unresolved.length === 0 || !/\btags\b/.test(source)) return false;
  const keyless = r.unresolved.filter((u) => u.key === undefined);
  if (keyless.length) {
    // tags_all known only after apply still keeps the resource's own tags (they win over default_tags): an
    // expression that reads only those is decided now; anything else unknown wholesale may change the outcome
    if (!keyless.every((u) => u.afterApply)) return true;
    const refs = referencedTagKeys(source);
    if (refs === undefined || refs.some((k) => !Object.hasOwn(r.ownTags, k))) return true;
  }
  return r.unresolved.some((u) => {
    if (u.key === undefined) return false;
    const k = u.key;
    return source.includes(`tags.${k}`) || source.includes(`"${k}"`) || source.includes(`'${k}'`);
  });
}

/** The tag keys a CEL expression reads by name (`tags.a`, `tags["a"]`, `"a" in tags`); undefined when it reads tags as a whole. */
function referencedTagKeys(source: string): string[] | undefined {
  const keys: string[] = [];
  const rest = source
    .replace(/\btags\.([A-Za-z_][A-Za-z0-9_]*)(?!\s*\()/g, (_, k: string) => (keys.push(k), ""))
    .replace(/\btags\s*\[\s*(?:"([^"\\]*)"|'([^'\\]*)')\s*\]/g, (_, a: string | undefined, b: string | undefined) => (keys.push(a ?? b ?? ""), ""))
    .replace(/(?:"([^"\\]*)"|'([^'\\]*)')\s+in\s+tags\b/g, (_, a: string | undefined, b: string | undefined) => (keys.push(a ?? b ?? ""), ""));
  return /\btags\b/.test(rest) ? undefined : keys;
}

function describeUnresolved(r: NormalizedResource): string {
  return r.unresolved.map((u) => (u.key ? `${u.key} = \`${u.expression}\`` : `\`${u.expression}\``)).join(", ");
}
