/**
 * The demo organisation's EC2 fleets: instances that come and go (each lives a few days to months, then is replaced
 * with a new id), sized by a weekday/weekend level, a diurnal curve and linear growth, with their EBS volumes and
 * data transfer. The fleets are data (FLEETS); `buildFleets` prices them for the demo's scale.
 */

import { ACCOUNTS, EC2_TYPES, REGIONS, type AccountKey, type DemoAccount, type Ec2TypeName, type Env, type Region, type RegionCode, type Team } from "./catalog.js";
import { regionalRate } from "./pricing.js";
import { hex } from "./prng.js";
import { DATA_STYLE, FAIR, GOOD, ML_STYLE, SLOPPY, type TagPolicy } from "./tags.js";

const DIURNAL_FLAT: readonly number[] = Array.from({ length: 24 }, () => 1);
const DIURNAL_WEB: readonly number[] = [
  0.7, 0.65, 0.6, 0.6, 0.6, 0.65, 0.75, 0.85, 0.95, 1.05, 1.1, 1.15, 1.2, 1.25, 1.3, 1.3, 1.3, 1.25, 1.2, 1.15, 1.1, 1.0, 0.9,
  0.8,
];
const DIURNAL_BATCH: readonly number[] = [
  1.4, 1.5, 1.5, 1.5, 1.4, 1.2, 1.0, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.9, 0.9, 1.0, 1.1, 1.2, 1.3,
];

export interface Ec2Fleet {
  readonly idx: number;
  readonly name: string;
  readonly account: DemoAccount;
  /** The owning team; null for shared non-prod fleets where each instance belongs to some team. */
  readonly team: Team | null;
  readonly env: Env;
  readonly region: Region;
  readonly instanceType: Ec2TypeName;
  /** Instances at the start of the window (weekday, diurnal factor 1). */
  readonly base: number;
  readonly min: number;
  /** Linear growth per 30.4 days, as a fraction of base. */
  readonly growth: number;
  /** Weekend size relative to weekdays. */
  readonly weekend: number;
  readonly diurnal: readonly number[];
  /** Instance lifetime range in days (instances are replaced after it, with new ids). */
  readonly lifetime: readonly [number, number];
  readonly rootGb: number;
  readonly dataGb: number;
  readonly dtOutGbPerDay: number;
  readonly tags: TagPolicy;
  /** Whether volumes carry the instance's tags (tag propagation on launch). */
  readonly volumeTags: boolean;
  readonly odRate: bigint;
  readonly spRate: bigint;
  spike?: { fromDay: number; toDay: number; factor: number; anomaly: number };
  dtSpike?: { day: number; extraGb: number; anomaly: number };
}

interface FleetSpec {
  name: string;
  account: AccountKey;
  team: Team | null;
  env: Env;
  region: RegionCode;
  type: Ec2TypeName;
  base: number;
  growth: number;
  weekend: number;
  diurnal: readonly number[];
  lifetime: readonly [number, number];
  rootGb: number;
  dataGb?: number;
  dtOutGbPerDay?: number;
  tags: TagPolicy;
  volumeTags?: boolean;
}

const FLEETS: readonly FleetSpec[] = [
  { name: "payments-api", account: "payments", team: "payments", env: "prod", region: "us-east-1", type: "m5.xlarge", base: 12, growth: 0.025, weekend: 0.8, diurnal: DIURNAL_WEB, lifetime: [20, 90], rootGb: 50, dtOutGbPerDay: 8, tags: GOOD },
  { name: "payments-worker", account: "payments", team: "payments", env: "prod", region: "us-east-1", type: "c6i.xlarge", base: 8, growth: 0.02, weekend: 0.85, diurnal: DIURNAL_FLAT, lifetime: [30, 120], rootGb: 50, tags: GOOD },
  { name: "search-indexer", account: "search", team: "search", env: "prod", region: "us-east-1", type: "c6i.2xlarge", base: 10, growth: 0.02, weekend: 0.9, diurnal: DIURNAL_BATCH, lifetime: [10, 60], rootGb: 100, dataGb: 500, tags: FAIR },
  { name: "search-query-eu", account: "search", team: "search", env: "prod", region: "eu-west-1", type: "r6i.2xlarge", base: 6, growth: 0.02, weekend: 0.8, diurnal: DIURNAL_WEB, lifetime: [30, 150], rootGb: 100, dataGb: 200, dtOutGbPerDay: 12, tags: FAIR },
  { name: "data-etl", account: "data", team: "data", env: "prod", region: "us-east-1", type: "r6i.2xlarge", base: 8, growth: 0.03, weekend: 0.5, diurnal: DIURNAL_BATCH, lifetime: [1, 7], rootGb: 200, tags: DATA_STYLE, volumeTags: false },
  { name: "data-kafka", account: "data", team: "data", env: "prod", region: "us-east-1", type: "m5.2xlarge", base: 6, growth: 0.01, weekend: 1, diurnal: DIURNAL_FLAT, lifetime: [120, 400], rootGb: 100, dataGb: 1000, tags: DATA_STYLE },
  { name: "ml-train", account: "ml", team: "ml", env: "prod", region: "us-east-1", type: "p3.2xlarge", base: 3, growth: 0.08, weekend: 0.6, diurnal: DIURNAL_FLAT, lifetime: [2, 14], rootGb: 500, tags: ML_STYLE, volumeTags: false },
  { name: "ml-inference", account: "ml", team: "ml", env: "prod", region: "us-east-1", type: "g5.2xlarge", base: 4, growth: 0.06, weekend: 0.85, diurnal: DIURNAL_WEB, lifetime: [14, 60], rootGb: 200, dtOutGbPerDay: 4, tags: ML_STYLE },
  { name: "web-frontend", account: "web", team: "web", env: "prod", region: "us-east-1", type: "m5.large", base: 20, growth: 0.03, weekend: 0.7, diurnal: DIURNAL_WEB, lifetime: [3, 30], rootGb: 30, dtOutGbPerDay: 30, tags: GOOD },
  { name: "web-frontend-eu", account: "web", team: "web", env: "prod", region: "eu-west-1", type: "m5.large", base: 8, growth: 0.03, weekend: 0.7, diurnal: DIURNAL_WEB, lifetime: [3, 30], rootGb: 30, dtOutGbPerDay: 25, tags: GOOD },
  { name: "platform-ci-runners", account: "payer", team: "platform", env: "prod", region: "us-east-1", type: "t3.large", base: 15, growth: 0.02, weekend: 0.3, diurnal: DIURNAL_WEB, lifetime: [1, 5], rootGb: 80, tags: SLOPPY },
  { name: "staging-shared", account: "nonprod", team: null, env: "staging", region: "us-east-1", type: "m5.large", base: 10, growth: 0.02, weekend: 0.5, diurnal: DIURNAL_FLAT, lifetime: [7, 45], rootGb: 50, tags: FAIR },
  { name: "dev-sandboxes", account: "nonprod", team: null, env: "dev", region: "us-east-1", type: "t3.medium", base: 25, growth: 0.03, weekend: 0.2, diurnal: DIURNAL_WEB, lifetime: [2, 20], rootGb: 30, tags: SLOPPY, volumeTags: false },
];

/** The fleets at a size factor: base sizes scaled, on-demand and Savings Plan rates in each fleet's region. */
export function buildFleets(scale: number): Ec2Fleet[] {
  return FLEETS.map((f, idx) => {
    const region = REGIONS[f.region];
    const t = EC2_TYPES[f.type];
    return {
      idx,
      name: f.name,
      account: ACCOUNTS[f.account],
      team: f.team,
      env: f.env,
      region,
      instanceType: f.type,
      base: f.base * scale,
      min: f.env === "prod" ? Math.max(1, Math.round(f.base * scale * 0.25)) : 0,
      growth: f.growth,
      weekend: f.weekend,
      diurnal: f.diurnal,
      lifetime: f.lifetime,
      rootGb: f.rootGb,
      dataGb: f.dataGb ?? 0,
      dtOutGbPerDay: f.dtOutGbPerDay ?? 0,
      tags: f.tags,
      volumeTags: f.volumeTags ?? true,
      odRate: regionalRate(t.od, region),
      spRate: regionalRate(t.sp, region),
    };
  });
}

/** The EC2 instance-id form: "i-0" + 16 hex digits. */
export function instanceId(seed: number, fleet: number, slot: number, generation: number): string {
  return `i-0${hex(16, seed, 0x1d, fleet, slot, generation)}`;
}

export function volumeId(seed: number, fleet: number, slot: number, generation: number, which: number): string {
  return `vol-0${hex(16, seed, 0x70, fleet, slot, generation, which)}`;
}
