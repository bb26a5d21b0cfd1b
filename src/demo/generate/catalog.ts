/**
 * Static reference data for the demo organisation: accounts, teams, regions, services and public
 * prices. Prices are exact decimal strings close to AWS's published us-east-1 on-demand prices (Linux,
 * shared tenancy) at the time of writing; other regions apply a per-mille factor, rounded to 10^-6 $.
 */

export const TEAMS = ["payments", "search", "data", "platform", "ml", "web"] as const;
export type Team = (typeof TEAMS)[number];

export const ENVS = ["prod", "staging", "dev"] as const;
export type Env = (typeof ENVS)[number];

export const COST_CENTERS: Readonly<Record<Team, string>> = {
  payments: "CC-1010",
  search: "CC-1020",
  data: "CC-1030",
  platform: "CC-1040",
  ml: "CC-1050",
  web: "CC-1060",
};

export interface DemoAccount {
  readonly id: string;
  readonly name: string;
}

/** The management (payer) account: owns the Savings Plan, the support plan, and shared platform tools. */
export const PAYER: DemoAccount = { id: "123456789012", name: "acme-management" };

/** Linked accounts; several ids start with zeros on purpose (they must stay strings end to end). */
export const ACCOUNTS = {
  payer: PAYER,
  payments: { id: "012345678901", name: "acme-payments-prod" },
  search: { id: "098765432109", name: "acme-search-prod" },
  data: { id: "004455667788", name: "acme-data-prod" },
  ml: { id: "210987654321", name: "acme-ml" },
  web: { id: "345678901234", name: "acme-web-prod" },
  nonprod: { id: "056789012345", name: "acme-nonprod" },
} as const satisfies Record<string, DemoAccount>;

export type AccountKey = keyof typeof ACCOUNTS;
export const ACCOUNT_KEYS = Object.keys(ACCOUNTS) as AccountKey[];

export interface Region {
  readonly code: string;
  /** Usage-type prefix ("" for us-east-1, "EU-" for eu-west-1, ...). */
  readonly prefix: string;
  readonly name: string;
  readonly azs: readonly string[];
  /** Price relative to us-east-1, in per mille. */
  readonly priceFactor: number;
}

export const REGIONS = {
  "us-east-1": { code: "us-east-1", prefix: "", name: "US East (N. Virginia)", azs: ["us-east-1a", "us-east-1b", "us-east-1c"], priceFactor: 1000 },
  "us-west-2": { code: "us-west-2", prefix: "USW2-", name: "US West (Oregon)", azs: ["us-west-2a", "us-west-2b", "us-west-2c"], priceFactor: 1000 },
  "eu-west-1": { code: "eu-west-1", prefix: "EU-", name: "EU (Ireland)", azs: ["eu-west-1a", "eu-west-1b", "eu-west-1c"], priceFactor: 1115 },
  "eu-central-1": { code: "eu-central-1", prefix: "EUC1-", name: "EU (Frankfurt)", azs: ["eu-central-1a", "eu-central-1b"], priceFactor: 1200 },
} as const satisfies Record<string, Region>;

export type RegionCode = keyof typeof REGIONS;

export interface ServiceInfo {
  readonly productCode: string;
  readonly productName: string;
  readonly servicecode: string;
}

export const SERVICES = {
  ec2: { productCode: "AmazonEC2", productName: "Amazon Elastic Compute Cloud", servicecode: "AmazonEC2" },
  /** Data transfer is billed under the EC2 product code; its product/servicecode is AWSDataTransfer. */
  dataTransfer: { productCode: "AmazonEC2", productName: "Amazon Elastic Compute Cloud", servicecode: "AWSDataTransfer" },
  s3: { productCode: "AmazonS3", productName: "Amazon Simple Storage Service", servicecode: "AmazonS3" },
  rds: { productCode: "AmazonRDS", productName: "Amazon Relational Database Service", servicecode: "AmazonRDS" },
  lambda: { productCode: "AWSLambda", productName: "AWS Lambda", servicecode: "AWSLambda" },
  dynamodb: { productCode: "AmazonDynamoDB", productName: "Amazon DynamoDB", servicecode: "AmazonDynamoDB" },
  cloudfront: { productCode: "AmazonCloudFront", productName: "Amazon CloudFront", servicecode: "AmazonCloudFront" },
  kms: { productCode: "awskms", productName: "AWS Key Management Service", servicecode: "awskms" },
  cloudwatch: { productCode: "AmazonCloudWatch", productName: "AmazonCloudWatch", servicecode: "AmazonCloudWatch" },
  savingsPlans: { productCode: "ComputeSavingsPlans", productName: "Savings Plans for AWS Compute usage", servicecode: "ComputeSavingsPlans" },
  support: { productCode: "AWSSupportBusiness", productName: "AWS Support (Business)", servicecode: "AWSSupportBusiness" },
} as const satisfies Record<string, ServiceInfo>;

export type ServiceKey = keyof typeof SERVICES;

export interface Ec2Type {
  readonly family: string;
  /** us-east-1 Linux on-demand $/hour. */
  readonly od: string;
  /** us-east-1 1-year No Upfront Compute Savings Plan $/hour. */
  readonly sp: string;
}

export const EC2_TYPES = {
  "t3.medium": { family: "General purpose", od: "0.0416", sp: "0.0301" },
  "t3.large": { family: "General purpose", od: "0.0832", sp: "0.0602" },
  "m5.large": { family: "General purpose", od: "0.096", sp: "0.068" },
  "m5.xlarge": { family: "General purpose", od: "0.192", sp: "0.136" },
  "m5.2xlarge": { family: "General purpose", od: "0.384", sp: "0.272" },
  "c6i.xlarge": { family: "Compute optimized", od: "0.17", sp: "0.1225" },
  "c6i.2xlarge": { family: "Compute optimized", od: "0.34", sp: "0.245" },
  "r6i.2xlarge": { family: "Memory optimized", od: "0.504", sp: "0.363" },
  "g5.2xlarge": { family: "GPU instance", od: "1.212", sp: "0.873" },
  "p3.2xlarge": { family: "GPU instance", od: "3.06", sp: "2.2" },
} as const satisfies Record<string, Ec2Type>;

export type Ec2TypeName = keyof typeof EC2_TYPES;

export interface RdsType {
  /** The abbreviated size used in RDS usage types ("db.r6g.xl"). */
  readonly usageName: string;
  /** us-east-1 PostgreSQL single-AZ on-demand $/hour. */
  readonly od: string;
}

export const RDS_TYPES = {
  "db.t4g.medium": { usageName: "db.t4g.medium", od: "0.065" },
  "db.r6g.large": { usageName: "db.r6g.large", od: "0.225" },
  "db.r6g.xlarge": { usageName: "db.r6g.xl", od: "0.449" },
  "db.r6g.2xlarge": { usageName: "db.r6g.2xl", od: "0.898" },
} as const satisfies Record<string, RdsType>;

export type RdsTypeName = keyof typeof RDS_TYPES;

/** Other public unit prices (us-east-1). */
export const PRICES = {
  ebsGp3: "0.08",
  ebsGp2: "0.1",
  ebsSnapshot: "0.05",
  s3Standard: "0.023",
  s3StandardIa: "0.0125",
  s3Tier1: "0.000005",
  s3Tier2: "0.0000004",
  rdsGp2: "0.115",
  lambdaRequest: "0.0000002",
  lambdaGbSecond: "0.0000166667",
  ddbWrite: "0.00000125",
  ddbRead: "0.00000025",
  ddbStorage: "0.25",
  cloudfrontOut: "0.085",
  cloudfrontHttps: "0.000001",
  dataTransferOut: "0.09",
  dataTransferRegional: "0.01",
  natHours: "0.045",
  natBytes: "0.045",
  kmsKey: "1",
  kmsRequest: "0.000003",
  cwMetric: "0.3",
  cwLogsIngest: "0.5",
  cwLogsStorage: "0.03",
} as const;

/** The Reserved Instance the demo organisation holds (RDS, partial upfront, 1 year). */
export const RDS_RI = {
  instanceType: "db.r6g.xlarge" as RdsTypeName,
  region: "us-east-1" as RegionCode,
  count: 2,
  /** Upfront fee for all `count` instances. */
  upfront: "2352",
  /** Recurring $/hour per instance. */
  hourly: "0.134",
  leaseId: "ri-2025-payments-ledger",
} as const;

/** The Compute Savings Plan (1 year, No Upfront) owned by the payer account. */
export const COMPUTE_SP = {
  /** Commitment in $/hour. */
  hourlyCommitment: "9.5",
  id: "3f1c2b7a-5d4e-4b8f-9a61-0c2d3e4f5a6b",
} as const;

export const TAX_RATE_PERMILLE = 25n;
export const EDP_DISCOUNT_PERMILLE = 30n;
