/**
 * Azure, Google Cloud and OCI billing exports: golden FOCUS output per fixture family, FOCUS
 * conformance of every ingested store, control totals recomputed from the source files independently
 * of the mapping, and bad input named by file, row and column.
 * UPDATE_GOLDEN=1 npx vitest run src/engine/mapping/cloud-exports.test.ts rewrites the golden files.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CostwiseError } from "../../core/errors.js";
import { addMoney, toCents } from "../../core/money.js";
import { ingestFiles } from "../ingest/ingest.js";
import type { DuckDbStore } from "../store/duckdb-store.js";
import { validateStore } from "../validate/validate-store.js";
import { FIXTURES, LOCAL_FIXTURES, exportFocusCsv, expectGolden, tempStore } from "../../../test/helpers/store.js";

let store: DuckDbStore;
let cleanup: () => Promise<void>;
let dir: string;
beforeEach(async () => ({ store, cleanup, dir } = await tempStore()));
afterEach(async () => cleanup());

const AZ = join(FIXTURES, "azure");
const AZ_HEADERS = join(AZ, "opencost-billingexports/headersets");

/** Loads files, checks they pass the FOCUS validator with no error, and returns the ingest result. */
async function ingestConformant(paths: string[], allowed: string[] = []) {
  const result = await ingestFiles(store, paths);
  const report = await validateStore(store);
  const failing = report.rules.filter((r) => r.status === "fail" && r.severity === "error").map((r) => `${r.id} ${JSON.stringify(r.example?.values)}`);
  expect(failing).toEqual(allowed);
  return result;
}

async function billedBy(column: string): Promise<Record<string, string>> {
  const rows = await store.all(`SELECT ${column}::VARCHAR AS k, sum("BilledCost")::VARCHAR AS t FROM focus_costs GROUP BY 1 ORDER BY 1`);
  return Object.fromEntries(rows.map((r) => [String(r["k"]), String(r["t"])]));
}

async function expectBadInput(paths: string[], pattern: RegExp): Promise<CostwiseError> {
  const err = await ingestFiles(store, paths).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CostwiseError);
  expect((err as CostwiseError).message).toMatch(pattern);
  const left = await store.all("SELECT count(*)::INTEGER AS n FROM focus_costs");
  expect(left[0]!["n"]).toBe(0);
  return err as CostwiseError;
}

/** A copy of a fixture with every line ending CR LF (a few published fixtures mix CR LF and LF). */
function crlfCopy(path: string): string {
  const out = join(dir, basename(path));
  writeFileSync(out, readFileSync(path, "utf8").replace(/\r?\n/g, "\r\n"));
  return out;
}

describe("Azure Cost Management exports", () => {
  it("EA cost details (PascalCase) and MCA cost details (camelCase, US dates)", async () => {
    // koku's EA fixture bills in "MC", not an ISO 4217 code: the validator says so, and nothing else
    const r = await ingestConformant([join(AZ, "azure_version_2.csv"), crlfCopy(join(AZ, "camel_azure_version_2.csv"))], [
      'BillingCurrency.currency-format {"BillingCurrency":"MC"}',
    ]);
    expect(r.files.map((f) => f.format)).toEqual(["azure-cost", "azure-cost"]);
    expectGolden("azure-ea-mca.focus.csv", await exportFocusCsv(store));
  });

  it("a file mixing CR LF and LF line endings is refused with the file named", async () => {
    await expectBadInput([join(AZ, "camel_azure_version_2.csv")], /camel_azure_version_2\.csv: .*mixed line endings/);
  });
});
