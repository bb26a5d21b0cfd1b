/**
 * `costwise utilization`: collect EC2 inventory and CloudWatch metrics, or import utilization from CSV files.
 */
import type { Command } from "commander";
import { UTILIZATION_CSV_COLUMNS } from "./option-values.js";
import { lazyAction } from "./lazy-action.js";

export function registerUtilization(program: Command): void {
  const u = program.command("utilization").description("utilization metrics for rightsizing and idle detection: collect from AWS or import CSV");
  u.command("collect")
    .description("EC2 instances, EBS volumes, Elastic IPs and CloudWatch metrics (CPU, CWAgent memory, network) into the store, hourly")
    .option("--region <r>", "AWS region (default AWS_REGION or us-east-1)")
    .option("--aws-profile <name>", "named AWS profile (default: the standard credential chain)")
    .option("--endpoint <url>", "custom AWS endpoint (moto_server, VPC endpoints)")
    .option("--lookback-days <n>", "days of metrics to fetch (default: the rightsizing profile's lookback, 14)")
    .action(lazyAction(() => import("./utilization-actions.js"), "collect"));
  u.command("import <files...>")
    .description(`import utilization points from CSV (columns ${UTILIZATION_CSV_COLUMNS.join(",")}; timestamp ISO 8601, value a number; bucketed into UTC hours)`)
    .option("--source <name>", "label stored with the rows (default csv)")
    .action(lazyAction(() => import("./utilization-actions.js"), "importCommand"));
}
