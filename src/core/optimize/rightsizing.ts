/**
 * Rightsizing: from one instance's utilization summary, a profile and the catalogue, a concrete target type
 * with its monthly saving, the figures behind it and the risks (pure).
 *
 * Profiles (configurable in `optimization.rightsizing.profiles`, see config/sections/optimization.ts):
 * - compute-optimizer: no trigger; sized for p99.5 of the hourly CPU (and memory) maxima over 14 days plus
 *   20% headroom, like AWS Compute Optimizer's default.
 * - average-threshold: a candidate only when the 14-day average CPU is strictly below 15% (the classic rule);
 *   sized for the observed maximum plus 20% headroom, so a bursty peak is never cut off.
 * Both: fewer than `minHours` hours of CPU data means no recommendation ("insufficient data").
 */
import type { RightsizingProfileConfig } from "../config/sections/optimization.js";
import { formatMoney, parseMoney, subMoney } from "../money.js";
import { chooseTarget, isBurstable, type InstanceType } from "./instance-catalog.js";
import { mulDiv } from "./money-math.js";
import type { MetricSummary } from "./stats.js";

export const CONFIDENCES = ["high", "medium", "low"] as const;
export type Confidence = (typeof CONFIDENCES)[number];

export interface RightsizingInput {
  resourceId: string;
  instanceType: string;
  cpu: MetricSummary;
  /** null when the CloudWatch agent publishes no memory for the instance. */
  memory: MetricSummary | null;
  /** What the store billed for the instance over `billedHours` hours (null when not in the store). */
  billedCost: string | null;
  billedHours: number;
}

export type RightsizingOutcome =
  | { kind: "recommend"; target: string; tier: string; monthlySaving: string; savingBasis: "billed" | "list-price"; confidence: Confidence; reason: string; risks: string[]; figures: Record<string, unknown> }
  | { kind: "insufficient-data"; reason: string }
  | { kind: "not-triggered"; reason: string }
  | { kind: "no-cheaper-fit"; reason: string }
  | { kind: "unknown-type"; reason: string };

const round1 = (n: number): string => (Math.round(n * 10) / 10).toFixed(1);

export function evaluateRightsizing(
  input: RightsizingInput,
  profile: RightsizingProfileConfig,
  profileName: string,
  catalog: ReadonlyMap<string, InstanceType>,
  hoursPerMonth: number,
): RightsizingOutcome {
  const { cpu } = input;
  if (cpu.hours < profile.minHours || cpu.avg === null || cpu.peak === null) {
    return { kind: "insufficient-data", reason: `insufficient data: ${cpu.hours} hours of CPU metrics, at least ${profile.minHours} needed` };
  }
  const current = catalog.get(input.instanceType);
  if (!current || current.hourlyPrice === null) {
    return { kind: "unknown-type", reason: `instance type ${input.instanceType} is not in the catalogue (or has no on-demand price)` };
  }
  if (profile.trigger === "average-cpu-below" && !(cpu.avg < profile.averageCpuBelowPct)) {
    return { kind: "not-triggered", reason: `average CPU ${round1(cpu.avg)}% is not below ${profile.averageCpuBelowPct}%` };
  }
  const cpuFactor = 1 + profile.cpuHeadroomPct / 100;
  const memFactor = 1 + profile.memoryHeadroomPct / 100;
  const needVcpu = current.vcpu * (cpu.peak / 100) * cpuFactor;
  const memKnown = input.memory !== null && input.memory.hours > 0 && input.memory.peak !== null;
  const needMem = memKnown ? current.memoryMiB * (input.memory!.peak! / 100) * memFactor : null;
  const choice = chooseTarget(current, { vcpu: needVcpu, memoryMiB: needMem, allowBurstable: profile.allowBurstableTargets }, catalog);
  const pLabel = profile.sizingPercentile >= 100 ? "max" : `p${profile.sizingPercentile}`;
  if (!choice) {
    return {
      kind: "no-cheaper-fit",
      reason: `no cheaper type fits ${pLabel} CPU ${round1(cpu.peak)}% of ${current.vcpu} vCPU + ${profile.cpuHeadroomPct}% headroom (${needVcpu.toFixed(2)} vCPU)`,
    };
  }
  const t = choice.target;
  const curPrice = current.hourlyPrice;
  const tgtPrice = t.hourlyPrice!;
  const listSaving = mulDiv(subMoney(curPrice, tgtPrice), BigInt(hoursPerMonth), 1n);
  let monthlySaving: string;
  let savingBasis: "billed" | "list-price";
  if (input.billedCost !== null && input.billedHours > 0 && parseMoney(input.billedCost) > 0n) {
    // the bill scaled to a month, times the share of the price the change removes
    const monthly = mulDiv(input.billedCost, BigInt(hoursPerMonth), BigInt(input.billedHours));
    const cur = parseMoney(curPrice);
    monthlySaving = mulDiv(monthly, cur - parseMoney(tgtPrice), cur);
    savingBasis = "billed";
  } else {
    monthlySaving = listSaving;
    savingBasis = "list-price";
  }
  const risks: string[] = [];
  let score = 0;
  if (!memKnown) {
    const less = t.memoryMiB < current.memoryMiB;
    risks.push(`memory unknown: no memory metrics (the CloudWatch agent publishes mem_used_percent)${less ? `; the target has less memory (${t.memoryMiB} MiB vs ${current.memoryMiB} MiB)` : ""}`);
    if (less) score++;
  }
  if (isBurstable(t)) {
    risks.push(`burstable target ${t.type}: sustained CPU above its baseline spends CPU credits (unlimited mode bills extra)`);
    score++;
  }
  if (isBurstable(current)) {
    risks.push(`current type ${current.type} is burstable: its CPU figures depend on credit balance`);
    score++;
  }
  if (cpu.hours < profile.lookbackDays * 24 * 0.5) {
    risks.push(`only ${cpu.hours} hours of metrics in a ${profile.lookbackDays}-day window`);
    score++;
  }
  if (choice.tier !== "same-family") risks.push(`target is in another family (${t.family}); check instance features (EBS, network, local storage)`);
  const confidence: Confidence = score === 0 ? "high" : score === 1 ? "medium" : "low";
  const memText = memKnown
    ? `${pLabel} memory ${round1(input.memory!.peak!)}% of ${current.memoryMiB} MiB + ${profile.memoryHeadroomPct}% headroom = ${Math.ceil(needMem!)} MiB needed`
    : "memory not measured";
  const reason =
    `${profileName}: avg CPU ${round1(cpu.avg)}%, ${pLabel} CPU ${round1(cpu.peak)}%, max ${round1(cpu.max ?? cpu.peak)}% over ${cpu.hours} h; ` +
    `needs ${needVcpu.toFixed(2)} vCPU (${pLabel} x ${current.vcpu} vCPU + ${profile.cpuHeadroomPct}% headroom), ${memText}; ` +
    `${current.type} (${current.vcpu} vCPU, ${current.memoryMiB} MiB, $${curPrice}/h) -> ${t.type} (${t.vcpu} vCPU, ${t.memoryMiB} MiB, $${tgtPrice}/h); ` +
    `saving ${formatMoney(parseMoney(monthlySaving), 2)}/month from ${savingBasis === "billed" ? "the billed cost" : "list prices x " + hoursPerMonth + " h"}`;
  return {
    kind: "recommend",
    target: t.type,
    tier: choice.tier,
    monthlySaving,
    savingBasis,
    confidence,
    reason,
    risks,
    figures: {
      profile: profileName,
      cpuAvg: cpu.avg,
      cpuPeak: cpu.peak,
      cpuMax: cpu.max,
      hours: cpu.hours,
      memoryPeak: memKnown ? input.memory!.peak : null,
      neededVcpu: needVcpu,
      neededMemoryMiB: needMem,
      currentType: current.type,
      currentHourlyPrice: curPrice,
      targetHourlyPrice: tgtPrice,
      listMonthlySaving: listSaving,
      billedCost: input.billedCost,
      billedHours: input.billedHours,
    },
  };
}
