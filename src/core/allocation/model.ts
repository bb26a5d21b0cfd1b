/**
 * The allocation model: costwise.yaml's `allocation:` section checked and compiled into what the SQL
 * generator needs (src/engine/allocation/sql.ts). Pure: problems are returned as values.
 *
 * Semantics
 * - Dimensions: owner dimensions, the first is the primary one (default team). `__unallocated__` is the
 *   primary owner of every row no rule claims.
 * - Tags: every rule, coverage figure and dimension fallback reads *normalized* tags: key = lower-cased,
 *   trimmed raw key, aliases folded into their canonical key; value = trimmed, case-folded (valueCase, per key
 *   `values.<key>.case`), mapped through `values.<key>.map`, empty = absent; when absent, inherited from
 *   `accountDefaults[SubAccountId]`, then `resourceGroupDefaults[<resource group in ResourceId>]`.
 *   When several raw keys fold into one canonical key, the canonical spelling wins, then aliases in the order
 *   listed; among raw keys differing only in case or surrounding spaces, the first in the row's Tags.
 * - Rules: ordered; the first rule whose conditions all hold claims the row (declared precedence = file
 *   order). Condition targets: a cost-table column by name (FOCUS or x_), or `tag:<key>` (normalized).
 *   Values of tag conditions are normalized like tag values; glob/regex are used as written (regex: RE2).
 *   `set` gives owner dimensions; "${tag:<key>}" takes the row's normalized tag value and makes the rule
 *   match only rows that have it. Dimensions a rule does not set fall back to the normalized tag of the
 *   same name (not the primary dimension: the primary comes from rules only).
 * - Shared rules (`shared:`) put the rows they claim into a pool that is split per billing period and
 *   currency over receivers (values of the primary dimension): even, proportional to the receivers' direct
 *   cost (weightMetric) or fixed percentages; largest remainder in minor units (./split.ts).
 */
import type { AllocationConfig, AllocationRuleConfig, MatchCondition, SplitMethod } from "../config/sections/allocation.js";
import { allocationSection } from "../config/sections/allocation.js";
import type { Problem } from "../errors.js";
import { re2Problem } from "../re2.js";
import { parseMoney } from "../money.js";

export const UNALLOCATED = "__unallocated__";
export const IDLE_OWNER = "__idle__";
export const IDLE_NAMESPACE = "__idle__";
export const IDLE_POOL = "k8s-idle";
export const IDLE_RULE_ID = "k8s:idle";
export const K8S_SOURCE = "opencost";

export type ValueCase = "lower" | "upper" | "keep";

export type ConditionTarget = { kind: "column"; column: string } | { kind: "tag"; key: string };

export type Condition =
  | { op: "in"; values: string[] }
  | { op: "not-in"; values: string[] }
  | { op: "glob"; pattern: string }
  | { op: "regex"; pattern: string }
  | { op: "present"; present: boolean };

export type SetValue = { kind: "literal"; value: string } | { kind: "tag"; key: string };

export interface CompiledRule {
  /** 1-based position: the rule's precedence. */
  index: number;
  id: string;
  conditions: { target: ConditionTarget; condition: Condition }[];
  /** Dimension -> value (only for non-shared rules). */
  set: Map<string, SetValue>;
  pool: string | null;
}

export interface PoolSpec {
  name: string;
  method: SplitMethod;
  receivers: string[] | null;
  /** fixed: receiver -> percentage (decimal string). */
  percentages: { receiver: string; weight: string }[] | null;
  ruleIds: string[];
}

export interface TagNormalization {
  /** Canonical key -> raw spellings (lower-cased, trimmed) folded into it, canonical first. */
  spellings: Map<string, string[]>;
  caseOf(key: string): ValueCase;
  valueMap(key: string): Map<string, string>;
  accountDefaults: Map<string, Map<string, string>>;
  resourceGroupDefaults: Map<string, Map<string, string>>;
}

export interface AllocationModel {
  config: AllocationConfig;
  dimensions: string[];
  primary: string;
  rules: CompiledRule[];
  pools: Map<string, PoolSpec>;
  tags: TagNormalization;
  /** Canonical tag keys the SQL must normalize (rules, dimension fallbacks, coverage). */
  tagKeys: string[];
  clusters: { name: string; conditions: { target: ConditionTarget; condition: Condition }[] }[];
}

export function defaultAllocationConfig(): AllocationConfig {
  return allocationSection.parse({});
}

const TEMPLATE_RE = /^\$\{tag:([^}]+)\}$/;

export function canonicalKeyOf(raw: string, aliasToCanonical: Map<string, string>): string {
  const k = raw.trim().toLowerCase();
  return aliasToCanonical.get(k) ?? k;
}

/** Normalizes a literal tag value as the SQL does (trim, case, value map). */
export function normalizeTagValue(tags: TagNormalization, key: string, value: string): string {
  let v = value.trim();
  const c = tags.caseOf(key);
  if (c === "lower") v = v.toLowerCase();
  else if (c === "upper") v = v.toUpperCase();
  return tags.valueMap(key).get(v) ?? v;
}

/**
 * Checks `config` (with `rules` already replaced by a rules file's, when there is one) against the cost
 * table's columns and compiles it. `where` prefixes problem paths (e.g. "allocation" or a rules file name).
 */
export function compileAllocation(
  config: AllocationConfig,
  knownColumns: readonly string[],
): { model: AllocationModel | null; problems: Problem[] } {
  const problems: Problem[] = [];
  const dims = config.dimensions;
  const primary = dims[0]!;
  if (new Set(dims).size !== dims.length) problems.push({ code: "DUPLICATE_DIMENSION", message: "dimensions must be distinct", path: "allocation.dimensions" });

  const { tags, canon } = compileTagNormalization(config, problems);

  const tagKeys = new Set<string>();
  const columns = new Set(knownColumns);
  const compileConditions = (match: Record<string, MatchCondition>, path: string, ruleName: string): { target: ConditionTarget; condition: Condition }[] => {
    const out: { target: ConditionTarget; condition: Condition }[] = [];
    for (const [name, cond] of Object.entries(match)) {
      let target: ConditionTarget;
      if (name.startsWith("tag:")) {
        const key = canon(name.slice(4));
        if (!key) {
          problems.push({ code: "BAD_MATCH", message: `"${name}" names no tag key`, path: `${path}.${name}` });
          continue;
        }
        target = { kind: "tag", key };
        tagKeys.add(key);
      } else if (columns.has(name)) {
        target = { kind: "column", column: name };
      } else {
        const near = [...columns].find((c) => c.toLowerCase() === name.toLowerCase()) ?? [...columns].find((c) => editDistance(c.toLowerCase(), name.toLowerCase()) <= 2);
        problems.push({
          code: "UNKNOWN_COLUMN",
          message: `"${name}" is not a cost-table column${near ? ` (did you mean "${near}"?)` : ""}; use a FOCUS column name or tag:<key>`,
          path: `${path}.${name}`,
        });
        continue;
      }
      const norm = (v: string): string => (target.kind === "tag" ? normalizeTagValue(tags, target.key, v) : v);
      let condition: Condition;
      if (typeof cond === "string") condition = { op: "in", values: [norm(cond)] };
      else if (Array.isArray(cond)) condition = { op: "in", values: cond.map(norm) };
      else if ("glob" in cond) condition = { op: "glob", pattern: cond.glob };
      else if ("regex" in cond) {
        // checked with RE2's syntax: the store runs it with DuckDB's regexp_matches, which is RE2
        const why = re2Problem(cond.regex);
        if (why !== undefined) {
          problems.push({
            code: "BAD_REGEX",
            message: `${ruleName}: regex ${JSON.stringify(cond.regex)} is not a valid regular expression for RE2 (DuckDB runs it with RE2): ${why}`,
            path: `${path}.${name}.regex`,
          });
        }
        condition = { op: "regex", pattern: cond.regex };
      } else if ("present" in cond) condition = { op: "present", present: cond.present };
      else condition = { op: "not-in", values: (Array.isArray(cond.not) ? cond.not : [cond.not]).map(norm) };
      out.push({ target, condition });
    }
    return out;
  };

  const rules: CompiledRule[] = [];
  const pools = new Map<string, PoolSpec>();
  const ids = new Set<string>();
  config.rules.forEach((r: AllocationRuleConfig, i: number) => {
    const path = `allocation.rules[${i}]`;
    if (ids.has(r.id)) problems.push({ code: "DUPLICATE_RULE_ID", message: `rule id "${r.id}" is used twice`, path: `${path}.id` });
    ids.add(r.id);
    const conditions = compileConditions(r.match, `${path}.match`, `rule "${r.id}" (#${i + 1})`);
    const set = new Map<string, SetValue>();
    let pool: string | null = null;
    if (r.shared && r.set) problems.push({ code: "SHARED_AND_SET", message: "a rule either sets owners or marks costs shared, not both", path: `${path}.set` });
    if (!r.shared && !r.set) problems.push({ code: "NO_OWNER", message: `a rule needs set (owner dimensions) or shared`, path });
    for (const [dim, value] of Object.entries(r.set ?? {})) {
      if (!dims.includes(dim)) {
        problems.push({ code: "UNKNOWN_DIMENSION", message: `"${dim}" is not an owner dimension (dimensions: ${dims.join(", ")})`, path: `${path}.set.${dim}` });
        continue;
      }
      const m = TEMPLATE_RE.exec(value.trim());
      if (m) {
        const key = canon(m[1]!);
        tagKeys.add(key);
        set.set(dim, { kind: "tag", key });
        // the template makes the rule require the tag
        conditions.push({ target: { kind: "tag", key }, condition: { op: "present", present: true } });
      } else if (value.includes("${")) {
        problems.push({ code: "BAD_TEMPLATE", message: `"${value}": a template is exactly "\${tag:<key>}"`, path: `${path}.set.${dim}` });
      } else set.set(dim, { kind: "literal", value });
    }
    if (r.set && !r.shared && !(primary in r.set)) {
      problems.push({ code: "NO_PRIMARY", message: `the rule must set the primary dimension "${primary}"`, path: `${path}.set` });
    }
    if (r.shared) {
      const s = r.shared;
      pool = s.pool ?? r.id;
      if (pool === IDLE_POOL) problems.push({ code: "RESERVED_POOL", message: `pool name "${IDLE_POOL}" is reserved for Kubernetes idle cost`, path: `${path}.shared.pool` });
      const percentages = fixedPercentages(s, path, problems);
      const spec: PoolSpec = { name: pool, method: s.method, receivers: s.receivers ?? null, percentages, ruleIds: [r.id] };
      const prev = pools.get(pool);
      if (prev) {
        if (prev.method !== spec.method || JSON.stringify(prev.receivers) !== JSON.stringify(spec.receivers) || JSON.stringify(prev.percentages) !== JSON.stringify(spec.percentages)) {
          problems.push({ code: "POOL_CONFLICT", message: `pool "${pool}" is defined differently by rules ${prev.ruleIds.join(", ")} and ${r.id}`, path: `${path}.shared` });
        }
        prev.ruleIds.push(r.id);
      } else pools.set(pool, spec);
    }
    rules.push({ index: i + 1, id: r.id, conditions, set, pool });
  });

  // dimension fallbacks read the tag of the same name
  for (const d of dims.slice(1)) tagKeys.add(d);
  for (const t of config.coverage.requiredTags) tagKeys.add(canon(t));

  const clusters = config.kubernetes.clusters.map((c, i) => ({ name: c.name, conditions: compileConditions(c.match, `allocation.kubernetes.clusters[${i}].match`, `kubernetes cluster "${c.name}"`) }));
  for (const [i, u] of config.unitCosts.entries()) {
    for (const d of [...Object.keys(u.filter), u.serviceDimension, u.environmentDimension]) {
      if (!dims.includes(d)) problems.push({ code: "UNKNOWN_DIMENSION", message: `"${d}" is not an owner dimension (dimensions: ${dims.join(", ")})`, path: `allocation.unitCosts[${i}]` });
    }
  }

  if (problems.length > 0) return { model: null, problems };
  return {
    model: { config, dimensions: dims, primary, rules, pools, tags, tagKeys: [...tagKeys].sort(), clusters },
    problems,
  };
}

/**
 * Tag normalization of `config.tags`: canonical keys and their spellings (aliases folded, conflicts reported),
 * value case and value maps per key, account and resource-group defaults normalized like tag values.
 */
function compileTagNormalization(config: AllocationConfig, problems: Problem[]): { tags: TagNormalization; canon: (k: string) => string } {
  const aliasToCanonical = new Map<string, string>();
  const spellings = new Map<string, string[]>();
  for (const [canonicalRaw, aliases] of Object.entries(config.tags.aliases)) {
    const canonical = canonicalRaw.trim().toLowerCase();
    const list = [canonical];
    for (const a of aliases) {
      const k = a.trim().toLowerCase();
      const prev = aliasToCanonical.get(k);
      if (prev !== undefined && prev !== canonical) {
        problems.push({ code: "ALIAS_CONFLICT", message: `tag key "${a}" is an alias of both "${prev}" and "${canonical}"`, path: `allocation.tags.aliases.${canonicalRaw}` });
      }
      aliasToCanonical.set(k, canonical);
      if (!list.includes(k)) list.push(k);
    }
    if (aliasToCanonical.has(canonical) && aliasToCanonical.get(canonical) !== canonical) {
      problems.push({ code: "ALIAS_CONFLICT", message: `"${canonical}" is both a canonical key and an alias of "${aliasToCanonical.get(canonical)}"`, path: `allocation.tags.aliases.${canonicalRaw}` });
    }
    spellings.set(canonical, list);
  }
  const canon = (k: string): string => canonicalKeyOf(k, aliasToCanonical);
  const valueConfigs = new Map(Object.entries(config.tags.values).map(([k, v]) => [canon(k), v]));
  const caseOf = (key: string): ValueCase => valueConfigs.get(key)?.case ?? config.tags.valueCase;
  const mapCache = new Map<string, Map<string, string>>();
  const tags: TagNormalization = {
    spellings,
    caseOf,
    valueMap: (key) => {
      let m = mapCache.get(key);
      if (!m) {
        m = new Map();
        const c = caseOf(key);
        for (const [from, to] of Object.entries(valueConfigs.get(key)?.map ?? {})) {
          const f = from.trim();
          m.set(c === "lower" ? f.toLowerCase() : c === "upper" ? f.toUpperCase() : f, to);
        }
        mapCache.set(key, m);
      }
      return m;
    },
    accountDefaults: new Map(),
    resourceGroupDefaults: new Map(),
  };
  const normDefaults = (src: Record<string, Record<string, string>>, lowerKey: boolean): Map<string, Map<string, string>> =>
    new Map(
      Object.entries(src).map(([id, kv]) => [
        lowerKey ? id.toLowerCase() : id,
        new Map(Object.entries(kv).map(([k, v]) => [canon(k), normalizeTagValue(tags, canon(k), v)])),
      ]),
    );
  tags.accountDefaults = normDefaults(config.tags.accountDefaults, false);
  tags.resourceGroupDefaults = normDefaults(config.tags.resourceGroupDefaults, true);
  return { tags, canon };
}

/** The receivers' weights of a `fixed` split (checked: numbers, not negative, summing to exactly 100); null for other methods. */
function fixedPercentages(s: NonNullable<AllocationRuleConfig["shared"]>, path: string, problems: Problem[]): { receiver: string; weight: string }[] | null {
  let percentages: { receiver: string; weight: string }[] | null = null;
  if (s.method === "fixed") {
    if (!s.percentages || Object.keys(s.percentages).length === 0) {
      problems.push({ code: "NO_PERCENTAGES", message: "method fixed needs percentages: { <owner>: <percent> }", path: `${path}.shared` });
    } else {
      percentages = [];
      let sum = 0n;
      for (const [rcv, p] of Object.entries(s.percentages)) {
        let v: bigint;
        try {
          v = parseMoney(p);
        } catch {
          problems.push({ code: "BAD_PERCENTAGE", message: `"${p}" is not a number`, path: `${path}.shared.percentages.${rcv}` });
          continue;
        }
        if (v < 0n) problems.push({ code: "BAD_PERCENTAGE", message: "percentages must not be negative", path: `${path}.shared.percentages.${rcv}` });
        sum += v;
        percentages.push({ receiver: rcv, weight: p });
      }
      if (sum !== parseMoney("100")) problems.push({ code: "PERCENTAGES_SUM", message: `percentages must sum to exactly 100`, path: `${path}.shared.percentages` });
    }
  } else if (s.percentages) {
    problems.push({ code: "PERCENTAGES_UNUSED", message: `percentages apply to method fixed only`, path: `${path}.shared.percentages` });
  }
  return percentages;
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}
