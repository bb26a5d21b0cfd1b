/**
 * `notify:` section of costwise.yaml — jobs, schedules, channels and routing (issue 9).
 * Placeholder until that feature defines its schema: accepts any mapping.
 */
import { z } from "zod";

export const notifySection = z.looseObject({});
export type NotifyConfig = z.infer<typeof notifySection>;
