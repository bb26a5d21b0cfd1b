/**
 * `governance:` section of costwise.yaml — tag policies (files) and runtime scan settings (issue 5).
 * Placeholder until that feature defines its schema: accepts any mapping.
 */
import { z } from "zod";

export const governanceSection = z.looseObject({});
export type GovernanceConfig = z.infer<typeof governanceSection>;
