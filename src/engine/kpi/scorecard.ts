/**
 * The KPI scorecard: every KPI of ./definitions.ts computed now, with its target and whether it meets it. The
 * dashboard (/api/v1/kpis), `costwise kpi` and the daily kpi job (kept in kpi_history by ./history.ts) all read
 * this one function. A KPI whose feature is not in use is `available: false` with the command that produces its
 * data, never a made-up zero.
 *
 * Order: tagged spend of the billing month (the asked one, else the latest) in its largest currency → forecast
 * variance of the last closed month → alert latency p50/p95 over the last 30 days → summaries delivered in the last
 * 24 hours → recommendations closed and savings realized → blocking findings of the latest scan → commitment
 * utilization and coverage over the 30 days before the last charge day.
 */
import type { CostwiseConfig } from "../../core/config/schema.js";
import { optimizationDefaults } from "../../core/config/sections/optimization.js";
import { assertNever } from "../../core/errors.js";
import { formatMoney, parseMoney } from "../../core/money.js";
import { quoteString, quoteStringList } from "../../core/sql.js";
import { defaultForecastScopes, forecastVariance } from "../detect/forecast-scope.js";
import { detectionConfig } from "../detect/monitors.js";
import { GOVERNANCE_FINDINGS_TABLE, GOVERNANCE_SCANS_TABLE } from "../governance/tables.js";
import { OUTBOX_TABLE } from "../notify/tables.js";
import { commitmentReport } from "../optimize/commitment-analysis.js";
import { measureRealizedSavings } from "../optimize/realized-savings.js";
import { RECOMMENDATIONS_TABLE } from "../optimize/tables.js";
import type { AnalysisStore } from "../store/cost-store.js";
import { featureAvailability } from "../store/feature-availability.js";
import { col, readRow, readRows } from "../store/read-rows.js";
import { COST_TABLE } from "../store/schema.js";
import { tableExists } from "../store/table-rows.js";
import { estimateVsActual } from "../estimate/actual.js";
import { KPI_DEFINITIONS, kpiSettings, meetsTarget, type KpiId, type KpiSettings, type KpiTarget, type KpiUnit, type KpiWorkspace } from "./definitions.js";
import { billingMonths, taggedSpend } from "./tagged-spend.js";

export interface ScorecardKpi {
  id: KpiId;
  title: string;
  unit: KpiUnit;
  formula: string;
  available: boolean;
  /** Decimal text in the unit (percent two decimals, whole seconds, a count, or money); null when not computable. */
  value: string | null;
  /** What the value is for: e.g. "team · 2026-10 · USD", "total · 2026-09", the currency of a money KPI. */
  scope: string;
  target: KpiTarget | null;
  meetsTarget: boolean | null;
  /** One sentence: the figures behind the value, or why it is missing. */
  detail: string;
  /** Breakdown kept in kpi_history (other tags and currencies, counts). */
  details?: Record<string, unknown>;
}

export interface Scorecard {
  /** The day (UTC) the scorecard was computed for. */
  day: string;
  /** The billing month of the tagged-spend figure. */
  month: string | null;
  currency: string | null;
  kpis: ScorecardKpi[];
}

export interface ScorecardOptions {
  now?: Date;
  /** The headline tag (default kpis.taggedSpend.tag). */
  tagKey?: string;
  /** The billing month of the tagged-spend figure (default the latest). */
  month?: string;
}


function kpi(id: KpiId, settings: KpiSettings, v: { value: string | null; scope: string; detail: string; details?: Record<string, unknown> }): ScorecardKpi {
  const d = KPI_DEFINITIONS[id];
  const target = settings.targets[id] ?? null;
  return { id, title: d.title, unit: d.unit, formula: d.formula, available: v.value !== null, value: v.value, scope: v.scope, target, meetsTarget: meetsTarget(v.value, target ?? undefined), detail: v.detail, ...(v.details ? { details: v.details } : {}) };
}

function missing(id: KpiId, settings: KpiSettings, detail: string): ScorecardKpi {
  return kpi(id, settings, { value: null, scope: "", detail });
}

async function unavailable(s: AnalysisStore, config: CostwiseConfig, feature: string): Promise<string | null> {
  const a = await featureAvailability(s, config, feature);
  return a.available ? null : `${a.reason}: run ${a.produceWith}`;
}

async function taggedSpendKpi(s: AnalysisStore, ws: KpiWorkspace, settings: KpiSettings, o: ScorecardOptions): Promise<{ kpi: ScorecardKpi; month: string | null; currency: string | null }> {
  const months = await billingMonths(s);
  const month = o.month && months.includes(o.month) ? o.month : months[months.length - 1];
  if (!month) return { kpi: missing("tagged-spend", settings, "no cost data: ingest a bill first"), month: null, currency: null };
  const tag = (o.tagKey ?? settings.taggedTag).trim().toLowerCase();
  const r = await taggedSpend(s, ws, { month, top: 0, ...(o.tagKey ? { tags: [...new Set([tag])] } : {}) });
  const mine = r.rows.filter((x) => x.tag === tag);
  const byCurrency = [...mine].sort((a, b) => {
    const d = parseMoney(b.spend) - parseMoney(a.spend);
    return d > 0n ? 1 : d < 0n ? -1 : a.currency < b.currency ? -1 : 1;
  });
  const head = byCurrency[0];
  if (!head) return { kpi: missing("tagged-spend", settings, `no charges in ${month}`), month, currency: null };
  return {
    kpi: kpi("tagged-spend", settings, {
      value: head.percent,
      scope: `${tag} · ${month} · ${head.currency}`,
      detail: `${month}, ${head.currency}: ${head.tagged} of ${head.spend} allocable carries ${tag}; not allocable (tax, credits, adjustments) apart: ${head.notAllocable}`,
      details: { month, rows: r.rows.map((x) => ({ tag: x.tag, currency: x.currency, spend: x.spend, tagged: x.tagged, percent: x.percent, notAllocable: x.notAllocable })) },
    }),
    month,
    currency: head.currency,
  };
}

async function forecastVarianceKpi(s: AnalysisStore, config: CostwiseConfig, settings: KpiSettings): Promise<ScorecardKpi> {
  const why = await unavailable(s, config, "forecasts");
  if (why) return missing("forecast-variance", settings, why);
  const rows = (await forecastVariance(s, defaultForecastScopes(detectionConfig(config)))).filter((r) => r.variance !== null);
  const latest = rows.reduce<string | null>((m, r) => (m === null || r.month > m ? r.month : m), null);
  const atLatest = rows.filter((r) => r.month === latest);
  const v = atLatest.find((r) => r.scope === "total") ?? atLatest[0];
  if (!v) return missing("forecast-variance", settings, "no closed month has a forecast saved before it yet (the forecast job saves one daily)");
  return kpi("forecast-variance", settings, {
    value: (v.variance! * 100).toFixed(2),
    scope: `${v.scope} · ${v.month.slice(0, 7)} · ${v.currency}`,
    detail: `${v.scope} ${v.month.slice(0, 7)}: forecast ${v.forecast} (made ${v.madeOn}) vs actual ${v.actual} ${v.currency}`,
    details: { rows: atLatest.map((r) => ({ scope: r.scope, currency: r.currency, month: r.month, madeOn: r.madeOn, forecast: r.forecast, actual: r.actual, variance: r.variance })) },
  });
}

async function alertLatencyKpis(s: AnalysisStore, settings: KpiSettings, now: Date): Promise<ScorecardKpi[]> {
  const none = (detail: string) => [missing("alert-latency-p50", settings, detail), missing("alert-latency-p95", settings, detail)];
  if (!(await tableExists(s, OUTBOX_TABLE))) return none("no alert delivered yet: run costwise detect with notify channels configured");
  const r = await readRow(s, { n: col.int, p50: col.num.nullable(), p95: col.num.nullable() }, {
    sql: `SELECT count(*)::INTEGER AS n, quantile_cont(date_diff('second', data_landed_at, sent_at), 0.5) AS p50, quantile_cont(date_diff('second', data_landed_at, sent_at), 0.95) AS p95
          FROM ${OUTBOX_TABLE} WHERE status = ${quoteString("sent")} AND kind IN (${quoteStringList(["anomaly", "budget"])}) AND data_landed_at IS NOT NULL
            AND sent_at > CAST(? AS TIMESTAMP) - INTERVAL 30 DAY`,
    params: [iso(now)],
  });
  const n = r?.n ?? 0;
  if (!r || n === 0 || r.p50 === null || r.p95 === null) return none("no anomaly or budget alert delivered in the last 30 days");
  const detail = `data committed → alert delivered, over ${n} alert${n === 1 ? "" : "s"} delivered in the last 30 days`;
  return [
    kpi("alert-latency-p50", settings, { value: String(Math.round(r.p50)), scope: "anomaly, budget · 30 days", detail, details: { alerts: n } }),
    kpi("alert-latency-p95", settings, { value: String(Math.round(r.p95)), scope: "anomaly, budget · 30 days", detail, details: { alerts: n } }),
  ];
}

async function summariesKpi(s: AnalysisStore, settings: KpiSettings, now: Date): Promise<ScorecardKpi> {
  if (!(await tableExists(s, OUTBOX_TABLE))) return missing("daily-summaries-delivered", settings, "no notification yet: schedule the summary job");
  const r = await readRow(s, { n: col.int, teams: col.int }, {
    sql: `SELECT count(*)::INTEGER AS n, count(DISTINCT team)::INTEGER AS teams FROM ${OUTBOX_TABLE}
          WHERE status = ${quoteString("sent")} AND kind = ${quoteString("summary")} AND sent_at > CAST(? AS TIMESTAMP) - INTERVAL 24 HOUR`,
    params: [iso(now)],
  });
  return kpi("daily-summaries-delivered", settings, { value: String(r?.n ?? 0), scope: "24 hours", detail: `to ${r?.teams ?? 0} team${r?.teams === 1 ? "" : "s"}`, details: { teams: r?.teams ?? 0 } });
}

async function recommendationKpis(s: AnalysisStore, config: CostwiseConfig, settings: KpiSettings): Promise<ScorecardKpi[]> {
  const why = await unavailable(s, config, "recommendations");
  if (why) return [missing("recommendations-closed", settings, why), missing("savings-realized", settings, why)];
  const rows = await readRows(s, { status: col.text, currency: col.text.nullable(), n: col.int, saving: col.money.nullable() }, `SELECT status, currency, count(*)::INTEGER AS n, sum(monthly_saving)::VARCHAR AS saving FROM ${RECOMMENDATIONS_TABLE} GROUP BY ALL ORDER BY ALL`);
  let open = 0;
  let done = 0;
  let all = 0;
  const realized = new Map<string, bigint>();
  for (const x of rows) {
    all += x.n;
    if (x.status === "open") open += x.n;
    if (x.status === "done") {
      done += x.n;
      const c = x.currency ?? "USD";
      realized.set(c, (realized.get(c) ?? 0n) + parseMoney(x.saving ?? "0"));
    }
  }
  const byCurrency = [...realized].sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : a[0] < b[0] ? -1 : 1));
  const main = byCurrency[0] ?? [rows.find((x) => x.currency)?.currency ?? "USD", 0n];
  return [
    kpi("recommendations-closed", settings, { value: String(done), scope: "all recommendations", detail: `${done} done of ${all}; ${open} open`, details: { open, done, all } }),
    await savingsRealizedKpi(s, config, settings, main[0], byCurrency),
  ];
}

/** savings-realized = measured on the bill (../optimize/realized-savings.ts), the expected saving in the detail. */
async function savingsRealizedKpi(s: AnalysisStore, config: CostwiseConfig, settings: KpiSettings, fallbackCurrency: string, expected: [string, bigint][]): Promise<ScorecardKpi> {
  const r = await measureRealizedSavings(s, config.optimization ?? optimizationDefaults());
  const h = r.headline;
  return kpi("savings-realized", settings, {
    value: h ? h.measuredMonthly : formatMoney(0n),
    scope: h?.currency ?? fallbackCurrency,
    detail: h
      ? `measured on the bill for ${h.measured} of ${h.done} done (${h.measuring} still measuring, ${r.windowDays} days before vs after); expected ${h.expectedMonthly} for all done, ${h.expectedMonthlyOfMeasured} for the measured ones (costwise recommend savings)`
      : "no recommendation marked done yet",
    details: { lastCompleteDay: r.lastCompleteDay, windowDays: r.windowDays, totals: r.totals, expectedByCurrency: Object.fromEntries(expected.map(([c, v]) => [c, formatMoney(v)])) },
  });
}

async function blockingFindingsKpi(s: AnalysisStore, config: CostwiseConfig, settings: KpiSettings): Promise<ScorecardKpi> {
  const why = await unavailable(s, config, "governance");
  if (why) return missing("open-blocking-findings", settings, why);
  const r = await readRow(s, { scan: col.text, at: col.text, findings: col.int, blocking: col.int }, `
    SELECT s.scan_id AS scan, strftime(s.scanned_at, '%Y-%m-%d %H:%M') AS at,
           (SELECT count(*) FROM ${GOVERNANCE_FINDINGS_TABLE} f WHERE f.scan_id = s.scan_id)::INTEGER AS findings,
           (SELECT count(*) FROM ${GOVERNANCE_FINDINGS_TABLE} f WHERE f.scan_id = s.scan_id AND f.blocking)::INTEGER AS blocking
    FROM ${GOVERNANCE_SCANS_TABLE} s ORDER BY s.scanned_at DESC, s.scan_id DESC LIMIT 1`);
  if (!r) return missing("open-blocking-findings", settings, "no scan yet: run costwise policy scan");
  return kpi("open-blocking-findings", settings, { value: String(r.blocking), scope: `scan ${r.scan}`, detail: `latest scan ${r.at}: ${r.blocking} blocking of ${r.findings} findings`, details: { findings: r.findings } });
}

async function commitmentKpis(s: AnalysisStore, config: CostwiseConfig, settings: KpiSettings): Promise<ScorecardKpi[]> {
  const why = await unavailable(s, config, "commitments");
  if (why) return [missing("commitment-utilization", settings, why), missing("commitment-coverage", settings, why)];
  const last = await readRow(s, { d: col.day.nullable() }, `SELECT strftime(max("ChargePeriodStart"), '%Y-%m-%d') AS d FROM ${COST_TABLE}`);
  if (!last?.d) return [missing("commitment-utilization", settings, "no cost data"), missing("commitment-coverage", settings, "no cost data")];
  const end = new Date(`${last.d}T00:00:00Z`);
  end.setUTCDate(end.getUTCDate() + 1);
  const start = new Date(end.getTime() - 30 * 86_400_000);
  const rep = await commitmentReport(s, config.optimization ?? optimizationDefaults(), { start, end });
  const pct = (ratio: string | null): string | null => (ratio === null ? null : (Number(ratio) * 100).toFixed(2));
  const scope = `${start.toISOString().slice(0, 10)} – ${last.d}${rep.currency ? ` · ${rep.currency}` : ""}`;
  return [
    kpi("commitment-utilization", settings, { value: pct(rep.overall.utilization), scope, detail: `used ${rep.overall.used} of ${rep.commitments.length} commitment${rep.commitments.length === 1 ? "" : "s"}` }),
    kpi("commitment-coverage", settings, { value: pct(rep.overall.coverage), scope, detail: `on-demand eligible ${rep.overall.onDemandEligible}` }),
  ];
}

/** Every KPI, now. */
export async function kpiScorecard(s: AnalysisStore, ws: KpiWorkspace, o: ScorecardOptions = {}): Promise<Scorecard> {
  const now = o.now ?? new Date();
  const settings = kpiSettings(ws.config);
  const tagged = await taggedSpendKpi(s, ws, settings, o);
  const kpis: ScorecardKpi[] = [tagged.kpi, await forecastVarianceKpi(s, ws.config, settings)];
  kpis.push(...(await alertLatencyKpis(s, settings, now)));
  kpis.push(await summariesKpi(s, settings, now));
  kpis.push(...(await recommendationKpis(s, ws.config, settings)));
  kpis.push(await blockingFindingsKpi(s, ws.config, settings));
  kpis.push(...(await commitmentKpis(s, ws.config, settings)));
  const ea = await estimateVsActual(s);
  kpis.push(ea.accuracy === null ? missing("estimate-accuracy", settings, "no recorded estimate is in the bill yet: costwise estimate <plan> --record, then costwise estimate actual --state <state.json>") : kpi("estimate-accuracy", settings, { value: ea.accuracy, scope: `${ea.measured} resource${ea.measured === 1 ? "" : "s"}`, detail: `median absolute % error of ${ea.measured} estimated resource${ea.measured === 1 ? "" : "s"} against the bill` }));
  return { day: now.toISOString().slice(0, 10), month: tagged.month, currency: tagged.currency, kpis };
}

/** A KPI value as text with its unit, for tables and messages. */
export function formatKpiValue(k: Pick<ScorecardKpi, "value" | "unit" | "scope">): string {
  if (k.value === null) return "n/a";
  switch (k.unit) {
    case "percent":
      return `${k.value}%`;
    case "seconds":
      return `${k.value} s`;
    case "count":
      return k.value;
    case "money":
      return `${k.value} ${k.scope}`;
    default:
      return assertNever(k.unit, "KPI unit");
  }
}

/** A target as text: "≥ 85%", "< 20%", "≤ 300 s". */
export function formatTarget(t: KpiTarget | null, unit: KpiUnit): string {
  if (t === null) return "";
  const op = t.op === ">=" ? "≥" : t.op === "<=" ? "≤" : "<";
  return `${op} ${t.value}${unit === "percent" ? "%" : unit === "seconds" ? " s" : ""}`;
}

function iso(d: Date): string {
  return d.toISOString().slice(0, 19).replace("T", " ");
}
