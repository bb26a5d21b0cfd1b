/**
 * Azure Cost Management exports from Blob storage: fetch only new or re-delivered export runs and ingest each
 * run whole, through the ingest spine (one ingest per run, replacement by billing period, control totals).
 *
 * Layout read (the improved exports, manifest version 2024-04-01; older layouts put the same manifest next to
 * the files): `<root>/<export>/<YYYYMMDD-YYYYMMDD>/[<time>/]<runId>/{manifest.json, part_*.csv|.csv.gz|.parquet}`.
 * With "overwrite previous report" the run folder and manifest of a month are rewritten in place; with "create
 * new report" every run adds a folder. Either way each `manifest.json` (or `_manifest.json`) is one run: its
 * `runInfo.runId`, `exportConfig.type` (ActualCost / AmortizedCost / FocusCost) and `dataVersion`,
 * `runInfo.startDate`/`endDate` (the month), `deliveryConfig` (partitioned, overwrite, format, compression) and
 * `blobs` (`blobName`, `byteCount`, `dataRowCount`).
 *
 * Order of operations:
 *  1. Credentials from the environment variable or file the source names (never from costwise.yaml); the
 *     secret values are kept to scrub them from any message.
 *  2. One listing of the root (names, ETags, sizes). No manifest under it: a clear error.
 *  3. Per manifest: the digest of the manifest's ETag and the ETags of the blobs in its folder; equal to the
 *     state recorded (connector_cur_deliveries, bucket = "<account>/<container>") → unchanged, not even read.
 *     Otherwise read it: the same run id with the same blob ETags as loaded → unchanged (digest updated).
 *  4. Runs of datasets costwise does not load (price sheets, reservation recommendations) are noted and left;
 *     the source loads one cost dataset (actual, amortized or FOCUS: the `dataset` setting, else the only one
 *     present; two at once would count the same money twice, so that is an error asking to choose). A manifest
 *     that does not say its dataset (no exportConfig.type) takes the source's `dataset`, else is an error.
 *  5. Per billing month, the newest run (submittedTime) wins; an older one is superseded (recorded, not loaded);
 *     a run older than the one loaded for its month is never loaded over it.
 *  6. Every run to load is checked complete first (each blob its manifest lists is in the listing): a run
 *     with a missing blob stops the sync before anything is downloaded or loaded.
 *  7. Per run, in run order: each blob downloaded to `<name>.part` in a stable staging folder, its size checked
 *     against the listing and the manifest's byteCount, renamed; a local manifest names the run (delivery =
 *     run id); one ingest with the dataset's mapping (FocusCost → focus, else azure-cost) replaces the month's
 *     rows of earlier runs; the run's state is recorded. The staging folder is removed at the end.
 *
 * Transient failures (500, 503 ServerBusy, timeouts) are retried by the SDK's retry policy with exponential
 * backoff (`maxAttempts`, `retryDelaySeconds`, `timeoutSeconds`); what still fails becomes a CostwiseError
 * REMOTE naming the operation and blob, with credentials scrubbed.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, join, posix, resolve } from "node:path";
import {
  AnonymousCredential,
  BlobServiceClient,
  StorageSharedKeyCredential,
  type BlobItem,
  type ContainerClient,
  type StoragePipelineOptions,
} from "@azure/storage-blob";
import type { AzureExportDataset, AzureExportSource } from "../../core/config/sections/sources.js";
import { AZURE_EXPORT_DATASETS } from "../../core/config/sections/sources.js";
import { CostwiseError, isCostwiseError } from "../../core/errors.js";
import { ingestFiles } from "../ingest/ingest.js";
import { col, readRows } from "../store/read-rows.js";
import { scrub, sqlTimestamp, stagingFolder, type ConnectorContext, type ConnectorResult } from "./context.js";
import { CUR_DELIVERIES_TABLE } from "./tables.js";

// ─── manifest ────────────────────────────────────────────────────────────────────────────────────────────

export interface AzureExportBlob {
  /** blob name in the container */
  name: string;
  bytes?: number;
  rows?: number;
}

export interface AzureExportRun {
  runId: string;
  exportName?: string;
  /** exportConfig.type as written (ActualCost, AmortizedCost, FocusCost, PriceSheet, ...) */
  type: string;
  /** the cost dataset it is, or undefined for datasets that hold no cost line items */
  dataset: AzureExportDataset | undefined;
  dataVersion?: string;
  /** runInfo.startDate / endDate, "YYYY-MM-DD" */
  start: string;
  end: string;
  /** runInfo.submittedTime (ISO), "" when absent */
  submitted: string;
  partitioned?: boolean;
  overwrite?: boolean;
  fileFormat?: string;
  compression?: string;
  byteCount?: number;
  blobs: AzureExportBlob[];
}

/** exportConfig.type → the cost dataset (FOCUS exports have been named FocusCost and FocusExport). */
export function costDataset(type: string): AzureExportDataset | undefined {
  const t = type.toLowerCase();
  if (t.startsWith("focus")) return "FocusCost";
  return AZURE_EXPORT_DATASETS.find((d) => d.toLowerCase() === t);
}

/** The source format the ingest maps a dataset with. */
export function formatFor(dataset: AzureExportDataset): "focus" | "azure-cost" {
  return dataset === "FocusCost" ? "focus" : "azure-cost";
}

/** The billing month a run covers ("2024-09"), or its range when it spans months ("20240915-20241014"). */
export function periodOf(run: Pick<AzureExportRun, "start" | "end">): string {
  const endDay = run.end || run.start;
  if (run.start.slice(0, 7) === endDay.slice(0, 7)) return run.start.slice(0, 7);
  // an end at midnight of the 1st closes the month before it (exclusive ends)
  if (/-01$/.test(endDay) && run.start.slice(8) === "01" && monthAfter(run.start.slice(0, 7)) === endDay.slice(0, 7)) return run.start.slice(0, 7);
  return `${run.start.replaceAll("-", "")}-${endDay.replaceAll("-", "")}`;
}

function monthAfter(ym: string): string {
  const [y, m] = ym.split("-").map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, "0")}`;
}

/** Reads a Cost Management export manifest; a missing run id, dates or blob list is an error naming the manifest. */
export function parseAzureManifest(text: string, where: string, container: string): AzureExportRun {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text.replace(/^\uFEFF/, "")) as Record<string, unknown>;
    if (typeof o !== "object" || o === null || Array.isArray(o)) throw new Error("not a JSON object");
  } catch (e) {
    throw new CostwiseError("BAD_INPUT", `${where}: not a valid export manifest (JSON): ${(e as Error).message}`, { location: { file: where } });
  }
  const obj = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);
  const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined);
  const exportConfig = obj(o["exportConfig"]);
  const delivery = obj(o["deliveryConfig"]);
  const runInfo = obj(o["runInfo"]);
  const problems: string[] = [];
  const runId = str(runInfo["runId"]);
  if (!runId) problems.push(`"runInfo.runId" (the run's id)`);
  const day = (v: unknown) => {
    const m = /^(\d{4}-\d{2}-\d{2})/.exec(str(v) ?? "");
    return m?.[1];
  };
  const start = day(runInfo["startDate"]);
  const end = day(runInfo["endDate"]);
  if (!start) problems.push(`"runInfo.startDate" (a date such as 2024-09-01T00:00:00)`);
  const rawBlobs = o["blobs"];
  const blobs: AzureExportBlob[] = [];
  if (!Array.isArray(rawBlobs) || rawBlobs.length === 0) problems.push(`"blobs" (a non-empty list of {blobName, byteCount})`);
  else {
    rawBlobs.forEach((b, i) => {
      const name = str(obj(b)["blobName"]);
      if (!name) {
        problems.push(`"blobs[${i}].blobName"`);
        return;
      }
      const bytes = num(obj(b)["byteCount"]);
      const rows = num(obj(b)["dataRowCount"]);
      blobs.push({ name: blobNameIn(name, container), ...(bytes !== undefined ? { bytes } : {}), ...(rows !== undefined ? { rows } : {}) });
    });
  }
  if (problems.length > 0) {
    throw new CostwiseError("BAD_INPUT", `${where}: the export manifest lacks ${problems.join(", ")}`, { location: { file: where } });
  }
  const type = str(exportConfig["type"]) ?? "";
  const overwrite = str(delivery["dataOverwriteBehavior"]);
  const partition = delivery["partitionData"];
  const exportName = str(exportConfig["exportName"]);
  const dataVersion = str(exportConfig["dataVersion"]);
  const fileFormat = str(delivery["fileFormat"]) ?? str(o["dataFormat"]);
  const compression = str(delivery["compressionMode"]);
  const byteCount = num(o["byteCount"]);
  return {
    runId: runId!,
    type,
    dataset: costDataset(type),
    start: start!,
    end: end ?? start!,
    submitted: str(runInfo["submittedTime"]) ?? "",
    blobs,
    ...(exportName ? { exportName } : {}),
    ...(dataVersion ? { dataVersion } : {}),
    ...(typeof partition === "boolean" ? { partitioned: partition } : typeof partition === "string" ? { partitioned: partition.toLowerCase() === "true" } : {}),
    ...(overwrite ? { overwrite: /overwrite/i.test(overwrite) } : {}),
    ...(fileFormat ? { fileFormat } : {}),
    ...(compression ? { compression } : {}),
    ...(byteCount !== undefined ? { byteCount } : {}),
  };
}

/** A manifest's blobName is relative to the container; some writers prefix the container or a slash. */
function blobNameIn(name: string, container: string): string {
  let n = name.replace(/^\/+/, "");
  if (n.startsWith(`${container}/`)) n = n.slice(container.length + 1);
  return n;
}

const MANIFEST_NAME = /(^|\/)_?manifest\.json$/i;

/** The manifests (one per export run) in a listing. */
export function findRunManifests(names: readonly string[]): string[] {
  return names.filter((n) => MANIFEST_NAME.test(n)).sort();
}

/** Orders ISO times with any number of fraction digits ("2024-02-03T18:33:03.1032074Z"). */
function timeKey(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?/.exec(iso);
  return m ? `${m[1]}T${m[2]}.${(m[3] ?? "").padEnd(9, "0").slice(0, 9)}` : iso;
}

// ─── credentials and client ──────────────────────────────────────────────────────────────────────────────

interface Credential {
  kind: "connection string" | "SAS token" | "account key";
  value: string;
  /** where it came from, for messages: "environment variable X" / "file Y" */
  from: string;
}

function readCredential(source: AzureExportSource, baseDir: string): Credential {
  const pick: [Credential["kind"], string | undefined, string | undefined][] = [
    ["connection string", source.connectionStringEnv, source.connectionStringFile],
    ["SAS token", source.sasTokenEnv, source.sasTokenFile],
    ["account key", source.accountKeyEnv, source.accountKeyFile],
  ];
  for (const [kind, env, file] of pick) {
    if (env !== undefined) {
      const v = process.env[env]?.trim();
      if (!v) throw new CostwiseError("BAD_CONFIG", `source ${source.name}: the environment variable ${env} (the ${kind}) is not set or empty`);
      return { kind, value: v, from: `environment variable ${env}` };
    }
    if (file !== undefined) {
      const path = resolve(baseDir, file);
      let v: string;
      try {
        v = readFileSync(path, "utf8").trim();
      } catch (e) {
        throw new CostwiseError("BAD_CONFIG", `source ${source.name}: cannot read the ${kind} file ${path} (${(e as NodeJS.ErrnoException).code ?? "unreadable"})`);
      }
      if (!v) throw new CostwiseError("BAD_CONFIG", `source ${source.name}: the ${kind} file ${path} is empty`);
      return { kind, value: v, from: `file ${path}` };
    }
  }
  throw new CostwiseError("BAD_CONFIG", `source ${source.name}: no credentials (set one of connectionStringEnv, sasTokenEnv, accountKeyEnv or their ...File forms)`);
}

/** The values that must never appear in output: the credential, and the key / signature inside it. */
function secretsOf(c: Credential): string[] {
  const out = [c.value];
  for (const m of c.value.matchAll(/(?:AccountKey|SharedAccessSignature|sig)=([^;&\s]+)/gi)) {
    out.push(m[1]!);
    try {
      out.push(decodeURIComponent(m[1]!));
    } catch {
      // not URI-encoded
    }
  }
  return out.filter((s) => s.length >= 6);
}

/** Scrubs credentials: known values verbatim, and anything shaped like an account key or SAS signature. */
export function scrubAzure(text: string, secrets: readonly string[] = []): string {
  return scrub(text, secrets)
    .replace(/(AccountKey|SharedAccessSignature)=[^;\s]+/gi, "$1=[redacted]")
    .replace(/([?&]sig=)[^&\s"']+/gi, "$1[redacted]")
    .replace(/(SharedKey\s+[^:\s]+:)\S+/g, "$1[redacted]");
}

interface Blobs {
  container: ContainerClient;
  /** "<account>/<container>" for state and messages */
  where: string;
  secrets: string[];
}

function connect(source: AzureExportSource, ctx: ConnectorContext): Blobs {
  const cred = readCredential(source, ctx.baseDir);
  const secrets = secretsOf(cred);
  const retryDelayInMs = Math.round((source.retryDelaySeconds ?? 4) * 1000);
  const options: StoragePipelineOptions = {
    retryOptions: {
      maxTries: source.maxAttempts ?? 4,
      retryDelayInMs,
      maxRetryDelayInMs: Math.max(retryDelayInMs, 120_000),
      tryTimeoutInMs: Math.round((source.timeoutSeconds ?? 300) * 1000),
    },
    // the SDK's own request log stays off: nothing it could print reaches the user's terminal
    userAgentOptions: { userAgentPrefix: "costwise" },
  };
  let service: BlobServiceClient;
  let account = source.account;
  try {
    if (cred.kind === "connection string") {
      const parts = cred.value.split(";").filter((p) => p.trim() !== "");
      account ??= parts.find((p) => /^AccountName=/i.test(p))?.split("=")[1];
      const cs = source.endpoint ? [...parts.filter((p) => !/^BlobEndpoint=/i.test(p)), `BlobEndpoint=${source.endpoint}`].join(";") : cred.value;
      service = BlobServiceClient.fromConnectionString(cs, options);
      account ??= service.accountName;
    } else {
      const url = (source.endpoint ?? `https://${source.account}.blob.core.windows.net`).replace(/\/+$/, "");
      if (cred.kind === "SAS token") {
        service = new BlobServiceClient(`${url}?${cred.value.replace(/^\?/, "")}`, new AnonymousCredential(), options);
      } else {
        service = new BlobServiceClient(url, new StorageSharedKeyCredential(source.account!, cred.value), options);
      }
    }
  } catch (e) {
    throw new CostwiseError("BAD_CONFIG", `source ${source.name}: the ${cred.kind} from the ${cred.from} is not usable: ${scrubAzure((e as Error).message, secrets)}`);
  }
  return { container: service.getContainerClient(source.container), where: `${account ?? "?"}/${source.container}`, secrets };
}

/** A storage failure (after the SDK's retries) as a CostwiseError naming the operation, never a credential. */
function storageError(b: Blobs, operation: string, target: string, e: unknown): CostwiseError {
  if (isCostwiseError(e)) return e;
  const err = e as { statusCode?: number; code?: string; message?: string; name?: string };
  const status = err.statusCode ? `HTTP ${err.statusCode}` : err.name === "AbortError" ? "timed out" : "no response";
  const code = err.code && !/^\d+$/.test(err.code) ? ` ${err.code}` : "";
  const first = (err.message ?? String(e)).split("\n")[0]!.slice(0, 300);
  const hint =
    err.statusCode === 403
      ? " (the credential is wrong, expired or lacks read and list permissions)"
      : err.statusCode === 404 && /ContainerNotFound/i.test(err.code ?? "")
        ? " (no such container in the account)"
        : err.statusCode === 503 || err.statusCode === 500
          ? " (the storage service stayed unavailable after the retries)"
          : "";
  return new CostwiseError("REMOTE", scrubAzure(`Azure Blob ${operation} ${target}: ${status}${code}: ${first}${hint}`, b.secrets), {
    details: { status: err.statusCode ?? null, code: err.code ?? null },
  });
}

async function call<T>(b: Blobs, operation: string, target: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw storageError(b, operation, target, e);
  }
}

// ─── sync ────────────────────────────────────────────────────────────────────────────────────────────────

interface Listed {
  etag: string;
  bytes: number;
}

interface StateRow {
  manifest_key: string;
  etag: string | null;
  assembly_id: string;
  billing_period: string;
  report_keys: string;
  ingest_id: string;
}

/** What is recorded per run manifest in report_keys (the JSON column of the deliveries table). */
interface RunState {
  dataset: string;
  submitted: string;
  blobs: { name: string; etag: string }[];
}

interface Candidate {
  manifest: string;
  digest: string;
  run: AzureExportRun;
  blobEtags: { name: string; etag: string }[];
  period: string;
}

export async function syncAzureExport(ctx: ConnectorContext, source: AzureExportSource): Promise<ConnectorResult> {
  const b = connect(source, ctx);
  const root = source.path.replace(/^\/+|\/+$/g, "");
  const prefix = root ? `${root}/` : "";
  const shown = `${b.where}/${prefix}`;

  // 2. one listing
  const listed = new Map<string, Listed>();
  await call(b, "list", shown, async () => {
    for await (const item of b.container.listBlobsFlat({ ...(prefix ? { prefix } : {}) }) as AsyncIterable<BlobItem>) {
      listed.set(item.name, { etag: item.properties.etag ?? "", bytes: item.properties.contentLength ?? 0 });
    }
  });
  const manifests = findRunManifests([...listed.keys()]);
  if (manifests.length === 0) {
    throw new CostwiseError(
      "NOT_FOUND",
      `${shown}: no export runs (looked for manifest.json under it: <path>/<export>/<YYYYMMDD-YYYYMMDD>/.../manifest.json; ${listed.size} blob${listed.size === 1 ? "" : "s"} listed). Check path: and that the export has run`,
    );
  }

  const state = new Map(
    (
      await readRows(
        ctx.store,
        { manifest_key: col.text, etag: col.text.nullable(), assembly_id: col.text, billing_period: col.text, report_keys: col.text, ingest_id: col.text },
        {
          sql: `SELECT manifest_key, etag, assembly_id, billing_period, report_keys::VARCHAR AS report_keys, ingest_id FROM ${CUR_DELIVERIES_TABLE} WHERE source_name = ? AND bucket = ?`,
          params: [source.name, b.where],
        },
      )
    ).map((r: StateRow) => [r.manifest_key, r]),
  );
  const runState = (r: StateRow): RunState => {
    try {
      return JSON.parse(r.report_keys) as RunState;
    } catch {
      return { dataset: "", submitted: "", blobs: [] };
    }
  };

  // 3. what changed since the last sync
  const candidates: Candidate[] = [];
  const digestOnly: { manifest: string; digest: string }[] = [];
  let unchanged = 0;
  for (const manifest of manifests) {
    const folder = posix.dirname(manifest) + "/";
    const inFolder = [...listed.entries()].filter(([n]) => n.startsWith(folder) && n !== manifest).sort(([x], [y]) => x.localeCompare(y));
    const digest = createHash("sha256")
      .update(`${listed.get(manifest)!.etag}\n${inFolder.map(([n, l]) => `${n}\t${l.etag}`).join("\n")}`)
      .digest("hex");
    const before = state.get(manifest);
    if (before && before.etag === digest) {
      unchanged++;
      continue;
    }
    const text = await call(b, "read", `${b.where}/${manifest}`, async () => (await b.container.getBlobClient(manifest).downloadToBuffer()).toString("utf8"));
    const run = parseAzureManifest(text, `${b.where}/${manifest}`, source.container);
    if (run.type === "") {
      // an older manifest that does not say its dataset: the source's dataset: says it (the mapping then checks the columns)
      if (!source.dataset) {
        throw new CostwiseError("BAD_INPUT", `${b.where}/${manifest}: the manifest does not say its dataset (exportConfig.type); set dataset: on source ${source.name} (ActualCost, AmortizedCost or FocusCost)`, {
          location: { file: `${b.where}/${manifest}` },
        });
      }
      run.dataset = source.dataset;
    }
    const blobEtags = run.blobs.map((x) => ({ name: x.name, etag: listed.get(x.name)?.etag ?? "" }));
    if (before && before.assembly_id === run.runId && JSON.stringify(runState(before).blobs) === JSON.stringify(blobEtags)) {
      digestOnly.push({ manifest, digest }); // rewritten manifest or an unrelated blob, same run and data
      unchanged++;
      continue;
    }
    candidates.push({ manifest, digest, run, blobEtags, period: periodOf(run) });
  }

  // 4. one cost dataset per source
  const ignored = candidates.filter((c) => c.run.dataset === undefined);
  const costRuns = candidates.filter((c) => c.run.dataset !== undefined);
  const loadedDatasets = new Set([...state.values()].filter((r) => r.ingest_id !== "").map((r) => runState(r).dataset));
  const present = new Set([...costRuns.map((c) => c.run.dataset!), ...loadedDatasets].filter((d) => d !== ""));
  let dataset = source.dataset;
  if (dataset === undefined) {
    if (present.size > 1) {
      throw new CostwiseError(
        "BAD_CONFIG",
        `source ${source.name}: ${shown} holds runs of ${[...present].sort().join(" and ")}; loading both would count the same charges twice. Set dataset: to one of them (and point another source at the other's path only if it covers different billing accounts)`,
      );
    }
    dataset = [...present][0] as AzureExportDataset | undefined;
  }
  const otherDataset = costRuns.filter((c) => c.run.dataset !== dataset);
  const wanted = costRuns.filter((c) => c.run.dataset === dataset);

  // 5. the newest run per billing month
  const loadedFor = new Map<string, { runId: string; submitted: string }>();
  for (const r of state.values()) {
    if (r.ingest_id === "") continue;
    const s = runState(r);
    if (s.dataset !== dataset) continue;
    const prev = loadedFor.get(r.billing_period);
    if (!prev || timeKey(s.submitted) > timeKey(prev.submitted)) loadedFor.set(r.billing_period, { runId: r.assembly_id, submitted: s.submitted });
  }
  const byPeriod = new Map<string, Candidate[]>();
  for (const c of wanted) byPeriod.set(c.period, [...(byPeriod.get(c.period) ?? []), c]);
  const plans: Candidate[] = [];
  const superseded: Candidate[] = [];
  for (const [period, list] of [...byPeriod.entries()].sort(([x], [y]) => x.localeCompare(y))) {
    list.sort((x, y) => timeKey(y.run.submitted).localeCompare(timeKey(x.run.submitted)) || y.manifest.localeCompare(x.manifest));
    const [newest, ...older] = list as [Candidate, ...Candidate[]];
    superseded.push(...older);
    const loaded = loadedFor.get(period);
    if (loaded && loaded.runId !== newest.run.runId && timeKey(loaded.submitted) > timeKey(newest.run.submitted)) superseded.push(newest);
    else plans.push(newest);
  }

  // 6. every run to load is complete before anything is downloaded
  const incomplete = plans.flatMap((p) => p.run.blobs.filter((x) => !listed.has(x.name)).map((x) => ({ p, name: x.name })));
  if (incomplete.length > 0) {
    const runs = [...new Set(incomplete.map((i) => i.p))];
    throw new CostwiseError(
      "NOT_FOUND",
      runs
        .map((p) => {
          const missing = incomplete.filter((i) => i.p === p).map((i) => i.name);
          return `${b.where}/${p.manifest} (run ${p.run.runId}, ${p.period}) lists ${missing.length} blob${missing.length === 1 ? "" : "s"} that ${missing.length === 1 ? "is" : "are"} not in the container: ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ", ..." : ""}`;
        })
        .join("; ") + `; the export run is incomplete (Azure may still be writing it, or blobs were deleted); nothing was loaded`,
      { location: { file: `${b.where}/${runs[0]!.manifest}` } },
    );
  }

  const now = sqlTimestamp(ctx.now ?? new Date());
  const record = async (c: Candidate, ingestId: string, bytes: number) => {
    await ctx.store.run({ sql: `DELETE FROM ${CUR_DELIVERIES_TABLE} WHERE source_name = ? AND bucket = ? AND manifest_key = ?`, params: [source.name, b.where, c.manifest] });
    const s: RunState = { dataset: c.run.dataset ?? c.run.type, submitted: c.run.submitted, blobs: c.blobEtags };
    await ctx.store.run({
      sql: `INSERT INTO ${CUR_DELIVERIES_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?::JSON, ?, ?, ?::TIMESTAMP)`,
      params: [source.name, b.where, c.manifest, c.digest, c.run.runId, c.period, JSON.stringify(s), bytes, ingestId, now],
    });
  };
  // runs seen but not loaded (superseded, another dataset, not cost data) are recorded so they are not read again
  const notLoaded = [...superseded, ...otherDataset, ...ignored];
  if (notLoaded.length > 0 || digestOnly.length > 0) {
    await ctx.store.transaction(async () => {
      for (const c of notLoaded) if (!state.get(c.manifest) || state.get(c.manifest)!.ingest_id === "") await record(c, "", 0);
      for (const d of digestOnly) {
        await ctx.store.run({ sql: `UPDATE ${CUR_DELIVERIES_TABLE} SET etag = ? WHERE source_name = ? AND bucket = ? AND manifest_key = ?`, params: [d.digest, source.name, b.where, d.manifest] });
      }
    });
  }
  const notes = [
    superseded.length ? `${superseded.length} older run${superseded.length === 1 ? "" : "s"} superseded` : "",
    otherDataset.length ? `${otherDataset.length} run${otherDataset.length === 1 ? "" : "s"} of another dataset than ${dataset} left` : "",
    ignored.length ? `${ignored.length} run${ignored.length === 1 ? "" : "s"} of non-cost datasets (${[...new Set(ignored.map((i) => i.run.type || "no type"))].join(", ")}) left` : "",
  ].filter(Boolean);
  if (plans.length === 0) {
    return {
      status: "unchanged",
      ingestIds: [],
      rowsLoaded: 0,
      message: `${manifests.length} export run${manifests.length === 1 ? "" : "s"}, none new${notes.length ? ` (${notes.join(", ")})` : ""}`,
      details: { runs: manifests.length, unchanged },
    };
  }

  // 7. download and ingest, one run at a time
  const dir = stagingFolder(ctx, source.name);
  const done: { period: string; runId: string; dataset: string; blobs: number; bytes: number; rows: number; replaced: number; ingestId: string; currencyTotals: Record<string, string> }[] = [];
  try {
    for (const p of plans.sort((x, y) => x.period.localeCompare(y.period))) {
      const ds = p.run.dataset!;
      ctx.onProgress?.(`${p.period}: ${ds} run ${p.run.runId} (${p.run.blobs.length} blob${p.run.blobs.length === 1 ? "" : "s"})`);
      const periodDir = join(dir, safeName(p.period));
      const runDir = join(periodDir, safeName(p.run.runId));
      mkdirSync(runDir, { recursive: true });
      let bytes = 0;
      const localKeys: string[] = [];
      const used = new Set<string>();
      for (const [i, blob] of p.run.blobs.entries()) {
        let file = safeName(basename(blob.name));
        if (used.has(file)) file = `${i}-${file}`;
        used.add(file);
        const got = await download(b, blob, listed.get(blob.name)!.bytes, join(runDir, file), `${b.where}/${p.manifest}`);
        bytes += got;
        ctx.onProgress?.(`downloaded ${basename(blob.name)} (${(got / 1e6).toFixed(1)} MB)`);
        localKeys.push(`${safeName(p.run.runId)}/${file}`);
      }
      if (p.run.byteCount !== undefined && p.run.blobs.every((x) => x.bytes !== undefined) && p.run.byteCount !== bytes) {
        throw new CostwiseError("REMOTE", `${b.where}/${p.manifest}: the manifest's byteCount is ${p.run.byteCount} but its blobs hold ${bytes} bytes; nothing of run ${p.run.runId} was loaded`);
      }
      // a local manifest in the form the ingest reads: the run id names the delivery, so a later run of the month replaces it
      const localManifest = join(periodDir, "azure-export-Manifest.json");
      writeFileSync(localManifest, JSON.stringify({ assemblyId: p.run.runId, reportName: p.run.exportName ?? source.name, reportKeys: localKeys }));
      let result;
      try {
        result = await ingestFiles(ctx.store, [localManifest], {
          format: formatFor(ds),
          ...(ctx.now ? { now: ctx.now } : {}),
          onProgress: (x) => {
            if (x.phase === "check" && x.file) ctx.onProgress?.(`loaded ${basename(x.file)} (${x.fileIndex + 1}/${x.fileCount})`);
          },
        });
      } catch (e) {
        const err = isCostwiseError(e) ? e : new CostwiseError("INTERNAL", (e as Error).message, { cause: e });
        const before = done.length ? ` (loaded before it: ${done.map((d) => `${d.period} run ${d.runId}`).join(", ")})` : "";
        throw new CostwiseError(err.code, `${b.where}/${p.manifest} (${ds} run ${p.run.runId}, ${p.period}): ${err.message}${before}`, { cause: e });
      }
      await ctx.store.transaction(() => record(p, result.ingestId, bytes));
      done.push({ period: p.period, runId: p.run.runId, dataset: ds, blobs: p.run.blobs.length, bytes, rows: result.rowsLoaded, replaced: result.rowsReplaced, ingestId: result.ingestId, currencyTotals: result.currencyTotals });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const rows = done.reduce((s, d) => s + d.rows, 0);
  const replaced = done.reduce((s, d) => s + d.replaced, 0);
  return {
    status: "ok",
    ingestIds: done.map((d) => d.ingestId),
    rowsLoaded: rows,
    message: `${done.length} new ${dataset} run${done.length === 1 ? "" : "s"} (${done.map((d) => d.period).join(", ")}), ${rows} rows${replaced ? `, replaced ${replaced} rows of earlier runs` : ""}${notes.length ? `; ${notes.join(", ")}` : ""}`,
    details: {
      dataset,
      runs: done.map(({ ingestId: _i, currencyTotals: _c, ...d }) => d),
      replaced,
      currencyTotals: done.map((d) => d.currencyTotals),
    },
  };
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, "_");
}

/** Streams a blob to `<target>.part`, checks its size against the listing and the manifest, then renames it. */
async function download(b: Blobs, blob: AzureExportBlob, listedBytes: number, target: string, manifest: string): Promise<number> {
  const part = `${target}.part`;
  const where = `${b.where}/${blob.name}`;
  try {
    await b.container.getBlobClient(blob.name).downloadToFile(part);
  } catch (e) {
    rmSync(part, { force: true });
    const code = (e as { code?: string }).code;
    if (code === "BlobNotFound") {
      throw new CostwiseError("NOT_FOUND", `${manifest} lists ${where}, which is no longer in the container; nothing of this run was loaded`, { location: { file: manifest } });
    }
    throw storageError(b, "download", where, e);
  }
  const got = statSync(part).size;
  const expected = blob.bytes ?? listedBytes;
  if (got !== listedBytes || got !== expected) {
    rmSync(part, { force: true });
    throw new CostwiseError(
      "REMOTE",
      `${where}: downloaded ${got} bytes but ${got !== listedBytes ? `the container lists ${listedBytes}` : `the manifest ${manifest} says ${expected}`}; nothing of this run was loaded`,
    );
  }
  renameSync(part, target);
  return got;
}
