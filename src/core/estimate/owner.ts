/**
 * The owner of a planned resource from its tags, through the allocation rules (pure; the same semantics as the SQL
 * the allocation runs, src/engine/allocation/sql.ts, applied to one virtual line item).
 *
 * Order of operations:
 *  1. normalize the tags as the allocation does: key trimmed and lower-cased, aliases folded into the canonical
 *     key (canonical spelling first), value trimmed, case-folded and mapped; empty = absent;
 *  2. the virtual row's columns: ProviderName "AWS" (or the provider), RegionId, ResourceId (the cloud id when the
 *     plan knows it, else the address), ResourceType (the Terraform type); every other column is NULL;
 *  3. the first rule whose conditions all hold claims it: its primary dimension (literal or `${tag:key}`); a
 *     shared rule gives `shared:<pool>`; no rule → UNALLOCATED.
 */
import { globToRegExp } from "../governance/text.js";
import { UNALLOCATED, normalizeTagValue, type AllocationModel, type Condition, type ConditionTarget } from "../allocation/model.js";
import { compileRe2 } from "../re2.js";
import type { PlannedResource } from "./model.js";

const PROVIDER_NAMES: Record<string, string> = { aws: "AWS", azurerm: "Microsoft", google: "Google Cloud" };

export function ownerClassifier(model: AllocationModel | null): (r: PlannedResource) => string {
  if (model === null) return () => UNALLOCATED;
  const aliasToCanonical = new Map<string, string>();
  for (const [canonical, spellings] of model.tags.spellings) for (const s of spellings) aliasToCanonical.set(s, canonical);
  const globs = new Map<string, RegExp>();
  return (r) => {
    const tags = new Map<string, string>();
    const rank = new Map<string, number>();
    for (const [raw, value] of Object.entries(r.tags)) {
      const k = raw.trim().toLowerCase();
      const canonical = aliasToCanonical.get(k) ?? k;
      const order = model.tags.spellings.get(canonical)?.indexOf(k) ?? 0;
      const v = normalizeTagValue(model.tags, canonical, value);
      if (v === "") continue;
      if (!rank.has(canonical) || order < rank.get(canonical)!) {
        rank.set(canonical, order);
        tags.set(canonical, v);
      }
    }
    const columns: Record<string, string | null> = {
      ProviderName: PROVIDER_NAMES[r.provider] ?? r.provider,
      RegionId: r.region,
      ResourceId: r.cloudId ?? r.address,
      ResourceType: r.type,
    };
    const valueOf = (t: ConditionTarget): string | null => (t.kind === "tag" ? (tags.get(t.key) ?? null) : (columns[t.column] ?? null));
    const holds = (v: string | null, c: Condition): boolean => {
      switch (c.op) {
        case "in":
          return v !== null && c.values.includes(v);
        case "not-in":
          return v === null || !c.values.includes(v);
        case "glob": {
          let re = globs.get(c.pattern);
          if (!re) globs.set(c.pattern, (re = globToRegExp(c.pattern)));
          return v !== null && re.test(v);
        }
        case "regex":
          return v !== null && compileRe2(c.pattern).test(v);
        case "present":
          return c.present ? v !== null && v !== "" : v === null || v === "";
      }
    };
    for (const rule of model.rules) {
      if (!rule.conditions.every((c) => holds(valueOf(c.target), c.condition))) continue;
      if (rule.pool !== null) return `shared:${rule.pool}`;
      const set = rule.set.get(model.primary);
      if (!set) continue;
      if (set.kind === "literal") return set.value;
      const v = tags.get(set.key);
      if (v) return v;
    }
    return UNALLOCATED;
  };
}
