/**
 * `costwise sync`: every configured source (or the named ones) fetched and ingested, one after the other.
 * A failing source does not stop the others; each outcome is recorded in `connector_syncs` (status, the
 * ingest runs it made, rows, message), which is what `costwise sources` shows per configured source.
 * After all sources, Organizations account names are joined onto rows that lack them.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { isAbsolute, join, resolve, sep } from "node:path";
import type { FilesSource, SourceConfig } from "../../core/config/sections/sources.js";
import { CostwiseError, isCostwiseError } from "../../core/errors.js";
import { ingestFiles } from "../ingest/ingest.js";
import { newRunId } from "../ingest/spine.js";
import { isSourceFormat } from "../mapping/registry.js";
import { ingestMetrics } from "../metrics/ingest.js";
import { syncCostExplorer } from "./aws-cost-explorer.js";
import { syncCurS3 } from "./aws-cur-s3.js";
import { applyAccountNames, syncOrganizations } from "./aws-organizations.js";
import { syncAzureExport } from "./azure-export.js";
import { scrub, sqlTimestamp, type ConnectorContext, type ConnectorResult } from "./context.js";
import { syncOpenCost } from "./opencost.js";
import { SYNCS_TABLE } from "./tables.js";

export interface SourceSyncReport {
  name: string;
  type: string;
  status: "ok" | "unchanged" | "empty" | "failed";
  rowsLoaded: number;
  ingestIds: string[];
  message: string;
  seconds: number;
  error?: { code: string; message: string };
  details?: Record<string, unknown>;
}

export interface SyncReport {
  syncId: string;
  sources: SourceSyncReport[];
  failed: number;
  /** cost rows whose account names were filled from AWS Organizations after the sources synced */
  rowsNamed: number;
}

export interface SyncOptions extends Omit<ConnectorContext, "onProgress"> {
  /** only these source names (all when empty); an unknown name is a usage error */
  only?: readonly string[];
  onSourceStart?: (source: SourceConfig, index: number, count: number) => void;
  onSourceProgress?: (source: SourceConfig, message: string) => void;
  onSourceDone?: (report: SourceSyncReport) => void;
}

/** Picks the sources to sync; names not configured are an error that lists the configured ones. */
export function selectSources(all: readonly SourceConfig[], only: readonly string[] = []): SourceConfig[] {
  if (only.length === 0) return [...all];
  const known = new Set(all.map((s) => s.name));
  const unknown = only.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new CostwiseError(
      "USAGE",
      `no source named ${unknown.map((n) => `"${n}"`).join(", ")} in the config${all.length ? ` (configured: ${all.map((s) => s.name).join(", ")})` : " (it has no sources: section)"}`,
    );
  }
  return all.filter((s) => only.includes(s.name));
}

export async function syncSources(sources: readonly SourceConfig[], options: SyncOptions): Promise<SyncReport> {
  const selected = selectSources(sources, options.only);
  const syncId = newRunId("sync");
  const reports: SourceSyncReport[] = [];
  for (const [i, source] of selected.entries()) {
    options.onSourceStart?.(source, i, selected.length);
    const started = new Date();
    const t0 = performance.now();
    const ctx: ConnectorContext = { ...options, onProgress: (m) => options.onSourceProgress?.(source, m) };
    let report: SourceSyncReport;
    try {
      const r = await syncOne(ctx, source);
      report = { name: source.name, type: source.type, ...r, seconds: secondsSince(t0) };
    } catch (e) {
      const err = isCostwiseError(e) ? e : new CostwiseError("INTERNAL", e instanceof Error ? e.message : String(e), { cause: e });
      const message = scrub(err.message);
      report = { name: source.name, type: source.type, status: "failed", rowsLoaded: 0, ingestIds: [], message, seconds: secondsSince(t0), error: { code: err.code, message } };
    }
    await record(options, syncId, source, started, report);
    reports.push(report);
    options.onSourceDone?.(report);
  }
  // names from AWS Organizations onto rows that lack them (also those loaded by this run's other sources)
  let rowsNamed = 0;
  try {
    rowsNamed = await applyAccountNames(options.store);
  } catch {
    // naming is a convenience; a failure here never fails the sync
  }
  return { syncId, sources: reports, failed: reports.filter((r) => r.status === "failed").length, rowsNamed };
}

function secondsSince(t0: number): number {
  return Math.round(performance.now() - t0) / 1000;
}

async function syncOne(ctx: ConnectorContext, source: SourceConfig): Promise<ConnectorResult> {
  switch (source.type) {
    case "aws-cur-s3":
      return syncCurS3(ctx, source);
    case "aws-cost-explorer":
      return syncCostExplorer(ctx, source);
    case "aws-organizations":
      return syncOrganizations(ctx, source);
    case "azure-export":
      return syncAzureExport(ctx, source);
    case "files":
      return syncFiles(ctx, source);
    case "opencost": {
      const r = await syncOpenCost(ctx.store, { ...source }, { baseDir: ctx.baseDir, ...(ctx.now ? { now: ctx.now } : {}), log: (l) => ctx.onProgress?.(l) });
      return {
        status: "ok",
        ingestIds: [r.ingestId],
        rowsLoaded: r.rows,
        message: `${r.allocations} allocations (${r.idleAllocations} idle) in ${r.sets} set${r.sets === 1 ? "" : "s"}, ${r.rows} rows, ${r.loadedTotal} ${r.currency}${r.rowsReplaced ? `, replaced ${r.rowsReplaced} rows` : ""}`,
        details: { clusters: r.clusters, windows: r.windows, sourceTotal: r.sourceTotal, loadedTotal: r.loadedTotal, idleTotal: r.idleTotal },
      };
    }
    case "metrics": {
      const r = await ingestMetrics(ctx.store, [resolve(ctx.baseDir, source.file)], {
        ...(source.format ? { format: source.format } : {}),
        ...(source.metric ? { metric: source.metric } : {}),
      });
      return {
        status: "ok",
        ingestIds: [r.ingestId],
        rowsLoaded: r.rows,
        message: `${r.rows} metric values (${r.metrics.length} metric${r.metrics.length === 1 ? "" : "s"})${r.replaced ? `, replaced ${r.replaced}` : ""}`,
        details: { files: r.files, replaced: r.replaced },
      };
    }
    default: {
      const never: never = source;
      throw new CostwiseError("BAD_CONFIG", `unknown source type ${(never as { type: string }).type}`);
    }
  }
}

async function syncFiles(ctx: ConnectorContext, source: FilesSource): Promise<ConnectorResult> {
  const paths = source.paths.flatMap((p) => expandGlob(resolve(ctx.baseDir, p)));
  if (paths.length === 0) throw new CostwiseError("NOT_FOUND", `source ${source.name}: nothing matches ${source.paths.join(", ")} (relative to ${ctx.baseDir})`);
  if (source.format !== undefined && !isSourceFormat(source.format)) {
    throw new CostwiseError("BAD_CONFIG", `source ${source.name}: format "${source.format}" is not a known source format`);
  }
  const result = await ingestFiles(ctx.store, paths, {
    ...(source.format !== undefined && isSourceFormat(source.format) ? { format: source.format } : {}),
    ...(ctx.now ? { now: ctx.now } : {}),
    onProgress: (p) => {
      if (p.phase === "check" && p.file) ctx.onProgress?.(`loaded ${p.file} (${p.fileIndex + 1}/${p.fileCount})`);
    },
  });
  return {
    status: "ok",
    ingestIds: [result.ingestId],
    rowsLoaded: result.rowsLoaded,
    message: `${result.files.length} file${result.files.length === 1 ? "" : "s"}, ${result.rowsLoaded} rows${result.rowsReplaced ? `, replaced ${result.rowsReplaced} rows` : ""}`,
    details: { files: result.files.map((f) => f.path), skipped: result.skipped, replaced: result.rowsReplaced, currencyTotals: result.currencyTotals },
  };
}

/**
 * Expands `*`, `**` and `?` in a path (absolute); a path without wildcards is returned as is (the ingest
 * reports it when it does not exist).
 */
export function expandGlob(pattern: string): string[] {
  if (!/[*?]/.test(pattern)) return [pattern];
  const parts = pattern.split(sep);
  const firstWild = parts.findIndex((p) => /[*?]/.test(p));
  const base = parts.slice(0, firstWild).join(sep) || sep;
  const rest = parts.slice(firstWild);
  const toRe = (seg: string) => new RegExp(`^${seg.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]")}$`);
  const out: string[] = [];
  const walk = (dir: string, i: number) => {
    if (i === rest.length) {
      out.push(dir);
      return;
    }
    if (!existsSync(dir) || !statSync(dir).isDirectory()) return;
    const seg = rest[i]!;
    const names = readdirSync(dir).sort();
    if (seg === "**") {
      walk(dir, i + 1); // zero folders
      for (const n of names) if (statSync(join(dir, n)).isDirectory()) walk(join(dir, n), i);
      return;
    }
    const re = toRe(seg);
    for (const n of names) if (re.test(n)) walk(join(dir, n), i + 1);
  };
  walk(isAbsolute(base) ? base : resolve(base), 0);
  return [...new Set(out)].filter((p) => statSync(p).isFile() || statSync(p).isDirectory());
}

async function record(options: SyncOptions, syncId: string, source: SourceConfig, started: Date, r: SourceSyncReport): Promise<void> {
  await options.store.run({
    sql: `INSERT INTO ${SYNCS_TABLE} VALUES (?, ?, ?, ?::TIMESTAMP, ?::TIMESTAMP, ?, from_json(?, '["VARCHAR"]'), ?, ?)`,
    params: [syncId, source.name, source.type, sqlTimestamp(options.now ?? started), sqlTimestamp(options.now ? new Date(options.now.getTime() + r.seconds * 1000) : new Date()), r.status, JSON.stringify(r.ingestIds), r.rowsLoaded, r.message],
  });
}
