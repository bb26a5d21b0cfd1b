/**
 * Tag coverage for a month: the share of effective cost carrying each tag key, from the daily rollup when the
 * server has it (same sums) or the cost table. Organisation-wide.
 *
 * Order: the months present → the month asked for (or the latest) → its currencies by spend, the one asked
 * for (or the largest) → total and untagged spend → spend and distinct values per tag key (top 100).
 */
import { formatMoney, parseMoney } from "../../core/money.js";
import type { CostStore } from "../store/cost-store.js";
import { col, readRow, readRows } from "../store/read-rows.js";

/** a/b as a percentage with one decimal (decimal string), null when b is zero. */
export function percentOf(a: string, b: string): string | null {
  const bb = parseMoney(b);
  if (bb === 0n) return null;
  const scaled = (parseMoney(a) * 2000n) / bb;
  const r = scaled >= 0n ? (scaled + 1n) / 2n : (scaled - 1n) / 2n;
  const neg = r < 0n;
  const abs = neg ? -r : r;
  return `${neg ? "-" : ""}${abs / 10n}.${abs % 10n}`;
}

export interface TagCoverage {
  month: string | null;
  months: string[];
  currency: string | null;
  total: string;
  untagged: string;
  keys: { key: string; tagged: string; percent: string | null; values: number }[];
}

/** `table`: the daily rollup or the cost table (see query/api-query.ts `dailyCostTable`). */
export async function tagCoverage(s: CostStore, table: string, month: string | undefined, currency: string | undefined): Promise<TagCoverage> {
  const months = (await readRows(s, { m: col.text }, `SELECT DISTINCT strftime("ChargePeriodStart", '%Y-%m') AS m FROM ${table} ORDER BY m`)).map((r) => r.m);
  const m = month && months.includes(month) ? month : months[months.length - 1];
  if (!m) return { month: null, months, currency: null, total: formatMoney(0n), untagged: formatMoney(0n), keys: [] };
  const start = `${m}-01`;
  const where = `"ChargePeriodStart" >= CAST(? AS TIMESTAMP) AND "ChargePeriodStart" < CAST(? AS TIMESTAMP) + INTERVAL 1 MONTH`;
  const curRows = await readRows(s, { c: col.text.nullable(), t: col.money.nullable() }, {
    sql: `SELECT "BillingCurrency" AS c, sum("EffectiveCost")::VARCHAR AS t FROM ${table} WHERE ${where} GROUP BY 1 ORDER BY sum("EffectiveCost") DESC`,
    params: [start, start],
  });
  const cur = curRows.find((r) => r.c === currency) ?? curRows[0];
  if (!cur) return { month: m, months, currency: null, total: formatMoney(0n), untagged: formatMoney(0n), keys: [] };
  const c = String(cur.c);
  const base = `FROM ${table} WHERE ${where} AND "BillingCurrency" = ?`;
  const params = [start, start, c];
  const totals = await readRow(s, { total: col.money.nullable(), untagged: col.money.nullable() }, {
    sql: `SELECT sum("EffectiveCost")::VARCHAR AS total, coalesce(sum("EffectiveCost") FILTER (WHERE cardinality("Tags") = 0 OR "Tags" IS NULL), 0)::VARCHAR AS untagged ${base}`,
    params,
  });
  const keys = await readRows(s, { k: col.text, tagged: col.money, nv: col.int }, {
    sql: `SELECT k, sum(cost)::VARCHAR AS tagged, count(DISTINCT v)::INTEGER AS nv FROM (
            SELECT unnest(map_keys("Tags")) AS k, unnest(map_values("Tags")) AS v, "EffectiveCost" AS cost ${base}
          ) WHERE v IS NOT NULL AND v <> '' GROUP BY k ORDER BY sum(cost) DESC, k LIMIT 100`,
    params,
  });
  const total = totals?.total ?? "0";
  return {
    month: m,
    months,
    currency: c,
    total,
    untagged: totals?.untagged ?? "0",
    keys: keys.map((r) => ({ key: r.k, tagged: r.tagged, percent: percentOf(r.tagged, total), values: r.nv })),
  };
}
