/**
 * `detection:` section of costwise.yaml — anomaly monitors, forecasts and budgets (issue 7).
 * Placeholder until that feature defines its schema: accepts any mapping.
 */
import { z } from "zod";

export const detectionSection = z.looseObject({});
export type DetectionConfig = z.infer<typeof detectionSection>;
