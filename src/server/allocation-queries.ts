/**
 * Queries over the allocation result table `cost_allocation` (written by `costwise allocate`, issue
 * "allocation"): one row per charge day, currency, team and source dimensions, with billed and
 * effective cost. The team scope is an outer `team = ?` AND-ed in front of every user predicate, so no
 * filter (an IN list, a negation, an owner/tag filter) and no group-by can reach another team's rows.
 */
import { CostwiseError } from "../core/errors.js";
import { parseIsoTime } from "../core/query/cost-query.js";
import type { SqlValue } from "../core/sql.js";
import type { CostStore } from "../engine/store/cost-store.js";
import { sql } from "../engine/store/cost-store.js";
import { ownerFields } from "../engine/allocation/tables.js";

export const ALLOCATION_TABLE = "cost_allocation";
export const UNALLOCATED_TEAM = "__unallocated__";

export const ALLOCATION_COLUMNS = [
  "team",
  "currency",
  "rule_id",
  "shared_pool",
  "provider",
  "sub_account_id",
  "service_name",
  "region_id",
  "resource_id",
  "x_source",
  "k8s_cluster",
  "k8s_namespace",
] as const;
export const ALLOCATION_METRICS = ["effective_cost", "billed_cost"] as const;
export type AllocationMetric = (typeof ALLOCATION_METRICS)[number];
export const ALLOCATION_OPS = ["eq", "neq", "in", "not_in", "is_null", "is_not_null"] as const;
export type AllocationOp = (typeof ALLOCATION_OPS)[number];

export interface AllocationFilter {
  on: string;
  op: AllocationOp;
  value?: string | undefined;
  values?: string[] | undefined;
}

export interface AllocationQuery {
  metric?: AllocationMetric | undefined;
  groupBy?: string[] | undefined;
  filters?: AllocationFilter[] | undefined;
  start?: string | undefined;
  end?: string | undefined;
  granularity?: "none" | "day" | "month" | undefined;
  limit?: number | undefined;
}

export interface AllocationRow {
  [k: string]: string | null;
}

export async function allocationAvailable(store: CostStore): Promise<boolean> {
  const r = await store.all(sql(`SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = ?`, ALLOCATION_TABLE));
  if (Number(r[0]?.["n"]) === 0) return false;
  const rows = await store.all(`SELECT count(*)::BIGINT AS n FROM (SELECT 1 FROM ${ALLOCATION_TABLE} LIMIT 1)`);
  return Number(rows[0]?.["n"]) > 0;
}

/**
 * A dimension as SQL over cost_allocation: a whitelisted column, or `owner:<key>` (parameterised lookup in the
 * owners STRUCT; NULL when `key` is not one of its fields, `owners` being the table's current fields).
 */
function dimSql(name: string, params: SqlValue[], owners: string[]): string {
  if ((ALLOCATION_COLUMNS as readonly string[]).includes(name)) return `"${name}"`;
  if (name.startsWith("owner:") && name.length > 6 && name.length <= 134) {
    const key = name.slice(6);
    if (!owners.includes(key)) return "NULL::VARCHAR";
    params.push(key);
    return `"owners"[?]`;
  }
  throw new CostwiseError("BAD_QUERY", `unknown allocation dimension ${JSON.stringify(name)}; use ${ALLOCATION_COLUMNS.join(", ")} or owner:<key>`);
}

function dateParam(text: string, what: string): string {
  const t = parseIsoTime(text);
  if (!t.ok) throw new CostwiseError("BAD_QUERY", `${what}: ${t.message}`);
  return t.value.slice(0, 10);
}

/**
 * Runs an allocation query; `team` (when not null) is the caller's binding and limits every row.
 * Returns rows keyed by dimension name, `period` (YYYY-MM-DD), `currency` and `amount`.
 */
export async function runAllocationQuery(store: CostStore, q: AllocationQuery, team: string | null): Promise<AllocationRow[]> {
  const metric = q.metric ?? "effective_cost";
  if (!(ALLOCATION_METRICS as readonly string[]).includes(metric)) throw new CostwiseError("BAD_QUERY", `unknown allocation metric ${JSON.stringify(metric)}`);
  const groupBy = q.groupBy ?? [];
  if (groupBy.length > 8) throw new CostwiseError("BAD_QUERY", "at most 8 group-by dimensions");
  const selParams: SqlValue[] = [];
  const owners = await ownerFields(store, ALLOCATION_TABLE);
  const sel = groupBy.map((g, i) => `${dimSql(g, selParams, owners)} AS g${i}`);
  const gran = q.granularity ?? "none";
  if (gran !== "none") sel.push(`strftime(date_trunc('${gran === "day" ? "day" : "month"}', charge_date), '%Y-%m-%d') AS p`);
  sel.push(`currency AS u`, `sum("${metric}")::VARCHAR AS m`, `sum(line_items)::BIGINT AS n`);

  // the scope comes first and is AND-ed with everything else: user predicates can only narrow it
  const where: string[] = [];
  const whereParams: SqlValue[] = [];
  if (team !== null) {
    where.push(`team = ?`);
    whereParams.push(team);
  }
  if (q.start) {
    where.push(`charge_date >= CAST(? AS DATE)`);
    whereParams.push(dateParam(q.start, "start"));
  }
  if (q.end) {
    where.push(`charge_date < CAST(? AS DATE)`);
    whereParams.push(dateParam(q.end, "end"));
  }
  for (const f of q.filters ?? []) {
    const e = dimSql(f.on, whereParams, owners);
    switch (f.op) {
      case "eq":
        where.push(`(${e} = ?)`);
        whereParams.push(f.value ?? "");
        break;
      case "neq":
        where.push(`(${e} IS DISTINCT FROM ?)`);
        whereParams.push(f.value ?? "");
        break;
      case "in":
      case "not_in": {
        const vs = f.values ?? [];
        if (vs.length === 0 || vs.length > 1000) throw new CostwiseError("BAD_QUERY", `${f.op} needs 1 to 1000 values`);
        const list = vs.map(() => "?").join(", ");
        // each expression appears once: an owner:<key> lookup carries one parameter
        where.push(f.op === "in" ? `(${e} IN (${list}))` : `coalesce(${e} NOT IN (${list}), true)`);
        whereParams.push(...vs);
        break;
      }
      case "is_null":
        where.push(`(coalesce(${e}, '') = '')`);
        break;
      case "is_not_null":
        where.push(`(coalesce(${e}, '') <> '')`);
        break;
      default:
        throw new CostwiseError("BAD_QUERY", `unknown filter operator ${JSON.stringify(f.op)}`);
    }
  }
  const keys = [...groupBy.map((_, i) => `g${i}`), ...(gran !== "none" ? ["p"] : []), "u"];
  const order = [...(gran !== "none" ? ["p ASC"] : []), `sum("${metric}") DESC`, ...keys.map((k) => `${k} ASC NULLS LAST`)];
  const limit = q.limit !== undefined ? ` LIMIT ${Math.max(1, Math.min(100_000, Math.floor(q.limit)))}` : "";
  const text =
    `SELECT ${sel.join(", ")} FROM ${ALLOCATION_TABLE}` +
    (where.length ? ` WHERE ${where.join(" AND ")}` : "") +
    ` GROUP BY ${keys.join(", ")} ORDER BY ${order.join(", ")}${limit}`;
  const rows = await store.all({ sql: text, params: [...selParams, ...whereParams] });
  return rows.map((r) => {
    const out: AllocationRow = {};
    groupBy.forEach((g, i) => (out[g] = r[`g${i}`] === null || r[`g${i}`] === undefined ? null : String(r[`g${i}`])));
    if (gran !== "none") out["period"] = String(r["p"]);
    out["currency"] = r["u"] === null ? null : String(r["u"]);
    out["amount"] = r["m"] === null ? null : String(r["m"]);
    out["lineItems"] = String(r["n"]);
    return out;
  });
}
