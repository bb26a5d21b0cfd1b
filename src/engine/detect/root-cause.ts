/**
 * Root cause of an anomaly: which accounts, regions, services, SKUs/usage types, resources and tag values drove
 * the deviation, ranked by their contribution, computed in SQL over the line items.
 *
 * For anomaly days a₀ … aₙ₋₁ (the event's first days, at most 7) the baseline of every contributor is the same
 * weekdays of the 4 weeks before: expected = (sum over those 4n days) / 4, contribution = actual − expected.
 * Per kind, the contributions of all values add up to the scope's total deviation (money is conserved); the
 * top values per kind are returned, largest in the anomaly's direction first.
 */
import { formatMoney, parseMoney } from "../../core/money.js";
import { addDays } from "../../core/detect/series.js";
import type { Direction } from "../../core/detect/detector.js";
import { quoteString } from "../../core/sql.js";
import type { CostStore } from "../store/cost-store.js";
import { col, readRows } from "../store/read-rows.js";
import type { ScopeSql, SplitSql } from "./scope.js";
import { NONE_KEY } from "./load-series.js";

export interface Contributor {
  /** account, region, service, sku, resource, owner, or tag:<key>. */
  kind: string;
  value: string;
  actual: string;
  expected: string;
  /** actual − expected: this value's share of the deviation. */
  contribution: string;
  /** contribution / total deviation (1 = all of it); null when there is no deviation. */
  share: number | null;
}

export interface RootCause {
  /** Anomaly days compared (first, last inclusive) and the baseline weeks. */
  days: { from: string; to: string };
  baselineWeeks: number;
  actual: string;
  expected: string;
  deviation: string;
  /** What the alert names: the most specific contributor explaining ≥ 50% of the deviation (else the strongest). */
  headline: Contributor | null;
  /** The leading contributor of every kind, strongest first. */
  top: Contributor[];
  byKind: Record<string, Contributor[]>;
}

export interface RootCauseInput {
  scope: ScopeSql;
  split?: SplitSql;
  /** The split value of the anomalous series (NONE_KEY = no value). */
  key?: string;
  currency: string;
  startDay: string;
  /** Anomaly days from startDay (1–7). */
  days: number;
  direction: Direction;
  perKind?: number;
}

const WEEKS = 4;

export async function rootCause(store: CostStore, input: RootCauseInput): Promise<RootCause> {
  const { scope } = input;
  const n = Math.max(1, Math.min(7, input.days));
  const perKind = input.perKind ?? 5;
  const from = addDays(input.startDay, -7 * WEEKS);
  const endExcl = addDays(input.startDay, n);
  const params: unknown[] = [];
  let splitCond = "TRUE";
  if (input.split && input.key !== undefined) {
    const e = `coalesce(nullif(CAST(${input.split.expr} AS VARCHAR), ''), ${quoteString(NONE_KEY)})`;
    splitCond = `${e} = ?`;
  }
  const contribSelects = scope.contributors.map((c) => `SELECT ${quoteString(c.kind)} AS kind, coalesce(nullif(CAST(${c.expr} AS VARCHAR), ''), ${quoteString(NONE_KEY)}) AS v, m, a FROM f`);
  if (scope.hasTags) {
    contribSelects.push(`SELECT 'tag:' || e.key AS kind, coalesce(nullif(e.value, ''), ${quoteString(NONE_KEY)}) AS v, m, a FROM (SELECT unnest(map_entries("Tags")) AS e, m, a FROM f WHERE "Tags" IS NOT NULL)`);
  }
  const sql = `WITH base AS (
      SELECT *, CAST(${scope.time} AS DATE) AS d__ FROM ${scope.table}
      WHERE ${scope.time} >= CAST(? AS DATE) AND ${scope.time} < CAST(? AS DATE)
        AND coalesce(${scope.currency}, '') = ? AND ${scope.where.sql} AND ${splitCond}
    ), f AS (
      SELECT *, ${scope.metric} AS m, d__ >= CAST(? AS DATE) AS a FROM base
      WHERE d__ >= CAST(? AS DATE) OR (((datediff('day', CAST(? AS DATE), d__) % 7) + 7) % 7) < ?
    ), c AS (${contribSelects.join(" UNION ALL ")}
    ), g AS (
      SELECT kind, v, sum(CASE WHEN a THEN m ELSE 0 END) AS act, sum(CASE WHEN a THEN 0 ELSE m END) AS bas FROM c GROUP BY kind, v
    ), r AS (
      SELECT *, row_number() OVER (PARTITION BY kind ORDER BY (${input.direction === "up" ? "" : "-"}(CAST(act AS DOUBLE) - CAST(bas AS DOUBLE) / ${WEEKS})) DESC, v) AS rk,
             sum(act) OVER (PARTITION BY kind) AS tact, sum(bas) OVER (PARTITION BY kind) AS tbas
      FROM g
    )
    SELECT kind, v, CAST(act AS VARCHAR) AS act, CAST(bas AS VARCHAR) AS bas, rk, CAST(tact AS VARCHAR) AS tact, CAST(tbas AS VARCHAR) AS tbas FROM r WHERE rk <= ? ORDER BY kind, rk`;
  params.push(from, endExcl, input.currency, ...scope.where.params);
  if (input.split && input.key !== undefined) params.push(...input.split.params, input.key);
  params.push(input.startDay, input.startDay, input.startDay, n, perKind);
  const rows = await readRows(store, { kind: col.text, v: col.text, act: col.money, bas: col.money, tact: col.money, tbas: col.money }, { sql, params: params as never });

  const byKind: Record<string, Contributor[]> = {};
  let totalAct = 0n;
  let totalExp = 0n;
  let haveTotal = false;
  const pending: { c: Omit<Contributor, "share">; dev: bigint }[] = [];
  for (const r of rows) {
    const kind = r.kind;
    const act = parseMoney(r.act);
    const exp = parseMoney(r.bas) / BigInt(WEEKS);
    if (!haveTotal && kind === scope.contributors[0]?.kind) {
      totalAct = parseMoney(r.tact);
      totalExp = parseMoney(r.tbas) / BigInt(WEEKS);
      haveTotal = true;
    }
    pending.push({ c: { kind, value: r.v, actual: formatMoney(act), expected: formatMoney(exp), contribution: formatMoney(act - exp) }, dev: act - exp });
  }
  const deviation = totalAct - totalExp;
  for (const p of pending) {
    const share = deviation === 0n ? null : Number((p.dev * 1_000_000n) / deviation) / 1_000_000;
    (byKind[p.c.kind] ??= []).push({ ...p.c, share });
  }
  // the leader of every kind, strongest first; the headline is the most specific leader that explains at
  // least half of the deviation (a resource names what to act on), else the strongest leader
  const specificity: Record<string, number> = { resource: 0, sku: 1, service: 2, region: 3, account: 4, owner: 5 };
  const sign = input.direction === "up" ? 1n : -1n;
  const leaders = Object.values(byKind)
    .map((list) => list[0])
    .filter((c): c is Contributor => c !== undefined && c.value !== NONE_KEY && sign * parseMoney(c.contribution) > 0n);
  leaders.sort((a, b) => {
    const d = sign * (parseMoney(b.contribution) - parseMoney(a.contribution));
    if (d !== 0n) return d > 0n ? 1 : -1;
    return (specificity[a.kind] ?? 6) - (specificity[b.kind] ?? 6);
  });
  const explaining = leaders.filter((c) => (c.share ?? 0) >= 0.5).sort((a, b) => (specificity[a.kind] ?? 6) - (specificity[b.kind] ?? 6));
  const headline = explaining[0] ?? leaders[0] ?? null;
  return {
    days: { from: input.startDay, to: addDays(input.startDay, n - 1) },
    baselineWeeks: WEEKS,
    actual: formatMoney(totalAct),
    expected: formatMoney(totalExp),
    deviation: formatMoney(deviation),
    headline,
    top: leaders,
    byKind,
  };
}
