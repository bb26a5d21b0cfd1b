/**
 * `costwise ingest <files or folders…>`: load billing exports into the cost store.
 */
import { Command } from "commander";
import cliProgress from "cli-progress";
import { trimMoney } from "../../core/money.js";
import { resolve } from "node:path";
import { CostwiseError, isCostwiseError } from "../../core/errors.js";
import { ingestFiles, type IngestOptions, type IngestProgress, type IngestResult } from "../../engine/ingest/ingest.js";
import { displayPath } from "../../engine/ingest/files.js";
import { isSourceFormat, type SourceFormat } from "../../engine/mapping/registry.js";
import { ingestOpenCostFile, looksLikeOpenCostResponse, type OpenCostIngestResult } from "../../engine/connectors/opencost.js";
import { runAfterDataLanded, type JobResult } from "../../engine/jobs/jobs.js";
import { printOpenCost } from "./opencost-actions.js";
import { backendOf, globalOptions, requireEmbeddedCosts, stdio, usageError, withCostStore, withStoreOrServer, workspaceRef, type GlobalOptions } from "../context.js";
import type { ClickHouseStore } from "../../engine/store/clickhouse/clickhouse-store.js";
import { ingestToClickHouse } from "../../engine/ingest/sinks/clickhouse.js";

/** What an ingest landed, and the chain that followed it (null when none ran). */
interface Landed {
  opencost: OpenCostIngestResult[];
  result: IngestResult | null;
  chained: JobResult[] | null;
}

/**
 * Loads into the embedded store, or through the server that holds it (the same machine reads the same paths).
 * Rows committed with a costwise.yaml loaded chain allocate → detect → budgets → deliver (runAfterDataLanded).
 */
async function ingestEmbedded(g: GlobalOptions, files: string[], openCost: string[], format: SourceFormat | undefined, ingestOptions: IngestOptions): Promise<Landed> {
  const body = { files: files.map((p) => resolve(p)), opencost: openCost.map((p) => resolve(p)), ...(format ? { format } : {}), workspace: workspaceRef(g) };
  try {
    return await withStoreOrServer(g, { op: "ingest", body }, async (store) => {
      const opencost: OpenCostIngestResult[] = [];
      for (const p of openCost) opencost.push(await ingestOpenCostFile(store, p));
      const result = files.length > 0 ? await ingestFiles(store, files, ingestOptions) : null;
      const rows = (result?.rowsLoaded ?? 0) + opencost.reduce((a, o) => a + o.rows, 0);
      const log = (l: string): void => (g.json ? undefined : stdio.err(l));
      const chained = rows > 0 && g.workspace.file !== undefined ? await runAfterDataLanded({ store, workspace: g.workspace, log }, "after ingest") : null;
      return { opencost, result, chained };
    });
  } catch (e) {
    // the server was given absolute paths: where ingest names the paths as given (nothing found in them), name them as the user did
    const sent = `found in ${body.files.join(", ")}`;
    const given = `found in ${files.join(", ")}`;
    if (isCostwiseError(e) && given !== sent && e.message.includes(sent)) {
      throw new CostwiseError(e.code, e.message.replace(sent, given), { ...(e.location ? { location: e.location } : {}), ...(e.details ? { details: e.details } : {}) });
    }
    throw e;
  }
}

function printIngest(result: IngestResult): void {
  for (const s of result.skipped) stdio.err(`skipped ${displayPath(s.path)}: ${s.reason}`);
  for (const f of result.files) {
    stdio.out(`loaded ${displayPath(f.path)} as ${f.format}: ${f.rows} rows, BilledCost ${trimMoney(f.loadedTotal)} (source ${trimMoney(f.sourceTotal)})`);
  }
  for (const p of result.partitions) {
    if (p.rowsReplaced > 0) {
      stdio.out(`replaced ${p.source} account ${p.billingAccountId} period ${p.billingPeriodStart.slice(0, 10)}: ${p.rowsReplaced} old rows (${trimMoney(p.billedCostReplaced)}) → ${p.rows} rows (${trimMoney(p.billedCost)})`);
    }
  }
  const cur = Object.entries(result.currencyTotals).map(([c, t]) => `${trimMoney(t)} ${c}`).join(", ");
  stdio.out(`ingest ${result.ingestId}: ${result.rowsLoaded} rows from ${result.files.length} file(s), ${cur}; ${result.rowsReplaced} rows replaced`);
}

interface Reporter {
  update: (p: IngestProgress) => void;
  stop: () => void;
}

function barReporter(): Reporter {
  const bar = new cliProgress.SingleBar(
    { format: "{bar} {percentage}% | {value}/{total} MB | {rows} rows | {rate} MB/s | {file}", hideCursor: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  const t0 = Date.now();
  let started = false;
  return {
    update: (p) => {
      const mb = (n: number) => Math.round(n / 1e5) / 10;
      const payload = { rows: p.rows, file: p.file ? displayPath(p.file) : p.phase, rate: (mb(p.bytesDone) / Math.max(0.001, (Date.now() - t0) / 1000)).toFixed(1) };
      if (!started) {
        bar.start(mb(p.bytesTotal), mb(p.bytesDone), payload);
        started = true;
      } else bar.update(mb(p.bytesDone), payload);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

function lineReporter(): Reporter {
  const t0 = Date.now();
  return {
    update: (p) => {
      const secs = (Date.now() - t0) / 1000;
      const mb = p.bytesDone / 1e6;
      if (p.phase === "stage" && p.file && p.bytesDone === 0 && p.fileIndex === 0) stdio.err(`reading ${p.fileCount} file(s), ${(p.bytesTotal / 1e6).toFixed(1)} MB`);
      if (p.phase === "check" && p.file) {
        stdio.err(`[${p.fileIndex + 1}/${p.fileCount}] ${displayPath(p.file)}: ${p.rows} rows so far, ${mb.toFixed(1)} MB in ${secs.toFixed(1)} s (${(mb / Math.max(secs, 0.001)).toFixed(1)} MB/s)`);
      }
    },
    stop: () => undefined,
  };
}

export async function ingest(paths: string[], opts: { format?: string; progress: boolean }, cmd: Command) {
  const g = globalOptions(cmd);
  if (opts.format !== undefined && !isSourceFormat(opts.format)) throw usageError(`unknown --format ${opts.format}`);
  const format = opts.format && isSourceFormat(opts.format) ? opts.format : undefined;
  // saved OpenCost /allocation responses (JSON) are recognised by their shape; each loads in its own transaction
  const openCost = opts.format === "opencost" ? paths : paths.filter((p) => looksLikeOpenCostResponse(p));
  if (openCost.length > 0) requireEmbeddedCosts(g, "loading OpenCost responses");
  const files = paths.filter((p) => !openCost.includes(p));
  const tty = Boolean(process.stderr.isTTY) && opts.progress && !g.json;
  const reporter = files.length === 0 ? undefined : tty ? barReporter() : g.json ? undefined : lineReporter();
  const ingestOptions = { ...(format ? { format } : {}), ...(reporter ? { onProgress: reporter.update } : {}) };
  const landed = await (backendOf(g) === "clickhouse"
    ? withCostStore(g, async (store): Promise<Landed> => ({ opencost: [], result: await ingestToClickHouse(store as ClickHouseStore, files, ingestOptions), chained: null }))
    : ingestEmbedded(g, files, openCost, format, ingestOptions)
  ).finally(() => reporter?.stop());
  const { result, chained } = landed;
  if (g.json) {
    if (!result) return stdio.json({ opencost: landed.opencost, ...(chained ? { chained } : {}) });
    return stdio.json(chained ? { ...result, chained } : result);
  }
  landed.opencost.forEach(printOpenCost);
  if (result) printIngest(result);
  for (const r of chained ?? []) stdio.out(`${r.job}: ${r.status}${r.error ? ` — ${r.error.split("\n")[0]}` : ""}`);
}
