import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DIMENSION_COLUMNS,
  FOCUS_DIMENSIONS,
  parseCostQuery,
  parseFilterExpression,
  parseIsoTime,
  parseQueryArgs,
  resolveDimension,
  splitList,
  suggestNames,
  toQueryInput,
  type CostQuery,
  type QueryArgs,
} from "./cost-query.js";

function ok(args: QueryArgs): CostQuery {
  const r = parseQueryArgs(args);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.value;
}

function problems(args: QueryArgs): { code: string; message: string; path?: string }[] {
  const r = parseQueryArgs(args);
  if (r.ok) throw new Error(`expected problems, got ${JSON.stringify(r.value)}`);
  return r.problems;
}

describe("the dimension whitelist", () => {
  it("holds FOCUS dimensions (not metrics, not Tags) and x_ columns", () => {
    expect(FOCUS_DIMENSIONS).toContain("ServiceName");
    expect(FOCUS_DIMENSIONS).toContain("ChargePeriodStart");
    expect(FOCUS_DIMENSIONS).not.toContain("Tags");
    expect(FOCUS_DIMENSIONS).not.toContain("BilledCost");
    expect(DIMENSION_COLUMNS).toContain("x_ServiceCode");
    for (const c of DIMENSION_COLUMNS) expect(c).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
  });

  it("resolves tags with any key text after tag:", () => {
    expect(resolveDimension("tag:team")).toEqual({ ok: true, value: { kind: "tag", key: "team" } });
    expect(resolveDimension("tag:aws:createdBy")).toEqual({ ok: true, value: { kind: "tag", key: "aws:createdBy" } });
    expect(resolveDimension("tag:'); DROP TABLE x; --")).toEqual({ ok: true, value: { kind: "tag", key: "'); DROP TABLE x; --" } });
    expect(resolveDimension("tag:").ok).toBe(false);
  });

  it("suggests the nearest names", () => {
    expect(suggestNames("servicename", DIMENSION_COLUMNS)).toEqual(["ServiceName"]);
    expect(suggestNames("Servce", DIMENSION_COLUMNS)[0]).toBe("ServiceName");
    expect(suggestNames("region", DIMENSION_COLUMNS)).toEqual(expect.arrayContaining(["RegionId", "RegionName"]));
    expect(suggestNames("SubAcountId", DIMENSION_COLUMNS)[0]).toBe("SubAccountId");
    expect(suggestNames("zzzzzz", DIMENSION_COLUMNS)).toEqual([]);
  });
});

describe("parseQueryArgs", () => {
  it("defaults: BilledCost, no groups, all time, no buckets", () => {
    expect(ok({})).toEqual({
      metric: "BilledCost",
      groupBy: [],
      filters: [],
      window: {},
      granularity: "none",
      orderBy: [],
      limit: undefined,
    });
  });

  it("parses a full query", () => {
    const q = ok({
      metric: "EffectiveCost",
      groupBy: ["ServiceName,tag:team", "x_Source"],
      filter: ["ProviderName=AWS", "tag:env in prod,staging", "tag:team!="],
      start: "2024-09-01",
      end: "2024-10-01T00:00:00Z",
      granularity: "day",
      order: ["period:asc,metric"],
      limit: "20",
    });
    expect(q).toEqual({
      metric: "EffectiveCost",
      groupBy: [
        { kind: "column", column: "ServiceName" },
        { kind: "tag", key: "team" },
        { kind: "column", column: "x_Source" },
      ],
      filters: [
        { on: { kind: "column", column: "ProviderName" }, op: "eq", value: "AWS" },
        { on: { kind: "tag", key: "env" }, op: "in", values: ["prod", "staging"] },
        { on: { kind: "tag", key: "team" }, op: "is_not_null" },
      ],
      window: { start: "2024-09-01T00:00:00Z", end: "2024-10-01T00:00:00Z" },
      granularity: "day",
      orderBy: [
        { key: { kind: "period" }, direction: "asc" },
        { key: { kind: "metric" }, direction: "desc" },
      ],
      limit: 20,
    });
  });

  it("names the option and suggests a fix for unknown names", () => {
    const p = problems({ groupBy: ["ServiceName,servicename"], metric: "BilledCosts" });
    expect(p).toEqual([
      { code: "BAD_METRIC", path: "--metric", message: expect.stringMatching(/did you mean BilledCost/) },
      { code: "UNKNOWN_DIMENSION", path: "--group-by", message: expect.stringMatching(/case-sensitive: ServiceName/) },
    ]);
    expect(problems({ groupBy: ["team"] })[0]!.message).toMatch(/for a tag, write tag:team/);
    expect(problems({ groupBy: ["Tags"] })[0]!.message).toMatch(/tag:<key>/);
    expect(problems({ groupBy: ["BilledCost"] })[0]!.message).toMatch(/is a metric/);
    expect(problems({ metric: "ListUnitPrice" })[0]!.message).toMatch(/unit prices cannot be summed/);
  });

  it("reports every problem at once, filters by their own text", () => {
    const p = problems({
      filter: ["Regoin=us-east-1", "tag:team"],
      start: "2024-02-30",
      granularity: "week",
      limit: "ten",
    });
    expect(p.map((x) => [x.code, x.path])).toEqual([
      ["BAD_FILTER", '--filter "tag:team"'],
      ["UNKNOWN_DIMENSION", '--filter "Regoin=us-east-1"'],
      ["BAD_TIME", "--start"],
      ["BAD_GRANULARITY", "--granularity"],
      ["BAD_LIMIT", "--limit"],
    ]);
    expect(p[1]!.message).toMatch(/did you mean RegionId/);
    expect(p[3]!.message).toMatch(/none, hour, day, month/);
  });

  it("rejects an empty or inverted window, duplicates, bad orders and limits", () => {
    expect(problems({ start: "2024-10-01", end: "2024-10-01" })[0]!.code).toBe("EMPTY_WINDOW");
    expect(problems({ groupBy: ["ServiceName,tag:a", "ServiceName"] })[0]!.code).toBe("DUPLICATE_DIMENSION");
    expect(problems({ order: ["RegionId"] })[0]!.message).toMatch(/not grouped by/);
    expect(problems({ order: ["period"] })[0]!.message).toMatch(/without a granularity/);
    expect(problems({ limit: "0" })[0]!.code).toBe("BAD_LIMIT");
    expect(problems({ limit: "-1" })[0]!.code).toBe("BAD_LIMIT");
    expect(problems({ limit: "1.5" })[0]!.code).toBe("BAD_LIMIT");
    expect(problems({ filter: ["ResourceId~abc\\"] })[0]!.message).toMatch(/cannot end with a lone/);
    expect(ok({ filter: ["ResourceId~abc\\\\"] }).filters[0]).toMatchObject({ op: "like", value: "abc\\\\" });
  });

  it("orders by group-by dimensions, tags included", () => {
    const q = ok({ groupBy: ['tag:"a:desc"'], order: ['tag:"a:desc":asc'] });
    expect(q.orderBy).toEqual([{ key: { kind: "dimension", dimension: { kind: "tag", key: "a:desc" } }, direction: "asc" }]);
  });

  it("normalizes date-time filter values and rejects bad ones", () => {
    expect(ok({ filter: ["BillingPeriodStart=2024-09-01"] }).filters[0]).toEqual({
      on: { kind: "column", column: "BillingPeriodStart" },
      op: "eq",
      value: "2024-09-01T00:00:00Z",
    });
    expect(problems({ filter: ["ChargePeriodStart in 2024-09-01,later"] })[0]!.message).toMatch(/"later" is not a date/);
  });
});

describe("the filter grammar", () => {
  const f = (s: string): unknown => {
    const r = parseFilterExpression(s);
    return r.ok ? r.value : { error: r.message };
  };

  it("parses every operator", () => {
    expect(f("ProviderName=AWS")).toEqual({ on: "ProviderName", op: "eq", value: "AWS" });
    expect(f("ServiceName != Amazon EC2 ")).toEqual({ on: "ServiceName", op: "neq", value: "Amazon EC2" });
    expect(f("tag:env in prod, staging")).toEqual({ on: "tag:env", op: "in", values: ["prod", "staging"] });
    expect(f("RegionId NOT IN us-east-1,us-west-2")).toEqual({ on: "RegionId", op: "not_in", values: ["us-east-1", "us-west-2"] });
    expect(f("ResourceId~%i-0abc%")).toEqual({ on: "ResourceId", op: "like", value: "%i-0abc%" });
    expect(f("ResourceId like i-%")).toEqual({ on: "ResourceId", op: "like", value: "i-%" });
    expect(f("ResourceName contains web")).toEqual({ on: "ResourceName", op: "contains", value: "web" });
    expect(f("tag:team is null")).toEqual({ on: "tag:team", op: "is_null" });
    expect(f("tag:team is not null")).toEqual({ on: "tag:team", op: "is_not_null" });
  });

  it("reads an empty value as missing, a quoted empty value as empty", () => {
    expect(f("tag:team=")).toEqual({ on: "tag:team", op: "is_null" });
    expect(f("tag:team!=")).toEqual({ on: "tag:team", op: "is_not_null" });
    expect(f('tag:team=""')).toEqual({ on: "tag:team", op: "eq", value: "" });
    expect(f('ServiceName=" padded "')).toEqual({ on: "ServiceName", op: "eq", value: " padded " });
    expect(f('ServiceName=say "hi"')).toEqual({ on: "ServiceName", op: "eq", value: 'say "hi"' });
  });

  it("takes quoted tag keys holding operators, commas and spaces", () => {
    expect(f('tag:"cost center"=R&D')).toEqual({ on: "tag:cost center", op: "eq", value: "R&D" });
    expect(f('tag:"a=b!c~d"!=x')).toEqual({ on: "tag:a=b!c~d", op: "neq", value: "x" });
    expect(f('tag:"say ""hi""" in "a,b",c')).toEqual({ on: 'tag:say "hi"', op: "in", values: ["a,b", "c"] });
    expect(f("tag:aws:createdBy contains IAMUser")).toEqual({ on: "tag:aws:createdBy", op: "contains", value: "IAMUser" });
    expect(f('tag:"k" is null')).toEqual({ on: "tag:k", op: "is_null" });
  });

  it("keeps everything after the operator as the value, operators included", () => {
    expect(f("ServiceName=a=b")).toEqual({ on: "ServiceName", op: "eq", value: "a=b" });
    expect(f("tag:x=') OR 1=1 --")).toEqual({ on: "tag:x", op: "eq", value: "') OR 1=1 --" });
  });

  it("explains what is wrong", () => {
    expect(f("ProviderName")).toEqual({ error: expect.stringMatching(/no operator/) });
    expect(f("=AWS")).toEqual({ error: expect.stringMatching(/no dimension/) });
    expect(f("tag:env in")).toEqual({ error: expect.stringMatching(/needs a comma-separated list/) });
    expect(f("tag:env in a,,b")).toEqual({ error: expect.stringMatching(/empty item/) });
    expect(f('tag:"unterminated=x')).toEqual({ error: expect.stringMatching(/unterminated quote/) });
    expect(f("tag:team is null please")).toEqual({ error: expect.stringMatching(/takes no value/) });
    expect(f("ResourceId~")).toEqual({ error: expect.stringMatching(/needs a LIKE pattern/) });
    expect(f('ServiceName="a"b')).toEqual({ error: expect.stringMatching(/wholly in double quotes/) });
  });

  it("splits lists with quotes", () => {
    expect(splitList('a, "b,c" ,"",d""e')).toEqual({ ok: true, value: ["a", "b,c", "", 'd""e'] });
    expect(splitList('tag:"x,y",ServiceName')).toEqual({ ok: true, value: ["tag:x,y", "ServiceName"] });
    expect(splitList("a,").ok).toBe(false);
    expect(splitList("").ok).toBe(false);
  });
});

describe("parseCostQuery (the JSON form)", () => {
  it("validates shapes with fixable messages", () => {
    const r = parseCostQuery({ metric: 5, groupby: ["ServiceName"], filters: [{ on: "tag:a", op: "equals", value: "x" }], limit: 10.5 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: "BAD_METRIC", path: "metric" }),
        expect.objectContaining({ code: "UNKNOWN_FIELD", message: expect.stringMatching(/"groupby"; did you mean groupBy/) }),
        expect.objectContaining({ code: "BAD_FILTER", path: "filters[0].op", message: expect.stringMatching(/eq, neq, in/) }),
        expect.objectContaining({ code: "BAD_LIMIT", path: "limit" }),
      ]),
    );
  });

  it("checks operator arity", () => {
    const r = parseCostQuery({
      filters: [
        { on: "ServiceName", op: "in", value: "x" },
        { on: "ServiceName", op: "eq" },
        { on: "ServiceName", op: "is_null", value: "x" },
        { on: "ServiceName", op: "in", values: [] },
      ],
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path)).toEqual(["filters[0].value", "filters[0].values", "filters[1].value", "filters[2].value", "filters[3].values"]);
  });

  it("rejects text that is not valid Unicode and over-long keys", () => {
    expect(parseCostQuery({ groupBy: ["tag:\ud800"] }).ok).toBe(false);
    expect(parseCostQuery({ filters: [{ on: "ServiceName", op: "eq", value: "a\udc00" }] }).ok).toBe(false);
    expect(parseCostQuery({ groupBy: [`tag:${"k".repeat(513)}`] }).ok).toBe(false);
  });

  it("round-trips through toQueryInput", () => {
    const q = ok({
      groupBy: ['ServiceName,tag:"a,b"'],
      filter: ["tag:env not in a,b", "ResourceId~i-%", "tag:x is null", "ChargePeriodEnd!=2024-09-01"],
      start: "2024-09-01T02:00:00+02:00",
      granularity: "hour",
      order: ["ServiceName:desc"],
      limit: "3",
    });
    expect(q.window.start).toBe("2024-09-01T00:00:00Z");
    const again = parseCostQuery(JSON.parse(JSON.stringify(toQueryInput(q))));
    expect(again).toEqual({ ok: true, value: q });
  });

  it("round-trips arbitrary tag keys and values (property)", () => {
    const text = fc.string({ unit: "binary", minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(text, fc.array(fc.string({ unit: "binary", maxLength: 20 }), { minLength: 1, maxLength: 4 }), (key, values) => {
        const input = { groupBy: [`tag:${key}`], filters: [{ on: `tag:${key}`, op: "in", values }] };
        const r = parseCostQuery(input);
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(r.value.groupBy).toEqual([{ kind: "tag", key }]);
        expect(parseCostQuery(toQueryInput(r.value))).toEqual(r);
      }),
    );
  });
});

describe("parseIsoTime", () => {
  it("normalizes to UTC", () => {
    expect(parseIsoTime("2024-09-01")).toEqual({ ok: true, value: "2024-09-01T00:00:00Z" });
    expect(parseIsoTime("2024-09-01T13:05")).toEqual({ ok: true, value: "2024-09-01T13:05:00Z" });
    expect(parseIsoTime("2024-09-01 13:05:07.123Z")).toEqual({ ok: true, value: "2024-09-01T13:05:07Z" });
    expect(parseIsoTime("2024-09-01T01:00:00-05:30")).toEqual({ ok: true, value: "2024-09-01T06:30:00Z" });
    expect(parseIsoTime("2024-02-29").ok).toBe(true);
    expect(parseIsoTime("2023-02-29").ok).toBe(false);
    expect(parseIsoTime("2024-09-01T24:00").ok).toBe(false);
    expect(parseIsoTime("09/01/2024").ok).toBe(false);
    expect(parseIsoTime("now").ok).toBe(false);
  });
});
