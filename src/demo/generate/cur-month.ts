/**
 * One billing month of the AWS CUR: its data files (one part, or two for the latest month: days 1-15 and the rest,
 * as AWS splits a large delivery), then its manifest. For each charge period (hour or day) of the month:
 *
 *  1. the usage of every fleet and steady resource in the period (aws-usage.ts), at on-demand rates;
 *  2. the Reserved Instance applies first, in resource order, up to count x hours (DiscountedUsage lines);
 *  3. the Savings Plan covers the eligible usage with the highest discount first, up to the period's commitment
 *     (SavingsPlanCoveredUsage + SavingsPlanNegation lines, then the period's SavingsPlanRecurringFee);
 *  4. the rest is on-demand Usage.
 * Then the month's own lines, in the last part: the RI's upfront Fee (first month) and RIFee, EDP discounts,
 * research credits, a refund, Business support, and tax per account and product code (generate.ts explains each
 * line item type's costs).
 */

import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { newAcc, type Acc, type AwsTotals } from "./aws-totals.js";
import { fleetDay, fleetEvents, steadyEvents, type Period, type UsageContext, type UsageEvent } from "./aws-usage.js";
import { DAY_MS, HOUR_MS, isoUtc, type BillingMonth } from "./calendar.js";
import { ACCOUNTS, EDP_DISCOUNT_PERMILLE, PAYER, RDS_RI, SERVICES, TAX_RATE_PERMILLE, type DemoAccount, type ServiceInfo } from "./catalog.js";
import type { DemoCommitments } from "./commitments.js";
import { CsvSink } from "./csv-sink.js";
import { CUR_HEADER, curManifestColumns, EMPTY_CUR_LINE, formatCurLine, type CurLine, type CurLineItemType, type CurManifest } from "./cur-format.js";
import { dec, divRound, fmt, mul, mulRatio, SCALE, whole } from "./decimal.js";
import type { DemoFile } from "./manifest.js";
import type { DemoOrg } from "./model.js";
import { hash32, hex, SeqRandom, uuid } from "./prng.js";

const LEGAL_ENTITY = "Amazon Web Services, Inc.";
const accountsById = new Map<string, DemoAccount>(Object.values(ACCOUNTS).map((a) => [a.id, a] as const));
const productByCode = new Map<string, ServiceInfo>(Object.values(SERVICES).map((s) => [s.productCode, s] as const));

/** What every month of the CUR shares. */
export interface CurMonthContext {
  readonly seed: number;
  readonly outDir: string;
  /** CUR report name. */
  readonly report: string;
  readonly hourly: boolean;
  readonly org: DemoOrg;
  /** Number of months in the window. */
  readonly months: number;
  readonly usage: UsageContext;
  readonly commitments: DemoCommitments;
  /** The AWS truths, added to as lines are written. */
  readonly totals: AwsTotals;
  /** The SKU of a usage type (for SavingsPlanNegation descriptions). */
  skuOf(usageType: string): string;
  /** Window day of a month's day of month (1-based). */
  dayOf(monthIdx: number, dom: number): number;
}

/** Writes month `m` of the CUR in `parts` data files and its manifest; returns the files (in order) and the manifest's path. */
export async function writeCurMonth(ctx: CurMonthContext, m: BillingMonth, parts: number): Promise<{ files: DemoFile[]; manifestPath: string }> {
  const { seed, outDir, report, hourly, org, totals, dayOf, skuOf } = ctx;
  const n = ctx.months;
  const { spArn, spHourly, spActive, riAccount, riArn, riUpfront, riHourly, riActive, riType } = ctx.commitments;
  const riEndTime = ctx.commitments.riEndTime(m);
  const spEndTime = ctx.commitments.spEndTime(m);
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
  const monthAcc = totals.startMonth(m.ym);
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
    totals.add(line, unblended, amortized, monthAcc);
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
            riEndTime,
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
        totals.spCoveredOd += e.cost;
        emit(
          Object.assign(baseLine(e, p, "SavingsPlanCoveredUsage"), { unblendedRate: rate, unblendedCost: cost, publicOnDemandCost: cost, publicOnDemandRate: rate, term: "OnDemand", spArn, spRate: fmt(e.spRate), spEffectiveCost: fmt(e.spCost), spEndTime }),
          e.cost,
          e.spCost,
        );
        emit(
          Object.assign(baseLine(e, p, "SavingsPlanNegation"), {
            unblendedRate: fmt(-e.rate),
            unblendedCost: fmt(-e.cost),
            description: `SavingsPlanNegation used by AccountId : ${e.account.id} and UsageSku : ${skuOf(e.usageType)}`,
            spArn,
            spEndTime,
          }),
          -e.cost,
          0n,
        );
      } else {
        emit(Object.assign(baseLine(e, p, "Usage"), { unblendedRate: rate, unblendedCost: cost, publicOnDemandCost: cost, publicOnDemandRate: rate, term: "OnDemand" }), e.cost, e.cost);
      }
    }
    if (commitment > 0n) {
      totals.spTotalCommit += commitment;
      totals.spTotalUsed += used;
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
          spEndTime,
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
    const fleetDays = org.fleets.map((f) => fleetDay(seed, f, dayIndex, weekend));
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
        if (fd) fleetEvents(ctx.usage, f, fd, dayIndex, p, m, events);
      });
      for (const r of org.steady) steadyEvents(ctx.usage, r, dayIndex, weekend, p, m, events);
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
          riEndTime,
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
    totals.riUsedHoursTotal += riUsedHours;
    totals.riReservedHoursTotal += reservedHours;
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
        riEndTime,
        riAmortizedUpfrontFeeForBillingPeriod: fmt(riMonthUpfront),
        riUnusedAmortizedUpfrontFeeForBillingPeriod: fmt(unusedUpfront),
        riUnusedRecurringFee: fmt(unusedRecurring),
      }),
      fee,
      unusedUpfront + unusedRecurring,
    );
  }
  // EDP discount per account and product code.
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
  const files = keys.map((k, i): DemoFile => {
    const fa = fileAccs[i] ?? newAcc();
    return {
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
    };
  });
  return { files, manifestPath };
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
