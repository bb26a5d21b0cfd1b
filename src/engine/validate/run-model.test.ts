/**
 * Each check function of the FOCUS requirements model on a hand-made dataset: a hand-drawn table (typed columns,
 * `null` = NULL), one rule, and the violating row count worked out by hand (the ✗ marks).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRequirementsModel } from "../../core/focus/requirements/model.js";
import type { DuckDbStore } from "../store/duckdb/duckdb-store.js";
import { runModel, type ModelReport } from "./run-model.js";
import { tempStore } from "../../../test/helpers/store.js";

let store: DuckDbStore;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ store, cleanup } = await tempStore()));
afterAll(async () => cleanup());

let tables = 0;

/** Creates a table from a hand-drawn one: header cells `Name:TYPE`, then rows; `null` is NULL; trailing ✗ ignored. */
async function table(drawing: string): Promise<string> {
  const lines = drawing.trim().split("\n").map((l) => l.trim()).filter((l) => l.startsWith("|"));
  const cells = (l: string): string[] => l.replace(/✗\s*$/, "").split("|").slice(1, -1).map((c) => c.trim());
  const header = cells(lines[0]!).map((h) => h.split(":") as [string, string]);
  const name = `t_${++tables}`;
  await store.run(`CREATE TABLE ${name} (${header.map(([n, t]) => `"${n}" ${t}`).join(", ")})`);
  for (const l of lines.slice(1)) {
    if (/^\|[-\s|]+\|$/.test(l)) continue;
    const values = cells(l).map((c) => (c === "null" ? null : c));
    await store.run({ sql: `INSERT INTO ${name} VALUES (${header.map(([, t]) => `CAST(? AS ${t})`).join(", ")})`, params: values });
  }
  return name;
}

type Json = Record<string, unknown>;

/** A one-rule model (plus referenced helper rules) run over `tableName`. */
async function run(
  tableName: string,
  rules: Record<string, { req: Json; cond?: Json; keyword?: string; type?: string; criteria?: string[] }>,
  emptyColumnsAbsent = false,
): Promise<ModelReport> {
  const json = {
    Details: { ModelVersion: "test", FOCUSVersion: "1.2" },
    ApplicabilityCriteria: { REGION_SUPPORTED: { Description: "regions" } },
    ModelRules: Object.fromEntries(
      Object.entries(rules).map(([id, r]) => [
        id,
        {
          Function: "Validation",
          Reference: "X",
          EntityType: "Column",
          Type: r.type ?? "Static",
          ApplicabilityCriteria: r.criteria ?? [],
          ValidationCriteria: { MustSatisfy: id, Keyword: r.keyword ?? "MUST", Requirement: r.req, Condition: r.cond ?? {} },
        },
      ]),
    ),
  };
  const parsed = parseRequirementsModel(json);
  expect(parsed.problems).toEqual([]);
  return runModel(store, parsed.value!, { kind: "table", table: tableName }, { applicability: new Set(), currencyCodes: ["EUR", "USD"], emptyColumnsAbsent });
}

async function violations(drawing: string, req: Json, cond?: Json): Promise<number | null> {
  const r = await run(await table(drawing), { R: { req, ...(cond ? { cond } : {}) } });
  return r.rules[0]!.violations;
}

describe("row check functions", () => {
  it("CheckValue: equal to a value (NULL passes), or NULL", async () => {
    const t = `
      | ChargeClass:VARCHAR |
      | Correction          |
      | Other               | ✗
      | null                |`;
    expect(await violations(t, { CheckFunction: "CheckValue", ColumnName: "ChargeClass", Value: "Correction" })).toBe(1);
    expect(await violations(t, { CheckFunction: "CheckValue", ColumnName: "ChargeClass", Value: null })).toBe(2);
  });

  it("CheckValue on a number, under a condition (CheckNotSameValue)", async () => {
    const t = `
      | BilledCost:DECIMAL(38,10) | ProviderName:VARCHAR | InvoiceIssuerName:VARCHAR |
      | 0                         | AWS                  | Marketplace Seller        |
      | 1.5                       | AWS                  | Marketplace Seller        | ✗
      | 1.5                       | AWS                  | AWS                       |
      | 2                         | AWS                  | null                      |`;
    expect(
      await violations(t, { CheckFunction: "CheckValue", ColumnName: "BilledCost", Value: 0 }, { CheckFunction: "CheckNotSameValue", ColumnAName: "ProviderName", ColumnBName: "InvoiceIssuerName" }),
    ).toBe(1);
  });

  it("CheckNotValue: not NULL; not a value (NULL passes as a requirement, is not selected as a condition)", async () => {
    const t = `
      | ChargeCategory:VARCHAR | BilledCost:VARCHAR |
      | Usage                  | 1                  |
      | Tax                    | null               | ✗ (not null)
      | null                   | 2                  |`;
    expect(await violations(t, { CheckFunction: "CheckNotValue", ColumnName: "BilledCost", Value: null })).toBe(1);
    expect(await violations(t, { CheckFunction: "CheckNotValue", ColumnName: "ChargeCategory", Value: "Tax" })).toBe(1);
    // condition "ChargeCategory is not Tax" selects only the Usage row; its BilledCost is not null
    expect(
      await violations(t, { CheckFunction: "CheckNotValue", ColumnName: "BilledCost", Value: null }, { CheckFunction: "CheckNotValue", ColumnName: "ChargeCategory", Value: "Tax" }),
    ).toBe(0);
  });

  it("CheckSameValue and CheckNotSameValue (a NULL side passes)", async () => {
    const t = `
      | SkuId:VARCHAR | SkuPriceId:VARCHAR |
      | A             | A                  | (same)
      | A             | B                  | (different)
      | null          | B                  |`;
    expect(await violations(t, { CheckFunction: "CheckSameValue", ColumnAName: "SkuPriceId", ColumnBName: "SkuId" })).toBe(1);
    expect(await violations(t, { CheckFunction: "CheckNotSameValue", ColumnAName: "SkuPriceId", ColumnBName: "SkuId" })).toBe(1);
  });

  it("CheckGreaterOrEqualThanValue, on a number column and on text", async () => {
    const t = `
      | ListUnitPrice:DECIMAL(38,10) | PricingQuantity:VARCHAR |
      | 0                            | 5                       |
      | -0.01                        | -1                      | ✗ ✗
      | null                         | null                    |`;
    expect(await violations(t, { CheckFunction: "CheckGreaterOrEqualThanValue", ColumnName: "ListUnitPrice", Value: 0 })).toBe(1);
    expect(await violations(t, { CheckFunction: "CheckGreaterOrEqualThanValue", ColumnName: "PricingQuantity", Value: 0 })).toBe(1);
  });

  it("CheckDecimalValue and TypeDecimal: typed numbers pass; text must parse as a decimal", async () => {
    const t = `
      | BilledCost:VARCHAR | EffectiveCost:DOUBLE |
      | 1.25               | 1                    |
      | -3e2               | 2                    |
      | 12,5               | 3                    | ✗
      | null               | null                 |`;
    expect(await violations(t, { CheckFunction: "CheckDecimalValue", ColumnName: "BilledCost" })).toBe(1);
    expect(await violations(t, { CheckFunction: "TypeDecimal", ColumnName: "BilledCost" })).toBe(1);
    expect(await violations(t, { CheckFunction: "TypeDecimal", ColumnName: "EffectiveCost" })).toBe(0);
  });

  it("FormatNumeric: digits, optional sign, point and exponent", async () => {
    const t = `
      | PricingQuantity:VARCHAR |
      | 10                      |
      | -0.5                    |
      | 1e-3                    |
      | 1,000                   | ✗
      | ten                     | ✗`;
    expect(await violations(t, { CheckFunction: "FormatNumeric", ColumnName: "PricingQuantity" })).toBe(2);
  });

  it("TypeString: text passes; a number column fails on every non-NULL row", async () => {
    const t = `
      | BillingAccountId:BIGINT | BillingAccountName:VARCHAR |
      | 123                     | a                          | ✗
      | null                    | b                          |`;
    expect(await violations(t, { CheckFunction: "TypeString", ColumnName: "BillingAccountId" })).toBe(1);
    expect(await violations(t, { CheckFunction: "TypeString", ColumnName: "BillingAccountName" })).toBe(0);
  });

  it("TypeDateTime and FormatDateTime: timestamps pass; text must be ISO 8601 in UTC (…Z)", async () => {
    const t = `
      | ChargePeriodStart:VARCHAR | BillingPeriodStart:TIMESTAMP |
      | 2024-09-01T00:00:00Z      | 2024-09-01 00:00:00          |
      | 2024-09-01 00:00:00       | 2024-09-01 00:00:00          | ✗ (format)
      | 01/09/2024                | null                         | ✗ ✗ (type and format)`;
    expect(await violations(t, { CheckFunction: "TypeDateTime", ColumnName: "ChargePeriodStart" })).toBe(1);
    expect(await violations(t, { CheckFunction: "FormatDateTime", ColumnName: "ChargePeriodStart" })).toBe(2);
    expect(await violations(t, { CheckFunction: "FormatDateTime", ColumnName: "BillingPeriodStart" })).toBe(0);
  });

  it("FormatString: ASCII text only (StringHandling as the official validator reads it)", async () => {
    const t = `
      | ServiceName:VARCHAR |
      | Amazon EC2          |
      | Zürich storage      | ✗`;
    expect(await violations(t, { CheckFunction: "FormatString", ColumnName: "ServiceName" })).toBe(1);
  });

  it("FormatUnit: the FOCUS unit format", async () => {
    const t = `
      | PricingUnit:VARCHAR |
      | GB-Hours            |
      | Requests            |
      | 1000 Requests       |
      | GB/Hour             |
      | Hours               |
      | Lambda-GB-Seconds   | ✗
      | GB-Mo               | ✗`;
    expect(await violations(t, { CheckFunction: "FormatUnit", ColumnName: "PricingUnit" })).toBe(2);
  });

  it("FormatCurrency (three capitals) and CheckNationalCurrency (ISO 4217 list)", async () => {
    const t = `
      | BillingCurrency:VARCHAR |
      | USD                     |
      | XYZ                     | (format ok, not national) ✗
      | usd                     | ✗ ✗
      | null                    |`;
    expect(await violations(t, { CheckFunction: "FormatCurrency", ColumnName: "BillingCurrency" })).toBe(1);
    expect(await violations(t, { CheckFunction: "CheckNationalCurrency", ColumnName: "BillingCurrency" })).toBe(2);
  });

  it("FormatKeyValue: a MAP passes; text must be a JSON object", async () => {
    const t = `
      | Tags:VARCHAR       | SkuPriceDetails:MAP(VARCHAR, VARCHAR) |
      | {"team": "a"}      | {a=1}                                  |
      | {}                 | null                                   |
      | ["team"]           | null                                   | ✗
      | team=a             | null                                   | ✗`;
    expect(await violations(t, { CheckFunction: "FormatKeyValue", ColumnName: "Tags" })).toBe(2);
    expect(await violations(t, { CheckFunction: "FormatKeyValue", ColumnName: "SkuPriceDetails" })).toBe(0);
  });

  it("ColumnByColumnEqualsColumnValue: a × b = result within 0.01 (a NULL factor passes)", async () => {
    const t = `
      | ListUnitPrice:DECIMAL(38,10) | PricingQuantity:DECIMAL(38,10) | ListCost:DECIMAL(38,10) |
      | 0.5                          | 4                              | 2                       |
      | 0.333                        | 3                              | 1.0                     | (0.999: within)
      | 0.5                          | 4                              | 2.5                     | ✗
      | null                         | 4                              | 9                       |`;
    expect(await violations(t, { CheckFunction: "ColumnByColumnEqualsColumnValue", ColumnAName: "ListUnitPrice", ColumnBName: "PricingQuantity", ResultColumnName: "ListCost" })).toBe(1);
  });

  it("AND and OR of row checks (allowed values)", async () => {
    const t = `
      | ChargeCategory:VARCHAR | ChargeClass:VARCHAR |
      | Usage                  | null                |
      | Tax                    | Correction          |
      | Refund                 | null                | ✗ (OR)
      | Usage                  | Other               | ✗ (AND)`;
    const oneOf = { CheckFunction: "OR", Items: ["Usage", "Tax"].map((v) => ({ CheckFunction: "CheckValue", ColumnName: "ChargeCategory", Value: v })) };
    expect(await violations(t, oneOf)).toBe(1);
    const both = { CheckFunction: "AND", Items: [oneOf, { CheckFunction: "OR", Items: [{ CheckFunction: "CheckValue", ColumnName: "ChargeClass", Value: null }, { CheckFunction: "CheckValue", ColumnName: "ChargeClass", Value: "Correction" }] }] };
    expect(await violations(t, both)).toBe(2);
  });
});

describe("dataset-level check functions", () => {
  it("CheckDistinctCount: each A has exactly N distinct B (NULL A ignored); counts groups and their rows", async () => {
    const name = await table(`
      | ServiceName:VARCHAR | ServiceCategory:VARCHAR |
      | EC2                 | Compute                 |
      | EC2                 | Compute                 |
      | S3                  | Storage                 | ✗ group S3
      | S3                  | Networking              | ✗ group S3
      | null                | Other                   |`);
    const r = await run(name, { R: { req: { CheckFunction: "CheckDistinctCount", ColumnAName: "ServiceName", ColumnBName: "ServiceCategory", ExpectedCount: 1 } } });
    expect(r.rules[0]).toMatchObject({ status: "fail", violations: 2, violatingGroups: 1 });
  });

  it("ColumnPresent: a column of the relation; a non-Mandatory column with no value makes its rules not applicable (store default)", async () => {
    const name = await table(`
      | BilledCost:DECIMAL(38,10) | AvailabilityZone:VARCHAR | RegionName:VARCHAR |
      | 1                         | null                     | Paris              |`);
    const rules = {
      P1: { req: { CheckFunction: "ColumnPresent", ColumnName: "BilledCost" } },
      P2: { req: { CheckFunction: "ColumnPresent", ColumnName: "AvailabilityZone" } },
      P3: { req: { CheckFunction: "ColumnPresent", ColumnName: "InvoiceId" } },
      N1: { req: { CheckFunction: "CheckNotValue", ColumnName: "AvailabilityZone", Value: null } },
    };
    const asSchema = await run(name, rules);
    expect(asSchema.rules.map((o) => `${o.id} ${o.status}`)).toEqual(["P1 pass", "P2 pass", "P3 fail", "N1 fail"]);
    const asValues = await run(name, rules, true);
    expect(asValues.rules.map((o) => `${o.id} ${o.status}`)).toEqual(["P1 pass", "P2 pass", "P3 fail", "N1 not-applicable"]);
  });

  it("CheckModelRule through AND / OR: composites follow the referenced rules; skipped and not-applicable ones do not count", async () => {
    const name = await table(`
      | ChargeCategory:VARCHAR |
      | Usage                  |
      | Refund                 |`);
    const ok = { CheckFunction: "CheckNotValue", ColumnName: "ChargeCategory", Value: null };
    const bad = { CheckFunction: "CheckValue", ColumnName: "ChargeCategory", Value: "Usage" };
    const ref = (id: string): Json => ({ CheckFunction: "CheckModelRule", ModelRuleId: id });
    const r = await run(name, {
      OK: { req: ok },
      BAD: { req: bad },
      ADV: { req: bad, keyword: "SHOULD" },
      DYN: { req: {}, type: "Dynamic" },
      NA: { req: ok, criteria: ["REGION_SUPPORTED"] },
      ALL: { req: { CheckFunction: "AND", Items: [ref("OK"), ref("BAD"), ref("DYN")] } },
      ANY: { req: { CheckFunction: "OR", Items: [ref("OK"), ref("BAD")] } },
      NONE: { req: { CheckFunction: "AND", Items: [ref("DYN"), ref("NA")] } },
      ADVICE: { req: { CheckFunction: "AND", Items: [ref("OK"), ref("ADV")] } },
    });
    const by = Object.fromEntries(r.rules.map((o) => [o.id, o]));
    expect(by["BAD"]).toMatchObject({ status: "fail", violations: 1, examples: [{ values: { ChargeCategory: "Refund" } }] });
    expect(by["DYN"]!.status).toBe("skipped");
    expect(by["NA"]).toMatchObject({ status: "not-applicable", reason: expect.stringContaining("REGION_SUPPORTED") });
    expect(by["ALL"]).toMatchObject({ status: "fail", failedReferences: ["BAD"] });
    expect(by["ANY"]!.status).toBe("pass");
    expect(by["NONE"]!.status).toBe("skipped");
    // a failed SHOULD is advice: it fails itself but not the MUST composite listing it
    expect(by["ADV"]!.status).toBe("fail");
    expect(by["ADVICE"]!.status).toBe("pass");
    expect(r.conformant).toBe(false);
    expect(r.summary).toMatchObject({ failedMandatory: 2, failedAdvisory: 1 });
  });

  it("a model naming an unknown check function or rule is refused with the JSON path", () => {
    const parsed = parseRequirementsModel({
      Details: {},
      ModelRules: {
        A: { Type: "Static", ValidationCriteria: { Keyword: "MUST", Requirement: { CheckFunction: "Nope" }, Condition: {} } },
        B: { Type: "Static", ValidationCriteria: { Keyword: "MUST", Requirement: { CheckFunction: "CheckModelRule", ModelRuleId: "Z" }, Condition: {} } },
      },
    });
    expect(parsed.value).toBeUndefined();
    expect(parsed.problems.map((p) => p.path)).toEqual(['ModelRules["A"].ValidationCriteria.Requirement.CheckFunction', 'ModelRules["B"]']);
  });
});
