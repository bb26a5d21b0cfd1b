/**
 * Which Terraform resource types take tags. A documented, curated list (not guessed from names): AWS resources
 * whose provider schema has a `tags` argument (hashicorp/aws 5.x), for the services that carry most spend, plus
 * the azurerm/google equivalents we recognise. Used for .tf and runtime input only: a plan says itself which
 * resources take tags (terraform-plan.ts). A type not listed is treated as untaggable and not held to tag
 * rules (it is reported as skipped); policies can still select it in `match.types`, which then makes it checked.
 *
 * Also maps the runtime resource types of the AWS Resource Groups Tagging API (`service:resourceType` from
 * the ARN) to Terraform type names, so the same policy applies before and after deploy.
 */

export const AWS_TAGGABLE_TYPES: readonly string[] = [
  // compute
  "aws_instance", "aws_spot_instance_request", "aws_launch_template", "aws_autoscaling_group", "aws_ami",
  "aws_ebs_volume", "aws_ebs_snapshot", "aws_eip", "aws_network_interface", "aws_placement_group",
  "aws_ec2_capacity_reservation", "aws_ec2_host", "aws_key_pair",
  // containers and serverless
  "aws_ecs_cluster", "aws_ecs_service", "aws_ecs_task_definition", "aws_ecr_repository", "aws_eks_cluster",
  "aws_eks_node_group", "aws_eks_fargate_profile", "aws_lambda_function", "aws_sfn_state_machine",
  "aws_batch_compute_environment", "aws_batch_job_queue", "aws_apprunner_service",
  // storage
  "aws_s3_bucket", "aws_efs_file_system", "aws_fsx_lustre_file_system", "aws_fsx_windows_file_system",
  "aws_backup_vault", "aws_backup_plan", "aws_glacier_vault", "aws_storagegateway_gateway",
  // databases and analytics
  "aws_db_instance", "aws_rds_cluster", "aws_rds_cluster_instance", "aws_db_subnet_group", "aws_db_parameter_group",
  "aws_db_option_group", "aws_rds_cluster_parameter_group", "aws_dynamodb_table", "aws_elasticache_cluster",
  "aws_elasticache_replication_group", "aws_redshift_cluster", "aws_docdb_cluster", "aws_neptune_cluster",
  "aws_opensearch_domain", "aws_elasticsearch_domain", "aws_msk_cluster", "aws_kinesis_stream",
  "aws_kinesis_firehose_delivery_stream", "aws_emr_cluster", "aws_glue_job", "aws_athena_workgroup",
  "aws_sagemaker_endpoint", "aws_sagemaker_notebook_instance", "aws_mq_broker",
  // networking
  "aws_vpc", "aws_default_vpc", "aws_subnet", "aws_security_group", "aws_route_table", "aws_internet_gateway",
  "aws_nat_gateway", "aws_vpc_endpoint", "aws_vpn_gateway", "aws_vpn_connection", "aws_customer_gateway",
  "aws_ec2_transit_gateway", "aws_ec2_transit_gateway_vpc_attachment", "aws_lb", "aws_alb", "aws_elb",
  "aws_lb_target_group", "aws_cloudfront_distribution", "aws_route53_zone", "aws_globalaccelerator_accelerator",
  "aws_networkfirewall_firewall", "aws_dx_connection",
  // integration, security, observability
  "aws_sqs_queue", "aws_sns_topic", "aws_cloudwatch_log_group", "aws_cloudwatch_metric_alarm", "aws_kms_key",
  "aws_secretsmanager_secret", "aws_iam_role", "aws_iam_user", "aws_iam_policy", "aws_acm_certificate",
  "aws_api_gateway_rest_api", "aws_apigatewayv2_api", "aws_cloudtrail", "aws_wafv2_web_acl", "aws_cognito_user_pool",
  "aws_codebuild_project", "aws_codepipeline", "aws_ssm_parameter", "aws_cloudformation_stack",
];

/** azurerm/google types that take tags/labels, recognised so mixed plans are checked consistently. */
export const OTHER_TAGGABLE_TYPES: readonly string[] = [
  "azurerm_resource_group", "azurerm_virtual_network", "azurerm_linux_virtual_machine", "azurerm_windows_virtual_machine",
  "azurerm_storage_account", "azurerm_public_ip", "azurerm_firewall", "azurerm_virtual_hub", "azurerm_virtual_wan",
  "azurerm_kubernetes_cluster", "azurerm_managed_disk", "azurerm_mssql_server", "azurerm_key_vault",
];

const TAGGABLE = new Set([...AWS_TAGGABLE_TYPES, ...OTHER_TAGGABLE_TYPES]);

export function isTaggableType(type: string): boolean {
  return TAGGABLE.has(type);
}

/**
 * Runtime ARN `service` + `resourceType` → Terraform type. ARNs look like
 * arn:aws:ec2:us-east-1:123456789012:instance/i-0abc (resourceType "instance") or arn:aws:s3:::bucket (none).
 */
export const RUNTIME_TYPE_TO_TERRAFORM: Readonly<Record<string, string>> = {
  "ec2:instance": "aws_instance",
  "ec2:volume": "aws_ebs_volume",
  "ec2:snapshot": "aws_ebs_snapshot",
  "ec2:image": "aws_ami",
  "ec2:vpc": "aws_vpc",
  "ec2:subnet": "aws_subnet",
  "ec2:security-group": "aws_security_group",
  "ec2:natgateway": "aws_nat_gateway",
  "ec2:elastic-ip": "aws_eip",
  "ec2:network-interface": "aws_network_interface",
  "ec2:internet-gateway": "aws_internet_gateway",
  "ec2:route-table": "aws_route_table",
  "ec2:launch-template": "aws_launch_template",
  "s3": "aws_s3_bucket",
  "rds:db": "aws_db_instance",
  "rds:cluster": "aws_rds_cluster",
  "lambda:function": "aws_lambda_function",
  "dynamodb:table": "aws_dynamodb_table",
  "sqs": "aws_sqs_queue",
  "sns": "aws_sns_topic",
  "elasticloadbalancing:loadbalancer": "aws_lb",
  "elasticloadbalancing:targetgroup": "aws_lb_target_group",
  "logs:log-group": "aws_cloudwatch_log_group",
  "kms:key": "aws_kms_key",
  "ecs:cluster": "aws_ecs_cluster",
  "ecs:service": "aws_ecs_service",
  "eks:cluster": "aws_eks_cluster",
  "elasticache:cluster": "aws_elasticache_cluster",
  "es:domain": "aws_opensearch_domain",
  "secretsmanager:secret": "aws_secretsmanager_secret",
  "cloudformation:stack": "aws_cloudformation_stack",
  "kinesis:stream": "aws_kinesis_stream",
  "redshift:cluster": "aws_redshift_cluster",
};

export interface ParsedArn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resourceType: string | undefined;
  resourceId: string;
}

/** Splits an ARN; undefined when it is not one. */
export function parseArn(arn: string): ParsedArn | undefined {
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn") return undefined;
  const [, partition, service, region, account] = parts as [string, string, string, string, string];
  const rest = parts.slice(5).join(":");
  const m = /^([^/:]+)[/:](.+)$/.exec(rest);
  if (m && service !== "s3" && service !== "sqs" && service !== "sns") return { partition, service, region, account, resourceType: m[1]!, resourceId: m[2]! };
  return { partition, service, region, account, resourceType: undefined, resourceId: rest };
}

/** The Terraform type for a runtime ARN, or `<service>:<resourceType>` when unmapped. */
export function terraformTypeForArn(arn: string): string {
  const p = parseArn(arn);
  if (!p) return "unknown";
  const key = p.resourceType ? `${p.service}:${p.resourceType}` : p.service;
  return RUNTIME_TYPE_TO_TERRAFORM[key] ?? RUNTIME_TYPE_TO_TERRAFORM[p.service] ?? key;
}
