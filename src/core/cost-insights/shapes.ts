/**
 * The shapes of Backstage's Cost Insights plugin (`@backstage-community/plugin-cost-insights-common`: Cost, Entity,
 * MetricData, DateAggregation, ChangeStatistic, Group, Project, Product), built from exact decimal amounts.
 *
 * Amounts are JSON numbers only here, at this boundary (the plugin's types are `number`): every amount is summed
 * exactly as a decimal first and rounded once, half away from zero, to the currency's minor unit (USD 2, JPY 0,
 * BHD 3). A bucket total is the rounded exact sum of its days (not the sum of rounded days), so a bucket can differ
 * from the sum of its rounded daily amounts by a few minor units.
 *
 * Order of operations for a Cost: fill every day of the window (0 where nothing was charged) → exact total per
 * interval bucket → change = last bucket − first bucket (ratio over the first; no ratio when the first is 0, the
 * plugin's convention for an infinite change) → round each amount.
 */
import { minorUnitDigits } from "../fx/minor-unit.js";
import { formatMoney, parseMoney } from "../money.js";
import { daysOf, type RepeatingIntervals } from "./intervals.js";

export interface DateAggregation {
  date: string;
  amount: number;
}

export interface ChangeStatistic {
  amount: number;
  ratio?: number;
}

export interface Cost {
  id: string;
  aggregation: DateAggregation[];
  change: ChangeStatistic;
  groupedCosts?: Record<string, Cost[]>;
}

export interface Entity {
  id: string | null;
  aggregation: [number, number];
  change: ChangeStatistic;
  entities: Record<string, Entity[]>;
}

export interface MetricData {
  id: string;
  format: "number" | "currency";
  aggregation: DateAggregation[];
  change: ChangeStatistic;
}

export interface Group {
  id: string;
  name?: string;
}

export interface Project {
  id: string;
  name?: string;
}

export interface Product {
  kind: string;
  name: string;
}

/** An exact decimal amount as the plugin's number, rounded to the currency's minor unit (`digits` overrides). */
export function toAmount(decimal: string, currency: string | null, digits?: number): number {
  const d = digits ?? (currency ? minorUnitDigits(currency) : 2);
  return Number(formatMoney(parseMoney(decimal), d));
}

const ZERO = 0n;

function sumUnits(values: Iterable<string>): bigint {
  let t = ZERO;
  for (const v of values) t += parseMoney(v);
  return t;
}

/** last − first, with the ratio over first (none when first is 0). */
export function changeOf(first: string, last: string, currency: string | null, digits?: number): ChangeStatistic {
  const a = parseMoney(first);
  const b = parseMoney(last);
  const amount = toAmount(formatMoney(b - a), currency, digits);
  if (a === ZERO) return { amount };
  // the ratio is a plain number (the plugin formats it as a percentage); 6 significant decimals are plenty
  return { amount, ratio: Math.round((Number(b - a) / Number(a)) * 1e6) / 1e6 };
}

/** Exact totals per bucket of `iv` from a daily map (YYYY-MM-DD → decimal string). */
export function bucketTotals(daily: ReadonlyMap<string, string>, iv: RepeatingIntervals): string[] {
  return iv.buckets.map((b) => formatMoney(sumUnits([...daily].filter(([d]) => d >= b.start && d < b.end).map(([, v]) => v))));
}

/** Every day of the window with its rounded amount (0 where absent), oldest first. */
export function dailyAggregation(daily: ReadonlyMap<string, string>, iv: RepeatingIntervals, currency: string | null, digits?: number): DateAggregation[] {
  return daysOf(iv.start, iv.end).map((date) => ({ date, amount: toAmount(daily.get(date) ?? "0", currency, digits) }));
}

/** A Cost: daily aggregation over the window and the change from the first to the last interval. */
export function costOf(id: string, daily: ReadonlyMap<string, string>, iv: RepeatingIntervals, currency: string | null, groupedCosts?: Record<string, Cost[]>): Cost {
  const totals = bucketTotals(daily, iv);
  return {
    id,
    aggregation: dailyAggregation(daily, iv, currency),
    change: changeOf(totals[0] ?? "0", totals[totals.length - 1] ?? "0", currency),
    ...(groupedCosts ? { groupedCosts } : {}),
  };
}

/** An Entity over two periods (previous, current) with its breakdowns. */
export function entityOf(id: string | null, previous: string, current: string, currency: string | null, entities: Record<string, Entity[]> = {}): Entity {
  return { id, aggregation: [toAmount(previous, currency), toAmount(current, currency)], change: changeOf(previous, current, currency), entities };
}

/** A product's kind: its service name as a stable, URL-safe slug ("Amazon Elastic Compute Cloud" → "amazon-elastic-compute-cloud"). */
export function productKind(service: string): string {
  const s = service
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return s || "none";
}
