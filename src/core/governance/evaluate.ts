/**
 * Policy evaluation: pure, deterministic, one pass over normalized resources. Findings carry a stable id
 * (rule, resource, kind, tag) so runs can be compared over time (first seen → fixed).
 */
import type { Problem } from "../errors.js";
import { compileRe2, type Re2 } from "../re2.js";
import { celContext, compileCel, evalCelBool, type CompiledCel } from "./cel.js";
import type { Exemption, Policy, PolicyRule, Severity } from "./policy.js";
import type { NormalizedResource, SourceLocation } from "./resource.js";
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
  location?: SourceLocation;
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
  /** Resources at least one rule applied to. */
  checked: number;
  /** Checked resources without an error or warning finding (after exemptions). */
  compliant: number;
  findings: number;
  blocking: number;
  bySeverity: Record<Severity, number>;
  unresolved: number;
  exempted: number;
  expiredExemptions: number;
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
  /** Per rule, the resources it applied to (one JUnit test case each). */
  checks: { ruleId: string; resourceIds: string[] }[];
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

/** Parses every CEL expression of the policy; problems carry the YAML path (`rules.2.assert`). */
export function compilePolicy(policy: Policy): { value?: CompiledPolicy; problems: Problem[] } {
  const problems: Problem[] = [];
  const rules: CompiledRule[] = policy.rules.map((rule, index) => {
    const c: CompiledRule = { rule, index };
    const cel = (src: string | undefined, path: string): CompiledCel | undefined => {
      if (src === undefined) return undefined;
      const r = compileCel(src);
      if (r.error) problems.push({ code: "BAD_CEL", message: r.error, path });
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
  const checked = new Set<string>();
  const perRule = compiled.rules.map(() => [] as string[]);

  for (const r of resources) {
    let ctx: Record<string, unknown> | undefined;
    const context = (): Record<string, unknown> => (ctx ??= celContext(r));
    const emit = (rule: PolicyRule, kind: FindingKind, message: string, extra: Partial<Finding> = {}): void => {
      const severity: Severity = kind === "unresolved" ? policy.unresolved : rule.severity;
      const f: Finding = {
        id: stableId(`${rule.id}\u0000${r.id}\u0000${kind}\u0000${extra.tag ?? ""}`),
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
      if (r.arn) f.arn = r.arn;
      if (r.account) f.account = r.account;
      if (r.region) f.region = r.region;
      raw.push(f);
    };
    const keyless = r.unresolved.filter((u) => u.key === undefined);

    for (const c of compiled.rules) {
      const rule = c.rule;
      const m = rule.match;
      if (m?.types ? !matchesAnyGlob(r.type, m.types) : !r.taggable) continue;
      if (m?.resources && !matchesAnyGlob(r.id, m.resources) && !(r.arn && matchesAnyGlob(r.arn, m.resources))) continue;
      if (c.when) {
        const w = evalCelBool(c.when, context());
        if (!w.ok) {
          if (r.unresolved.length) emit(rule, "unresolved", `cannot tell whether rule applies: ${w.error} (tags not resolved statically: ${describeUnresolved(r)})`);
          else emit(rule, "eval-error", `match.when failed: ${w.error}`);
          checked.add(r.id);
          perRule[c.index]!.push(r.id);
          continue;
        }
        if (!w.value) {
          if (mayDependOnUnresolved(rule.match!.when!, r)) emit(rule, "unresolved", `cannot tell whether rule applies: \`${rule.match!.when}\` reads tags not resolved statically (${describeUnresolved(r)})`);
          continue;
        }
      }
      checked.add(r.id);
      perRule[c.index]!.push(r.id);

      if (rule.require) {
        for (const key of rule.require) {
          if (Object.hasOwn(r.tags, key) || r.unresolved.some((u) => u.key === key)) continue;
          if (keyless.length) {
            emit(rule, "unresolved", `tag "${key}" may come from ${keyless.map((u) => `\`${u.expression}\``).join(", ")}, which cannot be resolved statically`, { tag: key });
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
        const value = r.tags[key];
        if (value === undefined) {
          const u = r.unresolved.find((x) => x.key === key);
          if (u) emit(rule, "unresolved", `value of tag "${key}" is \`${u.expression}\`, which cannot be resolved statically (${u.reason})`, { tag: key });
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
  for (const f of findings) {
    bySeverity[f.severity]++;
    if (f.blocking) blockingCount++;
    if (f.kind === "unresolved") unresolved++;
    if (f.severity !== "info") nonCompliant.add(f.resourceId);
  }
  return {
    findings,
    exempted,
    expiredExemptions: expired,
    blocking: blockingCount > 0,
    checkedResourceIds: [...checked],
    checks: compiled.rules.map((c) => ({ ruleId: c.rule.id, resourceIds: perRule[c.index]! })),
    summary: {
      resources: resources.length,
      checked: checked.size,
      compliant: checked.size - [...nonCompliant].filter((id) => checked.has(id)).length,
      findings: findings.length,
      blocking: blockingCount,
      bySeverity,
      unresolved,
      exempted: exempted.length,
      expiredExemptions: expired.length,
    },
  };
}

/**
 * Whether a CEL expression's outcome may change once unresolved tags are known: some tags are unknown
 * wholesale (`tags = var.tags`), or the expression names a tag whose value is unknown.
 */
function mayDependOnUnresolved(source: string, r: NormalizedResource): boolean {
  if (r.unresolved.length === 0 || !/\btags\b/.test(source)) return false;
  if (r.unresolved.some((u) => u.key === undefined)) return true;
  return r.unresolved.some((u) => {
    const k = u.key!;
    return source.includes(`tags.${k}`) || source.includes(`"${k}"`) || source.includes(`'${k}'`);
  });
}

function describeUnresolved(r: NormalizedResource): string {
  return r.unresolved.map((u) => (u.key ? `${u.key} = \`${u.expression}\`` : `\`${u.expression}\``)).join(", ");
}
