/**
 * `costwise allocate`: rebuild `cost_allocation` from every loaded line item, in one transaction.
 *
 * ─── Contract: table `cost_allocation` ─────────────────────────────────────────────────────────────
 * Read by the dashboard, notification routing by owner, team-scoped API tokens and per-owner anomaly
 * monitors. Rebuilt as a whole by `costwise allocate` (retroactive over all loaded history; readers see
 * the old or the new table, never a mix). Rows are groups of line items with the same values of the columns
 * below (and the same raw tags and rule-matched columns: two rows may show the same values; readers sum):
 *   charge_date DATE                  day of ChargePeriodStart (UTC)
 *   billing_period_start TIMESTAMP    BillingPeriodStart (the month shared costs are split in)
 *   currency VARCHAR                  BillingCurrency
 *   team VARCHAR NOT NULL             the primary owner dimension (first of `allocation.dimensions`, default
 *                                     team); `__unallocated__` when no rule claims the cost (or a shared pool
 *                                     has no receiver); `__idle__` for Kubernetes idle kept as its own line
 *   owners STRUCT(<dim> VARCHAR, ...) a field per configured owner dimension (default team, product, environment,
 *                                     cost_center; the column is reshaped when the dimensions change); NULL where
 *                                     unknown; share rows carry only the primary. Read a dimension with
 *                                     `owners['<dim>']` after checking it is a field (`ownerFields`, ./tables.ts)
 *   rule_id VARCHAR NOT NULL          x_AllocationRuleId: the rule that claimed the cost; for shares the shared
 *                                     rule's id; `k8s:idle` for idle; `__unallocated__` when none did
 *   shared_pool VARCHAR               NULL unless the row is a share of (or an unsplit) shared pool
 *   provider, sub_account_id, service_name, region_id, resource_id (NULL on shares), x_source,
 *   k8s_cluster, k8s_namespace        drill-down dimensions of the underlying line items
 *   billed_cost, effective_cost DECIMAL(38,10) NOT NULL;  line_items BIGINT
 * Invariant (tested): per billing period and currency, sum(cost_allocation) = sum(focus_costs) minus the
 * OpenCost rows of reconciled clusters (those are replaced by the cluster's cloud cost, see sql.ts), exactly.
 * Read it with `allocationSummary` (./reports.ts).
 *
 * Applied rule versions are kept in `allocation_rule_versions` (hash, canonical JSON, source text) and every
 * run in `allocation_runs`, so each number can be traced to the rules that produced it.
 */
import { randomUUID } from "node:crypto";
import type { AllocationModel } from "../../core/allocation/model.js";
import { CostwiseError } from "../../core/errors.js";
import { addMoney, compareMoney } from "../../core/money.js";
import { UNALLOCATED } from "../../core/allocation/model.js";
import { quoteString } from "../../core/sql.js";
import type { AnalysisStore } from "../store/cost-store.js";
import { col, readRow, readRows, type RowOf, type RowShape } from "../store/read-rows.js";
import { COST_TABLE } from "../store/schema.js";
import { compileLoaded, type LoadedAllocation } from "./load-rules.js";
import { buildAllocationSql, type AllocationSql } from "./sql.js";
import { ALLOCATION_RUNS_TABLE, ALLOCATION_TABLE, ownerFields, ownersType, RULE_VERSIONS_TABLE } from "./tables.js";
import type { AllocationConfig } from "../../core/config/sections/allocation.js";

export interface ConservationLine {
  period: string;
  currency: string;
  /** Money the allocation must account for (line items less replaced OpenCost rows). */
  expected: string;
  allocated: string;
  unallocated: string;
  ok: boolean;
}

export interface ReconciliationLine {
  period: string;
  currency: string;
  cluster: string;
  cloudBilled: string;
  cloudEffective: string;
}

export interface AllocationRunResult {
  runId: string;
  rulesHash: string;
  rows: number;
  lineItems: number;
  seconds: number;
  conservation: ConservationLine[];
  reconciled: ReconciliationLine[];
}

function allocationError(e: unknown): CostwiseError {
  if (e instanceof CostwiseError) return e;
  const msg = e instanceof Error ? e.message.split("\n")[0]! : String(e);
  // DuckDB passes RE2's own messages through (e.g. "Invalid Input Error: invalid perl operator: (?=")
  if (/regex|RE2|regular expression|perl operator|escape sequence|character class|missing [\])]|unexpected \)|trailing \\|repetition|named capture/i.test(msg)) return new CostwiseError("BAD_CONFIG", `an allocation rule's regex is not valid RE2: ${msg}`, { cause: e });
  return new CostwiseError("STORE", `allocation failed in the store: ${msg}`, { cause: e });
}

/**
 * Writes the allocation rows into `target` (an empty table shaped like cost_allocation): phase 1 streams the
 * rows from the line items, phase 2 replaces the pool rows by their shares (see sql.ts). Maps store errors
 * like computeAllocation.
 */
async function writeRows(store: AnalysisStore, sql: AllocationSql, target: string, create = false): Promise<void> {
  try {
    await store.run(create ? `CREATE OR REPLACE TEMP TABLE ${target} AS ${sql.rowsSelect}` : `INSERT INTO ${target} BY NAME ${sql.rowsSelect}`);
    for (const s of sql.splitStatements(target)) await store.run(s);
  } catch (e) {
    throw allocationError(e);
  }
}

/**
 * Creates the temp tables later queries read (Kubernetes: `<prefix>_a`, `<prefix>_rk`); the rows come from
 * `sql.rowsSelect` and `sql.splitStatements` (writeRows). Caller drops `sql.temps`.
 */
export async function computeAllocation(store: AnalysisStore, model: AllocationModel, prefix: string, source: string = COST_TABLE): Promise<AllocationSql> {
  const sql = buildAllocationSql(model, { prefix, source });
  try {
    for (const s of sql.statements) await store.run(s);
  } catch (e) {
    await dropTemps(store, sql);
    throw allocationError(e);
  }
  return sql;
}

export async function dropTemps(store: AnalysisStore, sql: AllocationSql): Promise<void> {
  for (const t of [...sql.temps].reverse()) await store.run(`DROP TABLE IF EXISTS ${t}`);
}

/**
 * Per billing period and currency: the money the allocation must account for against what `target` holds.
 * `sourceTable`: the line items, or the run's stage-a temp table when there is one (every line item grouped
 * once, so its sums per period equal the line items' — read instead of scanning the line items again; the
 * property tests check the table against the line items themselves).
 */
async function conservation(store: AnalysisStore, prefix: string, model: AllocationModel, target: string, sourceTable: string | null): Promise<ConservationLine[]> {
  const replaced = model.clusters.length
    ? `(SELECT a.bps, a.currency, sum(a.billed_cost) AS k FROM ${prefix}_a a JOIN ${prefix}_rk rk ON a.k8s_namespace IS NOT NULL AND a.k8s_cluster = rk.cluster AND a.bps = rk.bps AND a.currency = rk.currency GROUP BY ALL)`
    : `(SELECT NULL::TIMESTAMP AS bps, NULL::VARCHAR AS currency, 0::DECIMAL(38,10) AS k WHERE FALSE)`;
  const rows = await readRows(store, { period: col.text, currency: col.text, expected: col.money, allocated: col.money, unallocated: col.money }, `
    WITH src AS (${sourceTable ? `SELECT bps, currency, sum(billed_cost) AS s FROM ${sourceTable} GROUP BY ALL` : `SELECT "BillingPeriodStart" AS bps, "BillingCurrency" AS currency, sum("BilledCost") AS s FROM ${COST_TABLE} GROUP BY ALL`}),
         alloc AS (SELECT billing_period_start AS bps, currency, sum(billed_cost) AS a, coalesce(sum(billed_cost) FILTER (WHERE team = ${quoteString(UNALLOCATED)}), 0) AS u FROM ${target} GROUP BY ALL)
    SELECT strftime(coalesce(src.bps, alloc.bps), '%Y-%m-%d') AS period, coalesce(src.currency, alloc.currency) AS currency,
           (coalesce(src.s, 0) - coalesce(r.k, 0))::DECIMAL(38,10)::VARCHAR AS expected, coalesce(alloc.a, 0)::DECIMAL(38,10)::VARCHAR AS allocated,
           coalesce(alloc.u, 0)::DECIMAL(38,10)::VARCHAR AS unallocated
    FROM src FULL JOIN alloc ON src.bps = alloc.bps AND src.currency IS NOT DISTINCT FROM alloc.currency
    LEFT JOIN ${replaced} r ON r.bps = src.bps AND r.currency IS NOT DISTINCT FROM src.currency
    ORDER BY 1, 2`);
  return rows.map((r) => ({ ...r, ok: compareMoney(r.expected, r.allocated) === 0 }));
}

/**
 * Runs `fn` with the settings the allocation writes under, then restores them. Both are database-wide in
 * DuckDB, so they are set only for the run: allocation rows have no order (`preserve_insertion_order = false`
 * lets several threads write), and FSST string compression, which costs ~20% of the write, is skipped: the
 * columns are low-cardinality drill-down values that dictionary compression covers (measured in
 * bench/allocation-bench.ts: writing 490k rows 1.1 → 0.7 s).
 */
async function withWriteSettings<T>(store: AnalysisStore, fn: () => Promise<T>): Promise<T> {
  const current = await readRows(
    store,
    { name: col.text, value: col.text.nullable() },
    `SELECT name, value FROM duckdb_settings() WHERE name IN ('preserve_insertion_order', 'disabled_compression_methods')`,
  );
  const was = new Map(current.map((r) => [r.name, r.value ?? ""]));
  const disabled = (was.get("disabled_compression_methods") ?? "").split(",").map((x) => x.trim()).filter((x) => x !== "");
  await store.run("SET preserve_insertion_order = false");
  await store.run(`SET disabled_compression_methods = ${quoteString([...new Set([...disabled, "fsst"])].join(","))}`);
  try {
    return await fn();
  } finally {
    await store.run(`SET preserve_insertion_order = ${was.get("preserve_insertion_order") === "false" ? "false" : "true"}`);
    await store.run(disabled.length ? `SET disabled_compression_methods = ${quoteString(disabled.join(","))}` : "RESET disabled_compression_methods");
  }
}

/** Applies the allocation: rebuilds cost_allocation atomically and records the rule version and the run. */
export async function applyAllocation(store: AnalysisStore, loaded: LoadedAllocation): Promise<AllocationRunResult> {
  return withWriteSettings(store, () => applyAllocationNow(store, loaded));
}

async function applyAllocationNow(store: AnalysisStore, loaded: LoadedAllocation): Promise<AllocationRunResult> {
  const t0 = performance.now();
  const prefix = "_alloc";
  const sql = await computeAllocation(store, loaded.model, prefix);
  try {
    const runId = randomUUID();
    const reconciled = loaded.model.clusters.length
      ? await readRows(
          store,
          { period: col.text, currency: col.text, cluster: col.text, cloudBilled: col.money, cloudEffective: col.money },
          `SELECT strftime(bps, '%Y-%m-%d') AS period, currency, cluster, cb::VARCHAR AS "cloudBilled", ce::VARCHAR AS "cloudEffective" FROM ${prefix}_rk ORDER BY 1, 2, 3`,
        )
      : [];
    return await store.transaction(async () => {
      // owners is a STRUCT of the configured dimensions: reshaped when they changed (the table is rebuilt whole anyway)
      const fields = await ownerFields(store);
      if (fields.join(",") !== loaded.model.dimensions.join(",")) {
        await store.run(`ALTER TABLE ${ALLOCATION_TABLE} DROP COLUMN owners`);
        await store.run(`ALTER TABLE ${ALLOCATION_TABLE} ADD COLUMN owners ${ownersType(loaded.model.dimensions)}`);
      }
      await store.run(`DELETE FROM ${ALLOCATION_TABLE}`);
      await writeRows(store, sql, ALLOCATION_TABLE);
      const cons = await conservation(store, prefix, loaded.model, ALLOCATION_TABLE, sql.temps.includes(`${prefix}_a`) ? `${prefix}_a` : null);
      const bad = cons.filter((c) => !c.ok);
      if (bad.length > 0) {
        throw new CostwiseError("INTERNAL", `allocation does not conserve money (${bad.map((b) => `${b.period} ${b.currency}: expected ${b.expected}, allocated ${b.allocated}`).join("; ")}); the store was not changed`);
      }
      const { n: rows, li: lineItems } = (await readRow(store, { n: col.int, li: col.int }, `SELECT count(*)::BIGINT AS n, coalesce(sum(line_items), 0)::BIGINT AS li FROM ${ALLOCATION_TABLE}`))!;
      const seconds = (performance.now() - t0) / 1000;
      await store.run({
        sql: `INSERT INTO ${RULE_VERSIONS_TABLE} VALUES ($1, $2, $3, $4, now()::TIMESTAMP) ON CONFLICT (hash) DO NOTHING`,
        params: [loaded.hash, loaded.configJson, loaded.sourceText, loaded.sourceFile],
      });
      await store.run({
        sql: `INSERT INTO ${ALLOCATION_RUNS_TABLE} VALUES ($1, now()::TIMESTAMP, $2, $3, $4, $5)`,
        params: [runId, loaded.hash, rows, seconds, JSON.stringify({ conservation: cons, reconciled })],
      });
      return { runId, rulesHash: loaded.hash, rows, lineItems, seconds, conservation: cons, reconciled };
    });
  } finally {
    await dropTemps(store, sql);
  }
}

/** The rule version of the last applied run, or null when allocation never ran. */
export async function appliedVersion(store: AnalysisStore): Promise<{ hash: string; appliedAt: string; config: AllocationConfig; sourceText: string | null; sourceFile: string | null } | null> {
  const r = await readRow(
    store,
    { hash: col.text, at: col.text, cfg: col.text, txt: col.text.nullable(), file: col.text.nullable() },
    `SELECT r.rules_hash AS hash, strftime(r.applied_at, '%Y-%m-%dT%H:%M:%SZ') AS at, v.config_json AS cfg, v.source_text AS txt, v.source_file AS file
     FROM ${ALLOCATION_RUNS_TABLE} r JOIN ${RULE_VERSIONS_TABLE} v ON v.hash = r.rules_hash ORDER BY r.applied_at DESC, r.run_id LIMIT 1`,
  );
  if (!r) return null;
  return { hash: r.hash, appliedAt: r.at, config: JSON.parse(r.cfg) as AllocationConfig, sourceText: r.txt, sourceFile: r.file };
}

export interface OwnerMove {
  currency: string;
  owner: string;
  current: string;
  proposed: string;
  /** proposed - current: what the owner gains (positive) or loses (negative). */
  change: string;
}

export interface PreviewResult {
  appliedHash: string | null;
  proposedHash: string;
  /** Per currency and primary owner, over all loaded history (billed cost). */
  owners: OwnerMove[];
  /** Per billing period, currency and owner, only where something changes. */
  byPeriod: (OwnerMove & { period: string })[];
  /** Total money that changes owner, per currency (sum of the positive changes). */
  moved: { currency: string; amount: string }[];
  /** Per rule id: money claimed now and under the proposed rules. */
  rules: { currency: string; ruleId: string; current: string; proposed: string; change: string }[];
}

/** The money columns of a preview comparison: current, proposed, and proposed - current. */
const CHANGE_SHAPE = { cur: col.money, prop: col.money, chg: col.money };

/**
 * What applying `proposed` would change, against the table as it is (the applied version): exact money
 * per owner, per period and per rule. Nothing is written.
 */
export async function previewAllocation(store: AnalysisStore, proposed: LoadedAllocation): Promise<PreviewResult> {
  return withWriteSettings(store, () => previewAllocationNow(store, proposed));
}

async function previewAllocationNow(store: AnalysisStore, proposed: LoadedAllocation): Promise<PreviewResult> {
  const applied = await appliedVersion(store);
  const sql = await computeAllocation(store, proposed.model, "_allocprev");
  sql.temps.push("_allocprev_out");
  try {
    await writeRows(store, sql, "_allocprev_out", true);
  } catch (e) {
    await dropTemps(store, sql);
    throw e;
  }
  const out = "_allocprev_out";
  try {
    // current against proposed billed cost per `keyShape` (columns of cost_allocation and their codecs)
    const cmp = async <S extends RowShape>(keyShape: S): Promise<RowOf<S & typeof CHANGE_SHAPE>[]> => {
      const keys = Object.keys(keyShape);
      const k = keys.join(", ");
      const on = keys.map((c) => `c.${c} IS NOT DISTINCT FROM p.${c}`).join(" AND ");
      return readRows(store, { ...keyShape, ...CHANGE_SHAPE }, `
        WITH c AS (SELECT ${k}, sum(billed_cost) AS v FROM ${ALLOCATION_TABLE} GROUP BY ALL),
             p AS (SELECT ${k}, sum(billed_cost) AS v FROM ${out} GROUP BY ALL)
        SELECT ${keys.map((c) => `coalesce(c.${c}, p.${c}) AS ${c}`).join(", ")},
               coalesce(c.v, 0)::DECIMAL(38,10)::VARCHAR AS cur, coalesce(p.v, 0)::DECIMAL(38,10)::VARCHAR AS prop,
               (coalesce(p.v, 0) - coalesce(c.v, 0))::DECIMAL(38,10)::VARCHAR AS chg
        FROM c FULL JOIN p ON ${on}
        ORDER BY ${keys.map((_, i) => i + 1).join(", ")}`);
    };
    const owners = (await cmp({ currency: col.text, team: col.text })).map((r) => ({ currency: r.currency, owner: r.team, current: r.cur, proposed: r.prop, change: r.chg }));
    const byPeriod = (await cmp({ billing_period_start: col.day, currency: col.text, team: col.text }))
      .filter((r) => compareMoney(r.chg, "0") !== 0)
      .map((r) => ({ period: r.billing_period_start, currency: r.currency, owner: r.team, current: r.cur, proposed: r.prop, change: r.chg }));
    const rules = (await cmp({ currency: col.text, rule_id: col.text })).map((r) => ({ currency: r.currency, ruleId: r.rule_id, current: r.cur, proposed: r.prop, change: r.chg }));
    const moved = new Map<string, string>();
    for (const o of owners) if (compareMoney(o.change, "0") > 0) moved.set(o.currency, addMoney(moved.get(o.currency) ?? "0", o.change));
    return {
      appliedHash: applied?.hash ?? null,
      proposedHash: proposed.hash,
      owners,
      byPeriod,
      moved: [...moved].map(([currency, amount]) => ({ currency, amount })),
      rules,
    };
  } finally {
    await dropTemps(store, sql);
  }
}

/** Compiles a stored rule version again (for explanations and previews against it). */
export function loadedFromVersion(config: AllocationConfig, sourceText: string | null, sourceFile: string | null): LoadedAllocation {
  return compileLoaded(config, sourceText, sourceFile);
}
