/**
 * The cost store's schema, derived from the FOCUS catalogue, and its versioned migrations.
 *
 * FOCUS columns keep the spec's names verbatim; our own columns carry the spec's `x_` prefix.
 * Money is DECIMAL(38,10); timestamps are TIMESTAMP holding UTC; Tags is MAP(VARCHAR, VARCHAR)
 * (bound-key lookups, no JSON parsing at query time).
 */
import { FOCUS_COLUMNS, type FocusColumn } from "../../core/focus/columns.js";
import { quoteIdent } from "../../core/sql.js";

export const COST_TABLE = "focus_costs";
export const RUNS_TABLE = "ingest_runs";
/** One row per (partition, file, currency) loaded: what replacement and freshness read, without scanning cost rows. */
export const LOADED_TABLE = "loaded_files";
export const MONEY_SQL_TYPE = "DECIMAL(38,10)";

export function sqlTypeOf(c: FocusColumn): string {
  if (c.name === "Tags") return "MAP(VARCHAR, VARCHAR)";
  switch (c.dataType) {
    case "Decimal":
      return MONEY_SQL_TYPE;
    case "DateTime":
      return "TIMESTAMP";
    case "JSON":
      return "JSON";
    case "String":
      return "VARCHAR";
  }
}

/** costwise's own columns on every cost row (provenance and source detail). */
export const X_COLUMNS = [
  { name: "x_Source", sqlType: "VARCHAR", doc: "source format id (aws-cur, aws-cur2, focus, ...)" },
  { name: "x_SourceFile", sqlType: "VARCHAR", doc: "file the row came from" },
  { name: "x_IngestId", sqlType: "VARCHAR", doc: "ingest run that loaded the row" },
  { name: "x_DeliveryId", sqlType: "VARCHAR", doc: "delivery (report version) the row belongs to" },
  { name: "x_FocusVersion", sqlType: "VARCHAR", doc: "FOCUS version of the source, when it is a FOCUS file" },
  { name: "x_ChargeType", sqlType: "VARCHAR", doc: "the source's own charge type (e.g. CUR lineItem/LineItemType)" },
  { name: "x_ServiceCode", sqlType: "VARCHAR", doc: "provider service code (e.g. AmazonEC2)" },
  { name: "x_UsageType", sqlType: "VARCHAR", doc: "provider usage type (e.g. BoxUsage:m5.large)" },
  { name: "x_Operation", sqlType: "VARCHAR", doc: "provider operation (e.g. RunInstances)" },
  { name: "x_InstanceType", sqlType: "VARCHAR", doc: "instance type, where the source tells it" },
  // Kubernetes (OpenCost allocation rows); labels go to Tags as `k8s:label:<name>`
  { name: "x_k8s_Cluster", sqlType: "VARCHAR", doc: "Kubernetes cluster" },
  { name: "x_k8s_Node", sqlType: "VARCHAR", doc: "Kubernetes node" },
  { name: "x_k8s_Namespace", sqlType: "VARCHAR", doc: "Kubernetes namespace (`__idle__` for idle cost rows)" },
  { name: "x_k8s_ControllerKind", sqlType: "VARCHAR", doc: "Kubernetes controller kind (deployment, statefulset, ...)" },
  { name: "x_k8s_Controller", sqlType: "VARCHAR", doc: "Kubernetes controller name" },
  { name: "x_k8s_Pod", sqlType: "VARCHAR", doc: "Kubernetes pod" },
  { name: "x_k8s_Container", sqlType: "VARCHAR", doc: "Kubernetes container" },
  // FOCUS 1.2 has no commitment end column: the term's end as the source states it on every row of the commitment
  // (CUR reservation/EndTime, savingsPlan/EndTime), so an end is known without the purchase row in the window
  { name: "x_CommitmentDiscountEndTime", sqlType: "TIMESTAMP", doc: "end of the commitment's term (RI or Savings Plan), where the source tells it (UTC)" },
] as const;
export type XColumnName = (typeof X_COLUMNS)[number]["name"];

/** Every column of the cost table, in table order. */
export const COST_TABLE_COLUMNS: readonly { name: string; sqlType: string }[] = [
  ...FOCUS_COLUMNS.map((c) => ({ name: c.name, sqlType: sqlTypeOf(c) })),
  ...X_COLUMNS.map((c) => ({ name: c.name, sqlType: c.sqlType })),
];

/**
 * Columns a store that predates them gets derived from the columns it has (migration 5 here; the ClickHouse store
 * applies the same SQL when it adds the column): FOCUS 1.3 split ProviderName into the service provider (who sells
 * the service: ProviderName's meaning until 1.2) and the host provider (whose infrastructure runs it: the same
 * provider for the cloud bills costwise reads, "Not Applicable" for tax, which runs on nothing). The SQL is portable
 * between DuckDB and ClickHouse. Mappings produce the columns themselves for rows loaded after.
 */
export const DERIVED_COLUMNS: readonly { column: string; sql: string }[] = [
  { column: "ServiceProviderName", sql: `"ProviderName"` },
  { column: "HostProviderName", sql: `CASE WHEN "ChargeCategory" = 'Tax' THEN 'Not Applicable' ELSE "ProviderName" END` },
];

export interface Migration {
  version: number;
  description: string;
  statements: string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "FOCUS cost table and ingest runs",
    statements: [
      `CREATE TABLE ${COST_TABLE} (\n  ${COST_TABLE_COLUMNS.map((c) => `${quoteIdent(c.name)} ${c.sqlType}`).join(",\n  ")}\n)`,
      `CREATE TABLE ${RUNS_TABLE} (
        ingest_id VARCHAR PRIMARY KEY,
        started_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP NOT NULL,
        source VARCHAR NOT NULL,
        files JSON NOT NULL,
        partitions JSON NOT NULL,
        rows_loaded BIGINT NOT NULL,
        rows_replaced BIGINT NOT NULL,
        source_total ${MONEY_SQL_TYPE} NOT NULL,
        loaded_total ${MONEY_SQL_TYPE} NOT NULL,
        replaced_total ${MONEY_SQL_TYPE} NOT NULL,
        currency_totals JSON NOT NULL
      )`,
    ],
  },
  {
    version: 2,
    description: "loaded_files: per partition, delivery and file, the rows and money loaded",
    statements: [
      `CREATE TABLE ${LOADED_TABLE} (
        source VARCHAR NOT NULL,
        billing_account_id VARCHAR,
        billing_period_start TIMESTAMP,
        delivery_id VARCHAR NOT NULL,
        file VARCHAR NOT NULL,
        ingest_id VARCHAR NOT NULL,
        currency VARCHAR,
        rows BIGINT NOT NULL,
        billed_cost ${MONEY_SQL_TYPE},
        effective_cost ${MONEY_SQL_TYPE},
        first_charge TIMESTAMP,
        last_charge TIMESTAMP
      )`,
      `INSERT INTO ${LOADED_TABLE} SELECT x_Source, "BillingAccountId", "BillingPeriodStart", x_DeliveryId, x_SourceFile, x_IngestId, "BillingCurrency",
         count(*), sum("BilledCost"), sum("EffectiveCost"), min("ChargePeriodStart"), max("ChargePeriodEnd") FROM ${COST_TABLE} GROUP BY ALL`,
    ],
  },
  {
    version: 3,
    description: "Kubernetes columns on cost rows (OpenCost allocations)",
    statements: X_COLUMNS.filter((c) => c.name.startsWith("x_k8s_")).map(
      (c) => `ALTER TABLE ${COST_TABLE} ADD COLUMN IF NOT EXISTS ${quoteIdent(c.name)} ${c.sqlType}`,
    ),
  },
  {
    version: 4,
    description: "commitment end time on cost rows (CUR reservation/EndTime, savingsPlan/EndTime)",
    statements: [`ALTER TABLE ${COST_TABLE} ADD COLUMN IF NOT EXISTS ${quoteIdent("x_CommitmentDiscountEndTime")} TIMESTAMP`],
  },
  {
    version: 5,
    description: "FOCUS 1.3 and 1.4 Cost and Usage columns (split cost allocation, ContractApplied, service and host provider, invoice detail, commitment program eligibility); older rows get the provider columns derived",
    statements: [
      ...FOCUS_COLUMNS.filter((c) => c.introduced === "1.3" || c.introduced === "1.4").map(
        (c) => `ALTER TABLE ${COST_TABLE} ADD COLUMN IF NOT EXISTS ${quoteIdent(c.name)} ${sqlTypeOf(c)}`,
      ),
      ...DERIVED_COLUMNS.map((d) => `UPDATE ${COST_TABLE} SET ${quoteIdent(d.column)} = ${d.sql} WHERE ${quoteIdent(d.column)} IS NULL`),
    ],
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
