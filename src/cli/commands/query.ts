/**
 * `costwise query`: sum a cost metric over the store, grouped, filtered, bucketed in time.
 * Table for people (money rounded to cents), `--csv` and `--json` for machines (exact decimal strings);
 * `--safe-csv` for a CSV a person opens in a spreadsheet (formula-looking text cells prefixed with `'`, see core/csv.ts).
 */
import type { Command } from "commander";
import { GRANULARITIES, QUERY_GRAMMAR_HELP, QUERY_METRICS } from "../../core/query/cost-query.js";
import { lazyAction } from "./lazy-action.js";

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

const EXAMPLES = `
Examples:
  # cost per service in September 2024
  costwise query --group-by ServiceName --start 2024-09-01 --end 2024-10-01

  # monthly cost per team tag on AWS, untagged spend shows as (none)
  costwise query -g tag:team -f "ProviderName=AWS" --granularity month

  # top 20 service/region pairs in prod or staging that have no team tag
  costwise query -g ServiceName,RegionId -f "tag:env in prod,staging" -f "tag:team=" --limit 20

  # daily effective cost per account as CSV, exact decimals
  costwise query --metric EffectiveCost -g SubAccountName --granularity day --csv > daily.csv
  costwise query -g tag:team --safe-csv > for-finance.csv     # safe to open in Excel / Sheets

  # machine-readable, with totals per currency; quote a tag key holding spaces or , = ! ~
  costwise --json query -g 'tag:"cost center"' -f 'tag:"cost center" in R&D,Ops' --order 'tag:"cost center":asc'
`;

export function registerQuery(program: Command): void {
  program
    .command("query")
    .description("sum a cost metric from the cost store, grouped by dimensions or tags, filtered, per hour/day/month")
    .option("-m, --metric <name>", `metric to sum: ${QUERY_METRICS.join(", ")} (default BilledCost)`)
    .option("-g, --group-by <dims>", "comma-separated dimensions or tag:<key> (repeatable)", collect)
    .option("-f, --filter <expr>", 'filter such as "ProviderName=AWS" or "tag:env in prod,staging" (repeatable; all must hold)', collect)
    .option("--start <date>", "window start on ChargePeriodStart, inclusive (ISO date, UTC)")
    .option("--end <date>", "window end, exclusive (ISO date, UTC)")
    .option("--granularity <g>", `time buckets: ${GRANULARITIES.join(" | ")} (default none)`)
    .option("--order <keys>", "key[:asc|:desc], key = metric, period or a group-by dimension (repeatable)", collect)
    .option("--limit <n>", "at most n rows (totals still cover every row)")
    .option("--currency <code>", "report money in this currency (ISO 4217), converted per charge day with the fx: rates (default fx.reportingCurrency)")
    .option("--csv", "RFC 4180 CSV on stdout, exact decimals and text (for programs)")
    .option("--safe-csv", "CSV to open in a spreadsheet: like --csv, but a text cell starting with = + - @ (a formula) gets a leading ' (numbers stay numbers)")
    .addHelpText("after", `\n${QUERY_GRAMMAR_HELP}\n${EXAMPLES}`)
    .action(lazyAction(() => import("./query-actions.js"), "query"));
}
