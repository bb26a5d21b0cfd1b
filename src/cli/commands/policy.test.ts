/** `costwise policy ...` in process: exit codes (3 on blocking findings), report files, export-input, usage errors. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { LOCAL_FIXTURES } from "../../../test/helpers/store.js";
import { EXIT, reportError } from "../context.js";
import { registerPolicy } from "./policy.js";
import { registerReportGovernance } from "./report-governance.js";

const GOV = join(LOCAL_FIXTURES, "governance");
const POLICY = join(GOV, "tags-policy.yaml");
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "costwise-policy-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const program = new Command().option("--store <path>").option("--config <file>").option("--json", "", false).exitOverride();
  registerPolicy(program);
  registerReportGovernance(program.command("report"));
  const out: string[] = [];
  const err: string[] = [];
  const all = (c: Command): void => {
    c.exitOverride().configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
    c.commands.forEach(all);
  };
  all(program);
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
  let code: number = EXIT.ok;
  program.hook("postAction", (_t, action) => {
    const c = (action as Command & { exitCodeOverride?: number }).exitCodeOverride;
    if (c !== undefined) code = c;
  });
  try {
    await program.parseAsync(["node", "costwise", "--store", join(dir, "s.duckdb"), "--config", join(dir, "none.yaml"), ...args]);
  } catch (x) {
    code = x instanceof CommanderError ? (x.code === "commander.helpDisplayed" ? EXIT.ok : EXIT.usage) : reportError(x, args.includes("--json"));
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  return { code, out: out.join(""), err: err.join("") };
}

describe("costwise policy check", () => {
  beforeAll(() => writeFileSync(join(dir, "none.yaml"), "version: 1\n"));

  it("exits 3 on blocking findings, prints the table, writes SARIF, JUnit and Markdown files", async () => {
    const r = await cli("policy", "check", "-p", POLICY, join(GOV, "tf"), "--now", "2026-06-01", "--sarif", join(dir, "o.sarif"), "--junit", join(dir, "o.xml"), "--markdown", join(dir, "o.md"));
    expect(r.code).toBe(EXIT.findings);
    expect(r.out).toMatch(/error\*\s+aws_instance\.worker\s+env-values\s+tag "env" = "Prod" is not allowed \(did you mean "prod"\?\)\s+\S*tf\/main\.tf:42/);
    expect(r.out).toContain("exempt: aws_instance.legacy required-tags owner until 2099-12-31 (legacy box, decommissioned in INC-42)");
    expect(r.out).toContain("warning: exemption #2 for aws_s3_bucket.old_logs expired on 2020-01-01");
    expect(r.out).toContain("7 resources, 6 checked, 2 compliant; 3 errors, 5 warnings, 0 info (4 unresolved), 2 exempted; 1 not checked; BLOCKING (3)");
    expect(JSON.parse(readFileSync(join(dir, "o.sarif"), "utf8")).version).toBe("2.1.0");
    expect(readFileSync(join(dir, "o.xml"), "utf8")).toContain('<testsuites name="costwise policy check"');
    expect(readFileSync(join(dir, "o.md"), "utf8")).toContain("3 blocking findings");
  });

  it("exits 0 when nothing blocks (warnings only), --json carries the findings", async () => {
    const p = join(dir, "warn.yaml");
    writeFileSync(p, "blocking: []\nrules:\n  - id: r\n    require: [owner]\n");
    const r = await cli("--json", "policy", "check", "-p", p, join(GOV, "plans/default-tags-plan.json"));
    expect(r.code).toBe(EXIT.ok);
    const doc = JSON.parse(r.out);
    expect(doc.blocking).toBe(false);
    expect(doc.summary.resources).toBe(3);
    expect(doc.findings).toEqual([]);
  });

  it("the policy can come from costwise.yaml (governance.policy, relative to the config file)", async () => {
    writeFileSync(join(dir, "cfg.yaml"), `governance:\n  policy: ${POLICY}\n`);
    const r = await cli("--config", join(dir, "cfg.yaml"), "policy", "check", join(GOV, "plans/default-tags-plan.json"), "--format", "markdown");
    expect(r.code).toBe(EXIT.findings);
    expect(r.out.split("\n")[0]).toBe("### ❌ costwise tag policy: 1 blocking finding");
  });

  it("a malformed policy is a usage/config error (exit 2) with its location; malformed input exit 1", async () => {
    const p = join(dir, "bad.yaml");
    writeFileSync(p, "rules:\n  - id: a\n    requier: [x]\n");
    const r = await cli("policy", "check", "-p", p, join(GOV, "tf"));
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain(`${p}:3:5 rules[0].requier: unknown key "requier" (did you mean "require"?)`);
    expect(r.err).not.toContain("    at ");
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{\n  \"format_version\": \"1.2\",,\n}");
    const r2 = await cli("policy", "check", "-p", POLICY, bad);
    expect(r2.code).toBe(EXIT.failure);
    expect(r2.err).toContain(`${bad}:2:27: not valid JSON`);
  });

  it("several plans and a missing policy: files told apart in the text, skipped resources listed; no policy file exits 2", async () => {
    const planOf = (tags: Record<string, string>) =>
      JSON.stringify({
        format_version: "1.2",
        resource_changes: [
          { address: "aws_instance.a", mode: "managed", type: "aws_instance", name: "a", change: { actions: ["create"], after: { tags, tags_all: tags }, after_unknown: {} } },
          { address: "aws_iam_role_policy_attachment.p", mode: "managed", type: "aws_iam_role_policy_attachment", name: "p", change: { actions: ["create"], after: { role: "r" }, after_unknown: {} } },
        ],
      });
    writeFileSync(join(dir, "prod.json"), planOf({ owner: "a", env: "prod", cost_center: "cc" }));
    writeFileSync(join(dir, "dev.json"), planOf({ owner: "a" }));
    const r = await cli("policy", "check", "-p", POLICY, join(dir, "prod.json"), join(dir, "dev.json"), "--now", "2026-06-01");
    expect(r.code).toBe(EXIT.findings);
    expect(r.out).toMatch(/error\*\s+aws_instance\.a\s+required-tags\s+missing required tag "env"\s+\S*dev\.json/);
    expect(r.out).not.toMatch(/aws_instance\.a .*prod\.json/);
    expect(r.out).toMatch(/dev\.json: 1 finding\(s\), 1 blocking/);
    expect(r.out).toMatch(/not checked \(2\):\n  aws_iam_role_policy_attachment\.p \(\S*prod\.json\): aws_iam_role_policy_attachment takes no tags/);
    expect(r.out).toContain("2 files, 4 resources, 2 checked, 1 compliant;");
    const missing = await cli("policy", "check", "-p", join(dir, "no-such-policy.yaml"), join(dir, "prod.json"));
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.err).toContain("no-such-policy.yaml does not exist");
  });

  it("export-input writes the normalized resource document", async () => {
    const out = join(dir, "input.json");
    const r = await cli("policy", "export-input", join(GOV, "plans/default-tags-plan.json"), "-o", out);
    expect(r.code).toBe(EXIT.ok);
    const doc = JSON.parse(readFileSync(out, "utf8"));
    expect(doc.schema).toBe("costwise.governance.input/v1");
    expect(doc.resources.map((x: { id: string }) => x.id)).toEqual(["aws_instance.api", "aws_ebs_volume.data", "module.cache.aws_elasticache_cluster.this[0]"]);
    expect(doc.resources[2].unresolved).toEqual([{ key: "env", expression: 'tags_all["env"]', reason: "known only after apply", afterApply: true }]);
  });

  it("remediate --apply without an approval is refused before touching anything", async () => {
    const r = await cli("policy", "remediate", "-p", POLICY, "--apply");
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain("--apply needs an explicit approval");
  });

  it("report governance on a store without scans says so", async () => {
    const { DuckDbStore } = await import("../../engine/store/duckdb/duckdb-store.js");
    const s = await DuckDbStore.open(join(dir, "s.duckdb"));
    await s.close();
    const r = await cli("report", "governance");
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toContain("no governance scans recorded yet");
  });
});
