/**
 * Where a monitor, forecast or budget reads its money from, as SQL pieces: the cost table (`focus_costs`)
 * or, for owner (team) scopes, the allocation table (`cost_allocation`) when it holds rows — otherwise
 * owners fall back to the `team` tag on the cost table.
 *
 * Every identifier here comes from the column whitelist or a fixed list; every user value is a parameter.
 */
import { CostwiseError } from "../../core/errors.js";
import { compileFilterCondition } from "../../core/query/compile.js";
import {
  describeProblems,
  dimensionValueType,
  parseFilterExpression,
  parseCostQuery,
  resolveDimension,
  type Filter,
} from "../../core/query/cost-query.js";
import { quoteIdent, quoteString, type CompiledSql, type SqlValue } from "../../core/sql.js";
import { ALLOCATION_TABLE } from "../allocation/tables.js";
import type { CostStore } from "../store/cost-store.js";
import { col, readRow } from "../store/read-rows.js";
import { COST_TABLE } from "../store/schema.js";

/** The tag owners fall back to when no allocation has been run. */
export const OWNER_FALLBACK_TAG = "team";

export type CostMetricName = "BilledCost" | "EffectiveCost" | "ListCost" | "ContractedCost";

/** A source of daily money with a condition, ready to be put into SQL. */
export interface ScopeSql {
  table: typeof COST_TABLE | typeof ALLOCATION_TABLE;
  /** Timestamp or date expression of the charge start. */
  time: string;
  /** The money column. */
  metric: string;
  currency: string;
  /** WHERE condition with its parameters. */
  where: CompiledSql;
  /** Columns available for root cause, by contributor kind. */
  contributors: { kind: string; expr: string }[];
  /** Whether tag values can be ranked (the cost table has Tags). */
  hasTags: boolean;
}

export async function hasAllocation(store: CostStore): Promise<boolean> {
  const t = await readRow(store, { n: col.int }, `SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = ${quoteString(ALLOCATION_TABLE)}`);
  if ((t?.n ?? 0) === 0) return false;
  const r = await readRow(store, { n: col.int }, `SELECT count(*)::INTEGER AS n FROM (SELECT 1 FROM ${ALLOCATION_TABLE} LIMIT 1)`);
  return (r?.n ?? 0) > 0;
}

/** Parses filter expressions (the `costwise query --filter` grammar) or throws BAD_CONFIG naming `where`. */
export function parseFilters(exprs: readonly string[], where: string): Filter[] {
  const inputs = [];
  for (const [i, e] of exprs.entries()) {
    const p = parseFilterExpression(e);
    if (!p.ok) throw new CostwiseError("BAD_CONFIG", `${where}.filters[${i}]: ${p.message}`);
    inputs.push(p.value);
  }
  const q = parseCostQuery({ filters: inputs });
  if (!q.ok) throw new CostwiseError("BAD_CONFIG", `${where}.filters: ${describeProblems(q.problems)}`);
  return q.value.filters;
}

const FOCUS_CONTRIBUTORS = [
  { kind: "account", expr: `coalesce("SubAccountId", '') || CASE WHEN "SubAccountName" IS NOT NULL AND "SubAccountName" <> '' THEN ' (' || "SubAccountName" || ')' ELSE '' END` },
  { kind: "region", expr: `"RegionId"` },
  { kind: "service", expr: `"ServiceName"` },
  { kind: "sku", expr: `coalesce(nullif("x_UsageType", ''), "SkuId")` },
  { kind: "resource", expr: `"ResourceId"` },
];

const ALLOCATION_CONTRIBUTORS = [
  { kind: "account", expr: "sub_account_id" },
  { kind: "region", expr: "region_id" },
  { kind: "service", expr: "service_name" },
  { kind: "resource", expr: "resource_id" },
  { kind: "owner", expr: "team" },
];

const ALLOCATION_METRIC: Record<CostMetricName, string> = {
  BilledCost: "billed_cost",
  EffectiveCost: "effective_cost",
  ListCost: "effective_cost",
  ContractedCost: "effective_cost",
};

/** The cost table with optional filters. */
export function focusScope(metric: CostMetricName, filters: readonly Filter[]): ScopeSql {
  return {
    table: COST_TABLE,
    time: `"ChargePeriodStart"`,
    metric: quoteIdent(metric),
    currency: `"BillingCurrency"`,
    where: compileFilterCondition(filters, "duckdb"),
    contributors: FOCUS_CONTRIBUTORS,
    hasTags: true,
  };
}

/** The allocation table restricted to one team (or every team when `team` is undefined). */
export function allocationScope(metric: CostMetricName, team?: string): ScopeSql {
  return {
    table: ALLOCATION_TABLE,
    time: "charge_date",
    metric: ALLOCATION_METRIC[metric],
    currency: "currency",
    where: team === undefined ? { sql: "TRUE", params: [] } : { sql: "team = ?", params: [team] },
    contributors: ALLOCATION_CONTRIBUTORS,
    hasTags: false,
  };
}

/** A dimension a monitor splits by: its SQL expression on the scope's table. */
export interface SplitSql {
  name: string;
  expr: string;
  params: SqlValue[];
}

/**
 * The SQL expression of a monitor dimension (`ServiceName`, `tag:team`, `owner`) on a scope.
 * `owner` on the allocation table is its `team` column; on the cost table the `team` tag.
 */
export function splitSql(dimension: string, scope: ScopeSql): SplitSql {
  if (dimension === "owner") {
    if (scope.table === ALLOCATION_TABLE) return { name: "owner", expr: "team", params: [] };
    return { name: "owner", expr: `"Tags"[?]`, params: [OWNER_FALLBACK_TAG] };
  }
  if (scope.table === ALLOCATION_TABLE) {
    const map: Record<string, string> = { SubAccountId: "sub_account_id", ServiceName: "service_name", RegionId: "region_id", ResourceId: "resource_id", ProviderName: "provider" };
    const column = map[dimension];
    if (!column) throw new CostwiseError("BAD_CONFIG", `dimension ${dimension} is not available on owner scopes (use ${Object.keys(map).join(", ")} or owner)`);
    return { name: dimension, expr: column, params: [] };
  }
  const r = resolveDimension(dimension);
  if (!r.ok) throw new CostwiseError("BAD_CONFIG", `detection monitor dimension: ${r.message}`);
  const d = r.value;
  if (d.kind === "tag") return { name: dimension, expr: `"Tags"[?]`, params: [d.key] };
  const t = dimensionValueType(d.column);
  return { name: dimension, expr: t === "string" ? quoteIdent(d.column) : `CAST(${quoteIdent(d.column)} AS VARCHAR)`, params: [] };
}
