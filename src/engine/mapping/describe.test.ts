/**
 * The reviewer's view of the mappings: wording of rules, the audit of raw SQL, and docs/mappings.md
 * kept in step with the code. UPDATE_DOCS=1 npx vitest run src/engine/mapping/describe.test.ts
 * rewrites the page.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FOCUS_COLUMNS } from "../../core/focus/columns.js";
import { X_COLUMNS } from "../store/schema.js";
import { NOT_PRODUCED, describeMapping, renderMappingMarkdown, renderMappingText, renderMappingsDoc } from "./describe.js";
import { packageRoot } from "./lookups.js";
import type { MappingExpr, SourceMapping } from "./mapping.js";
import { MAPPINGS, SOURCE_FORMATS } from "./registry.js";

const DOC = join(packageRoot(), "docs", "mappings.md");
const REGENERATE = "UPDATE_DOCS=1 npx vitest run src/engine/mapping/describe.test.ts";

const cur = describeMapping(MAPPINGS["aws-cur"]);
const rule = (target: string) => cur.columns.find((c) => c.target === target)!;

describe("describeMapping: rules in plain words (aws-cur)", () => {
  it("lists every FOCUS column in catalogue order, then the x_ columns", () => {
    expect(cur.columns.map((c) => c.target)).toEqual([...FOCUS_COLUMNS.map((c) => c.name), ...X_COLUMNS.map((c) => c.name)]);
    expect(rule("BilledCost").level).toBe("Mandatory");
    expect(rule("x_ChargeType").level).toBe("Custom");
  });

  it("a column, a constant, a value map and a lookup", () => {
    expect(rule("BilledCost").rule).toBe("lineItem/UnblendedCost");
    expect(rule("BilledCost").reads).toEqual([{ name: "lineItem/UnblendedCost", required: true }]);
    expect(rule("ProviderName").rule).toBe("constant 'AWS'");
    const cc = rule("ChargeCategory").rule;
    expect(cc).toMatch(/^by lineItem\/LineItemType: /);
    expect(cc).toContain("RIFee→Purchase");
    expect(cc).toContain("Tax→Tax");
    expect(cc).toMatch(/otherwise 'Adjustment'$/);
    const sc = rule("ServiceCategory").rule;
    expect(sc).toMatch(/^lookup lineItem\/ProductCode in aws_category_mapping \(\d+ entries\), otherwise 'Other'$/);
    expect(cur.lookups).toEqual([
      expect.objectContaining({ name: "aws_category_mapping", usedBy: ["ServiceCategory"] }),
      expect.objectContaining({ name: "aws_region_names", usedBy: ["RegionName"] }),
    ]);
  });

  it("coalesce, timestamps and tags", () => {
    expect(rule("BillingAccountName").rule).toBe("first non-empty of: bill/PayerAccountName, bill/PayerAccountId");
    expect(rule("ChargePeriodStart").rule).toBe("lineItem/UsageStartDate (date and time, converted to UTC)");
    expect(rule("Tags").rule).toBe("tags from columns resourceTags/* (prefix user: removed)");
    expect(rule("Tags").reads).toEqual([{ name: "resourceTags/*", required: false }]);
  });

  it("EffectiveCost is an audited raw SQL use, with its reason and the columns it reads", () => {
    const ec = rule("EffectiveCost");
    expect(ec.rule).toMatch(/^raw SQL — reason: \S/);
    const use = cur.rawSql.find((r) => r.target === "EffectiveCost");
    expect(use?.reason).toContain("amortization");
    expect(use?.sql).toContain("{{savingsPlan/SavingsPlanEffectiveCost}}");
    expect(ec.reads.map((r) => r.name)).toEqual(expect.arrayContaining(["lineItem/LineItemType", "reservation/EffectiveCost"]));
  });

  it("unmapped columns are not produced; provenance comes from the loader", () => {
    expect(rule("ResourceName")).toMatchObject({ status: "not-produced", rule: NOT_PRODUCED, reads: [] });
    expect(rule("x_FocusVersion").rule).toBe(NOT_PRODUCED);
    expect(rule("x_Source")).toMatchObject({ status: "provenance", rule: "constant 'aws-cur' (the format id)" });
    expect(cur.summary.focusProduced + cur.summary.focusNotProduced).toBe(FOCUS_COLUMNS.length);
  });

  it("control total, checks and source columns", () => {
    expect(cur.controlTotal).toMatchObject({ sourceColumn: "lineItem/UnblendedCost", target: "BilledCost" });
    expect(cur.checks.map((c) => c.when)).toContain("BilledCost would be empty (read from lineItem/UnblendedCost)");
    expect(cur.checks.map((c) => c.when)).toContain("a value in lineItem/UsageStartDate is not a date and time (CSV files)");
    const src = cur.sourceColumns.find((c) => c.name === "lineItem/ProductCode");
    expect(src).toMatchObject({ required: true, usedBy: expect.arrayContaining(["ServiceCategory", "ServiceName", "x_ServiceCode"]) });
  });

  it("text and Markdown renderings carry the same rules", () => {
    const text = renderMappingText(cur);
    expect(text).toContain("RIFee→Purchase");
    expect(text).toContain("amortization needs arithmetic");
    const md = renderMappingMarkdown(cur);
    expect(md).toContain("| ProviderName | Mandatory | constant `'AWS'` | |");
    expect(md).toContain("`RIFee`→`Purchase`");
    expect(md).toContain("| ResourceName | Conditional | *not produced (NULL)* | |");
    expect(md).toMatch(/\d+\. \*\*EffectiveCost\*\*: amortization/);
  });
});

describe("the raw SQL escape hatch is audited", () => {
  const sqlUses = (e: MappingExpr): { op: "sql"; sql: string; reason: string }[] => {
    switch (e.op) {
      case "sql":
        return [e];
      case "map":
        return [...Object.values(e.values), e.default].flatMap((v) => (v === null || typeof v === "string" ? [] : sqlUses(v)));
      case "lookup":
        return e.default === null || typeof e.default === "string" ? [] : sqlUses(e.default);
      case "coalesce":
        return e.args.flatMap(sqlUses);
      default:
        return [];
    }
  };
  const all = (m: SourceMapping) => Object.entries(m.targets).flatMap(([t, e]) => (e ? sqlUses(e).map((u) => ({ target: t, ...u })) : []));

  it.each(SOURCE_FORMATS)("every sql op in %s states a reason, and the description lists each one", (f) => {
    const uses = all(MAPPINGS[f]);
    for (const u of uses) expect(u.reason.trim(), `${f} ${u.target}: raw SQL without a reason`).not.toBe("");
    expect(describeMapping(MAPPINGS[f]).rawSql.map((r) => r.target).sort()).toEqual(uses.map((u) => u.target).sort());
  });
});

describe("docs/mappings.md", () => {
  it("is up to date with the mappings", () => {
    const expected = renderMappingsDoc(SOURCE_FORMATS.map((f) => describeMapping(MAPPINGS[f])), SOURCE_FORMATS.map((f) => MAPPINGS[f]));
    if (process.env["UPDATE_DOCS"]) writeFileSync(DOC, expected);
    const actual = existsSync(DOC) ? readFileSync(DOC, "utf8") : "";
    expect(actual, `docs/mappings.md is out of date with the mapping definitions; regenerate it with\n  ${REGENERATE}\nand review the diff`).toBe(expected);
  });
});
