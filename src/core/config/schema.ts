/**
 * costwise.yaml: one file for a workspace's configuration. Each top-level section is owned by the feature
 * that reads it (./sections/<name>.ts); unknown top-level keys are errors, so a typo never passes silently.
 */
import { z } from "zod";
import { allocationSection } from "./sections/allocation.js";
import { detectionSection } from "./sections/detection.js";
import { fxSection } from "./sections/fx.js";
import { governanceSection } from "./sections/governance.js";
import { kpisSection } from "./sections/kpis.js";
import { notifySection } from "./sections/notify.js";
import { optimizationSection } from "./sections/optimization.js";
import { serverSection } from "./sections/server.js";
import { sourcesSection } from "./sections/sources.js";
import { storeSection } from "./sections/store.js";
import { reviewSection } from "./sections/review.js";
import { ticketsSection } from "./sections/tickets.js";

export const CONFIG_FILE_NAME = "costwise.yaml";

export const configSchema = z.strictObject({
  /** Config format version; only 1 exists. */
  version: z.literal(1).default(1),
  store: storeSection.optional(),
  sources: sourcesSection.optional(),
  allocation: allocationSection.optional(),
  governance: governanceSection.optional(),
  optimization: optimizationSection.optional(),
  detection: detectionSection.optional(),
  server: serverSection.optional(),
  notify: notifySection.optional(),
  kpis: kpisSection.optional(),
  fx: fxSection.optional(),
  tickets: ticketsSection.optional(),
  review: reviewSection.optional(),
});

export type CostwiseConfig = z.infer<typeof configSchema>;

/** The configuration used when no costwise.yaml exists: every section at its defaults. */
export function defaultConfig(): CostwiseConfig {
  return configSchema.parse({});
}
