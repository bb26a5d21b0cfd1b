/**
 * A requirements-model report as JUnit XML (one testcase per rule: failure, skipped, or passed), SARIF 2.1.0 (one
 * reportingDescriptor per rule of the model, one result per failing rule) and Markdown (for a pull request comment).
 * Pure text from the report.
 */
import { isMandatoryKeyword } from "../../core/focus/requirements/model.js";
import type { RuleOutcome } from "../../core/focus/requirements/resolve.js";
import type { ModelReport } from "./run-model.js";

export const MODEL_REPORT_FORMATS = ["junit", "sarif", "md"] as const;
export type ModelReportFormat = (typeof MODEL_REPORT_FORMATS)[number];

export function formatModelReport(report: ModelReport, format: ModelReportFormat): string {
  switch (format) {
    case "junit":
      return toJunit(report);
    case "sarif":
      return JSON.stringify(toSarif(report), null, 2) + "\n";
    case "md":
      return toMarkdown(report);
  }
}

function xml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;").replaceAll("'", "&apos;");
}

function failureText(o: RuleOutcome): string {
  const parts: string[] = [];
  if (o.violations !== null) parts.push(`${o.violations} violating row${o.violations === 1 ? "" : "s"}`);
  if (o.violatingGroups !== undefined) parts.push(`${o.violatingGroups} violating group${o.violatingGroups === 1 ? "" : "s"}`);
  if (o.reason) parts.push(o.reason);
  if (o.failedReferences?.length) parts.push(`failed: ${o.failedReferences.join(", ")}`);
  for (const e of o.examples) parts.push(`e.g. ${JSON.stringify(e.values)}${e.sourceFile ? ` (${e.sourceFile})` : ""}`);
  return parts.join("; ");
}

function targetName(report: ModelReport): string {
  const t = report.target;
  return t.kind === "dataset" ? t.file : t.kind === "table" ? t.table : "cost store";
}

export function toJunit(report: ModelReport): string {
  const s = report.summary;
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="FOCUS ${xml(report.model.focusVersion)} requirements model" tests="${s.rules}" failures="${s.fail}" skipped="${s.skipped + s.notApplicable}">`,
    `  <testsuite name="${xml(targetName(report))}" tests="${s.rules}" failures="${s.fail}" skipped="${s.skipped + s.notApplicable}">`,
  ];
  for (const o of report.rules) {
    const head = `    <testcase classname="${xml(o.reference || "model")}" name="${xml(`${o.id} (${o.keyword})`)}"`;
    if (o.status === "pass") lines.push(`${head}/>`);
    else if (o.status === "fail") {
      lines.push(`${head}>`, `      <failure type="${xml(o.keyword)}" message="${xml(o.requirement)}">${xml(failureText(o))}</failure>`, `    </testcase>`);
    } else lines.push(`${head}>`, `      <skipped message="${xml(`${o.status}: ${o.reason ?? ""}`)}"/>`, `    </testcase>`);
  }
  lines.push(`  </testsuite>`, `</testsuites>`, "");
  return lines.join("\n");
}

export function toSarif(report: ModelReport): object {
  const level = (o: RuleOutcome): "error" | "warning" => (isMandatoryKeyword(o.keyword) ? "error" : "warning");
  const uri = report.target.kind === "dataset" ? report.target.file : "costwise-store";
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "costwise validate --model",
            informationUri: "https://github.com/finopsfoundation/focus_validator",
            rules: report.rules.map((o) => ({
              id: o.id,
              shortDescription: { text: o.requirement || o.id },
              properties: { keyword: o.keyword, function: o.function, type: o.type, reference: o.reference },
              defaultConfiguration: { level: level(o) },
            })),
          },
        },
        results: report.rules
          .filter((o) => o.status === "fail")
          .map((o) => ({
            ruleId: o.id,
            level: level(o),
            message: { text: `${o.requirement} — ${failureText(o)}` },
            locations: [{ physicalLocation: { artifactLocation: { uri: o.examples[0]?.sourceFile ?? uri } } }],
            ...(o.violations !== null ? { properties: { violations: o.violations } } : {}),
          })),
      },
    ],
  };
}

export function toMarkdown(report: ModelReport): string {
  const s = report.summary;
  const out = [
    `# FOCUS ${report.model.focusVersion} conformance (requirements model ${report.model.modelVersion})`,
    "",
    `${report.rowsChecked} rows of ${targetName(report)}: **${report.conformant ? "CONFORMANT" : "NOT CONFORMANT"}** — ` +
      `${s.failedMandatory} MUST rules failed, ${s.failedAdvisory} advisory rules failed, ${s.pass} passed, ` +
      `${s.notApplicable} not applicable, ${s.skipped} skipped.`,
    "",
  ];
  const failed = report.rules.filter((o) => o.status === "fail" && o.function !== "Composite");
  if (failed.length > 0) {
    out.push("| rule | keyword | violating rows | requirement | example |", "|---|---|---:|---|---|");
    for (const o of failed) {
      const ex = o.examples[0] ? `\`${JSON.stringify(o.examples[0].values)}\`` : (o.reason ?? "");
      out.push(`| ${o.id} | ${o.keyword} | ${o.violations ?? "—"} | ${md(o.requirement)} | ${md(ex)} |`);
    }
    out.push("");
  }
  return out.join("\n");
}

function md(s: string): string {
  return s.replaceAll("|", "\\|").replaceAll("\n", " ");
}
