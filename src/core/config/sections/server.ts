/**
 * `server:` section of costwise.yaml — costwise serve: listen address, auth (issue 8).
 * Placeholder until that feature defines its schema: accepts any mapping.
 */
import { z } from "zod";

export const serverSection = z.looseObject({});
export type ServerConfig = z.infer<typeof serverSection>;
