/** The shapes of the demo's steady resources: what the catalogue (steady-catalog.ts) lists and the builder (steady-resources.ts) turns into resources. */
import type { AccountKey, DemoAccount, Env, Region, RegionCode, ServiceInfo, Team } from "./catalog.js";
import type { TagPolicy } from "./tags.js";

export type MeterKind = "hours" | "flow" | "stock";

export interface SteadyMeter {
  readonly usageType: string;
  readonly operation: string;
  readonly pricingUnit: string;
  readonly rate: bigint;
  readonly description: string;
  readonly productFamily: string;
  /**
   * hours: `amount` instances running (usage = amount x hours);
   * flow: `amount` units per day (requests, GB transferred), weekday-seasonal when `weekly`;
   * stock: `amount` units held (GB stored, keys, metrics), billed per month prorated by the hour.
   */
  readonly kind: MeterKind;
  readonly amount: number;
  /** Decimal places of the usage amount. */
  readonly places: number;
  readonly weekly: boolean;
}

export interface OrgWindow {
  readonly totalDays: number;
  /** Window day index of the first day of each month. */
  readonly monthStartDay: readonly number[];
}

export interface SteadyInput {
  name: string;
  service: ServiceInfo;
  account: AccountKey;
  region: RegionCode | null;
  resourceId: (acct: DemoAccount, region: Region | null) => string;
  team: Team | null;
  env: Env;
  tags: TagPolicy;
  growth: number;
  meters: SteadyMeter[];
  instanceType?: string;
  riMatch?: boolean;
  fromDay?: number;
  toDay?: number;
  /** Whether the resource may be created or deleted inside the window. */
  churn?: boolean;
}
