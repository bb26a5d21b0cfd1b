/**
 * The detect feature's API for other features (notifications, dashboard, server):
 * - `runMonitors(store, config, { asOf })` → anomalies with expected/actual/impact, severity, `alert` and
 *   `newAlert` (first time alerted: what notifications send) and root cause (`rootCause.headline` names the
 *   resource); `listAnomalies(store, …)` reads what earlier runs stored;
 * - `forecastScope(store, { name, scope }, { asOf, months })` → daily, month/quarter/year-end and monthly
 *   forecasts with 80%/95% intervals; `forecastVariance(store, scopes)` → the forecast-variance KPI;
 * - `budgetStatus(store, config, { persist })` → burn, forecast, days left, thresholds (`newAlerts` fire once).
 * Money is a decimal string everywhere; estimates (expected, forecasts) carry 4 decimals.
 */
export { listAnomalies, runMonitors, type MonitorAnomaly, type RunMonitorsOptions, type RunMonitorsResult } from "./monitors.js";
export { defaultForecastScopes, forecastScope, forecastVariance, type ForecastScopeDef, type ScopeForecast, type VarianceRow } from "./forecast-scope.js";
export { budgetStatus, type BudgetStatus, type BudgetStatusOptions } from "./budget-status.js";
export { rootCause, type Contributor, type RootCause } from "./root-cause.js";
export { lastCompleteDayFromStore } from "./load-series.js";
