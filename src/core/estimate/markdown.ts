/**
 * The estimate as text (pure): a plain table for the terminal and Markdown for a pull-request comment (grouped by
 * resource, short, with collapsible details per resource).
 */
import { formatMoney, parseMoney, trimMoney } from "../money.js";
import type { Estimate, ResourceEstimate } from "./model.js";

export interface BudgetImpactLine {
  owner: string;
  budget: string;
  amount: string;
  currency: string;
  forecastWithout: string | null;
  forecastWith: string | null;
  crosses: string[];
  gating: boolean;
}

/** Text from a plan or a policy (addresses, names, messages) made inert in Markdown/HTML: no tags, no table breaks. */
export const mdText = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

const money = (s: string | null): string => (s === null ? "unpriced" : `$${trimMoney(s)}`.replace("$-", "-$"));
const signed = (s: string | null): string => (s === null ? "unpriced" : s.startsWith("-") ? money(s) : `+${money(s)}`);
const cents = (s: string | null): string => (s === null ? "unpriced" : `$${formatMoney(parseMoney(s), 2)}`.replace("$-", "-$"));
const signedCents = (s: string | null): string => (s === null ? "unpriced" : s.startsWith("-") ? cents(s) : `+${cents(s)}`);

export function estimateText(e: Estimate): string {
  const lines: string[] = [];
  const manyFiles = new Set(e.resources.map((x) => x.file)).size > 1;
  for (const r of e.resources) {
    const cost = r.unpricedReason && r.monthlyDelta === null ? `unpriced: ${r.unpricedReason}` : r.free ? "no cost of its own" : `${cents(r.monthlyCost)}/month (${signedCents(r.monthlyDelta)})`;
    lines.push(`${r.action.padEnd(8)} ${manyFiles ? `${r.file}: ` : ""}${r.address}  ${cost}  owner ${r.owner}`);
    for (const c of r.components) {
      lines.push(`           ${c.name}: ${c.monthlyQuantity} ${c.unit} × ${c.price ?? "?"} (${c.priceSource ?? c.unpricedReason}) = ${cents(c.monthlyCost)}${c.assumption ? `  [${c.assumption}]` : ""}`);
    }
  }
  lines.push("");
  for (const o of e.owners) lines.push(`owner ${o.owner}: ${signedCents(o.monthlyDelta)}/month over ${o.resources} resource(s)${o.unpriced ? `, ${o.unpriced} unpriced` : ""}`);
  lines.push(`total: ${cents(e.totalMonthlyCost)}/month after the change (was ${cents(e.totalPreviousMonthlyCost)}), delta ${signedCents(e.totalMonthlyDelta)}${e.unpriced.length ? `; ${e.unpriced.length} resource(s) unpriced` : ""}`);
  return lines.join("\n") + "\n";
}

const baseName = (file: string): string => file.split(/[\\/]/).pop() ?? file;

function details(r: ResourceEstimate, showFile: boolean): string {
  const rows = r.components.map((c) => `| ${mdText(c.name)} | ${c.monthlyQuantity} ${c.unit} | ${c.price === null ? "—" : `$${c.price}`} | ${c.priceSource ?? `unpriced: ${mdText(c.unpricedReason ?? "")}`} | ${cents(c.monthlyCost)} |`);
  const notes = r.components.filter((c) => c.assumption).map((c) => `- ${mdText(c.name)}: ${mdText(c.assumption!)}`);
  return [
    `<details><summary>${showFile ? `<code>${mdText(baseName(r.file))}</code> ` : ""}<code>${mdText(r.address)}</code> ${r.action}: ${r.monthlyDelta === null ? "unpriced" : `${signedCents(r.monthlyDelta)}/month`}</summary>`,
    "",
    rows.length ? ["| component | quantity | price | source | monthly |", "|---|---|---|---|---|", ...rows].join("\n") : r.unpricedReason ? `unpriced: ${mdText(r.unpricedReason)}` : "no cost of its own",
    ...(notes.length ? ["", ...notes] : []),
    ...(r.previousMonthlyCost !== null && r.action !== "create" ? ["", `before the change: ${cents(r.previousMonthlyCost)}/month`] : []),
    "",
    "</details>",
  ].join("\n");
}

/** The estimate part of a pull-request comment. `findingsFor` adds a resource's tag findings under it. */
export function estimateMarkdown(e: Estimate, impacts: readonly BudgetImpactLine[] = [], findingsFor?: (r: ResourceEstimate) => string[]): string {
  const out: string[] = [];
  out.push(`**Monthly cost change: ${signedCents(e.totalMonthlyDelta)}** (${cents(e.totalPreviousMonthlyCost)} → ${cents(e.totalMonthlyCost)})${e.unpriced.length ? `, ${e.unpriced.length} resource(s) unpriced` : ""}`);
  out.push("");
  if (e.owners.length) {
    out.push("| owner | monthly change | resources |", "|---|---:|---:|");
    for (const o of e.owners) out.push(`| ${mdText(o.owner)} | ${signedCents(o.monthlyDelta)} | ${o.resources}${o.unpriced ? ` (${o.unpriced} unpriced)` : ""} |`);
    out.push("");
  }
  if (impacts.length) {
    out.push("| budget | owner | forecast without | forecast with | crosses |", "|---|---|---:|---:|---|");
    for (const b of impacts) out.push(`| ${mdText(b.budget)}${b.gating ? " (gating)" : ""} | ${mdText(b.owner)} | ${money(b.forecastWithout)} | ${money(b.forecastWith)} | ${b.crosses.length ? `**${b.crosses.join(", ")}**` : "—"} |`);
    out.push("");
  }
  // several plans in one run may share addresses: each resource then names its plan
  const showFile = new Set(e.resources.map((r) => r.file)).size > 1;
  for (const r of e.resources) {
    if (r.free && !(findingsFor?.(r).length)) continue;
    out.push(details(r, showFile));
    const f = findingsFor?.(r) ?? [];
    if (f.length) out.push(...f.map((x) => `- ${x}`));
    out.push("");
  }
  const free = e.resources.filter((r) => r.free).length;
  if (free) out.push(`${free} resource(s) with no cost of their own not listed.`);
  return out.join("\n").trimEnd() + "\n";
}

export { signed as signedMoney };
