/**
 * Tag policies as code: the shape of a policy file (YAML), validated with zod. One file holds rules, exemptions
 * and remediation sources. See docs/governance.md for the full reference with examples.
 *
 *   version: 1
 *   blocking: [error]                 # severities that fail `costwise policy check` (exit 3)
 *   unresolved: warning               # severity of "could not resolve statically" findings
 *   rules:
 *     - id: required-tags
 *       require: [owner, env]         # required tag keys
 *       match: { types: ["aws_*"] }   # optional selector: type globs and/or a CEL `when`
 *     - id: env-values
 *       tag: env
 *       allowed: [prod, staging, dev] # or pattern: "^(prod|dev)$"; forbidden / forbiddenPattern
 *     - id: prod-cost-center
 *       match: { when: 'has(tags.env) && tags.env == "prod"' }
 *       assert: 'has(tags.cost_center)' # CEL over resource, tags, attributes
 *   exemptions:
 *     - resources: ["aws_instance.legacy*"]
 *       rules: [required-tags]
 *       expires: 2026-12-31
 *       reason: "decommissioned in Q4, ticket OPS-123"
 */
import { z } from "zod";
import { re2Problem } from "../re2.js";

export const SEVERITIES = ["error", "warning", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

const severity = z.enum(SEVERITIES);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export const INHERIT_SOURCES = ["stack", "mapping", "account", "default"] as const;
export type InheritSource = (typeof INHERIT_SOURCES)[number];

const ruleRemediation = z.strictObject({
  /** Value to apply when nothing better is known (e.g. "unassigned"). */
  default: z.string().min(1).optional(),
  /** Where to look for a value, most specific first (default: stack, mapping, account, default). */
  from: z.array(z.enum(INHERIT_SOURCES)).min(1).optional(),
  /** Replace an existing value (only for normalizing a misspelled value). Default false: never overwrite. */
  overwrite: z.boolean().default(false),
});

const match = z.strictObject({
  /** Resource type globs (`aws_*`, `aws_instance`). Default: every taggable type. */
  types: z.array(z.string().min(1)).min(1).optional(),
  /** Resource id/address globs. */
  resources: z.array(z.string().min(1)).min(1).optional(),
  /** CEL selector; the rule applies where it is true. */
  when: z.string().min(1).optional(),
});

export const ruleSchema = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "rule ids are letters, digits, '.', '_' and '-'"),
    description: z.string().optional(),
    severity: severity.default("error"),
    match: match.optional(),
    /** Required tag keys. */
    require: z.array(z.string().min(1)).min(1).optional(),
    /** The tag a value rule constrains. */
    tag: z.string().min(1).optional(),
    allowed: z.array(z.string()).min(1).optional(),
    /** Regular expression (RE2 syntax, anchored by you) an allowed value must match. */
    pattern: z.string().min(1).optional(),
    forbidden: z.array(z.string()).min(1).optional(),
    forbiddenPattern: z.string().min(1).optional(),
    /** CEL expression that must be true. */
    assert: z.string().min(1).optional(),
    /** Message shown when an `assert` fails (default: the expression). */
    message: z.string().optional(),
    remediation: ruleRemediation.optional(),
  })
  .superRefine((r, ctx) => {
    const kinds = [r.require ? "require" : null, r.tag !== undefined ? "tag" : null, r.assert ? "assert" : null].filter(Boolean);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message: kinds.length === 0
          ? "a rule needs exactly one of `require` (tag keys), `tag` (with allowed/pattern/forbidden) or `assert` (CEL)"
          : `a rule has exactly one of require / tag / assert, this one has ${kinds.join(" and ")}`,
      });
    }
    if (r.tag !== undefined && !r.allowed && !r.pattern && !r.forbidden && !r.forbiddenPattern) {
      ctx.addIssue({ code: "custom", path: ["tag"], message: "a `tag` rule needs `allowed`, `pattern`, `forbidden` or `forbiddenPattern`" });
    }
    if (r.tag === undefined) {
      for (const k of ["allowed", "pattern", "forbidden", "forbiddenPattern"] as const) {
        if (r[k] !== undefined) ctx.addIssue({ code: "custom", path: [k], message: `\`${k}\` only applies to a \`tag\` rule (add tag: <key>)` });
      }
    }
    for (const k of ["pattern", "forbiddenPattern"] as const) {
      const p = r[k];
      if (p === undefined) continue;
      // RE2 syntax: the evaluator runs it with RE2 (linear time), see core/re2.ts
      const why = re2Problem(p);
      if (why !== undefined) ctx.addIssue({ code: "custom", path: [k], message: `not a valid regular expression (RE2 syntax, as the evaluator runs it): ${why}` });
    }
  });
export type PolicyRule = z.infer<typeof ruleSchema>;

export const exemptionSchema = z.strictObject({
  /** Resource id/address/ARN globs the exemption covers. */
  resources: z.array(z.string().min(1)).min(1),
  /** Rule ids it covers (default: all rules). */
  rules: z.array(z.string().min(1)).min(1).optional(),
  /** Last day (UTC, inclusive) the exemption applies; after it the findings come back and it is reported. */
  expires: z.string().regex(ISO_DATE, "expected a date YYYY-MM-DD").refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), "not a real date"),
  reason: z.string().min(3, "say why the exemption exists"),
});
export type Exemption = z.infer<typeof exemptionSchema>;

const tagMap = z.record(z.string(), z.string());

export const remediationSourcesSchema = z.strictObject({
  /** Account id → tags every resource in that account inherits (e.g. the owning team). */
  accounts: z.record(z.string().regex(/^\d{12}$/, "expected a 12-digit AWS account id"), tagMap).optional(),
  /** Tag keys that name a stack (CloudFormation, Terraform workspace); missing tags are inherited from siblings in the stack when they all agree. */
  stackTagKeys: z.array(z.string().min(1)).default(["aws:cloudformation:stack-name", "terraform:stack"]),
  /** Mapping table: when a resource has tag `tag` = `value` (or matches `resources` globs), set these tags. */
  mappings: z
    .array(
      z.strictObject({
        tag: z.string().min(1).optional(),
        value: z.string().optional(),
        resources: z.array(z.string().min(1)).optional(),
        set: tagMap,
      }),
    )
    .default([]),
});

export const policySchema = z.strictObject({
  version: z.literal(1).default(1),
  /** Severities that block (exit code 3). */
  blocking: z.array(severity).default(["error"]),
  /** Severity given to findings that cannot be decided statically (variables, functions, unknown values). */
  unresolved: severity.default("warning"),
  rules: z.array(ruleSchema).min(1, "a policy needs at least one rule"),
  exemptions: z.array(exemptionSchema).default([]),
  remediation: remediationSourcesSchema.default({ stackTagKeys: ["aws:cloudformation:stack-name", "terraform:stack"], mappings: [] }),
}).superRefine((p, ctx) => {
  const seen = new Map<string, number>();
  p.rules.forEach((r, i) => {
    if (seen.has(r.id)) ctx.addIssue({ code: "custom", path: ["rules", i, "id"], message: `duplicate rule id "${r.id}" (first at rules[${seen.get(r.id)}])` });
    else seen.set(r.id, i);
  });
  p.exemptions.forEach((e, i) => {
    for (const [j, id] of (e.rules ?? []).entries()) {
      if (!seen.has(id)) ctx.addIssue({ code: "custom", path: ["exemptions", i, "rules", j], message: `unknown rule "${id}"` });
    }
  });
});
export type Policy = z.infer<typeof policySchema>;
