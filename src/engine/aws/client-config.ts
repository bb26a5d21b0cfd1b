/**
 * One way to configure every AWS SDK v3 client costwise creates: region and credentials from the standard
 * AWS chain (env, shared profile, SSO, instance role), an overridable endpoint (moto_server in tests, VPC
 * endpoints in production), bounded timeouts and retries with backoff on throttling and 5xx.
 */
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { CostwiseError } from "../../core/errors.js";
import { redactSecrets } from "../../core/redact.js";

export interface AwsOptions {
  region?: string;
  /** e.g. http://127.0.0.1:5000 (moto) — default: the AWS endpoint for the service and region. */
  endpoint?: string;
  /** Named profile from ~/.aws/config (default: AWS_PROFILE or the default chain). */
  profile?: string;
  /** Attempts per call including the first (default 5). */
  maxAttempts?: number;
  /** Per-request socket timeout in ms (default 60 000). */
  requestTimeoutMs?: number;
}

export interface AwsClientConfig {
  region: string;
  endpoint?: string;
  credentials?: ReturnType<typeof defaultProvider>;
  maxAttempts: number;
  retryMode: "adaptive";
  requestHandler: NodeHttpHandler;
  forcePathStyle?: boolean;
}

/** Client config for any `new XxxClient(config)`. Cost Explorer and Organizations live in us-east-1. */
export function awsClientConfig(options: AwsOptions = {}, defaultRegion?: string): AwsClientConfig {
  const region = options.region ?? process.env["AWS_REGION"] ?? process.env["AWS_DEFAULT_REGION"] ?? defaultRegion ?? "us-east-1";
  const config: AwsClientConfig = {
    region,
    maxAttempts: options.maxAttempts ?? 5,
    retryMode: "adaptive",
    // throwOnRequestTimeout: without it this handler only logs a warning when requestTimeout passes, and a
    // hung request would wait forever instead of failing and being retried
    requestHandler: new NodeHttpHandler({ connectionTimeout: 10_000, requestTimeout: options.requestTimeoutMs ?? 60_000, throwOnRequestTimeout: true }),
  };
  if (options.profile) config.credentials = defaultProvider({ profile: options.profile });
  if (options.endpoint) {
    config.endpoint = options.endpoint;
    config.forcePathStyle = true; // S3 on a custom endpoint: bucket in the path, not the host name
  }
  return config;
}

/**
 * Turns an SDK error into a CostwiseError a person can act on, without echoing request details (headers,
 * signatures, credentials never appear; only the service, operation, error name and HTTP status).
 */
export function awsError(service: string, operation: string, e: unknown): CostwiseError {
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = err?.name ?? "Error";
  const status = err?.$metadata?.httpStatusCode;
  const auth = /Credential|AccessDenied|Unauthorized|SignatureDoesNotMatch|InvalidClientTokenId|ExpiredToken/i.test(name);
  const hint = auth
    ? " (check the AWS credentials: env AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or the instance role)"
    : "";
  const detail = redact(String(err?.message ?? "").split("\n")[0] ?? "");
  return new CostwiseError(auth ? "BAD_CONFIG" : "REMOTE", `AWS ${service} ${operation} failed: ${name}${status ? ` (HTTP ${status})` : ""}${detail ? `: ${detail}` : ""}${hint}`, {
    details: { service, operation, name, ...(status ? { status } : {}) },
  });
}

/** Removes anything that looks like a secret or signature from a message (the one redactor, core/redact.ts). */
export function redact(text: string): string {
  return redactSecrets(text);
}

export function assertRegion(region: string): void {
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new CostwiseError("BAD_CONFIG", `"${region}" is not an AWS region (e.g. us-east-1)`);
}
