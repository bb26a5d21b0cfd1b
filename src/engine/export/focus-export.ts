/**
 * `costwise export focus`: the store as FOCUS datasets (Cost and Usage per billing period, Contract Commitment,
 * a metadata file), written by the store itself (DuckDB COPY: no row passes through JavaScript).
 *
 * Order of operations (exportFocus):
 *  1. Check the options: a known FOCUS version (1.2, 1.3, 1.4); `--allocated` needs 1.3 or later (the split cost
 *     allocation columns are 1.3's) and an allocation run (`cost_allocation`); a period is YYYY-MM.
 *  2. The billing periods to write: those of the cost rows (or, with `--allocated`, of the allocation rows),
 *     limited to the one asked for. No period: an error, nothing written.
 *  3. Per period, one COPY of a SELECT that projects the version's Cost and Usage columns (columnsOfVersion):
 *     money as DECIMAL(38,10), timestamps as UTC (naive TIMESTAMP in Parquet, ISO 8601 with Z in CSV), JSON
 *     columns as JSON text (Tags from the store's MAP). Deprecated columns stay while the version has them
 *     (1.3 keeps ProviderName and PublisherName, 1.4 drops them).
 *     With `--allocated`, the rows are those of `cost_allocation` (see allocatedSelect): each is an allocated
 *     charge carrying AllocatedMethodId (the rule), AllocatedMethodDetails (split method, ratio, weights),
 *     AllocatedResourceId/Name and AllocatedTags (the owner dimensions), so the file sums to the bill exactly
 *     (the allocation's invariant) and per owner to `costwise report allocation`.
 *  4. Version 1.3 and later: the Contract Commitment dataset, one row per commitment (RI, Savings Plan, CUD) the
 *     cost rows of the exported periods name (see commitmentSelect).
 *  5. The metadata file (metadata.json): data generator, FOCUS version, each dataset's columns and files.
 *  6. Per file, the rows and the BilledCost/EffectiveCost totals per currency read back from the written file
 *     (the figures the CLI prints, checked against the store's in the tests).
 *
 * Files are written into a fresh `.tmp` folder inside `out` and renamed into place at the end, so a failure
 * leaves no half-written dataset behind.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { CostwiseError } from "../../core/errors.js";
import {
  CONTRACT_COMMITMENT_COLUMNS,
  columnsOfVersion,
  isFocusVersion,
  type FocusColumn,
  type FocusVersion,
} from "../../core/focus/columns.js";
import { quoteIdent } from "../../core/sql.js";
import { appliedVersion } from "../allocation/allocate.js";
import { ALLOCATION_TABLE, ownerFields } from "../allocation/tables.js";
import { sql, type AnalysisStore } from "../store/cost-store.js";
import { col, readRows } from "../store/read-rows.js";
import { readerPath } from "../store/duckdb/literal-path.js";
import { COST_TABLE, sqlTypeOf } from "../store/schema.js";
import { IDLE_POOL, K8S_SOURCE } from "../../core/allocation/model.js";

export const EXPORT_FORMATS = ["parquet", "csv"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
/** The versions `costwise export focus` writes. */
export const EXPORT_VERSIONS = ["1.2", "1.3", "1.4"] as const satisfies readonly FocusVersion[];

/** Key prefix of the owner dimensions in AllocatedTags (data generator-defined tags carry the generator's prefix). */
export const ALLOCATED_TAG_PREFIX = "costwise/";
export const METADATA_FILE = "metadata.json";

export interface FocusExportOptions {
  version: string;
  format?: ExportFormat;
  /** YYYY-MM: only this billing period. */
  period?: string;
  out: string;
  allocated?: boolean;
  /** e.g. "costwise 0.1.0" */
  generator?: string;
}

export interface ExportedFile {
  dataset: "CostAndUsage" | "ContractCommitment";
  /** YYYY-MM for Cost and Usage files; null for Contract Commitment. */
  period: string | null;
  path: string;
  rows: number;
  /** Per currency (Cost and Usage: BilledCost and EffectiveCost; Contract Commitment: ContractCommitmentCost as billed). */
  totals: { currency: string; billedCost: string; effectiveCost: string }[];
}

export interface FocusExportResult {
  version: FocusVersion;
  format: ExportFormat;
  allocated: boolean;
  out: string;
  metadata: string;
  files: ExportedFile[];
}

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

export async function exportFocus(store: AnalysisStore, opts: FocusExportOptions): Promise<FocusExportResult> {
  // 1. options
  if (!isFocusVersion(opts.version) || !(EXPORT_VERSIONS as readonly string[]).includes(opts.version)) {
    throw new CostwiseError("USAGE", `--version must be one of ${EXPORT_VERSIONS.join(", ")}, got "${opts.version}"`);
  }
  const version = opts.version;
  const format = opts.format ?? "parquet";
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new CostwiseError("USAGE", `--format must be parquet or csv, got "${String(format)}"`);
  if (opts.period !== undefined && !PERIOD.test(opts.period)) throw new CostwiseError("USAGE", `--period must be a billing month YYYY-MM, got "${opts.period}"`);
  const allocated = Boolean(opts.allocated);
  if (allocated && version === "1.2") throw new CostwiseError("USAGE", "--allocated writes FOCUS 1.3 split cost allocation columns: use --version 1.3 or 1.4");
  if (allocated && !(await tableExists(store, ALLOCATION_TABLE))) {
    throw new CostwiseError("NOT_FOUND", "--allocated exports the allocation, and none was run on this store: run `costwise allocate` first");
  }
  const columns = columnsOfVersion(version);

  // 2. periods
  const periodSql = allocated ? `strftime(billing_period_start, '%Y-%m')` : `strftime("BillingPeriodStart", '%Y-%m')`;
  const periods = (
    await readRows(store, { p: col.text }, sql(`SELECT DISTINCT ${periodSql} AS p FROM ${allocated ? ALLOCATION_TABLE : COST_TABLE} WHERE ${periodSql} IS NOT NULL ${opts.period ? `AND ${periodSql} = ?` : ""} ORDER BY p`, ...(opts.period ? [opts.period] : [])))
  ).map((r) => r.p);
  if (periods.length === 0) {
    throw new CostwiseError("NOT_FOUND", opts.period ? `no ${allocated ? "allocated " : ""}cost rows in billing period ${opts.period}; nothing was written` : `the store holds no ${allocated ? "allocated " : ""}cost rows; nothing was written`);
  }

  const out = resolve(opts.out);
  const tmp = join(out, `.costwise-export-${process.pid}-${Date.now()}.tmp`);
  mkdirSync(tmp, { recursive: true });
  const ext = format === "parquet" ? "parquet" : "csv";
  const copyOptions = format === "parquet" ? "(FORMAT parquet, COMPRESSION zstd)" : "(FORMAT csv, HEADER true)";
  const written: { name: string; dataset: ExportedFile["dataset"]; period: string | null }[] = [];
  try {
    // 3. Cost and Usage, one file per billing period
    const allocation = allocated ? await allocationContext(store) : undefined;
    for (const p of periods) {
      const name = `cost-and-usage-${p}.${ext}`;
      const select = allocation ? allocatedSelect(columns, format, allocation) : costSelect(columns, format);
      // DuckDB numbers COPY's target parameter first, before those of the query
      await store.run(sql(`COPY (${select}) TO ? ${copyOptions}`, join(tmp, name), ...(allocation ? [...allocation.params, p, p] : []), p));
      written.push({ name, dataset: "CostAndUsage", period: p });
    }
    // 4. Contract Commitment
    if (version !== "1.2") {
      const name = `contract-commitment.${ext}`;
      const placeholders = periods.map(() => "?").join(", ");
      await store.run(sql(`COPY (${commitmentSelect(format, placeholders)}) TO ? ${copyOptions}`, join(tmp, name), ...periods));
      written.push({ name, dataset: "ContractCommitment", period: null });
    }
    // 5. metadata
    const metadata = metadataDocument(version, format, allocated, opts.generator ?? "costwise", columns, written);
    writeFileSync(join(tmp, METADATA_FILE), JSON.stringify(metadata, null, 2) + "\n");
    // into place: every file replaces its namesake, then the temporary folder goes
    for (const f of [...written.map((w) => w.name), METADATA_FILE]) renameSync(join(tmp, f), join(out, f));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }

  // 6. what was written, read back from the files
  const files: ExportedFile[] = [];
  for (const w of written) {
    const path = join(out, w.name);
    const bound = await readerPath(store, path);
    const reader = format === "parquet" ? `read_parquet(${bound})` : `read_csv(${bound}, header = true, all_varchar = true)`;
    const [billed, effective] = w.dataset === "CostAndUsage" ? ['"BilledCost"', '"EffectiveCost"'] : ['"ContractCommitmentCost"', '"ContractCommitmentCost"'];
    const rows = await readRows(
      store,
      { currency: col.text.nullable(), n: col.int, b: col.money.nullable(), e: col.money.nullable() },
      `SELECT "BillingCurrency" AS currency, count(*) AS n, sum(CAST(${billed} AS DECIMAL(38,10))) AS b, sum(CAST(${effective} AS DECIMAL(38,10))) AS e FROM ${reader} GROUP BY ALL ORDER BY currency NULLS FIRST`,
    );
    files.push({
      dataset: w.dataset,
      period: w.period,
      path,
      rows: rows.reduce((s, r) => s + r.n, 0),
      totals: rows.map((r) => ({ currency: r.currency ?? "", billedCost: r.b ?? "0", effectiveCost: r.e ?? "0" })),
    });
  }
  return { version, format, allocated, out, metadata: join(out, METADATA_FILE), files };
}

async function tableExists(store: AnalysisStore, table: string): Promise<boolean> {
  const rows = await readRows(store, { n: col.int }, sql(`SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = ?`, table));
  return (rows[0]?.n ?? 0) > 0;
}

/** A column's value as written: UTC timestamps, JSON as text, the rest as stored. */
function output(c: FocusColumn, expr: string, format: ExportFormat): string {
  if (c.dataType === "DateTime") return format === "csv" ? `strftime(${expr}, '%Y-%m-%dT%H:%M:%SZ')` : `CAST(${expr} AS TIMESTAMP)`;
  if (c.dataType === "JSON") return `CAST(${expr} AS VARCHAR)`;
  if (c.dataType === "Decimal") return `CAST(${expr} AS DECIMAL(38,10))`;
  return `CAST(${expr} AS VARCHAR)`;
}

/** The stored Cost and Usage rows of one billing period (the last `?`). */
function costSelect(columns: readonly FocusColumn[], format: ExportFormat): string {
  const list = columns.map((c) => {
    // the store keeps "no tags" as an empty MAP; FOCUS files say it with null
    const stored = c.name === "Tags" ? `CASE WHEN "Tags" IS NULL OR cardinality("Tags") = 0 THEN NULL ELSE to_json(map_from_entries(list_sort(map_entries("Tags")))) END` : quoteIdent(c.name);
    return `${output(c, stored, format)} AS ${quoteIdent(c.name)}`;
  });
  return `SELECT ${list.join(", ")} FROM ${COST_TABLE} WHERE strftime("BillingPeriodStart", '%Y-%m') = ?`;
}

interface AllocationContext {
  /** owner dimensions of cost_allocation.owners (first: the primary, held in `team`) */
  dims: string[];
  /** VALUES rows (rule id, split method, weights JSON) of the applied rules' shared splits */
  methodsSql: string;
  /** the constants the SELECT reads from its `k` row (see allocatedSelect), then the methods' values, in text order */
  params: string[];
}

async function allocationContext(store: AnalysisStore): Promise<AllocationContext> {
  const dims = await ownerFields(store);
  const applied = await appliedVersion(store);
  const owners = dims.length ? dims : ["team"];
  // k: the Kubernetes source and idle pool ids, the tag key prefix and the AllocatedTags key of each owner dimension
  const params: string[] = [K8S_SOURCE, IDLE_POOL, `${ALLOCATED_TAG_PREFIX}${owners[0]!}/`, ...owners.map((d) => ALLOCATED_TAG_PREFIX + d)];
  const values: string[] = [];
  for (const r of applied?.config.rules ?? []) {
    if (!r.shared) continue;
    const weights = r.shared.method === "fixed" ? JSON.stringify(r.shared.percentages ?? {}) : r.shared.method === "proportional" ? JSON.stringify({ x_WeightMetric: applied?.config.weightMetric ?? "EffectiveCost" }) : null;
    values.push("(?, ?, ?)");
    params.push(r.id, r.shared.method, weights ?? "null");
  }
  const methodsSql = values.length
    ? `SELECT * FROM (VALUES ${values.join(", ")}) AS t(rule_id, method, weights)`
    : `SELECT NULL::VARCHAR AS rule_id, NULL::VARCHAR AS method, NULL::VARCHAR AS weights WHERE false`;
  return { dims: owners, methodsSql, params };
}

/**
 * The allocation rows of one billing period (the last three `?`: the lookups' and the rows') as FOCUS 1.3 allocated charges.
 *
 * Grain: cost_allocation's groups (day, owner, rule, pool, provider, sub-account, service, region, resource,
 * cluster, namespace), not line items: columns that grain does not keep (ChargeCategory, prices, quantities,
 * SKUs, Tags) are NULL. AllocatedRatio is the row's share of its origin: the shared pool of its billing period and
 * currency for shares, the cluster's cost for Kubernetes rows, 1 for a charge a rule gave wholly to one owner.
 * AllocatedMethodDetails also names the split method (x_SplitMethod: even, proportional, fixed, kubernetes,
 * kubernetes-idle, rule) and, for fixed splits, the percentages (x_Weights).
 */
function allocatedSelect(columns: readonly FocusColumn[], format: ExportFormat, ctx: AllocationContext): string {
  // the primary dimension is cost_allocation.team; the others are fields of the owners STRUCT
  const tagEntries = ctx.dims.map((d, i) => `{'k': k.d${i}, 'v': ${i === 0 ? "a.team" : `a.owners.${quoteIdent(d)}`}}`);
  const isK8s = `(a.x_source = k.k8s_source AND a.k8s_namespace IS NOT NULL)`;
  const method = `CASE WHEN a.shared_pool = k.idle_pool THEN 'kubernetes-idle' WHEN a.shared_pool IS NOT NULL THEN coalesce(m.method, 'shared')
    WHEN ${isK8s} THEN 'kubernetes' ELSE 'rule' END`;
  const ratio = `round(CASE WHEN a.shared_pool IS NOT NULL THEN a.billed_cost / nullif(sum(a.billed_cost) OVER (PARTITION BY a.billing_period_start, a.currency, a.shared_pool), 0)
    WHEN ${isK8s} THEN a.billed_cost / nullif(sum(a.billed_cost) OVER (PARTITION BY a.billing_period_start, a.currency, a.k8s_cluster, ${isK8s}), 0) ELSE 1 END, 10)::DOUBLE`;
  const start = `coalesce(CAST(a.charge_date AS TIMESTAMP), a.billing_period_start)`;
  const exprs: Record<string, string> = {
    BilledCost: "a.billed_cost",
    EffectiveCost: "a.effective_cost",
    BillingCurrency: "a.currency",
    BillingPeriodStart: "a.billing_period_start",
    BillingPeriodEnd: "a.billing_period_start + INTERVAL 1 MONTH",
    ChargePeriodStart: start,
    ChargePeriodEnd: `CASE WHEN a.charge_date IS NULL THEN a.billing_period_start + INTERVAL 1 MONTH ELSE CAST(a.charge_date AS TIMESTAMP) + INTERVAL 1 DAY END`,
    ProviderName: "a.provider",
    ServiceProviderName: "a.provider",
    HostProviderName: "a.provider",
    PublisherName: "coalesce(sv.publisher, a.provider)",
    InvoiceIssuerName: "coalesce(ac.issuer, pv.issuer, a.provider)",
    BillingAccountId: "coalesce(ac.billing_account_id, pv.billing_account_id)",
    BillingAccountName: "coalesce(ac.billing_account_name, pv.billing_account_name)",
    BillingAccountType: "coalesce(ac.billing_account_type, pv.billing_account_type)",
    InvoiceId: "ac.invoice_id",
    SubAccountId: "a.sub_account_id",
    SubAccountName: "CASE WHEN a.sub_account_id IS NOT NULL THEN coalesce(ac.sub_account_name, a.sub_account_id) END",
    SubAccountType: "CASE WHEN a.sub_account_id IS NOT NULL THEN ac.sub_account_type END",
    ServiceName: "a.service_name",
    ServiceCategory: "coalesce(sv.category, 'Other')",
    ServiceSubcategory: "coalesce(sv.subcategory, 'Other (' || coalesce(sv.category, 'Other') || ')')",
    RegionId: "a.region_id",
    RegionName: "CASE WHEN a.region_id IS NOT NULL THEN coalesce(rg.region_name, a.region_id) END",
    ResourceId: "a.resource_id",
    ResourceName: "CASE WHEN a.resource_id IS NOT NULL THEN rs.resource_name END",
    ResourceType: "CASE WHEN a.resource_id IS NOT NULL THEN rs.resource_type END",
    ChargeCategory: "coalesce(g.charge_category, 'Usage')",
    ChargeFrequency: "coalesce(g.charge_frequency, CASE WHEN g.charge_category = 'Purchase' THEN 'One-Time' ELSE 'Usage-Based' END)",
    ChargeDescription: `coalesce(a.service_name, 'Shared costs') || ' allocated to ' || a.team`,
    PricingCurrency: "a.currency",
    PricingCurrencyEffectiveCost: "a.effective_cost",
    // the allocation's grain keeps billed and effective cost only: list and contracted cost scale the row's billed
    // cost by the ratio of its line items' (exact where a group was not split)
    ListCost: `CASE WHEN a.shared_pool IS NULL AND g.billed <> 0 THEN round(a.billed_cost * g.list / g.billed, 10) ELSE a.billed_cost END`,
    ContractedCost: `CASE WHEN a.shared_pool IS NULL AND g.billed <> 0 THEN round(a.billed_cost * g.contracted / g.billed, 10) ELSE a.billed_cost END`,
    AllocatedMethodId: "a.rule_id",
    AllocatedMethodDetails: `json_object('Elements', json_array(json_object('AllocatedRatio', ${ratio})), 'x_SplitMethod', ${method}, 'x_SharedPool', a.shared_pool, 'x_Weights', CAST(CASE WHEN a.shared_pool IS NOT NULL THEN m.weights END AS JSON))`,
    AllocatedResourceId: `CASE WHEN ${isK8s} THEN a.k8s_cluster || '/' || a.k8s_namespace ELSE coalesce(a.resource_id, k.owner_prefix || a.team) END`,
    AllocatedResourceName: `CASE WHEN ${isK8s} THEN a.k8s_namespace ELSE a.team END`,
    AllocatedTags: `to_json(map_from_entries(list_filter([${tagEntries.join(", ")}], e -> e.v IS NOT NULL)))`,
  };
  const list = columns.map((c) => `${output(c, exprs[c.name] ?? `NULL::${sqlTypeOf(c)}`, format)} AS ${quoteIdent(c.name)}`);
  // costwise's own columns: where each allocated row came from
  list.push(`a.shared_pool AS x_SharedPool`, `a.x_source AS x_Source`, `a.k8s_cluster AS x_k8s_Cluster`, `a.k8s_namespace AS x_k8s_Namespace`, `a.line_items AS x_LineItems`);
  const k = ["k8s_source", "idle_pool", "owner_prefix", ...ctx.dims.map((_, i) => `d${i}`)].map((n) => `?::VARCHAR AS ${n}`).join(", ");
  // the line items' descriptive columns, looked up by the allocation row's drill-down columns (g: the row's own
  // group of line items; ChargeCategory and ChargeFrequency only where the group has one)
  const c = COST_TABLE;
  const lookups = `
    ac AS (SELECT "ProviderName" AS provider, "SubAccountId" AS sub_account_id, any_value("BillingAccountId") AS billing_account_id, any_value("BillingAccountName") AS billing_account_name,
      any_value("BillingAccountType") AS billing_account_type, any_value("SubAccountName") AS sub_account_name, any_value("SubAccountType") AS sub_account_type,
      any_value("InvoiceIssuerName") AS issuer, any_value("InvoiceId") AS invoice_id FROM ${c} WHERE strftime("BillingPeriodStart", '%Y-%m') = ? GROUP BY ALL),
    pv AS (SELECT "ProviderName" AS provider, any_value("BillingAccountId") AS billing_account_id, any_value("BillingAccountName") AS billing_account_name,
      any_value("BillingAccountType") AS billing_account_type, any_value("InvoiceIssuerName") AS issuer FROM ${c} GROUP BY ALL),
    sv AS (SELECT "ProviderName" AS provider, "ServiceName" AS service_name, any_value("ServiceCategory") AS category, any_value("ServiceSubcategory") AS subcategory, any_value("PublisherName") AS publisher FROM ${c} GROUP BY ALL),
    rg AS (SELECT "ProviderName" AS provider, "RegionId" AS region_id, any_value("RegionName") AS region_name FROM ${c} WHERE "RegionId" IS NOT NULL GROUP BY ALL),
    rs AS (SELECT "ResourceId" AS resource_id, any_value("ResourceName") AS resource_name, any_value("ResourceType") AS resource_type FROM ${c} WHERE "ResourceId" IS NOT NULL GROUP BY ALL),
    g AS (SELECT CAST("ChargePeriodStart" AS DATE) AS charge_date, "BillingCurrency" AS currency, "ProviderName" AS provider, "SubAccountId" AS sub_account_id, "ServiceName" AS service_name,
      "RegionId" AS region_id, "ResourceId" AS resource_id, CASE WHEN count(DISTINCT "ChargeCategory") = 1 THEN any_value("ChargeCategory") END AS charge_category,
      CASE WHEN count(DISTINCT "ChargeFrequency") = 1 THEN any_value("ChargeFrequency") END AS charge_frequency,
      sum("BilledCost") AS billed, sum("ListCost") AS list, sum("ContractedCost") AS contracted
      FROM ${c} WHERE strftime("BillingPeriodStart", '%Y-%m') = ? GROUP BY ALL)`;
  const same = (t: string, cols: string[]) => cols.map((x) => `${t}.${x} IS NOT DISTINCT FROM a.${x}`).join(" AND ");
  return `WITH k AS (SELECT ${k}), m AS (${ctx.methodsSql}), ${lookups}
    SELECT ${list.join(", ")} FROM ${ALLOCATION_TABLE} a CROSS JOIN k LEFT JOIN m ON m.rule_id = a.rule_id
    LEFT JOIN ac ON ${same("ac", ["provider", "sub_account_id"])} LEFT JOIN pv ON ${same("pv", ["provider"])}
    LEFT JOIN sv ON ${same("sv", ["provider", "service_name"])} LEFT JOIN rg ON ${same("rg", ["provider", "region_id"])} LEFT JOIN rs ON rs.resource_id = a.resource_id
    LEFT JOIN g ON ${same("g", ["charge_date", "currency", "provider", "sub_account_id", "service_name", "region_id", "resource_id"])}
    WHERE strftime(a.billing_period_start, '%Y-%m') = ?`;
}

/**
 * The Contract Commitment dataset: one row per commitment (CommitmentDiscountId) and currency named by the cost
 * rows of the exported periods (the `?` list). The store knows commitments from the bill, not from the contract:
 * ContractId = ContractCommitmentId = the commitment's id; the period starts at the first charge seen and ends at
 * the term end the source states (x_CommitmentDiscountEndTime) or else the last charge seen; Cost is the
 * commitment's EffectiveCost over the rows it applied to (used and unused) in the exported periods, Quantity and
 * Unit its CommitmentDiscountQuantity and Unit over the same rows; Category is the row's CommitmentDiscountCategory
 * (else Spend for Savings Plans, Usage otherwise).
 */
function commitmentSelect(format: ExportFormat, periodPlaceholders: string): string {
  const by = (name: string) => CONTRACT_COMMITMENT_COLUMNS.find((c) => c.name === name)! as FocusColumn;
  const exprs: Record<string, string> = {
    BillingCurrency: `"BillingCurrency"`,
    ContractCommitmentCategory: `coalesce(any_value("CommitmentDiscountCategory"), CASE WHEN any_value("CommitmentDiscountType") ILIKE '%savings plan%' THEN 'Spend' ELSE 'Usage' END)`,
    ContractCommitmentCost: `coalesce(sum("EffectiveCost") FILTER (WHERE "CommitmentDiscountStatus" IS NOT NULL), sum("EffectiveCost"))`,
    ContractCommitmentDescription: `coalesce(any_value("CommitmentDiscountName"), any_value("CommitmentDiscountType"))`,
    ContractCommitmentId: `"CommitmentDiscountId"`,
    ContractCommitmentPeriodEnd: `coalesce(max(x_CommitmentDiscountEndTime), max("ChargePeriodEnd"))`,
    ContractCommitmentPeriodStart: `min("ChargePeriodStart")`,
    ContractCommitmentQuantity: `sum("CommitmentDiscountQuantity") FILTER (WHERE "CommitmentDiscountStatus" IS NOT NULL)`,
    ContractCommitmentType: `coalesce(any_value("CommitmentDiscountType"), 'Commitment Discount')`,
    ContractCommitmentUnit: `CASE WHEN sum("CommitmentDiscountQuantity") FILTER (WHERE "CommitmentDiscountStatus" IS NOT NULL) IS NOT NULL THEN any_value("CommitmentDiscountUnit") END`,
    ContractId: `"CommitmentDiscountId"`,
    ContractPeriodEnd: `coalesce(max(x_CommitmentDiscountEndTime), max("ChargePeriodEnd"))`,
    ContractPeriodStart: `min("ChargePeriodStart")`,
  };
  const list = CONTRACT_COMMITMENT_COLUMNS.map((c) => `${output(by(c.name), exprs[c.name]!, format)} AS ${quoteIdent(c.name)}`);
  return `SELECT ${list.join(", ")} FROM ${COST_TABLE}
    WHERE "CommitmentDiscountId" IS NOT NULL AND strftime("BillingPeriodStart", '%Y-%m') IN (${periodPlaceholders})
    GROUP BY "CommitmentDiscountId", "BillingCurrency" ORDER BY "CommitmentDiscountId", "BillingCurrency"`;
}

/** The FOCUS metadata document: data generator, schema (version and column definitions) and costwise's file list. */
function metadataDocument(
  version: FocusVersion,
  format: ExportFormat,
  allocated: boolean,
  generator: string,
  columns: readonly FocusColumn[],
  written: readonly { name: string; dataset: ExportedFile["dataset"]; period: string | null }[],
): Record<string, unknown> {
  const definition = (c: FocusColumn) => ({
    ColumnName: c.name,
    DataType: c.dataType,
    ...(c.dataType === "Decimal" ? { NumberScale: 10, NumberPrecision: 38 } : {}),
    ...(c.dataType === "String" ? { StringEncoding: "UTF-8" } : {}),
    ...(c.dataType === "DateTime" ? { x_TimeZone: "UTC" } : {}),
  });
  const created = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  const schemas: Record<string, unknown>[] = [
    { SchemaId: `costwise-focus-${version}-cost-and-usage${allocated ? "-allocated" : ""}`, FocusVersion: version, CreationDate: created, x_Dataset: "CostAndUsage", ColumnDefinition: columns.map(definition) },
  ];
  if (version !== "1.2") {
    schemas.unshift({ SchemaId: `costwise-focus-${version}-contract-commitment`, FocusVersion: version, CreationDate: created, x_Dataset: "ContractCommitment", ColumnDefinition: CONTRACT_COMMITMENT_COLUMNS.map((c) => definition(c as FocusColumn)) });
  }
  return {
    DataGenerator: { DataGenerator: generator },
    Schemas: schemas,
    x_Format: format,
    x_Allocated: allocated,
    ...(allocated ? { x_AllocatedTagPrefix: ALLOCATED_TAG_PREFIX } : {}),
    x_Files: written.map((w) => ({ Dataset: w.dataset, BillingPeriod: w.period, File: w.name })),
  };
}
