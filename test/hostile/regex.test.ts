/**
 * Regular expressions are checked by the engine that runs them (issue 18, item 8; issue 21's backtracking pattern):
 *   - allocation rules' `regex` conditions run in DuckDB (RE2): config validation accepts exactly what DuckDB's
 *     regexp_matches accepts (a hand-written table of patterns, each run through both), and a refused pattern names
 *     the file, line, rule id and field;
 *   - governance `pattern` / `forbiddenPattern` and CEL `matches()` run on RE2 (linear time): `^(a+)+$` against
 *     "aaaa…a!" (40 characters) gives its answer (no match) instead of backtracking for minutes.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileAllocation, defaultAllocationConfig } from "../../src/core/allocation/model.js";
import { allocationSection } from "../../src/core/config/sections/allocation.js";
import { isCostwiseError } from "../../src/core/errors.js";
import { compilePolicy, evaluatePolicy } from "../../src/core/governance/evaluate.js";
import { policySchema } from "../../src/core/governance/policy.js";
import type { NormalizedResource } from "../../src/core/governance/resource.js";
import { re2Problem } from "../../src/core/re2.js";
import { KNOWN_COLUMNS } from "../../src/engine/allocation/sql.js";
import { applyAllocation } from "../../src/engine/allocation/allocate.js";
import { compileLoaded, loadAllocation } from "../../src/engine/allocation/load-rules.js";
import { allocationSummary } from "../../src/engine/allocation/reports.js";
import { insertCostRows } from "../helpers/allocation-rows.js";
import { sql } from "../../src/engine/store/cost-store.js";
import type { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { tempDir, tempStore } from "../helpers/store.js";

// pattern → does RE2 (and so DuckDB) accept it; written by hand
const PATTERNS: [string, boolean][] = [
  ["^Amazon (EC2|S3)$", true],
  ["(?i)^amazon", true], // RE2 flag syntax, refused by JavaScript's RegExp
  ["(?i:ec2)-prod", true],
  ["[[:alpha:]]+-\\d{3}", true], // POSIX class inside brackets
  ["\\pL+", true],
  ["^(?=Amazon)Amazon", false], // look-ahead: JavaScript accepts it, RE2 does not
  ["(?<!x)y", false], // look-behind
  ["(a)\\1", false], // back-reference
  ["a++", false], // possessive
  ["(", false],
  ["a{1001}", false], // RE2's repetition limit
];

describe("allocation regexes are validated with RE2, as DuckDB runs them", () => {
  let db: { store: DuckDbStore; cleanup: () => Promise<void> };
  const work = tempDir("costwise-regex-");
  beforeAll(async () => {
    db = await tempStore();
  });
  afterAll(async () => {
    await db.cleanup();
    work.cleanup();
  });

  it.each(PATTERNS)("%s: accepted = %s, by the validator and by DuckDB alike", async (pattern, accepted) => {
    expect(re2Problem(pattern) === undefined).toBe(accepted);
    const duck = await db.store.all(sql("SELECT regexp_matches('Amazon EC2', ?) AS m", pattern)).then(
      () => true,
      () => false,
    );
    expect(duck).toBe(accepted);
    const config = allocationSection.parse({ rules: [{ id: "svc", match: { ServiceName: { regex: pattern } }, set: { team: "t" } }] });
    const { model, problems } = compileAllocation(config, KNOWN_COLUMNS);
    expect(model !== null).toBe(accepted);
    if (!accepted) expect(problems.map((p) => p.path)).toEqual(["allocation.rules[0].match.ServiceName.regex"]);
  });

  it("(?i), refused by JavaScript, loads and allocates in DuckDB: case-insensitive match", async () => {
    await insertCostRows(db.store, [
      { date: "2026-01-05", billed: "10.00", service: "AMAZON EC2", resource: "i-1" },
      { date: "2026-01-06", billed: "5.00", service: "Amazon EC2", resource: "i-2" },
      { date: "2026-01-07", billed: "3.00", service: "AWS Support", resource: null },
    ]);
    const loaded = compileLoaded(allocationSection.parse({ rules: [{ id: "ci", match: { ServiceName: { regex: "(?i)^amazon ec2$" } }, set: { team: "compute" } }] }), null, null);
    await applyAllocation(db.store, loaded);
    const r = await allocationSummary(db.store, { by: "team" });
    expect(Object.fromEntries(r.rows.map((x) => [x.key, x.billedCost]))).toEqual({ compute: "15.0000000000", __unallocated__: "3.0000000000" });
  });

  it("a refused regex names the rules file, its line, the rule id and the field", () => {
    const rules = join(work.dir, "rules.yaml");
    writeFileSync(rules, `rules:\n  - id: compute\n    match: { ServiceName: "Amazon EC2" }\n    set: { team: core }\n  - id: aws-lookahead\n    match:\n      ServiceName: { regex: "^(?=Amazon)Amazon" }\n    set: { team: platform }\n`);
    let message = "";
    try {
      loadAllocation({ allocation: { ...defaultAllocationConfig(), rulesFile: rules } } as never, work.dir);
    } catch (e) {
      expect(isCostwiseError(e) && e.code).toBe("BAD_CONFIG");
      message = (e as Error).message;
    }
    expect(message).toContain(`${rules}:7:`);
    expect(message).toContain("allocation.rules[1].match.ServiceName.regex");
    expect(message).toContain('rule "aws-lookahead" (#2)');
    expect(message).toContain("not a valid regular expression for RE2");
    expect(message).toContain("(?=");
  });
});

const res = (id: string, tags: Record<string, string>): NormalizedResource => ({
  id,
  type: "aws_instance",
  provider: "aws",
  origin: "terraform-plan",
  actions: ["create"],
  taggable: true,
  tags,
  ownTags: tags,
  unresolved: [],
  attributes: {},
});

describe("governance patterns run on RE2 (linear time)", () => {
  const evil = `${"a".repeat(40)}!`; // JavaScript's RegExp backtracks 2^40 ways on ^(a+)+$ before saying no

  it("pattern ^(a+)+$ on 40 a's and a '!' is a value-not-allowed finding; on 40 a's it passes", () => {
    const compiled = compilePolicy(policySchema.parse({ rules: [{ id: "name", tag: "Name", pattern: "^(a+)+$" }] }));
    expect(compiled.problems).toEqual([]);
    const r = evaluatePolicy(compiled.value!, [res("bad", { Name: evil }), res("good", { Name: "a".repeat(40) })], { now: new Date("2026-01-01T00:00:00Z") });
    expect(r.findings.map((f) => `${f.resourceId} ${f.kind}`)).toEqual(["bad value-not-allowed"]);
  });

  it("forbiddenPattern and CEL matches() likewise", () => {
    const compiled = compilePolicy(
      policySchema.parse({
        rules: [
          { id: "forbid", tag: "Name", forbiddenPattern: "^(a|aa)+$" },
          { id: "cel", assert: 'matches(tags.Name, "^(a+)+$")' },
        ],
      }),
    );
    expect(compiled.problems).toEqual([]);
    const r = evaluatePolicy(compiled.value!, [res("x", { Name: evil })], { now: new Date("2026-01-01T00:00:00Z") });
    expect(r.findings.map((f) => `${f.ruleId} ${f.kind}`)).toEqual(["cel assert-failed"]);
  });

  it("RE2 syntax: (?i) is accepted, a look-ahead is refused with the rule's field named", () => {
    expect(policySchema.safeParse({ rules: [{ id: "ci", tag: "env", pattern: "(?i)^prod$" }] }).success).toBe(true);
    const bad = policySchema.safeParse({ rules: [{ id: "la", tag: "env", pattern: "^(?=p)prod$" }] });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual([expect.stringMatching(/^rules\.0\.pattern: not a valid regular expression \(RE2 syntax.*\(\?=/)]);
  });
});
