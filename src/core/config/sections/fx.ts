/**
 * `fx:` section of costwise.yaml — exchange rates and the reporting currency (issue 27, item 3; docs/fx.md).
 *
 * ```yaml
 * fx:
 *   reportingCurrency: USD        # ISO 4217; queries, budgets and KPIs convert to it when set
 *   rates: ./eurofxref-hist.csv   # CSV file (ECB wide layout "Date,USD,JPY,…" or long "date,currency,rate"), JSON time series ({"base":…,"rates":{day:{…}}}) or https:// URL
 *   base: EUR                     # the currency every rate is quoted against (1 base = rate × currency); ECB: EUR
 *   granularity: day              # day: the rate of the charge's day; month: the rate in force on the month's 1st
 *   maxAgeDays: 7                 # weekends/holidays: the last rate on or before the day, at most this many days old
 * ```
 *
 * Rates are loaded into the store (engine/fx), never written over billed amounts: conversion happens at query time.
 */
import { z } from "zod";

const ISO_CURRENCY = /^[A-Z]{3}$/;
const currency = (what: string) => z.string().regex(ISO_CURRENCY, `${what} must be an ISO 4217 currency code such as USD or EUR`);

export const FX_GRANULARITIES = ["day", "month"] as const;
export type FxGranularity = (typeof FX_GRANULARITIES)[number];

export const fxSection = z.strictObject({
  reportingCurrency: currency("fx.reportingCurrency").optional(),
  /** A file path (relative to costwise.yaml) or an http(s) URL. */
  rates: z.string().min(1, "fx.rates names the rates file or URL"),
  base: currency("fx.base").default("EUR"),
  granularity: z.enum(FX_GRANULARITIES).default("day"),
  maxAgeDays: z.number().int().min(0).max(31).default(7),
});
export type FxConfig = z.infer<typeof fxSection>;

export function isCurrencyCode(s: string): boolean {
  return ISO_CURRENCY.test(s);
}
