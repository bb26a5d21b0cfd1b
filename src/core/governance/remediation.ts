/**
 * Remediation proposals (pure): for each fixable finding, the tag to write and where the value comes from.
 *
 *  - missing tag → the first value found, in the rule's `remediation.from` order (default: stack, mapping,
 *    account, default): the value every tagged sibling in the same CloudFormation/Terraform stack agrees on
 *    (stack = a `remediation.stackTagKeys` tag); the mapping table (`remediation.mappings`); the account's
 *    tags in `remediation.accounts`; the rule's `remediation.default`.
 *  - misspelled value ("did you mean") → the allowed value, but only when the rule says
 *    `remediation: { overwrite: true }`; otherwise the proposal is listed as blocked, never applied.
 * Never removes a tag; never replaces an existing value unless the policy allows it. Unresolved findings,
 * forbidden values and failed assertions get no automatic fix.
 */
import type { Finding } from "./evaluate.js";
import { INHERIT_SOURCES, type InheritSource, type Policy } from "./policy.js";
import type { NormalizedResource } from "./resource.js";
import { matchesAnyGlob, stableId } from "./text.js";

export type ProposalSource = InheritSource | "normalize";

export interface Proposal {
  /** Stable id used in approval files. */
  id: string;
  resourceId: string;
  arn?: string;
  resourceType: string;
  ruleId: string;
  findingId: string;
  tag: string;
  /** Current value (null = the tag is absent). */
  before: string | null;
  after: string;
  source: ProposalSource;
  /** Where the value came from, for people (e.g. "account 123456789012", "stack web (3 resources agree)"). */
  reason: string;
  /** Why this proposal cannot be applied (the policy forbids overwriting); absent when applicable. */
  blocked?: string;
}

export interface RemediationPlan {
  proposals: Proposal[];
  /** Findings no fix could be derived for, with why. */
  unfixable: { finding: Finding; why: string }[];
}

export function proposeRemediation(policy: Policy, findings: readonly Finding[], resources: readonly NormalizedResource[]): RemediationPlan {
  const byId = new Map(resources.map((r) => [r.id, r]));
  const rules = new Map(policy.rules.map((r) => [r.id, r]));
  const src = policy.remediation;

  // stacks: stack key value → resources in it
  const stacks = new Map<string, NormalizedResource[]>();
  const stackOf = (r: NormalizedResource): string | undefined => {
    for (const k of src.stackTagKeys) if (r.tags[k] !== undefined && r.tags[k] !== "") return `${k}=${r.tags[k]}`;
    return undefined;
  };
  for (const r of resources) {
    const s = stackOf(r);
    if (s) (stacks.get(s) ?? stacks.set(s, []).get(s)!).push(r);
  }

  const proposals: Proposal[] = [];
  const unfixable: RemediationPlan["unfixable"] = [];
  const planned = new Set<string>();

  for (const f of findings) {
    const r = byId.get(f.resourceId);
    const rule = rules.get(f.ruleId);
    if (!r || !rule || f.tag === undefined) {
      unfixable.push({ finding: f, why: f.kind === "assert-failed" ? "a CEL condition has no automatic fix" : f.kind === "unresolved" ? "cannot be decided statically" : "no tag to set" });
      continue;
    }
    const key = `${r.id}\u0000${f.tag}`;
    if (planned.has(key)) continue;
    const base = { resourceId: r.id, resourceType: r.type, ruleId: f.ruleId, findingId: f.id, tag: f.tag, ...(r.arn ? { arn: r.arn } : {}) };

    if (f.kind === "missing-tag") {
      const order: readonly InheritSource[] = rule.remediation?.from ?? INHERIT_SOURCES;
      let found: { value: string; source: InheritSource; reason: string } | undefined;
      for (const s of order) {
        found = inherit(s, f.tag, r, rule.remediation?.default, rule.id);
        if (found) break;
      }
      if (!found) {
        unfixable.push({ finding: f, why: `no value for "${f.tag}" from ${order.join(", ")}` });
        continue;
      }
      planned.add(key);
      proposals.push({ id: stableId(`${r.id}\u0000${f.tag}\u0000${found.value}`).slice(0, 12), ...base, before: null, after: found.value, source: found.source, reason: found.reason });
    } else if (f.kind === "value-not-allowed" && f.suggestion !== undefined && f.value !== undefined) {
      planned.add(key);
      const p: Proposal = {
        id: stableId(`${r.id}\u0000${f.tag}\u0000${f.suggestion}`).slice(0, 12),
        ...base,
        before: f.value,
        after: f.suggestion,
        source: "normalize",
        reason: `"${f.value}" is a near miss of the allowed value "${f.suggestion}"`,
      };
      if (!rule.remediation?.overwrite) p.blocked = `would overwrite the existing value; rule "${rule.id}" does not allow it (set remediation: { overwrite: true })`;
      proposals.push(p);
    } else {
      unfixable.push({ finding: f, why: f.kind === "value-forbidden" ? "a forbidden value needs a person to choose the right one" : f.kind === "value-not-allowed" ? "no near-miss allowed value to normalize to" : "no automatic fix" });
    }
  }
  return { proposals, unfixable };

  function inherit(s: InheritSource, tag: string, r: NormalizedResource, ruleDefault: string | undefined, ruleId: string): { value: string; source: InheritSource; reason: string } | undefined {
    switch (s) {
      case "account": {
        const v = r.account ? src.accounts?.[r.account]?.[tag] : undefined;
        return v !== undefined ? { value: v, source: s, reason: `account ${r.account} is mapped to ${tag}=${v}` } : undefined;
      }
      case "stack": {
        const st = stackOf(r);
        if (!st) return undefined;
        const values = new Set<string>();
        let n = 0;
        for (const sib of stacks.get(st) ?? []) {
          if (sib.id === r.id) continue;
          const v = sib.tags[tag];
          if (v !== undefined && v !== "") {
            values.add(v);
            n++;
          }
        }
        if (values.size !== 1) return undefined;
        const v = [...values][0]!;
        return { value: v, source: s, reason: `stack ${st}: ${n} other resource${n === 1 ? "" : "s"} agree on ${tag}=${v}` };
      }
      case "mapping": {
        for (const [i, m] of src.mappings.entries()) {
          const v = m.set[tag];
          if (v === undefined) continue;
          const byTag = m.tag !== undefined && r.tags[m.tag] !== undefined && (m.value === undefined || r.tags[m.tag] === m.value);
          const byRes = m.resources !== undefined && (matchesAnyGlob(r.id, m.resources) || (r.arn !== undefined && matchesAnyGlob(r.arn, m.resources)));
          if (byTag || byRes) return { value: v, source: s, reason: `mapping #${i + 1}${m.tag ? ` (${m.tag}${m.value !== undefined ? `=${m.value}` : ""})` : ""} sets ${tag}=${v}` };
        }
        return undefined;
      }
      case "default": {
        return ruleDefault !== undefined ? { value: ruleDefault, source: s, reason: `default of rule "${ruleId}"` } : undefined;
      }
    }
  }
}
