/**
 * `costwise validate --model <requirements model JSON>`: the FinOps Foundation's FOCUS requirements model over the
 * store (rows in scope) or an exported dataset file, printed as text, JSON, JUnit, SARIF or Markdown.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { CostwiseError } from "../../core/errors.js";
import { parseApplicability } from "../../core/focus/requirements/applicability.js";
import { isMandatoryKeyword } from "../../core/focus/requirements/model.js";
import { DuckDbStore } from "../../engine/store/duckdb/duckdb-store.js";
import { formatModelReport, MODEL_REPORT_FORMATS, type ModelReportFormat } from "../../engine/validate/model-formats.js";
import { loadCurrencyCodes, loadRequirementsModel, runModel, type ModelReport, type ModelTarget } from "../../engine/validate/run-model.js";
import type { ValidateScope } from "../../engine/validate/validate-store.js";
import { EXIT, globalOptions, setExit, stdio, usageError, withStore, type Output } from "../context.js";

export interface ModelCliOptions {
  model?: string;
  dataset?: string;
  applicability?: string;
  format?: string;
  source?: string;
  ingest?: string;
  file?: string;
  all?: boolean;
}

export async function runModelValidate(opts: ModelCliOptions, cmd: Command): Promise<void> {
  const global = globalOptions(cmd);
  const modelPath = opts.model!;
  let format: ModelReportFormat | undefined;
  if (opts.format !== undefined) {
    if (!(MODEL_REPORT_FORMATS as readonly string[]).includes(opts.format)) {
      throw usageError(`--format must be one of ${MODEL_REPORT_FORMATS.join(", ")}, got ${JSON.stringify(opts.format)}`);
    }
    format = opts.format as ModelReportFormat;
  }
  if (opts.dataset !== undefined && (opts.source !== undefined || opts.ingest !== undefined || opts.file !== undefined)) {
    throw usageError("--dataset checks a file; --source, --ingest and --file choose rows of the store: use one or the other");
  }
  const model = loadRequirementsModel(modelPath);
  let applicability: Set<string> | undefined;
  if (opts.applicability !== undefined) {
    const parsed = parseApplicability(opts.applicability, Object.keys(model.applicabilityCriteria));
    if (parsed.unknown.length > 0) {
      throw usageError(`--applicability: unknown criteria ${parsed.unknown.join(", ")} (the model knows ${Object.keys(model.applicabilityCriteria).join(", ")})`);
    }
    applicability = parsed.value;
  }
  const options = { currencyCodes: loadCurrencyCodes(modelPath), ...(applicability ? { applicability } : {}) };

  let report: ModelReport;
  if (opts.dataset !== undefined) {
    const target: ModelTarget = { kind: "dataset", file: resolve(opts.dataset) };
    const scratch = await DuckDbStore.open(":memory:");
    try {
      report = await runModel(scratch, model, target, options);
    } finally {
      await scratch.close();
    }
  } else {
    const scope: ValidateScope = {
      ...(opts.source !== undefined ? { source: opts.source } : {}),
      ...(opts.ingest !== undefined ? { ingestId: opts.ingest } : {}),
      ...(opts.file !== undefined ? { file: opts.file } : {}),
    };
    report = await withStore(global, (store) => runModel(store, model, { kind: "store", scope }, options));
    if (report.rowsChecked === 0) {
      throw new CostwiseError("NOT_FOUND", `no cost rows${Object.keys(scope).length ? ` match ${JSON.stringify(scope)}` : " in the store"}; nothing was validated`);
    }
  }
  if (format) process.stdout.write(formatModelReport(report, format));
  else if (global.json) stdio.json(report);
  else printModelReport(report, stdio, Boolean(opts.all));
  if (!report.conformant) setExit(cmd, EXIT.findings);
}

/** The human-readable report: failing rules (MUST first) with counts and one example, then the totals. */
export function printModelReport(report: ModelReport, out: Output, all = false): void {
  const s = report.summary;
  out.out(`FOCUS ${report.model.focusVersion} requirements model ${report.model.modelVersion}: ${report.rowsChecked.toLocaleString("en-US")} rows`);
  const failing = report.rules
    .filter((o) => o.status === "fail" && (all || o.function !== "Composite"))
    .sort((a, b) => Number(isMandatoryKeyword(b.keyword)) - Number(isMandatoryKeyword(a.keyword)));
  if (failing.length > 0) {
    out.out("");
    out.out("Failed rules");
    const w = Math.max(...failing.map((o) => o.id.length));
    for (const o of failing) {
      const count = o.violations !== null ? `${o.violations.toLocaleString("en-US")} rows` : (o.reason ?? (o.failedReferences ?? []).join(", "));
      out.out(`  ${o.keyword.padEnd(11)} ${o.id.padEnd(w)}  ${count}`);
      out.out(`              ${o.requirement}`);
      const e = o.examples[0];
      if (e) out.out(`              e.g. ${Object.entries(e.values).map(([k, v]) => `${k}=${v === null ? "null" : JSON.stringify(v)}`).join(", ")}`);
    }
  }
  if (all) {
    for (const status of ["not-applicable", "skipped"] as const) {
      const list = report.rules.filter((o) => o.status === status);
      if (list.length === 0) continue;
      out.out("");
      out.out(`${status === "skipped" ? "Skipped" : "Not applicable"} (${list.length})`);
      for (const o of list) out.out(`  ${o.id}: ${o.reason ?? ""}`);
    }
  }
  out.out("");
  out.out(
    `${report.conformant ? "CONFORMANT" : "NOT CONFORMANT"}: ${s.failedMandatory} MUST rules failed, ${s.failedAdvisory} advisory rules failed, ` +
      `${s.pass} passed, ${s.notApplicable} not applicable, ${s.skipped} skipped${all ? "" : " (--all lists them)"}.`,
  );
}
