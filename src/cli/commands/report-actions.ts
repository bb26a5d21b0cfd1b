/**
 * `costwise report allocation | coverage | unit-cost`: showback and chargeback from `cost_allocation`, the
 * tagged-spend KPI per billing month (src/engine/kpi/tagged-spend.ts: share of allocable EffectiveCost carrying
 * each normalized required tag, tax and credits apart) and cost per business unit.
 */
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { CostwiseError } from "../../core/errors.js";
import { loadAllocation } from "../../engine/allocation/load-rules.js";
import { SUMMARY_GRANULARITIES, allocationSummary, unitCosts, type SummaryGranularity } from "../../engine/allocation/reports.js";
import { COVERAGE_DIMENSIONS, taggedSpend, type CoverageDimension } from "../../engine/kpi/tagged-spend.js";
import { minorUnitDigits } from "../../core/fx/minor-unit.js";
import { fxContextOf } from "../../engine/fx/convert.js";
import { formatAmount } from "../../engine/query/run-query.js";
import { renderTable } from "../table.js";
import { EXIT, globalOptions, setExit, stdio, usageError, withStore, type GlobalOptions } from "../context.js";
import { printTeams } from "./allocate-actions.js";
import { dayOption, monthOption } from "./date-options.js";

const FORMATS = ["table", "csv", "json"] as const;

function requireStore(global: GlobalOptions): void {
  if (global.store !== ":memory:" && !existsSync(global.store)) {
    throw new CostwiseError("NOT_FOUND", `no cost store at ${global.store}; ingest a bill first (costwise ingest) or pass --store`);
  }
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw usageError(`${flag} must be one of ${allowed.join(", ")}, got "${value}"`);
  return value as T;
}

function csv(rows: readonly (readonly (string | number | null)[])[]): string {
  const field = (v: string | number | null): string => (v === null ? "" : /[",\r\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  return rows.map((r) => r.map(field).join(",")).join("\r\n") + "\r\n";
}

export async function allocation(opts: { by: string; from?: string; to?: string; team?: string; granularity: string; currency?: string; format: string }, cmd: Command) {
  const global = globalOptions(cmd);
  const format = global.json ? "json" : oneOf(opts.format, FORMATS, "--format")!;
  const granularity = oneOf(opts.granularity, SUMMARY_GRANULARITIES, "--granularity") as SummaryGranularity;
  dayOption(opts.from, "--from");
  dayOption(opts.to, "--to");
  requireStore(global);
  // a reporting currency (--currency, else fx.reportingCurrency): every amount converted (docs/fx.md)
  const fx = fxContextOf(global.workspace);
  const currency = opts.currency?.trim().toUpperCase() ?? fx?.config.reportingCurrency;
  if (currency !== undefined && !/^[A-Z]{3}$/.test(currency)) throw usageError(`--currency must be an ISO 4217 code (three capital letters, e.g. USD), got "${currency}"`);
  const summary = await withStore(global, (store) =>
    allocationSummary(store, {
      by: opts.by,
      granularity,
      ...(currency !== undefined ? { currency, fx } : {}),
      ...(opts.from !== undefined ? { from: opts.from } : {}),
      ...(opts.to !== undefined ? { to: opts.to } : {}),
      ...(opts.team !== undefined ? { team: opts.team } : {}),
    }),
  );
  if (format === "json") return stdio.json(summary);
  if (format === "csv") {
    process.stdout.write(
      csv([
        ["period", "currency", opts.by, "billed_cost", "effective_cost", "shared_cost", "line_items"],
        ...summary.rows.map((r) => [r.period, r.currency, r.key, r.billedCost, r.effectiveCost, r.sharedCost, r.lineItems]),
      ]),
    );
    return;
  }
  if (summary.rows.length === 0) stdio.out("No allocation yet: run costwise allocate.");
  const fxNote = () => {
    if (summary.fx) stdio.out(`(converted to ${summary.fx.currency} with ${summary.fx.rates} rates from ${summary.fx.source}, base ${summary.fx.base}, ${summary.fx.from} to ${summary.fx.to}: ${summary.fx.rule})`);
  };
  // converted amounts are rounded to the target currency's minor unit at display only (JPY 0 digits)
  const digits = summary.fx ? minorUnitDigits(summary.fx.currency) : 2;
  if (granularity === "none") (printTeams(summary), fxNote());
  else {
    stdio.out(
      renderTable(
        ["period", "currency", opts.by, "billed", "of which shared"],
        summary.rows.map((r) => [r.period ?? "", r.currency, r.key, formatAmount(r.billedCost, { decimals: digits }), formatAmount(r.sharedCost, { decimals: digits })]),
        { rightAlign: [3, 4] },
      ),
    );
    fxNote();
  }
}

export async function coverage(opts: { by: string; month?: string; tag?: string[]; top: string; failBelowTarget?: boolean }, cmd: Command) {
  const global = globalOptions(cmd);
  const by = oneOf(opts.by, COVERAGE_DIMENSIONS, "--by") as CoverageDimension;
  const top = Number(opts.top);
  if (!Number.isInteger(top) || top < 0) throw usageError(`--top must be a whole number, got "${opts.top}"`);
  monthOption(opts.month, "--month");
  requireStore(global);
  const result = await withStore(global, (store) =>
    taggedSpend(store, global.workspace, { by, top, ...(opts.tag ? { tags: opts.tag } : {}), ...(opts.month !== undefined ? { month: opts.month } : {}) }),
  );
  const below = result.rows.some((r) => r.meetsTarget === false);
  if (opts.failBelowTarget && below) setExit(cmd, EXIT.findings);
  if (global.json) return stdio.json(result);
  stdio.out(`Tagged spend (share of a billing month's allocable EffectiveCost carrying the tag; target ${result.target}%; tax, credits and adjustments apart)`);
  stdio.out(
    renderTable(
      ["month", by === "none" ? "" : by, "currency", "tag", "allocable", "tagged", "coverage", "", "not allocable"],
      result.rows.map((r) => [
        r.period,
        r.key ?? "",
        r.currency,
        r.tag,
        formatAmount(r.spend, { decimals: 2 }),
        formatAmount(r.tagged, { decimals: 2 }),
        r.percent === null ? "-" : `${r.percent}%`,
        r.meetsTarget === false ? "below target" : "",
        formatAmount(r.notAllocable, { decimals: 2 }),
      ]),
      { rightAlign: [4, 5, 6, 8] },
    ),
  );
  if (result.topUntagged.length) {
    stdio.out("");
    stdio.out("Top untagged resources by cost");
    stdio.out(
      renderTable(
        ["resource", "account", "service", "currency", "spend", "missing"],
        result.topUntagged.map((t) => [t.resourceId, t.account ?? "", t.service ?? "", t.currency, formatAmount(t.spend, { decimals: 2 }), t.missing.join(",")]),
        { rightAlign: [4] },
      ),
    );
  }
}

export async function unitCost(opts: { granularity: string; name?: string; from?: string; to?: string }, cmd: Command) {
  const global = globalOptions(cmd);
  const granularity = oneOf(opts.granularity, ["day", "month"] as const, "--granularity")!;
  dayOption(opts.from, "--from");
  dayOption(opts.to, "--to");
  const { model } = loadAllocation(global.workspace.config, global.workspace.baseDir);
  if (model.config.unitCosts.length === 0) throw new CostwiseError("BAD_CONFIG", "no unit costs configured: add allocation.unitCosts to costwise.yaml");
  requireStore(global);
  const result = await withStore(global, (store) =>
    unitCosts(store, model, {
      granularity,
      ...(opts.name !== undefined ? { name: opts.name } : {}),
      ...(opts.from !== undefined ? { from: opts.from } : {}),
      ...(opts.to !== undefined ? { to: opts.to } : {}),
    }),
  );
  if (global.json) return stdio.json(result);
  stdio.out(
    renderTable(
      ["unit cost", "period", "service", "environment", "currency", "cost", "units", "per unit"],
      result.rows.map((r) => [r.name, r.period, r.service ?? "(all)", r.environment ?? "(all)", r.currency, formatAmount(r.cost, { decimals: 2 }), formatAmount(r.units, { trim: true }), r.unitCost ?? "-"]),
      { rightAlign: [5, 6, 7] },
    ),
  );
  for (const e of result.explain) {
    const f = Object.entries(e.filter).map(([k, v]) => `${k} in (${v.join(", ")})`).join(" and ") || "all owners";
    stdio.out(`${e.name}: ${e.costMetric} of ${f}, service = owners.${e.serviceDimension}, environment = owners.${e.environmentDimension}, per ${e.metric}; from rules ${e.rules.map((r) => `${r.ruleId} ${formatAmount(r.cost, { decimals: 2 })} ${r.currency}`).join(", ") || "(none)"}`);
  }
}
