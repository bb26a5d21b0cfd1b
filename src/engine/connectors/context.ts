/**
 * What every connector gets and returns, and the AWS plumbing they share: one client config per source
 * (standard credential chain, region, endpoint override, retries with backoff from awsClientConfig) and one
 * way to turn an SDK failure into a CostwiseError that never carries a credential.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { CostwiseError } from "../../core/errors.js";
import { awsClientConfig, awsError, type AwsClientConfig } from "../aws/client-config.js";
import { redactSecrets } from "../../core/redact.js";
import type { AnalysisStore } from "../store/cost-store.js";

export interface ConnectorContext {
  store: AnalysisStore;
  /** where downloads and staged files go (each sync uses a fresh sub-folder and removes it after) */
  stagingDir: string;
  /** folder relative paths in the config resolve against */
  baseDir: string;
  /** "now" for windows and sync times (tests pin it) */
  now?: Date;
  /** merged over every AWS client config (tests: request timeouts; never needed in production) */
  aws?: Partial<AwsClientConfig>;
  onProgress?: (message: string) => void;
}

export interface ConnectorResult {
  /** ok: data loaded; unchanged: nothing new at the source; empty: the source had nothing for the window */
  status: "ok" | "unchanged" | "empty";
  ingestIds: string[];
  rowsLoaded: number;
  /** one line for a person: what was fetched and loaded */
  message: string;
  details?: Record<string, unknown>;
}

export interface AwsSourceSettings {
  region?: string | undefined;
  endpoint?: string | undefined;
  profile?: string | undefined;
  maxAttempts?: number | undefined;
  timeoutSeconds?: number | undefined;
}

/** Client config for a source: the source's region/endpoint/profile/attempts over the standard chain. */
export function clientConfigFor(s: AwsSourceSettings, ctx: ConnectorContext, defaultRegion?: string): AwsClientConfig {
  const base = awsClientConfig(
    {
      ...(s.region ? { region: s.region } : {}),
      ...(s.endpoint ? { endpoint: s.endpoint } : {}),
      ...(s.profile ? { profile: s.profile } : {}),
      ...(s.maxAttempts ? { maxAttempts: s.maxAttempts } : {}),
      ...(s.timeoutSeconds ? { requestTimeoutMs: Math.round(s.timeoutSeconds * 1000) } : {}),
    },
    defaultRegion,
  );
  return { ...base, ...(ctx.aws ?? {}) };
}

interface ClientLike {
  config: { credentials?: unknown };
}

/**
 * Runs one SDK call; a failure (after the SDK's retries) becomes a CostwiseError naming the service and
 * operation, with anything that looks like a key, signature or token removed, and the literal values of
 * the credentials in use scrubbed as well (belt and braces: an endpoint could echo a header back).
 */
export async function awsCall<T>(client: ClientLike, service: string, operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const err = awsError(service, operation, e);
    const secrets = await credentialValues(client);
    const clean = scrub(err.message, secrets);
    return Promise.reject(new CostwiseError(err.code, clean, { ...(err.details ? { details: err.details } : {}) }));
  }
}

async function credentialValues(client: ClientLike): Promise<string[]> {
  try {
    const p = client.config.credentials;
    const c = (typeof p === "function" ? await (p as () => Promise<unknown>)() : p) as
      | { accessKeyId?: string; secretAccessKey?: string; sessionToken?: string }
      | undefined;
    return [c?.accessKeyId, c?.secretAccessKey, c?.sessionToken].filter((v): v is string => typeof v === "string" && v.length >= 4);
  } catch {
    return [];
  }
}

/** Removes secrets: known credential values verbatim, and anything shaped like a key, signature or token. */
export function scrub(text: string, secrets: readonly string[] = []): string {
  return redactSecrets(text, { secrets });
}

/**
 * The staging folder of one source, emptied first. Its path is stable on purpose: the ingest records each
 * row's file, and loading the same report version from the same path again replaces it (never doubles),
 * even if the bookkeeping of what was fetched was lost in between.
 */
export function stagingFolder(ctx: ConnectorContext, sourceName: string): string {
  const dir = join(ctx.stagingDir, sourceName.replace(/[^A-Za-z0-9._-]/g, "_"));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** "2024-09-01 12:00:00" style UTC timestamp for the store. */
export function sqlTimestamp(d: Date): string {
  return d.toISOString().replace("T", " ").replace("Z", "").slice(0, 23);
}
