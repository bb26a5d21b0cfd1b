/**
 * From the scan's counts to one outcome per rule: row and grouped rules by their violation counts, presence rules
 * by the columns, composites (CheckModelRule through AND/OR) from the outcomes of the rules they reference.
 *
 * Order of operations in resolveOutcomes:
 *  1. rules already decided at compile time (skipped, not applicable) keep that status;
 *  2. presence rules pass when the relation has the column; a column the runner treats as absent (e.g. a
 *     Recommended column with no value in the store) makes every rule reading it not applicable;
 *  3. row and grouped rules: fail when violations > 0, else pass;
 *  4. composites, depth first with a cycle guard: AND fails when a referenced MUST rule fails, OR fails when none
 *     passes and one fails (a failed SHOULD/RECOMMENDED rule counts as passing here: it is advice); when every
 *     referenced rule was skipped or did not apply, the composite takes that status.
 */
import { assertNever } from "../../errors.js";
import type { CompiledRule } from "./compile.js";
import { isMandatoryKeyword, type CheckNode, type RuleKeyword } from "./model.js";

export const OUTCOME_STATUSES = ["pass", "fail", "not-applicable", "skipped"] as const;
export type OutcomeStatus = (typeof OUTCOME_STATUSES)[number];

export type ExampleValue = string | null;

/** One violating row: the values the rule reads (as text) and where the row came from when known. */
export interface RuleExample {
  values: Record<string, ExampleValue>;
  sourceFile?: string | null;
}

export interface RuleOutcome {
  id: string;
  keyword: RuleKeyword;
  /** The model's Function: Composite, Presence, Nullability, Type, Format, Validation. */
  function: string;
  reference: string;
  type: "Static" | "Dynamic";
  status: OutcomeStatus;
  /** Why the rule was skipped or did not apply. */
  reason?: string;
  /** Violating rows (row and grouped rules); null where rows do not apply (presence, composite, skipped). */
  violations: number | null;
  /** Grouped rules (CheckDistinctCount): the groups that break the rule. */
  violatingGroups?: number;
  /** Composites: the referenced rules that failed. */
  failedReferences?: string[];
  examples: RuleExample[];
  requirement: string;
}

export interface ScanCounts {
  /** Row rules: violation count by rule id. Grouped rules: violating rows. */
  violations: ReadonlyMap<string, number>;
  /** Grouped rules: violating groups. */
  groups: ReadonlyMap<string, number>;
  /** Columns the relation holds but that count as absent. */
  absentColumns: ReadonlySet<string>;
  examples: ReadonlyMap<string, RuleExample[]>;
}

export function resolveOutcomes(compiled: readonly CompiledRule[], counts: ScanCounts): RuleOutcome[] {
  const byId = new Map(compiled.map((c) => [c.rule.id, c]));
  const done = new Map<string, RuleOutcome>();
  const visiting = new Set<string>();

  const base = (c: CompiledRule): Omit<RuleOutcome, "status" | "violations" | "examples"> => ({
    id: c.rule.id,
    keyword: c.rule.keyword,
    function: c.rule.function,
    reference: c.rule.reference,
    type: c.rule.type,
    requirement: c.rule.mustSatisfy,
  });

  const outcome = (id: string): RuleOutcome => {
    const known = done.get(id);
    if (known) return known;
    const c = byId.get(id)!;
    if (visiting.has(id)) {
      return { ...base(c), status: "skipped", reason: "CheckModelRule references form a cycle", violations: null, examples: [] };
    }
    visiting.add(id);
    const o = decide(c);
    visiting.delete(id);
    done.set(id, o);
    return o;
  };

  const decide = (c: CompiledRule): RuleOutcome => {
    switch (c.kind) {
      case "skipped":
      case "not-applicable":
        return { ...base(c), status: c.kind, reason: c.reason, violations: null, examples: [] };
      case "presence":
        if (c.present) return { ...base(c), status: "pass", violations: null, examples: [] };
        return { ...base(c), status: "fail", reason: `${c.column} is not a column of the dataset`, violations: null, examples: [] };
      case "row":
      case "distinct": {
        const absent = c.columns.filter((x) => counts.absentColumns.has(x));
        if (absent.length > 0) {
          return {
            ...base(c),
            status: "not-applicable",
            reason: `${absent.join(", ")} ${absent.length === 1 ? "holds" : "hold"} no value in the checked rows (treated as absent)`,
            violations: null,
            examples: [],
          };
        }
        const v = counts.violations.get(c.rule.id) ?? 0;
        const groups = c.kind === "distinct" ? { violatingGroups: counts.groups.get(c.rule.id) ?? 0 } : {};
        return { ...base(c), status: v > 0 ? "fail" : "pass", violations: v, ...groups, examples: v > 0 ? (counts.examples.get(c.rule.id) ?? []) : [] };
      }
      case "composite": {
        const failed: string[] = [];
        const status = c.rule.requirement ? evalTree(c.rule.requirement, outcome, failed) : "skipped";
        const unique = [...new Set(failed)];
        const reason =
          status === "skipped" || status === "not-applicable" ? "every referenced rule was skipped or did not apply" : undefined;
        return {
          ...base(c),
          status,
          ...(reason ? { reason } : {}),
          violations: null,
          ...(unique.length > 0 ? { failedReferences: unique } : {}),
          examples: [],
        };
      }
      default:
        return assertNever(c, "compiled rule");
    }
  };

  return compiled.map((c) => outcome(c.rule.id));
}

function evalTree(n: CheckNode, outcome: (id: string) => RuleOutcome, failed: string[]): OutcomeStatus {
  if (n.fn === "CheckModelRule") {
    const o = outcome(n.ruleId);
    // a failed SHOULD / RECOMMENDED rule is advice: it does not fail the MUST composite that lists it
    if (o.status === "fail" && !isMandatoryKeyword(o.keyword)) return "pass";
    if (o.status === "fail") failed.push(n.ruleId);
    return o.status;
  }
  if (n.fn !== "AND" && n.fn !== "OR") return "skipped";
  const statuses = n.items.map((i) => evalTree(i, outcome, failed));
  if (n.fn === "AND" && statuses.includes("fail")) return "fail";
  if (statuses.includes("pass")) return "pass";
  if (statuses.includes("fail")) return "fail";
  return statuses.includes("skipped") ? "skipped" : "not-applicable";
}

export interface OutcomeSummary {
  rules: number;
  pass: number;
  fail: number;
  notApplicable: number;
  skipped: number;
  /** Failing MUST / MUST NOT rules: these make the data non-conformant. */
  failedMandatory: number;
  /** Failing SHOULD / RECOMMENDED / MAY rules. */
  failedAdvisory: number;
}

export function summarize(outcomes: readonly RuleOutcome[]): OutcomeSummary {
  const count = (s: OutcomeStatus): number => outcomes.filter((o) => o.status === s).length;
  const failed = outcomes.filter((o) => o.status === "fail");
  return {
    rules: outcomes.length,
    pass: count("pass"),
    fail: failed.length,
    notApplicable: count("not-applicable"),
    skipped: count("skipped"),
    failedMandatory: failed.filter((o) => isMandatoryKeyword(o.keyword)).length,
    failedAdvisory: failed.filter((o) => !isMandatoryKeyword(o.keyword)).length,
  };
}
