/**
 * Reading stored forecasts (detect_forecast_snapshots) for the API: the latest forecast of a currency, and the
 * forecast band and budget line of the overview chart.
 */
import type { CostwiseConfig } from "../../core/config/schema.js";
import { quoteString } from "../../core/sql.js";
import type { CostStore } from "../store/cost-store.js";
import { featureAvailability } from "../store/feature-availability.js";
import { col, readRow, readRows } from "../store/read-rows.js";
import { FORECAST_SNAPSHOTS_TABLE } from "./tables.js";

export interface ForecastPoint {
  period: string;
  expected: string;
  lower: string;
  upper: string;
}

/**
 * The latest stored forecast of a currency, by day or month (80% band): of the whole store ('total' first)
 * or, given `scopes`, of the first of those scopes that has one (a team's own forecast scopes).
 */
export async function latestForecast(s: CostStore, currency: string, periodKind: "day" | "month", scopes?: readonly string[]): Promise<{ scope: string; madeOn: string; points: ForecastPoint[] } | null> {
  if (scopes && scopes.length === 0) return null;
  const only = scopes ? ` AND scope IN (${scopes.map(() => "?").join(", ")})` : "";
  const order = scopes ? `CASE scope ${scopes.map((_, i) => `WHEN ? THEN ${i}`).join(" ")} END` : `(scope = ${quoteString("total")}) DESC, (scope = ${quoteString("all")}) DESC, scope`;
  const h = await readRow(s, { scope: col.text, made_on: col.text }, {
    sql: `SELECT scope, strftime(max(made_on), '%Y-%m-%d') AS made_on FROM ${FORECAST_SNAPSHOTS_TABLE} WHERE currency = ? AND period_kind = ?${only}
          GROUP BY scope ORDER BY ${order} LIMIT 1`,
    params: scopes ? [currency, periodKind, ...scopes, ...scopes] : [currency, periodKind],
  });
  if (!h) return null;
  const rows = await readRows(s, { p: col.text, e: col.text, l: col.text, u: col.text }, {
    sql: `SELECT strftime(period_start, '%Y-%m-%d') AS p, point::VARCHAR AS e, lower80::VARCHAR AS l, upper80::VARCHAR AS u FROM ${FORECAST_SNAPSHOTS_TABLE}
          WHERE scope = ? AND currency = ? AND period_kind = ? AND made_on = CAST(? AS DATE) ORDER BY period_start`,
    params: [h.scope, currency, periodKind, h.made_on],
  });
  return { scope: h.scope, madeOn: h.made_on, points: rows.map((r) => ({ period: r.p, expected: r.e, lower: r.l, upper: r.u })) };
}

export interface OverviewForecast {
  forecast: { available: boolean; reason?: string; points: ForecastPoint[] };
  budget: { available: boolean; reason?: string; monthlyAmount: string | null };
}

/**
 * Forecast band and budget line for the overview chart, when those features have produced data. An unscoped
 * caller gets the whole store's forecast and the whole-organisation monthly budget; a team-bound caller gets
 * only its own team's: the monthly budgets whose scope is exactly `owner: <team>` (they read that team's
 * allocated costs) and the forecasts saved for those budget scopes (or a `team:<team>` scope) — never the
 * organisation's or another team's.
 */
export async function forecastForOverview(store: CostStore, config: CostwiseConfig, team: string | null, currency: string): Promise<OverviewForecast> {
  const f = await featureAvailability(store, config, "forecasts");
  const b = await featureAvailability(store, config, "budgets");
  const forecast: OverviewForecast["forecast"] = { available: false, points: [] };
  const budget: OverviewForecast["budget"] = { available: false, monthlyAmount: null };
  const budgets = config.detection?.budgets ?? [];
  const plain = (x: (typeof budgets)[number]) => x.scope.filters.length === 0 && !x.scope.tag;
  const mine = budgets.filter((x) => plain(x) && (team === null ? !x.scope.owner : x.scope.owner === team));
  const who = team === null ? "whole-organisation" : `team ${team}'s`;
  if (!f.available) forecast.reason = `${f.reason}: run ${f.produceWith}`;
  else {
    const scopes = team === null ? undefined : [...mine.map((x) => `budget:${x.name}`), `team:${team}`];
    const daily = await latestForecast(store, currency, "day", scopes);
    if (daily && daily.points.length) {
      forecast.available = true;
      forecast.points = daily.points;
    } else
      forecast.reason =
        team === null
          ? `no daily forecast in ${currency} stored (run costwise forecast)`
          : `no daily forecast in ${currency} stored for team ${team} (give the team a budget with scope { owner: ${team} } in detection.budgets, then run costwise forecast)`;
  }
  if (!b.available) budget.reason = `${b.reason}: ${b.produceWith}`;
  else {
    const monthly = mine.find((x) => x.period === "month" && x.currency === currency);
    if (monthly) {
      budget.available = true;
      budget.monthlyAmount = String(monthly.amount);
    } else budget.reason = `no ${who} monthly budget in ${currency} configured`;
  }
  return { forecast, budget };
}
