/**
 * Golden tests for the aws-ce mapping over real saved Cost Explorer responses (../shared/fixtures/aws-cost-explorer):
 * staged by the connector's own SQL, mapped, compared with test/golden/, FOCUS-validated, totals to the cent.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { GroupDefinition } from "@aws-sdk/client-cost-explorer";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addMoney } from "../../src/core/money.js";
import { stageCostExplorerPages } from "../../src/engine/connectors/aws-cost-explorer.js";
import { ingestFiles } from "../../src/engine/ingest/ingest.js";
import type { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { validateStore } from "../../src/engine/validate/validate-store.js";
import { FIXTURES, exportFocusCsv, expectGolden, tempStore } from "../helpers/store.js";

interface Response {
  GroupDefinitions: GroupDefinition[];
  ResultsByTime: { Groups: { Metrics: { UnblendedCost?: { Amount: string } } }[] }[];
}

let store: DuckDbStore;
let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ store, dir, cleanup } = await tempStore()));
afterEach(async () => cleanup());

describe("aws-ce mapping: saved GetCostAndUsage responses", () => {
  it.each([
    // with UsageQuantity (the connector always asks for it): conformant
    ["awscli_example_get-cost-and-usage_output.json", "aws-ce-awscli-service-tag.focus.csv", 2, []],
    // saved without UsageQuantity: usage rows lack the PricingQuantity FOCUS requires, and the validator says so
    ["cloudscape_get-cost-and-usage_monthly_by_service.json", "aws-ce-cloudscape-monthly-service.focus.csv", 160, ["PricingQuantity.not-null"]],
  ])("%s", async (fixture, golden, groups, failing) => {
    const text = readFileSync(join(FIXTURES, "aws-cost-explorer", fixture), "utf8");
    const response = JSON.parse(text) as Response;
    const pages = join(dir, "pages.ndjson");
    writeFileSync(pages, `${JSON.stringify(response)}\n`);
    const csv = join(dir, "ce.csv");
    expect(await stageCostExplorerPages(store, pages, csv, response.GroupDefinitions, "123456789012")).toBe(groups);
    const result = await ingestFiles(store, [csv], { format: "aws-ce" });
    // the response's unblended cost, added exactly in JS from the JSON text
    const expected = addMoney("0", ...response.ResultsByTime.flatMap((r) => r.Groups.map((g) => g.Metrics.UnblendedCost?.Amount ?? "0")));
    expect(result.loadedTotal).toBe(addMoney(expected, "0"));
    expectGolden(golden, await exportFocusCsv(store));
    const report = await validateStore(store, { scope: { source: "aws-ce" } });
    expect(report.rules.filter((r) => r.status === "fail" && r.severity === "error").map((r) => r.id)).toEqual(failing);
    expect(report.conformant).toBe(failing.length === 0);
  });
});
