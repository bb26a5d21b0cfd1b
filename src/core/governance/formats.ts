/**
 * Renderings of a policy check for people and CI systems: SARIF 2.1.0 (GitHub code scanning, GitLab, Azure
 * DevOps show findings inline), JUnit XML (any CI's test report), a Markdown pull-request comment and the
 * `--json` document. Pure: the caller passes the file paths relative to the repository root.
 */
import { findingResourceKey, type EvaluationResult, type Finding } from "./evaluate.js";
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
    // a physical location only where a person edits the fix: the .tf declaration (from .tf input, or from the
    // plan's configuration); a plan JSON is generated, so plan findings without one keep the logical location
    const at = f.source ?? (f.location && /\.tf$/.test(f.location.file) ? f.location : undefined);
    if (at) {
      loc["physicalLocation"] = {
        artifactLocation: { uri: uri(at.file) },
        ...(at.line ? { region: { startLine: at.line, ...(at.column ? { startColumn: at.column } : {}) } } : {}),
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
        ...(f.location ? { inputFile: uri(f.location.file) } : {}),
        ...(f.afterApply ? { knownAfterApply: true } : {}),
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
            ...(result.skipped.length
              ? {
                  toolExecutionNotifications: result.skipped.map((k) => ({
                    level: "note",
                    message: { text: `not checked: ${k.id}${k.file ? ` (${uri(k.file)})` : ""}: ${k.message}` },
                    locations: [{ logicalLocations: [{ fullyQualifiedName: k.id, kind: "resource" }] }],
                    properties: { reason: k.reason, resourceType: k.type },
                  })),
                }
              : {}),
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
export function toJUnit({ policy, result, uri = (f) => f }: RenderContext, timestamp: string): string {
  // cases are keyed by rule + file + address: several plans in one run share addresses
  const byKey = new Map<string, Finding[]>();
  for (const f of result.findings) {
    const k = `${f.ruleId}\u0000${findingResourceKey(f)}`;
    (byKey.get(k) ?? byKey.set(k, []).get(k)!).push(f);
  }
  const exempt = new Map<string, string>();
  for (const x of result.exempted) exempt.set(`${x.finding.ruleId}\u0000${findingResourceKey(x.finding)}`, `exempt until ${x.exemption.expires}: ${x.exemption.reason}`);
  const multiFile = result.summary.files > 1;
  let total = 0;
  let failures = 0;
  let skipped = 0;
  const suites: string[] = [];
  for (const check of result.checks) {
    const rule = policy.rules.find((r) => r.id === check.ruleId)!;
    const cases: string[] = [];
    let sFail = 0;
    let sSkip = 0;
    const cases0 = check.cases ?? check.resourceIds.map((resourceId) => ({ resourceId, resourceType: resourceId.replace(/\.[^.]*$/, ""), file: undefined }));
    for (const c of cases0) {
      const rid = c.resourceId;
      const ck = `${check.ruleId}\u0000${c.file ? `${c.file}\u0000${rid}` : rid}`;
      const fs = byKey.get(ck) ?? [];
      const type = c.resourceType;
      const blocking = fs.filter((f) => f.blocking);
      // classname carries the input file when several are checked, so cases can be told apart by file
      const classname = `${multiFile && c.file ? `${uri(c.file)}:` : ""}${check.ruleId}.${type}`;
      const attrs = `name="${xml(rid)}" classname="${xml(classname)}"${c.file ? ` file="${xml(uri(c.file))}"` : ""} time="0"`;
      if (blocking.length) {
        sFail++;
        const loc = blocking[0]!.source ?? blocking[0]!.location;
        const body = blocking.map((f) => `${f.severity}: ${f.message}`).join("\n") + (loc ? `\nat ${uri(loc.file)}${loc.line ? `:${loc.line}` : ""}` : "");
        cases.push(`    <testcase ${attrs}>\n      <failure message="${xml(blocking.map((f) => f.message).join("; "))}" type="${xml(blocking[0]!.kind)}">${xml(body)}</failure>\n    </testcase>`);
      } else if (fs.length) {
        cases.push(`    <testcase ${attrs}>\n      <system-out>${xml(fs.map((f) => `${f.severity}: ${f.message}`).join("\n"))}</system-out>\n    </testcase>`);
      } else if (exempt.has(ck)) {
        sSkip++;
        cases.push(`    <testcase ${attrs}>\n      <skipped message="${xml(exempt.get(ck)!)}"/>\n    </testcase>`);
      } else cases.push(`    <testcase ${attrs}/>`);
    }
    total += cases0.length;
    failures += sFail;
    skipped += sSkip;
    suites.push(
      `  <testsuite name="${xml(check.ruleId)}" tests="${cases0.length}" failures="${sFail}" errors="0" skipped="${sSkip}" time="0" timestamp="${xml(timestamp)}" hostname="costwise">\n` +
        `    <properties>\n      <property name="severity" value="${rule.severity}"/>\n      <property name="description" value="${xml(rule.description ?? describeRule(rule))}"/>\n    </properties>\n` +
        cases.join("\n") +
        (cases.length ? "\n" : "") +
        `  </testsuite>`,
    );
  }
  if (result.skipped.length) {
    // resources no rule applied to, each a skipped case with the reason (untaggable, not listed, no rule matches)
    const cases = result.skipped.map((k) => {
      const attrs = `name="${xml(k.id)}" classname="${xml(`${multiFile && k.file ? `${uri(k.file)}:` : ""}not-checked.${k.type}`)}"${k.file ? ` file="${xml(uri(k.file))}"` : ""} time="0"`;
      return `    <testcase ${attrs}>\n      <skipped message="${xml(`${k.reason}: ${k.message}`)}"/>\n    </testcase>`;
    });
    total += cases.length;
    skipped += cases.length;
    suites.push(
      `  <testsuite name="not-checked" tests="${cases.length}" failures="0" errors="0" skipped="${cases.length}" time="0" timestamp="${xml(timestamp)}" hostname="costwise">\n` +
        `    <properties>\n      <property name="description" value="resources no tag rule applied to, with the reason"/>\n    </properties>\n` +
        cases.join("\n") +
        `\n  </testsuite>`,
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
      const where = whereText(f, uri, (s) => `\`${md(s)}\``);
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
  if (result.skipped.length) {
    out.push("");
    out.push(`<details><summary>${result.skipped.length} resource${result.skipped.length === 1 ? "" : "s"} not checked</summary>`);
    out.push("");
    for (const k of result.skipped.slice(0, max)) out.push(`- \`${md(k.id)}\`${k.file ? ` (${md(uri(k.file))})` : ""}: ${md(k.message)}`);
    if (result.skipped.length > max) out.push(`- …and ${result.skipped.length - max} more`);
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

/**
 * Where a finding is, for people: the input file (line when it means something) and, for plan input, the .tf
 * declaration in parentheses (`plans/prod.json (main.tf:12)`), so several plans are told apart.
 */
export function whereText(f: Finding, uri: (file: string) => string, wrap: (s: string) => string = (s) => s): string {
  if (!f.location) return f.source ? wrap(`${uri(f.source.file)}${f.source.line ? `:${f.source.line}` : ""}`) : "";
  const main = wrap(`${uri(f.location.file)}${f.location.line ? `:${f.location.line}` : ""}`);
  return f.source ? `${main} (${wrap(`${uri(f.source.file)}${f.source.line ? `:${f.source.line}` : ""}`)})` : main;
}
