import { describe, expect, it } from "vitest";
import { CostwiseError } from "../errors.js";
import { FOCUS_COLUMNS, columnInVersion, type FocusColumn } from "./columns.js";
import {
  CONFORMANCE_RULES,
  MANDATORY_NULLABILITY,
  RULE_KINDS,
  conditionColumns,
  conditionSql,
  conformanceRule,
  ruleColumns,
  ruleSetProblems,
  specUrlOf,
  violationSql,
  type Condition,
} from "./conformance-rules.js";

describe("conformance rule set", () => {
  it("has unique ids, known columns and consistent severities", () => {
    expect(ruleSetProblems()).toEqual([]);
    expect(new Set(CONFORMANCE_RULES.map((r) => r.id)).size).toBe(CONFORMANCE_RULES.length);
    for (const r of CONFORMANCE_RULES) {
      expect(r.id.startsWith(`${r.column}.`)).toBe(true);
      expect(RULE_KINDS).toContain(r.kind);
      expect(r.requirement).toMatch(/\b(MUST|SHOULD)\b/);
      expect(r.specUrl).toMatch(/^https:\/\/github\.com\/FinOps-Open-Cost-and-Usage-Spec\/FOCUS_Spec\/blob\/v1\.2\//);
    }
  });

  it("has a not-null rule for every Mandatory column, except ChargeClass which the spec lets be null", () => {
    const mandatory = FOCUS_COLUMNS.filter((c) => c.featureLevel === "Mandatory" && columnInVersion(c, "1.2")).map((c) => c.name);
    const withRule = mandatory.filter((name) => conformanceRule(`${name}.not-null`));
    expect(mandatory.filter((name) => !withRule.includes(name))).toEqual(["ChargeClass"]);
    expect(MANDATORY_NULLABILITY.ChargeClass).toBeDefined();
    // plain "MUST NOT be null" columns are unconditional errors
    for (const name of mandatory) {
      if (name in MANDATORY_NULLABILITY) continue;
      const r = conformanceRule(`${name}.not-null`)!;
      expect(r.severity).toBe("error");
      expect(r.violation).toEqual({ op: "is-null", column: name });
      expect(r.appliesWhenPresent).toEqual([]);
    }
  });

  it("has an allowed-values rule for every column whose values the catalogue fixes", () => {
    const fixed = (FOCUS_COLUMNS as readonly FocusColumn[]).filter((c) => c.allowedValues);
    expect(fixed.length).toBeGreaterThan(0);
    for (const c of fixed) {
      const r = conformanceRule(`${c.name}.allowed-values`);
      expect(r, c.name).toBeDefined();
      expect(r!.severity).toBe("error");
      expect(r!.violation).toEqual({ op: "not-in", column: c.name, values: c.allowedValues });
    }
    expect(CONFORMANCE_RULES.filter((r) => r.kind === "allowed-values")).toHaveLength(fixed.length);
  });

  it("encodes the conditional requirements the brief calls out", () => {
    const status = conformanceRule("CommitmentDiscountStatus.not-null")!;
    expect(violationSql(status)).toBe(
      `(("CommitmentDiscountId" IS NOT NULL AND "ChargeCategory" IS NOT DISTINCT FROM 'Usage') AND "CommitmentDiscountStatus" IS NULL)`,
    );
    expect(violationSql(conformanceRule("ChargeClass.allowed-values")!)).toBe(
      `("ChargeClass" IS NOT NULL AND "ChargeClass" NOT IN ('Correction'))`,
    );
    expect(violationSql(conformanceRule("ChargePeriodStart.before-end")!)).toBe(
      `("ChargePeriodStart" IS NOT NULL AND "ChargePeriodEnd" IS NOT NULL AND "ChargePeriodStart" >= "ChargePeriodEnd")`,
    );
    expect(violationSql(conformanceRule("BillingCurrency.currency-format")!)).toContain("regexp_full_match");
    expect(conformanceRule("Tags.key-value-format")!.description).toMatch(/ingestion rejects Tags that are not a JSON object/);
  });

  it("reports SHOULD requirements as warnings, MUSTs as errors unless the data cannot decide them", () => {
    for (const r of CONFORMANCE_RULES) {
      if (r.keyword === "SHOULD") expect(r.severity, r.id).toBe("warning");
    }
    const mustWarnings = CONFORMANCE_RULES.filter((r) => r.keyword === "MUST" && r.severity === "warning").map((r) => r.id);
    expect(mustWarnings.sort()).toEqual(["BillingAccountName.not-null", "Tags.key-value-format"]);
  });

  it("compiles every rule and lists the columns it reads", () => {
    for (const r of CONFORMANCE_RULES) {
      expect(() => violationSql(r)).not.toThrow();
      expect(ruleColumns(r)[0]).toBe(r.column);
    }
    expect(ruleColumns(conformanceRule("ListCost.unit-price-product")!)).toEqual([
      "ListCost",
      "ChargeClass",
      "ListUnitPrice",
      "PricingQuantity",
    ]);
  });

  it("gates not-null rules on non-Mandatory columns by the column's presence", () => {
    for (const r of CONFORMANCE_RULES) {
      const level = FOCUS_COLUMNS.find((c) => c.name === r.column)!.featureLevel;
      if (r.kind === "not-null" && level !== "Mandatory") expect(r.appliesWhenPresent, r.id).toEqual([r.column]);
    }
  });
});

describe("condition compilation", () => {
  it("quotes constants safely", () => {
    const c: Condition = { op: "equals", column: "ServiceName", value: "O'Brien's DB" };
    expect(conditionSql(c)).toBe(`"ServiceName" IS NOT DISTINCT FROM 'O''Brien''s DB'`);
    const list: Condition = { op: "not-in", column: "ServiceName", values: ["a'); DROP TABLE x; --"] };
    expect(conditionSql(list)).toBe(`("ServiceName" IS NOT NULL AND "ServiceName" NOT IN ('a''); DROP TABLE x; --'))`);
  });

  it("refuses column names outside the catalogue", () => {
    const bad = { op: "is-null", column: 'BilledCost" OR 1=1 --' } as unknown as Condition;
    expect(() => conditionSql(bad)).toThrow(CostwiseError);
  });

  it("makes negation null-safe", () => {
    const c: Condition = { op: "not", item: { op: "in", column: "ChargeCategory", values: ["Usage"] } };
    expect(conditionSql(c)).toBe(`(NOT ("ChargeCategory" IS NOT NULL AND "ChargeCategory" IN ('Usage')))`);
    expect(conditionColumns(c)).toEqual(["ChargeCategory"]);
  });

  it("links columns to their spec page", () => {
    expect(specUrlOf("BilledCost")).toMatch(/\/columns\/billedcost\.md$/);
    expect(specUrlOf("ProviderName")).toMatch(/\/columns\/provider\.md$/);
  });
});
