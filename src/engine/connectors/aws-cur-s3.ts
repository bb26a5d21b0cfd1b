/**
 * CUR / Data Exports from S3: fetch only new or re-delivered report versions and ingest them whole.
 *
 * Layouts read (both may sit under one prefix):
 * - legacy CUR: `<prefix>/<report>/<yyyymmdd-yyyymmdd>/<report>-Manifest.json` naming the current version
 *   (`assemblyId`) and its files (`reportKeys`, under `<period>/<assemblyId>/`);
 * - CUR 2.0 / Data Exports: `<prefix>/<export>/metadata/BILLING_PERIOD=YYYY-MM/[<execution>/]<export>-Manifest.json`
 *   with `executionId` (or `assemblyId`) and `dataFiles` (s3:// URIs) or `reportKeys`; the newest manifest of
 *   a period wins.
 *
 * A manifest whose ETag and version match what was loaded before (connector_cur_deliveries) is skipped.
 * Otherwise every file it lists is downloaded to a temporary name in a staging folder, its size checked
 * against S3's, then renamed; only when every file of every changed period is present is the lot handed to
 * `ingestFiles` as local manifests, in one transaction: a half-downloaded report never lands, and a new
 * version of a period replaces the old one (the ingest replaces the period's partition; nothing doubles).
 */
import { createWriteStream, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import { GetObjectCommand, ListObjectsV2Command, S3Client, type _Object } from "@aws-sdk/client-s3";
import type { AwsCurS3Source } from "../../core/config/sections/sources.js";
import { CostwiseError } from "../../core/errors.js";
import { ingestFiles } from "../ingest/ingest.js";
import { col, readRows } from "../store/read-rows.js";
import { CUR_DELIVERIES_TABLE } from "./tables.js";
import { awsCall, clientConfigFor, sqlTimestamp, stagingFolder, type ConnectorContext, type ConnectorResult } from "./context.js";

export interface RemoteManifest {
  key: string;
  etag: string | undefined;
  lastModified: number;
  /** legacy "20240901-20241001" or Data Exports "2024-09" */
  period: string;
  layout: "cur" | "data-exports";
}

export interface ParsedManifest {
  version: string;
  /** object keys of the report files, in the bucket */
  keys: string[];
  billingPeriod?: { start: string; end: string };
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The report's root in the bucket: `<prefix>/<report>/` (prefix may be empty). */
export function reportRoot(source: Pick<AwsCurS3Source, "prefix" | "report">): string {
  const prefix = source.prefix.replace(/^\/+|\/+$/g, "");
  return `${prefix ? `${prefix}/` : ""}${source.report}/`;
}

/** Picks the current manifest of each billing period from a listing. */
export function findManifests(objects: readonly Pick<_Object, "Key" | "ETag" | "LastModified">[], source: Pick<AwsCurS3Source, "prefix" | "report">): RemoteManifest[] {
  const root = escapeRe(reportRoot(source));
  const name = escapeRe(source.report);
  const legacy = new RegExp(`^${root}(\\d{8}-\\d{8})/${name}-Manifest\\.json$`);
  const exportsRe = new RegExp(`^${root}metadata/BILLING_PERIOD=(\\d{4}-\\d{2})/(?:[^/]+/)?${name}-Manifest\\.json$`);
  const byPeriod = new Map<string, RemoteManifest>();
  for (const o of objects) {
    const key = o.Key ?? "";
    const m = legacy.exec(key);
    const x = m ? undefined : exportsRe.exec(key);
    if (!m && !x) continue;
    const found: RemoteManifest = {
      key,
      etag: o.ETag ?? undefined,
      lastModified: o.LastModified ? new Date(o.LastModified).getTime() : 0,
      period: (m ?? x)![1]!,
      layout: m ? "cur" : "data-exports",
    };
    const prev = byPeriod.get(`${found.layout}:${found.period}`);
    if (!prev || found.lastModified > prev.lastModified || (found.lastModified === prev.lastModified && found.key > prev.key)) {
      byPeriod.set(`${found.layout}:${found.period}`, found);
    }
  }
  return [...byPeriod.values()].sort((a, b) => a.period.localeCompare(b.period));
}

/** Reads a manifest's version, files and billing period (legacy CUR or Data Exports). */
export function parseManifest(text: string, where: string, bucket: string): ParsedManifest {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text.replace(/^\uFEFF/, "")) as Record<string, unknown>;
  } catch (e) {
    throw new CostwiseError("BAD_INPUT", `${where}: not a valid manifest (JSON): ${(e as Error).message}`, { location: { file: where } });
  }
  const version = [o["assemblyId"], o["executionId"]].find((v): v is string => typeof v === "string" && v !== "");
  const rawKeys = Array.isArray(o["reportKeys"]) ? o["reportKeys"] : Array.isArray(o["dataFiles"]) ? o["dataFiles"] : undefined;
  if (!version || !rawKeys || !rawKeys.every((k) => typeof k === "string") || rawKeys.length === 0) {
    throw new CostwiseError("BAD_INPUT", `${where}: a manifest needs "assemblyId" or "executionId", and "reportKeys" or "dataFiles" (a non-empty list)`, {
      location: { file: where },
    });
  }
  const keys = (rawKeys as string[]).map((k) => {
    const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(k);
    if (s3) {
      if (s3[1] !== bucket) throw new CostwiseError("BAD_INPUT", `${where}: lists ${k}, which is in another bucket than ${bucket}`, { location: { file: where } });
      return s3[2]!;
    }
    return k.replace(/^\/+/, "");
  });
  const bp = o["billingPeriod"] as { start?: unknown; end?: unknown } | undefined;
  const billingPeriod = bp && typeof bp.start === "string" && typeof bp.end === "string" ? { start: compactTime(bp.start), end: compactTime(bp.end) } : undefined;
  return { version, keys, ...(billingPeriod ? { billingPeriod } : {}) };
}

/** Any of "2024-09-01T00:00:00.000Z", "20240901T000000.000Z" → the compact form CUR manifests use. */
function compactTime(s: string): string {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})(?:[T ](\d{2}):?(\d{2}):?(\d{2}))?/.exec(s);
  return m ? `${m[1]}${m[2]}${m[3]}T${m[4] ?? "00"}${m[5] ?? "00"}${m[6] ?? "00"}.000Z` : s;
}

interface Loaded {
  manifest_key: string;
  etag: string | null;
  assembly_id: string;
}

export async function syncCurS3(ctx: ConnectorContext, source: AwsCurS3Source): Promise<ConnectorResult> {
  const s3 = new S3Client(clientConfigFor(source, ctx));
  const root = reportRoot(source);
  const objects: _Object[] = [];
  let token: string | undefined;
  do {
    const page = await awsCall(s3, "S3", "ListObjectsV2", () =>
      s3.send(new ListObjectsV2Command({ Bucket: source.bucket, Prefix: root, ...(token ? { ContinuationToken: token } : {}) })),
    );
    objects.push(...(page.Contents ?? []));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const manifests = findManifests(objects, source);
  if (manifests.length === 0) {
    throw new CostwiseError("NOT_FOUND", `s3://${source.bucket}/${root}: no report manifests (looked for ${root}<yyyymmdd-yyyymmdd>/${source.report}-Manifest.json and ${root}metadata/BILLING_PERIOD=<yyyy-mm>/${source.report}-Manifest.json)`);
  }
  const loadedRows: Loaded[] = await readRows(ctx.store, { manifest_key: col.text, etag: col.text.nullable(), assembly_id: col.text }, {
    sql: `SELECT manifest_key, etag, assembly_id FROM ${CUR_DELIVERIES_TABLE} WHERE source_name = ? AND bucket = ?`,
    params: [source.name, source.bucket],
  });
  const loaded = new Map(loadedRows.map((r) => [r.manifest_key, r]));
  const sizes = new Map(objects.map((o) => [o.Key ?? "", o.Size]));

  const dir = stagingFolder(ctx, source.name);
  try {
    const plans: { remote: RemoteManifest; parsed: ParsedManifest; localManifest: string; bytes: number }[] = [];
    const sameVersion: { remote: RemoteManifest; version: string }[] = [];
    for (const remote of manifests) {
      const before = loaded.get(remote.key);
      if (before && remote.etag && before.etag === remote.etag) continue; // same manifest object: nothing new
      const text = await getText(s3, source.bucket, remote.key);
      const parsed = parseManifest(text, `s3://${source.bucket}/${remote.key}`, source.bucket);
      if (before && before.assembly_id === parsed.version) {
        sameVersion.push({ remote, version: parsed.version }); // re-written manifest, same report version
        continue;
      }
      ctx.onProgress?.(`${remote.period}: report version ${parsed.version} (${parsed.keys.length} file${parsed.keys.length === 1 ? "" : "s"})`);
      const periodDir = join(dir, remote.period);
      const versionDir = join(periodDir, safeName(parsed.version));
      mkdirSync(versionDir, { recursive: true });
      let bytes = 0;
      const localKeys: string[] = [];
      for (const key of parsed.keys) {
        const target = join(versionDir, basename(key));
        const got = await download(s3, source.bucket, key, target, sizes.get(key), `s3://${source.bucket}/${remote.key}`);
        bytes += got;
        ctx.onProgress?.(`downloaded ${basename(key)} (${(got / 1e6).toFixed(1)} MB)`);
        localKeys.push(`${remote.period}/${safeName(parsed.version)}/${basename(key)}`);
      }
      // a local manifest in the legacy form the ingest reads: the version names the delivery
      const localManifest = join(periodDir, `${source.report}-Manifest.json`);
      writeFileSync(
        localManifest,
        JSON.stringify({ assemblyId: parsed.version, reportName: source.report, reportKeys: localKeys, ...(parsed.billingPeriod ? { billingPeriod: parsed.billingPeriod } : {}) }),
      );
      plans.push({ remote, parsed, localManifest, bytes });
    }
    const now = sqlTimestamp(ctx.now ?? new Date());
    if (sameVersion.length > 0) {
      await ctx.store.transaction(async () => {
        for (const s of sameVersion) {
          await ctx.store.run({
            sql: `UPDATE ${CUR_DELIVERIES_TABLE} SET etag = ? WHERE source_name = ? AND bucket = ? AND manifest_key = ?`,
            params: [s.remote.etag ?? null, source.name, source.bucket, s.remote.key],
          });
        }
      });
    }
    if (plans.length === 0) {
      return { status: "unchanged", ingestIds: [], rowsLoaded: 0, message: `${manifests.length} period${manifests.length === 1 ? "" : "s"}, no new report version` };
    }
    const result = await ingestFiles(ctx.store, plans.map((p) => p.localManifest), {
      onProgress: (p) => {
        if (p.phase === "check" && p.file) ctx.onProgress?.(`loaded ${basename(p.file)} (${p.fileIndex + 1}/${p.fileCount})`);
      },
    });
    await ctx.store.transaction(async () => {
      for (const p of plans) {
        await ctx.store.run({ sql: `DELETE FROM ${CUR_DELIVERIES_TABLE} WHERE source_name = ? AND bucket = ? AND manifest_key = ?`, params: [source.name, source.bucket, p.remote.key] });
        await ctx.store.run({
          sql: `INSERT INTO ${CUR_DELIVERIES_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?::JSON, ?, ?, ?::TIMESTAMP)`,
          params: [source.name, source.bucket, p.remote.key, p.remote.etag ?? null, p.parsed.version, p.remote.period, JSON.stringify(p.parsed.keys), p.bytes, result.ingestId, now],
        });
      }
    });
    return {
      status: "ok",
      ingestIds: [result.ingestId],
      rowsLoaded: result.rowsLoaded,
      message: `${plans.length} new report version${plans.length === 1 ? "" : "s"} (${plans.map((p) => p.remote.period).join(", ")}), ${result.rowsLoaded} rows${result.rowsReplaced ? `, replaced ${result.rowsReplaced} rows of earlier versions` : ""}`,
      details: {
        versions: plans.map((p) => ({ period: p.remote.period, version: p.parsed.version, files: p.parsed.keys.length, bytes: p.bytes })),
        replaced: result.rowsReplaced,
        currencyTotals: result.currencyTotals,
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, "_");
}

async function getText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const out = await awsCall(s3, "S3", "GetObject", () => s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })));
  return (await out.Body?.transformToString("utf8")) ?? "";
}

/** Streams an object to `<target>.part`, checks its size against S3's, then renames it. Returns the bytes. */
async function download(s3: S3Client, bucket: string, key: string, target: string, listedSize: number | undefined, manifest: string): Promise<number> {
  const part = `${target}.part`;
  let out;
  try {
    out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  } catch (e) {
    const name = (e as { name?: string }).name;
    if (name === "NoSuchKey" || name === "NotFound") {
      throw new CostwiseError("NOT_FOUND", `${manifest} lists s3://${bucket}/${key}, which is not in the bucket (the delivery is incomplete, AWS may still be writing it); nothing was loaded`, {
        location: { file: manifest },
      });
    }
    return awsCall(s3, "S3", "GetObject", () => Promise.reject(e));
  }
  const expected = out.ContentLength ?? listedSize;
  try {
    await pipeline(out.Body as Readable, createWriteStream(part));
  } catch (e) {
    rmSync(part, { force: true });
    throw new CostwiseError("REMOTE", `s3://${bucket}/${key}: the download broke off (${(e as Error).message}); nothing was loaded`, { cause: e });
  }
  const got = statSync(part).size;
  if (expected !== undefined && got !== expected) {
    rmSync(part, { force: true });
    throw new CostwiseError("REMOTE", `s3://${bucket}/${key}: downloaded ${got} bytes but S3 says ${expected}; nothing was loaded`);
  }
  renameSync(part, target);
  return got;
}
