/**
 * FOCUS 1.3 and 1.4 files written by hand from the spec's examples (split cost allocation of a shared node,
 * ContractApplied, Commitment Program Eligibility, the 1.4 file without ProviderName/PublisherName) load, export
 * back in their version (CSV and Parquet) and round-trip equal: the exported file holds the original's values
 * column by column, and loading the export gives the same stored rows. Version detection by columns and by a
 * metadata file; a 1.2 file gets the 1.3 provider columns derived.
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { columnsOfVersion, focusColumn, type FocusVersion } from "../../src/core/focus/columns.js";
import { exportFocus, type ExportFormat } from "../../src/engine/export/focus-export.js";
import { ingestFiles } from "../../src/engine/ingest/ingest.js";
import { focusVersionOf } from "../../src/engine/mapping/sources/focus.js";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { FIXTURES, tempDir, tempStore } from "../helpers/store.js";

const HERE = join(import.meta.dirname, "fixtures");
const FILES: { file: string; version: FocusVersion; rows: number }[] = [
  { file: "focus-1.3-split-allocation.csv", version: "1.3", rows: 5 },
  { file: "focus-1.4-eligibility.csv", version: "1.4", rows: 4 },
];

let work: { dir: string; cleanup: () => void };
let scratch: DuckDbStore;
beforeAll(async () => {
  work = tempDir("costwise-focus-versions-");
  scratch = await DuckDbStore.open(":memory:");
});
afterAll(async () => {
  await scratch?.close();
  work?.cleanup();
});

/** A value as FOCUS means it: decimals without trailing zeros, timestamps as UTC ISO, JSON with sorted keys, "" as null. */
function normalize(column: string, v: unknown): string | null {
  if (v === null || v === undefined || v === "") return null;
  const s = String(v);
  const c = focusColumn(column);
  switch (c?.dataType) {
    case "Decimal":
      return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
    case "DateTime":
      return new Date(/Z$|[+-]\d\d:?\d\d$/.test(s) ? s.replace(" ", "T") : `${s.replace(" ", "T")}Z`).toISOString();
    case "JSON":
      return canonicalJson(JSON.parse(s));
    default:
      return s;
  }
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v && typeof v === "object") return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(",")}}`;
  return JSON.stringify(v);
}

async function fileRows(path: string, columns: readonly string[]): Promise<Record<string, string | null>[]> {
  const reader = path.endsWith(".parquet") ? `read_parquet('${path}')` : `read_csv('${path}', header = true, all_varchar = true)`;
  const rows = await scratch.all(`SELECT ${columns.map((c) => `CAST("${c}" AS VARCHAR) AS "${c}"`).join(", ")} FROM ${reader}`);
  const out = rows.map((r) => Object.fromEntries(columns.map((c) => [c, normalize(c, r[c])])));
  return out.sort((a, b) => `${a["ChargeDescription"]}|${a["BilledCost"]}`.localeCompare(`${b["ChargeDescription"]}|${b["BilledCost"]}`));
}

async function storedRows(store: DuckDbStore, version: FocusVersion): Promise<Record<string, string | null>[]> {
  const cols = columnsOfVersion(version).map((c) => c.name);
  const sel = cols.map((c) => (c === "Tags" ? `CASE WHEN "Tags" IS NULL THEN NULL ELSE to_json("Tags")::VARCHAR END AS "Tags"` : `CAST("${c}" AS VARCHAR) AS "${c}"`));
  const rows = await store.all(`SELECT ${sel.join(", ")}, x_FocusVersion FROM focus_costs`);
  return rows
    .map((r): Record<string, string | null> => ({ ...Object.fromEntries(cols.map((c) => [c, normalize(c, r[c])])), x_FocusVersion: String(r["x_FocusVersion"]) }))
    .sort((a, b) => `${a["ChargeDescription"]}|${a["BilledCost"]}`.localeCompare(`${b["ChargeDescription"]}|${b["BilledCost"]}`));
}

async function headerOf(path: string): Promise<string[]> {
  return (await scratch.all(`DESCRIBE SELECT * FROM read_csv('${path}', header = true, all_varchar = true)`)).map((r) => String(r["column_name"]));
}

describe.each(FILES)("$file (FOCUS $version)", ({ file, version, rows }) => {
  it.each(["csv", "parquet"] as const)("loads, exports back as %s and round-trips equal", async (format: ExportFormat) => {
    const dir = join(work.dir, `${version}-${format}`);
    mkdirSync(join(dir, "in"), { recursive: true });
    const original = join(dir, "in", file);
    copyFileSync(join(HERE, file), original);
    const originalColumns = await headerOf(original);
    expect(focusVersionOf(originalColumns)).toBe(version);

    const a = await tempStore();
    const b = await tempStore();
    try {
      await ingestFiles(a.store, [original]);
      const loaded = await storedRows(a.store, version);
      expect(loaded.length).toBe(rows);
      expect(new Set(loaded.map((r) => r["x_FocusVersion"]))).toEqual(new Set([version]));

      const result = await exportFocus(a.store, { version, format, out: join(dir, "out") });
      const exported = result.files.filter((f) => f.dataset === "CostAndUsage");
      expect(exported.map((f) => f.period)).toEqual(["2025-04"]);
      const path = exported[0]!.path;

      // the export holds the original's values, column by column (the export has every column of the version)
      expect(originalColumns.every((c) => columnsOfVersion(version).some((v) => v.name === c))).toBe(true);
      expect(await fileRows(path, originalColumns)).toEqual(await fileRows(original, originalColumns));

      // loading the export gives the same stored rows (its metadata file states the version)
      await ingestFiles(b.store, [path]);
      expect(await storedRows(b.store, version)).toEqual(loaded);
    } finally {
      await a.cleanup();
      await b.cleanup();
    }
  }, 60_000);
});

describe("provider columns across the 1.3 split", () => {
  it("a 1.4 file fills the store's deprecated ProviderName and PublisherName from ServiceProviderName", async () => {
    const s = await tempStore();
    try {
      await ingestFiles(s.store, [join(HERE, "focus-1.4-eligibility.csv")]);
      const r = await s.store.all(`SELECT DISTINCT "ProviderName" AS p, "PublisherName" AS pub, "ServiceProviderName" AS sp FROM focus_costs ORDER BY p`);
      expect(r).toEqual([
        { p: "Aura Web", pub: "Aura Web", sp: "Aura Web" },
        { p: "StackLens", pub: "StackLens", sp: "StackLens" },
      ]);
    } finally {
      await s.cleanup();
    }
  });

  it("a 1.2 file gets ServiceProviderName from ProviderName and HostProviderName too ('Not Applicable' on tax)", async () => {
    const s = await tempStore();
    try {
      await ingestFiles(s.store, [join(FIXTURES, "focus/focus_sample.csv")]);
      const r = await s.store.all(`SELECT count(*)::INT AS n,
          count(*) FILTER (WHERE "ServiceProviderName" IS DISTINCT FROM "ProviderName")::INT AS sp,
          count(*) FILTER (WHERE "HostProviderName" IS DISTINCT FROM CASE WHEN "ChargeCategory" = 'Tax' THEN 'Not Applicable' ELSE "ProviderName" END)::INT AS host,
          any_value(x_FocusVersion) AS v FROM focus_costs`);
      expect(r[0]).toMatchObject({ sp: 0, host: 0 });
      expect(r[0]!["v"]).not.toBe("1.3");
      expect(Number(r[0]!["n"])).toBeGreaterThan(0);
    } finally {
      await s.cleanup();
    }
  });
});

describe("version detection", () => {
  it("by columns: newest column wins; 1.4 when ServiceProviderName comes without ProviderName", () => {
    const base = ["BilledCost", "BillingCurrency", "ChargePeriodStart", "ProviderName"];
    expect(focusVersionOf(base)).toBe("1.0");
    expect(focusVersionOf([...base, "ServiceSubcategory"])).toBe("1.1");
    expect(focusVersionOf([...base, "InvoiceId"])).toBe("1.2");
    expect(focusVersionOf([...base, "InvoiceId", "AllocatedTags"])).toBe("1.3");
    expect(focusVersionOf([...base, "ServiceProviderName"])).toBe("1.3");
    expect(focusVersionOf(["BilledCost", "ServiceProviderName", "HostProviderName"])).toBe("1.4");
    expect(focusVersionOf([...base, "ServiceProviderName", "InvoiceDetailId"])).toBe("1.4");
  });

  it("by a metadata file beside the data: its FocusVersion wins over the columns", async () => {
    const dir = join(work.dir, "metadata");
    mkdirSync(dir, { recursive: true });
    const data = join(dir, "export.csv");
    copyFileSync(join(HERE, "focus-1.3-split-allocation.csv"), data);
    const cols = await headerOf(data);
    expect(focusVersionOf(cols, data)).toBe("1.3");
    writeFileSync(join(dir, "export.metadata.json"), JSON.stringify({ DataGenerator: { DataGenerator: "hand" }, Schemas: [{ SchemaId: "s", FocusVersion: "1.4" }] }));
    expect(focusVersionOf(cols, data)).toBe("1.4");
    // a metadata file that states no version costwise knows leaves the decision to the columns
    writeFileSync(join(dir, "export.metadata.json"), JSON.stringify({ Schemas: [{ FocusVersion: "9.9" }] }));
    expect(focusVersionOf(cols, data)).toBe("1.3");
  });
});
