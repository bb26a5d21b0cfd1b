/** Prices and usage types of the demo's AWS resources: regional rates from us-east-1 list prices, price texts. */

import type { Region } from "./catalog.js";
import { dec, divRound, fmt } from "./decimal.js";

/** The regional price for a us-east-1 price, rounded to 10^-6 $. */
export function regionalRate(usRate: string, region: Region): bigint {
  const base = dec(usRate);
  if (region.priceFactor === 1000) return base;
  const step = 10_000n; // 10^-6 $ in 10^-10 units
  return divRound(base * BigInt(region.priceFactor), 1000n * step) * step;
}

/** "$0.096" style price text for descriptions. */
export function dollars(rate: bigint): string {
  return `$${fmt(rate)}`;
}

/** Region-prefixed usage type ("EU-" + "BoxUsage:m5.large"). */
export function usageTypeFor(region: Region | null, name: string): string {
  return (region?.prefix ?? "") + name;
}
