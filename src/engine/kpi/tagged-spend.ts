/**
 * Tagged spend %: the one computation behind the KPI, `costwise report coverage`, `/api/v1/tag-coverage`, the
 * dashboard, team summaries and the demo (definition: ./definitions.ts, docs/kpis.md).
 *
 * A charge is *allocable* unless its ChargeCategory is Tax, Credit or Adjustment, its ChargeClass is Correction,
 * or its EffectiveCost is negative: those lines belong to no resource (or restate another period), and signed
 * sums over them push the share outside 0–100%. They are summed apart (`notAllocable`). A charge carries tag `t`
 * when the allocation config's normalized value of `t` is non-empty: raw keys lower-cased and trimmed, aliases
 * folded, value case and value map applied, account and resource-group defaults inherited (allocation/sql.ts
 * `normalizedTagSql`, the same expression the allocation rules read).
 *
 * Order of operations (taggedSpend):
 *   1. required tags: the caller's, else allocation.coverage.requiredTags, plus the KPI's headline tag;
 *   2. line items of the billing month(s) (BillingPeriodStart) with the raw tag lists, normalized tag columns,
 *      the allocable flag and, for `by: team`, the allocation rule index;
 *   3. per billing month, group key and currency: allocable EffectiveCost, its part carrying each tag, the part
 *      not allocable;
 *   4. percent = tagged / allocable, two decimals, half away from zero, exact (decimal strings);
 *   5. the allocable resources missing a required tag, by cost.
 * With `fx.reportingCurrency` set, step 2 reads the cost table with EffectiveCost converted to it (engine/fx, the
 * same conversion as queries and budgets; a missing rate is an error before anything is summed): one currency.
 */
import type { AllocationModel } from "../../core/allocation/model.js";
import { UNALLOCATED } from "../../core/allocation/model.js";
import { z } from "zod";
import { CostwiseError } from "../../core/errors.js";
import { formatMoney, parseMoney } from "../../core/money.js";
import { quoteString, quoteStringList } from "../../core/sql.js";
import { loadAllocation } from "../allocation/load-rules.js";
import { normalizedTagSql, TAG_LISTS_SQL, withRuleIndex } from "../allocation/sql.js";
import type { AnalysisStore } from "../store/cost-store.js";
import { col, readRow, readRows } from "../store/read-rows.js";
import { COST_TABLE } from "../store/schema.js";
import { assertTableConvertible, convertedCostTableSql, fxContextOf, prepareConversion, type FxUsed, type PreparedConversion } from "../fx/convert.js";
import { kpiSettings, meetsTarget, type KpiWorkspace } from "./definitions.js";

/** ChargeCategory values whose lines are not allocable to a resource. */
export const NOT_ALLOCABLE_CATEGORIES = ["Tax", "Credit", "Adjustment"] as const;

/** True for a line that is not allocable (see the header); NULL-safe. */
export const NOT_ALLOCABLE_SQL = `coalesce("ChargeCategory" IN (${quoteStringList(NOT_ALLOCABLE_CATEGORIES)}) OR "ChargeClass" = ${quoteString("Correction")} OR "EffectiveCost" < 0, false)`;

export const COVERAGE_DIMENSIONS = ["account", "service", "team", "none"] as const;
export type CoverageDimension = (typeof COVERAGE_DIMENSIONS)[number];

const MONTH = /^\d{4}-\d{2}$/;

/** percent with two decimals, rounded half away from zero, from exact decimal strings; null when whole is 0. */
export function percentOf(part: string, whole: string): string | null {
  const w = parseMoney(whole);
  if (w === 0n) return null;
  const p = parseMoney(part);
  const neg = p < 0n !== w < 0n;
  const ap = p < 0n ? -p : p;
  const aw = w < 0n ? -w : w;
  // percent * 10^10 units = p * 100 * 10^10 / w, rounded half away from zero
  const scaled = (ap * 100n * 10n ** 10n * 2n + aw) / (2n * aw);
  return formatMoney(neg ? -scaled : scaled, 2);
}

/** The allocation model (tag normalization and rules) of a workspace; defaults when it has no allocation section. */
export function kpiModel(workspace: KpiWorkspace): AllocationModel {
  return loadAllocation(workspace.config, workspace.baseDir).model;
}

/** Required tags, lower-cased: the allocation's, then the headline tag when it is not among them. */
export function requiredTags(model: AllocationModel, headline: string): string[] {
  return [...new Set([...model.config.coverage.requiredTags.map((t) => t.trim().toLowerCase()), headline.trim().toLowerCase()])];
}

/** The model with `keys` among its tag keys, so each has a normalized column `nt_<index>`. */
function withKeys(model: AllocationModel, keys: readonly string[]): AllocationModel {
  return { ...model, tagKeys: [...new Set([...model.tagKeys, ...keys])].sort() };
}

/** Line items of `where` with tag lists, the allocable flag `_apart` and normalized tag columns `nt_<i>` (inheriting defaults). */
function taggedLines(model: AllocationModel, where: string, ruleIndex: boolean, source: string = COST_TABLE): string {
  const nt = model.tagKeys.map((k, i) => `${normalizedTagSql(model, k, true)} AS nt_${i}`);
  const inner = `SELECT *, ${NOT_ALLOCABLE_SQL} AS _apart${nt.length ? `, ${nt.join(", ")}` : ""} FROM (SELECT *, ${TAG_LISTS_SQL} FROM ${source} ${where})`;
  return `(${ruleIndex ? withRuleIndex(model, inner) : inner})`;
}

function monthWhere(month: string | undefined): { where: string; params: string[] } {
  if (month === undefined) return { where: "", params: [] };
  if (!MONTH.test(month)) throw new CostwiseError("USAGE", `a billing month is YYYY-MM, got "${month}"`);
  return { where: `WHERE "BillingPeriodStart" >= CAST(? AS TIMESTAMP) AND "BillingPeriodStart" < CAST(? AS TIMESTAMP) + INTERVAL 1 MONTH`, params: [`${month}-01`, `${month}-01`] };
}

interface KpiConversion {
  p: PreparedConversion;
  target: string;
  /** The converted cost table (a subquery) and its parameters, which come before any other in the statement. */
  sql: string;
  params: string[];
}

/** With fx.reportingCurrency: the cost table in that currency, after checking every rate the rows of `where` need. */
async function kpiConversion(store: AnalysisStore, ws: KpiWorkspace, where: { where: string; params: string[] }): Promise<KpiConversion | undefined> {
  const ctx = fxContextOf(ws);
  const target = ctx?.config.reportingCurrency;
  if (!ctx || target === undefined) return undefined;
  const p = await prepareConversion(store, ctx, target);
  await assertTableConvertible(store, p, target, { table: COST_TABLE, where: { sql: where.where ? where.where.replace(/^WHERE /, "") : "TRUE", params: where.params } });
  return { p, target, ...convertedCostTableSql(p, target, COST_TABLE, ["EffectiveCost"]) };
}

/** Billing months with charges, oldest first. */
export async function billingMonths(store: AnalysisStore): Promise<string[]> {
  return (await readRows(store, { m: col.text }, `SELECT DISTINCT strftime("BillingPeriodStart", '%Y-%m') AS m FROM ${COST_TABLE} WHERE "BillingPeriodStart" IS NOT NULL ORDER BY m`)).map((r) => r.m);
}

export interface TaggedSpendOptions {
  by?: CoverageDimension;
  /** One billing month (YYYY-MM); default every month. */
  month?: string;
  /** Required tags (default: allocation.coverage.requiredTags plus the KPI's headline tag). */
  tags?: string[];
  /** Only this group key (e.g. a team with `by: team`). */
  key?: string;
  /** How many untagged resources to list (default 10). */
  top?: number;
}

export interface TaggedSpendRow {
  /** The billing month, YYYY-MM. */
  period: string;
  key: string | null;
  currency: string;
  tag: string;
  /** Allocable EffectiveCost: the denominator. */
  spend: string;
  /** Allocable EffectiveCost carrying the tag. */
  tagged: string;
  /** tagged / spend in percent, two decimals ("87.25"); null when spend is 0. */
  percent: string | null;
  meetsTarget: boolean | null;
  /** EffectiveCost of the lines that are not allocable (tax, credits, adjustments, corrections, negative lines), apart. */
  notAllocable: string;
}

export interface TaggedSpendResult {
  /** The target in percent (kpis.taggedSpend.min). */
  target: number;
  tags: string[];
  by: CoverageDimension;
  rows: TaggedSpendRow[];
  topUntagged: { resourceId: string; currency: string; spend: string; missing: string[]; account: string | null; service: string | null }[];
  /** With fx.reportingCurrency: the rates used (every row is in that currency). */
  fx?: FxUsed;
}

const MISSING_TAGS = z.array(z.string()).nullable();

/** Tagged spend per billing month, currency, group and required tag (see the header). */
export async function taggedSpend(store: AnalysisStore, workspace: KpiWorkspace, opts: TaggedSpendOptions = {}, model: AllocationModel = kpiModel(workspace)): Promise<TaggedSpendResult> {
  const settings = kpiSettings(workspace.config);
  const tags = opts.tags ? [...new Set(opts.tags.map((t) => t.trim().toLowerCase()))] : requiredTags(model, settings.taggedTag);
  if (tags.length === 0) throw new CostwiseError("USAGE", "no required tags: set allocation.coverage.requiredTags in costwise.yaml or pass --tag");
  const by = opts.by ?? "none";
  const km = withKeys(model, tags);
  const ntOf = (k: string): string => `nt_${km.tagKeys.indexOf(k)}`;
  let key: string;
  switch (by) {
    case "account":
      key = `"SubAccountId"`;
      break;
    case "service":
      key = `"ServiceName"`;
      break;
    case "team": {
      const teamCase = model.rules
        .filter((r) => r.set.has(model.primary))
        .map((r) => {
          const v = r.set.get(model.primary)!;
          return `WHEN ${r.index} THEN ${v.kind === "literal" ? quoteString(v.value) : ntOf(v.key)}`;
        });
      key = teamCase.length ? `coalesce(CASE rule_ix ${teamCase.join(" ")} END, ${quoteString(UNALLOCATED)})` : quoteString(UNALLOCATED);
      break;
    }
    case "none":
      key = "NULL::VARCHAR";
      break;
  }
  const mw = monthWhere(opts.month);
  const conv = await kpiConversion(store, workspace, mw);
  const where = mw.where;
  const params = conv ? [...conv.params, ...mw.params] : mw.params;
  const lines = taggedLines(km, where, by === "team", conv?.sql);
  const keyFilter = opts.key === undefined ? "" : "WHERE k = ?"; // bound: the key is a caller's value (a team name)
  const sums = tags.map((t) => `coalesce(sum("EffectiveCost") FILTER (WHERE NOT _apart AND ${ntOf(t)} IS NOT NULL), 0)::DECIMAL(38,10)::VARCHAR`).join(", ");
  const rows = await readRows(store, { period: col.text, k: col.text.nullable(), currency: col.text, spend: col.money, tagged: z.array(col.money), apart: col.money }, {
    sql: `SELECT * FROM (
            SELECT strftime("BillingPeriodStart", '%Y-%m') AS period, ${key} AS k, "BillingCurrency" AS currency,
                   coalesce(sum("EffectiveCost") FILTER (WHERE NOT _apart), 0)::DECIMAL(38,10)::VARCHAR AS spend, [${sums}] AS tagged,
                   coalesce(sum("EffectiveCost") FILTER (WHERE _apart), 0)::DECIMAL(38,10)::VARCHAR AS apart
            FROM ${lines} GROUP BY ALL) ${keyFilter}
          ORDER BY period, currency, CAST(spend AS DECIMAL(38,10)) DESC, k NULLS FIRST`,
    params: opts.key === undefined ? params : [...params, opts.key],
  });
  const target = settings.targets["tagged-spend"]!;
  const out: TaggedSpendRow[] = [];
  for (const r of rows) {
    tags.forEach((tag, i) => {
      const percent = percentOf(r.tagged[i]!, r.spend);
      out.push({ period: r.period, key: r.k, currency: r.currency, tag, spend: r.spend, tagged: r.tagged[i]!, percent, meetsTarget: meetsTarget(percent, target), notAllocable: r.apart });
    });
  }
  const missing = tags.map((t) => `CASE WHEN ${ntOf(t)} IS NULL THEN ${quoteString(t)} END`).join(", ");
  const teamOnly = opts.key !== undefined && by !== "none" ? `AND ${key} = ?` : "";
  const top = await readRows(store, { r: col.text, currency: col.text, spend: col.money, missing: MISSING_TAGS, account: col.text.nullable(), service: col.text.nullable() }, {
    sql: `SELECT "ResourceId" AS r, "BillingCurrency" AS currency, sum("EffectiveCost")::VARCHAR AS spend, list_distinct(flatten(list(list_filter([${missing}], lambda x: x IS NOT NULL)))) AS missing,
            min("SubAccountId") AS account, min("ServiceName") AS service
          FROM ${lines} WHERE NOT _apart AND "ResourceId" IS NOT NULL AND "ResourceId" <> '' AND (${tags.map((t) => `${ntOf(t)} IS NULL`).join(" OR ")}) ${teamOnly}
          GROUP BY ALL ORDER BY sum("EffectiveCost") DESC, r LIMIT ${Math.max(0, Math.floor(opts.top ?? 10))}`,
    params: teamOnly && opts.key !== undefined ? [...params, opts.key] : params,
  });
  return {
    target: target.value,
    tags,
    by,
    rows: out,
    topUntagged: top.map((r) => ({ resourceId: r.r, currency: r.currency, spend: r.spend, missing: (r.missing ?? []).slice().sort(), account: r.account, service: r.service })),
    ...(conv ? { fx: conv.p.used } : {}),
  };
}

/** Team summaries' facts: each required tag's share of the team's allocable spend in `month` (largest currency first). */
export async function teamTaggedSpend(store: AnalysisStore, workspace: KpiWorkspace, team: string, month: string): Promise<{ tag: string; percent: string | null }[]> {
  const r = await taggedSpend(store, workspace, { by: "team", month, key: team, top: 0 });
  const currency = r.rows[0]?.currency;
  return r.rows.filter((x) => x.currency === currency).map((x) => ({ tag: x.tag, percent: x.percent }));
}

// ─── the tag page: every key's share of one month ───────────────────────────────────────────────

export const TAG_KEY_MODES = ["normalized", "raw"] as const;
export type TagKeyMode = (typeof TAG_KEY_MODES)[number];

export interface TagCoverage {
  month: string | null;
  months: string[];
  currency: string | null;
  /** normalized: keys and values as the allocation reads them (the KPI's figures); raw: keys as billed, case-sensitive, no inheritance. */
  keyMode: TagKeyMode;
  /** Allocable spend (the denominator). */
  total: string;
  /** Allocable spend with no tag value at all. */
  untagged: string;
  /** Not allocable (tax, credits, adjustments, corrections, negative lines): reported apart. */
  notAllocable: string;
  requiredTags: string[];
  target: number;
  keys: { key: string; tagged: string; percent: string | null; values: number }[];
}

const KEY_LIMIT = 100;

/**
 * Each tag key's share of a billing month's allocable spend in one currency (the month asked for or the latest,
 * the currency asked for or the largest). Normalized keys use the same expression as taggedSpend, so the `team`
 * row is the tagged-spend KPI to the digit.
 */
export async function tagCoverage(
  store: AnalysisStore,
  workspace: KpiWorkspace,
  o: { month?: string; currency?: string; keyMode?: TagKeyMode } = {},
  model: AllocationModel = kpiModel(workspace),
): Promise<TagCoverage> {
  const settings = kpiSettings(workspace.config);
  const keyMode = o.keyMode ?? "normalized";
  const required = requiredTags(model, settings.taggedTag);
  const target = settings.targets["tagged-spend"]!.value;
  const months = await billingMonths(store);
  const month = o.month && months.includes(o.month) ? o.month : months[months.length - 1];
  const empty = { months, keyMode, total: formatMoney(0n), untagged: formatMoney(0n), notAllocable: formatMoney(0n), requiredTags: required, target, keys: [] };
  if (!month) return { month: null, currency: null, ...empty };
  const mw = monthWhere(month);
  // with fx.reportingCurrency the month is read converted, in that one currency (as taggedSpend reads it)
  const conv = await kpiConversion(store, workspace, mw);
  const src = conv?.sql ?? COST_TABLE;
  const currencies = await readRows(store, { c: col.text }, {
    sql: `SELECT "BillingCurrency" AS c FROM ${src} ${mw.where} GROUP BY 1 ORDER BY sum("EffectiveCost") FILTER (WHERE NOT ${NOT_ALLOCABLE_SQL}) DESC NULLS LAST, 1`,
    params: [...(conv?.params ?? []), ...mw.params],
  });
  const currency = currencies.find((r) => r.c === o.currency)?.c ?? currencies[0]?.c;
  if (currency === undefined) return { month, currency: null, ...empty };
  const where = `${mw.where} AND "BillingCurrency" = ?`;
  const params = [...(conv?.params ?? []), ...mw.params, currency];
  const totals = await readRow(store, { total: col.money, untagged: col.money, apart: col.money }, {
    sql: `SELECT coalesce(sum("EffectiveCost") FILTER (WHERE NOT _apart), 0)::DECIMAL(38,10)::VARCHAR AS total,
                 coalesce(sum("EffectiveCost") FILTER (WHERE NOT _apart AND NOT coalesce(list_bool_or(list_transform(_tv, lambda v: coalesce(v, '') <> '')), false)), 0)::DECIMAL(38,10)::VARCHAR AS untagged,
                 coalesce(sum("EffectiveCost") FILTER (WHERE _apart), 0)::DECIMAL(38,10)::VARCHAR AS apart
          FROM (SELECT "EffectiveCost", coalesce(map_values("Tags"), []) AS _tv, ${NOT_ALLOCABLE_SQL} AS _apart FROM ${src} ${where})`,
    params,
  });
  const total = totals?.total ?? formatMoney(0n);
  const base = { month, months, currency, keyMode, total, untagged: totals?.untagged ?? formatMoney(0n), notAllocable: totals?.apart ?? formatMoney(0n), requiredTags: required, target };
  if (keyMode === "raw") {
    const keys = await readRows(store, { k: col.text, tagged: col.money, nv: col.int }, {
      sql: `SELECT k, sum(cost)::VARCHAR AS tagged, count(DISTINCT v)::INTEGER AS nv FROM (
              SELECT unnest(map_keys("Tags")) AS k, unnest(map_values("Tags")) AS v, "EffectiveCost" AS cost FROM ${src} ${where} AND NOT ${NOT_ALLOCABLE_SQL}
            ) WHERE v IS NOT NULL AND v <> '' GROUP BY k ORDER BY sum(cost) DESC, k LIMIT ${KEY_LIMIT}`,
      params,
    });
    return { ...base, keys: keys.map((r) => ({ key: r.k, tagged: r.tagged, percent: percentOf(r.tagged, total), values: r.nv })) };
  }
  // normalized: the canonical keys seen (aliases folded), the model's keys and the required tags, each through normalizedTagSql
  const canonical = [...model.tags.spellings].flatMap(([c, sp]) => sp.map((s) => `WHEN ${quoteString(s)} THEN ${quoteString(c)}`));
  const seen = await readRows(store, { k: col.text }, {
    sql: `SELECT ${canonical.length ? `CASE k ${canonical.join(" ")} ELSE k END` : "k"} AS k FROM (
            SELECT unnest(_tk) AS k, unnest(_tv) AS v, "EffectiveCost" AS cost FROM (SELECT *, ${TAG_LISTS_SQL} FROM ${src} ${where} AND NOT ${NOT_ALLOCABLE_SQL})
          ) WHERE v IS NOT NULL AND trim(v) <> '' AND k <> '' GROUP BY 1 ORDER BY sum(cost) DESC, 1 LIMIT ${KEY_LIMIT}`,
    params,
  });
  const keys = [...new Set([...required, ...model.tagKeys, ...seen.map((r) => r.k)])];
  const km = withKeys(model, keys);
  const cols = keys.map((k) => `nt_${km.tagKeys.indexOf(k)}`);
  const figures = await readRow(store, { tagged: z.array(col.money), nv: z.array(z.number().int()) }, {
    sql: `SELECT [${cols.map((c) => `coalesce(sum("EffectiveCost") FILTER (WHERE NOT _apart AND ${c} IS NOT NULL), 0)::DECIMAL(38,10)::VARCHAR`).join(", ")}] AS tagged,
                 [${cols.map((c) => `count(DISTINCT ${c}) FILTER (WHERE NOT _apart)::INTEGER`).join(", ")}] AS nv
          FROM ${taggedLines(km, where, false, conv?.sql)}`,
    params,
  });
  const rows = keys
    .map((k, i) => ({ key: k, tagged: figures?.tagged[i] ?? formatMoney(0n), percent: percentOf(figures?.tagged[i] ?? "0", total), values: figures?.nv[i] ?? 0 }))
    .filter((r) => r.values > 0 || required.includes(r.key))
    .sort((a, b) => {
      const d = parseMoney(b.tagged) - parseMoney(a.tagged);
      return d > 0n ? 1 : d < 0n ? -1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
    })
    .slice(0, KEY_LIMIT);
  return { ...base, keys: rows };
}
