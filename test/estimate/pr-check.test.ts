/**
 * `costwise pr-check`: tag findings and the estimate in one Markdown comment (findings under their resource), SARIF
 * and JUnit from the policy check; exit 3 on a blocking finding, and exit 3 when the change takes an owner's
 * month-end forecast over a threshold of a budget marked gating (0 when the same budget is not gating).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { loadBill } from "../helpers/bill.js";
import { runCli } from "../helpers/cli.js";
import { FIXTURES, tempDir } from "../helpers/store.js";

const EXAMPLE = join(FIXTURES, "terraform/infracost/example_plan.json");
let work: { dir: string; cleanup: () => void };
let storePath: string;

beforeAll(async () => {
  work = tempDir("costwise-pr-check-");
  storePath = join(work.dir, "s.duckdb");
  const s = await DuckDbStore.open(storePath);
  try {
    // 50 days from 2026-09-01: the last billed day is 2026-10-20, 11 days of October left
    await loadBill(s, 50, false);
  } finally {
    await s.close();
  }
  writeFileSync(join(work.dir, "strict.yaml"), "blocking: [error]\nrules:\n  - id: team-tag\n    require: [team]\n");
  writeFileSync(join(work.dir, "lenient.yaml"), "blocking: []\nrules:\n  - id: team-tag\n    severity: warning\n    require: [team]\n");
  // a plan whose instance belongs to payments (tag team) through the allocation rules
  const withTags = (tags: Record<string, string>, file: string): void => {
    const plan = JSON.parse(readFileSync(EXAMPLE, "utf8")) as { resource_changes: { change: { after: Record<string, unknown>; after_unknown: Record<string, unknown> } }[] };
    for (const rc of plan.resource_changes) {
      rc.change.after["tags"] = tags;
      rc.change.after["tags_all"] = tags;
      delete rc.change.after_unknown["tags_all"];
    }
    writeFileSync(join(work.dir, file), JSON.stringify(plan));
  };
  withTags({ team: "payments" }, "payments-plan.json");
  withTags({ Name: "web" }, "untagged-plan.json");
}, 120_000);

afterAll(() => work?.cleanup());

function config(amount: string, gating: boolean): string {
  const file = join(work.dir, `costwise-${gating}.yaml`);
  writeFileSync(
    file,
    `allocation:\n  rules:\n    - id: by-team\n      match: { tag:team: { present: true } }\n      set: { team: "\${tag:team}" }\ndetection:\n  budgets:\n    - name: payments-monthly\n      scope: { owner: payments }\n      amount: "${amount}"\n      thresholds: [{ forecast: 100 }]\n${gating ? "      gating: true\n" : ""}`,
  );
  return file;
}

describe("costwise pr-check", () => {
  it("puts tag findings under their resource in one comment, writes SARIF and JUnit, exits 3 on a blocking finding", async () => {
    const md = join(work.dir, "comment.md");
    const sarif = join(work.dir, "out.sarif");
    const junit = join(work.dir, "out.xml");
    const r = await runCli("--store", join(work.dir, "none.duckdb"), "pr-check", join(work.dir, "untagged-plan.json"), "--policy", join(work.dir, "strict.yaml"), "--markdown", md, "--sarif", sarif, "--junit", junit);
    expect(r.code, r.err).toBe(3);
    const text = readFileSync(md, "utf8");
    expect(text).toContain("## costwise: ❌ blocking");
    expect(text).toContain("**Monthly cost change: +$1489.01**");
    // the web_app block holds its components and then its finding
    const block = text.slice(text.indexOf("<code>aws_instance.web_app</code>"), text.indexOf("<code>aws_instance.zero_cost_instance</code>"));
    expect(block).toContain("| Instance usage (Linux/UNIX, on-demand, m5.4xlarge) | 730 hours | $0.768 | catalogue | $560.64 |");
    expect(block).toMatch(/error \(blocking\) `team-tag`: .*team/);
    expect(text).toContain("<code>aws_s3_bucket.usage</code> create: unpriced</summary>");
    expect(text).toContain("unpriced: resource type aws_s3_bucket is not priced yet");
    const s = JSON.parse(readFileSync(sarif, "utf8")) as { version: string; runs: { results: unknown[] }[] };
    expect(s.version).toBe("2.1.0");
    expect(s.runs[0]!.results.length).toBeGreaterThan(0);
    expect(readFileSync(junit, "utf8")).toMatch(/<testsuites[\s\S]*team-tag/);
  }, 60_000);

  it("several plans sharing addresses: each resource names its plan and keeps its own findings", async () => {
    const md = join(work.dir, "two.md");
    const r = await runCli("--store", join(work.dir, "none.duckdb"), "pr-check", join(work.dir, "untagged-plan.json"), join(work.dir, "payments-plan.json"), "--policy", join(work.dir, "strict.yaml"), "--markdown", md);
    expect(r.code, r.err).toBe(3);
    const text = readFileSync(md, "utf8");
    const block = (file: string): string => {
      const start = text.indexOf(`<code>${file}</code> <code>aws_instance.web_app</code>`);
      expect(start, file).toBeGreaterThanOrEqual(0);
      return text.slice(start, text.indexOf("<details>", start + 10));
    };
    // the untagged plan's instance has the finding, the payments plan's (tagged team) has none
    expect(block("untagged-plan.json")).toContain("`team-tag`");
    expect(block("payments-plan.json")).not.toContain("`team-tag`");
    expect(text).toContain("**Monthly cost change: +$2978.03**");
  }, 60_000);

  it("exits 3 when the change crosses a gating budget's threshold, 0 when the budget is not gating", async () => {
    const plan = join(work.dir, "payments-plan.json");
    const lenient = join(work.dir, "lenient.yaml");
    // the month-end forecast without the change, from the budget engine
    const probe = await runCli("--config", config("1000000", false), "--store", storePath, "--json", "pr-check", plan, "--policy", lenient);
    expect(probe.code, probe.err).toBe(0);
    const p = JSON.parse(probe.out) as { estimate: { budgets: { owner: string; forecastWithout: string; forecastWith: string; crosses: string[] }[]; owners: { owner: string; monthlyDelta: string }[] } };
    expect(p.estimate.owners.find((o) => o.owner === "payments")!.monthlyDelta).toBe("1489.0133400000");
    const b = p.estimate.budgets[0]!;
    expect(b.owner).toBe("payments");
    // the budget engine's as-of day is the last complete day, 2026-10-19: 12 of October's 31 days are left
    expect(Number(b.forecastWith) - Number(b.forecastWithout)).toBeCloseTo((1489.01334 * 12) / 31, 4);
    // a budget just above the forecast without the change: the change crosses it
    const amount = (Number(b.forecastWithout) + 1).toFixed(2);
    const notGating = await runCli("--config", config(amount, false), "--store", storePath, "--json", "pr-check", plan, "--policy", lenient);
    expect(notGating.code, notGating.err).toBe(0);
    expect(JSON.parse(notGating.out).estimate.budgets[0].crosses).toEqual(["100%"]);
    const gating = await runCli("--config", config(amount, true), "--store", storePath, "pr-check", plan, "--policy", lenient);
    expect(gating.code, gating.err).toBe(3);
    expect(gating.out).toContain("gating budget `payments-monthly`");
  }, 120_000);
});
