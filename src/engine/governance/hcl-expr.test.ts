/** The static HCL evaluator resolves literals, locals, merge/tomap/map and says exactly what it cannot resolve. */
import { describe, expect, test } from "vitest";
import { evalTemplate, fromHclJson, type Scope } from "./hcl-expr.js";

const scope: Scope = {
  local: (n) => ({ common: { team: "a" }, name: "svc", loop: "${local.loop}" } as Record<string, unknown>)[n],
  variableDefault: (n) => (n === "env" ? "dev" : undefined),
};

describe("hcl-expr", () => {
  test("resolvable forms", () => {
    expect(evalTemplate('${merge(local.common, { Name = "${local.name}-1", "x" = "y" }, tomap({ z = 1 }))}', scope)).toEqual({
      t: "obj",
      entries: new Map<string, unknown>([["team", { t: "str", v: "a" }], ["Name", { t: "str", v: "svc-1" }], ["x", { t: "str", v: "y" }], ["z", { t: "num", v: 1 }]]),
      unknownParts: [],
    });
    expect(evalTemplate("pre-${local.name}-post", scope)).toEqual({ t: "str", v: "pre-svc-post" });
    expect(evalTemplate("$${literal}", scope)).toEqual({ t: "str", v: "${literal}" });
  });

  test("what is not resolved, and why", () => {
    const u = (s: string) => {
      const v = evalTemplate(s, scope);
      return v.t === "unknown" ? `${v.expr} | ${v.reason}` : v.t === "obj" ? v.unknownParts.map((p) => `${p.expr} | ${p.reason}`).join("; ") : JSON.stringify(v);
    };
    expect(u("${var.env}")).toBe('var.env | variable var.env is set at plan time (its default "dev" may be overridden)');
    expect(u('${var.env == "prod" ? "a" : "b"}')).toBe('var.env == "prod" ? "a" : "b" | expression is not evaluated statically (operators and conditionals)');
    expect(u("${module.tags.common}")).toBe("module.tags.common | module outputs are known only at plan time");
    expect(u("${data.aws_caller_identity.me.account_id}")).toBe("data.aws_caller_identity.me.account_id | data sources are known only at plan time");
    expect(u('${lookup(local.common, "team")}')).toBe('lookup(local.common, "team") | function lookup() is not evaluated statically');
    expect(u("${merge(var.tags, { a = \"b\" })}")).toBe("var.tags | variable var.tags is set at plan time");
    expect(u("${{ for k, v in var.m : k => v }}")).toContain("for expressions");
    expect(u("${local.missing}")).toBe("local.missing | local.missing is not declared in these files");
    expect(u("${local.loop}")).toContain("nested too deeply");
  });

  test("object keys from expressions", () => {
    const v = fromHclJson({ "${local.name}": "x", "${upper(\"k\")}": "y" }, scope);
    expect(v.t).toBe("obj");
    if (v.t !== "obj") return;
    expect([...v.entries.keys()]).toEqual(["svc"]);
    expect(v.unknownParts.map((p) => p.reason)).toEqual(["tag key function upper() is not evaluated statically"]);
  });
});
