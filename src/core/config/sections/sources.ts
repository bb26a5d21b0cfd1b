/**
 * `sources:` section of costwise.yaml — the data sources `costwise sync` fetches and ingests (issue 3).
 *
 *   sources:
 *     - name: payer-cur               # unique; `costwise sync payer-cur` syncs only this one
 *       type: aws-cur-s3
 *       bucket: acme-billing
 *       prefix: cur
 *       report: hourly-cur
 *     - name: ce
 *       type: aws-cost-explorer
 *       groupBy: [SERVICE, LINKED_ACCOUNT]
 *       lookbackDays: 35
 *     - name: org
 *       type: aws-organizations
 *     - name: azure
 *       type: azure-export            # Cost Management exports in a storage account
 *       account: acmebilling
 *       container: cost-exports
 *       path: exports/actual-cost     # the export's root folder (rootFolderPath[/export name])
 *       accountKeyEnv: AZURE_STORAGE_KEY   # or connectionStringEnv / sasTokenEnv, or ...File
 *     - name: gcp
 *       type: files
 *       paths: [exports/gcp/**\/*.csv]
 *     - name: k8s
 *       type: opencost
 *       url: http://opencost.monitoring:9003
 *       cluster: prod-eu
 *     - name: units
 *       type: metrics
 *       file: metrics/daily.csv
 *
 * A list (not a map) so that the order of syncing is the order written; names are checked unique here.
 */
import { z } from "zod";

const sourceName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "a name of letters, digits, '.', '_' or '-' (at most 64), starting with a letter or digit");

const awsRegion = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "an AWS region such as us-east-1");
const endpoint = z.url({ protocol: /^https?$/, error: "an http(s) URL such as http://127.0.0.1:5000" });

/** Settings every AWS source shares; credentials always come from the standard AWS chain, never from this file. */
const awsCommon = {
  region: awsRegion.optional(),
  /** endpoint override (moto_server, VPC endpoint) */
  endpoint: endpoint.optional(),
  /** named profile from ~/.aws/config */
  profile: z.string().min(1).optional(),
  /** attempts per API call including the first (retries with backoff on throttling, timeouts and 5xx) */
  maxAttempts: z.int().min(1).max(20).optional(),
  /** per-request timeout in seconds (default 60); a request that takes longer fails and is retried */
  timeoutSeconds: z.number().positive().max(900).optional(),
};

/** CUR (legacy) or CUR 2.0 / Data Exports deliveries in an S3 bucket. */
export const awsCurS3Source = z.strictObject({
  name: sourceName,
  type: z.literal("aws-cur-s3"),
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "an S3 bucket name"),
  /** the report path prefix set on the report (may be empty) */
  prefix: z.string().default(""),
  /** the report (legacy CUR) or export (Data Exports) name */
  report: z.string().min(1),
  ...awsCommon,
});

export const COST_EXPLORER_DIMENSIONS = ["SERVICE", "LINKED_ACCOUNT", "REGION", "USAGE_TYPE"] as const;

/** Cost Explorer GetCostAndUsage, daily; for accounts without a CUR. */
export const awsCostExplorerSource = z
  .strictObject({
    name: sourceName,
    type: z.literal("aws-cost-explorer"),
    /** up to two dimensions (Cost Explorer allows two groupings per query; a tag key takes one of them) */
    groupBy: z.array(z.enum(COST_EXPLORER_DIMENSIONS)).min(1).max(2).default(["SERVICE", "LINKED_ACCOUNT"]),
    /**
     * tag key to group by (at most one: costs grouped by two different tags in separate queries cannot be
     * combined without counting money twice); with a tag key, groupBy holds one dimension
     */
    tagKeys: z.array(z.string().min(1)).max(1).default([]),
    /** days back from today to fetch; the window starts on the first day of that month (whole months are replaced) */
    lookbackDays: z.int().min(1).max(400).default(35),
    /** the payer account id the rows are billed to (default: the organization's management account, else the source name) */
    billingAccountId: z.string().regex(/^\d{12}$/, "a 12-digit AWS account id").optional(),
    ...awsCommon,
  })
  .superRefine((s, ctx) => {
    if (s.tagKeys.length + s.groupBy.length > 2) {
      ctx.addIssue({
        code: "custom",
        path: ["tagKeys"],
        message: `Cost Explorer groups by at most two keys: groupBy has ${s.groupBy.length} and tagKeys ${s.tagKeys.length}; drop one of groupBy`,
      });
    }
  });

/** AWS Organizations: account ids → names and OU paths, joined onto rows without names. */
export const awsOrganizationsSource = z.strictObject({
  name: sourceName,
  type: z.literal("aws-organizations"),
  ...awsCommon,
});

/** Billing files already on disk (or a mounted share): any format `costwise ingest` reads. */
export const filesSource = z.strictObject({
  name: sourceName,
  type: z.literal("files"),
  /** files, folders or globs, relative to costwise.yaml */
  paths: z.array(z.string().min(1)).min(1),
  /** force a source format (default: detected from each file's columns) */
  format: z.string().min(1).optional(),
});

/** OpenCost /allocation API (URL) or a saved response (file); exactly one of url and file. */
export const opencostSource = z
  .strictObject({
    name: sourceName,
    type: z.literal("opencost"),
    url: z.url({ protocol: /^https?$/, error: "an http(s) URL such as http://opencost:9003" }).optional(),
    file: z.string().min(1).optional(),
    /** cluster name stored on every row (x_k8s_Cluster; default: the cluster OpenCost reports) */
    cluster: z.string().min(1).optional(),
    /** OpenCost window, e.g. 7d (the last 7 complete UTC days), or 2024-09-01T00:00:00Z,2024-09-08T00:00:00Z */
    window: z.string().min(1).default("7d"),
    /** OpenCost aggregate (default cluster,node,namespace,controllerKind,controller,pod,container) */
    aggregate: z.string().min(1).optional(),
    /** OpenCost step (default 1d) */
    step: z.string().min(1).optional(),
    /** name of the environment variable holding a bearer token for the API (tokens never go in this file) */
    tokenEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name").optional(),
    /** currency OpenCost prices in (default USD) */
    currency: z.string().regex(/^[A-Z]{3}$/, "a 3-letter currency code such as USD").optional(),
  })
  .superRefine((s, ctx) => {
    if ((s.url === undefined) === (s.file === undefined)) {
      ctx.addIssue({ code: "custom", path: s.url ? ["file"] : [], message: "give exactly one of url (the OpenCost API) or file (a saved /allocation response)" });
    }
  });

/** Business metrics (transactions, active users, ...) for unit costs. */
export const metricsSource = z.strictObject({
  name: sourceName,
  type: z.literal("metrics"),
  file: z.string().min(1),
  /** default: from the file extension (.csv; .json, .jsonl, .ndjson) */
  format: z.enum(["csv", "json"]).optional(),
  /** metric name for the rows of a file without a metric column */
  metric: z.string().min(1).optional(),
});

const envVar = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name");

/** The Cost Management datasets costwise loads (the others an export can hold are not cost line items). */
export const AZURE_EXPORT_DATASETS = ["ActualCost", "AmortizedCost", "FocusCost"] as const;
export type AzureExportDataset = (typeof AZURE_EXPORT_DATASETS)[number];

/** the credential settings of an azure-export source: each names an environment variable or a file, never the secret */
export const AZURE_CREDENTIAL_KEYS = ["connectionStringEnv", "connectionStringFile", "sasTokenEnv", "sasTokenFile", "accountKeyEnv", "accountKeyFile"] as const;
const INLINE_SECRETS = { connectionString: "connectionStringEnv", sasToken: "sasTokenEnv", accountKey: "accountKeyEnv" } as const;

/**
 * Azure Cost Management exports (actual, amortized or FOCUS cost; CSV, CSV gzip or Parquet; partitioned or
 * not; overwrite or new report per run) delivered into a Blob storage container, each run with a manifest.json.
 * Credentials: exactly one of a connection string, a SAS token or the account key, each only from an
 * environment variable or a file (a secret written here is refused, not read).
 */
export const azureExportSource = z
  .strictObject({
    name: sourceName,
    type: z.literal("azure-export"),
    /** the storage account name (optional with a connection string, which names it) */
    account: z.string().regex(/^[a-z0-9]{3,24}$/, "a storage account name: 3 to 24 lowercase letters and digits").optional(),
    container: z.string().regex(/^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, "a container name: 3 to 63 lowercase letters, digits and single hyphens"),
    /** the export's root folder in the container (its rootFolderPath, optionally with the export name); empty: the whole container */
    path: z.string().default(""),
    /** blob endpoint URL override (Azurite, sovereign clouds, private endpoints); default https://<account>.blob.core.windows.net */
    endpoint: endpoint.optional(),
    connectionStringEnv: envVar.optional(),
    connectionStringFile: z.string().min(1).optional(),
    sasTokenEnv: envVar.optional(),
    sasTokenFile: z.string().min(1).optional(),
    accountKeyEnv: envVar.optional(),
    accountKeyFile: z.string().min(1).optional(),
    /** refused: secrets never go in this file (declared only to say so clearly) */
    connectionString: z.unknown().optional(),
    sasToken: z.unknown().optional(),
    accountKey: z.unknown().optional(),
    /** the dataset to load when the root holds runs of several (default: the only one found) */
    dataset: z.enum(AZURE_EXPORT_DATASETS).optional(),
    /** attempts per storage request including the first (retries with exponential backoff on 500/503 and timeouts; default 4) */
    maxAttempts: z.int().min(1).max(20).optional(),
    /** delay before the first retry in seconds (default 4; doubles per retry, at most 120) */
    retryDelaySeconds: z.number().positive().max(120).optional(),
    /** per-request timeout in seconds (default 300); a request that takes longer fails and is retried */
    timeoutSeconds: z.number().positive().max(3600).optional(),
  })
  .superRefine((s, ctx) => {
    for (const [inline, instead] of Object.entries(INLINE_SECRETS)) {
      if (s[inline as keyof typeof INLINE_SECRETS] !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [inline],
          message: `secrets never go in costwise.yaml: put it in an environment variable named by ${instead} (or a file named by ${instead.replace(/Env$/, "File")}) and remove ${inline}`,
        });
      }
    }
    const given = AZURE_CREDENTIAL_KEYS.filter((k) => s[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: "custom",
        path: given.length > 1 ? [given[1]!] : [],
        message:
          given.length === 0
            ? `credentials: give exactly one of ${AZURE_CREDENTIAL_KEYS.join(", ")}`
            : `credentials: give exactly one of ${AZURE_CREDENTIAL_KEYS.join(", ")} (found ${given.join(" and ")})`,
      });
    }
    const viaConnectionString = s.connectionStringEnv !== undefined || s.connectionStringFile !== undefined;
    if (!viaConnectionString && s.account === undefined) {
      ctx.addIssue({ code: "custom", path: ["account"], message: "account (the storage account name) is needed with a SAS token or an account key" });
    }
  });

export const SOURCE_TYPES = ["aws-cur-s3", "aws-cost-explorer", "aws-organizations", "azure-export", "files", "opencost", "metrics"] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

export const sourceSchema = z.discriminatedUnion("type", [
  awsCurS3Source,
  awsCostExplorerSource,
  awsOrganizationsSource,
  azureExportSource,
  filesSource,
  opencostSource,
  metricsSource,
]);

export const sourcesSection = z.array(sourceSchema).superRefine((list, ctx) => {
  const seen = new Map<string, number>();
  list.forEach((s, i) => {
    const first = seen.get(s.name);
    if (first !== undefined) {
      ctx.addIssue({ code: "custom", path: [i, "name"], message: `duplicate source name "${s.name}" (also sources[${first}]); names must be unique` });
    } else seen.set(s.name, i);
  });
});

export type SourcesConfig = z.infer<typeof sourcesSection>;
export type SourceConfig = z.infer<typeof sourceSchema>;
export type AwsCurS3Source = z.infer<typeof awsCurS3Source>;
export type AwsCostExplorerSource = z.infer<typeof awsCostExplorerSource>;
export type AwsOrganizationsSource = z.infer<typeof awsOrganizationsSource>;
export type AzureExportSource = z.infer<typeof azureExportSource>;
export type FilesSource = z.infer<typeof filesSource>;
export type OpenCostSource = z.infer<typeof opencostSource>;
export type MetricsSource = z.infer<typeof metricsSource>;
