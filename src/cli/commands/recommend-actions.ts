/**
 * `costwise recommend`: optimization recommendations as data — run the analysis, list (table, --json, CSV),
 * show one with its history, change status (accept, dismiss --reason, done, reopen), realized savings.
 */
import type { Command } from "commander";
import { optimizationDefaults, rightsizingProfiles, type OptimizationConfig } from "../../core/config/sections/optimization.js";
import { formatMoney, parseMoney } from "../../core/money.js";
import { RECOMMENDATION_STATUSES, RECOMMENDATION_TYPES, type RecommendationStatus } from "../../core/optimize/recommendation-model.js";
import { loadCatalog } from "../../engine/optimize/load-catalog.js";
import { toCsv } from "../../core/csv.js";
import {

  getRecommendation,
  listRecommendations,
  realizedSavings,
  recommendationHistory,
  setRecommendationStatus,
  type RecommendationRow,
} from "../../engine/optimize/recommendation-store.js";
import { runOptimization } from "../../engine/optimize/run.js";
import { globalOptions, stdio, usageError, withStore, type GlobalOptions } from "../context.js";
import { renderTable } from "../table.js";
import { timeOptionDate } from "./date-options.js";

export function optimizationConfig(g: GlobalOptions): OptimizationConfig {
  return g.workspace.config.optimization ?? optimizationDefaults();
}

const cents = (m: string): string => formatMoney(parseMoney(m), 2);

/** RFC 4180 CSV of recommendations, exact decimals. */
export function recommendationsCsv(rows: readonly RecommendationRow[]): string {
  const cols = ["id", "type", "resource_id", "resource_type", "region", "account_id", "owner", "action", "current", "target", "monthly_saving", "currency", "saving_basis", "confidence", "status", "status_reason", "reason", "risks", "first_seen", "last_seen", "still_found"];
  const f = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
  return toCsv(
    cols,
    rows.map((r) =>
      [r.id, r.type, r.resourceId, r.resourceType, r.region, r.accountId, r.owner, r.action, r.currentConfig, r.targetConfig, r.monthlySaving, r.currency, r.savingBasis, r.confidence, r.status, r.statusReason, r.reason, r.risks.join("; "), r.firstSeen, r.lastSeen, r.stillFound]
.map(f),
    ),
  );
}

function printList(rows: readonly RecommendationRow[]): void {
  if (rows.length === 0) {
    stdio.out("no recommendations (run `costwise recommend run` after collecting utilization)");
    return;
  }
  stdio.out(
    renderTable(
      ["id", "type", "resource", "owner", "action", "saving/month", "confidence", "status"],
      rows.map((r) => [String(r.id), r.type, r.resourceId ?? "", r.owner ?? "", r.action, `${cents(r.monthlySaving)} ${r.currency}`, r.confidence, r.status + (r.stillFound ? "" : " (resolved)")]),
      { rightAlign: [0, 5] },
    ),
  );
  const byCur = new Map<string, bigint>();
  for (const r of rows) if (r.status === "open" || r.status === "accepted") byCur.set(r.currency, (byCur.get(r.currency) ?? 0n) + parseMoney(r.monthlySaving));
  for (const [cur, v] of byCur) stdio.out(`open + accepted: ${formatMoney(v, 2)} ${cur}/month`);
}

export async function list(opts: { status?: string[]; type?: string[]; owner?: string; all?: boolean; format?: string }, cmd: Command) {
  const g = globalOptions(cmd);
  for (const s of opts.status ?? []) if (!(RECOMMENDATION_STATUSES as readonly string[]).includes(s)) throw usageError(`--status ${s}: expected one of ${RECOMMENDATION_STATUSES.join(", ")}`);
  for (const t of opts.type ?? []) if (!(RECOMMENDATION_TYPES as readonly string[]).includes(t)) throw usageError(`--type ${t}: expected one of ${RECOMMENDATION_TYPES.join(", ")}`);
  if (opts.format && !["table", "csv"].includes(opts.format)) throw usageError(`--format ${opts.format}: expected table or csv`);
  const rows = await withStore(g, (store) =>
    listRecommendations(store, {
      ...(opts.status ? { status: opts.status as RecommendationStatus[] } : {}),
      ...(opts.type ? { type: opts.type } : {}),
      ...(opts.owner ? { owner: opts.owner } : {}),
      includeResolved: Boolean(opts.all),
    }),
  );
  if (g.json) stdio.json({ recommendations: rows });
  else if (opts.format === "csv") process.stdout.write(recommendationsCsv(rows));
  else printList(rows);
}

export async function run(opts: { profile?: string; asOf?: string; savingsPlans?: boolean }, cmd: Command) {
  const g = globalOptions(cmd);
  const config = optimizationConfig(g);
  if (opts.profile && !rightsizingProfiles(config)[opts.profile]) {
    throw usageError(`--profile ${opts.profile}: unknown profile (known: ${Object.keys(rightsizingProfiles(config)).join(", ")})`);
  }
  const asOf = timeOptionDate(opts.asOf, "--as-of");
  const r = await withStore(g, (store) =>
    runOptimization(store, { config, catalog: loadCatalog(), ...(opts.profile ? { profile: opts.profile } : {}), ...(asOf ? { asOf } : {}), savingsPlans: opts.savingsPlans !== false }),
  );
  const counts: Record<string, number> = {};
  for (const v of r.analysis.verdicts) counts[v.outcome.kind] = (counts[v.outcome.kind] ?? 0) + 1;
  if (g.json) {
    stdio.json({ runId: r.runId, profile: r.analysis.profile, window: r.analysis.window, saved: r.saved, instances: counts, verdicts: r.analysis.verdicts, savingsPlans: r.savingsPlans });
    return;
  }
  stdio.out(`profile ${r.analysis.profile}, window ${r.analysis.window.start} .. ${r.analysis.window.end}`);
  stdio.out(`instances: ${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(", ") || "none"}`);
  const insufficient = r.analysis.verdicts.filter((v) => v.outcome.kind === "insufficient-data");
  for (const v of insufficient.slice(0, 10)) stdio.out(`  ${v.resourceId}: ${v.outcome.reason}`);
  if (insufficient.length > 10) stdio.out(`  ... and ${insufficient.length - 10} more with insufficient data`);
  stdio.out(`recommendations: ${r.saved.created} new, ${r.saved.updated} refreshed, ${r.saved.resolved} no longer found`);
  stdio.out("see them with `costwise recommend list`");
}

export async function show(id: string, _opts: unknown, cmd: Command) {
  const g = globalOptions(cmd);
  const { r, history } = await withStore(g, async (store) => {
    const r = await getRecommendation(store, id);
    return { r, history: await recommendationHistory(store, r.id) };
  });
  if (g.json) return stdio.json({ recommendation: r, history });
  stdio.out(`#${r.id} ${r.type} ${r.resourceId ?? ""} (${r.status}${r.statusReason ? `: ${r.statusReason}` : ""})`);
  stdio.out(`action: ${r.action}`);
  stdio.out(`saving: ${cents(r.monthlySaving)} ${r.currency}/month (${r.savingBasis ?? "?"}), confidence ${r.confidence}`);
  stdio.out(`owner: ${r.owner ?? "(unknown)"}${r.ownerSource ? ` (${r.ownerSource})` : ""}`);
  stdio.out(`why: ${r.reason}`);
  for (const risk of r.risks) stdio.out(`risk: ${risk}`);
  stdio.out("history:");
  for (const h of history) stdio.out(`  ${h.at}  ${h.event}${h.toStatus ? ` ${h.fromStatus ?? ""} -> ${h.toStatus}` : ""}${h.reason ? ` (${h.reason})` : ""}${h.monthlySaving ? `  ${cents(h.monthlySaving)}/month` : ""}`);
}

/** `recommend accept|dismiss|done|reopen <id>`: `change` is what the registration gave the subcommand. */
export async function setStatus(change: { name: string; to: RecommendationStatus; needsReason: boolean }, id: string, opts: { reason?: string }, cmd: Command) {
  const { name, to, needsReason } = change;
  const g = globalOptions(cmd);
  if (needsReason && !opts.reason) throw usageError(`${name} needs --reason "<why>"`);
  const r = await withStore(g, (store) => setRecommendationStatus(store, id, to, opts.reason));
  if (g.json) return stdio.json({ recommendation: r });
  stdio.out(`#${r.id} ${r.type} ${r.resourceId ?? ""}: ${r.status}${r.statusReason ? ` (${r.statusReason})` : ""}`);
}

export async function realized(_opts: unknown, cmd: Command) {
  const g = globalOptions(cmd);
  const rows = await withStore(g, (store) => realizedSavings(store, optimizationConfig(g).hoursPerMonth));
  if (g.json) return stdio.json({ realized: rows });
  if (rows.length === 0) return stdio.out("no done recommendations with a known baseline yet");
  stdio.out(
    renderTable(
      ["id", "resource", "expected/month", "baseline/month", "since done/month", "realized/month"],
      rows.map((r) => [String(r.id), r.resourceId, cents(r.expectedMonthlySaving), cents(r.baselineMonthlyCost), r.monthlyCostSince === null ? "(no bill yet)" : cents(r.monthlyCostSince), r.realizedMonthlySaving === null ? "" : cents(r.realizedMonthlySaving)]),
      { rightAlign: [0, 2, 3, 4, 5] },
    ),
  );
}
