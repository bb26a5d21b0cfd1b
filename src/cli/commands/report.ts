/**
 * `costwise report allocation | coverage | unit-cost`: showback and chargeback from `cost_allocation`, the
 * tagged-spend KPI per billing month (src/engine/kpi/tagged-spend.ts: share of allocable EffectiveCost carrying
 * each normalized required tag, tax and credits apart) and cost per business unit.
 */
import type { Command } from "commander";
import { SUMMARY_GRANULARITIES } from "./option-values.js";
import { COVERAGE_DIMENSIONS } from "./option-values.js";
import { registerReportGovernance } from "./report-governance.js";
import { lazyAction } from "./lazy-action.js";

const FORMATS = ["table", "csv", "json"] as const;
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function registerReport(program: Command): void {
  const report = program.command("report").description("allocation reports: showback/chargeback by owner, tag coverage, unit costs; governance KPIs");
  registerReportGovernance(report);

  report
    .command("allocation")
    .description("cost per owner from the last `costwise allocate` (showback table; --format csv is the chargeback export, exact decimals)")
    .option("--by <dim>", "group by an owner dimension (team, product, environment, cost_center, ...) or team, rule_id, shared_pool, service_name, sub_account_id, ...", "team")
    .option("--from <date>", "first charge date, inclusive (YYYY-MM-DD)")
    .option("--to <date>", "end charge date, exclusive (YYYY-MM-DD)")
    .option("--team <name>", "only this primary owner")
    .option("--granularity <g>", `period column: ${SUMMARY_GRANULARITIES.join(" | ")}`, "none")
    .option("--currency <code>", "money in this currency (ISO 4217), converted per charge day with the fx: rates (default fx.reportingCurrency)")
    .option("--format <f>", `${FORMATS.join(" | ")} (--json is the same as --format json)`, "table")
    .addHelpText("after", `\nExamples:\n  costwise report allocation --by team\n  costwise report allocation --by team --granularity month --format csv > chargeback.csv\n  costwise --json report allocation --by service_name --team payments --from 2026-01-01 --to 2026-02-01\n`)
    .action(lazyAction(() => import("./report-actions.js"), "allocation"));

  report
    .command("coverage")
    .description("tagged spend % per billing month: share of allocable EffectiveCost (not of resources) carrying each normalized required tag, tax and credits apart (docs/kpis.md), and the top untagged resources by cost; exit 3 with --fail-below-target when a figure misses the target")
    .option("--by <dim>", `${COVERAGE_DIMENSIONS.join(" | ")}`, "none")
    .option("--month <YYYY-MM>", "one billing month (default: every month)")
    .option("--tag <key>", "required tag (repeatable; default allocation.coverage.requiredTags and kpis.taggedSpend.tag)", collect)
    .option("--top <n>", "untagged resources to list", "10")
    .option("--fail-below-target", "exit 3 when any coverage figure is below the target (kpis.taggedSpend.min)")
    .action(lazyAction(() => import("./report-actions.js"), "coverage"));

  report
    .command("unit-cost")
    .description("cost per business unit (allocation.unitCosts): allocated cost over business_metrics per period, service and environment, with the numerator explained")
    .option("--granularity <g>", "day | month", "month")
    .option("--name <name>", "only this unit cost")
    .option("--from <date>", "first date, inclusive (YYYY-MM-DD)")
    .option("--to <date>", "end date, exclusive (YYYY-MM-DD)")
    .action(lazyAction(() => import("./report-actions.js"), "unitCost"));
}
