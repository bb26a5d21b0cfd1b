/**
 * `costwise validate`: checks the cost rows in the store against the FOCUS 1.2 conformance rules.
 */
import type { Command } from "commander";
import { CostwiseError } from "../../core/errors.js";
import { focusColumn } from "../../core/focus/columns.js";
import { trimMoney } from "../../core/money.js";
import {

  validateStore,
  type ExampleValue,
  type ValidateScope,
  type ValidationReport,
  type ViolationExample,
} from "../../engine/validate/validate-store.js";
import { EXIT, globalOptions, setExit, stdio, usageError, withStore, type Output } from "../context.js";
import { runModelValidate, type ModelCliOptions } from "./validate-model.js";

interface ValidateCliOptions extends ModelCliOptions {
  source?: string;
  ingest?: string;
  file?: string;
  all?: boolean;
}

/** The human-readable report. Exported for tests. */
export function printReport(report: ValidationReport, out: Output, all = false): void {
  const scope = Object.keys(report.scope).length ? ` (${describeScope(report.scope)})` : "";
  if (report.rowsChecked === 0) {
    out.out(`The cost store holds no rows${scope}; nothing to validate.`);
    return;
  }
  out.out(`FOCUS ${report.focusVersion} conformance of ${formatCount(report.rowsChecked)} rows${scope}`);

  const failed = report.rules.filter((r) => r.status === "fail");
  if (failed.length > 0) {
    out.out("");
    out.out("Failed rules");
    const idWidth = Math.max(...failed.map((r) => r.id.length));
    const countWidth = Math.max(...failed.map((r) => formatCount(r.violations).length));
    for (const r of failed) {
      const rows = `${formatCount(r.violations).padStart(countWidth)} ${plural(r.violations, "row")}`;
      out.out(`  ${r.severity.padEnd(7)}  ${r.id.padEnd(idWidth)}  ${rows}`);
      out.out(`           ${r.requirement}`);
      if (r.example) out.out(`           e.g. ${formatExample(r.example)}`);
    }
  }

  const notApplicable = report.rules.filter((r) => r.status === "not-applicable");
  if (all) {
    const passed = report.rules.filter((r) => r.status === "pass");
    if (passed.length > 0) {
      out.out("");
      out.out(`Passed rules (${passed.length})`);
      for (const r of passed) out.out(`  ${r.severity.padEnd(7)}  ${r.id}`);
    }
    if (notApplicable.length > 0) {
      out.out("");
      out.out(`Not applicable (${notApplicable.length})`);
      for (const r of notApplicable) out.out(`  ${r.id}: ${r.notApplicableReason ?? ""}`);
    }
  }

  printCoverage(report, out);

  const s = report.summary;
  out.out("");
  const verdict = report.conformant ? "CONFORMANT" : "NOT CONFORMANT";
  const parts = [
    `${s.failedErrors} error ${plural(s.failedErrors, "rule")} failed (${formatCount(s.errorViolations)} ${plural(s.errorViolations, "row")})`,
    `${s.failedWarnings} warning ${plural(s.failedWarnings, "rule")} (${formatCount(s.warningViolations)} ${plural(s.warningViolations, "row")})`,
    `${s.passed} passed`,
    `${s.notApplicable} not applicable${!all && s.notApplicable > 0 ? " (--all lists them)" : ""}`,
  ];
  out.out(`${verdict}: ${parts.join(", ")}.`);
}

function printCoverage(report: ValidationReport, out: Output): void {
  const optional = report.coverage.filter((c) => c.featureLevel !== "Mandatory");
  if (optional.length === 0) return;
  const empty = optional.filter((c) => c.entirelyNull);
  const partial = optional.filter((c) => !c.entirelyNull && c.nonNullRows < report.rowsChecked);
  const full = optional.filter((c) => c.nonNullRows === report.rowsChecked);
  out.out("");
  out.out("Coverage of Recommended and Conditional columns (share of rows with a value)");
  if (full.length > 0) out.out(wrap(`  every row (${full.length}): `, full.map((c) => c.column)));
  if (partial.length > 0) {
    out.out(wrap(`  some rows (${partial.length}): `, partial.map((c) => `${c.column} ${c.percentNonNull.toFixed(1)}%`)));
  }
  if (empty.length > 0) out.out(wrap(`  no row (${empty.length}): `, empty.map((c) => c.column)));
}

function formatExample(e: ViolationExample): string {
  const where = e.sourceFile ?? "(file not recorded)";
  const values = Object.entries(e.values)
    .map(([k, v]) => `${k}=${formatValue(k, v)}`)
    .join(", ");
  return `${where}: ${values}`;
}

function formatValue(column: string, v: ExampleValue): string {
  if (v === null) return "null";
  if (typeof v === "string") {
    if (focusColumn(column)?.dataType === "Decimal") return trimMoney(v, 0);
    return JSON.stringify(v);
  }
  return JSON.stringify(v);
}

function describeScope(scope: ValidateScope): string {
  const parts: string[] = [];
  if (scope.source !== undefined) parts.push(`source ${scope.source}`);
  if (scope.ingestId !== undefined) parts.push(`ingest ${scope.ingestId}`);
  if (scope.file !== undefined) parts.push(`file ${scope.file}`);
  return parts.join(", ");
}

function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

/** Joins items after a label, wrapping at ~100 columns with a hanging indent. */
function wrap(label: string, items: string[], width = 100): string {
  const indent = " ".repeat(label.length);
  const lines: string[] = [];
  let line = label;
  items.forEach((item, i) => {
    const text = i < items.length - 1 ? `${item},` : item;
    if (line.length + text.length + 1 > width && line.trim().length > 0 && line !== label) {
      lines.push(line.trimEnd());
      line = indent;
    }
    line += line === label || line === indent ? text : ` ${text}`;
  });
  lines.push(line);
  return lines.join("\n");
}

export async function validate(opts: ValidateCliOptions, cmd: Command) {
  const global = globalOptions(cmd);
  if (opts.model !== undefined) return runModelValidate(opts, cmd);
  for (const o of ["dataset", "applicability", "format"] as const) {
    if (opts[o] !== undefined) throw usageError(`--${o} needs --model <requirements model JSON>`);
  }
  const scope: ValidateScope = {
    ...(opts.source !== undefined ? { source: opts.source } : {}),
    ...(opts.ingest !== undefined ? { ingestId: opts.ingest } : {}),
    ...(opts.file !== undefined ? { file: opts.file } : {}),
  };
  const report = await withStore(global, (store) => validateStore(store, { scope }));
  if (report.rowsChecked === 0 && Object.keys(scope).length > 0) {
    throw new CostwiseError("NOT_FOUND", `no cost rows match ${describeScope(scope)}; nothing was validated`, {
      details: { scope },
    });
  }
  if (global.json) stdio.json(report);
  else printReport(report, stdio, Boolean(opts.all));
  if (!report.conformant) setExit(cmd, EXIT.findings);
}
