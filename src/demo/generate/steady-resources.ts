/**
 * The demo organisation's long-lived ("steady") resources: buckets, databases, functions, tables, distributions and
 * per-account plumbing, each with its tags, its meters (usage type, unit, exact rate) and its place in time. The
 * resources themselves are listed in steady-catalog.ts; `buildSteady` scales and places them:
 *
 *  1. scale >= 1 replicates the whole list (round(scale) copies, named "-2", "-3", ...; amounts spread over them),
 *     scale < 1 keeps about that share of it (always keeping what the Reserved Instance and the anomalies rely on);
 *  2. each kept resource gets its owner (the listed team, else a team drawn from the seed), its account and region,
 *     and, when it may churn, a creation or deletion day inside the window;
 *  3. its tags are drawn from its team's tagging policy.
 */

import { ACCOUNTS, REGIONS, TEAMS, type AccountKey, type DemoAccount, type Env, type Region, type RegionCode, type ServiceInfo, type Team } from "./catalog.js";
import { intBetween, pick, strHash, unit } from "./prng.js";
import { steadyInputs } from "./steady-catalog.js";
import type { OrgWindow, SteadyMeter } from "./steady-model.js";
export type { MeterKind, OrgWindow, SteadyInput, SteadyMeter } from "./steady-model.js";
import { drawTags, type ResourceTags, type TagPolicy } from "./tags.js";



export interface SteadyResource {
  readonly idx: number;
  readonly name: string;
  readonly service: ServiceInfo;
  readonly account: DemoAccount;
  readonly region: Region | null;
  readonly availabilityZone: string;
  readonly resourceId: string;
  readonly instanceType: string;
  readonly tags: ResourceTags;
  /** First and last+1 window day on which the resource exists. */
  readonly fromDay: number;
  readonly toDay: number;
  readonly growth: number;
  readonly meters: readonly SteadyMeter[];
  /** Matches the demo's RDS Reserved Instance (same type, region and account). */
  readonly riMatch: boolean;
  levelShift?: { fromDay: number; factor: number; anomaly: number };
}

/** Steady resources the demo's anomalies are injected into. */
export const PINNED_RESOURCES: ReadonlySet<string> = new Set(["acme-data-lake-raw"]);



/** The steady resources for a seed, a size factor and a window (see the steps above). */
export function buildSteady(seed: number, scale: number, window: OrgWindow): SteadyResource[] {
  const inputs = steadyInputs(seed, window);
  const replicas = Math.max(1, Math.round(scale));
  const amountFactor = scale >= 1 ? scale / replicas : 1;
  const steady: SteadyResource[] = [];
  for (let r = 0; r < replicas; r++) {
    for (const input of inputs) {
      const name = r === 0 ? input.name : `${input.name}-${r + 1}`;
      const key = strHash(name);
      const pinned = input.riMatch === true || PINNED_RESOURCES.has(input.name);
      if (scale < 1 && !pinned && unit(seed, key, 0x5ca1e) >= scale) continue;
      const account = ACCOUNTS[input.account];
      const region = input.region ? REGIONS[input.region] : null;
      const team = input.team ?? pick(TEAMS, seed, key, 0x7ea);
      let fromDay = input.fromDay ?? 0;
      let toDay = input.toDay ?? window.totalDays;
      if (input.churn && window.totalDays > 60) {
        if (unit(seed, key, 0xc1) < 0.25) fromDay = intBetween(1, window.totalDays - 30, seed, key, 0xc2);
        if (unit(seed, key, 0xc3) < 0.12) toDay = Math.max(fromDay + 20, intBetween(30, window.totalDays, seed, key, 0xc4));
      }
      steady.push({
        idx: steady.length,
        name,
        service: input.service,
        account,
        region,
        availabilityZone: "",
        resourceId: input.resourceId(account, region).replace("{name}", name),
        instanceType: input.instanceType ?? "",
        tags: drawTags(seed, input.tags, team, input.env, [key]),
        fromDay,
        toDay: Math.min(toDay, window.totalDays),
        growth: input.growth,
        meters: input.meters.map((m) => ({ ...m, amount: m.kind === "hours" ? m.amount : m.amount * amountFactor })),
        riMatch: input.riMatch ?? false,
      });
    }
  }
  return steady;
}
