/** The `sources:` section of costwise.yaml: valid shapes parse with defaults, mistakes point at the key and line. */
import { describe, expect, it } from "vitest";
import { CostwiseError } from "../../core/errors.js";
import { parseConfig } from "../config/load-config.js";

function problem(text: string): CostwiseError {
  try {
    parseConfig(text, "costwise.yaml");
  } catch (e) {
    if (e instanceof CostwiseError) return e;
    throw e;
  }
  throw new Error("expected a config error");
}

describe("sources: in costwise.yaml", () => {
  it("parses every source type, with defaults", () => {
    const c = parseConfig(
      [
        "sources:",
        "  - name: payer-cur",
        "    type: aws-cur-s3",
        "    bucket: acme-billing",
        "    report: hourly",
        "    endpoint: http://127.0.0.1:5000",
        "  - name: ce",
        "    type: aws-cost-explorer",
        "    groupBy: [SERVICE]",
        "    tagKeys: [team]",
        "  - name: org",
        "    type: aws-organizations",
        "  - name: azure",
        "    type: files",
        "    paths: [exports/azure]",
        "  - name: k8s",
        "    type: opencost",
        "    file: saved.json",
        "    cluster: prod",
        "  - name: units",
        "    type: metrics",
        "    file: m.csv",
      ].join("\n"),
    );
    const s = c.sources!;
    expect(s.map((x) => x.type)).toEqual(["aws-cur-s3", "aws-cost-explorer", "aws-organizations", "files", "opencost", "metrics"]);
    expect(s[0]).toMatchObject({ prefix: "", bucket: "acme-billing" });
    expect(s[1]).toMatchObject({ groupBy: ["SERVICE"], tagKeys: ["team"], lookbackDays: 35 });
    expect(s[4]).toMatchObject({ window: "7d" });
  });

  it("a duplicate name points at the second one's name key", () => {
    const e = problem("sources:\n  - name: a\n    type: aws-organizations\n  - name: a\n    type: files\n    paths: [x]\n");
    expect(e.code).toBe("BAD_CONFIG");
    expect(e.message).toContain('costwise.yaml:4:11 sources[1].name: duplicate source name "a" (also sources[0])');
    expect(e.location?.line).toBe(4);
  });

  it("an unknown key inside a source names it and its line", () => {
    const e = problem("sources:\n  - name: a\n    type: aws-cur-s3\n    bucket: my-bucket\n    reprt: r\n");
    expect(e.message).toMatch(/costwise\.yaml:5:\d+ sources\[0\]\.reprt: unknown key "reprt"/);
    expect(e.message).toMatch(/sources\[0\]\.report: /);
  });

  it("an unknown type lists the known ones", () => {
    const e = problem("sources:\n  - name: a\n    type: aws-cst-explorer\n");
    expect(e.message).toMatch(/costwise\.yaml:3:\d+ sources\[0\]\.type: .*aws-cost-explorer/);
  });

  it("Cost Explorer: a tag key and two dimensions is three groupings, refused at tagKeys", () => {
    const e = problem("sources:\n  - name: ce\n    type: aws-cost-explorer\n    tagKeys: [team]\n");
    expect(e.message).toMatch(/costwise\.yaml:4:\d+ sources\[0\]\.tagKeys: Cost Explorer groups by at most two keys/);
  });

  it("OpenCost needs exactly one of url and file; endpoints must be URLs", () => {
    expect(problem("sources:\n  - name: k\n    type: opencost\n    cluster: c\n").message).toContain("exactly one of url");
    expect(problem("sources:\n  - name: k\n    type: aws-organizations\n    endpoint: notaurl\n").message).toMatch(/sources\[0\]\.endpoint: .*http\(s\) URL/);
  });
});
