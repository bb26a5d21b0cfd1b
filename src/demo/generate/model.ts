/**
 * The demo organisation as concrete resources: EC2 fleets whose instances come and go (fleets.ts), and long-lived
 * ("steady") resources such as buckets, databases, functions and tables (steady-resources.ts, listed in
 * steady-catalog.ts), each with its tags (tags.ts), its meters (usage type, unit, exact rate; pricing.ts) and its
 * place in time. Built once from the seed and scale.
 */

import { buildFleets, type Ec2Fleet } from "./fleets.js";
import { buildSteady, type OrgWindow, type SteadyResource } from "./steady-resources.js";

export interface DemoOrg {
  readonly fleets: Ec2Fleet[];
  readonly steady: SteadyResource[];
}

export function buildOrg(seed: number, scale: number, window: OrgWindow): DemoOrg {
  return { fleets: buildFleets(scale), steady: buildSteady(seed, scale, window) };
}
