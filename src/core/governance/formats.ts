/**
 * Renderings of a policy check for people and CI systems: SARIF 2.1.0 (GitHub code scanning, GitLab, Azure
 * DevOps show findings inline), JUnit XML (any CI's test report), a Markdown pull-request comment and the
 * `--json` document. Pure: the caller passes the file paths relative to the repository root.
 */
import type { EvaluationResult, Finding } from "./evaluate.js";
import type { Policy, Severity } from "./policy.js";

export const TOOL = { name: "costwise", version: "0.1.0", informationUri: "https://github.com/costwise/costwise/blob/main/docs/governance.md" } as const;

const SARIF_LEVEL: Record<Severity, "error" | "warning" | "note"> = { error: "error", warning: "warning", info: "note" };

export interface RenderContext {
  policy: Policy;
  result: EvaluationResult;
  /** Maps a finding's file to the URI to show (relative to the repo root, forward slashes). */
  uri?: (file: string) => string;
}

export function toSarif({ policy, result, uri = (f) => f }: RenderContext): Record<string, unknown> {
  const ruleIndex = new Map(policy.rules.map((r, i) => [r.id, i]));
  const result1 = (f: Finding, suppression?: { justification: string }): Record<string, unknown> => {
    const loc: Record<string, unknown> = {
      logicalLocations: [{ fullyQualifiedName: f.resourceId, kind: "resource" }],
    };
    if (f.location) {
      loc["physicalLocation"] = {
        artifactLocation: { uri: uri(f.location.file) },
        ...(f.location.line ? { region: { startLine: f.location.line, ...(f.location.column ? { startColumn: f.location.column } : {}) } } : {}),
      };
    }
    return {
      ruleId: f.ruleId,
      ruleIndex: ruleIndex.get(f.ruleId) ?? -1,
      level: SARIF_LEVEL[f.severity],
      kind: "fail",
      message: { text: `${f.resourceId}: ${f.message}` },
      locations: [loc],
      partialFingerprints: { "costwiseFinding/v1": f.id },
      properties: {
        kind: f.kind,
        blocking: f.blocking,
        resourceType: f.resourceType,
        ...(f.tag !== undefined ? { tag: f.tag } : {}),
        ...(f.value !== undefined ? { value: f.value } : {}),
        ...(f.suggestion !== undefined ? { suggestion: f.suggestion } : {}),
      },
      ...(suppression ? { suppressions: [{ kind: "external", status: "accepted", justification: suppression.justification }] } : {}),
    };
  };
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: TOOL.name,
            version: TOOL.version,
            informationUri: TOOL.informationUri,
            rules: policy.rules.map((r) => ({
              id: r.id,
              name: r.id.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : "")).replace(/^./, (c) => c.toUpperCase()),
              shortDescription: { text: r.description ?? describeRule(r) },
              fullDescription: { text: describeRule(r) },
              defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
              properties: { blocking: policy.blocking.includes(r.severity), tags: ["tagging", "finops"] },
            })),
          },
        },
        results: [
          ...result.findings.map((f) => result1(f)),
          ...result.exempted.map((x) => result1(x.finding, { justification: `exempt until ${x.exemption.expires}: ${x.exemption.reason}` })),
        ],
        invocations: [
          {
            executionSuccessful: true,
            ...(result.expiredExemptions.length
              ? {
                  toolConfigurationNotifications: result.expiredExemptions.map((e) => ({
                    level: "warning",
                    message: { text: `exemption #${e.index + 1} expired on ${e.expires} (${e.reason}); ${e.matchedFindings} finding(s) count again` },
                  })),
                }
              : {}),
          },
        ],
      },
    ],
  };
}

export function describeRule(r: Policy["rules"][number]): string {
  if (r.require) return `resources must carry tags ${r.require.map((k) => `"${k}"`).join(", ")}`;
  if (r.tag !== undefined) {
    const parts: string[] = [];
    if (r.allowed) parts.push(`one of ${r.allowed.map((a) => `"${a}"`).join(", ")}`);
    if (r.pattern) parts.push(`matching /${r.pattern}/`);
    if (r.forbidden) parts.push(`not ${r.forbidden.map((a) => `"${a}"`).join(", ")}`);
    if (r.forbiddenPattern) parts.push(`not matching /${r.forbiddenPattern}/`);
    return `tag "${r.tag}" must be ${parts.join(" and ")}`;
  }
  return r.message ?? `\`${r.assert ?? ""}\` must hold`;
}

function xml(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

/**
 * JUnit XML (the Ant/Jenkins junit.xsd shape GitLab and GitHub test reporters read): one <testsuite> per rule,
 * one <testcase> per resource the rule applied to. Blocking findings are <failure>s; non-blocking findings pass
 * with the message in <system-out>; exempted ones are <skipped> with the reason.
 */
export function toJUnit({ policy, result }: RenderContext, timestamp: string): string {
  const byKey = new Map<string, Finding[]>();
  for (const f of result.findings) {
    const k = `${f.ruleId}\u0000${f.resourceId}`;
    (byKey.get(k) ?? byKey.set(k, []).get(k)!).push(f);
  }
  const exempt = new Map<string, string>();
  for (const x of result.exempted) exempt.set(`${x.finding.ruleId}\u0000${x.finding.resourceId}`, `exempt until ${x.exemption.expires}: ${x.exemption.reason}`);
  let total = 0;
  let failures = 0;
  let skipped = 0;
  const suites: string[] = [];
  for (const check of result.checks) {
    const rule = policy.rules.find((r) => r.id === check.ruleId)!;
    const cases: string[] = [];
    let sFail = 0;
    let sSkip = 0;
    for (const rid of check.resourceIds) {
      const fs = byKey.get(`${check.ruleId}\u0000${rid}`) ?? [];
      const type = fs[0]?.resourceType ?? rid.replace(/\.[^.]*$/, "");
      const blocking = fs.filter((f) => f.blocking);
      const attrs = `name="${xml(rid)}" classname="${xml(`${check.ruleId}.${type}`)}" time="0"`;
      if (blocking.length) {
        sFail++;
        const loc = blocking[0]!.location;
        const body = blocking.map((f) => `${f.severity}: ${f.message}`).join("\n") + (loc ? `\nat ${loc.file}${loc.line ? `:${loc.line}` : ""}` : "");
        cases.push(`    <testcase ${attrs}>\n      <failure message="${xml(blocking.map((f) => f.message).join("; "))}" type="${xml(blocking[0]!.kind)}">${xml(body)}</failure>\n    </testcase>`);
      } else if (fs.length) {
        cases.push(`    <testcase ${attrs}>\n      <system-out>${xml(fs.map((f) => `${f.severity}: ${f.message}`).join("\n"))}</system-out>\n    </testcase>`);
      } else if (exempt.has(`${check.ruleId}\u0000${rid}`)) {
        sSkip++;
        cases.push(`    <testcase ${attrs}>\n      <skipped message="${xml(exempt.get(`${check.ruleId}\u0000${rid}`)!)}"/>\n    </testcase>`);
      } else cases.push(`    <testcase ${attrs}/>`);
    }
    total += check.resourceIds.length;
    failures += sFail;
    skipped += sSkip;
    suites.push(
      `  <testsuite name="${xml(check.ruleId)}" tests="${check.resourceIds.length}" failures="${sFail}" errors="0" skipped="${sSkip}" time="0" timestamp="${xml(timestamp)}" hostname="costwise">\n` +
        `    <properties>\n      <property name="severity" value="${rule.severity}"/>\n      <property name="description" value="${xml(rule.description ?? describeRule(rule))}"/>\n    </properties>\n` +
        cases.join("\n") +
        (cases.length ? "\n" : "") +
        `  </testsuite>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="costwise policy check" tests="${total}" failures="${failures}" errors="0" skipped="${skipped}" time="0">\n${suites.join("\n")}\n</testsuites>\n`;
}

function md(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ").replace(/</g, "&lt;");
}

/** Markdown for a pull-request comment: verdict, counts, blocking findings first, then the rest (collapsed). */
export function toMarkdown({ result, uri = (f) => f }: RenderContext, opts: { maxRows?: number } = {}): string {
  const s = result.summary;
  const max = opts.maxRows ?? 50;
  const out: string[] = [];
  out.push(`### ${result.blocking ? "❌" : s.findings ? "⚠️" : "✅"} costwise tag policy: ${result.blocking ? `${s.blocking} blocking finding${s.blocking === 1 ? "" : "s"}` : s.findings ? "no blocking findings" : "all checked resources comply"}`);
  out.push("");
  out.push(`| resources | checked | compliant | errors | warnings | info | unresolved | exempted |`);
  out.push(`|---:|---:|---:|---:|---:|---:|---:|---:|`);
  out.push(`| ${s.resources} | ${s.checked} | ${s.compliant} | ${s.bySeverity.error} | ${s.bySeverity.warning} | ${s.bySeverity.info} | ${s.unresolved} | ${s.exempted} |`);
  const table = (fs: Finding[]): void => {
    out.push("");
    out.push(`| severity | resource | rule | finding | where |`);
    out.push(`|---|---|---|---|---|`);
    for (const f of fs.slice(0, max)) {
      const where = f.location ? `\`${md(uri(f.location.file))}${f.location.line ? `:${f.location.line}` : ""}\`` : "";
      out.push(`| ${f.severity}${f.blocking ? " (blocking)" : ""} | \`${md(f.resourceId)}\` | ${md(f.ruleId)} | ${md(f.message)} | ${where} |`);
    }
    if (fs.length > max) out.push(`\n…and ${fs.length - max} more (see the SARIF or JSON report).`);
  };
  const blocking = result.findings.filter((f) => f.blocking);
  const other = result.findings.filter((f) => !f.blocking);
  if (blocking.length) table(blocking);
  if (other.length) {
    out.push("");
    out.push(`<details><summary>${other.length} non-blocking finding${other.length === 1 ? "" : "s"}</summary>`);
    table(other);
    out.push("");
    out.push(`</details>`);
  }
  if (result.expiredExemptions.length) {
    out.push("");
    out.push(`**Expired exemptions** (no longer applied):`);
    for (const e of result.expiredExemptions) out.push(`- #${e.index + 1} \`${md(e.resources.join(", "))}\` expired ${e.expires}: ${md(e.reason)} (${e.matchedFindings} finding${e.matchedFindings === 1 ? "" : "s"} count again)`);
  }
  out.push("");
  out.push(`<sub>costwise policy check · exit ${result.blocking ? 3 : 0}</sub>`);
  return out.join("\n") + "\n";
}
