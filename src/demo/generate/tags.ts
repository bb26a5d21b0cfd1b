/**
 * Tags of the demo organisation's resources: per-team tagging habits (policies) and the deterministic draw of one
 * resource's tags from its policy. Some teams write the key `Team` instead of `team`, some values are capitalised,
 * and plenty of resources carry no owner at all: the mess allocation and governance have to clean up.
 */

import { COST_CENTERS, type Env, type Team } from "./catalog.js";
import { unit } from "./prng.js";

export interface TagPolicy {
  /** Probability that a resource carries a team tag at all. */
  readonly pTeam: number;
  /** Probability that the team tag uses the key "Team" rather than "team". */
  readonly pUpper: number;
  readonly pEnv: number;
  readonly pCostCenter: number;
}

/** Tag values per CUR column; "" = tag absent. */
export interface ResourceTags {
  readonly team: string;
  readonly teamUpper: string;
  readonly env: string;
  readonly costCenter: string;
}

export const NO_TAGS: ResourceTags = { team: "", teamUpper: "", env: "", costCenter: "" };

export const GOOD: TagPolicy = { pTeam: 0.97, pUpper: 0.02, pEnv: 0.95, pCostCenter: 0.85 };
export const FAIR: TagPolicy = { pTeam: 0.9, pUpper: 0.04, pEnv: 0.85, pCostCenter: 0.7 };
export const SLOPPY: TagPolicy = { pTeam: 0.55, pUpper: 0.05, pEnv: 0.6, pCostCenter: 0.35 };
/** The data team writes "Team" (capital T) on most of its resources. */
export const DATA_STYLE: TagPolicy = { pTeam: 0.95, pUpper: 0.85, pEnv: 0.9, pCostCenter: 0.8 };
export const ML_STYLE: TagPolicy = { pTeam: 0.88, pUpper: 0.4, pEnv: 0.7, pCostCenter: 0.5 };
/** Created by the platform team's infrastructure-as-code: always owned. */
export const IAC: TagPolicy = { pTeam: 1, pUpper: 0, pEnv: 1, pCostCenter: 0.6 };
export const RARE: TagPolicy = { pTeam: 0.15, pUpper: 0.1, pEnv: 0.2, pCostCenter: 0.1 };
export const NEVER: TagPolicy = { pTeam: 0, pUpper: 0, pEnv: 0, pCostCenter: 0 };

const SALT_TAG = 0x7a61;

/** Draw one resource's tags from a policy; the same key gives the same tags. */
export function drawTags(seed: number, policy: TagPolicy, team: Team, env: Env, key: readonly number[]): ResourceTags {
  const u = (salt: number): number => unit(seed, SALT_TAG, salt, ...key);
  if (u(1) >= policy.pTeam) {
    // Untagged for ownership; a stray env tag is still common.
    return { ...NO_TAGS, env: u(3) < policy.pEnv * 0.3 ? env : "" };
  }
  const upper = u(2) < policy.pUpper;
  // Resources tagged with "Team" are often also written with a capitalised value.
  const value = upper && u(5) < 0.3 ? team.charAt(0).toUpperCase() + team.slice(1) : team;
  return {
    team: upper ? "" : value,
    teamUpper: upper ? value : "",
    env: u(3) < policy.pEnv ? env : "",
    costCenter: u(4) < policy.pCostCenter ? COST_CENTERS[team] : "",
  };
}
