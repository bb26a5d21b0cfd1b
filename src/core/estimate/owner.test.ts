import { describe, expect, it } from "vitest";
import { allocationSection } from "../config/sections/allocation.js";
import { UNALLOCATED, compileAllocation } from "../allocation/model.js";
import type { PlannedResource } from "./model.js";
import { ownerClassifier } from "./owner.js";

const model = compileAllocation(
  allocationSection.parse({
    tags: { aliases: { team: ["Team", "owner_team"] }, values: { team: { map: { pay: "payments" } } } },
    rules: [
      { id: "shared-net", match: { ResourceType: ["aws_nat_gateway"] }, shared: { method: "even", receivers: ["payments", "web"] } },
      { id: "eu-data", match: { RegionId: { glob: "eu-*" }, "tag:env": "data" }, set: { team: "data" } },
      { id: "by-team", match: { "tag:team": { present: true } }, set: { team: "${tag:team}" } },
      { id: "legacy", match: { ResourceId: { regex: "^legacy-" } }, set: { team: "platform" } },
    ],
  }),
  ["ResourceType", "RegionId", "ResourceId", "ProviderName"],
).model!;

const r = (type: string, tags: Record<string, string>, region = "us-east-1", cloudId: string | null = null): PlannedResource => ({ file: "p.json", address: `${type}.x`, type, provider: "aws", action: "create", before: null, after: {}, region, tags, cloudId });

describe("ownerClassifier: the allocation rules on one virtual line item", () => {
  const owner = ownerClassifier(model);
  it.each([
    ["a shared rule claims it first", r("aws_nat_gateway", { team: "web" }), "shared:shared-net"],
    ["glob on the region and a tag", r("aws_instance", { env: "DATA", team: "web" }, "eu-west-1"), "data"],
    ["same tags outside eu: the team tag", r("aws_instance", { env: "data", team: "web" }), "web"],
    ["alias key, value mapped", r("aws_instance", { owner_team: " Pay " }), "payments"],
    ["an empty tag is absent", r("aws_instance", { team: "  " }), UNALLOCATED],
    ["regex on the cloud id", r("aws_instance", {}, "us-east-1", "legacy-7"), "platform"],
    ["no rule", r("aws_instance", {}), UNALLOCATED],
  ])("%s", (_what, resource, expected) => {
    expect(owner(resource)).toBe(expected);
  });
  it("without allocation rules everything is unallocated", () => {
    expect(ownerClassifier(null)(r("aws_instance", { team: "web" }))).toBe(UNALLOCATED);
  });
});
