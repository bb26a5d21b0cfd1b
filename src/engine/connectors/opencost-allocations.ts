/**
 * An OpenCost `/allocation` response, staged in DuckDB and flattened to the columns of the declarative mapping
 * (src/engine/mapping/sources/opencost.ts): the relation plus mapping the connector hands to the ingest spine.
 *
 * Order of operations (stageAllocations):
 *  1. The document: one JSON value, read with `read_json_objects`; refused unless it is one object with
 *     code 200 (or none) and a `data` array.
 *  2. One row per allocation (set index, key, every field extracted in one pass; money as text → exact
 *     decimals), then the per-allocation checks: the first bad allocation is reported with its set, key and field.
 *  3. The control total (the response's totalCost sum at full precision) and the windows loaded per cluster
 *     (a cluster name given is refused for a multi-cluster response).
 * openCostRows then flattens the staged allocations to one row per allocation and cost component (README
 * "Kubernetes (OpenCost)" and ./opencost.ts document the mapping).
 */
import { closeSync, openSync, readSync } from "node:fs";
import { z } from "zod";
import { CostwiseError } from "../../core/errors.js";
import { quoteIdent, quoteString } from "../../core/sql.js";
import type { CompileInput } from "../mapping/compile.js";
import { OPENCOST_COLUMNS, OPENCOST_MAPPING } from "../mapping/sources/opencost.js";
import type { AnalysisStore } from "../store/cost-store.js";
import { bindText, readerPath } from "../store/duckdb/literal-path.js";
import { col, readRow, readRows } from "../store/read-rows.js";

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

/** The staged response: the temp tables an ingest reads (dropped by the caller) and what they hold. */
export interface StagedAllocations {
  /** one row per allocation, fields extracted */
  allocT: string;
  /** (cluster, ws, we): the windows loaded, per cluster */
  winT: string;
  /** the cluster of each allocation, as SQL over the allocation row (alias a) */
  clusterSql: string;
  sets: number;
  allocations: number;
  /** the response's totalCost sum, at full precision */
  sourceTotal: string;
  windows: { cluster: string; start: string; end: string }[];
}

/**
 * Reads and checks a response into the temp tables named in `tables` (see the header for the steps); throws a
 * located error for anything that cannot be loaded whole.
 */
export async function stageAllocations(
  store: AnalysisStore,
  at: { file: string; shown: string; bytes: number; tables: { docT: string; allocT: string; winT: string }; cluster?: string | undefined },
): Promise<StagedAllocations> {
  const { file, shown, bytes } = at;
  const { docT, allocT, winT } = at.tables;
  // 1. the document: one JSON value
  try {
    await store.run(
      `CREATE TEMP TABLE ${docT} AS SELECT json AS j FROM read_json_objects(${await readerPath(store, file)}, format = 'unstructured', maximum_object_size = ${Math.max(bytes + 1024, 16 * 1024 * 1024)})`,
    );
  } catch (e) {
    throw jsonReadError(e, file, shown);
  }
  const d = (await readRow(
    store,
    { n: col.int, t: col.text.nullable(), code: col.text.nullable(), message: col.text.nullable(), data_type: col.text.nullable(), sets: col.int.nullable() },
    `SELECT count(*)::BIGINT AS n, any_value(json_type(j)) AS t, any_value(j->>'$.code') AS code, any_value(j->>'$.status') AS status,
              any_value(coalesce(j->>'$.message', j->>'$.error', j->>'$.warning')) AS message, any_value(json_type(j, '$.data')) AS data_type,
              any_value(json_array_length(j, '$.data'))::BIGINT AS sets FROM ${docT}`,
  ))!;
  if (d.n !== 1 || d.t !== "OBJECT") {
    throw new CostwiseError("BAD_INPUT", `${shown}: expected one JSON object (an OpenCost /allocation response), found ${d.n === 1 ? `a JSON ${String(d.t).toLowerCase()}` : `${d.n} JSON values`}`, { location: { file: shown } });
  }
  if (d.code !== null && d.code !== "200") {
    throw new CostwiseError("REMOTE", `${shown}: OpenCost answered code ${d.code}${d.message ? `: ${d.message.slice(0, 300)}` : ""}; nothing was loaded`, { location: { file: shown, column: "code" } });
  }
  if (d.data_type !== "ARRAY") {
    throw new CostwiseError("BAD_INPUT", `${shown}: key "data": expected an array of allocation sets (OpenCost /allocation response), got ${d.data_type === null ? "no data" : d.data_type.toLowerCase()}`, {
      location: { file: shown, column: "data" },
    });
  }
  const sets = Number(d.sets);

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
  const badSet = await readRow(
    store,
    { i: col.int, t: col.text },
    `SELECT i::BIGINT AS i, json_type(json_extract(j, '$.data[' || i || ']')) AS t FROM ${docT}, range(${sets}) t(i) WHERE json_type(json_extract(j, '$.data[' || i || ']')) NOT IN ('OBJECT', 'NULL') ORDER BY i LIMIT 1`,
  );
  if (badSet) {
    throw new CostwiseError("BAD_INPUT", `${shown}: data[${badSet.i}]: expected an object of allocations keyed by name, got a JSON ${badSet.t.toLowerCase()}`, {
      location: { file: shown, column: `data[${badSet.i}]` },
    });
  }
  await checkAllocations(store, allocT, shown, at.cluster);

  // 3. the control total and the windows loaded
  const counts = (await readRow(store, { n: col.int, total: col.money }, `SELECT count(*)::BIGINT AS n, coalesce(sum(CAST(total_raw AS DECIMAL(38,18))), 0)::VARCHAR AS total FROM ${allocT}`))!;
  const allocations = counts.n;
  const sourceTotal = counts.total;
  if (allocations === 0) {
    throw new CostwiseError("EMPTY_FILE", `${shown}: the response holds no allocations (${sets} empty set(s)); nothing to load`, { location: { file: shown } });
  }
  // a given cluster name is bound (a connection variable of this store), never spliced
  const clusterSql = at.cluster ? await bindText(store, at.cluster) : "NULLIF(a.p_cluster, '')";
  if (at.cluster) {
    const others = await readRow(store, { c: z.array(z.string()).nullable() }, `SELECT list(DISTINCT p_cluster ORDER BY p_cluster) AS c FROM ${allocT} WHERE NULLIF(p_cluster, '') IS NOT NULL`);
    const list = others?.c ?? [];
    if (list.length > 1) {
      throw new CostwiseError("BAD_INPUT", `${shown}: the response holds ${list.length} clusters (${list.join(", ")}); a cluster name (${at.cluster}) can only be given for a single-cluster response`, {
        location: { file: shown, column: "properties.cluster" },
      });
    }
  }
  await store.run(`CREATE TEMP TABLE ${winT} AS SELECT DISTINCT ${clusterSql} AS cluster, CAST(a.w_start AS TIMESTAMPTZ)::TIMESTAMP AS ws, CAST(a.w_end AS TIMESTAMPTZ)::TIMESTAMP AS we FROM ${allocT} a`);
  const windows = (
    await readRows(store, { cluster: col.text.nullable(), s: col.text.nullable(), e: col.text.nullable() }, `SELECT cluster, strftime(ws, '%Y-%m-%dT%H:%M:%SZ') AS s, strftime(we, '%Y-%m-%dT%H:%M:%SZ') AS e FROM ${winT} ORDER BY 1, 2`)
  ).map((r) => ({ cluster: String(r.cluster), start: String(r.s), end: String(r.e) }));
  return { allocT, winT, clusterSql, sets, allocations, sourceTotal, windows };
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
  const h = await readRow(
    store,
    { set_index: col.int, key: col.text.nullable(), chk: col.int, val: col.text.nullable() },
    `SELECT set_index, key, chk, CASE chk ${vals} END AS val FROM (SELECT *, CASE ${which} END AS chk FROM ${allocT}) WHERE chk IS NOT NULL ORDER BY set_index, key LIMIT 1`,
  );
  if (!h) return;
  const c = checks[h.chk]!;
  const at = `data[${h.set_index}][${JSON.stringify(String(h.key))}]`;
  const got = h.val === null ? "nothing" : JSON.stringify(h.val.slice(0, 200));
  throw new CostwiseError("BAD_INPUT", `${shown}: ${at}: ${c.field}: expected ${c.expected}, got ${got}; nothing was loaded`, {
    location: { file: shown, row: h.set_index + 1, column: `${at}.${c.field}` },
  });
}

/** A currency code as the connector checked it (three capital letters), or an internal error: only such a code reaches the SQL. */
function isoCurrency(currency: string): string {
  if (!/^[A-Z]{3}$/.test(currency)) throw new CostwiseError("INTERNAL", `opencost flatten: currency ${JSON.stringify(currency)} is not a 3-letter ISO 4217 code`);
  return currency;
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
    oc_currency: quoteString(isoCurrency(currency)),
    oc_tags: `map_concat(${tagMap("labels", "k8s:label:")}, ${tagMap("annotations", "k8s:annotation:")})`,
  };
  for (const c of OPENCOST_COLUMNS) if (!(c.name in cols)) throw new CostwiseError("INTERNAL", `opencost flatten: no expression for ${c.name}`);
  return `SELECT ${OPENCOST_COLUMNS.map((c) => `${cols[c.name]} AS ${quoteIdent(c.name)}`).join(",\n  ")} FROM (${exploded})`;
}


/** The rows of a staged response as the ingest spine takes them: the flattened relation plus the declarative mapping. */
export function openCostRows(staged: Pick<StagedAllocations, "allocT" | "clusterSql">, currency: string): Omit<CompileInput, "provenance"> {
  const types: Record<string, string> = Object.fromEntries(
    OPENCOST_COLUMNS.map((c) => [c.name, c.type === "decimal" ? "DECIMAL(38,10)" : c.type === "timestamp" ? "TIMESTAMP" : c.type === "map" ? "MAP(VARCHAR, VARCHAR)" : "VARCHAR"]),
  );
  return {
    mapping: OPENCOST_MAPPING,
    presentColumns: OPENCOST_COLUMNS.map((c) => c.name),
    relation: `(${flattenSql(staged.allocT, staged.clusterSql, currency)})`,
    columnTypes: types,
  };
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
