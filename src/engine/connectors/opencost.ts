/**
 * Kubernetes cost from OpenCost's `/allocation` API → FOCUS rows in `focus_costs`.
 *
 * Input: an `/allocation` (or `/allocation/compute`) response, `{"code":200,"data":[{<key>: Allocation, …}, …]}`,
 * one object per step (set) of the window. Read from a saved file, or fetched from the API (with timeouts, retries
 * with backoff on 429/5xx/network errors; a bearer token never appears in logs or errors) into a temp file first,
 * so a half-fetched response never lands.
 *
 * Everything over the rows runs in DuckDB: the response is read with `read_json_objects`, each set's allocations
 * are unnested from the JSON object, and the FOCUS rows are produced by one INSERT … SELECT.
 *
 * Mapping (documented in README "Kubernetes (OpenCost)"):
 *  - one FOCUS row per allocation and cost component with a non-zero cost or adjustment: cpu, gpu, ram, pv,
 *    network, loadBalancer, shared, external (`x_UsageType` = component, named in ChargeDescription). An allocation
 *    whose components are all zero (or absent) gets one `total` row carrying its totalCost (often 0), so every
 *    allocation is present.
 *  - ListCost = the component's cost; BilledCost = EffectiveCost = ContractedCost = cost + its adjustment
 *    (OpenCost's reconciliation with the cloud bill). OpenCost rounds every field to 5–6 decimals on its own, so
 *    the difference between totalCost and the sum of its rounded parts is carried by the allocation's first
 *    non-zero component (order above): each allocation's BilledCost sums to its totalCost exactly, and the load
 *    is checked against the response's totalCost sum to the cent before commit.
 *  - sub-parts that are already inside a component are not added again (networkCrossZoneCost…, cpuCostIdle…,
 *    pvs, lbAllocations, sharedCostBreakdown).
 *  - idle (`__idle__` allocations) stay their own rows: x_ChargeType "idle", x_k8s_Namespace "__idle__",
 *    ResourceType "Kubernetes Idle". `__unmounted__` volumes: x_ChargeType "unmounted".
 *  - ChargePeriodStart/End = the allocation set's window; BillingPeriod = the calendar month of the window start.
 *  - ProviderName "Kubernetes", PublisherName and InvoiceIssuerName "OpenCost" (no invoice exists: these rows split
 *    the cluster's node, disk and network spend, which the cloud bill also holds: do not add the two), ServiceName
 *    "Kubernetes", ServiceCategory "Compute", ServiceSubcategory "Containers", ChargeCategory "Usage".
 *  - BillingAccountId/Name = cluster, SubAccountId/Name = namespace, ResourceId = the allocation name.
 *  - labels → Tags `k8s:label:<name>`, annotations → `k8s:annotation:<name>` (names as OpenCost sanitises them,
 *    e.g. app_kubernetes_io_name).
 *  - x_Source "opencost"; re-ingesting the same cluster and window replaces what was loaded for it, in one
 *    transaction; an old row that only partly overlaps a new window is refused (it would be half replaced).
 *
 * Roles: ./opencost-fetch.ts fetches the API; ./opencost-allocations.ts stages and checks the response and flattens
 * it to the mapping's columns; this file hands those rows (a relation plus the mapping) to the ingest spine
 * (src/engine/ingest/spine.ts) with the cluster-window replacement unit. The spine owns the transaction, the
 * loaded-files ledger and the run record.
 */
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { z } from "zod";
import { CostwiseError } from "../../core/errors.js";
import { equalToTheCent, subMoney } from "../../core/money.js";
import { displayPath } from "../ingest/files.js";
import { clusterWindowUnit } from "../ingest/replacement.js";
import { newIngestId, planLoad, runIngest } from "../ingest/spine.js";
import type { AnalysisStore } from "../store/cost-store.js";
import { col, readRow, readRows } from "../store/read-rows.js";
import { COST_TABLE, LOADED_TABLE } from "../store/schema.js";
import { openCostRows, stageAllocations } from "./opencost-allocations.js";
import { allocationUrl, fetchWithRetry, safeUrl, type FetchOptions } from "./opencost-fetch.js";

export { allocationUrl, fetchWithRetry, safeUrl, type FetchOptions } from "./opencost-fetch.js";

export const OPENCOST_SOURCE = "opencost";

/** A `type: opencost` source of costwise.yaml (the sources section's schema is assignable to this). */
export interface OpenCostSourceInput {
  name: string;
  type: "opencost";
  /** OpenCost API base (http://opencost.opencost:9003) or a full …/allocation URL */
  url?: string;
  /** a saved /allocation response */
  file?: string;
  /** cluster name stored on every row; overrides properties.cluster (OpenCost's default CLUSTER_ID is "cluster-one") */
  cluster?: string;
  /** OpenCost window; `Nd` is sent as the last N complete UTC days (default 7d) */
  window?: string;
  /** OpenCost aggregate (default cluster,node,namespace,controllerKind,controller,pod,container) */
  aggregate?: string;
  /** OpenCost step (default 1d) */
  step?: string;
  /** bearer token for the API, or the name of an environment variable holding it (preferred) */
  token?: string;
  tokenEnv?: string;
  /** currency OpenCost prices in (default USD) */
  currency?: string;
}

export interface OpenCostIngestOptions {
  /** cluster name stored on every row; overrides properties.cluster */
  cluster?: string;
  /** default USD */
  currency?: string;
  /** what x_SourceFile and messages call the input (default: the file path) */
  label?: string;
  /** test hook: called inside the transaction after the insert, before commit */
  beforeCommit?: () => Promise<void>;
}

export interface OpenCostSyncOptions extends FetchOptions {
  /** "now" for relative windows (tests) */
  now?: Date;
  /** base folder for a relative `file` (the folder of costwise.yaml) */
  baseDir?: string;
  beforeCommit?: () => Promise<void>;
}

export interface OpenCostIngestResult {
  ingestId: string;
  source: string;
  /** the URL fetched (without credentials), for syncs */
  url?: string;
  sets: number;
  allocations: number;
  idleAllocations: number;
  rows: number;
  clusters: string[];
  windows: { cluster: string; start: string; end: string }[];
  currency: string;
  /** the response's totalCost sum, at full precision */
  sourceTotal: string;
  /** BilledCost loaded */
  loadedTotal: string;
  idleTotal: string;
  rowsReplaced: number;
  replacedTotal: string;
}


/** True when the file looks like an OpenCost allocation response (a JSON object with "code"/"data"). */
export function looksLikeOpenCostResponse(path: string): boolean {
  if (!/\.json$/i.test(path) || !existsSync(path)) return false;
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const head = buf.subarray(0, n).toString("utf8");
    return /^\s*\{/.test(head) && /"data"\s*:\s*\[/.test(head) && /"code"\s*:/.test(head);
  } finally {
    closeSync(fd);
  }
}

/** Reads a saved OpenCost /allocation response into the cost store (replacing the same cluster and windows). */
export async function ingestOpenCostFile(store: AnalysisStore, path: string, options: OpenCostIngestOptions = {}): Promise<OpenCostIngestResult> {
  const file = resolve(path);
  const shown = options.label ?? displayPath(file);
  if (!existsSync(file)) throw new CostwiseError("NOT_FOUND", `${shown}: no such file`, { location: { file: shown } });
  const bytes = statSync(file).size;
  if (bytes === 0) throw new CostwiseError("EMPTY_FILE", `${shown}: the file is empty (expected an OpenCost /allocation JSON response)`, { location: { file: shown } });
  const currency = options.currency ?? "USD";
  if (!/^[A-Z]{3}$/.test(currency)) throw new CostwiseError("USAGE", `currency ${JSON.stringify(currency)}: expected a 3-letter ISO 4217 code such as USD`);
  const ingestId = newIngestId();
  const startedAt = new Date();
  const tag = ingestId.replace(/[^A-Za-z0-9_]/g, "_");
  const tables = { docT: `oc_doc_${tag}`, allocT: `oc_alloc_${tag}`, winT: `oc_win_${tag}` };
  const label = options.label ?? file;
  try {
    // 1-2. the response staged and checked, outside the transaction
    const staged = await stageAllocations(store, { file, shown, bytes, tables, cluster: options.cluster });
    const { sets, allocations, sourceTotal, windows } = staged;
    const deliveryId = `opencost:${ingestId}`;
    const planned = planLoad(openCostRows(staged, currency), { file: label, ingestId, deliveryId });

    // 3. replace, insert, book and check in one transaction: the spine
    return await runIngest(store, {
      ingestId,
      loads: [{ planned, check: (s) => checkLoaded(s, ingestId, shown, sourceTotal) }],
      unit: clusterWindowUnit({ source: OPENCOST_SOURCE, windows: staged.winT, shown }),
      summarize: async (s, [l], replaced) => {
        const { rows, loadedTotal } = l!;
        const result: OpenCostIngestResult = {
          ingestId,
          source: label,
          sets,
          allocations,
          idleAllocations: l!.idleAllocations,
          rows,
          clusters: l!.clusters,
          windows,
          currency,
          sourceTotal,
          loadedTotal,
          idleTotal: l!.idleTotal,
          rowsReplaced: replaced.rowsReplaced,
          replacedTotal: replaced.replacedTotal,
        };
        const partitions = await readRows(
          s,
          { source: col.text, billingAccountId: col.text.nullable(), billingPeriodStart: col.text.nullable(), deliveryId: col.text, rows: col.int, billedCost: col.money.nullable() },
          {
            sql: `SELECT source, billing_account_id AS "billingAccountId", strftime(billing_period_start, '%Y-%m-%d %H:%M:%S') AS "billingPeriodStart", delivery_id AS "deliveryId",
                sum(rows)::BIGINT AS rows, sum(billed_cost)::VARCHAR AS "billedCost" FROM ${LOADED_TABLE} WHERE ingest_id = ? GROUP BY ALL ORDER BY 2, 3`,
            params: [ingestId],
          },
        );
        const run = {
          ingestId,
          startedAt,
          source: OPENCOST_SOURCE,
          files: [{ path: label, format: OPENCOST_SOURCE, rows, sourceTotal, loadedTotal, deliveryId }],
          partitions,
          rowsLoaded: rows,
          rowsReplaced: result.rowsReplaced,
          sourceTotal,
          loadedTotal,
          replacedTotal: result.replacedTotal,
          currencyTotals: { [currency]: loadedTotal },
        };
        return { result, run };
      },
      ...(options.beforeCommit ? { beforeCommit: options.beforeCommit } : {}),
    });
  } finally {
    for (const t of Object.values(tables)) await store.run(`DROP TABLE IF EXISTS ${t}`).catch(() => undefined);
  }
}

/** The load's control check: BilledCost loaded must equal the response's totalCost sum to the cent. */
async function checkLoaded(
  store: AnalysisStore,
  ingestId: string,
  shown: string,
  sourceTotal: string,
): Promise<{ rows: number; loadedTotal: string; idleTotal: string; idleAllocations: number; clusters: string[] }> {
  const l = (await readRow(
    store,
    { n: col.int, t: col.money, idle: col.money, idle_allocs: col.int, clusters: z.array(z.string()).nullable() },
    {
      sql: `SELECT count(*)::BIGINT AS n, coalesce(sum("BilledCost"), 0)::VARCHAR AS t,
                coalesce(sum("BilledCost") FILTER (WHERE x_ChargeType = 'idle'), 0)::VARCHAR AS idle,
                count(DISTINCT "ResourceId" || '|' || "ChargePeriodStart"::VARCHAR)::BIGINT AS allocs,
                count(DISTINCT "ResourceId" || '|' || "ChargePeriodStart"::VARCHAR) FILTER (WHERE x_ChargeType = 'idle')::BIGINT AS idle_allocs,
                list(DISTINCT x_k8s_Cluster ORDER BY x_k8s_Cluster) AS clusters
              FROM ${COST_TABLE} WHERE x_IngestId = ?`,
      params: [ingestId],
    },
  ))!;
  const loadedTotal = l.t;
  if (!equalToTheCent(sourceTotal, loadedTotal)) {
    throw new CostwiseError(
      "CONTROL_TOTAL_MISMATCH",
      `${shown}: loaded BilledCost ${loadedTotal}, but the response's totalCost sums to ${sourceTotal} (a difference of ${subMoney(loadedTotal, sourceTotal)}); nothing was loaded`,
      { location: { file: shown } },
    );
  }
  return { rows: l.n, loadedTotal, idleTotal: l.idle, idleAllocations: l.idle_allocs, clusters: l.clusters ?? [] };
}


/** Fetches the configured window from OpenCost (or reads `file`) and loads it, replacing the same cluster and windows. */
export async function syncOpenCost(store: AnalysisStore, source: OpenCostSourceInput, options: OpenCostSyncOptions = {}): Promise<OpenCostIngestResult> {
  const common = {
    ...(source.cluster ? { cluster: source.cluster } : {}),
    ...(source.currency ? { currency: source.currency } : {}),
    ...(options.beforeCommit ? { beforeCommit: options.beforeCommit } : {}),
  };
  if (source.file !== undefined && source.url !== undefined) throw new CostwiseError("BAD_CONFIG", `source ${source.name}: give either url or file, not both`);
  if (source.file !== undefined) return ingestOpenCostFile(store, resolve(options.baseDir ?? ".", source.file), common);
  if (source.url === undefined) throw new CostwiseError("BAD_CONFIG", `source ${source.name}: give url (the OpenCost API) or file (a saved /allocation response)`);
  const token = source.tokenEnv ? process.env[source.tokenEnv] : source.token;
  if (source.tokenEnv && !token) throw new CostwiseError("BAD_CONFIG", `source ${source.name}: the environment variable ${source.tokenEnv} (tokenEnv) is not set`);
  const url = allocationUrl(source, options.now ?? new Date());
  const shownUrl = safeUrl(url);
  const dir = mkdtempSync(join(tmpdir(), "costwise-opencost-"));
  try {
    const body = await fetchWithRetry(url, { ...options, ...(token ? { token } : {}) });
    const file = join(dir, "allocation.json");
    writeFileSync(file, body);
    const result = await ingestOpenCostFile(store, file, { ...common, label: shownUrl });
    return { ...result, url: shownUrl };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

