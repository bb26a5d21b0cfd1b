/**
 * `allocation:` section of costwise.yaml — tag normalization, allocation rules, shared costs, unit costs (issue 4).
 * Placeholder until that feature defines its schema: accepts any mapping.
 */
import { z } from "zod";

export const allocationSection = z.looseObject({});
export type AllocationConfig = z.infer<typeof allocationSection>;
