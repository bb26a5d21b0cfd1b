/**
 * Generates a large CUR-like dataset for the benchmark, inside DuckDB (no row passes through JS):
 * a legacy CUR CSV and the same rows as CUR 2.0 Parquet, one billing month, hourly line items.
 */
import { existsSync, statSync } from "node:fs";
import type { DuckDbStore } from "../src/engine/store/duckdb/duckdb-store.js";
import { cur2Name } from "../src/engine/mapping/sources/aws-cur.js";
import { quoteString } from "../src/core/sql.js";

/** The CUR columns written, with the type the bare baseline reads them as. */
export const BENCH_COLUMNS: readonly [string, string][] = [
  ["identity/LineItemId", "VARCHAR"],
  ["bill/PayerAccountId", "VARCHAR"],
  ["bill/BillingEntity", "VARCHAR"],
  ["bill/BillingPeriodStartDate", "TIMESTAMPTZ"],
  ["bill/BillingPeriodEndDate", "TIMESTAMPTZ"],
  ["lineItem/UsageAccountId", "VARCHAR"],
  ["lineItem/LineItemType", "VARCHAR"],
  ["lineItem/UsageStartDate", "TIMESTAMPTZ"],
  ["lineItem/UsageEndDate", "TIMESTAMPTZ"],
  ["lineItem/ProductCode", "VARCHAR"],
  ["lineItem/UsageType", "VARCHAR"],
  ["lineItem/Operation", "VARCHAR"],
  ["lineItem/AvailabilityZone", "VARCHAR"],
  ["lineItem/ResourceId", "VARCHAR"],
  ["lineItem/UsageAmount", "DECIMAL(38,18)"],
  ["lineItem/CurrencyCode", "VARCHAR"],
  ["lineItem/UnblendedRate", "DECIMAL(38,18)"],
  ["lineItem/UnblendedCost", "DECIMAL(38,18)"],
  ["lineItem/LineItemDescription", "VARCHAR"],
  ["pricing/publicOnDemandCost", "DECIMAL(38,18)"],
  ["pricing/publicOnDemandRate", "DECIMAL(38,18)"],
  ["pricing/term", "VARCHAR"],
  ["pricing/unit", "VARCHAR"],
  ["product/ProductName", "VARCHAR"],
  ["product/region", "VARCHAR"],
  ["product/instanceType", "VARCHAR"],
  ["resourceTags/user:team", "VARCHAR"],
  ["resourceTags/user:env", "VARCHAR"],
  ["resourceTags/user:cost-center", "VARCHAR"],
];

const id = (s: string) => `"${s.replaceAll('"', '""')}"`;

/** SQL producing `rows` CUR rows from range(); values are a deterministic function of the row number. */
function rowsSql(rows: number): string {
  // hash(i + salt * a large odd number): independent picks per column (hash(i, salt) correlates across salts)
  const h = (salt: number) => `hash(i + ${salt * 1_000_003})`;
  const pick = (list: string[], salt: number) => `(${`[${list.map(quoteString).join(", ")}]`})[1 + (${h(salt)} % ${list.length})::INTEGER]`;
  const services = ["AmazonEC2", "AmazonS3", "AmazonRDS", "AWSLambda", "AmazonDynamoDB", "AmazonCloudFront", "AmazonEKS", "AmazonCloudWatch"];
  const names = ["Amazon Elastic Compute Cloud", "Amazon Simple Storage Service", "Amazon Relational Database Service", "AWS Lambda", "Amazon DynamoDB", "Amazon CloudFront", "Amazon Elastic Kubernetes Service", "AmazonCloudWatch"];
  return `
    SELECT
      'li-' || i AS ${id("identity/LineItemId")},
      '012345678901' AS ${id("bill/PayerAccountId")},
      'AWS' AS ${id("bill/BillingEntity")},
      '2026-09-01T00:00:00Z' AS ${id("bill/BillingPeriodStartDate")},
      '2026-10-01T00:00:00Z' AS ${id("bill/BillingPeriodEndDate")},
      ${pick(["000111222333", "098765432109", "123456789012", "210987654321", "333444555666", "777888999000"], 1)} AS ${id("lineItem/UsageAccountId")},
      CASE WHEN ${h(2)} % 50 = 0 THEN 'Tax' WHEN ${h(2)} % 97 = 0 THEN 'Credit' ELSE 'Usage' END AS ${id("lineItem/LineItemType")},
      strftime(TIMESTAMP '2026-09-01' + to_hours((i % 720)::BIGINT), '%Y-%m-%dT%H:%M:%SZ') AS ${id("lineItem/UsageStartDate")},
      strftime(TIMESTAMP '2026-09-01' + to_hours((i % 720)::BIGINT + 1), '%Y-%m-%dT%H:%M:%SZ') AS ${id("lineItem/UsageEndDate")},
      svc AS ${id("lineItem/ProductCode")},
      ${pick(["BoxUsage:m5.large", "BoxUsage:c6g.xlarge", "TimedStorage-ByteHrs", "Requests-Tier1", "DataTransfer-Out-Bytes"], 4)} AS ${id("lineItem/UsageType")},
      ${pick(["RunInstances", "PutObject", "CreateDBInstance", "Invoke", "GetItem"], 5)} AS ${id("lineItem/Operation")},
      ${pick(["us-east-1a", "us-east-1b", "eu-west-1a", ""], 6)} AS ${id("lineItem/AvailabilityZone")},
      'i-' || lpad(to_hex(hash(i % 50000 + 7000021) % 1000000000), 12, '0') AS ${id("lineItem/ResourceId")},
      round(((${h(8)} % 100000) / 1000.0)::DECIMAL(18,6), 6) AS ${id("lineItem/UsageAmount")},
      'USD' AS ${id("lineItem/CurrencyCode")},
      '0.096' AS ${id("lineItem/UnblendedRate")},
      CASE WHEN ${h(2)} % 97 = 0 THEN '-' ELSE '' END || ((${h(9)} % 100000000) / 100000000.0 * 3)::DECIMAL(18,10)::VARCHAR AS ${id("lineItem/UnblendedCost")},
      '$0.096 per On Demand Linux m5.large Instance Hour' AS ${id("lineItem/LineItemDescription")},
      ((${h(9)} % 100000000) / 100000000.0 * 3.2)::DECIMAL(18,10)::VARCHAR AS ${id("pricing/publicOnDemandCost")},
      '0.1' AS ${id("pricing/publicOnDemandRate")},
      'OnDemand' AS ${id("pricing/term")},
      ${pick(["Hrs", "GB-Mo", "Requests", "GB"], 10)} AS ${id("pricing/unit")},
      name AS ${id("product/ProductName")},
      ${pick(["us-east-1", "eu-west-1", "ap-southeast-2"], 11)} AS ${id("product/region")},
      ${pick(["m5.large", "c6g.xlarge", "r6i.2xlarge", ""], 12)} AS ${id("product/instanceType")},
      ${pick(["payments", "search", "data", "platform", "ml", "web", "", ""], 13)} AS ${id("resourceTags/user:team")},
      ${pick(["prod", "staging", "dev", ""], 14)} AS ${id("resourceTags/user:env")},
      ${pick(["cc-100", "cc-200", "cc-300", ""], 15)} AS ${id("resourceTags/user:cost-center")}
    FROM (
      SELECT range AS i, ([${services.map(quoteString).join(", ")}])[1 + (hash(range + 3000009) % ${services.length})::INTEGER] AS svc,
             ([${names.map(quoteString).join(", ")}])[1 + (hash(range + 3000009) % ${names.length})::INTEGER] AS name
      FROM range(${rows})
    )`;
}

export async function generateBenchData(store: DuckDbStore, dir: string, rows: number): Promise<{ csv: string; parquet: string }> {
  const csv = `${dir}/cur-v2-${rows}.csv`;
  const parquet = `${dir}/cur2-v2-${rows}.parquet`;
  if (!existsSync(csv) || statSync(csv).size === 0) {
    await store.run(`COPY (${rowsSql(rows)}) TO ${quoteString(csv)} (FORMAT csv, HEADER true)`);
  }
  if (!existsSync(parquet) || statSync(parquet).size === 0) {
    const types = Object.fromEntries(BENCH_COLUMNS);
    const cols = BENCH_COLUMNS.filter(([c]) => !c.startsWith("resourceTags/")).map(([c, t]) => {
      const target = id(cur2Name(c));
      if (t.startsWith("DECIMAL")) return `CAST(${id(c)} AS DOUBLE) AS ${target}`; // CUR 2.0 stores money as double
      if (t === "TIMESTAMPTZ") return `CAST(CAST(${id(c)} AS TIMESTAMPTZ) AS TIMESTAMP) AS ${target}`;
      return `${id(c)} AS ${target}`;
    });
    const tags = BENCH_COLUMNS.filter(([c]) => c.startsWith("resourceTags/")).map(
      ([c]) => `struct_pack(k := ${quoteString(c.slice("resourceTags/".length).replace("user:", "user_"))}, v := ${id(c)})`,
    );
    cols.push(`map_from_entries(list_filter([${tags.join(", ")}], e -> e.v IS NOT NULL AND e.v <> '')) AS resource_tags`);
    cols.push(`MAP {'product_name': "product/ProductName"} AS product`);
    void types;
    await store.run(`COPY (SELECT ${cols.join(", ")} FROM (${rowsSql(rows)})) TO ${quoteString(parquet)} (FORMAT parquet, ROW_GROUP_SIZE 1000000)`);
  }
  return { csv, parquet };
}
