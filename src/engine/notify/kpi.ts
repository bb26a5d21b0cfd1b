/**
 * The KPI scorecard of a FinOps rollout, computed daily and kept as history in `kpi_history` (one row per day,
 * KPI and scope): tagged spend %, forecast variance, alert latency, recommendations opened/closed and savings
 * realized, governance findings open. Each KPI reads its feature's tables when they exist; a feature not in use
 * yields no row rather than a made-up zero.
 */
import { addMoney } from "../../core/money.js";
import type { LoadedConfig } from "../config/load-config.js";
import { tagCoverage } from "../allocation/reports.js";
import { loadAllocation } from "../allocation/load-rules.js";
import { defaultForecastScopes, forecastVariance } from "../detect/forecast-scope.js";
import { detectionConfig } from "../detect/monitors.js";
import { quoteIdent } from "../../core/sql.js";
import { GOVERNANCE_FINDINGS_TABLE, GOVERNANCE_SCANS_TABLE } from "../governance/tables.js";
import { RECOMMENDATIONS_TABLE } from "../optimize/tables.js";
import { COST_TABLE } from "../store/schema.js";
import type { AnalysisStore, CostStore } from "../store/cost-store.js";
import { col, readRow, readRows, type RowOf } from "../store/read-rows.js";
import { KPI_TABLE, OUTBOX_TABLE } from "./tables.js";

export interface Kpi {
  kpi: string;
  scope: string;
  /** Decimal text (percent, seconds, count or money), null when not computable. */
  value: string | null;
  unit: "percent" | "seconds" | "count" | "money";
  details?: Record<string, unknown>;
}

/** True when the feature's table exists and holds rows (tables exist from the migrations; rows mean the feature is in use). */
async function exists(store: AnalysisStore, table: string): Promise<boolean> {
  const r = await readRow(store, { n: col.int }, { sql: "SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = ?", params: [table] });
  if ((r?.n ?? 0) === 0) return false;
  const rows = await readRow(store, { n: col.int }, `SELECT count(*)::INTEGER AS n FROM (SELECT 1 FROM ${quoteIdent(table)} LIMIT 1)`);
  return (rows?.n ?? 0) > 0;
}

export async function computeKpis(store: AnalysisStore, workspace: LoadedConfig, o: { now?: Date } = {}): Promise<{ day: string; kpis: Kpi[] }> {
  const now = o.now ?? new Date();
  const day = now.toISOString().slice(0, 10);
  const kpis: Kpi[] = [];

  // tagged spend %: required tags from the allocation config, else "any tag at all" over the last 30 days
  if (workspace.config.allocation) {
    const model = loadAllocation(workspace.config, workspace.baseDir).model;
    const cov = await tagCoverage(store, model, { by: "none", from: isoDaysAgo(now, 30), to: day });
    for (const r of cov.rows) kpis.push({ kpi: "tagged_spend_pct", scope: `${r.tag}/${r.currency}`, value: r.percent, unit: "percent", details: { spend: r.spend, tagged: r.tagged } });
  } else {
    const r = await readRows(store, { c: col.text, pct: col.text.nullable() }, {
      sql: `SELECT "BillingCurrency" AS c, CAST(CAST(100 * sum(CASE WHEN cardinality("Tags") > 0 THEN abs("EffectiveCost") ELSE 0 END) / nullif(sum(abs("EffectiveCost")), 0) AS DECIMAL(9,2)) AS VARCHAR) AS pct
            FROM ${COST_TABLE} WHERE "ChargePeriodStart" >= CAST(? AS TIMESTAMP) GROUP BY 1 ORDER BY 1`,
      params: [`${isoDaysAgo(now, 30)} 00:00:00`],
    });
    for (const x of r) kpis.push({ kpi: "tagged_spend_pct", scope: `any/${x.c}`, value: x.pct, unit: "percent" });
  }

  // forecast variance of the last closed month per scope
  const variance = await forecastVariance(store, defaultForecastScopes(detectionConfig(workspace.config)));
  const latest = new Map<string, (typeof variance)[number]>();
  for (const v of variance) {
    const k = `${v.scope}/${v.currency}`;
    if (!latest.has(k) || latest.get(k)!.month < v.month) latest.set(k, v);
  }
  for (const [k, v] of latest) kpis.push({ kpi: "forecast_variance_pct", scope: k, value: v.variance === null ? null : (v.variance * 100).toFixed(2), unit: "percent", details: { month: v.month, forecast: v.forecast, actual: v.actual } });

  // alert latency: data landed → delivered, anomaly and budget alerts of the last 30 days
  if (await exists(store, OUTBOX_TABLE)) {
    const r = await readRow(store, { n: col.int, p50: col.num.nullable(), p95: col.num.nullable() }, {
      sql: `SELECT count(*)::INTEGER AS n, quantile_cont(date_diff('second', data_landed_at, sent_at), 0.5) AS p50, quantile_cont(date_diff('second', data_landed_at, sent_at), 0.95) AS p95
            FROM ${OUTBOX_TABLE} WHERE status = 'sent' AND kind IN ('anomaly', 'budget') AND data_landed_at IS NOT NULL AND sent_at >= CAST(? AS TIMESTAMP)`,
      params: [`${isoDaysAgo(now, 30)} 00:00:00`],
    });
    const n = r?.n ?? 0;
    if (r && n > 0) {
      kpis.push({ kpi: "alert_latency_p50_seconds", scope: "all", value: String(Math.round(Number(r.p50))), unit: "seconds", details: { alerts: n } });
      kpis.push({ kpi: "alert_latency_p95_seconds", scope: "all", value: String(Math.round(Number(r.p95))), unit: "seconds", details: { alerts: n } });
    }
  }

  // recommendations: open, closed (done) and savings realized (monthly saving of those done)
  if (await exists(store, RECOMMENDATIONS_TABLE)) {
    const r = await readRows(
      store,
      { status: col.text, currency: col.text.nullable(), n: col.int, s: col.money.nullable() },
      `SELECT status, currency, count(*)::INTEGER AS n, CAST(sum(monthly_saving) AS VARCHAR) AS s FROM ${RECOMMENDATIONS_TABLE} GROUP BY ALL ORDER BY ALL`,
    );
    let open = 0;
    let done = 0;
    const realized = new Map<string, string>();
    for (const x of r) {
      if (x.status === "open") open += x.n;
      if (x.status === "done") {
        done += x.n;
        const c = x.currency ?? "USD";
        realized.set(c, addMoney(realized.get(c) ?? "0", x.s ?? "0"));
      }
    }
    kpis.push({ kpi: "recommendations_open", scope: "all", value: String(open), unit: "count" });
    kpis.push({ kpi: "recommendations_done", scope: "all", value: String(done), unit: "count" });
    for (const [c, s] of realized) kpis.push({ kpi: "savings_realized_monthly", scope: c, value: s, unit: "money" });
  }

  // governance: findings in the latest scan
  if (await exists(store, GOVERNANCE_SCANS_TABLE)) {
    const r = await readRow(
      store,
      { n: col.int },
      `SELECT count(*)::INTEGER AS n FROM ${GOVERNANCE_FINDINGS_TABLE} WHERE scan_id = (SELECT scan_id FROM ${GOVERNANCE_FINDINGS_TABLE} ORDER BY scan_id DESC LIMIT 1)`,
    );
    kpis.push({ kpi: "governance_open_findings", scope: "latest-scan", value: String(r?.n ?? 0), unit: "count" });
  }

  await store.transaction(async () => {
    await store.run({ sql: `DELETE FROM ${KPI_TABLE} WHERE day = CAST(? AS DATE)`, params: [day] });
    for (const k of kpis) {
      await store.run({
        sql: `INSERT INTO ${KPI_TABLE} VALUES (CAST(? AS DATE), ?, ?, ?, ?, ?, now()::TIMESTAMP)`,
        params: [day, k.kpi, k.scope, k.value, k.unit, k.details ? JSON.stringify(k.details) : null],
      });
    }
  });
  return { day, kpis };
}

/** One stored KPI figure: `details` is the JSON text kept beside it. */
const KPI_HISTORY_ROW = { day: col.day, kpi: col.text, scope: col.text, value: col.text.nullable(), unit: col.text, details: col.text.nullable() };
export type KpiHistoryRow = RowOf<typeof KPI_HISTORY_ROW>;

export async function kpiHistory(store: CostStore, o: { days?: number } = {}): Promise<KpiHistoryRow[]> {
  return readRows(store, KPI_HISTORY_ROW, {
    sql: `SELECT strftime(day, '%Y-%m-%d') AS day, kpi, scope, value, unit, CAST(details AS VARCHAR) AS details FROM ${KPI_TABLE}
          WHERE day > current_date - CAST(? AS INTEGER) ORDER BY day DESC, kpi, scope`,
    params: [o.days ?? 30],
  });
}

function isoDaysAgo(now: Date, days: number): string {
  return new Date(now.getTime() - days * 86_400_000).toISOString().slice(0, 10);
}
