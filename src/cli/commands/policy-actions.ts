/**
 * `costwise policy check | export-input | scan | remediate`: tag policies as code, before deploy (Terraform plan
 * JSON and .tf files) and at runtime (live AWS resources), with dry-run-by-default remediation.
 */
import { writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { relative, resolve, sep } from "node:path";
import type { Command } from "commander";
import { CostwiseError } from "../../core/errors.js";
import { evaluatePolicy, type EvaluationResult, type Finding } from "../../core/governance/evaluate.js";
import { toJUnit, toMarkdown, toSarif, whereText } from "../../core/governance/formats.js";
import { proposeRemediation, type Proposal } from "../../core/governance/remediation.js";
import type { NormalizedResource } from "../../core/governance/resource.js";
import { runPolicyCheck } from "../../engine/governance/check.js";
import { loadCheckInput } from "../../engine/governance/inputs.js";
import { loadPolicyFile, type LoadedPolicy } from "../../engine/governance/load-policy.js";
import type { ResourceCost } from "../../engine/governance/record.js";
import type { scanAws } from "../../engine/governance/runtime-scan.js";
import { GOVERNANCE_AUDIT_TABLE } from "../../engine/governance/tables.js";
import { formatAmount } from "../../engine/query/run-query.js";
import { renderTable } from "../table.js";
import { EXIT, globalOptions, setExit, stdio, usageError, withStore, type GlobalOptions } from "../context.js";
import { timeOptionDate } from "./date-options.js";

const FORMATS = ["table", "json", "sarif", "junit", "markdown"] as const;
type Format = (typeof FORMATS)[number];

interface ReportOpts {
  policy?: string;
  format?: string;
  sarif?: string;
  junit?: string;
  markdown?: string;
  now?: string;
  configDir?: string;
}

function policyPath(global: GlobalOptions, flag: string | undefined): string {
  if (flag) return resolve(flag);
  const p = global.workspace.config.governance?.policy;
  if (p) return resolve(global.workspace.baseDir, p);
  throw usageError("no policy file: pass --policy <file> or set governance.policy in costwise.yaml");
}

function nowFrom(opt: string | undefined): Date {
  if (opt === undefined) return new Date();
  return timeOptionDate(opt, "--now")!;
}

/** Repo-relative, forward-slash URIs for SARIF/Markdown. */
const toUri = (file: string): string => {
  const rel = relative(process.cwd(), resolve(file));
  return (rel.startsWith("..") ? resolve(file) : rel).split(sep).join("/");
};

function render(format: Format, loaded: LoadedPolicy, result: EvaluationResult, extra: Record<string, unknown>, now: Date, costs?: Map<string, ResourceCost>): string {
  const ctx = { policy: loaded.policy, result, uri: toUri };
  switch (format) {
    case "sarif":
      return JSON.stringify(toSarif(ctx), null, 2) + "\n";
    case "junit":
      return toJUnit(ctx, now.toISOString().slice(0, 19));
    case "markdown":
      return toMarkdown(ctx);
    case "json":
      return JSON.stringify({ policy: loaded.file, ...extra, summary: result.summary, blocking: result.blocking, findings: result.findings.map((f) => withCost(f, costs)), exempted: result.exempted, expiredExemptions: result.expiredExemptions, skipped: result.skipped }, null, 2) + "\n";
    case "table":
      return tableText(result, extra, costs);
  }
}

function withCost(f: Finding, costs?: Map<string, ResourceCost>): Finding & { monthlyCost?: ResourceCost } {
  const c = costs?.get(f.resourceId);
  return c ? { ...f, monthlyCost: c } : f;
}

function tableText(result: EvaluationResult, extra: Record<string, unknown>, costs?: Map<string, ResourceCost>): string {
  const s = result.summary;
  const lines: string[] = [];
  if (result.findings.length) {
    const header = ["severity", "resource", "rule", "finding", "where", ...(costs ? ["monthly cost"] : [])];
    const rows = result.findings.map((f) => {
      const c = costs?.get(f.resourceId);
      return [
        `${f.severity}${f.blocking ? "*" : ""}`,
        f.resourceId,
        f.ruleId,
        f.message,
        whereText(f, toUri),
        ...(costs ? [c ? `${formatAmount(c.amount, { decimals: 2 })} ${c.currency ?? ""}`.trim() : "-"] : []),
      ];
    });
    lines.push(renderTable(header, rows, costs ? { rightAlign: [5] } : {}));
    lines.push("(* = blocking)");
  } else lines.push("no findings");
  if (result.skipped.length) {
    lines.push(`not checked (${result.skipped.length}):`);
    for (const k of result.skipped) lines.push(`  ${k.id}${k.file ? ` (${toUri(k.file)})` : ""}: ${k.message}`);
  }
  for (const x of result.exempted) lines.push(`exempt: ${x.finding.resourceId} ${x.finding.ruleId}${x.finding.tag ? ` ${x.finding.tag}` : ""} until ${x.exemption.expires} (${x.exemption.reason})`);
  for (const e of result.expiredExemptions) lines.push(`warning: exemption #${e.index + 1} for ${e.resources.join(", ")} expired on ${e.expires} and no longer applies (${e.matchedFindings} finding(s) count again)`);
  for (const n of (extra["notes"] as string[] | undefined) ?? []) lines.push(`note: ${n}`);
  if (s.files > 1) {
    // several inputs (one plan per environment): the same address is a different resource in each file
    const files = new Map<string, { findings: number; blocking: number }>();
    for (const f of result.findings) {
      if (!f.location) continue;
      const e = files.get(f.location.file) ?? { findings: 0, blocking: 0 };
      e.findings++;
      if (f.blocking) e.blocking++;
      files.set(f.location.file, e);
    }
    for (const [file, e] of [...files].sort(([a], [b]) => a.localeCompare(b))) lines.push(`${toUri(file)}: ${e.findings} finding(s), ${e.blocking} blocking`);
  }
  lines.push(
    `${s.files > 1 ? `${s.files} files, ` : ""}${s.resources} resources, ${s.checked} checked, ${s.compliant} compliant; ${s.bySeverity.error} errors, ${s.bySeverity.warning} warnings, ${s.bySeverity.info} info (${s.unresolved} unresolved${s.knownAfterApply ? `, ${s.knownAfterApply} known after apply` : ""}), ${s.exempted} exempted;${s.skipped ? ` ${s.skipped} not checked;` : ""} ${result.blocking ? `BLOCKING (${s.blocking})` : "not blocking"}`,
  );
  return lines.join("\n") + "\n";
}

function emit(global: GlobalOptions, opts: ReportOpts, loaded: LoadedPolicy, result: EvaluationResult, extra: Record<string, unknown>, now: Date, costs?: Map<string, ResourceCost>): void {
  const format: Format = global.json ? "json" : ((): Format => {
    const f = opts.format ?? "table";
    if (!(FORMATS as readonly string[]).includes(f)) throw usageError(`--format must be one of ${FORMATS.join(", ")}, got "${f}"`);
    return f as Format;
  })();
  for (const [file, f] of [[opts.sarif, "sarif"], [opts.junit, "junit"], [opts.markdown, "markdown"]] as const) {
    if (file) writeFileSync(file, render(f, loaded, result, extra, now, costs));
  }
  process.stdout.write(render(format, loaded, result, extra, now, costs));
}

function printPlan(proposals: Proposal[], unfixable: number, dry: boolean): void {
  if (proposals.length === 0) stdio.out("no fixable findings");
  else {
    stdio.out(renderTable(["id", "resource", "tag", "before", "after", "source", "note"], proposals.map((p) => [p.id, p.resourceId, p.tag, p.before ?? "(absent)", p.after, p.source, p.blocked ?? p.reason])));
  }
  stdio.out(`${proposals.filter((p) => !p.blocked).length} applicable change(s), ${proposals.filter((p) => p.blocked).length} blocked by policy, ${unfixable} finding(s) without an automatic fix${dry ? "; dry run: nothing was changed (use --apply with --approve or --approval-file)" : ""}`);
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env["USER"] ?? "unknown";
  }
}

interface AwsCliOpts {
  region?: string[];
  endpoint?: string;
  profile?: string;
  account?: string;
}

function regionsOf(global: GlobalOptions, opts: AwsCliOpts): string[] {
  return opts.region ?? global.workspace.config.governance?.scan?.regions ?? [process.env["AWS_REGION"] ?? process.env["AWS_DEFAULT_REGION"] ?? "us-east-1"];
}

function awsFrom(global: GlobalOptions, opts: AwsCliOpts): { endpoint?: string; profile?: string } {
  const scan = global.workspace.config.governance?.scan;
  const endpoint = opts.endpoint ?? scan?.endpoint;
  const profile = opts.profile ?? scan?.profile;
  return { ...(endpoint ? { endpoint } : {}), ...(profile ? { profile } : {}) };
}

function scanOptions(global: GlobalOptions, opts: AwsCliOpts): Parameters<typeof scanAws>[0] {
  if (opts.account !== undefined && !/^\d{12}$/.test(opts.account)) throw usageError(`--account must be a 12-digit AWS account id, got "${opts.account}"`);
  return { regions: regionsOf(global, opts), aws: awsFrom(global, opts), ...(opts.account ? { accountId: opts.account } : {}) };
}

export type { NormalizedResource };

export async function check(paths: string[], opts: ReportOpts, cmd: Command) {
  const global = globalOptions(cmd);
  const now = nowFrom(opts.now);
  const { policy: loaded, input, result } = await runPolicyCheck(paths, policyPath(global, opts.policy), { now, ...(opts.configDir ? { configDir: resolve(opts.configDir) } : {}) });
  emit(global, opts, loaded, result, { inputs: paths, notes: input.notes }, now);
  setExit(cmd, result.blocking ? EXIT.findings : EXIT.ok);
}

export async function exportInput(paths: string[], opts: { output?: string }) {
  const input = await loadCheckInput(paths);
  const text = JSON.stringify({ ...input.document, notes: input.notes }, null, 2) + "\n";
  if (opts.output) writeFileSync(opts.output, text);
  else process.stdout.write(text);
}

export async function scan(opts: ReportOpts & AwsCliOpts & { record: boolean }, cmd: Command) {
  // the AWS SDK and the store writes load only for the runtime commands (`policy check` stays light)
  const [{ scanAws }, { monthlyCosts, recordScan }] = await Promise.all([import("../../engine/governance/runtime-scan.js"), import("../../engine/governance/record.js")]);
  const global = globalOptions(cmd);
  const loaded = loadPolicyFile(policyPath(global, opts.policy));
  const now = nowFrom(opts.now);
  const resources = await scanAws(scanOptions(global, opts));
  const result = evaluatePolicy(loaded.compiled, resources, { now });
  const scanId = `scan-${now.toISOString().replace(/[-:.]/g, "").slice(0, 15)}-${Math.random().toString(16).slice(2, 8)}`;
  const costs = await withStore(global, async (store) => {
    const c = await monthlyCosts(store, resources);
    if (opts.record) {
      await recordScan(store, { scanId, scannedAt: now, origin: "aws-runtime", policyFile: loaded.file, resources, result, costs: c, teamTag: global.workspace.config.governance?.teamTag ?? "team" });
    }
    return c;
  });
  emit(global, opts, loaded, result, { scanId: opts.record ? scanId : null, regions: regionsOf(global, opts) }, now, costs);
  setExit(cmd, result.blocking ? EXIT.findings : EXIT.ok);
}

export async function remediate(opts: AwsCliOpts & { policy?: string; apply?: boolean; approve?: boolean; approvalFile?: string; actor?: string; writeApprovalFile?: string; now?: string }, cmd: Command) {
  const [{ scanAws }, { applyProposals, readApprovalFile }, { awsClientConfig }] = await Promise.all([import("../../engine/governance/runtime-scan.js"), import("../../engine/governance/remediate.js"), import("../../engine/aws/client-config.js")]);
  const global = globalOptions(cmd);
  if (opts.apply && !opts.approve && !opts.approvalFile) throw usageError("--apply needs an explicit approval: --approve (all applicable changes) or --approval-file <file> (listed change ids)");
  if (!opts.apply && (opts.approve || opts.approvalFile)) throw usageError("--approve/--approval-file only make sense with --apply (without it this is a dry run)");
  if (opts.approve && opts.approvalFile) throw usageError("choose one of --approve and --approval-file");
  const loaded = loadPolicyFile(policyPath(global, opts.policy));
  const now = nowFrom(opts.now);
  const resources = await scanAws(scanOptions(global, opts));
  const result = evaluatePolicy(loaded.compiled, resources, { now });
  const plan = proposeRemediation(loaded.policy, result.findings, resources);
  const applicable = plan.proposals.filter((p) => !p.blocked);
  if (opts.writeApprovalFile) {
    writeFileSync(opts.writeApprovalFile, `# costwise policy remediate: approved change ids (delete lines to reject)\n${applicable.map((p) => `${p.id}  # ${p.resourceId} ${p.tag}=${p.after} (${p.source})`).join("\n")}\n`);
  }
  if (!opts.apply) {
    if (global.json) stdio.json({ dryRun: true, proposals: plan.proposals, unfixable: plan.unfixable.map((u) => ({ findingId: u.finding.id, resourceId: u.finding.resourceId, ruleId: u.finding.ruleId, why: u.why })) });
    else printPlan(plan.proposals, plan.unfixable.length, true);
    return;
  }
  const approvedIds = opts.approve ? ("all" as const) : readApprovalFile(opts.approvalFile!);
  if (approvedIds !== "all") {
    const unknown = [...approvedIds].filter((id) => !plan.proposals.some((p) => p.id === id));
    if (unknown.length) throw new CostwiseError("BAD_INPUT", `${opts.approvalFile}: change id${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} not in the current proposals (the estate changed since review?); run a dry run again`);
  }
  const actor = opts.actor ?? safeUser();
  const applied = await withStore(global, (store) =>
    applyProposals(store, plan.proposals, {
      actor,
      approval: opts.approve ? "flag --approve" : `file ${opts.approvalFile}`,
      approvedIds,
      clientConfig: (region) => awsClientConfig({ region, ...awsFrom(global, opts) }) as unknown as Record<string, unknown>,
      now,
    }),
  );
  if (global.json) stdio.json({ dryRun: false, actor, changes: applied.map((a) => ({ ...a.proposal, status: a.status, api: a.api, error: a.error })) });
  else {
    stdio.out(renderTable(["id", "resource", "tag", "before", "after", "status"], applied.map((a) => [a.proposal.id, a.proposal.resourceId, a.proposal.tag, a.current ?? "(absent)", a.proposal.after, a.error ? `${a.status}: ${a.error}` : a.status])));
    stdio.out(`${applied.filter((a) => a.status === "applied").length} of ${applied.length} change(s) applied by ${actor}; recorded in ${GOVERNANCE_AUDIT_TABLE}`);
  }
  if (applied.some((a) => a.status === "failed")) setExit(cmd, EXIT.failure);
}
