/**
 * `sources:` section of costwise.yaml — data sources costwise sync fetches and ingests (issue 3).
 * Placeholder until that feature defines its schema: accepts any mapping.
 */
import { z } from "zod";

export const sourcesSection = z.looseObject({});
export type SourcesConfig = z.infer<typeof sourcesSection>;
