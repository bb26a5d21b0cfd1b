import { describe, expect, it } from "vitest";
import { planAction, planToPlanned, tagsOf } from "./plan.js";

describe("planAction", () => {
  it.each([
    [["create"], "create"],
    [["delete"], "delete"],
    [["update"], "update"],
    [["delete", "create"], "replace"],
    [["create", "delete"], "replace"],
    [["no-op"], null],
    [["read"], null],
  ] as const)("%j → %s", (actions, expected) => {
    expect(planAction(actions)).toBe(expected);
  });
});

describe("planToPlanned", () => {
  const doc = {
    format_version: "1.2",
    configuration: {
      provider_config: {
        aws: { name: "aws", expressions: { region: { constant_value: "eu-west-1" } } },
        "aws.west": { name: "aws", alias: "west", expressions: { region: { constant_value: "us-west-2" } } },
      },
      root_module: { resources: [{ address: "aws_eip.w", type: "aws_eip", name: "w", provider_config_key: "aws.west" }], module_calls: {} },
    },
    resource_changes: [
      { address: "aws_eip.w", mode: "managed", type: "aws_eip", name: "w", change: { actions: ["create"], before: null, after: {} } },
      { address: "module.a.aws_eip.m", module_address: "module.a", mode: "managed", type: "aws_eip", name: "m", change: { actions: ["create"], before: null, after: {} } },
      { address: "aws_eip.own", mode: "managed", type: "aws_eip", name: "own", change: { actions: ["create"], before: null, after: { region: "ap-south-1" } } },
      { address: "aws_eip.gone", mode: "managed", type: "aws_eip", name: "gone", change: { actions: ["delete"], before: { id: "eipalloc-1", tags: { team: "web" } }, after: null } },
      { address: "aws_eip.same", mode: "managed", type: "aws_eip", name: "same", change: { actions: ["no-op"], before: {}, after: {} } },
      { address: "data.aws_ami.x", mode: "data", type: "aws_ami", name: "x", change: { actions: ["read"], before: null, after: {} } },
    ],
  };

  it("region: the resource's own, else its provider configuration (alias, module up to the root), else --region", () => {
    const { resources, problems } = planToPlanned(doc, "p.json", "sa-east-1");
    expect(problems).toEqual([]);
    expect(resources.map((r) => [r.address, r.action, r.region, r.cloudId])).toEqual([
      ["aws_eip.w", "create", "us-west-2", null],
      ["module.a.aws_eip.m", "create", "eu-west-1", null],
      ["aws_eip.own", "create", "ap-south-1", null],
      ["aws_eip.gone", "delete", "eu-west-1", "eipalloc-1"],
    ]);
    expect(resources[3]!.tags).toEqual({ team: "web" });
  });

  it("without a provider region, --region; without either, null", () => {
    const bare = { format_version: "1.2", resource_changes: [doc.resource_changes[0]] };
    expect(planToPlanned(bare, "p.json", "sa-east-1").resources[0]!.region).toBe("sa-east-1");
    expect(planToPlanned(bare, "p.json", null).resources[0]!.region).toBeNull();
  });

  it("is not a plan: says what was expected", () => {
    expect(planToPlanned({ resource_changes: [] }, "p.json", null).problems[0]!.message).toMatch(/terraform show -json/);
    expect(planToPlanned({ format_version: "1.2", resource_changes: {} }, "p.json", null).problems).toEqual([{ path: "resource_changes", message: "expected an array" }]);
  });
});

describe("tagsOf", () => {
  it.each([
    [{ tags: { a: "1" }, tags_all: { a: "1", b: "2" } }, { a: "1", b: "2" }],
    [{ tags: { a: "1" } }, { a: "1" }],
    [{ tags: [{ key: "Name", value: "web", propagate_at_launch: true }] }, { Name: "web" }],
    [{ tag: [{ key: "team", value: "x" }] }, { team: "x" }],
    [JSON.parse('{"tags": {"__proto__": "p", "n": 1}}'), JSON.parse('{"__proto__": "p", "n": "1"}')],
    [{}, {}],
  ])("%j → %j", (side, expected) => {
    expect(tagsOf(side as Record<string, unknown>)).toEqual(expected);
  });
});
