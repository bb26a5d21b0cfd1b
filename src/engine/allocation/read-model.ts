/**
 * The allocation read model: queries over the allocation result table (`ALLOCATION_TABLE` (written by `costwise allocate`, issue
 * "allocation"): one row per charge day, currency, team and source dimensions, with billed and
 * effective cost. The team scope is an outer `team = ?` AND-ed in front of every user predicate, so no
 * filter (an IN list, a negation, an owner/tag filter) and no group-by can reach another team's rows.
 */
import { UNALLOCATED } from "../../core/allocation/model.js";
import { CostwiseError } from "../../core/errors.js";
import { addMoney, compareMoney, formatMoney } from "../../core/money.js";
import { parseIsoTime } from "../../core/query/cost-query.js";
import { quoteIdent, type SqlValue } from "../../core/sql.js";
import type { CostStore } from "../store/cost-store.js";
import { tableHasRows } from "../store/table-rows.js";
import { col, readRows } from "../store/read-rows.js";
import { ALLOCATION_TABLE, ownerFields } from "./tables.js";

/** The unallocated bucket's team (the sentinel owner). */
export const UNALLOCATED_TEAM = UNALLOCATED;

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

/** Whether `costwise allocate` has written any allocated cost. */
export async function allocationAvailable(store: CostStore): Promise<boolean> {
  return tableHasRows(store, ALLOCATION_TABLE);
}

/**
 * A dimension as SQL over cost_allocation: a whitelisted column, or `owner:<key>` (parameterised lookup in the
 * owners STRUCT; NULL when `key` is not one of its fields, `owners` being the table's current fields).
 */
function dimSql(name: string, params: SqlValue[], owners: string[]): string {
  if ((ALLOCATION_COLUMNS as readonly string[]).includes(name)) return quoteIdent(name);
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
  sel.push(`currency AS u`, `sum(${quoteIdent(metric)})::VARCHAR AS m`, `sum(line_items)::BIGINT AS n`);

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
  const order = [...(gran !== "none" ? ["p ASC"] : []), `sum(${quoteIdent(metric)}) DESC`, ...keys.map((k) => `${k} ASC NULLS LAST`)];
  const limit = q.limit !== undefined ? ` LIMIT ${Math.max(1, Math.min(100_000, Math.floor(q.limit)))}` : "";
  const text =
    `SELECT ${sel.join(", ")} FROM ${ALLOCATION_TABLE}` +
    (where.length ? ` WHERE ${where.join(" AND ")}` : "") +
    ` GROUP BY ${keys.join(", ")} ORDER BY ${order.join(", ")}${limit}`;
  const shape = {
    ...Object.fromEntries(groupBy.map((_, i) => [`g${i}`, col.text.nullable()])),
    ...(gran !== "none" ? { p: col.text } : {}),
    u: col.text.nullable(),
    m: col.money.nullable(),
    n: col.text,
  };
  const rows = await readRows(store, shape, { sql: text, params: [...selParams, ...whereParams] });
  return rows.map((r) => {
    const out: AllocationRow = {};
    const groups = r as Record<string, string | null>;
    groupBy.forEach((g, i) => (out[g] = groups[`g${i}`] ?? null));
    if (gran !== "none") out["period"] = String(groups["p"]);
    out["currency"] = r.u;
    out["amount"] = r.m;
    out["lineItems"] = r.n;
    return out;
  });
}

export interface ShowbackTeam {
  team: string;
  amount: string;
  direct: string;
  shared: string;
  unallocated: boolean;
}

export interface Showback {
  month: string | null;
  months: string[];
  currencies: { currency: string; total: string; unallocated: string; shared: string; teams: ShowbackTeam[] }[];
}

/**
 * Showback for a month (default: the latest): cost per team and currency, split into direct and shared costs,
 * with the unallocated bucket; `team` narrows it to that team's rows.
 */
export async function showback(store: CostStore, team: string | null, month: string | undefined, metric: AllocationMetric): Promise<Showback> {
  const monthsRows = await runAllocationQuery(store, { granularity: "month", metric }, team);
  const months = [...new Set(monthsRows.map((r) => r["period"]!.slice(0, 7)))].sort();
  const m = month ?? months[months.length - 1] ?? null;
  if (!m) return { month: null, months: [], currencies: [] };
  const start = `${m}-01`;
  const d = new Date(`${start}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + 1);
  const end = d.toISOString().slice(0, 10);
  const rows = await runAllocationQuery(store, { metric, groupBy: ["team", "shared_pool"], start, end }, team);
  const byCur = new Map<string, Map<string, { direct: string; shared: string }>>();
  for (const r of rows) {
    const cur = r["currency"] ?? "";
    const t = r["team"] ?? UNALLOCATED_TEAM;
    const teams = byCur.get(cur) ?? new Map<string, { direct: string; shared: string }>();
    const e = teams.get(t) ?? { direct: formatMoney(0n), shared: formatMoney(0n) };
    if (r["shared_pool"]) e.shared = addMoney(e.shared, r["amount"] ?? "0");
    else e.direct = addMoney(e.direct, r["amount"] ?? "0");
    teams.set(t, e);
    byCur.set(cur, teams);
  }
  const currencies = [...byCur].map(([currency, teams]) => {
    const list = [...teams].map(([t, e]) => ({ team: t, amount: addMoney(e.direct, e.shared), direct: e.direct, shared: e.shared, unallocated: t === UNALLOCATED_TEAM }));
    list.sort((x, y) => compareMoney(y.amount, x.amount) || x.team.localeCompare(y.team));
    return {
      currency,
      total: addMoney(formatMoney(0n), ...list.map((x) => x.amount)),
      unallocated: addMoney(formatMoney(0n), ...list.filter((x) => x.unallocated).map((x) => x.amount)),
      shared: addMoney(formatMoney(0n), ...list.map((x) => x.shared)),
      teams: list,
    };
  });
  return { month: m, months, currencies };
}
