/**
 * The overview: spend trend (monthly and the last 90 days), month over month, top movers by service, data
 * freshness, and (when those features exist) the forecast band and budget line. Unscoped callers read the cost
 * table (through the rollup when ready); team-bound callers read their team's allocated costs.
 *
 * Order: freshness → currencies by spend (the one asked for, or the largest) → last charge day → monthly and
 * daily series → the last complete month against the one before (month over month, top 8 movers by service)
 * → forecast band and budget line.
 *
 * With `fx.reportingCurrency` (docs/fx.md), unscoped callers on the embedded store get every amount (series, month
 * over month, movers) converted to it (or to the `currency` asked for) by the typed query's conversion
 * (engine/fx/convert.ts, through runApiQuery): no second formula. `currencies` still lists the billed amounts, and
 * `fx` says which rates were used. Forecasts are per billed currency, so a converted overview has no forecast band.
 */
import type { CostwiseConfig } from "../../core/config/schema.js";
import { addMoney, compareMoney, formatMoney, parseMoney, subMoney } from "../../core/money.js";
import { allocationAvailable, runAllocationQuery } from "../allocation/read-model.js";
import { ALLOCATION_TABLE } from "../allocation/tables.js";
import { forecastForOverview, type OverviewForecast } from "../detect/forecast-read.js";
import type { FxContext, FxUsed } from "../fx/convert.js";
import { isAnalysisStore, type CostStore } from "../store/cost-store.js";
import { col, readRow } from "../store/read-rows.js";
import { listSources } from "../store/sources.js";
import { lastChargeDay, parseApiQuery, runApiQuery } from "./api-query.js";

export const OVERVIEW_METRICS = ["EffectiveCost", "BilledCost"] as const;
export type OverviewMetric = (typeof OVERVIEW_METRICS)[number];

export interface OverviewPoint {
  period: string;
  amount: string;
}

export interface Overview extends OverviewForecast {
  scope: { team: string | null; basis: "cost-table" | "allocation" };
  metric: OverviewMetric;
  available: boolean;
  reason?: string;
  currency: string | null;
  currencies: { currency: string; amount: string }[];
  lastDay: string | null;
  total: string;
  monthly: OverviewPoint[];
  daily: OverviewPoint[];
  monthOverMonth: { month: string; previousMonth: string; amount: string; previousAmount: string; change: string; changePercent: string | null } | null;
  topMovers: { service: string; amount: string; previousAmount: string; change: string; changePercent: string | null }[];
  freshness: { source: string; lastCompleteDay: string | null; lastIngestAt: string }[];
  /** The rates used when the amounts are converted to a reporting currency; null when they are billed amounts. */
  fx: FxUsed | null;
}

interface Backend {
  byCurrency(): Promise<{ currency: string; amount: string }[]>;
  lastDay(): Promise<string | null>;
  series(currency: string, granularity: "day" | "month", start?: string, end?: string): Promise<OverviewPoint[]>;
  byService(currency: string, start: string, end: string): Promise<Map<string, string>>;
}

/** Every amount converted to `target` by the typed query (engine/fx/convert.ts); `used` records the rates. */
function convertedBackend(s: CostStore, rollupReady: boolean, metric: OverviewMetric, fx: FxContext, target: string, used: { fx: FxUsed | null }): Backend {
  const raw = rawBackend(s, rollupReady, metric);
  const run = async (input: Record<string, unknown>) => {
    const r = await runApiQuery(s, parseApiQuery({ metric, currency: target, ...input }), rollupReady, fx);
    used.fx = r.fx ?? null;
    return r.rows;
  };
  return {
    byCurrency: raw.byCurrency,
    lastDay: raw.lastDay,
    series: async (_currency, granularity, start, end) =>
      (await run({ granularity, ...(start ? { start } : {}), ...(end ? { end } : {}) })).map((r) => ({ period: r["period"]!.slice(0, 10), amount: r[metric] ?? "0" })),
    byService: async (_currency, start, end) => new Map((await run({ groupBy: ["ServiceName"], start, end })).map((r) => [r["ServiceName"] ?? "(none)", r[metric] ?? "0"])),
  };
}

function rawBackend(s: CostStore, rollupReady: boolean, metric: OverviewMetric): Backend {
  const run = async (input: Record<string, unknown>) => (await runApiQuery(s, parseApiQuery({ metric, ...input }), rollupReady)).rows;
  return {
    byCurrency: async () => (await run({ groupBy: ["BillingCurrency"] })).filter((r) => r["BillingCurrency"]).map((r) => ({ currency: r["BillingCurrency"]!, amount: r[metric] ?? "0" })),
    lastDay: () => lastChargeDay(s, rollupReady),
    series: async (currency, granularity, start, end) =>
      (await run({ granularity, filters: [{ on: "BillingCurrency", op: "eq", value: currency }], ...(start ? { start } : {}), ...(end ? { end } : {}) })).map((r) => ({
        period: r["period"]!.slice(0, 10),
        amount: r[metric] ?? "0",
      })),
    byService: async (currency, start, end) =>
      new Map((await run({ groupBy: ["ServiceName"], filters: [{ on: "BillingCurrency", op: "eq", value: currency }], start, end })).map((r) => [r["ServiceName"] ?? "(none)", r[metric] ?? "0"])),
  };
}

function allocationBackend(s: CostStore, team: string, metric: OverviewMetric): Backend {
  const m = metric === "EffectiveCost" ? "effective_cost" : "billed_cost";
  return {
    byCurrency: async () => (await runAllocationQuery(s, { metric: m, groupBy: [] }, team)).filter((r) => r["currency"]).map((r) => ({ currency: r["currency"]!, amount: r["amount"] ?? "0" })),
    lastDay: async () => {
      const row = await readRow(s, { d: col.text.nullable() }, { sql: `SELECT strftime(max(charge_date), '%Y-%m-%d') AS d FROM ${ALLOCATION_TABLE} WHERE team = ?`, params: [team] });
      return row?.d ? row.d : null;
    },
    series: async (currency, granularity, start, end) =>
      (await runAllocationQuery(s, { metric: m, granularity, start, end, filters: [{ on: "currency", op: "eq", value: currency }] }, team)).map((r) => ({ period: r["period"]!, amount: r["amount"] ?? "0" })),
    byService: async (currency, start, end) =>
      new Map((await runAllocationQuery(s, { metric: m, groupBy: ["service_name"], start, end, filters: [{ on: "currency", op: "eq", value: currency }] }, team)).map((r) => [r["service_name"] ?? "(none)", r["amount"] ?? "0"])),
  };
}

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
function monthStart(day: string, deltaMonths = 0): string {
  const d = new Date(`${day.slice(0, 7)}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + deltaMonths);
  return d.toISOString().slice(0, 10);
}

/** change as a decimal string percentage with one decimal, or null when the base is zero. */
export function percentChange(from: string, to: string): string | null {
  const a = parseMoney(from);
  if (a === 0n) return null;
  const diff = parseMoney(to) - a;
  // (diff / a) * 100 with 1 decimal, rounded half away from zero, in integer arithmetic
  const scaled = (diff * 2000n) / (a < 0n ? -a : a);
  const rounded = scaled >= 0n ? (scaled + 1n) / 2n : (scaled - 1n) / 2n;
  const neg = rounded < 0n;
  const abs = neg ? -rounded : rounded;
  return `${neg ? "-" : ""}${abs / 10n}.${abs % 10n}`;
}

export interface OverviewOptions {
  /** The caller's team binding (null: unscoped, the cost table). */
  team: string | null;
  currency?: string | undefined;
  metric: OverviewMetric;
  /** Whether the rollups are built and current. */
  rollupReady: boolean;
  config: CostwiseConfig;
  /** The workspace's exchange rates (fxContextOf): with a reporting currency, amounts are converted to it. */
  fx?: FxContext | undefined;
}

export async function overview(s: CostStore, o: OverviewOptions): Promise<Overview> {
  const { team, metric } = o;
  const empty: Overview = {
    scope: { team, basis: team === null ? "cost-table" : "allocation" },
    metric,
    available: false,
    currency: null,
    currencies: [],
    lastDay: null,
    total: formatMoney(0n),
    monthly: [],
    daily: [],
    monthOverMonth: null,
    topMovers: [],
    freshness: [],
    fx: null,
    forecast: { available: false, reason: "no cost data", points: [] },
    budget: { available: false, reason: "no cost data", monthlyAmount: null },
  };
  const sources = await listSources(s);
  const freshness = sources.map((x) => ({ source: x.source, lastCompleteDay: x.lastCompleteDay, lastIngestAt: x.lastIngestAt }));
  if (team !== null && !(await allocationAvailable(s))) {
    return { ...empty, freshness, reason: "no allocated costs yet: run `costwise allocate` (team-bound tokens see allocated costs only)" };
  }
  // a reporting currency: the asked currency, else fx.reportingCurrency (unscoped, embedded store only)
  const target = o.fx?.config.reportingCurrency ? (o.currency ?? o.fx.config.reportingCurrency) : undefined;
  const convert = target !== undefined && o.fx !== undefined && team === null && isAnalysisStore(s);
  const used: { fx: FxUsed | null } = { fx: null };
  const b = team !== null ? allocationBackend(s, team, metric) : convert ? convertedBackend(s, o.rollupReady, metric, o.fx!, target, used) : rawBackend(s, o.rollupReady, metric);
  const currencies = (await b.byCurrency()).sort((x, y) => compareMoney(y.amount, x.amount));
  if (currencies.length === 0) return { ...empty, freshness, reason: team === null ? "the store is empty: run `costwise ingest <files>` or `npm run demo`" : `no allocated costs for team ${team}` };
  const currency = convert ? target : (currencies.find((c) => c.currency === o.currency)?.currency ?? currencies[0]!.currency);
  const lastDay = await b.lastDay();
  const monthly = await b.series(currency, "month");
  const daily = lastDay ? await b.series(currency, "day", addDays(lastDay, -89), addDays(lastDay, 1)) : [];
  // the last complete month: the month of lastDay when lastDay is its last day, else the one before
  let mom: Overview["monthOverMonth"] = null;
  let topMovers: Overview["topMovers"] = [];
  if (lastDay) {
    const complete = addDays(lastDay, 1).slice(8, 10) === "01" ? monthStart(lastDay) : monthStart(lastDay, -1);
    const prev = monthStart(complete, -1);
    const next = monthStart(complete, 1);
    const amountOf = (p: string) => monthly.find((x) => x.period.slice(0, 10) === p)?.amount ?? formatMoney(0n);
    const a = amountOf(complete);
    const pa = amountOf(prev);
    mom = { month: complete.slice(0, 7), previousMonth: prev.slice(0, 7), amount: a, previousAmount: pa, change: subMoney(a, pa), changePercent: percentChange(pa, a) };
    const cur = await b.byService(currency, complete, next);
    const before = await b.byService(currency, prev, complete);
    const names = new Set([...cur.keys(), ...before.keys()]);
    topMovers = [...names]
      .map((service) => {
        const amount = cur.get(service) ?? formatMoney(0n);
        const previousAmount = before.get(service) ?? formatMoney(0n);
        return { service, amount, previousAmount, change: subMoney(amount, previousAmount), changePercent: percentChange(previousAmount, amount) };
      })
      .sort((x, y) => {
        const ax = parseMoney(x.change) < 0n ? -parseMoney(x.change) : parseMoney(x.change);
        const ay = parseMoney(y.change) < 0n ? -parseMoney(y.change) : parseMoney(y.change);
        return ax === ay ? x.service.localeCompare(y.service) : ay > ax ? 1 : -1;
      })
      .slice(0, 8);
  }
  const forecast = await forecastForOverview(s, o.config, team, currency);
  if (convert) {
    // stored forecasts are per billed currency: a band in `currency` would be its billed part only
    forecast.forecast = { available: false, reason: `forecasts are per billed currency; none converted to ${currency} yet (docs/fx.md)`, points: [] };
  }
  return {
    ...empty,
    available: true,
    currency,
    currencies,
    lastDay,
    total: addMoney(...monthly.map((x) => x.amount)),
    monthly,
    daily,
    monthOverMonth: mom,
    topMovers,
    freshness,
    fx: used.fx,
    forecast: forecast.forecast,
    budget: forecast.budget,
  };
}
