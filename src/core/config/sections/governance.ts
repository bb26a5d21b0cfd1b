/**
 * `governance:` section of costwise.yaml — tag policies and the runtime compliance scan (issue 5).
 *
 *   governance:
 *     policy: policies/tags.yaml        # default policy file for `costwise policy ...` (relative to this file)
 *     teamTag: team                     # tag that names the owning team (open violations by team)
 *     scan:
 *       regions: [us-east-1, eu-west-1] # regions `costwise policy scan` visits (default: the AWS default region)
 *       endpoint: http://127.0.0.1:5000 # optional endpoint override (VPC endpoint, emulator)
 *       profile: finops-readonly        # optional named AWS profile
 */
import { z } from "zod";

const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "expected an AWS region such as us-east-1");

export const governanceSection = z.strictObject({
  policy: z.string().min(1).optional(),
  teamTag: z.string().min(1).default("team"),
  scan: z
    .strictObject({
      regions: z.array(region).min(1).optional(),
      endpoint: z.url().optional(),
      profile: z.string().min(1).optional(),
    })
    .optional(),
});
export type GovernanceConfig = z.infer<typeof governanceSection>;
