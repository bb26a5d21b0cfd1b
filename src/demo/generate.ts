/**
 * Deterministic demo data: a year of a realistic organisation's cloud bills, written as real files in
 * real formats (AWS CUR legacy CSV with per-period manifests, and a FOCUS 1.2 CSV for a second
 * provider), so that the demo goes through the normal ingest path.
 *
 * Same options => byte-identical files. All randomness is a hash of (seed, what, which); all money is
 * exact (BigInt counts of 10^-10 USD), formatted as plain decimal strings.
 *
 * CUR semantics followed (legacy CUR, per the AWS Data Exports user guide):
 * - Usage: UnblendedCost = UsageAmount x UnblendedRate (public on-demand rate); pricing/term OnDemand.
 * - SavingsPlanCoveredUsage: UnblendedRate/UnblendedCost = the on-demand rate/cost of the covered usage
 *   (pricing/term stays OnDemand, pricing/publicOnDemandCost = on-demand cost);
 *   savingsPlan/SavingsPlanRate = the plan's rate; savingsPlan/SavingsPlanEffectiveCost = usage x that
 *   rate (the share of the commitment this usage consumed).
 * - SavingsPlanNegation: one per covered line, same usage and resource, UnblendedRate = -on-demand
 *   rate, UnblendedCost = -(on-demand cost), so covered usage nets to 0 in unblended terms;
 *   pricing/term and pricing/publicOnDemand* empty. Its UsageAmount repeats the covered usage: do not
 *   sum usage over negation lines.
 * - SavingsPlanRecurringFee (No Upfront plan): one per Savings Plan per usage period (hour or day) in
 *   the owning (payer) account; UnblendedCost = savingsPlan/TotalCommitmentToDate = commitment for the
 *   period; savingsPlan/UsedCommitment = sum of SavingsPlanEffectiveCost in that period;
 *   RecurringCommitmentForBillingPeriod = the period's commitment, AmortizedUpfront... = 0.
 * - DiscountedUsage (RDS RI, Partial Upfront): UnblendedRate = UnblendedCost = 0 (the RI is paid by the
 *   Fee and RIFee lines); reservation/RecurringFeeForUsage = hourly fee x hours,
 *   reservation/AmortizedUpfrontCostForUsage = the month's amortized upfront fee prorated to the hours,
 *   reservation/EffectiveCost = their sum; pricing/term Reserved; publicOnDemandCost = on-demand value.
 * - RIFee: one per month on the first day, UsageAmount = reserved hours in the month, UnblendedCost =
 *   hourly fee x reserved hours; AmortizedUpfrontFeeForBillingPeriod = upfront x month hours / 8760;
 *   UnusedAmortizedUpfrontFeeForBillingPeriod and UnusedRecurringFee = what DiscountedUsage did not use.
 * - Fee: the RI's one-time upfront payment (with reservation/ReservationARN), and the monthly Business
 *   support charge (AWSSupportBusiness, AWS's tiered percentage of the month's charges).
 * - EdpDiscount (negative, per account and product, monthly; BlendedCost empty), Credit (negative),
 *   Refund (negative), Tax (per account and product code, monthly, on the month's net charges).
 * - Amortized ("effective") cost, as reported in the manifest: Usage/Fee/Tax/Credit/Refund/EdpDiscount =
 *   UnblendedCost; SavingsPlanCoveredUsage = SavingsPlanEffectiveCost; SavingsPlanNegation = 0;
 *   SavingsPlanRecurringFee = TotalCommitmentToDate - UsedCommitment (the unused commitment);
 *   DiscountedUsage = reservation/EffectiveCost; RIFee = UnusedAmortizedUpfront + UnusedRecurringFee;
 *   the RI upfront Fee = 0 (it is spread through the two previous items).
 * - Resource ids: EC2 instance ids, vol- ids, bucket names for S3 (as in CUR), ARNs elsewhere.
 */

import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { billingWindow, DAY_MS, HOUR_MS, isoDate, isoUtc, type BillingMonth } from "./calendar.js";
import { ACCOUNTS, COMPUTE_SP, EDP_DISCOUNT_PERMILLE, PAYER, PRICES, RDS_RI, RDS_TYPES, SERVICES, TAX_RATE_PERMILLE, TEAMS, type DemoAccount, type Region, type ServiceInfo } from "./catalog.js";
import { CsvSink } from "./csv-sink.js";
import { CUR_HEADER, curManifestColumns, EMPTY_CUR_LINE, formatCurLine, type CurLine, type CurLineItemType, type CurManifest } from "./cur-format.js";
import { dec, divRound, fmt, mul, mulRatio, qty, SCALE, whole } from "./decimal.js";
import { buildAzureDemo, FOCUS_DEMO_HEADER, writeAzureFocusMonth } from "./focus-azure.js";
import { buildOrg, dollars, drawTags, instanceId, NO_TAGS, regionalRate, usageTypeFor, volumeId, type Ec2Fleet, type ResourceTags, type SteadyResource } from "./model.js";
import { hash32, hex, pick, SeqRandom, unit, uuid } from "./prng.js";

// ------------------------------------------------------------------------------------------- options

export const GRANULARITIES = ["daily", "hourly"] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export interface DemoOptions {
  /** Default 42. */
  seed?: number;
  /** Number of billing months, ending with `endMonth`. Default 12. */
  months?: number;
  /** Last billing month, "YYYY-MM". Default "2026-10" (fixed, so output never depends on the clock). */
  endMonth?: string;
  /** Charge period of AWS usage lines. Default "daily". The FOCUS export is always daily. */
  granularity?: Granularity;
  /** Size knob: multiplies fleet sizes and resource counts (row count scales about linearly). Default 1. */
  scale?: number;
  /** CUR report name. Default "costwise-demo". */
  reportName?: string;
}

export const DEMO_DEFAULTS = {
  seed: 42,
  months: 12,
  endMonth: "2026-10",
  granularity: "daily" as Granularity,
  scale: 1,
  reportName: "costwise-demo",
} as const;

// ------------------------------------------------------------------------------------------ manifest

export interface DemoFile {
  /** Path relative to the output directory, with "/" separators. */
  path: string;
  provider: "AWS" | "Microsoft";
  format: "aws-cur-csv-gzip" | "focus-1.2-csv";
  /** "YYYY-MM" */
  billingPeriod: string;
  /** 1-based part number within the billing period's delivery, and the number of parts. */
  part: number;
  parts: number;
  /** Data rows, header excluded. */
  rows: number;
  /** The column whose exact sum is `totalCost`. */
  costColumn: "lineItem/UnblendedCost" | "BilledCost";
  totalCost: string;
  /** Exact sum of the amortized cost of the file's rows (CUR: see the module comment; FOCUS: EffectiveCost). */
  totalEffectiveCost: string;
}

export interface DemoAnomaly {
  id: string;
  kind: "spike" | "level-shift";
  provider: "AWS";
  /** First affected day, "YYYY-MM-DD". */
  date: string;
  /** Last affected day (inclusive). */
  endDate: string;
  accountId: string;
  /** lineItem/ProductCode */
  service: string;
  serviceName: string;
  usageType: string;
  /** Resources that carry the extra cost (for the EC2 spike: the injected instances; their volumes add to extraCost). */
  resourceIds: string[];
  /** Exact extra cost at on-demand rates (UnblendedCost before any Savings Plan coverage). */
  extraCost: string;
  description: string;
}

export interface DemoManifest {
  generator: "costwise-demo";
  version: 1;
  seed: number;
  months: number;
  endMonth: string;
  granularity: Granularity;
  scale: number;
  /** "YYYY-MM-DD" first day and last day (inclusive) of the window. */
  startDate: string;
  endDate: string;
  currency: "USD";
  payerAccountId: string;
  accounts: { id: string; name: string }[];
  teams: string[];
  /** CUR data files and FOCUS files, in the order written. */
  files: DemoFile[];
  /** The per-period CUR manifests (`<report>-Manifest.json`), relative paths. */
  curManifests: string[];
  anomalies: DemoAnomaly[];
  truths: DemoTruths;
}

export interface DemoTruths {
  aws: {
    rows: number;
    unblendedCost: string;
    amortizedCost: string;
    byMonth: Record<string, { rows: number; unblendedCost: string; amortizedCost: string }>;
    byAccount: Record<string, { unblendedCost: string; amortizedCost: string }>;
    byLineItemType: Record<string, { rows: number; unblendedCost: string; amortizedCost: string }>;
    /** Rows with neither resourceTags/user:team nor resourceTags/user:Team. */
    untagged: { rows: number; unblendedCost: string; amortizedCost: string; amortizedShare: string };
    /** Amortized cost by team tag value (either key, value lower-cased); "__untagged__" for the rest. */
    amortizedByTeam: Record<string, string>;
    teamTagKeys: { lowerCaseKeyRows: number; upperCaseKeyRows: number; upperCaseKeyResourceExamples: string[] };
    savingsPlan: { arn: string; hourlyCommitment: string; startDate: string; totalCommitment: string; usedCommitment: string; coveredOnDemandCost: string };
    reservedInstance: { arn: string; instanceType: string; count: number; startDate: string; upfrontFee: string; hourlyRecurringFee: string; usedHours: string; reservedHours: string };
  };
  focus: {
    provider: "Microsoft";
    rows: number;
    billedCost: string;
    effectiveCost: string;
    untaggedEffectiveCost: string;
  };
}

// ------------------------------------------------------------------------------------------ internals

const LEGAL_ENTITY = "Amazon Web Services, Inc.";
const WEB_WEIGHTS = normalise([0.7, 0.65, 0.6, 0.6, 0.6, 0.65, 0.75, 0.85, 0.95, 1.05, 1.1, 1.15, 1.2, 1.25, 1.3, 1.3, 1.3, 1.25, 1.2, 1.15, 1.1, 1.0, 0.9, 0.8]);

function normalise(xs: number[]): number[] {
  const s = xs.reduce((a, b) => a + b, 0);
  return xs.map((x) => x / s);
}

interface UsageEvent {
  account: DemoAccount;
  service: ServiceInfo;
  region: Region | null;
  az: string;
  usageType: string;
  operation: string;
  resourceId: string;
  pricingUnit: string;
  productFamily: string;
  instanceType: string;
  description: string;
  usage: bigint;
  rate: bigint;
  cost: bigint;
  tags: ResourceTags;
  /** Compute Savings Plan rate, 0n when not eligible. */
  spRate: bigint;
  riMatch: boolean;
  /** Set by the Savings Plan pass: the covered (SP-rate) cost. */
  spCost?: bigint;
}

interface Period {
  start: string;
  end: string;
  interval: string;
  hours: number;
  /** Hour of day (hourly granularity) or -1 (daily). */
  hour: number;
}

interface Acc {
  rows: number;
  unblended: bigint;
  amortized: bigint;
}

const newAcc = (): Acc => ({ rows: 0, unblended: 0n, amortized: 0n });

function addTo(map: Map<string, Acc>, key: string, unblended: bigint, amortized: bigint): void {
  let a = map.get(key);
  if (!a) map.set(key, (a = newAcc()));
  a.rows++;
  a.unblended += unblended;
  a.amortized += amortized;
}

function validate(options: DemoOptions): Required<DemoOptions> {
  const o = { ...DEMO_DEFAULTS, ...stripUndefined(options) } as Required<DemoOptions>;
  if (!Number.isSafeInteger(o.seed)) throw new RangeError(`seed must be an integer, got ${o.seed}`);
  if (!Number.isInteger(o.months) || o.months < 1 || o.months > 60) throw new RangeError(`months must be an integer in 1..60, got ${o.months}`);
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(o.endMonth)) throw new RangeError(`endMonth must be YYYY-MM, got ${JSON.stringify(o.endMonth)}`);
  if (!(GRANULARITIES as readonly string[]).includes(o.granularity)) throw new RangeError(`granularity must be daily or hourly, got ${JSON.stringify(o.granularity)}`);
  if (!(typeof o.scale === "number" && o.scale >= 0.05 && o.scale <= 50)) throw new RangeError(`scale must be a number in 0.05..50, got ${o.scale}`);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(o.reportName)) throw new RangeError(`reportName must be 1-64 letters, digits, '-' or '_', got ${JSON.stringify(o.reportName)}`);
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Business support: 10% of the first $10K, 7% to $80K, 5% to $250K, 3% above; at least $100. */
export function businessSupportFee(charges: bigint): bigint {
  const tiers: [bigint, bigint][] = [
    [whole(10_000), 100n],
    [whole(80_000), 70n],
    [whole(250_000), 50n],
  ];
  let fee = 0n;
  let lower = 0n;
  for (const [upper, permille] of tiers) {
    if (charges > lower) fee += mulRatio((charges < upper ? charges : upper) - lower, permille, 1000n);
    lower = upper;
  }
  if (charges > lower) fee += mulRatio(charges - lower, 30n, 1000n);
  const min = whole(100);
  return fee < min ? min : fee;
}

// -------------------------------------------------------------------------------------------- public

/**
 * Write the demo organisation's bills under `outDir` (created; an existing `aws-cur/` and `focus/`
 * inside it are replaced) and return what was written, with exact totals and the injected anomalies.
 *
 * Layout:
 *   <outDir>/aws-cur/<report>/<YYYYMMDD-YYYYMMDD>/<report>-Manifest.json
 *   <outDir>/aws-cur/<report>/<YYYYMMDD-YYYYMMDD>/<assemblyId>/<report>-<n>.csv.gz
 *   <outDir>/focus/azure-<YYYY-MM>.csv
 *   <outDir>/demo-manifest.json
 * The CUR manifests' reportKeys are S3-style keys with prefix "aws-cur" in a bucket rooted at outDir:
 * resolve them relative to outDir (or take their last two segments relative to the manifest's folder).
 */
export async function generateDemoData(outDir: string, options: DemoOptions = {}): Promise<DemoManifest> {
  const o = validate(options);
  const seed = o.seed;
  const months = billingWindow(o.endMonth, o.months);
  const first = months[0];
  const last = months[months.length - 1];
  if (!first || !last) throw new RangeError("empty billing window");
  const windowStartMs = first.startMs;
  const totalDays = Math.round((last.endMs - windowStartMs) / DAY_MS);
  const monthStartDay = months.map((m) => Math.round((m.startMs - windowStartMs) / DAY_MS));
  const dayOf = (monthIdx: number, dom: number): number => (monthStartDay[monthIdx] ?? 0) + dom - 1;

  const org = buildOrg(seed, o.scale, { totalDays, monthStartDay });
  const azure = buildAzureDemo(seed, o.scale);
  const report = o.reportName;
  const hourly = o.granularity === "hourly";

  await mkdir(outDir, { recursive: true });
  await rm(join(outDir, "aws-cur"), { recursive: true, force: true });
  await rm(join(outDir, "focus"), { recursive: true, force: true });

  // ---- anomalies ------------------------------------------------------------------------------
  const n = months.length;
  interface AnomalyState {
    meta: Omit<DemoAnomaly, "extraCost" | "resourceIds">;
    extra: bigint;
    resources: Set<string>;
  }
  const anomalies: AnomalyState[] = [];
  const dayIso = (day: number): string => isoDate(windowStartMs + day * DAY_MS);

  const spikeFleet = org.fleets.find((f) => f.name === "search-indexer");
  const spikeMonth = Math.max(0, n - 4);
  if (spikeFleet) {
    const fromDay = dayOf(spikeMonth, 12);
    spikeFleet.spike = { fromDay, toDay: fromDay + 3, factor: 4, anomaly: anomalies.length };
    anomalies.push({
      meta: {
        id: "ec2-fleet-spike",
        kind: "spike",
        provider: "AWS",
        date: dayIso(fromDay),
        endDate: dayIso(fromDay + 2),
        accountId: spikeFleet.account.id,
        service: SERVICES.ec2.productCode,
        serviceName: SERVICES.ec2.productName,
        usageType: usageTypeFor(spikeFleet.region, `BoxUsage:${spikeFleet.instanceType}`),
        description: `Runaway autoscaling: the ${spikeFleet.name} fleet ran at 4x its size for 3 days (extra instances and their EBS volumes)`,
      },
      extra: 0n,
      resources: new Set(),
    });
  }
  const shiftBucket = org.steady.find((r) => r.name === "acme-data-lake-raw");
  const shiftMonth = Math.max(0, n - 2);
  if (shiftBucket) {
    const fromDay = dayOf(shiftMonth, 10);
    shiftBucket.levelShift = { fromDay, factor: 1, anomaly: anomalies.length };
    anomalies.push({
      meta: {
        id: "s3-level-shift",
        kind: "level-shift",
        provider: "AWS",
        date: dayIso(fromDay),
        endDate: dayIso(totalDays - 1),
        accountId: shiftBucket.account.id,
        service: SERVICES.s3.productCode,
        serviceName: SERVICES.s3.productName,
        usageType: usageTypeFor(shiftBucket.region, "TimedStorage-ByteHrs"),
        description: `A lifecycle rule was removed: ${shiftBucket.name} stores twice as much from this day on`,
      },
      extra: 0n,
      resources: new Set([shiftBucket.resourceId]),
    });
  }
  const dtFleet = org.fleets.find((f) => f.name === "web-frontend");
  const dtMonth = Math.max(0, n - 3);
  if (dtFleet) {
    const day = dayOf(dtMonth, 21);
    dtFleet.dtSpike = { day, extraGb: 12_000, anomaly: anomalies.length };
    anomalies.push({
      meta: {
        id: "data-transfer-spike",
        kind: "spike",
        provider: "AWS",
        date: dayIso(day),
        endDate: dayIso(day),
        accountId: dtFleet.account.id,
        service: SERVICES.dataTransfer.productCode,
        serviceName: SERVICES.dataTransfer.productName,
        usageType: usageTypeFor(dtFleet.region, "DataTransfer-Out-Bytes"),
        description: "A misconfigured sync job sent 12 TB to the internet from one web instance in one day",
      },
      extra: 0n,
      resources: new Set(),
    });
  }

  // ---- commitments ----------------------------------------------------------------------------
  const spArn = `arn:aws:savingsplans::${PAYER.id}:savingsplan/${COMPUTE_SP.id}`;
  const spHourly = dec(COMPUTE_SP.hourlyCommitment);
  const spStartMonth = n >= 2 ? 1 : 0;
  const spActive = (m: BillingMonth): boolean => m.index >= spStartMonth && m.index < spStartMonth + 12;
  const riAccount = ACCOUNTS.payments;
  const riArn = `arn:aws:rds:${RDS_RI.region}:${riAccount.id}:ri:${RDS_RI.leaseId}`;
  const riUpfront = dec(RDS_RI.upfront);
  const riHourly = dec(RDS_RI.hourly);
  const riActive = (m: BillingMonth): boolean => m.index < 12;
  const riType = RDS_TYPES[RDS_RI.instanceType];

  // ---- accumulators ---------------------------------------------------------------------------
  const files: DemoFile[] = [];
  const curManifests: string[] = [];
  const awsTotal = newAcc();
  const byMonth = new Map<string, Acc>();
  const byAccount = new Map<string, Acc>();
  const byType = new Map<string, Acc>();
  const byTeam = new Map<string, Acc>();
  const untagged = newAcc();
  let lowerKeyRows = 0;
  let upperKeyRows = 0;
  const upperExamples = new Set<string>();
  let spTotalCommit = 0n;
  let spTotalUsed = 0n;
  let spCoveredOd = 0n;
  let riUsedHoursTotal = 0n;
  let riReservedHoursTotal = 0n;

  const skuCache = new Map<string, string>();
  const skuOf = (usageType: string): string => {
    let s = skuCache.get(usageType);
    if (!s) {
      s = hex(16, seed, 0x5c0, usageType.length, hash32(...[...usageType].map((c) => c.charCodeAt(0)))).toUpperCase();
      skuCache.set(usageType, s);
    }
    return s;
  };

  // ---- per month ------------------------------------------------------------------------------
  const splitMonth = last.index; // the latest (largest) month is delivered in 2 parts
  for (const m of months) {
    const parts = m.index === splitMonth ? 2 : 1;
    const assemblyId = uuid(seed, 0xa55e, m.index);
    const periodDir = join(outDir, "aws-cur", report, m.folder);
    const assemblyDir = join(periodDir, assemblyId);
    await mkdir(assemblyDir, { recursive: true });
    const keys: string[] = [];
    const sinks: CsvSink[] = [];
    const fileAccs: Acc[] = [];
    for (let p = 1; p <= parts; p++) {
      const name = `${report}-${p}.csv.gz`;
      keys.push(`aws-cur/${report}/${m.folder}/${assemblyId}/${name}`);
      const sink = new CsvSink(join(assemblyDir, name), { gzip: true });
      sink.line(CUR_HEADER);
      sinks.push(sink);
      fileAccs.push(newAcc());
    }
    const invoiceId = `2${(hash32(seed, 0x1ce, m.index) % 1_000_000_000).toString().padStart(9, "0")}`;
    const ids = new SeqRandom(hash32(seed, 0x11d, m.index));
    const monthAcc = newAcc();
    byMonth.set(m.ym, monthAcc);
    // account|productCode -> unblended charges this month (for EDP, credits, tax)
    const productTotals = new Map<string, bigint>();
    const edpBase = new Map<string, bigint>();
    let supportBase = 0n;
    let riUsedHours = 0n;
    let riRecurringUsed = 0n;
    let riUpfrontUsed = 0n;
    const riMonthUpfront = divRound(riUpfront * BigInt(m.hours), 8760n);
    const riCount = BigInt(RDS_RI.count);

    let part = 0;
    const emit = (line: CurLine, unblended: bigint, amortized: bigint): void => {
      const sink = sinks[part];
      const fa = fileAccs[part];
      if (!sink || !fa) throw new Error("no open CUR part");
      sink.line(formatCurLine(line, PAYER.id));
      fa.rows++;
      fa.unblended += unblended;
      fa.amortized += amortized;
      awsTotal.rows++;
      awsTotal.unblended += unblended;
      awsTotal.amortized += amortized;
      monthAcc.rows++;
      monthAcc.unblended += unblended;
      monthAcc.amortized += amortized;
      addTo(byAccount, line.usageAccountId, unblended, amortized);
      addTo(byType, line.lineItemType, unblended, amortized);
      const teamValue = line.tagTeam || line.tagTeamUpper;
      if (teamValue === "") {
        untagged.rows++;
        untagged.unblended += unblended;
        untagged.amortized += amortized;
      }
      if (line.tagTeam) lowerKeyRows++;
      if (line.tagTeamUpper) {
        upperKeyRows++;
        if (upperExamples.size < 10 && line.resourceId) upperExamples.add(line.resourceId);
      }
      addTo(byTeam, teamValue === "" ? "__untagged__" : teamValue.toLowerCase(), unblended, amortized);
      const key = `${line.usageAccountId}|${line.productCode}`;
      productTotals.set(key, (productTotals.get(key) ?? 0n) + unblended);
      switch (line.lineItemType) {
        case "Usage":
        case "SavingsPlanCoveredUsage":
        case "SavingsPlanNegation":
        case "SavingsPlanRecurringFee":
        case "DiscountedUsage":
        case "RIFee":
          edpBase.set(key, (edpBase.get(key) ?? 0n) + unblended);
          break;
        default:
          break;
      }
      if (line.lineItemType !== "Tax" && line.lineItemType !== "Credit" && line.lineItemType !== "Refund") supportBase += unblended;
    };

    // One reused line object for usage lines: each is formatted by `emit` before the next is built.
    const scratch: CurLine = { ...EMPTY_CUR_LINE };
    const baseLine = (ev: UsageEvent, p: Period, type: CurLineItemType): CurLine => {
      const l = Object.assign(scratch, EMPTY_CUR_LINE);
      l.lineItemId = ids.lineItemId();
      l.timeInterval = p.interval;
      l.invoiceId = invoiceId;
      l.billingPeriodStart = m.startIso;
      l.billingPeriodEnd = m.endIso;
      l.usageAccountId = ev.account.id;
      l.lineItemType = type;
      l.usageStart = p.start;
      l.usageEnd = p.end;
      l.productCode = ev.service.productCode;
      l.usageType = ev.usageType;
      l.operation = ev.operation;
      l.availabilityZone = ev.az;
      l.resourceId = ev.resourceId;
      l.usageAmount = fmt(ev.usage);
      l.description = ev.description;
      l.legalEntity = LEGAL_ENTITY;
      l.pricingUnit = ev.pricingUnit;
      l.productName = ev.service.productName;
      l.region = ev.region?.code ?? "";
      l.instanceType = ev.instanceType;
      l.productFamily = ev.productFamily;
      l.servicecode = ev.service.servicecode;
      l.tagTeam = ev.tags.team;
      l.tagTeamUpper = ev.tags.teamUpper;
      l.tagEnv = ev.tags.env;
      l.tagCostCenter = ev.tags.costCenter;
      return l;
    };

    const monthLine = (account: DemoAccount, type: CurLineItemType, service: ServiceInfo, fields: Partial<CurLine>): CurLine => ({
      ...EMPTY_CUR_LINE,
      lineItemId: ids.lineItemId(),
      timeInterval: `${m.startIso}/${m.endIso}`,
      invoiceId,
      billingPeriodStart: m.startIso,
      billingPeriodEnd: m.endIso,
      usageAccountId: account.id,
      lineItemType: type,
      usageStart: m.startIso,
      usageEnd: m.endIso,
      productCode: service.productCode,
      productName: service.productName,
      servicecode: service.servicecode,
      legalEntity: LEGAL_ENTITY,
      ...fields,
    });

    const processPeriod = (events: UsageEvent[], p: Period): void => {
      // 1. Reserved Instance: applies first, in resource order, up to count x hours.
      let riLeft = riActive(m) ? riCount * BigInt(p.hours) * SCALE : 0n;
      // 2. Savings Plan: greedily covers the eligible usage with the highest discount first.
      const commitment = spActive(m) ? mul(whole(p.hours), spHourly) : 0n;
      let used = 0n;
      if (commitment > 0n) {
        const eligible = events.filter((e) => e.spRate > 0n);
        eligible.sort((a, b) => {
          // discount ratio (od - sp) / od, descending; compare by cross-multiplication
          const l = (a.rate - a.spRate) * b.rate;
          const r = (b.rate - b.spRate) * a.rate;
          if (l !== r) return l > r ? -1 : 1;
          return a.resourceId < b.resourceId ? -1 : a.resourceId > b.resourceId ? 1 : 0;
        });
        for (const e of eligible) {
          const c = mul(e.usage, e.spRate);
          if (used + c <= commitment) {
            e.spCost = c;
            used += c;
          }
        }
      }
      for (const e of events) {
        if (e.riMatch && riLeft > 0n) {
          const covered = e.usage < riLeft ? e.usage : riLeft;
          riLeft -= covered;
          const recurring = mul(covered, riHourly);
          // Prorate cumulatively, so a fully used RI leaves exactly 0 unused upfront fee.
          const reservedHours = riCount * BigInt(m.hours) * SCALE;
          const upfront = divRound(riMonthUpfront * (riUsedHours + covered), reservedHours) - divRound(riMonthUpfront * riUsedHours, reservedHours);
          riUsedHours += covered;
          riRecurringUsed += recurring;
          riUpfrontUsed += upfront;
          emit(
            Object.assign(baseLine(e, p, "DiscountedUsage"), {
              usageAmount: fmt(covered),
              unblendedRate: "0",
              unblendedCost: "0",
              description: `PostgreSQL, ${RDS_RI.instanceType} reserved instance applied`,
              publicOnDemandCost: fmt(mul(covered, e.rate)),
              publicOnDemandRate: fmt(e.rate),
              term: "Reserved",
              reservationArn: riArn,
              riEffectiveCost: fmt(recurring + upfront),
              riAmortizedUpfrontCostForUsage: fmt(upfront),
              riRecurringFeeForUsage: fmt(recurring),
            }),
            0n,
            recurring + upfront,
          );
          const rest = e.usage - covered;
          if (rest > 0n) {
            const cost = mul(rest, e.rate);
            emit(Object.assign(baseLine(e, p, "Usage"), { usageAmount: fmt(rest), unblendedRate: fmt(e.rate), unblendedCost: fmt(cost), publicOnDemandCost: fmt(cost), publicOnDemandRate: fmt(e.rate), term: "OnDemand" }), cost, cost);
          }
          continue;
        }
        const rate = fmt(e.rate);
        const cost = fmt(e.cost);
        if (e.spCost !== undefined) {
          spCoveredOd += e.cost;
          emit(
            Object.assign(baseLine(e, p, "SavingsPlanCoveredUsage"), { unblendedRate: rate, unblendedCost: cost, publicOnDemandCost: cost, publicOnDemandRate: rate, term: "OnDemand", spArn, spRate: fmt(e.spRate), spEffectiveCost: fmt(e.spCost) }),
            e.cost,
            e.spCost,
          );
          emit(
            Object.assign(baseLine(e, p, "SavingsPlanNegation"), {
              unblendedRate: fmt(-e.rate),
              unblendedCost: fmt(-e.cost),
              description: `SavingsPlanNegation used by AccountId : ${e.account.id} and UsageSku : ${skuOf(e.usageType)}`,
              spArn,
            }),
            -e.cost,
            0n,
          );
        } else {
          emit(Object.assign(baseLine(e, p, "Usage"), { unblendedRate: rate, unblendedCost: cost, publicOnDemandCost: cost, publicOnDemandRate: rate, term: "OnDemand" }), e.cost, e.cost);
        }
      }
      if (commitment > 0n) {
        spTotalCommit += commitment;
        spTotalUsed += used;
        emit(
          {
            ...EMPTY_CUR_LINE,
            lineItemId: ids.lineItemId(),
            timeInterval: p.interval,
            invoiceId,
            billingPeriodStart: m.startIso,
            billingPeriodEnd: m.endIso,
            usageAccountId: PAYER.id,
            lineItemType: "SavingsPlanRecurringFee",
            usageStart: p.start,
            usageEnd: p.end,
            productCode: SERVICES.savingsPlans.productCode,
            usageType: "ComputeSP:1yrNoUpfront",
            resourceId: spArn,
            usageAmount: String(p.hours),
            unblendedRate: fmt(spHourly),
            unblendedCost: fmt(commitment),
            description: "1 year No Upfront Compute Savings Plan",
            legalEntity: LEGAL_ENTITY,
            productName: SERVICES.savingsPlans.productName,
            servicecode: SERVICES.savingsPlans.servicecode,
            spArn,
            spTotalCommitmentToDate: fmt(commitment),
            spUsedCommitment: fmt(used),
            spAmortizedUpfrontCommitment: "0",
            spRecurringCommitment: fmt(commitment),
          },
          commitment,
          commitment - used,
        );
      }
    };

    for (let dom = 1; dom <= m.days; dom++) {
      part = parts === 2 && dom > 15 ? 1 : 0;
      const dayIndex = dayOf(m.index, dom);
      const dayMs = m.startMs + (dom - 1) * DAY_MS;
      const weekday = new Date(dayMs).getUTCDay();
      const weekend = weekday === 0 || weekday === 6;
      const fleetDays = org.fleets.map((f) => fleetDay(f, dayIndex, weekend));
      const periodCount = hourly ? 24 : 1;
      for (let h = 0; h < periodCount; h++) {
        const startMs = dayMs + (hourly ? h * HOUR_MS : 0);
        const endMs = startMs + (hourly ? HOUR_MS : DAY_MS);
        const start = isoUtc(startMs);
        const end = isoUtc(endMs);
        const p: Period = { start, end, interval: `${start}/${end}`, hours: hourly ? 1 : 24, hour: hourly ? h : -1 };
        const events: UsageEvent[] = [];
        org.fleets.forEach((f, i) => {
          const fd = fleetDays[i];
          if (fd) fleetEvents(f, fd, dayIndex, p, m, events);
        });
        for (const r of org.steady) steadyEvents(r, dayIndex, weekend, p, m, events);
        processPeriod(events, p);
      }
      const sink = sinks[part];
      if (sink) await sink.maybeFlush();
    }

    // ---- monthly lines (in the last part) ----------------------------------------------------
    part = parts - 1;
    if (riActive(m)) {
      if (m.index === 0) {
        emit(
          monthLine(riAccount, "Fee", SERVICES.rds, {
            usageType: `HeavyUsage:${riType.usageName}`,
            description: `Sign up charge for subscription: ${1_000_000_000 + (hash32(seed, 0x5b) % 899_999_999)}, planId: ${2_000_000 + (hash32(seed, 0x91a) % 999_999)}`,
            unblendedCost: fmt(riUpfront),
            reservationArn: riArn,
            region: RDS_RI.region,
            instanceType: RDS_RI.instanceType,
          }),
          riUpfront,
          0n,
        );
      }
      const reservedHours = riCount * BigInt(m.hours) * SCALE;
      const fee = mul(reservedHours, riHourly);
      const unusedUpfront = riMonthUpfront - riUpfrontUsed;
      const unusedRecurring = fee - riRecurringUsed;
      riUsedHoursTotal += riUsedHours;
      riReservedHoursTotal += reservedHours;
      emit(
        monthLine(riAccount, "RIFee", SERVICES.rds, {
          usageType: `HeavyUsage:${riType.usageName}`,
          operation: "CreateDBInstance:0014",
          usageAmount: fmt(reservedHours),
          unblendedRate: fmt(riHourly),
          unblendedCost: fmt(fee),
          description: `USD ${fmt(riHourly)} hourly fee per PostgreSQL, ${RDS_RI.instanceType} instance`,
          term: "Reserved",
          pricingUnit: "Hrs",
          region: RDS_RI.region,
          instanceType: RDS_RI.instanceType,
          productFamily: "Database Instance",
          reservationArn: riArn,
          riAmortizedUpfrontFeeForBillingPeriod: fmt(riMonthUpfront),
          riUnusedAmortizedUpfrontFeeForBillingPeriod: fmt(unusedUpfront),
          riUnusedRecurringFee: fmt(unusedRecurring),
        }),
        fee,
        unusedUpfront + unusedRecurring,
      );
    }
    // EDP discount per account and product code.
    const accountsById = new Map<string, DemoAccount>(Object.values(ACCOUNTS).map((a) => [a.id, a] as const));
    const productByCode = new Map<string, ServiceInfo>(Object.values(SERVICES).map((s) => [s.productCode, s] as const));
    for (const key of [...edpBase.keys()].sort()) {
      const base = edpBase.get(key) ?? 0n;
      if (base <= 0n) continue;
      const [accountId, code] = key.split("|") as [string, string];
      const account = accountsById.get(accountId);
      const service = productByCode.get(code);
      if (!account || !service) continue;
      const discount = -mulRatio(base, EDP_DISCOUNT_PERMILLE, 1000n);
      emit(monthLine(account, "EdpDiscount", service, { description: "Enterprise Discount Program discount (3%)", unblendedCost: fmt(discount) }), discount, discount);
    }
    // Research credits on the ML account's EC2 for the first six months.
    if (m.index < 6) {
      const base = productTotals.get(`${ACCOUNTS.ml.id}|${SERVICES.ec2.productCode}`) ?? 0n;
      const half = base / 2n;
      const cap = whole(2500);
      const credit = -(half < cap ? half : cap);
      if (credit < 0n) {
        emit(monthLine(ACCOUNTS.ml, "Credit", SERVICES.ec2, { description: "AWS Credits - Research program (ML-ACCEL-2025)", unblendedCost: fmt(credit) }), credit, credit);
      }
    }
    // One refund.
    if (m.index === Math.min(6, n - 1)) {
      const refund = dec("-412.37");
      emit(monthLine(ACCOUNTS.data, "Refund", SERVICES.s3, { description: "Refund: S3 Replication Time Control overcharge (case 1172648390)", unblendedCost: fmt(refund), region: "us-east-1" }), refund, refund);
    }
    // Business support on the month's charges (payer account).
    const support = businessSupportFee(supportBase);
    emit(monthLine(PAYER, "Fee", SERVICES.support, { usageType: "Dollar", description: "AWS Support (Business)", unblendedCost: fmt(support), productFamily: "AWS Support" }), support, support);
    // Tax per account and product code on the month's net charges.
    for (const key of [...productTotals.keys()].sort()) {
      const base = productTotals.get(key) ?? 0n;
      if (base <= 0n) continue;
      const [accountId, code] = key.split("|") as [string, string];
      const account = accountsById.get(accountId);
      const service = productByCode.get(code);
      if (!account || !service) continue;
      const tax = mulRatio(base, TAX_RATE_PERMILLE, 1000n);
      emit(monthLine(account, "Tax", service, { description: `Tax for product code ${code}`, taxType: "Sales Tax", unblendedCost: fmt(tax) }), tax, tax);
    }

    for (const s of sinks) await s.close();
    const manifest: CurManifest = {
      assemblyId,
      account: PAYER.id,
      columns: curManifestColumns(),
      charset: "UTF-8",
      compression: "GZIP",
      contentType: "text/csv",
      reportId: hex(64, seed, 0x4e9, m.index),
      reportName: report,
      billingPeriod: { start: m.manifestStart, end: m.manifestEnd },
      bucket: "costwise-demo",
      reportKeys: keys,
      additionalArtifactKeys: [],
    };
    const manifestPath = `aws-cur/${report}/${m.folder}/${report}-Manifest.json`;
    await writeFile(join(outDir, manifestPath), JSON.stringify(manifest, null, 2) + "\n");
    curManifests.push(manifestPath);
    keys.forEach((k, i) => {
      const fa = fileAccs[i] ?? newAcc();
      files.push({
        path: k,
        provider: "AWS",
        format: "aws-cur-csv-gzip",
        billingPeriod: m.ym,
        part: i + 1,
        parts,
        rows: fa.rows,
        costColumn: "lineItem/UnblendedCost",
        totalCost: fmt(fa.unblended),
        totalEffectiveCost: fmt(fa.amortized),
      });
    });
  }

  // ---- FOCUS (second provider) ----------------------------------------------------------------
  await mkdir(join(outDir, "focus"), { recursive: true });
  const focusTotals = { rows: 0, billed: 0n, effective: 0n, untagged: 0n };
  for (const m of months) {
    const rel = `focus/azure-${m.ym}.csv`;
    const sink = new CsvSink(join(outDir, rel), { gzip: false });
    sink.line(FOCUS_DEMO_HEADER);
    const stats = await writeAzureFocusMonth(seed, azure, m, months[m.index - 1], windowStartMs, sink);
    await sink.close();
    focusTotals.rows += stats.rows;
    focusTotals.billed += stats.billed;
    focusTotals.effective += stats.effective;
    focusTotals.untagged += stats.untaggedEffective;
    files.push({
      path: rel,
      provider: "Microsoft",
      format: "focus-1.2-csv",
      billingPeriod: m.ym,
      part: 1,
      parts: 1,
      rows: stats.rows,
      costColumn: "BilledCost",
      totalCost: fmt(stats.billed),
      totalEffectiveCost: fmt(stats.effective),
    });
  }

  // ---- manifest -------------------------------------------------------------------------------
  const accRecord = (map: Map<string, Acc>, withRows: boolean): Record<string, { rows: number; unblendedCost: string; amortizedCost: string }> =>
    Object.fromEntries(
      [...map.keys()].sort().map((k) => {
        const a = map.get(k) ?? newAcc();
        return [k, withRows ? { rows: a.rows, unblendedCost: fmt(a.unblended), amortizedCost: fmt(a.amortized) } : ({ unblendedCost: fmt(a.unblended), amortizedCost: fmt(a.amortized) } as never)];
      }),
    );
  const share = awsTotal.amortized === 0n ? "0" : fmt(divRound(untagged.amortized * SCALE, awsTotal.amortized));

  const manifest: DemoManifest = {
    generator: "costwise-demo",
    version: 1,
    seed,
    months: n,
    endMonth: o.endMonth,
    granularity: o.granularity,
    scale: o.scale,
    startDate: isoDate(windowStartMs),
    endDate: isoDate(last.endMs - DAY_MS),
    currency: "USD",
    payerAccountId: PAYER.id,
    accounts: Object.values(ACCOUNTS).map((a) => ({ id: a.id, name: a.name })),
    teams: [...TEAMS],
    files,
    curManifests,
    anomalies: anomalies.map((a) => ({ ...a.meta, resourceIds: [...a.resources].sort(), extraCost: fmt(a.extra) })),
    truths: {
      aws: {
        rows: awsTotal.rows,
        unblendedCost: fmt(awsTotal.unblended),
        amortizedCost: fmt(awsTotal.amortized),
        byMonth: accRecord(byMonth, true),
        byAccount: accRecord(byAccount, false),
        byLineItemType: accRecord(byType, true),
        untagged: { rows: untagged.rows, unblendedCost: fmt(untagged.unblended), amortizedCost: fmt(untagged.amortized), amortizedShare: share },
        amortizedByTeam: Object.fromEntries([...byTeam.keys()].sort().map((k) => [k, fmt(byTeam.get(k)?.amortized ?? 0n)])),
        teamTagKeys: { lowerCaseKeyRows: lowerKeyRows, upperCaseKeyRows: upperKeyRows, upperCaseKeyResourceExamples: [...upperExamples].sort() },
        savingsPlan: {
          arn: spArn,
          hourlyCommitment: fmt(spHourly),
          startDate: isoDate(months[spStartMonth]?.startMs ?? windowStartMs),
          totalCommitment: fmt(spTotalCommit),
          usedCommitment: fmt(spTotalUsed),
          coveredOnDemandCost: fmt(spCoveredOd),
        },
        reservedInstance: {
          arn: riArn,
          instanceType: RDS_RI.instanceType,
          count: RDS_RI.count,
          startDate: isoDate(windowStartMs),
          upfrontFee: fmt(riUpfront),
          hourlyRecurringFee: fmt(riHourly),
          usedHours: fmt(riUsedHoursTotal),
          reservedHours: fmt(riReservedHoursTotal),
        },
      },
      focus: {
        provider: "Microsoft",
        rows: focusTotals.rows,
        billedCost: fmt(focusTotals.billed),
        effectiveCost: fmt(focusTotals.effective),
        untaggedEffectiveCost: fmt(focusTotals.untagged),
      },
    },
  };
  await writeFile(join(outDir, "demo-manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;

  // ---- event generation -----------------------------------------------------------------------

  interface FleetDay {
    /** Instances per hour of the day, without and with the injected anomaly. */
    normal: number[];
    actual: number[];
    noise: number;
  }

  function fleetDay(f: Ec2Fleet, dayIndex: number, weekend: boolean): FleetDay {
    const growth = 1 + (f.growth * dayIndex) / 30.4;
    const noise = 1 + 0.12 * (unit(seed, 0x401, f.idx, dayIndex) - 0.5);
    const level = f.base * growth * (weekend ? f.weekend : 1) * noise;
    const normal = f.diurnal.map((w) => Math.max(f.min, Math.round(level * w)));
    const spiking = f.spike && dayIndex >= f.spike.fromDay && dayIndex < f.spike.toDay;
    const actual = spiking && f.spike ? normal.map((c) => Math.round(c * (f.spike?.factor ?? 1))) : normal;
    return { normal, actual, noise: 1 + 0.2 * (unit(seed, 0x402, f.idx, dayIndex) - 0.5) };
  }

  function fleetEvents(f: Ec2Fleet, fd: FleetDay, dayIndex: number, p: Period, m: BillingMonth, out: UsageEvent[]): void {
    const hoursFrom = p.hour < 0 ? 0 : p.hour;
    const hoursTo = p.hour < 0 ? 24 : p.hour + 1;
    let slots = 0;
    for (let h = hoursFrom; h < hoursTo; h++) slots = Math.max(slots, fd.actual[h] ?? 0);
    const anomaly = f.spike ? anomalies[f.spike.anomaly] : undefined;
    const box = usageTypeFor(f.region, `BoxUsage:${f.instanceType}`);
    const gp3 = regionalRate(PRICES.ebsGp3, f.region);
    const dtRate = regionalRate(PRICES.dataTransferOut, f.region);
    for (let k = 0; k < slots; k++) {
      let hours = 0;
      let normalHours = 0;
      for (let h = hoursFrom; h < hoursTo; h++) {
        if (k < (fd.actual[h] ?? 0)) hours++;
        if (k < (fd.normal[h] ?? 0)) normalHours++;
      }
      if (hours === 0) continue;
      const [lo, hi] = f.lifetime;
      const life = lo + (hash32(seed, 0x11f, f.idx, k) % (hi - lo + 1));
      const offset = hash32(seed, 0x0ff, f.idx, k) % life;
      const gen = Math.floor((dayIndex + offset) / life);
      const id = instanceId(seed, f.idx, k, gen);
      const team = f.team ?? pick(TEAMS, seed, 0x7ea, f.idx, k, gen);
      const tags = drawTags(seed, f.tags, team, f.env, [f.idx, k, gen]);
      const az = f.region.azs[k % f.region.azs.length] ?? "";
      const injected = normalHours === 0;
      const usage = whole(hours);
      const cost = mul(usage, f.odRate);
      out.push({
        account: f.account,
        service: SERVICES.ec2,
        region: f.region,
        az,
        usageType: box,
        operation: "RunInstances",
        resourceId: id,
        pricingUnit: "Hrs",
        productFamily: "Compute Instance",
        instanceType: f.instanceType,
        description: `${dollars(f.odRate)} per On Demand Linux ${f.instanceType} Instance Hour`,
        usage,
        rate: f.odRate,
        cost,
        tags,
        spRate: f.spRate,
        riMatch: false,
      });
      if (anomaly && hours !== normalHours) {
        anomaly.extra += cost - mul(whole(normalHours), f.odRate);
        if (injected) anomaly.resources.add(id);
      }
      const volumeTags = f.volumeTags ? tags : NO_TAGS;
      const volumes: [number, number][] = [[0, f.rootGb]];
      if (f.dataGb > 0) volumes.push([1, f.dataGb]);
      for (const [which, gb] of volumes) {
        const vol = volumeId(seed, f.idx, k, gen, which);
        const gbMo = divRound(BigInt(gb) * BigInt(hours) * SCALE, BigInt(m.hours));
        const vcost = mul(gbMo, gp3);
        out.push({
          account: f.account,
          service: SERVICES.ec2,
          region: f.region,
          az,
          usageType: usageTypeFor(f.region, "EBS:VolumeUsage.gp3"),
          operation: "CreateVolume-Gp3",
          resourceId: vol,
          pricingUnit: "GB-Mo",
          productFamily: "Storage",
          instanceType: "",
          description: `${dollars(gp3)} per GB-month of General Purpose (gp3) provisioned storage - ${f.region.name}`,
          usage: gbMo,
          rate: gp3,
          cost: vcost,
          tags: volumeTags,
          spRate: 0n,
          riMatch: false,
        });
        if (anomaly && hours !== normalHours) {
          anomaly.extra += vcost - mul(divRound(BigInt(gb) * BigInt(normalHours) * SCALE, BigInt(m.hours)), gp3);
        }
      }
      if (f.dtOutGbPerDay > 0) {
        const gb = f.dtOutGbPerDay * (hours / 24) * fd.noise * (0.8 + 0.4 * unit(seed, 0xd7, f.idx, k, dayIndex));
        let usage = qty(gb, 6);
        const spike = f.dtSpike && f.dtSpike.day === dayIndex && k === 0 ? f.dtSpike : undefined;
        let extra = 0n;
        if (spike) {
          // Spread over the working hours 10:00-16:00 UTC when hourly.
          const part = p.hour < 0 ? spike.extraGb : p.hour >= 10 && p.hour < 16 ? spike.extraGb / 6 : 0;
          extra = qty(part, 6);
          usage += extra;
        }
        if (usage > 0n) {
          const dcost = mul(usage, dtRate);
          out.push({
            account: f.account,
            service: SERVICES.dataTransfer,
            region: f.region,
            az: "",
            usageType: usageTypeFor(f.region, "DataTransfer-Out-Bytes"),
            operation: "RunInstances",
            resourceId: id,
            pricingUnit: "GB",
            productFamily: "Data Transfer",
            instanceType: "",
            description: `${dollars(dtRate)} per GB - first 10 TB / month data transfer out beyond the global free tier`,
            usage,
            rate: dtRate,
            cost: dcost,
            tags,
            spRate: 0n,
            riMatch: false,
          });
          if (spike && extra > 0n) {
            const a = anomalies[spike.anomaly];
            if (a) {
              a.extra += dcost - mul(usage - extra, dtRate);
              a.resources.add(id);
            }
          }
        }
      }
    }
  }

  function steadyEvents(r: SteadyResource, dayIndex: number, weekend: boolean, p: Period, m: BillingMonth, out: UsageEvent[]): void {
    if (dayIndex < r.fromDay || dayIndex >= r.toDay) return;
    const growth = 1 + (r.growth * dayIndex) / 30.4;
    const shift = r.levelShift && dayIndex >= r.levelShift.fromDay ? r.levelShift : undefined;
    r.meters.forEach((meter, mi) => {
      let usage: bigint;
      let normalUsage: bigint | undefined;
      switch (meter.kind) {
        case "hours":
          usage = whole(meter.amount * p.hours);
          break;
        case "flow": {
          const noise = 1 + 0.16 * (unit(seed, 0x5ee, r.idx, mi, dayIndex) - 0.5);
          const perDay = meter.amount * growth * noise * (meter.weekly && weekend ? 0.75 : 1);
          usage = qty(p.hour < 0 ? perDay : perDay * (WEB_WEIGHTS[p.hour] ?? 0), meter.places);
          break;
        }
        case "stock": {
          const held = meter.amount * growth;
          const perMonth = (x: number): bigint => divRound(qty(x, meter.places) * BigInt(p.hours), BigInt(m.hours));
          usage = perMonth(shift ? held * (1 + shift.factor) : held);
          if (shift) normalUsage = perMonth(held);
          break;
        }
      }
      if (usage <= 0n) return;
      const cost = mul(usage, meter.rate);
      if (shift && normalUsage !== undefined) {
        const a = anomalies[shift.anomaly];
        if (a) a.extra += cost - mul(normalUsage, meter.rate);
      }
      out.push({
        account: r.account,
        service: r.service,
        region: r.region,
        az: r.availabilityZone,
        usageType: meter.usageType,
        operation: meter.operation,
        resourceId: r.resourceId,
        pricingUnit: meter.pricingUnit,
        productFamily: meter.productFamily,
        instanceType: r.instanceType,
        description: meter.description,
        usage,
        rate: meter.rate,
        cost,
        tags: r.tags,
        spRate: 0n,
        riMatch: r.riMatch && meter.kind === "hours",
      });
    });
  }
}
