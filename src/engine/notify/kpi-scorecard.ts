/**
 * The KPI scorecard as the dashboard shows it: tagged spend %, forecast variance, alert latency, savings
 * realized and open governance findings, each with whether it can be computed yet and a sentence saying how.
 * Organisation-wide.
 *
 * Order: tag coverage of the latest month (tagged spend) → forecast variance of the last closed month → alert
 * latency (delivered alerts first, else anomalies' alert times) → recommendations acted on → the latest scan.
 */
import type { CostwiseConfig } from "../../core/config/schema.js";
import { formatMoney, parseMoney } from "../../core/money.js";
import { quoteString, quoteStringList } from "../../core/sql.js";
import { defaultForecastScopes, forecastVariance } from "../detect/forecast-scope.js";
import { detectionConfig } from "../detect/monitors.js";
import { ANOMALIES_TABLE } from "../detect/tables.js";
import { percentOf, tagCoverage } from "../governance/tag-coverage.js";
import { GOVERNANCE_SCANS_TABLE } from "../governance/tables.js";
import { RECOMMENDATIONS_TABLE } from "../optimize/tables.js";
import type { CostStore } from "../store/cost-store.js";
import { featureAvailability } from "../store/feature-availability.js";
import { col, readRow } from "../store/read-rows.js";
import { tableExists } from "../store/table-rows.js";
import { OUTBOX_TABLE } from "./tables.js";

export interface ScorecardKpi {
  id: string;
  title: string;
  available: boolean;
  value: string | null;
  unit: string;
  detail: string;
}

export interface Scorecard {
  month: string | null;
  currency: string | null;
  kpis: ScorecardKpi[];
}

async function unavailable(s: CostStore, config: CostwiseConfig, id: string, title: string, unit: string, feature: string): Promise<ScorecardKpi | undefined> {
  const a = await featureAvailability(s, config, feature);
  return a.available ? undefined : { id, title, available: false, value: null, unit, detail: `${a.reason}: run ${a.produceWith}` };
}

async function forecastVarianceKpi(s: CostStore, config: CostwiseConfig): Promise<ScorecardKpi> {
  const title = "Forecast variance (last closed month)";
  const u = await unavailable(s, config, "forecast-variance", title, "%", "forecasts");
  if (u) return u;
  const rows = await forecastVariance(s, defaultForecastScopes(detectionConfig(config)));
  const last = rows.filter((r) => r.variance !== null).sort((a, b) => (a.month < b.month ? 1 : a.month > b.month ? -1 : 0))[0];
  if (!last) return { id: "forecast-variance", title, available: false, value: null, unit: "%", detail: "no closed month has a forecast made before it yet" };
  return {
    id: "forecast-variance",
    title,
    available: true,
    value: (last.variance! * 100).toFixed(1),
    unit: "%",
    detail: `${last.scope} ${last.month}: forecast ${formatMoney(parseMoney(last.forecast), 2)} (made ${last.madeOn}) vs actual ${formatMoney(parseMoney(last.actual), 2)} ${last.currency} (target < 20%, mature < 12%)`,
  };
}

async function alertLatencyKpi(s: CostStore, config: CostwiseConfig): Promise<ScorecardKpi> {
  const title = "Alert latency (median)";
  // delivered alerts first: data landed → message delivered (the feedback loop's outbox)
  if (await tableExists(s, OUTBOX_TABLE)) {
    const d = await readRow(
      s,
      { n: col.int, h: col.num.nullable() },
      `SELECT count(*)::INTEGER AS n, median(date_diff('second', data_landed_at, sent_at)) / 3600 AS h FROM ${OUTBOX_TABLE}
       WHERE status = ${quoteString("sent")} AND kind IN (${quoteStringList(["anomaly", "budget"])}) AND data_landed_at IS NOT NULL`,
    );
    const n = d?.n ?? 0;
    if (n > 0) return { id: "alert-latency", title, available: true, value: Number(d!.h).toFixed(2), unit: "hours", detail: `from the data landing to the alert's delivery, over ${n} delivered alerts` };
  }
  const u = await unavailable(s, config, "alert-latency", title, "hours", "anomalies");
  if (u) return u;
  const r = await readRow(
    s,
    { n: col.int, h: col.num.nullable() },
    `SELECT count(*)::INTEGER AS n, median(epoch(alerted_at) - epoch(start_day::TIMESTAMP + INTERVAL 1 DAY)) / 3600 AS h FROM ${ANOMALIES_TABLE} WHERE alerted_at IS NOT NULL`,
  );
  const n = r?.n ?? 0;
  if (n === 0) return { id: "alert-latency", title, available: false, value: null, unit: "hours", detail: "no anomaly has alerted yet" };
  return { id: "alert-latency", title, available: true, value: Number(r!.h).toFixed(1), unit: "hours", detail: `from the end of an anomaly's first day to its alert, over ${n} alerts` };
}

async function savingsKpi(s: CostStore, config: CostwiseConfig): Promise<ScorecardKpi> {
  const title = "Savings realized (monthly)";
  const u = await unavailable(s, config, "savings-realized", title, "money", "recommendations");
  if (u) return u;
  const row = await readRow(
    s,
    { acted: col.int, n: col.int, done: col.money, c: col.text.nullable() },
    `SELECT count(*) FILTER (WHERE status IN (${quoteStringList(["accepted", "done"])}))::INTEGER AS acted, count(*)::INTEGER AS n,
            coalesce(sum(monthly_saving) FILTER (WHERE status = ${quoteString("done")}), 0)::VARCHAR AS done, any_value(currency) AS c FROM ${RECOMMENDATIONS_TABLE}`,
  );
  return {
    id: "savings-realized",
    title,
    available: true,
    value: String(row?.done),
    unit: String(row?.c ?? "USD"),
    detail: `expected monthly saving of recommendations marked done; acted on ${row?.acted} of ${row?.n} recommendations (measured against the bill: costwise recommend realized)`,
  };
}

async function openFindingsKpi(s: CostStore, config: CostwiseConfig): Promise<ScorecardKpi> {
  const title = "Open governance findings";
  const u = await unavailable(s, config, "open-findings", title, "count", "governance");
  if (u) return u;
  const row = await readRow(
    s,
    { findings: col.int, blocking: col.int, at: col.text },
    `SELECT findings, blocking, strftime(scanned_at, '%Y-%m-%d %H:%M') AS at FROM ${GOVERNANCE_SCANS_TABLE} ORDER BY scanned_at DESC LIMIT 1`,
  );
  return { id: "open-findings", title, available: true, value: String(row?.findings ?? "0"), unit: "count", detail: `latest scan ${row?.at}: ${row?.blocking} blocking` };
}

/** The scorecard; `table` is the daily cost table tag coverage reads (rollup or cost table); `tagKey` the owner tag. */
export async function kpiScorecard(s: CostStore, config: CostwiseConfig, table: string, tagKey: string): Promise<Scorecard> {
  const cov = await tagCoverage(s, table, undefined, undefined);
  const key = cov.keys.find((k) => k.key === tagKey);
  const anyTag = cov.total === "0" ? null : percentOf(formatMoney(parseMoney(cov.total) - parseMoney(cov.untagged)), cov.total);
  const kpis: ScorecardKpi[] = [
    {
      id: "tagged-spend",
      title: `Spend tagged with ${tagKey}`,
      available: cov.month !== null,
      value: cov.month === null ? null : (key?.percent ?? (parseMoney(cov.total) === 0n ? null : "0.0")),
      unit: "%",
      detail: cov.month === null ? "no cost data" : `${cov.month}, ${cov.currency}; spend with any tag: ${anyTag ?? "n/a"}%`,
    },
  ];
  kpis.push(await forecastVarianceKpi(s, config), await alertLatencyKpi(s, config), await savingsKpi(s, config), await openFindingsKpi(s, config));
  return { month: cov.month, currency: cov.currency, kpis };
}
