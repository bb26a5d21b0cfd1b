/**
 * Budgets: burn against an amount over a period, and the alert state machine.
 *
 * A threshold is "actual 80" (actual spend ≥ 80% of the amount) or "forecast 100" (the period-end forecast
 * ≥ 100%). Alert state is kept per budget, period and threshold:
 * - a threshold fires once, the first time it is crossed in a period;
 * - it never flaps: once fired it stays fired for that period even if the forecast later drops back;
 * - it resets with the period (a new period start is a new key).
 * Money is exact: decimal strings compared with BigInt (src/core/money.ts).
 */
import { compareMoney, formatMoney, parseMoney } from "../money.js";
import { dayNumber, type PeriodKind, periodOf } from "./series.js";

export type ThresholdKind = "actual" | "forecast";

export interface Threshold {
  kind: ThresholdKind;
  /** Percent of the amount (80 = 80%). */
  percent: number;
}

/** Stable key of a threshold in the alert state: `actual:80`, `forecast:100`. */
export function thresholdKey(t: Threshold): string {
  return `${t.kind}:${t.percent}`;
}

export interface FiredAlert {
  threshold: string;
  firedOn: string;
}

export interface BudgetMeasure {
  /** Spend so far in the period (exact decimal string). */
  actual: string;
  /** Forecast total at period end (decimal string), or null when no forecast could be made. */
  forecast: string | null;
}

export interface ThresholdState {
  threshold: string;
  kind: ThresholdKind;
  percent: number;
  /** The amount this threshold stands for (amount × percent / 100). */
  limit: string;
  /** Crossed by the current measure. */
  crossed: boolean;
  /** Fired in this period (now or earlier). */
  fired: boolean;
  /** Fired by this evaluation (it was not before): the alert to send. */
  firesNow: boolean;
  firedOn: string | null;
}

/** amount × percent / 100, exactly (percent may have decimals). */
export function percentOf(amount: string, percent: number): string {
  const scaled = BigInt(Math.round(percent * 10_000));
  return formatMoney((parseMoney(amount) * scaled) / 1_000_000n);
}

/**
 * Evaluates thresholds for one budget period. `previous` is what already fired in this period (from the
 * store); returns the state of every threshold, with `firesNow` on those crossing for the first time.
 */
export function evaluateThresholds(amount: string, thresholds: readonly Threshold[], measure: BudgetMeasure, previous: readonly FiredAlert[], today: string): ThresholdState[] {
  const fired = new Map(previous.map((p) => [p.threshold, p.firedOn]));
  return thresholds.map((t) => {
    const key = thresholdKey(t);
    const limit = percentOf(amount, t.percent);
    const value = t.kind === "actual" ? measure.actual : measure.forecast;
    const crossed = value !== null && compareMoney(value, limit) >= 0;
    const before = fired.get(key);
    const firesNow = crossed && before === undefined;
    const firedOn = before ?? (firesNow ? today : null);
    return { threshold: key, kind: t.kind, percent: t.percent, limit, crossed, fired: firedOn !== null, firesNow, firedOn };
  });
}

export interface PeriodProgress {
  start: string;
  /** Exclusive end. */
  end: string;
  days: number;
  /** Days of the period with complete data (through `asOf`). */
  elapsed: number;
  daysLeft: number;
}

/** Where `asOf` (the last complete day) sits in its period. */
export function periodProgress(asOf: string, kind: PeriodKind): PeriodProgress {
  const { start, end } = periodOf(asOf, kind);
  const days = dayNumber(end) - dayNumber(start);
  const elapsed = dayNumber(asOf) - dayNumber(start) + 1;
  return { start, end, days, elapsed, daysLeft: days - elapsed };
}

/** Burn as a fraction of the amount (0.5 = half spent); null for a zero amount. */
export function burnRatio(actual: string, amount: string): number | null {
  const a = parseMoney(amount);
  if (a === 0n) return null;
  return Number((parseMoney(actual) * 1_000_000n) / a) / 1_000_000;
}
