/** Builds a CUR 2.0 (Data Exports) Parquet file from a legacy CUR CSV, as AWS lays it out. */
import type { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { cur2Name } from "../../src/engine/mapping/sources/aws-cur.js";
import { readCsvHeader } from "../../src/engine/ingest/files.js";
import { statSync } from "node:fs";

export async function writeCur2Parquet(store: DuckDbStore, csvPath: string, outPath: string): Promise<string> {
  const header = await readCsvHeader({ path: csvPath, kind: "csv", gzip: false, bytes: statSync(csvPath).size });
  // read under positional names: DuckDB matches names case-insensitively (user:team vs user:Team)
  const pos = new Map(header.map((h, i) => [h, `c${i}`]));
  const q = (s: string) => `"${pos.get(s) ?? s}"`;
  const out = (s: string) => `"${s.replaceAll('"', '""')}"`;
  const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
  const money = new Set(["lineItem/UnblendedCost", "lineItem/UnblendedRate", "lineItem/UsageAmount", "pricing/publicOnDemandCost", "pricing/publicOnDemandRate",
    "reservation/EffectiveCost", "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod", "reservation/UnusedRecurringFee",
    "savingsPlan/SavingsPlanEffectiveCost", "savingsPlan/TotalCommitmentToDate", "savingsPlan/UsedCommitment"]);
  const times = new Set(["bill/BillingPeriodStartDate", "bill/BillingPeriodEndDate", "lineItem/UsageStartDate", "lineItem/UsageEndDate"]);
  const tagCols = header.filter((h) => h.startsWith("resourceTags/"));
  const plain = header.filter((h) => !h.startsWith("resourceTags/") && h !== "product/ProductName");
  const sel = plain.map((h) =>
    money.has(h) ? `CAST(NULLIF(${q(h)}, '') AS DOUBLE) AS ${out(cur2Name(h))}` : times.has(h) ? `CAST(CAST(NULLIF(${q(h)}, '') AS TIMESTAMPTZ) AS TIMESTAMP) AS ${out(cur2Name(h))}` : `NULLIF(${q(h)}, '') AS ${out(cur2Name(h))}`,
  );
  // CUR 2.0: tags in one MAP column, keys with ':' spelled '_' (user:team -> user_team)
  const entries = tagCols.map((h) => `struct_pack(k := ${lit(h.slice("resourceTags/".length).replace(/^user:/, "user_"))}, v := NULLIF(${q(h)}, ''))`);
  sel.push(`map_from_entries(list_filter([${entries.join(", ")}], e -> e.v IS NOT NULL)) AS resource_tags`);
  sel.push(`map_from_entries([struct_pack(k := 'product_name', v := NULLIF(${q("product/ProductName")}, ''))]) AS product`);
  await store.run(`COPY (SELECT ${sel.join(", ")} FROM read_csv(${lit(csvPath)}, header = true, all_varchar = true, auto_detect = false, columns = {${header.map((_h, i) => `'c${i}': 'VARCHAR'`).join(", ")}})) TO ${lit(outPath)} (FORMAT parquet)`);
  return outPath;
}
