/**
 * The demo organisation's steady resources, as data: S3 buckets, RDS databases, Lambda functions, DynamoDB tables,
 * CloudFront distributions, per-account plumbing (NAT gateways, KMS keys, CloudWatch, EBS snapshots) and a few
 * orphaned volumes, each with its meters at list prices. `buildSteady` (steady-resources.ts) turns the list into
 * resources for a seed and scale.
 */

import { ACCOUNTS, PRICES, RDS_RI, RDS_TYPES, REGIONS, SERVICES, type AccountKey, type Env, type RdsTypeName, type RegionCode, type Team } from "./catalog.js";
import { dec } from "./decimal.js";
import { dollars, regionalRate, usageTypeFor } from "./pricing.js";
import { hex, strHash, uuid } from "./prng.js";
import type { OrgWindow, SteadyInput } from "./steady-model.js";
import { DATA_STYLE, FAIR, GOOD, IAC, ML_STYLE, NEVER, RARE, SLOPPY, type TagPolicy } from "./tags.js";

/** Every steady resource of the demo organisation, before scaling (ids that need the seed are drawn from it). */
export function steadyInputs(seed: number, w: OrgWindow): SteadyInput[] {
  const list: SteadyInput[] = [];
  const monthStart = (fromEnd: number): number =>
    w.monthStartDay[Math.max(0, w.monthStartDay.length - fromEnd)] ?? 0;

  // S3 buckets: the CUR resource id of S3 usage is the bucket name.
  const bucket = (
    name: string,
    account: AccountKey,
    region: RegionCode,
    team: Team | null,
    env: Env,
    gb: number,
    tier1: number,
    tier2: number,
    growth: number,
    tags: TagPolicy,
    storageClass: "standard" | "ia" = "standard",
  ): void => {
    const reg = REGIONS[region];
    const ia = storageClass === "ia";
    const storageRate = regionalRate(ia ? PRICES.s3StandardIa : PRICES.s3Standard, reg);
    const t1 = regionalRate(PRICES.s3Tier1, reg);
    const t2 = regionalRate(PRICES.s3Tier2, reg);
    list.push({
      name,
      service: SERVICES.s3,
      account,
      region,
      resourceId: () => "{name}",
      team,
      env,
      tags,
      growth,
      churn: false,
      meters: [
        {
          usageType: usageTypeFor(reg, ia ? "TimedStorage-SIA-ByteHrs" : "TimedStorage-ByteHrs"),
          operation: ia ? "StandardIAStorage" : "StandardStorage",
          pricingUnit: "GB-Mo",
          rate: storageRate,
          description: ia
            ? `${dollars(storageRate)} per GB-Month of storage used in Standard-Infrequent Access`
            : `${dollars(storageRate)} per GB - first 50 TB / month of storage used`,
          productFamily: "Storage",
          kind: "stock",
          amount: gb,
          places: 8,
          weekly: false,
        },
        {
          usageType: usageTypeFor(reg, "Requests-Tier1"),
          operation: "PutObject",
          pricingUnit: "Requests",
          rate: t1,
          description: `${dollars(t1 * 1000n)} per 1,000 PUT, COPY, POST, or LIST requests`,
          productFamily: "API Request",
          kind: "flow",
          amount: tier1,
          places: 0,
          weekly: true,
        },
        {
          usageType: usageTypeFor(reg, "Requests-Tier2"),
          operation: "GetObject",
          pricingUnit: "Requests",
          rate: t2,
          description: `${dollars(t2 * 10000n)} per 10,000 GET and all other requests`,
          productFamily: "API Request",
          kind: "flow",
          amount: tier2,
          places: 0,
          weekly: true,
        },
      ],
    });
  };
  bucket("acme-payments-receipts", "payments", "us-east-1", "payments", "prod", 18_000, 2e6, 2e7, 0.03, GOOD);
  bucket("acme-payments-audit-logs", "payments", "us-east-1", "payments", "prod", 42_000, 5e5, 1e5, 0.04, GOOD, "ia");
  bucket("acme-search-snapshots", "search", "us-east-1", "search", "prod", 60_000, 1e5, 2e5, 0.02, FAIR);
  bucket("acme-search-index-eu", "search", "eu-west-1", "search", "prod", 15_000, 3e5, 4e6, 0.02, FAIR);
  bucket("acme-data-lake-raw", "data", "us-east-1", "data", "prod", 120_000, 1e7, 5e7, 0.03, DATA_STYLE);
  bucket("acme-data-lake-curated", "data", "us-east-1", "data", "prod", 80_000, 3e6, 8e7, 0.03, DATA_STYLE);
  bucket("acme-data-athena-results", "data", "us-east-1", "data", "prod", 3_000, 2e6, 6e6, 0.05, NEVER);
  bucket("acme-ml-datasets", "ml", "us-east-1", "ml", "prod", 90_000, 5e5, 3e7, 0.06, ML_STYLE);
  bucket("acme-ml-model-artifacts", "ml", "us-east-1", "ml", "prod", 12_000, 1e5, 5e5, 0.05, ML_STYLE);
  bucket("acme-web-static-assets", "web", "us-east-1", "web", "prod", 2_500, 5e4, 3e7, 0.02, GOOD);
  bucket("acme-web-user-uploads", "web", "us-east-1", "web", "prod", 30_000, 1.5e6, 1e7, 0.04, GOOD);
  bucket("acme-web-elb-access-logs", "web", "us-east-1", "web", "prod", 7_000, 3e6, 1e4, 0.03, NEVER);
  bucket("acme-platform-terraform-state", "payer", "us-east-1", "platform", "prod", 50, 2e4, 2e5, 0.01, GOOD);
  bucket("acme-platform-cloudtrail-logs", "payer", "us-east-1", "platform", "prod", 25_000, 4e6, 1e5, 0.04, RARE);
  bucket("acme-platform-artifacts", "payer", "us-east-1", "platform", "prod", 8_000, 2e5, 3e6, 0.03, FAIR);
  bucket("cf-templates-1x2y3z4w5v6u-us-east-1", "payer", "us-east-1", "platform", "prod", 1, 50, 500, 0, NEVER);
  bucket("acme-nonprod-scratch", "nonprod", "us-east-1", null, "dev", 6_000, 5e5, 2e6, 0.05, SLOPPY);
  bucket("acme-staging-data", "nonprod", "us-east-1", "data", "staging", 9_000, 4e5, 3e6, 0.03, DATA_STYLE);

  // RDS databases (PostgreSQL); the payments ledger matches the Reserved Instance.
  const database = (
    name: string,
    account: AccountKey,
    region: RegionCode,
    team: Team | null,
    env: Env,
    type: RdsTypeName,
    storageGb: number,
    tags: TagPolicy,
    range?: { fromDay?: number; toDay?: number },
  ): void => {
    const reg = REGIONS[region];
    const t = RDS_TYPES[type];
    const rate = regionalRate(t.od, reg);
    const storage = regionalRate(PRICES.rdsGp2, reg);
    list.push({
      name,
      service: SERVICES.rds,
      account,
      region,
      resourceId: (a, r) => `arn:aws:rds:${r?.code}:${a.id}:db:{name}`,
      team,
      env,
      tags,
      growth: 0,
      instanceType: type,
      riMatch: account === "payments" && type === RDS_RI.instanceType && region === RDS_RI.region,
      ...range,
      meters: [
        {
          usageType: usageTypeFor(reg, `InstanceUsage:${t.usageName}`),
          operation: "CreateDBInstance:0014",
          pricingUnit: "Hrs",
          rate,
          description: `${dollars(rate)} per RDS ${type} instance hour (or partial hour) running PostgreSQL`,
          productFamily: "Database Instance",
          kind: "hours",
          amount: 1,
          places: 0,
          weekly: false,
        },
        {
          usageType: usageTypeFor(reg, "RDS:GP2-Storage"),
          operation: "CreateDBInstance:0014",
          pricingUnit: "GB-Mo",
          rate: storage,
          description: `${dollars(storage)} per GB-month of provisioned GP2 storage running PostgreSQL`,
          productFamily: "Database Storage",
          kind: "stock",
          amount: storageGb,
          places: 8,
          weekly: false,
        },
      ],
    });
  };
  database("payments-ledger-1", "payments", "us-east-1", "payments", "prod", "db.r6g.xlarge", 500, GOOD);
  database("payments-ledger-2", "payments", "us-east-1", "payments", "prod", "db.r6g.xlarge", 500, GOOD, { toDay: monthStart(2) });
  database("payments-ledger-3", "payments", "us-east-1", "payments", "prod", "db.r6g.xlarge", 500, GOOD, { toDay: monthStart(3) });
  database("web-app-db", "web", "us-east-1", "web", "prod", "db.r6g.large", 200, GOOD);
  database("search-catalog-db", "search", "eu-west-1", "search", "prod", "db.t4g.medium", 100, FAIR);
  database("data-airflow-db", "data", "us-east-1", "data", "prod", "db.r6g.large", 100, DATA_STYLE);
  database("data-warehouse-meta", "data", "us-east-1", "data", "prod", "db.r6g.2xlarge", 1000, DATA_STYLE);
  database("staging-payments-db", "nonprod", "us-east-1", "payments", "staging", "db.t4g.medium", 50, FAIR);
  database("staging-web-db", "nonprod", "us-east-1", "web", "staging", "db.t4g.medium", 50, FAIR);
  database("dev-shared-db", "nonprod", "us-east-1", "platform", "dev", "db.t4g.medium", 50, RARE);

  // Lambda functions.
  const fn = (
    name: string,
    account: AccountKey,
    region: RegionCode,
    team: Team | null,
    env: Env,
    requestsPerDay: number,
    gbSecondsPerRequest: number,
    growth: number,
    tags: TagPolicy,
  ): void => {
    const reg = REGIONS[region];
    const req = regionalRate(PRICES.lambdaRequest, reg);
    const gbs = regionalRate(PRICES.lambdaGbSecond, reg);
    list.push({
      name,
      service: SERVICES.lambda,
      account,
      region,
      resourceId: (a, r) => `arn:aws:lambda:${r?.code}:${a.id}:function:{name}`,
      team,
      env,
      tags,
      growth,
      churn: true,
      meters: [
        {
          usageType: usageTypeFor(reg, "Request"),
          operation: "Invoke",
          pricingUnit: "Requests",
          rate: req,
          description: "AWS Lambda - Total Requests - " + reg.name,
          productFamily: "Serverless",
          kind: "flow",
          amount: requestsPerDay,
          places: 0,
          weekly: env === "prod",
        },
        {
          usageType: usageTypeFor(reg, "Lambda-GB-Second"),
          operation: "Invoke",
          pricingUnit: "Lambda-GB-Second",
          rate: gbs,
          description: "AWS Lambda - Total Compute - " + reg.name,
          productFamily: "Serverless",
          kind: "flow",
          amount: requestsPerDay * gbSecondsPerRequest,
          places: 3,
          weekly: env === "prod",
        },
      ],
    });
  };
  fn("payments-webhook-handler", "payments", "us-east-1", "payments", "prod", 5e6, 0.025, 0.03, GOOD);
  fn("payments-fraud-scorer", "payments", "us-east-1", "payments", "prod", 2e6, 0.5, 0.03, GOOD);
  fn("payments-reconcile", "payments", "us-east-1", "payments", "prod", 2e4, 60, 0.02, GOOD);
  fn("search-suggest", "search", "us-east-1", "search", "prod", 3e7, 0.0125, 0.02, FAIR);
  fn("search-reindex-trigger", "search", "us-east-1", "search", "prod", 1e5, 0.2, 0.02, FAIR);
  fn("data-ingest-s3-events", "data", "us-east-1", "data", "prod", 8e6, 0.1, 0.04, DATA_STYLE);
  fn("data-schema-validator", "data", "us-east-1", "data", "prod", 4e6, 0.05, 0.04, DATA_STYLE);
  fn("data-compaction", "data", "us-east-1", "data", "prod", 5e3, 300, 0.03, DATA_STYLE);
  fn("ml-feature-extract", "ml", "us-east-1", "ml", "prod", 1e6, 1, 0.07, ML_STYLE);
  fn("ml-batch-scorer", "ml", "us-east-1", "ml", "prod", 2e5, 5, 0.07, ML_STYLE);
  fn("web-image-resizer", "web", "us-east-1", "web", "prod", 6e6, 0.4, 0.03, GOOD);
  fn("web-edge-auth", "web", "us-east-1", "web", "prod", 4e7, 0.01, 0.03, GOOD);
  fn("web-sitemap-builder", "web", "eu-west-1", "web", "prod", 100, 120, 0, GOOD);
  fn("platform-cost-reporter", "payer", "us-east-1", "platform", "prod", 300, 30, 0, FAIR);
  fn("platform-slack-notifier", "payer", "us-east-1", "platform", "prod", 5e3, 0.05, 0, SLOPPY);
  fn("platform-config-rules", "payer", "us-east-1", "platform", "prod", 1e5, 0.2, 0.01, SLOPPY);
  fn("platform-guardduty-forwarder", "payer", "us-east-1", "platform", "prod", 2e5, 0.05, 0.01, RARE);
  fn("dev-payments-webhook-handler", "nonprod", "us-east-1", "payments", "dev", 2e4, 0.025, 0, SLOPPY);
  fn("dev-search-suggest", "nonprod", "us-east-1", "search", "dev", 5e4, 0.0125, 0, SLOPPY);
  fn("dev-image-resizer", "nonprod", "us-east-1", "web", "dev", 1e4, 0.4, 0, SLOPPY);
  fn("staging-fraud-scorer", "nonprod", "us-east-1", "payments", "staging", 5e4, 0.5, 0, FAIR);

  // DynamoDB tables (on-demand capacity).
  const table = (
    name: string,
    account: AccountKey,
    team: Team,
    writes: number,
    reads: number,
    gb: number,
    growth: number,
    tags: TagPolicy,
  ): void => {
    const reg = REGIONS["us-east-1"];
    const w = dec(PRICES.ddbWrite);
    const r = dec(PRICES.ddbRead);
    const s = dec(PRICES.ddbStorage);
    list.push({
      name,
      service: SERVICES.dynamodb,
      account,
      region: "us-east-1",
      resourceId: (a, rg) => `arn:aws:dynamodb:${rg?.code}:${a.id}:table/{name}`,
      team,
      env: "prod",
      tags,
      growth,
      churn: true,
      meters: [
        { usageType: usageTypeFor(reg, "WriteRequestUnits"), operation: "PayPerRequestThroughput", pricingUnit: "WriteRequestUnits", rate: w, description: `${dollars(w * 1_000_000n)} per million write request units (${reg.name})`, productFamily: "Amazon DynamoDB PayPerRequest Throughput", kind: "flow", amount: writes, places: 0, weekly: true },
        { usageType: usageTypeFor(reg, "ReadRequestUnits"), operation: "PayPerRequestThroughput", pricingUnit: "ReadRequestUnits", rate: r, description: `${dollars(r * 1_000_000n)} per million read request units (${reg.name})`, productFamily: "Amazon DynamoDB PayPerRequest Throughput", kind: "flow", amount: reads, places: 0, weekly: true },
        { usageType: usageTypeFor(reg, "TimedStorage-ByteHrs"), operation: "StandardStorage", pricingUnit: "GB-Mo", rate: s, description: `${dollars(s)} per GB-Month of storage used beyond first 25 free GB-Months`, productFamily: "Database Storage", kind: "stock", amount: gb, places: 8, weekly: false },
      ],
    });
  };
  table("payments-idempotency-keys", "payments", "payments", 2e7, 5e7, 50, 0.03, GOOD);
  table("payments-sessions", "payments", "payments", 8e6, 3e7, 20, 0.03, GOOD);
  table("search-query-cache", "search", "search", 1e7, 9e7, 40, 0.02, FAIR);
  table("web-carts", "web", "web", 6e6, 2e7, 30, 0.03, GOOD);
  table("web-user-prefs", "web", "web", 1e6, 4e7, 15, 0.03, GOOD);
  table("data-pipeline-state", "data", "data", 3e6, 6e6, 10, 0.03, DATA_STYLE);
  table("ml-feature-store", "ml", "ml", 5e7, 2e8, 800, 0.07, ML_STYLE);
  table("platform-terraform-locks", "payer", "platform", 2e3, 1e4, 1, 0, GOOD);

  // CloudFront distributions (global: no region, usage types carry the edge location group).
  const distribution = (name: string, account: AccountKey, team: Team, usGb: number, euGb: number, requests: number, tags: TagPolicy): void => {
    const out = dec(PRICES.cloudfrontOut);
    const https = dec(PRICES.cloudfrontHttps);
    const id = `E${hex(13, seed, strHash(name)).toUpperCase()}`;
    list.push({
      name,
      service: SERVICES.cloudfront,
      account,
      region: null,
      resourceId: (a) => `arn:aws:cloudfront::${a.id}:distribution/${id}`,
      team,
      env: "prod",
      tags,
      growth: 0.03,
      meters: [
        { usageType: "US-DataTransfer-Out-Bytes", operation: "GET", pricingUnit: "GB", rate: out, description: `${dollars(out)} per GB - first 10 TB / month data transfer out (United States)`, productFamily: "Data Transfer", kind: "flow", amount: usGb, places: 6, weekly: true },
        { usageType: "EU-DataTransfer-Out-Bytes", operation: "GET", pricingUnit: "GB", rate: out, description: `${dollars(out)} per GB - first 10 TB / month data transfer out (Europe)`, productFamily: "Data Transfer", kind: "flow", amount: euGb, places: 6, weekly: true },
        { usageType: "US-Requests-Tier2-HTTPS", operation: "GET", pricingUnit: "Requests", rate: https, description: `${dollars(https * 10000n)} per 10,000 HTTPS Requests (United States)`, productFamily: "Request", kind: "flow", amount: requests, places: 0, weekly: true },
      ],
    });
  };
  distribution("www.acme.example", "web", "web", 2000, 800, 3e7, GOOD);
  distribution("static.acme.example", "web", "web", 3500, 1500, 6e7, FAIR);
  distribution("api-search.acme.example", "search", "search", 400, 150, 1.5e7, FAIR);

  // NAT gateways, KMS keys, CloudWatch and EBS snapshots: per-account plumbing, thinly tagged.
  const plumbing: { account: AccountKey; region: RegionCode; team: Team; natGb: number; metrics: number; logsGb: number; logsStoredGb: number; snapshotGb: number; kmsRequests: number }[] = [
    { account: "payer", region: "us-east-1", team: "platform", natGb: 300, metrics: 1500, logsGb: 60, logsStoredGb: 4000, snapshotGb: 2000, kmsRequests: 2e6 },
    { account: "payments", region: "us-east-1", team: "payments", natGb: 900, metrics: 1200, logsGb: 45, logsStoredGb: 2500, snapshotGb: 6000, kmsRequests: 3e6 },
    { account: "search", region: "us-east-1", team: "search", natGb: 700, metrics: 900, logsGb: 30, logsStoredGb: 1500, snapshotGb: 9000, kmsRequests: 1e6 },
    { account: "data", region: "us-east-1", team: "data", natGb: 2500, metrics: 800, logsGb: 80, logsStoredGb: 6000, snapshotGb: 15000, kmsRequests: 5e6 },
    { account: "ml", region: "us-east-1", team: "ml", natGb: 1200, metrics: 400, logsGb: 20, logsStoredGb: 800, snapshotGb: 12000, kmsRequests: 5e5 },
    { account: "web", region: "us-east-1", team: "web", natGb: 1500, metrics: 1100, logsGb: 70, logsStoredGb: 3000, snapshotGb: 3000, kmsRequests: 3e6 },
    { account: "nonprod", region: "us-east-1", team: "platform", natGb: 400, metrics: 2000, logsGb: 50, logsStoredGb: 5000, snapshotGb: 8000, kmsRequests: 1e6 },
  ];
  for (const p of plumbing) {
    const reg = REGIONS[p.region];
    const acct = ACCOUNTS[p.account];
    const env: Env = p.account === "nonprod" ? "dev" : "prod";
    const natH = regionalRate(PRICES.natHours, reg);
    const natB = regionalRate(PRICES.natBytes, reg);
    const natId = `nat-0${hex(16, seed, strHash(acct.id), 0x4a7)}`;
    list.push({
      name: `${acct.name}-nat`,
      service: SERVICES.ec2,
      account: p.account,
      region: p.region,
      resourceId: (a, r) => `arn:aws:ec2:${r?.code}:${a.id}:natgateway/${natId}`,
      team: p.team,
      env,
      tags: IAC,
      growth: 0.02,
      meters: [
        { usageType: usageTypeFor(reg, "NatGateway-Hours"), operation: "NatGateway", pricingUnit: "Hrs", rate: natH, description: `${dollars(natH)} per NAT Gateway Hour`, productFamily: "NAT Gateway", kind: "hours", amount: 1, places: 0, weekly: false },
        { usageType: usageTypeFor(reg, "NatGateway-Bytes"), operation: "NatGateway", pricingUnit: "GB", rate: natB, description: `${dollars(natB)} per GB - data processed by NAT Gateways`, productFamily: "NAT Gateway", kind: "flow", amount: p.natGb, places: 6, weekly: true },
      ],
    });
    const keyRate = dec(PRICES.kmsKey);
    const reqRate = dec(PRICES.kmsRequest);
    const keyId = uuid(seed, strHash(acct.id), 0x4b0);
    list.push({
      name: `${acct.name}-kms`,
      service: SERVICES.kms,
      account: p.account,
      region: p.region,
      resourceId: (a, r) => `arn:aws:kms:${r?.code}:${a.id}:key/${keyId}`,
      team: p.team,
      env,
      tags: RARE,
      growth: 0.02,
      meters: [
        { usageType: `${reg.code}-KMS-Keys`, operation: "CreateKey", pricingUnit: "Keys", rate: keyRate, description: `${dollars(keyRate)} per customer-managed key per month`, productFamily: "Encryption Key", kind: "stock", amount: 1, places: 8, weekly: false },
        { usageType: `${reg.code}-KMS-Requests`, operation: "GenerateDataKey", pricingUnit: "Requests", rate: reqRate, description: `${dollars(reqRate * 10000n)} per 10,000 requests`, productFamily: "API Request", kind: "flow", amount: p.kmsRequests, places: 0, weekly: true },
      ],
    });
    const metric = dec(PRICES.cwMetric);
    list.push({
      name: `${acct.name}-cloudwatch-metrics`,
      service: SERVICES.cloudwatch,
      account: p.account,
      region: p.region,
      resourceId: () => "",
      team: p.team,
      env,
      tags: NEVER,
      growth: 0.03,
      meters: [
        { usageType: usageTypeFor(reg, "CW:MetricMonitorUsage"), operation: "MetricStorage", pricingUnit: "Metrics", rate: metric, description: `${dollars(metric)} per metric-month - first 10,000 metrics`, productFamily: "Metric", kind: "stock", amount: p.metrics, places: 8, weekly: false },
      ],
    });
    const ingest = dec(PRICES.cwLogsIngest);
    const stored = dec(PRICES.cwLogsStorage);
    list.push({
      name: `${acct.name}-logs`,
      service: SERVICES.cloudwatch,
      account: p.account,
      region: p.region,
      resourceId: (a, r) => `arn:aws:logs:${r?.code}:${a.id}:log-group:/aws/eks/${acct.name}/cluster`,
      team: p.team,
      env,
      tags: RARE,
      growth: 0.03,
      meters: [
        { usageType: usageTypeFor(reg, "DataProcessing-Bytes"), operation: "PutLogEvents", pricingUnit: "GB", rate: ingest, description: `${dollars(ingest)} per GB custom log data ingested`, productFamily: "Data Payload", kind: "flow", amount: p.logsGb, places: 6, weekly: true },
        { usageType: usageTypeFor(reg, "TimedStorage-ByteHrs"), operation: "HourlyStorageMetering", pricingUnit: "GB-Mo", rate: stored, description: `${dollars(stored)} per GB-mo of log storage`, productFamily: "Storage Snapshot", kind: "stock", amount: p.logsStoredGb, places: 8, weekly: false },
      ],
    });
    const snap = regionalRate(PRICES.ebsSnapshot, reg);
    const snapId = `snap-0${hex(16, seed, strHash(acct.id), 0x54a)}`;
    list.push({
      name: `${acct.name}-snapshots`,
      service: SERVICES.ec2,
      account: p.account,
      region: p.region,
      resourceId: (a, r) => `arn:aws:ec2:${r?.code}:${a.id}:snapshot/${snapId}`,
      team: p.team,
      env,
      tags: RARE,
      growth: 0.04,
      meters: [
        { usageType: usageTypeFor(reg, "EBS:SnapshotUsage"), operation: "CreateSnapshot", pricingUnit: "GB-Mo", rate: snap, description: `${dollars(snap)} per GB-month of snapshot data stored - ${reg.name}`, productFamily: "Storage Snapshot", kind: "stock", amount: p.snapshotGb, places: 8, weekly: false },
      ],
    });
  }

  // Unattached ("orphaned") volumes: idle spend for the optimizer to find.
  for (let i = 0; i < 6; i++) {
    const reg = REGIONS["us-east-1"];
    const gp2 = regionalRate(PRICES.ebsGp2, reg);
    const volId = `vol-0${hex(16, seed, 0x0e9, i)}`;
    const acct: AccountKey = i < 5 ? "nonprod" : "data";
    list.push({
      name: `orphan-volume-${i + 1}`,
      service: SERVICES.ec2,
      account: acct,
      region: "us-east-1",
      resourceId: () => volId,
      team: i < 5 ? null : "data",
      env: i < 5 ? "dev" : "prod",
      tags: i < 5 ? SLOPPY : DATA_STYLE,
      growth: 0,
      churn: true,
      meters: [
        { usageType: usageTypeFor(reg, "EBS:VolumeUsage.gp2"), operation: "CreateVolume-Gp2", pricingUnit: "GB-Mo", rate: gp2, description: `${dollars(gp2)} per GB-month of General Purpose SSD (gp2) provisioned storage - ${reg.name}`, productFamily: "Storage", kind: "stock", amount: 250 * (1 + (i % 4)), places: 8, weekly: false },
      ],
    });
  }
  return list;
}
