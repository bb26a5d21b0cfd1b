/** `costwise estimate` and `costwise estimate actual`: see estimate.ts. */
import { existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import { estimateMarkdown, estimateText } from "../../core/estimate/markdown.js";
import type { Estimate } from "../../core/estimate/model.js";
import { attachIds, estimateVsActual, idsFromState, recordEstimate } from "../../engine/estimate/actual.js";
import { budgetImpact, runEstimate, type EstimateRun } from "../../engine/estimate/run.js";
import type { BudgetImpactLine } from "../../core/estimate/markdown.js";
import { globalOptions, stdio, usageError, withStore, type GlobalOptions } from "../context.js";
import { renderTable } from "../table.js";

export interface EstimateOpts {
  format?: string;
  region?: string;
  usage?: string;
  bill?: boolean;
  record?: boolean;
  pr?: string;
}

const FORMATS = ["table", "json", "md"] as const;

/** The pull/merge request id: --pr, else what the CI says (GitHub Actions pull_request events, GitLab merge requests). */
export function prId(flag: string | undefined): string | null {
  if (flag) return flag;
  const gl = process.env["CI_MERGE_REQUEST_IID"];
  if (gl) return gl;
  const m = /^refs\/pull\/(\d+)\//.exec(process.env["GITHUB_REF"] ?? "");
  return m ? m[1]! : null;
}

/** Runs the estimate with the store when one exists (and --no-bill is not given), records it when asked, and the budget impact. */
export async function estimateWithStore(g: GlobalOptions, paths: string[], opts: EstimateOpts, now: Date): Promise<{ run: EstimateRun; impacts: BudgetImpactLine[]; estimateId: string | null }> {
  const base = { paths, region: opts.region ?? null, usageFile: opts.usage ?? null, config: g.workspace.config, baseDir: g.workspace.baseDir };
  const useStore = opts.bill !== false && existsSync(g.store);
  if (opts.record && !useStore) throw usageError(opts.bill === false ? "--record needs the store: drop --no-bill" : `--record needs a store; ${g.store} does not exist`);
  if (!useStore) return { run: await runEstimate(base), impacts: [], estimateId: null };
  return withStore(g, async (store) => {
    const run = await runEstimate({ ...base, store });
    const impacts = await budgetImpact(store, g.workspace.config, run.estimate, g.workspace.baseDir);
    let estimateId: string | null = null;
    if (opts.record) {
      estimateId = `est-${now.toISOString().replace(/[-:.]/g, "").slice(0, 15)}-${Math.random().toString(16).slice(2, 8)}`;
      await recordEstimate(store, run.estimate, { estimateId, pr: prId(opts.pr), plans: paths, now });
    }
    return { run, impacts, estimateId };
  });
}

/** The --json shape: resources[] {address,type,action,monthlyCost,components[]...}, totalMonthlyCost (decimal strings). */
export function estimateJson(e: Estimate, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    currency: e.currency,
    totalMonthlyCost: e.totalMonthlyCost,
    totalPreviousMonthlyCost: e.totalPreviousMonthlyCost,
    totalMonthlyDelta: e.totalMonthlyDelta,
    resources: e.resources,
    owners: e.owners,
    unpriced: e.unpriced,
    ...extra,
  };
}

export async function estimate(paths: string[], opts: EstimateOpts, cmd: Command) {
  const g = globalOptions(cmd);
  const format = g.json ? "json" : (opts.format ?? "table");
  if (!(FORMATS as readonly string[]).includes(format)) throw usageError(`--format must be one of ${FORMATS.join(", ")}, got "${format}"`);
  if (paths.length === 0) throw usageError("give a plan JSON file (terraform show -json plan.out > plan.json), .tf files or a directory");
  const { run, impacts, estimateId } = await estimateWithStore(g, paths, opts, new Date());
  if (format === "json") return stdio.json(estimateJson(run.estimate, { budgets: impacts, notes: run.notes, ...(estimateId ? { estimateId } : {}) }));
  if (format === "md") return void process.stdout.write(estimateMarkdown(run.estimate, impacts));
  let text = estimateText(run.estimate);
  for (const b of impacts) text += `budget ${b.budget} (${b.owner}): forecast ${b.forecastWithout ?? "?"} → ${b.forecastWith ?? "?"} ${b.currency} of ${b.amount}${b.crosses.length ? `, crosses ${b.crosses.join(", ")}` : ""}${b.gating ? " (gating)" : ""}\n`;
  for (const n of run.notes) text += `note: ${n}\n`;
  if (estimateId) text += `recorded as ${estimateId}\n`;
  process.stdout.write(text);
}

export async function actual(opts: { pr?: string; state?: string }, cmd: Command) {
  const g = globalOptions(cmd.parent ?? cmd);
  const r = await withStore(g, async (store) => {
    let attached = 0;
    if (opts.state) attached = await attachIds(store, idsFromState(readFileSync(opts.state, "utf8"), opts.state), opts.pr ?? null);
    return { ...(await estimateVsActual(store, { pr: opts.pr ?? null })), attached };
  });
  if (g.json) return stdio.json(r);
  if (r.resources.length === 0) return stdio.out("no stored estimate: run costwise estimate <plan> --record (or pr-check --record) first");
  stdio.out(
    renderTable(
      ["pr", "resource", "estimated", "actual", "error %", "billed days"],
      r.resources.map((x) => [x.pr ?? "", x.address, x.estimated ?? "unpriced", x.actual ?? (x.resourceId ? "not billed yet" : "no id (pass --state)"), x.absPercentError ?? "", String(x.billedDays)]),
    ),
  );
  for (const p of r.prs) stdio.out(`PR ${p.pr ?? "(none)"}: estimated ${p.estimated} vs actual ${p.actual} over ${p.withActual} of ${p.resources} resources${p.absPercentError ? `, error ${p.absPercentError}%` : ""}`);
  stdio.out(`estimate accuracy (median absolute % error): ${r.accuracy === null ? "not measurable yet" : `${r.accuracy}%`} over ${r.measured} resource(s)${r.attached ? `; ${r.attached} id(s) taken from the state` : ""}`);
}
