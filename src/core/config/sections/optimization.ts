/**
 * `optimization:` section of costwise.yaml — rightsizing profiles, idle thresholds, commitment planning (issue 6).
 * Placeholder until that feature defines its schema: accepts any mapping.
 */
import { z } from "zod";

export const optimizationSection = z.looseObject({});
export type OptimizationConfig = z.infer<typeof optimizationSection>;
