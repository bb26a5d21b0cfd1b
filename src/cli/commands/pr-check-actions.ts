/**
 * `costwise pr-check`: the policy check (engine/governance, the same evaluation as `costwise policy check`) and the
 * estimate (engine/estimate) of the same plans, rendered as one pull-request comment; SARIF and JUnit are the policy
 * check's. Exit 3 when a finding is blocking or the change makes an owner cross a threshold of a gating budget.
 */
import { writeFileSync } from "node:fs";
import { relative, resolve, sep } from "node:path";
import type { Command } from "commander";
import { evaluatePolicy, type Finding } from "../../core/governance/evaluate.js";
import { toJUnit, toSarif } from "../../core/governance/formats.js";
import { estimateMarkdown, mdText } from "../../core/estimate/markdown.js";
import type { ResourceEstimate } from "../../core/estimate/model.js";
import { loadCheckInput } from "../../engine/governance/inputs.js";
import { loadPolicyFile } from "../../engine/governance/load-policy.js";
import { EXIT, globalOptions, setExit, stdio, usageError } from "../context.js";
import { timeOptionDate } from "./date-options.js";
import { estimateJson, estimateWithStore, type EstimateOpts } from "./estimate-actions.js";

interface PrCheckOpts extends EstimateOpts {
  policy?: string;
  markdown?: string;
  sarif?: string;
  junit?: string;
  now?: string;
}

const toUri = (file: string): string => {
  const rel = relative(process.cwd(), resolve(file));
  return (rel.startsWith("..") ? resolve(file) : rel).split(sep).join("/");
};

export async function prCheck(paths: string[], opts: PrCheckOpts, cmd: Command) {
  const g = globalOptions(cmd);
  let policyFile: string;
  if (opts.policy) policyFile = resolve(opts.policy);
  else if (g.workspace.config.governance?.policy) policyFile = resolve(g.workspace.baseDir, g.workspace.config.governance.policy);
  else throw usageError("no policy file: pass --policy <file> or set governance.policy in costwise.yaml");
  const now = opts.now === undefined ? new Date() : timeOptionDate(opts.now, "--now")!;
  const loaded = loadPolicyFile(policyFile);
  const input = await loadCheckInput(paths);
  const result = evaluatePolicy(loaded.compiled, input.document.resources, { now });
  const { run, impacts, estimateId } = await estimateWithStore(g, paths, opts, now);

  // findings grouped under their resource: same address and same file (several plans may share addresses)
  const byResource = new Map<string, Finding[]>();
  const keyOf = (file: string | undefined, address: string): string => `${file ? resolve(file) : ""}\u0000${address}`;
  for (const f of result.findings) {
    const k = keyOf(f.location?.file, f.resourceId);
    const list = byResource.get(k);
    if (list) list.push(f);
    else byResource.set(k, [f]);
  }
  const shown = new Set<string>();
  const findingsFor = (r: ResourceEstimate): string[] => {
    const k = keyOf(r.file, r.address);
    shown.add(k);
    return (byResource.get(k) ?? []).map((f) => `${f.blocking ? "❌" : f.severity === "warning" ? "⚠️" : "ℹ️"} ${f.severity}${f.blocking ? " (blocking)" : ""} \`${mdText(f.ruleId)}\`: ${mdText(f.message)}`);
  };
  const gatingCrossed = impacts.filter((b) => b.gating && b.crosses.length > 0);
  const s = result.summary;
  const lines: string[] = [];
  lines.push(`## costwise: ${result.blocking || gatingCrossed.length ? "❌ blocking" : "✅ not blocking"}`);
  lines.push("");
  lines.push(`**Tags:** ${s.resources} resources, ${s.checked} checked, ${s.bySeverity.error} errors, ${s.bySeverity.warning} warnings${s.blocking ? `, **${s.blocking} blocking**` : ""}`);
  for (const b of gatingCrossed) lines.push(`**Budget:** the change takes ${mdText(b.owner)}'s month-end forecast over ${b.crosses.join(", ")} of gating budget \`${b.budget}\` (${b.amount} ${b.currency})`);
  lines.push("");
  const body = estimateMarkdown(run.estimate, impacts, findingsFor);
  lines.push(body.trimEnd());
  // findings on resources the estimate does not list (no-op changes, .tf resources not priced)
  const rest = result.findings.filter((f) => !shown.has(keyOf(f.location?.file, f.resourceId)));
  if (rest.length) {
    lines.push("", `<details><summary>${rest.length} finding(s) on unchanged resources</summary>`, "");
    for (const f of rest) lines.push(`- \`${mdText(f.resourceId)}\` ${f.severity}${f.blocking ? " (blocking)" : ""} \`${mdText(f.ruleId)}\`: ${mdText(f.message)}`);
    lines.push("", "</details>");
  }
  for (const n of [...input.notes, ...run.notes]) lines.push("", `_note: ${mdText(n)}_`);
  const markdown = lines.join("\n") + "\n";

  const ctx = { policy: loaded.policy, result, uri: toUri };
  if (opts.sarif) writeFileSync(opts.sarif, JSON.stringify(toSarif(ctx), null, 2) + "\n");
  if (opts.junit) writeFileSync(opts.junit, toJUnit(ctx, now.toISOString().slice(0, 19)));
  if (opts.markdown) writeFileSync(opts.markdown, markdown);
  const exit = result.blocking || gatingCrossed.length > 0 ? EXIT.findings : EXIT.ok;
  if (g.json) {
    stdio.json({
      blocking: exit === EXIT.findings,
      policy: loaded.file,
      summary: result.summary,
      findings: result.findings,
      estimate: estimateJson(run.estimate, { budgets: impacts, notes: run.notes, ...(estimateId ? { estimateId } : {}) }),
      gatingBudgetsCrossed: gatingCrossed,
    });
  } else if (!opts.markdown) process.stdout.write(markdown);
  else stdio.out(`${result.blocking || gatingCrossed.length ? "blocking" : "not blocking"}: ${s.blocking} blocking finding(s), monthly change ${run.estimate.totalMonthlyDelta} USD; comment written to ${opts.markdown}`);
  setExit(cmd, exit);
}
