/**
 * `costwise policy check | export-input | scan | remediate`: tag policies as code, before deploy (Terraform plan
 * JSON and .tf files) and at runtime (live AWS resources), with dry-run-by-default remediation.
 */
import type { Command } from "commander";
import { lazyAction } from "./lazy-action.js";

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];
const FORMATS = ["table", "json", "sarif", "junit", "markdown"] as const;

const reportOptions = (c: Command): Command =>
  c
    .option("-p, --policy <file>", "policy file (default: governance.policy in costwise.yaml)")
    .option("--format <f>", `stdout format: ${FORMATS.join(" | ")} (--json = json)`, "table")
    .option("--sarif <file>", "also write SARIF 2.1.0 to this file (GitHub/GitLab code scanning)")
    .option("--junit <file>", "also write JUnit XML to this file (CI test reports)")
    .option("--markdown <file>", "also write a Markdown summary for a pull-request comment")
    .option("--now <date>", "evaluate exemption expiry as of this date (YYYY-MM-DD; default today)");

export function registerPolicy(program: Command): void {
  const policy = program.command("policy").description("tag policies as code: check Terraform before deploy, scan live AWS resources, remediate tags");

  reportOptions(
    policy
      .command("check")
      .description("check Terraform plan JSON files, .tf files or directories against a tag policy; exit 3 on a blocking finding")
      .argument("<paths...>", "plan JSON (terraform show -json plan.out > plan.json), .tf files or directories"),
  )
    .option("--config-dir <dir>", "root module directory of the plans, to point findings at .tf lines (default: each plan's directory)")
    .addHelpText("after", `\nExamples:\n  terraform show -json plan.out > plan.json && costwise policy check -p policies/tags.yaml plan.json\n  costwise policy check -p tags.yaml infra/ --sarif costwise.sarif --junit costwise.xml --markdown comment.md\n\nExit codes: 0 no blocking finding, 3 blocking findings, 2 bad policy or usage, 1 unreadable input.\n`)
    .action(lazyAction(() => import("./policy-actions.js"), "check"));

  policy
    .command("export-input")
    .description("write the normalized resource document (the input policies see) as JSON, e.g. for OPA/Conftest")
    .argument("<paths...>", "plan JSON, .tf files or directories")
    .option("-o, --output <file>", "write to a file instead of stdout")
    .addHelpText("after", `\nExample:\n  costwise policy export-input plan.json -o input.json && conftest test --input json input.json\n`)
    .action(lazyAction(() => import("./policy-actions.js"), "exportInput"));

  reportOptions(
    awsOptions(
      policy
        .command("scan")
        .description("scan live AWS resources (tagging API, EC2 instances and volumes), evaluate the policy, show each violation's monthly cost and record the scan for KPIs"),
    ),
  )
    .option("--no-record", "do not record the scan in the store")
    .action(lazyAction(() => import("./policy-actions.js"), "scan"));

  awsOptions(
    policy
      .command("remediate")
      .description("propose tag fixes for live resources (dry run by default); --apply with --approve or --approval-file writes them and audits every change"),
  )
    .option("-p, --policy <file>", "policy file (default: governance.policy in costwise.yaml)")
    .option("--apply", "write the approved changes (EC2 CreateTags / tagging API TagResources)")
    .option("--approve", "approve every applicable proposal (with --apply)")
    .option("--approval-file <file>", "approve only the change ids listed in this file (with --apply)")
    .option("--actor <name>", "who is applying, for the audit (default: the OS user)")
    .option("--write-approval-file <file>", "write the applicable change ids to a file to review and trim")
    .option("--now <date>", "evaluate exemption expiry as of this date (YYYY-MM-DD; default today)")
    .addHelpText("after", `\nExamples:\n  costwise policy remediate -p tags.yaml --write-approval-file changes.txt   # dry run, review changes.txt\n  costwise policy remediate -p tags.yaml --apply --approval-file changes.txt --actor alice\n`)
    .action(lazyAction(() => import("./policy-actions.js"), "remediate"));
}

function awsOptions(c: Command): Command {
  return c
    .option("--region <region>", "AWS region to scan (repeatable; default governance.scan.regions, else AWS_REGION)", collect)
    .option("--endpoint <url>", "AWS endpoint override (e.g. an emulator or VPC endpoint)")
    .option("--profile <name>", "named AWS profile")
    .option("--account <id>", "account id for ARNs of resources the APIs do not attribute (volumes)");
}
