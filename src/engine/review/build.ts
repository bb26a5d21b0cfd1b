/**
 * The monthly FinOps review's figures (issue 20), each read through the engine function the rest of costwise uses
 * for the same figure — nothing is recomputed here:
 *
 *  spend, month over month, trend, movers  → the typed cost query (runCostQuery: `costwise query`, /api/v1/costs)
 *  budgets                                 → budgetStatus (`costwise budget status`), as of the month's last day
 *  forecast at the start of the month      → forecastVariance (the forecast-variance KPI)
 *  spend by owner                          → showback (`costwise report allocation`, /api/v1/showback)
 *  unit costs                              → unitCosts (`costwise report unit-cost`)
 *  tag coverage, top untagged              → taggedSpend (the tagged-spend KPI, `costwise report coverage`)
 *  anomalies and their outcome             → listAnomalies with its feedback (`costwise anomalies`)
 *  recommendations, expected and measured  → the recommendation events + measureRealizedSavings (the KPI)
 *  commitments                             → commitmentReport over the month (`costwise commitments`)
 *  governance                              → governanceKpis (`costwise report governance`) and the KPI scorecard
 *  KPIs                                    → kpiScorecard (`costwise kpi`, /api/v1/kpis)
 *
 * Order: the month's bounds and the bill's last complete day → currencies by spend (the largest is the review's
 * currency) → each section in the list above; a section whose feature is not in use says so (featureAvailability)
 * instead of showing zeros.
 */
import type { CostwiseConfig } from "../../core/config/schema.js";
import { reviewSettings } from "../../core/config/sections/review.js";
import { optimizationDefaults } from "../../core/config/sections/optimization.js";
import { compareMoney, formatMoney, parseMoney, subMoney } from "../../core/money.js";
import { monthBounds, type Mover, type ReviewData, type Unavailable } from "../../core/review/model.js";
import { showback } from "../allocation/read-model.js";
import { unitCosts } from "../allocation/reports.js";
import { budgetStatus } from "../detect/budget-status.js";
import { defaultForecastScopes, forecastVariance } from "../detect/forecast-scope.js";
import { lastCompleteDayFromStore } from "../detect/load-series.js";
import { detectionConfig, listAnomalies } from "../detect/monitors.js";
import { governanceKpis } from "../governance/kpi.js";
import { kpiSettings } from "../kpi/definitions.js";
import { formatKpiValue, kpiScorecard } from "../kpi/scorecard.js";
import { kpiModel, taggedSpend } from "../kpi/tagged-spend.js";
import { commitmentReport } from "../optimize/commitment-analysis.js";
import { measureRealizedSavings } from "../optimize/realized-savings.js";
import { RECOMMENDATION_EVENTS_TABLE, RECOMMENDATIONS_TABLE } from "../optimize/tables.js";
import { percentChange } from "../query/overview.js";
import { parseApiQuery } from "../query/api-query.js";
import { runCostQuery } from "../query/run-query.js";
import { sql, type AnalysisStore } from "../store/cost-store.js";
import { featureAvailability } from "../store/feature-availability.js";
import { col, readRows } from "../store/read-rows.js";
import { reviewActionItems } from "./action-items.js";
import { addDays } from "../../core/detect/series.js";

export interface ReviewWorkspace {
  config: CostwiseConfig;
  baseDir: string;
}

const ZERO = formatMoney(0n);
const METRIC = "EffectiveCost";

function addMonths(month: string, n: number): string {
  const d = new Date(`${month}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + n);
  return d.toISOString().slice(0, 7);
}
/** a / b as a percentage with two decimals, or null. */
function pct(a: string, b: string): string | null {
  const y = parseMoney(b);
  if (y === 0n) return null;
  const x = parseMoney(a) * 20000n;
  const q = (x < 0n ? x - y / 2n : x + y / 2n) / y; // rounded half away from zero, in hundredths of a percent ×2
  const r = q >= 0n ? (q + 1n) / 2n : (q - 1n) / 2n;
  const neg = r < 0n;
  const abs = neg ? -r : r;
  return `${neg ? "-" : ""}${abs / 100n}.${(abs % 100n).toString().padStart(2, "0")}`;
}
const ratioPct = (r: string | null): string | null => (r === null ? null : (Number(r) * 100).toFixed(2));

async function unavailable(s: AnalysisStore, config: CostwiseConfig, feature: string): Promise<Unavailable | null> {
  const a = await featureAvailability(s, config, feature);
  return a.available ? null : { available: false, reason: `${a.reason ?? "no data"}: ${a.produceWith ?? ""}`.trim() };
}

/** The typed cost query (the one `costwise query` runs) over [start, end), EffectiveCost. */
async function query(s: AnalysisStore, input: Record<string, unknown>) {
  return (await runCostQuery(s, parseApiQuery({ metric: METRIC, ...input }))).rows;
}

export interface BuildReviewOptions {
  now?: Date;
}

export async function buildReview(s: AnalysisStore, ws: ReviewWorkspace, month: string, o: BuildReviewOptions = {}): Promise<ReviewData> {
  const now = o.now ?? new Date();
  const { start, end, previous } = monthBounds(month);
  const prevStart = monthBounds(previous).start;
  const lastDay = await lastCompleteDayFromStore(s);
  const closed = lastDay !== null && addDays(end, -1) <= lastDay;
  const config = ws.config;
  const settings = reviewSettings(config);

  // ── spend: per currency, the review's currency, previous month, trend ──
  const byCurrency = (await query(s, { groupBy: ["BillingCurrency"], start, end }))
    .filter((r) => r["BillingCurrency"])
    .map((r) => ({ currency: r["BillingCurrency"]!, amount: r[METRIC] ?? ZERO }))
    .sort((a, b) => compareMoney(b.amount, a.amount) || a.currency.localeCompare(b.currency));
  // review.currency when the month has spend in it, else the largest
  const chosen = byCurrency.find((c) => c.currency === settings.currency) ?? byCurrency[0];
  const currency = chosen?.currency ?? null;
  if (chosen && chosen !== byCurrency[0]) byCurrency.unshift(...byCurrency.splice(byCurrency.indexOf(chosen), 1)); // the review's currency first
  const inCur = currency ? [{ on: "BillingCurrency", op: "eq", value: currency }] : [];
  const trendStart = monthBounds(addMonths(month, 1 - settings.trendMonths)).start;
  const trendRows = currency ? await query(s, { granularity: "month", filters: inCur, start: trendStart, end }) : [];
  const trend = Array.from({ length: settings.trendMonths }, (_, i) => addMonths(month, i + 1 - settings.trendMonths)).map((m) => ({ month: m, amount: trendRows.find((r) => r["period"]!.slice(0, 7) === m)?.[METRIC] ?? ZERO }));
  const total = chosen?.amount ?? ZERO;
  const previousTotal = trend[trend.length - 2]!.amount;

  // ── top movers by service, each with the resource that moved most ──
  const topMovers: Mover[] = [];
  if (currency) {
    const cur = new Map((await query(s, { groupBy: ["ServiceName"], filters: inCur, start, end })).map((r) => [r["ServiceName"] ?? "(none)", r[METRIC] ?? ZERO]));
    const before = new Map((await query(s, { groupBy: ["ServiceName"], filters: inCur, start: prevStart, end: start })).map((r) => [r["ServiceName"] ?? "(none)", r[METRIC] ?? ZERO]));
    const moves = [...new Set([...cur.keys(), ...before.keys()])]
      .map((service) => {
        const amount = cur.get(service) ?? ZERO;
        const previousAmount = before.get(service) ?? ZERO;
        return { service, amount, previousAmount, change: subMoney(amount, previousAmount), changePercent: percentChange(previousAmount, amount) };
      })
      .filter((m) => parseMoney(m.change) !== 0n)
      .sort((a, b) => {
        const x = parseMoney(a.change) < 0n ? -parseMoney(a.change) : parseMoney(a.change);
        const y = parseMoney(b.change) < 0n ? -parseMoney(b.change) : parseMoney(b.change);
        return x === y ? a.service.localeCompare(b.service) : y > x ? 1 : -1;
      })
      .slice(0, settings.topMovers);
    for (const m of moves) {
      const f = [...inCur, ...(m.service === "(none)" ? [] : [{ on: "ServiceName", op: "eq", value: m.service }])];
      const now_ = new Map((await query(s, { groupBy: ["ResourceId"], filters: f, start, end, limit: 10000 })).map((r) => [r["ResourceId"] ?? "(no resource)", r[METRIC] ?? ZERO]));
      const was = new Map((await query(s, { groupBy: ["ResourceId"], filters: f, start: prevStart, end: start, limit: 10000 })).map((r) => [r["ResourceId"] ?? "(no resource)", r[METRIC] ?? ZERO]));
      let best: Mover["rootCause"] = null;
      for (const id of new Set([...now_.keys(), ...was.keys()])) {
        const a = now_.get(id) ?? ZERO;
        const p = was.get(id) ?? ZERO;
        const c = subMoney(a, p);
        // the resource moving most in the service's direction
        const sameWay = parseMoney(c) * parseMoney(m.change) > 0n;
        if (sameWay && (best === null || (parseMoney(c) < 0n ? -parseMoney(c) : parseMoney(c)) > (parseMoney(best.change) < 0n ? -parseMoney(best.change) : parseMoney(best.change)))) best = { resourceId: id, amount: a, previousAmount: p, change: c };
      }
      topMovers.push({ ...m, rootCause: best });
    }
  }

  // ── budgets as of the month's last day (or the last complete day of an open month) ──
  const asOf = closed || lastDay === null ? addDays(end, -1) : lastDay;
  const budgets = (config.detection?.budgets?.length ?? 0) > 0
    ? (await budgetStatus(s, config, { asOf, persist: false, now, baseDir: ws.baseDir })).map((b) => ({
        name: b.budget,
        amount: b.amount,
        currency: b.currency,
        actual: b.actual,
        burnPercent: pct(b.actual, b.amount),
        variance: subMoney(b.actual, b.amount),
        over: compareMoney(b.actual, b.amount) > 0,
      }))
    : [];

  // ── forecast made at the start of the month (the forecast-variance KPI's function) ──
  let forecast: ReviewData["forecast"] = { available: false, reason: `no forecast was stored at the start of ${month} (the forecast job saves one daily: costwise forecast)` };
  if (!closed) forecast = { available: false, reason: `${month} is not closed yet (bill complete through ${lastDay ?? "no day"})` };
  else if (!(await unavailable(s, config, "forecasts"))) {
    const rows = (await forecastVariance(s, defaultForecastScopes(detectionConfig(config)))).filter((r) => r.month === month && (currency === null || r.currency === currency));
    const v = rows.find((r) => r.scope === "total") ?? rows[0];
    if (v) forecast = { available: true, scope: v.scope, madeOn: v.madeOn, forecast: v.forecast, actual: v.actual, variance: subMoney(v.actual, v.forecast), variancePercent: v.variance === null ? null : (v.variance * 100).toFixed(2) };
  }

  // ── spend by owner ──
  const ownersNa = await unavailable(s, config, "allocation");
  let owners: ReviewData["owners"] = ownersNa ?? { available: false, reason: "no allocated costs" };
  if (!ownersNa) {
    const sb = await showback(s, null, month, "effective_cost");
    const c = sb.month === month ? (sb.currencies.find((x) => x.currency === currency) ?? sb.currencies[0]) : undefined;
    owners = c ? { available: true, currency: c.currency, total: c.total, shared: c.shared, unallocated: c.unallocated, teams: c.teams } : { available: false, reason: `no allocated costs in ${month}: run costwise allocate` };
  }

  // ── unit costs and their trend (six months) ──
  const ucNa = await unavailable(s, config, "unit-costs");
  const unitCostsSec: ReviewData["unitCosts"] = ucNa ?? {
    available: true,
    rows: (await unitCosts(s, kpiModel(ws), { granularity: "month", from: trendStart, to: end })).rows
      .filter((r) => r.service === null && r.environment === null)
      .map((r) => ({ name: r.name, metric: r.metric, period: r.period.slice(0, 7), currency: r.currency, cost: r.cost, units: r.units, unitCost: r.unitCost })),
  };

  // ── tag coverage (the tagged-spend KPI's function) ──
  let tagCoverage: ReviewData["tagCoverage"] = { available: false, reason: `no charges in ${month}` };
  if (currency) {
    try {
      const ts = await taggedSpend(s, ws, { month, top: settings.topUntagged });
      const headline = settings.tag ?? kpiSettings(config).taggedTag;
      const tag = ts.tags.includes(headline) ? headline : ts.tags[0]!;
      const row = ts.rows.find((r) => r.tag === tag && r.currency === currency) ?? ts.rows.find((r) => r.tag === tag);
      if (row)
        tagCoverage = {
          available: true,
          tag,
          percent: row.percent,
          target: ts.target,
          meetsTarget: row.meetsTarget,
          spend: row.spend,
          tagged: row.tagged,
          currency: row.currency,
          topUntagged: ts.topUntagged.map((t) => ({ resourceId: t.resourceId, service: t.service, spend: t.spend, missing: t.missing })),
        };
    } catch (e) {
      tagCoverage = { available: false, reason: e instanceof Error ? e.message : String(e) };
    }
  }

  // ── anomalies in the month and what happened to each ──
  const anNa = await unavailable(s, config, "anomalies");
  const anomalies: ReviewData["anomalies"] = anNa ?? {
    available: true,
    items: (await listAnomalies(s, { since: start, limit: 1000, now }))
      .filter((a) => a.start_day < end)
      .map((a) => ({
        id: a.id,
        monitor: a.monitor,
        series: a.series_key,
        startDay: a.start_day,
        endDay: a.end_day,
        impact: a.impact,
        currency: a.currency,
        severity: a.severity,
        open: a.is_open,
        outcome: a.feedback.expected
          ? `marked expected${a.feedback.expected.reason ? `: ${a.feedback.expected.reason}` : ""}`
          : a.feedback.acknowledged
            ? `acknowledged${a.feedback.acknowledged.by ? ` by ${a.feedback.acknowledged.by}` : ""}${a.is_open ? ", still open" : ", back to normal"}`
            : a.is_open
              ? "still open, not acknowledged"
              : "back to normal without action",
        rootCause: a.root_cause?.headline ? `${a.root_cause.headline.kind} ${a.root_cause.headline.value} (${a.root_cause.headline.contribution})` : null,
      })),
  };

  // ── recommendations: status changes in the month; expected vs measured ──
  const recNa = await unavailable(s, config, "recommendations");
  let recommendations: ReviewData["recommendations"] = recNa ?? { available: false, reason: "" };
  if (!recNa) {
    const ev = await readRows(s, { event: col.text, to: col.text.nullable(), n: col.int }, sql(
      `SELECT event, to_status AS "to", count(*)::INTEGER AS n FROM ${RECOMMENDATION_EVENTS_TABLE}
       WHERE event_at >= CAST(? AS TIMESTAMP) AND event_at < CAST(? AS TIMESTAMP) AND (event = 'created' OR event = 'status') GROUP BY ALL`, start, end));
    const count = (event: string, to: string | null) => ev.filter((e) => e.event === event && (to === null || e.to === to)).reduce((a, e) => a + e.n, 0);
    const openNow = await readRows(s, { n: col.int }, `SELECT count(*)::INTEGER AS n FROM ${RECOMMENDATIONS_TABLE} WHERE status = 'open' AND still_found`);
    const optCfg = config.optimization ?? optimizationDefaults();
    const inMonth = await measureRealizedSavings(s, optCfg, { now, doneFrom: start, doneTo: end });
    const all = await measureRealizedSavings(s, optCfg, { now });
    const recCur = all.headline?.currency ?? currency ?? "USD";
    const t = inMonth.totals.find((x) => x.currency === recCur);
    const a = all.totals.find((x) => x.currency === recCur);
    recommendations = {
      available: true,
      opened: count("created", null),
      accepted: count("status", "accepted"),
      done: count("status", "done"),
      dismissed: count("status", "dismissed"),
      openNow: openNow[0]?.n ?? 0,
      expectedMonthly: t?.expectedMonthly ?? ZERO,
      measuredMonthly: t?.measuredMonthly ?? ZERO,
      measuredCount: t?.measured ?? 0,
      measuringCount: t?.measuring ?? 0,
      currency: recCur,
      allTime: { done: a?.done ?? 0, expectedMonthly: a?.expectedMonthly ?? ZERO, measuredMonthly: a?.measuredMonthly ?? ZERO },
      items: inMonth.items.map((i) => ({ id: i.id, resourceId: i.resourceId, owner: i.owner, status: i.status, expectedMonthly: i.expectedMonthlySaving, measuredMonthly: i.measuredMonthlySaving })),
    };
  }

  // ── commitments over the month; expiries in the next 90 days ──
  const comNa = await unavailable(s, config, "commitments");
  let commitments: ReviewData["commitments"] = comNa ?? { available: false, reason: "" };
  if (!comNa) {
    const cfg = config.optimization ?? optimizationDefaults();
    const r = await commitmentReport(s, { ...cfg, commitments: { expiringWithinDays: [30, 60, 90] } }, { start: new Date(`${start}T00:00:00Z`), end: new Date(`${end}T00:00:00Z`) }, now);
    commitments = {
      available: true,
      utilization: ratioPct(r.overall.utilization),
      coverage: ratioPct(r.overall.coverage),
      savingsRate: ratioPct(r.overall.effectiveSavingsRate),
      netSavings: r.overall.netSavings,
      expiring: r.commitments.filter((c) => c.expiresWithinDays !== null).map((c) => ({ commitmentId: c.commitmentId, type: c.type, endsAt: c.endsAt, days: c.expiresWithinDays })),
    };
  }

  // ── KPIs (one scorecard) and governance ──
  const card = await kpiScorecard(s, ws, { now, month });
  const kpis = card.kpis.map((k) => ({ id: k.id, title: k.title, value: formatKpiValue(k), meetsTarget: k.meetsTarget }));
  const govNa = await unavailable(s, config, "governance");
  let governance: ReviewData["governance"] = govNa ?? { available: false, reason: "" };
  if (!govNa) {
    const g = await governanceKpis(s, { since: start });
    const scan = [...g.scans].filter((x) => x.scannedAt < `${end}T`).pop() ?? g.scans[g.scans.length - 1];
    const blocking = card.kpis.find((k) => k.id === "open-blocking-findings");
    governance = {
      available: true,
      scanId: scan?.scanId ?? null,
      complianceByCount: scan?.rateByCount ? ratioPct(scan.rateByCount) : null,
      complianceBySpend: scan?.rateBySpend ? ratioPct(scan.rateBySpend) : null,
      mttrHours: g.mttr.meanHours,
      resolved: g.mttr.resolved,
      openBlocking: Number(blocking?.value ?? 0),
      blockingByTeam: g.openByTeam.filter((t) => t.blocking > 0).map((t) => ({ team: t.team, blocking: t.blocking, monthlyCost: t.monthlyCost })),
    };
  }

  return {
    month,
    start,
    end,
    generatedAt: now.toISOString().slice(0, 19) + "Z",
    lastCompleteDay: lastDay,
    closed,
    currency,
    spend: { byCurrency, total, previousMonth: previous, previousTotal, change: subMoney(total, previousTotal), changePercent: percentChange(previousTotal, total), trend },
    budgets,
    forecast,
    topMovers,
    owners,
    unitCosts: unitCostsSec,
    tagCoverage,
    anomalies,
    recommendations,
    commitments,
    governance,
    actionItems: await reviewActionItems(s, month),
    kpis,
  };
}

/** The last complete month of the bill (YYYY-MM), or null without a bill. */
export async function lastCompleteMonth(s: AnalysisStore): Promise<string | null> {
  const d = await lastCompleteDayFromStore(s);
  if (!d) return null;
  return addDays(d, 1).slice(8, 10) === "01" ? d.slice(0, 7) : addMonths(d.slice(0, 7), -1);
}
