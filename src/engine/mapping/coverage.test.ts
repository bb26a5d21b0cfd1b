/** The coverage table (`costwise mappings --format md`): every FOCUS column against every source format. */
import { describe, expect, it } from "vitest";
import { FOCUS_COLUMNS } from "../../core/focus/columns.js";
import { coverageTable, renderCoverageMarkdown, renderCoverageText } from "./describe.js";
import { MAPPINGS, SOURCE_FORMATS } from "./registry.js";

const table = coverageTable(SOURCE_FORMATS.map((f) => MAPPINGS[f]));
const cell = (column: string, format: string) => table.rows.find((r) => r.column === column)!.cells[table.formats.indexOf(format)];

describe("coverage table", () => {
  it("has every FOCUS column and every source format, the cloud exports included", () => {
    expect(table.rows.map((r) => r.column)).toEqual(FOCUS_COLUMNS.map((c) => c.name));
    for (const f of ["azure-cost", "gcp-billing", "oci-cost"]) expect(table.formats).toContain(f);
  });

  it("says how each mapping fills a column", () => {
    expect(cell("BilledCost", "azure-cost")).toBe("source");
    expect(cell("ProviderName", "gcp-billing")).toBe("constant");
    expect(cell("ChargePeriodEnd", "azure-cost")).toBe("derived");
    expect(cell("InvoiceId", "oci-cost")).toBe("none");
    expect(cell("SubAccountId", "gcp-billing")).toBe("source");
    // produced counts agree with the cells
    const i = table.formats.indexOf("oci-cost");
    expect(table.produced[i]).toBe(table.rows.filter((r) => r.cells[i] !== "none").length);
  });

  it("renders as Markdown and as text", () => {
    const md = renderCoverageMarkdown(table);
    expect(md.split("\n")[0]).toBe(`| FOCUS column | level | ${table.formats.map((f) => `\`${f}\``).join(" | ")} |`);
    expect(md).toMatch(/\| BilledCost \| Mandatory \| ✓ \|/);
    expect(md).toContain("— not produced (NULL)");
    const text = renderCoverageText(table);
    expect(text.split("\n").length).toBe(FOCUS_COLUMNS.length + 2 + 1 + 4);
  });
});
