/**
 * Commitments (RI and Savings Plans) from the billing data in the store: per-commitment and overall
 * utilization, coverage and effective savings rate (definitions in core/optimize/commitment-math.ts), expiring
 * commitments, and the Savings Plan purchase recommendation from hourly on-demand eligible spend.
 */
import {
  commitmentFigures,
  expiryBucket,
  overallFigures,
  type CommitmentFigures,
  type OverallFigures,
} from "../../core/optimize/commitment-math.js";
import { simulateSavingsPlan, type SpSimulationResult } from "../../core/optimize/savings-plan.js";
import { recommendationKey, type RecommendationDraft } from "../../core/optimize/recommendation-model.js";
import { spDiscounts, type OptimizationConfig } from "../../core/config/sections/optimization.js";
import { CostwiseError } from "../../core/errors.js";
import { formatMoney, parseMoney } from "../../core/money.js";
import { quoteString } from "../../core/sql.js";
import { sql, type AnalysisStore } from "../store/cost-store.js";
import { col, readRow, readRows } from "../store/read-rows.js";
import { COST_TABLE } from "../store/schema.js";

export interface CommitmentWindow {
  start?: Date;
  end?: Date;
}

export interface CommitmentReport {
  window: { start: string | null; end: string | null };
  currency: string | null;
  commitments: (CommitmentFigures & { expiresWithinDays: number | null })[];
  overall: OverallFigures;
  /** Commitments whose end the data does not tell (no end-time column on any row, no One-Time purchase row spanning the term). */
  endUnknown: string[];
}

const ts = (d: Date): string => `TIMESTAMP ${quoteString(d.toISOString().slice(0, 19).replace("T", " "))}`;

/** One commitment's sums over the window (see CommitmentSums), and its currency. */
const PER_COMMITMENT_SHAPE = {
  commitmentId: col.text,
  type: col.text.nullable(),
  category: col.text.nullable(),
  used: col.money,
  unused: col.money,
  coveredList: col.money.nullable(),
  usedQuantity: col.money.nullable(),
  unusedQuantity: col.money.nullable(),
};

/** The sums over every commitment and the on-demand eligible usage (see OverallSums). */
const OVERALL_SHAPE = {
  used: col.money,
  unused: col.money,
  on_demand: col.money,
  eligible_list: col.money.nullable(),
  list_missing: col.int,
  currency: col.text.nullable(),
};

export async function commitmentReport(
  store: AnalysisStore,
  cfg: OptimizationConfig,
  win: CommitmentWindow = {},
  now: Date = new Date(),
): Promise<CommitmentReport> {
  const w = [
    win.start ? `"ChargePeriodStart" >= ${ts(win.start)}` : "TRUE",
    win.end ? `"ChargePeriodStart" < ${ts(win.end)}` : "TRUE",
  ].join(" AND ");
  const per = await readRows(store, PER_COMMITMENT_SHAPE, `
    SELECT "CommitmentDiscountId" AS "commitmentId", any_value("CommitmentDiscountType") AS type, any_value("CommitmentDiscountCategory") AS category,
      coalesce(sum("EffectiveCost") FILTER ("ChargeCategory" = 'Usage' AND "CommitmentDiscountStatus" = 'Used'), 0)::VARCHAR AS used,
      (coalesce(sum("EffectiveCost") FILTER ("CommitmentDiscountStatus" = 'Unused'), 0)
        + coalesce(sum("EffectiveCost") FILTER ("ChargeCategory" = 'Purchase'), 0))::VARCHAR AS unused,
      sum("ListCost") FILTER ("ChargeCategory" = 'Usage' AND "CommitmentDiscountStatus" = 'Used')::VARCHAR AS "coveredList",
      sum("CommitmentDiscountQuantity") FILTER ("CommitmentDiscountStatus" = 'Used')::VARCHAR AS "usedQuantity",
      sum("CommitmentDiscountQuantity") FILTER ("CommitmentDiscountStatus" = 'Unused')::VARCHAR AS "unusedQuantity"
    FROM ${COST_TABLE}
    WHERE "CommitmentDiscountId" IS NOT NULL AND ${w}
    GROUP BY 1 ORDER BY 1`);
  // the configured services are bound (`?`); the window is timestamps formatted by code
  const eligible = cfg.savingsPlans.eligibleServices.map(() => "?").join(", ");
  const o = await readRow(store, OVERALL_SHAPE, sql(`
    WITH services AS (
      SELECT DISTINCT coalesce("ServiceName", '') AS svc FROM ${COST_TABLE} WHERE "CommitmentDiscountId" IS NOT NULL AND ${w}
      ${eligible ? `UNION SELECT unnest([${eligible}])` : ""}
    )
    SELECT
      coalesce(sum("EffectiveCost") FILTER ("ChargeCategory" = 'Usage' AND "CommitmentDiscountStatus" = 'Used'), 0)::VARCHAR AS used,
      (coalesce(sum("EffectiveCost") FILTER ("CommitmentDiscountStatus" = 'Unused'), 0)
        + coalesce(sum("EffectiveCost") FILTER ("ChargeCategory" = 'Purchase' AND "CommitmentDiscountId" IS NOT NULL), 0))::VARCHAR AS unused,
      coalesce(sum("EffectiveCost") FILTER (${onDemandEligible()}), 0)::VARCHAR AS on_demand,
      sum("ListCost") FILTER (("ChargeCategory" = 'Usage' AND "CommitmentDiscountStatus" = 'Used') OR (${onDemandEligible()}))::VARCHAR AS eligible_list,
      count(*) FILTER ((("ChargeCategory" = 'Usage' AND "CommitmentDiscountStatus" = 'Used') OR (${onDemandEligible()})) AND "ListCost" IS NULL)::INTEGER AS list_missing,
      any_value("BillingCurrency") AS currency
    FROM ${COST_TABLE}
    WHERE ${w} AND (("CommitmentDiscountId" IS NOT NULL) OR coalesce("ServiceName", '') IN (SELECT svc FROM services))`, ...cfg.savingsPlans.eligibleServices));
  if (!o) throw new CostwiseError("INTERNAL", "the commitment totals query returned no row");
  // the end as the whole store tells it, not only the window: the purchase row is often outside it
  const ends = new Map((await commitmentEndDates(store)).map((e) => [e.commitmentId, e.endsAt]));
  const commitments = per.map((r) => {
    const f = commitmentFigures({ ...r, endsAt: ends.get(r.commitmentId) ?? null });
    return { ...f, expiresWithinDays: expiryBucket(f.endsAt, now, cfg.commitments.expiringWithinDays) };
  });
  return {
    window: { start: win.start?.toISOString() ?? null, end: win.end?.toISOString() ?? null },
    currency: o.currency,
    commitments,
    overall: overallFigures({
      used: o.used,
      unused: o.unused,
      onDemandEligible: o.on_demand,
      eligibleList: o.list_missing > 0 ? null : o.eligible_list,
    }),
    endUnknown: commitments.filter((c) => c.endsAt === null).map((c) => c.commitmentId),
  };
}

export type CommitmentKind = "reservation" | "savings-plan";

export interface CommitmentEndDate {
  commitmentId: string;
  type: CommitmentKind;
  /** the UTC day the term ends, YYYY-MM-DD */
  endDate: string;
  /** the end as a timestamp, YYYY-MM-DDTHH:MM:SSZ */
  endsAt: string;
  /** where the end comes from: the source's end-time column on any row, or a one-time purchase row whose charge period is the term */
  basis: "end-time" | "purchase-row";
  /** the account the commitment's rows are billed to (the smallest id when several), for routing */
  subAccountId: string | null;
  /** the last day the store has a row of this commitment, YYYY-MM-DD */
  lastSeen: string;
}

/** A one-time purchase whose charge period is longer than this is taken to span the commitment's term (terms are 1 year or more). */
const TERM_LONGER_THAN_DAYS = 31;

const END_DATE_SHAPE = {
  commitmentId: col.text,
  type: col.text.nullable(),
  endTime: col.timestamp.nullable(),
  purchaseEnd: col.timestamp.nullable(),
  subAccountId: col.text.nullable(),
  lastSeen: col.day,
};

/**
 * The end of every commitment the store knows, whatever window is analysed. Order of operations:
 * 1. per commitment id, over all its rows: the latest `x_CommitmentDiscountEndTime` (CUR reservation/EndTime,
 *    savingsPlan/EndTime, on usage, fee and unused rows alike) and the latest ChargePeriodEnd of a one-time
 *    purchase row whose charge period spans the term (sources without an end-time column, e.g. FOCUS files, where
 *    the purchase's charge period is the term). A purchase row covering a month or less does not tell the term
 *    (CUR's upfront Fee row spans its billing month), so it is not taken for the end;
 * 2. the end is the first of the two that is known; a commitment with neither is left out;
 * 3. the kind from CommitmentDiscountType ("Savings Plan" / "Reserved Instance" / provider spellings), else from the
 *    id (a Savings Plan ARN names `savingsplans`); anything not a Savings Plan is a reservation.
 */
export async function commitmentEndDates(store: AnalysisStore): Promise<CommitmentEndDate[]> {
  const rows = await readRows(store, END_DATE_SHAPE, `
    SELECT "CommitmentDiscountId" AS "commitmentId", max("CommitmentDiscountType") AS type,
      strftime(max(x_CommitmentDiscountEndTime), '%Y-%m-%dT%H:%M:%SZ') AS "endTime",
      strftime(max("ChargePeriodEnd") FILTER ("ChargeCategory" = 'Purchase' AND "ChargeFrequency" = 'One-Time'
        AND "ChargePeriodEnd" > "ChargePeriodStart" + INTERVAL ${TERM_LONGER_THAN_DAYS} DAY), '%Y-%m-%dT%H:%M:%SZ') AS "purchaseEnd",
      min("SubAccountId") AS "subAccountId",
      strftime(max("ChargePeriodStart"), '%Y-%m-%d') AS "lastSeen"
    FROM ${COST_TABLE}
    WHERE "CommitmentDiscountId" IS NOT NULL
    GROUP BY 1 ORDER BY 1`);
  return rows.flatMap((r) => {
    const endsAt = r.endTime ?? r.purchaseEnd;
    if (endsAt === null) return [];
    return [{
      commitmentId: r.commitmentId,
      type: commitmentKind(r.type, r.commitmentId),
      endDate: endsAt.slice(0, 10),
      endsAt,
      basis: r.endTime !== null ? ("end-time" as const) : ("purchase-row" as const),
      subAccountId: r.subAccountId,
      lastSeen: r.lastSeen,
    }];
  });
}

function commitmentKind(type: string | null, id: string): CommitmentKind {
  if (type !== null) return /savings/i.test(type) ? "savings-plan" : "reservation";
  return /savingsplans?[:/]/i.test(id) ? "savings-plan" : "reservation";
}

/** On-demand usage (FOCUS PricingCategory 'Standard', no commitment applied). */
function onDemandEligible(): string {
  return `"ChargeCategory" = 'Usage' AND "CommitmentDiscountId" IS NULL AND coalesce("PricingCategory", 'Standard') = 'Standard'`;
}

export interface SpPlanResult extends SpSimulationResult {
  plan: string;
  discount: string;
  lookbackDays: number;
  window: { start: string; end: string };
}

/**
 * Hourly on-demand eligible spend (EffectiveCost of on-demand Usage rows of the eligible services), over
 * `days` days ending at the last hour the bill covers (or `end`), starting no earlier than the bill's first such
 * hour (the window is shorter when the bill is). Rows that span several hours (daily CUR
 * granularity) are spread evenly over their hours, in SQL. Hours without spend count as zero.
 */
export async function hourlyEligibleSpend(store: AnalysisStore, cfg: OptimizationConfig, days: number, end?: Date): Promise<{ series: string[]; start: Date; end: Date } | null> {
  // the configured services and usage-type patterns are bound (`?`, services first, in the text's order)
  const { eligibleServices, eligibleUsageTypes } = cfg.savingsPlans;
  const usage = eligibleUsageTypes.map(() => "x_UsageType LIKE ?").join(" OR ");
  const services = eligibleServices.length === 0 ? "NULL" : eligibleServices.map(() => "?").join(", ");
  const filter = `${onDemandEligible()} AND "ServiceName" IN (${services}) AND (x_UsageType IS NULL${usage ? ` OR ${usage}` : ""})`;
  const filterParams = [...eligibleServices, ...eligibleUsageTypes];
  const span = await readRow(
    store,
    { f: col.timestamp.nullable(), m: col.timestamp.nullable() },
    sql(`SELECT strftime(min("ChargePeriodStart"), '%Y-%m-%dT%H:%M:%SZ') AS f, strftime(max("ChargePeriodEnd"), '%Y-%m-%dT%H:%M:%SZ') AS m FROM ${COST_TABLE} WHERE ${filter}`, ...filterParams),
  );
  const first = span?.f;
  const m = span?.m;
  const last = end ?? (m ? new Date(m) : null);
  if (!last || !first) return null;
  const endH = new Date(Math.floor(last.getTime() / 3_600_000) * 3_600_000);
  // never before the first hour the bill covers: hours before the data are unknown, not zero spend
  const firstH = Math.floor(Date.parse(first) / 3_600_000) * 3_600_000;
  const startH = new Date(Math.max(endH.getTime() - days * 86_400_000, firstH));
  if (startH.getTime() >= endH.getTime()) return null;
  const rows = await readRows(store, { cost: col.money }, sql(`
    WITH spans AS (
      SELECT date_trunc('hour', "ChargePeriodStart") AS s, greatest(1, date_diff('hour', date_trunc('hour', "ChargePeriodStart"), "ChargePeriodEnd")) AS n,
             sum("EffectiveCost") AS cost
      FROM ${COST_TABLE}
      WHERE ${filter} AND "ChargePeriodEnd" > ${ts(startH)} AND "ChargePeriodStart" < ${ts(endH)}
      GROUP BY 1, 2
    ),
    hours AS (SELECT unnest(generate_series(${ts(startH)}, ${ts(endH)} - INTERVAL 1 HOUR, INTERVAL 1 HOUR)) AS h),
    spread AS (
      SELECT s + to_hours(i::BIGINT) AS h, cost / n AS cost FROM spans, range(n) r(i)
    )
    SELECT strftime(hours.h, '%Y-%m-%dT%H') AS h, coalesce(sum(spread.cost), 0)::DECIMAL(38,10)::VARCHAR AS cost
    FROM hours LEFT JOIN spread ON spread.h = hours.h GROUP BY hours.h ORDER BY hours.h`, ...filterParams));
  return { series: rows.map((r) => r.cost), start: startH, end: endH };
}

export async function savingsPlanRecommendations(
  store: AnalysisStore,
  cfg: OptimizationConfig,
  opts: { plans?: string[]; end?: Date } = {},
): Promise<SpPlanResult[]> {
  const discounts = spDiscounts(cfg);
  const plans = opts.plans ?? Object.keys(discounts);
  const out: SpPlanResult[] = [];
  for (const days of cfg.savingsPlans.lookbackDays) {
    const spend = await hourlyEligibleSpend(store, cfg, days, opts.end);
    if (!spend) continue;
    for (const plan of plans) {
      const discount = discounts[plan];
      if (discount === undefined) continue;
      const termMonths = /3y/.test(plan) ? 36 : 12;
      const sim = simulateSavingsPlan({ hourlySpend: spend.series, discount, hoursPerMonth: cfg.hoursPerMonth, termMonths });
      out.push({ ...sim, plan, discount, lookbackDays: days, window: { start: spend.start.toISOString(), end: spend.end.toISOString() } });
    }
  }
  return out;
}

/** The best plan per lookback as recommendation drafts (one per plan, from the longest lookback). */
export function savingsPlanDrafts(results: readonly SpPlanResult[], currency = "USD"): RecommendationDraft[] {
  if (results.length === 0) return [];
  const longest = Math.max(...results.map((r) => r.lookbackDays));
  const candidates = results.filter((r) => r.lookbackDays === longest && parseMoney(r.netSavings) > 0n);
  if (candidates.length === 0) return [];
  // the plans are alternatives: recommend the one that saves the most per month
  const best = candidates.reduce((a, b) => (parseMoney(b.monthlyNetSavings) > parseMoney(a.monthlyNetSavings) ? b : a));
  return [best].map((r) => ({
      key: recommendationKey("savings-plan", "purchase"),
      type: "savings-plan" as const,
      resourceId: r.plan,
      resourceType: "savings-plan",
      region: null,
      accountId: null,
      owner: null,
      ownerSource: null,
      action: `buy a ${r.plan} Savings Plan of $${formatMoney(parseMoney(r.hourlyCommitment), 3)}/hour`,
      currentConfig: null,
      targetConfig: `${r.hourlyCommitment}/h`,
      monthlySaving: r.monthlyNetSavings,
      currency,
      savingBasis: "simulation",
      confidence: r.lookbackDays >= 30 ? ("high" as const) : ("medium" as const),
      reason:
        `over ${r.lookbackDays} days of hourly on-demand eligible spend (${formatMoney(parseMoney(r.onDemandCost), 2)}), a commitment of ` +
        `${formatMoney(parseMoney(r.hourlyCommitment), 3)}/h at ${r.discount} off would have saved ${formatMoney(parseMoney(r.netSavings), 2)} ` +
        `(utilization ${r.expectedUtilization}, coverage ${r.expectedCoverage}; break-even utilization ${r.breakEvenUtilization}, ` +
        `pays for itself after ${r.breakEvenMonths ?? "?"} of ${/3y/.test(r.plan) ? 36 : 12} months)`,
      risks: ["future usage may fall: the commitment is paid every hour for the whole term"],
      details: { ...r, alternatives: results.map((x) => ({ plan: x.plan, lookbackDays: x.lookbackDays, hourlyCommitment: x.hourlyCommitment, monthlyNetSavings: x.monthlyNetSavings })) },
      baselineMonthlyCost: null,
    }));
}
