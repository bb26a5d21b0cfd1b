/**
 * AWS usage, one charge period (an hour or a day) at a time: what each EC2 fleet instance (with its volumes and data
 * transfer) and each steady resource used in the period, at on-demand rates, as usage events. The CUR writer
 * (cur-month.ts) then applies the Reserved Instance and the Savings Plan to them and writes the lines.
 *
 * The injected anomalies' extra cost is added up here, as the difference between the usage with and without them.
 */

import { type BillingMonth } from "./calendar.js";
import { PRICES, SERVICES, TEAMS, type DemoAccount, type Region, type ServiceInfo } from "./catalog.js";
import { divRound, mul, qty, SCALE, whole } from "./decimal.js";
import type { AnomalyState } from "./anomalies.js";
import { instanceId, volumeId, type Ec2Fleet } from "./fleets.js";
import { dollars, regionalRate, usageTypeFor } from "./pricing.js";
import { hash32, pick, unit } from "./prng.js";
import type { SteadyResource } from "./steady-resources.js";
import { drawTags, NO_TAGS, type ResourceTags } from "./tags.js";

const WEB_WEIGHTS = normalise([0.7, 0.65, 0.6, 0.6, 0.6, 0.65, 0.75, 0.85, 0.95, 1.05, 1.1, 1.15, 1.2, 1.25, 1.3, 1.3, 1.3, 1.25, 1.2, 1.15, 1.1, 1.0, 0.9, 0.8]);

function normalise(xs: number[]): number[] {
  const s = xs.reduce((a, b) => a + b, 0);
  return xs.map((x) => x / s);
}

export interface UsageEvent {
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

export interface Period {
  start: string;
  end: string;
  interval: string;
  hours: number;
  /** Hour of day (hourly granularity) or -1 (daily). */
  hour: number;
}

/** What the usage generation reads and adds to: the seed, and the anomalies whose extra cost it counts. */
export interface UsageContext {
  readonly seed: number;
  readonly anomalies: AnomalyState[];
}

export interface FleetDay {
  /** Instances per hour of the day, without and with the injected anomaly. */
  normal: number[];
  actual: number[];
  noise: number;
}

export function fleetDay(seed: number, f: Ec2Fleet, dayIndex: number, weekend: boolean): FleetDay {
  const growth = 1 + (f.growth * dayIndex) / 30.4;
  const noise = 1 + 0.12 * (unit(seed, 0x401, f.idx, dayIndex) - 0.5);
  const level = f.base * growth * (weekend ? f.weekend : 1) * noise;
  const normal = f.diurnal.map((w) => Math.max(f.min, Math.round(level * w)));
  const spiking = f.spike && dayIndex >= f.spike.fromDay && dayIndex < f.spike.toDay;
  const actual = spiking && f.spike ? normal.map((c) => Math.round(c * (f.spike?.factor ?? 1))) : normal;
  return { normal, actual, noise: 1 + 0.2 * (unit(seed, 0x402, f.idx, dayIndex) - 0.5) };
}

export function fleetEvents(ctx: UsageContext, f: Ec2Fleet, fd: FleetDay, dayIndex: number, p: Period, m: BillingMonth, out: UsageEvent[]): void {
  const { seed, anomalies } = ctx;
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

export function steadyEvents(ctx: UsageContext, r: SteadyResource, dayIndex: number, weekend: boolean, p: Period, m: BillingMonth, out: UsageEvent[]): void {
  const { seed, anomalies } = ctx;
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
