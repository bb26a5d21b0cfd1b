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
 */
import { randomUUID } from "node:crypto";
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CostwiseError } from "../../core/errors.js";
import { equalToTheCent, subMoney } from "../../core/money.js";
import { compileMapping } from "../mapping/compile.js";
import { quoteIdent, quoteString } from "../../core/sql.js";
import { OPENCOST_COLUMNS, OPENCOST_MAPPING } from "../mapping/sources/opencost.js";
import { displayPath } from "../ingest/files.js";
import { DuckDbStore } from "../store/duckdb-store.js";
import type { AnalysisStore } from "../store/cost-store.js";
import { COST_TABLE, COST_TABLE_COLUMNS, LOADED_TABLE, RUNS_TABLE } from "../store/schema.js";

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

export interface FetchOptions {
  /** per attempt, headers and body (default 60 s) */
  timeoutMs?: number;
  /** attempts including the first (default 4) */
  attempts?: number;
  /** first backoff delay (default 500 ms), doubled per retry, with jitter, capped by maxDelayMs (default 10 s) */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** progress lines (retries); never contain the token */
  log?: (line: string) => void;
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

const DEFAULT_AGGREGATE = "cluster,node,namespace,controllerKind,controller,pod,container";

/** Cost components, in the order that decides which one carries OpenCost's rounding difference. */
const COMPONENTS = [
  { id: "cpu", title: "CPU", cost: "cpuCost", adj: "cpuCostAdjustment", qty: "cpu_qty", unit: "Core-Hours" },
  { id: "gpu", title: "GPU", cost: "gpuCost", adj: "gpuCostAdjustment", qty: "gpu_qty", unit: "GPU-Hours" },
  { id: "ram", title: "RAM", cost: "ramCost", adj: "ramCostAdjustment", qty: "ram_qty", unit: "GiB-Hours" },
  { id: "pv", title: "Persistent volumes", cost: "pvCost", adj: "pvCostAdjustment", qty: "pv_qty", unit: "GiB-Hours" },
  { id: "network", title: "Network", cost: "networkCost", adj: "networkCostAdjustment", qty: "net_qty", unit: "GiB" },
  { id: "loadBalancer", title: "Load balancers", cost: "loadBalancerCost", adj: "loadBalancerCostAdjustment", qty: "hours", unit: "Hours" },
  { id: "shared", title: "Shared cost", cost: "sharedCost", adj: null, qty: "hours", unit: "Hours" },
  { id: "external", title: "External cost", cost: "externalCost", adj: null, qty: "hours", unit: "Hours" },
] as const;

const MONEY_FIELDS: readonly string[] = [...new Set(COMPONENTS.flatMap((c): string[] => (c.adj ? [c.cost, c.adj] : [c.cost])))];
const QTY_FIELDS = ["minutes", "cpuCoreHours", "gpuHours", "ramByteHours", "pvByteHours", "networkTransferBytes"];
const TEXT_FIELDS: Record<string, string> = {
  name: "$.name",
  p_cluster: "$.properties.cluster",
  p_node: "$.properties.node",
  p_namespace: "$.properties.namespace",
  p_kind: "$.properties.controllerKind",
  p_controller: "$.properties.controller",
  p_pod: "$.properties.pod",
  p_container: "$.properties.container",
  p_provider_id: "$.properties.providerID",
  w_start: "$.window.start",
  w_end: "$.window.end",
  a_start: "$.start",
  a_end: "$.end",
  total_raw: "$.totalCost",
};

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
  const ingestId = `ing_${new Date().toISOString().replace(/[-:.TZ]/g, "").slice(0, 14)}_${randomUUID().slice(0, 8)}`;
  const startedAt = new Date();
  const tag = ingestId.replace(/[^A-Za-z0-9_]/g, "_");
  const docT = `oc_doc_${tag}`;
  const allocT = `oc_alloc_${tag}`;
  const winT = `oc_win_${tag}`;
  const label = options.label ?? file;
  try {
    // 1. the document: one JSON value
    try {
      await store.run(
        `CREATE TEMP TABLE ${docT} AS SELECT json AS j FROM read_json_objects(${quoteString(file)}, format = 'unstructured', maximum_object_size = ${Math.max(bytes + 1024, 16 * 1024 * 1024)})`,
      );
    } catch (e) {
      throw jsonReadError(e, file, shown);
    }
    const docInfo = await store.all(
      `SELECT count(*)::BIGINT AS n, any_value(json_type(j)) AS t, any_value(j->>'$.code') AS code, any_value(j->>'$.status') AS status,
              any_value(coalesce(j->>'$.message', j->>'$.error', j->>'$.warning')) AS message, any_value(json_type(j, '$.data')) AS data_type,
              any_value(json_array_length(j, '$.data'))::BIGINT AS sets FROM ${docT}`,
    );
    const d = docInfo[0]!;
    if (Number(d["n"]) !== 1 || d["t"] !== "OBJECT") {
      throw new CostwiseError("BAD_INPUT", `${shown}: expected one JSON object (an OpenCost /allocation response), found ${Number(d["n"]) === 1 ? `a JSON ${String(d["t"]).toLowerCase()}` : `${d["n"]} JSON values`}`, { location: { file: shown } });
    }
    if (d["code"] !== null && d["code"] !== "200") {
      throw new CostwiseError("REMOTE", `${shown}: OpenCost answered code ${d["code"]}${d["message"] ? `: ${String(d["message"]).slice(0, 300)}` : ""}; nothing was loaded`, { location: { file: shown, column: "code" } });
    }
    if (d["data_type"] !== "ARRAY") {
      throw new CostwiseError("BAD_INPUT", `${shown}: key "data": expected an array of allocation sets (OpenCost /allocation response), got ${d["data_type"] === null ? "no data" : String(d["data_type"]).toLowerCase()}`, {
        location: { file: shown, column: "data" },
      });
    }
    const sets = Number(d["sets"]);

    // 2. one row per allocation, fields extracted (money as text → exact decimals)
    // every field in one extraction per allocation (each JSON function call parses the object again)
    const fields: [string, string][] = [
      ...Object.entries(TEXT_FIELDS),
      ...[...MONEY_FIELDS, ...QTY_FIELDS].map((f): [string, string] => [`raw_${f}`, `$.${f}`]),
    ];
    const paths = `[${fields.map(([, p]) => quoteString(p)).join(", ")}]`;
    const picked = fields.map(([name], i) => `f[${i + 1}] AS ${quoteIdent(name)}`);
    await store.run(`CREATE TEMP TABLE ${allocT} AS
      WITH s AS (SELECT i::BIGINT AS set_index, json_extract(j, '$.data[' || i || ']') AS sj FROM ${docT}, range(${sets}) t(i)),
      e AS (SELECT set_index, unnest(map_entries(CASE WHEN json_type(sj) = 'OBJECT' THEN CAST(sj AS MAP(VARCHAR, JSON)) END)) AS kv FROM s),
      x AS (SELECT set_index, kv.key AS key, kv.value AS v, json_type(kv.value) AS v_type, json_extract_string(kv.value, ${paths}) AS f,
                   json_extract(kv.value, ['$.properties.labels', '$.properties.annotations']) AS g FROM e)
      SELECT set_index, key, v, v_type, ${picked.join(", ")}, g[1] AS labels, g[2] AS annotations FROM x`);
    const badSet = await store.all(
      `SELECT i::BIGINT AS i, json_type(json_extract(j, '$.data[' || i || ']')) AS t FROM ${docT}, range(${sets}) t(i) WHERE json_type(json_extract(j, '$.data[' || i || ']')) NOT IN ('OBJECT', 'NULL') ORDER BY i LIMIT 1`,
    );
    if (badSet.length > 0) {
      throw new CostwiseError("BAD_INPUT", `${shown}: data[${badSet[0]!["i"]}]: expected an object of allocations keyed by name, got a JSON ${String(badSet[0]!["t"]).toLowerCase()}`, {
        location: { file: shown, column: `data[${badSet[0]!["i"]}]` },
      });
    }
    await checkAllocations(store, allocT, shown, options.cluster);
    const counts = await store.all(`SELECT count(*)::BIGINT AS n, coalesce(sum(CAST(total_raw AS DECIMAL(38,18))), 0)::VARCHAR AS total FROM ${allocT}`);
    const allocations = Number(counts[0]!["n"]);
    const sourceTotal = String(counts[0]!["total"]);
    if (allocations === 0) {
      throw new CostwiseError("EMPTY_FILE", `${shown}: the response holds no allocations (${sets} empty set(s)); nothing to load`, { location: { file: shown } });
    }
    const clusterSql = options.cluster ? quoteString(options.cluster) : "NULLIF(a.p_cluster, '')";
    if (options.cluster) {
      const others = await store.all(`SELECT list(DISTINCT p_cluster ORDER BY p_cluster) AS c FROM ${allocT} WHERE NULLIF(p_cluster, '') IS NOT NULL`);
      const list = (others[0]?.["c"] as string[] | null) ?? [];
      if (list.length > 1) {
        throw new CostwiseError("BAD_INPUT", `${shown}: the response holds ${list.length} clusters (${list.join(", ")}); a cluster name (${options.cluster}) can only be given for a single-cluster response`, {
          location: { file: shown, column: "properties.cluster" },
        });
      }
    }
    await store.run(`CREATE TEMP TABLE ${winT} AS SELECT DISTINCT ${clusterSql} AS cluster, CAST(a.w_start AS TIMESTAMPTZ)::TIMESTAMP AS ws, CAST(a.w_end AS TIMESTAMPTZ)::TIMESTAMP AS we FROM ${allocT} a`);
    const windows = (await store.all(`SELECT cluster, strftime(ws, '%Y-%m-%dT%H:%M:%SZ') AS s, strftime(we, '%Y-%m-%dT%H:%M:%SZ') AS e FROM ${winT} ORDER BY 1, 2`)).map((r) => ({
      cluster: String(r["cluster"]),
      start: String(r["s"]),
      end: String(r["e"]),
    }));
    const deliveryId = `opencost:${ingestId}`;
    const selectSql = rowsSql(allocT, clusterSql, currency, label, ingestId, deliveryId);

    // 3. replace, insert, book and check in one transaction
    return await store.transaction(async () => {
      const partial = await store.all(
        `SELECT f.x_k8s_Cluster AS cluster, strftime(f."ChargePeriodStart", '%Y-%m-%dT%H:%M:%SZ') AS s, strftime(f."ChargePeriodEnd", '%Y-%m-%dT%H:%M:%SZ') AS e,
                strftime(w.ws, '%Y-%m-%dT%H:%M:%SZ') AS ws, strftime(w.we, '%Y-%m-%dT%H:%M:%SZ') AS we
         FROM ${COST_TABLE} f JOIN ${winT} w ON f.x_Source = '${OPENCOST_SOURCE}' AND f.x_k8s_Cluster = w.cluster AND f."ChargePeriodStart" < w.we AND f."ChargePeriodEnd" > w.ws
         WHERE NOT EXISTS (SELECT 1 FROM ${winT} w2 WHERE w2.cluster = f.x_k8s_Cluster AND f."ChargePeriodStart" >= w2.ws AND f."ChargePeriodEnd" <= w2.we)
         LIMIT 1`,
      );
      if (partial.length > 0) {
        const p = partial[0]!;
        throw new CostwiseError(
          "BAD_INPUT",
          `${shown}: cluster ${p["cluster"]}: the new window ${p["ws"]}–${p["we"]} partly overlaps rows already loaded for ${p["s"]}–${p["e"]}; replacing them would drop or double money. Load windows that contain the old ones or line up with them (e.g. step=1d over whole UTC days); nothing was loaded`,
          { location: { file: shown, column: "window" } },
        );
      }
      const victims = `SELECT DISTINCT f.x_IngestId AS ingest_id, f.x_SourceFile AS file FROM ${COST_TABLE} f JOIN ${winT} w
         ON f.x_Source = '${OPENCOST_SOURCE}' AND f.x_k8s_Cluster = w.cluster AND f."ChargePeriodStart" >= w.ws AND f."ChargePeriodEnd" <= w.we`;
      const affected = await store.all(`SELECT ingest_id, file FROM (${victims})`);
      const replaced = await store.all(
        `SELECT count(*)::BIGINT AS n, coalesce(sum("BilledCost"), 0)::VARCHAR AS t FROM ${COST_TABLE} f
         WHERE x_Source = '${OPENCOST_SOURCE}' AND EXISTS (SELECT 1 FROM ${winT} w WHERE f.x_k8s_Cluster = w.cluster AND f."ChargePeriodStart" >= w.ws AND f."ChargePeriodEnd" <= w.we)`,
      );
      if (affected.length > 0) {
        await store.run(
          `DELETE FROM ${COST_TABLE} f WHERE x_Source = '${OPENCOST_SOURCE}' AND EXISTS (SELECT 1 FROM ${winT} w WHERE f.x_k8s_Cluster = w.cluster AND f."ChargePeriodStart" >= w.ws AND f."ChargePeriodEnd" <= w.we)`,
        );
      }
      const cols = COST_TABLE_COLUMNS.map((c) => quoteIdent(c.name)).join(", ");
      await store.run(`INSERT INTO ${COST_TABLE} (${cols}) ${selectSql}`);
      // bookkeeping: rebuild what the partly or fully replaced older loads now hold, then book this one
      for (const a of affected) {
        const params = [String(a["ingest_id"]), String(a["file"])];
        await store.run({ sql: `DELETE FROM ${LOADED_TABLE} WHERE source = '${OPENCOST_SOURCE}' AND ingest_id = ? AND file = ?`, params });
        await store.run({ sql: bookSql(), params });
      }
      await store.run({ sql: bookSql(), params: [ingestId, label] });
      const loaded = await store.all({
        sql: `SELECT count(*)::BIGINT AS n, coalesce(sum("BilledCost"), 0)::VARCHAR AS t,
                coalesce(sum("BilledCost") FILTER (WHERE x_ChargeType = 'idle'), 0)::VARCHAR AS idle,
                count(DISTINCT "ResourceId" || '|' || "ChargePeriodStart"::VARCHAR)::BIGINT AS allocs,
                count(DISTINCT "ResourceId" || '|' || "ChargePeriodStart"::VARCHAR) FILTER (WHERE x_ChargeType = 'idle')::BIGINT AS idle_allocs,
                list(DISTINCT x_k8s_Cluster ORDER BY x_k8s_Cluster) AS clusters
              FROM ${COST_TABLE} WHERE x_IngestId = ?`,
        params: [ingestId],
      });
      const l = loaded[0]!;
      const loadedTotal = String(l["t"]);
      if (!equalToTheCent(sourceTotal, loadedTotal)) {
        throw new CostwiseError(
          "CONTROL_TOTAL_MISMATCH",
          `${shown}: loaded BilledCost ${loadedTotal}, but the response's totalCost sums to ${sourceTotal} (a difference of ${subMoney(loadedTotal, sourceTotal)}); nothing was loaded`,
          { location: { file: shown } },
        );
      }
      const rows = Number(l["n"]);
      const result: OpenCostIngestResult = {
        ingestId,
        source: label,
        sets,
        allocations,
        idleAllocations: Number(l["idle_allocs"]),
        rows,
        clusters: (l["clusters"] as string[] | null) ?? [],
        windows,
        currency,
        sourceTotal,
        loadedTotal,
        idleTotal: String(l["idle"]),
        rowsReplaced: Number(replaced[0]!["n"]),
        replacedTotal: String(replaced[0]!["t"]),
      };
      const partitions = await store.all({
        sql: `SELECT source, billing_account_id AS "billingAccountId", strftime(billing_period_start, '%Y-%m-%d %H:%M:%S') AS "billingPeriodStart", delivery_id AS "deliveryId",
                sum(rows)::BIGINT AS rows, sum(billed_cost)::VARCHAR AS "billedCost" FROM ${LOADED_TABLE} WHERE ingest_id = ? GROUP BY ALL ORDER BY 2, 3`,
        params: [ingestId],
      });
      await store.run({
        sql: `INSERT INTO ${RUNS_TABLE} VALUES (?, ?::TIMESTAMP, now()::TIMESTAMP, ?, ?::JSON, ?::JSON, ?, ?, ?::DECIMAL(38,10), ?::DECIMAL(38,10), ?::DECIMAL(38,10), ?::JSON)`,
        params: [
          ingestId,
          startedAt.toISOString().replace("T", " ").replace("Z", ""),
          OPENCOST_SOURCE,
          JSON.stringify([{ path: label, format: OPENCOST_SOURCE, rows, sourceTotal, loadedTotal, deliveryId }]),
          JSON.stringify(partitions.map((p) => ({ ...p, rows: Number(p["rows"]) }))),
          rows,
          result.rowsReplaced,
          sourceTotal,
          loadedTotal,
          result.replacedTotal,
          JSON.stringify({ [currency]: loadedTotal }),
        ],
      });
      if (options.beforeCommit) await options.beforeCommit();
      return result;
    });
  } finally {
    for (const t of [docT, allocT, winT]) await store.run(`DROP TABLE IF EXISTS ${t}`).catch(() => undefined);
  }
}

function bookSql(): string {
  return `INSERT INTO ${LOADED_TABLE} SELECT x_Source, "BillingAccountId", "BillingPeriodStart", x_DeliveryId, x_SourceFile, x_IngestId, "BillingCurrency",
            count(*), sum("BilledCost"), sum("EffectiveCost"), min("ChargePeriodStart"), max("ChargePeriodEnd")
          FROM ${COST_TABLE} WHERE x_Source = '${OPENCOST_SOURCE}' AND x_IngestId = ? AND x_SourceFile = ? GROUP BY ALL`;
}

/** Per-allocation checks; the first bad allocation is reported with its set, key and field. */
async function checkAllocations(store: AnalysisStore, allocT: string, shown: string, cluster: string | undefined): Promise<void> {
  const checks: { field: string; bad: string; value: string; expected: string }[] = [
    { field: "(allocation)", bad: `v_type <> 'OBJECT'`, value: `v::VARCHAR`, expected: "an allocation object" },
    { field: "totalCost", bad: `TRY_CAST(total_raw AS DECIMAL(38,18)) IS NULL`, value: `coalesce(total_raw, json_extract(v, '$.totalCost')::VARCHAR)`, expected: "a number (OpenCost writes null for NaN costs)" },
    ...[...MONEY_FIELDS, ...QTY_FIELDS].map((f) => ({
      field: f,
      bad: `${quoteIdent(`raw_${f}`)} IS NOT NULL AND TRY_CAST(${quoteIdent(`raw_${f}`)} AS ${MONEY_FIELDS.includes(f) ? "DECIMAL(38,18)" : "DOUBLE"}) IS NULL`,
      value: quoteIdent(`raw_${f}`),
      expected: "a number",
    })),
    { field: "window.start", bad: `TRY_CAST(w_start AS TIMESTAMPTZ) IS NULL`, value: `w_start`, expected: "an RFC 3339 time such as 2024-06-01T00:00:00Z" },
    { field: "window.end", bad: `TRY_CAST(w_end AS TIMESTAMPTZ) IS NULL OR TRY_CAST(w_end AS TIMESTAMPTZ) <= TRY_CAST(w_start AS TIMESTAMPTZ)`, value: `w_end`, expected: "an RFC 3339 time after window.start" },
    { field: "labels", bad: `labels IS NOT NULL AND json_type(labels) NOT IN ('OBJECT', 'NULL')`, value: `labels::VARCHAR`, expected: "an object of label names and values" },
    { field: "annotations", bad: `annotations IS NOT NULL AND json_type(annotations) NOT IN ('OBJECT', 'NULL')`, value: `annotations::VARCHAR`, expected: "an object of annotation names and values" },
  ];
  if (!cluster) checks.push({ field: "properties.cluster", bad: `NULLIF(p_cluster, '') IS NULL`, value: `p_cluster`, expected: "the cluster name (or give the cluster: --cluster / `cluster:` in costwise.yaml)" });
  const which = checks.map((c, i) => `WHEN ${c.bad} THEN ${i}`).join(" ");
  const vals = checks.map((c, i) => `WHEN ${i} THEN (${c.value})::VARCHAR`).join(" ");
  const hit = await store.all(
    `SELECT set_index, key, chk, CASE chk ${vals} END AS val FROM (SELECT *, CASE ${which} END AS chk FROM ${allocT}) WHERE chk IS NOT NULL ORDER BY set_index, key LIMIT 1`,
  );
  if (hit.length === 0) return;
  const h = hit[0]!;
  const c = checks[Number(h["chk"])]!;
  const at = `data[${h["set_index"]}][${JSON.stringify(String(h["key"]))}]`;
  const got = h["val"] === null || h["val"] === undefined ? "nothing" : JSON.stringify(String(h["val"]).slice(0, 200));
  throw new CostwiseError("BAD_INPUT", `${shown}: ${at}: ${c.field}: expected ${c.expected}, got ${got}; nothing was loaded`, {
    location: { file: shown, row: Number(h["set_index"]) + 1, column: `${at}.${c.field}` },
  });
}

/**
 * The allocations flattened to one row per allocation and cost component, in the columns the declarative
 * mapping (src/engine/mapping/sources/opencost.ts) reads; all typed, no text parsing left.
 */
function flattenSql(allocT: string, clusterSql: string, currency: string): string {
  const money = (f: string) => `coalesce(CAST(${quoteIdent(`raw_${f}`)} AS DECIMAL(38,10)), 0)`;
  const dbl = (f: string) => `coalesce(CAST(${quoteIdent(`raw_${f}`)} AS DOUBLE), 0)`;
  const parts = COMPONENTS.map((c, i) =>
    `struct_pack(idx := ${i + 1}, id := ${quoteString(c.id)}, title := ${quoteString(c.title)}, cost := ${money(c.cost)}, adj := ${c.adj ? money(c.adj) : "0::DECIMAL(38,10)"}, qty := ${c.qty}, unit := ${quoteString(c.unit)})`,
  );
  // the allocation with its parts, the rounding difference and which part carries it
  const base = `SELECT a.*, ${clusterSql} AS cluster,
      CAST(a.w_start AS TIMESTAMPTZ)::TIMESTAMP AS ws, CAST(a.w_end AS TIMESTAMPTZ)::TIMESTAMP AS we,
      CAST(a.total_raw AS DECIMAL(38,10)) AS total,
      ${dbl("minutes")} / 60 AS hours, ${dbl("cpuCoreHours")} AS cpu_qty, ${dbl("gpuHours")} AS gpu_qty,
      ${dbl("ramByteHours")} / 1073741824 AS ram_qty, ${dbl("pvByteHours")} / 1073741824 AS pv_qty, ${dbl("networkTransferBytes")} / 1073741824 AS net_qty,
      regexp_matches(coalesce(NULLIF(a.name, ''), a.key), '(^|/)__idle__$') OR a.p_namespace = '__idle__' AS idle,
      coalesce(NULLIF(a.name, ''), a.key) AS alloc_name
    FROM ${allocT} a`;
  const withParts = `SELECT b.*, [${parts.join(", ")}] AS parts FROM (${base}) b`;
  const carried = `SELECT p.*, list_position(list_transform(parts, x -> x.cost <> 0 OR x.adj <> 0), true) AS carrier,
      total - list_sum(list_transform(parts, x -> x.cost + x.adj)) AS residual FROM (${withParts}) p`;
  const exploded = `SELECT c.*, u.part FROM (${carried}) c, unnest(CASE WHEN c.carrier IS NULL
        THEN [struct_pack(idx := 0, id := 'total', title := 'Total', cost := c.total, adj := 0::DECIMAL(38,10), qty := c.hours, unit := 'Hours')]
        ELSE list_filter(c.parts, x -> x.cost <> 0 OR x.adj <> 0) END) AS u(part)`;
  const unmounted = `alloc_name LIKE '%\\_\\_unmounted\\_\\_%' ESCAPE '\\'`;
  const ns = `CASE WHEN idle THEN coalesce(NULLIF(p_namespace, ''), '__idle__') ELSE NULLIF(p_namespace, '') END`;
  const tagMap = (col: string, prefix: string) =>
    `coalesce(map_from_entries(list_transform(map_entries(TRY_CAST(CASE WHEN json_type(${col}) = 'OBJECT' THEN ${col} END AS MAP(VARCHAR, VARCHAR))), e -> struct_pack(k := ${quoteString(prefix)} || e.key, v := e.value))), MAP([]::VARCHAR[], []::VARCHAR[]))`;
  const cols: Record<string, string> = {
    oc_cluster: "cluster",
    oc_node: `NULLIF(p_node, '')`,
    oc_namespace: ns,
    oc_sub_account_type: `CASE WHEN ${ns} IS NOT NULL THEN 'Kubernetes Namespace' END`,
    oc_controller_kind: `NULLIF(p_kind, '')`,
    oc_controller: `NULLIF(p_controller, '')`,
    oc_pod: `NULLIF(p_pod, '')`,
    oc_container: `NULLIF(p_container, '')`,
    oc_allocation: "alloc_name",
    oc_resource_name: `regexp_extract(alloc_name, '([^/]*)$', 1)`,
    oc_resource_type: `CASE WHEN idle THEN 'Kubernetes Idle' WHEN ${unmounted} THEN 'Kubernetes Unmounted Volume' WHEN NULLIF(p_container, '') IS NOT NULL THEN 'Kubernetes Container'
      WHEN NULLIF(p_pod, '') IS NOT NULL THEN 'Kubernetes Pod' WHEN NULLIF(p_controller, '') IS NOT NULL THEN 'Kubernetes Controller'
      WHEN NULLIF(p_namespace, '') IS NOT NULL THEN 'Kubernetes Namespace' WHEN NULLIF(p_node, '') IS NOT NULL THEN 'Kubernetes Node' ELSE 'Kubernetes Cluster' END`,
    oc_kind: `CASE WHEN idle THEN 'idle' WHEN ${unmounted} THEN 'unmounted' ELSE 'allocation' END`,
    oc_component: "part.id",
    oc_description: `CASE WHEN idle THEN 'Idle ' || part.title || ' in cluster ' || cluster || ' (capacity no workload requested)' ELSE part.title || ' of Kubernetes allocation ' || alloc_name END`,
    oc_list_cost: `CAST(part.cost + CASE WHEN part.idx = carrier THEN residual ELSE 0 END AS DECIMAL(38,10))`,
    oc_cost: `CAST(part.cost + part.adj + CASE WHEN part.idx = carrier THEN residual ELSE 0 END AS DECIMAL(38,10))`,
    oc_quantity: `CAST(part.qty AS DECIMAL(38,10))`,
    oc_unit: "part.unit",
    oc_window_start: "ws",
    oc_window_end: "we",
    oc_billing_period_start: `date_trunc('month', ws)::TIMESTAMP`,
    oc_billing_period_end: `(date_trunc('month', ws) + INTERVAL 1 MONTH)::TIMESTAMP`,
    oc_currency: quoteString(currency),
    oc_tags: `map_concat(${tagMap("labels", "k8s:label:")}, ${tagMap("annotations", "k8s:annotation:")})`,
  };
  for (const c of OPENCOST_COLUMNS) if (!(c.name in cols)) throw new CostwiseError("INTERNAL", `opencost flatten: no expression for ${c.name}`);
  return `SELECT ${OPENCOST_COLUMNS.map((c) => `${cols[c.name]} AS ${quoteIdent(c.name)}`).join(",\n  ")} FROM (${exploded})`;
}

/** The SELECT producing cost rows (every cost-table column) from the staged allocations, through the declarative mapping. */
function rowsSql(allocT: string, clusterSql: string, currency: string, label: string, ingestId: string, deliveryId: string): string {
  const types: Record<string, string> = Object.fromEntries(
    OPENCOST_COLUMNS.map((c) => [c.name, c.type === "decimal" ? "DECIMAL(38,10)" : c.type === "timestamp" ? "TIMESTAMP" : c.type === "map" ? "MAP(VARCHAR, VARCHAR)" : "VARCHAR"]),
  );
  return compileMapping({
    mapping: OPENCOST_MAPPING,
    presentColumns: OPENCOST_COLUMNS.map((c) => c.name),
    relation: `(${flattenSql(allocT, clusterSql, currency)})`,
    provenance: { file: label, ingestId, deliveryId },
    columnTypes: types,
  }).sql;
}

/** A DuckDB JSON read error, with the byte offset turned into a line and column. */
function jsonReadError(e: unknown, file: string, shown: string): CostwiseError {
  const msg = e instanceof Error ? e.message : String(e);
  const m = /at byte (\d+)/.exec(msg);
  const detail = /:\s*([^:\n]*(?:unexpected|invalid|truncated|end of data)[^\n]*)/i.exec(msg)?.[1]?.trim() ?? msg.split("\n")[0]!.replace(/^[A-Za-z ]+Error:\s*/, "");
  if (m) {
    const { line, column } = lineAndColumn(file, Number(m[1]));
    return new CostwiseError("BAD_INPUT", `${shown}: line ${line}, column ${column}: not valid JSON (${detail}); is the response complete? nothing was loaded`, {
      location: { file: shown, line },
      cause: e,
    });
  }
  return new CostwiseError("BAD_INPUT", `${shown}: not a valid JSON response (${detail}); nothing was loaded`, { location: { file: shown }, cause: e });
}

function lineAndColumn(file: string, offset: number): { line: number; column: number } {
  const fd = openSync(file, "r");
  try {
    let line = 1;
    let lastNl = -1;
    const buf = Buffer.alloc(1 << 16);
    let pos = 0;
    while (pos < offset) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, offset - pos), pos);
      if (n <= 0) break;
      for (let i = 0; i < n; i++) if (buf[i] === 10) {
        line++;
        lastNl = pos + i;
      }
      pos += n;
    }
    return { line, column: offset - lastNl };
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Fetching from the API

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

/** The /allocation URL for a source: `Nd` windows become the last N complete UTC days (so re-syncs line up). */
export function allocationUrl(source: OpenCostSourceInput, now: Date): URL {
  let url: URL;
  try {
    url = new URL(source.url!);
  } catch {
    throw new CostwiseError("BAD_CONFIG", `source ${source.name}: url: expected an http(s) URL such as http://opencost.opencost:9003`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new CostwiseError("BAD_CONFIG", `source ${source.name}: url: expected an http(s) URL`);
  if (!/\/allocation(\/compute)?\/?$/.test(url.pathname)) url.pathname = `${url.pathname.replace(/\/$/, "")}/allocation`;
  const window = source.window ?? "7d";
  const days = /^(\d+)d$/.exec(window);
  let w = window;
  if (days) {
    const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const start = new Date(end.getTime() - Number(days[1]) * 86_400_000);
    w = `${start.toISOString().slice(0, 19)}Z,${end.toISOString().slice(0, 19)}Z`;
  }
  const set = (k: string, v: string) => {
    if (!url.searchParams.has(k)) url.searchParams.set(k, v);
  };
  set("window", w);
  set("aggregate", source.aggregate ?? DEFAULT_AGGREGATE);
  set("step", source.step ?? "1d");
  set("includeIdle", "true");
  set("accumulate", "false");
  return url;
}

/** The URL as it may be shown: no user/password. */
export function safeUrl(url: URL): string {
  const u = new URL(url.toString());
  u.username = "";
  u.password = "";
  return u.toString();
}

/**
 * GET with a timeout per attempt and retries with exponential backoff (and jitter) on 429, 5xx and network errors;
 * honours Retry-After. The whole body is read and its length checked against Content-Length before it is returned.
 * The token goes in an Authorization header and is scrubbed from every message.
 */
export async function fetchWithRetry(url: URL, options: FetchOptions & { token?: string } = {}): Promise<Buffer> {
  const attempts = options.attempts ?? 4;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const base = options.baseDelayMs ?? 500;
  const max = options.maxDelayMs ?? 10_000;
  const shown = safeUrl(url);
  const scrub = (s: string) => {
    let out = s;
    if (options.token) out = out.split(options.token).join("***");
    if (url.password) out = out.split(url.password).join("***");
    return out;
  };
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.token) headers["authorization"] = `Bearer ${options.token}`;
  if (url.username || url.password) {
    headers["authorization"] ??= `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64")}`;
  }
  const target = new URL(safeUrl(url));
  let last = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let retryAfterMs: number | undefined;
    try {
      const res = await fetch(target, { headers, signal: AbortSignal.timeout(timeoutMs), redirect: "follow" });
      if (res.ok) {
        const buf = Buffer.from(await res.arrayBuffer());
        const declared = res.headers.get("content-length");
        if (declared !== null && res.headers.get("content-encoding") === null && Number(declared) !== buf.length) {
          throw new TransientError(`the response was cut short (${buf.length} of ${declared} bytes)`);
        }
        return buf;
      }
      const text = scrub((await res.text().catch(() => "")).slice(0, 300).replace(/\s+/g, " ").trim());
      const what = `HTTP ${res.status} ${res.statusText}${text ? `: ${text}` : ""}`;
      if (res.status !== 429 && res.status < 500) {
        throw new CostwiseError("REMOTE", `OpenCost ${shown}: ${what}${res.status === 401 || res.status === 403 ? " (check the token)" : ""}`);
      }
      const ra = res.headers.get("retry-after");
      if (ra !== null) retryAfterMs = /^\d+$/.test(ra) ? Number(ra) * 1000 : Math.max(0, Date.parse(ra) - Date.now());
      last = what;
    } catch (e) {
      if (e instanceof CostwiseError) throw e;
      last = scrub(networkMessage(e, timeoutMs));
    }
    if (attempt < attempts) {
      const backoff = Math.min(max, base * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5);
      const wait = Math.min(max, Math.max(backoff, retryAfterMs ?? 0));
      options.log?.(`OpenCost ${shown}: ${last}; retry ${attempt}/${attempts - 1} in ${(wait / 1000).toFixed(1)} s`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
  throw new CostwiseError("REMOTE", `OpenCost ${shown}: failed after ${attempts} attempt(s): ${last}; nothing was loaded`);
}

class TransientError extends Error {}

function networkMessage(e: unknown, timeoutMs: number): string {
  if (e instanceof TransientError) return e.message;
  if (e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError")) return `no complete answer within ${timeoutMs / 1000} s (timeout)`;
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause : undefined;
  const code = (cause as { code?: string } | undefined)?.code;
  return `network error${code ? ` ${code}` : ""}: ${cause?.message ?? (e instanceof Error ? e.message : String(e))}`;
}

