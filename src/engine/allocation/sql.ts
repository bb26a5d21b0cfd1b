/**
 * Allocation compiled to SQL (DuckDB): one CASE cascade over the line items, then set-based stages for
 * Kubernetes reconciliation and shared-pool splits (window functions, largest remainder in HUGEINT minor
 * units: the formula of src/core/allocation/split.ts). No row passes through JavaScript.
 *
 * Two phases, in the transaction that rebuilds cost_allocation. With shared pools or Kubernetes clusters stage a
 * is a temp table `<prefix>_a` (and `<prefix>_rk` the reconciliation keys); otherwise phase 1 streams from the
 * line items into the table:
 *   a  line items grouped first (date, period, currency, drill-down columns, resource, the raw Tags and every
 *      column a rule matches on), then per group: normalized tags, rule index (first matching rule), owner
 *      dimensions, pool, reconciled cluster. Classification runs once per group, not per line item, and is
 *      exact because each of its inputs is a grouping key.
 *   b  Kubernetes: for each configured cluster, billing period and currency that has both cloud rows (the
 *      cluster's match) and OpenCost rows with positive weight, the cloud rows are replaced by the OpenCost
 *      rows scaled so they sum exactly to the cloud cost (largest remainder over the OpenCost groups,
 *      weighted by weightMetric). OpenCost rows of other clusters, or periods without a cloud cost, count
 *      as they are (nothing to double count).
 *   phase 1  the rows of b no shared rule claims are written (rowsSelect).
 *   c  (phase 2) pools (shared rules, and Kubernetes idle when idle=distribute): the pool groups of stage a/b,
 *      the receivers' direct cost from the rows phase 1 wrote; split per billing period and currency over
 *      receivers and inserted; a pool group with no receiver stays `__unallocated__` (its shared_pool set).
 */
import type { AllocationModel, Condition, ConditionTarget, PoolSpec } from "../../core/allocation/model.js";
import { IDLE_NAMESPACE, IDLE_OWNER, IDLE_POOL, IDLE_RULE_ID, UNALLOCATED } from "../../core/allocation/model.js";
import { BUILTIN_MINOR_UNITS } from "../../core/allocation/split.js";
import { assertNever } from "../../core/errors.js";
import { parseMoney } from "../../core/money.js";
import { quoteIdent, quoteString } from "../../core/sql.js";
import { COST_TABLE, COST_TABLE_COLUMNS } from "../store/schema.js";

const COLUMN_TYPES = new Map(COST_TABLE_COLUMNS.map((c) => [c.name, c.sqlType]));
export const KNOWN_COLUMNS: readonly string[] = COST_TABLE_COLUMNS.map((c) => c.name);

/** Alias of the normalized tag column for key index i. */
const tagCol = (model: AllocationModel, key: string): string => `nt_${model.tagKeys.indexOf(key)}`;
const dimCol = (j: number): string => `d_${j}`;

/**
 * Per-row tag lists the normalized tags read: `_tk` the raw keys lower-cased and trimmed, `_tv` the values
 * (same order). One pass over the map per row, no lambdas (they cost several times more at scale).
 */
export const TAG_LISTS_SQL = `string_split(CASE WHEN contains(array_to_string(map_keys("Tags"), chr(31)), ' ')
      THEN regexp_replace(trim(lower(array_to_string(map_keys("Tags"), chr(31)))), ' *\x1f *', chr(31), 'g')
      ELSE lower(array_to_string(map_keys("Tags"), chr(31))) END, chr(31)) AS _tk, map_values("Tags") AS _tv`;

/** The normalized value of canonical tag `key` for a cost row (see model.ts); `inherit` adds defaults. Needs TAG_LISTS_SQL's columns. */
export function normalizedTagSql(model: AllocationModel, key: string, inherit: boolean): string {
  const { tags } = model;
  const spellings = tags.spellings.get(key) ?? [key];
  const c = tags.caseOf(key);
  const pos = spellings.length === 1 ? `list_position(_tk, ${quoteString(spellings[0]!)})` : `coalesce(${spellings.map((sp) => `list_position(_tk, ${quoteString(sp)})`).join(", ")})`;
  const raw = `_tv[${pos}]`;
  const cased = c === "lower" ? `lower(trim(${raw}))` : c === "upper" ? `upper(trim(${raw}))` : `trim(${raw})`;
  const vmap = tags.valueMap(key);
  const mapped = vmap.size === 0 ? cased : `CASE ${cased} ${[...vmap].map(([f, t]) => `WHEN ${quoteString(f)} THEN ${quoteString(t)}`).join(" ")} ELSE ${cased} END`;
  let expr = `nullif(${mapped}, '')`;
  if (inherit) {
    const acct = [...tags.accountDefaults].filter(([, kv]) => kv.has(key));
    const rg = [...tags.resourceGroupDefaults].filter(([, kv]) => kv.has(key));
    const parts = [expr];
    if (acct.length) parts.push(`CASE "SubAccountId" ${acct.map(([id, kv]) => `WHEN ${quoteString(id)} THEN ${quoteString(kv.get(key)!)}`).join(" ")} END`);
    if (rg.length) {
      parts.push(
        `CASE lower(regexp_extract("ResourceId", '/resourcegroups/([^/]+)', 1, 'i')) ${rg.map(([id, kv]) => `WHEN ${quoteString(id)} THEN ${quoteString(kv.get(key)!)}`).join(" ")} END`,
      );
    }
    if (parts.length > 1) expr = `coalesce(${parts.join(", ")})`;
  }
  return expr;
}

function targetSql(model: AllocationModel, t: ConditionTarget): string {
  switch (t.kind) {
    case "tag":
      return tagCol(model, t.key);
    case "column": {
      const type = COLUMN_TYPES.get(t.column);
      return type === "VARCHAR" ? quoteIdent(t.column) : `CAST(${quoteIdent(t.column)} AS VARCHAR)`;
    }
    default:
      return assertNever(t, "condition target");
  }
}

function conditionSql(col: string, c: Condition): string {
  switch (c.op) {
    case "in":
      return c.values.length === 1 ? `${col} = ${quoteString(c.values[0]!)}` : `${col} IN (${c.values.map(quoteString).join(", ")})`;
    case "not-in":
      return `(${col} IS NULL OR ${col} NOT IN (${c.values.map(quoteString).join(", ")}))`;
    case "glob":
      return `${col} GLOB ${quoteString(c.pattern)}`;
    case "regex":
      return `regexp_matches(${col}, ${quoteString(c.pattern)})`;
    case "present":
      return c.present ? `(${col} IS NOT NULL AND ${col} <> '')` : `(${col} IS NULL OR ${col} = '')`;
    default:
      return assertNever(c, "condition");
  }
}

function conditionsSql(model: AllocationModel, conds: AllocationModel["rules"][number]["conditions"]): string {
  if (conds.length === 0) return "TRUE";
  return conds.map((c) => conditionSql(targetSql(model, c.target), c.condition)).join(" AND ");
}

/**
 * `relation` with a column `rule_ix` added: -1 Kubernetes idle, 0 no rule, i the 1-based rule (first match
 * wins). Conditions may read the relation's columns, and its nt_ columns for tags.
 * Runs of 4 or more consecutive rules that each test one column or tag for equality with constants become
 * one lookup table (value -> first rule of the run holding it), LEFT JOINed on the tested value: same
 * first-match semantics, one hash probe per row instead of one comparison per rule (a constant MAP lookup
 * scans its keys: ~7x slower at 150 accounts).
 */
export function withRuleIndex(model: AllocationModel, relation: string): string {
  const whens = [`WHEN x_k8s_Namespace = ${quoteString(IDLE_NAMESPACE)} THEN -1`];
  const joins: string[] = [];
  const simpleKey = (r: AllocationModel["rules"][number]): string | null => {
    if (r.conditions.length !== 1) return null;
    const c = r.conditions[0]!;
    return c.condition.op === "in" ? JSON.stringify(c.target) : null;
  };
  const rules = model.rules;
  for (let i = 0; i < rules.length; ) {
    const key = simpleKey(rules[i]!);
    let j = i;
    while (key !== null && j < rules.length && simpleKey(rules[j]!) === key) j++;
    if (key !== null && j - i >= 4) {
      const lookup = new Map<string, number>();
      for (const r of rules.slice(i, j)) {
        const c = r.conditions[0]!.condition as { op: "in"; values: string[] };
        for (const v of c.values) if (!lookup.has(v)) lookup.set(v, r.index);
      }
      const n = joins.length;
      const col = targetSql(model, rules[i]!.conditions[0]!.target);
      joins.push(`LEFT JOIN (VALUES ${[...lookup].map(([v, ix]) => `(${quoteString(v)}, ${ix})`).join(", ")}) _lk${n}(_lkv${n}, _lki${n}) ON _lk${n}._lkv${n} = ${col}`);
      whens.push(`WHEN _lk${n}._lki${n} IS NOT NULL THEN _lk${n}._lki${n}`);
      i = j;
    } else {
      const r = rules[i]!;
      whens.push(`WHEN ${conditionsSql(model, r.conditions)} THEN ${r.index}`);
      i++;
    }
  }
  return `SELECT _r.*, CASE ${whens.join(" ")} ELSE 0 END AS rule_ix FROM (${relation}) _r${joins.map((j) => ` ${j}`).join("")}`;
}

/**
 * A value per rule index as a constant list subscript (one probe per row; a CASE over hundreds of rule
 * indexes is a comparison per rule): `of(ix)` gives the SQL literal for -1 (idle), 0 (no rule) and each rule.
 */
function perRule(model: AllocationModel, of: (ix: number) => string | null, col = "rule_ix"): string {
  const items = [-1, 0, ...model.rules.map((r) => r.index)].map((ix) => {
    const v = of(ix);
    return v === null ? "NULL" : quoteString(v);
  });
  return `(CAST([${items.join(", ")}] AS VARCHAR[]))[${col} + 2]`;
}

/** rule_id from rule_ix. */
export function ruleIdSql(model: AllocationModel, col = "rule_ix"): string {
  return perRule(model, (ix) => (ix === -1 ? IDLE_RULE_ID : ix === 0 ? UNALLOCATED : model.rules[ix - 1]!.id), col);
}

function isPoolIx(model: AllocationModel, ix: number): boolean {
  if (ix === -1) return model.config.kubernetes.idle === "distribute";
  return ix > 0 && model.rules[ix - 1]!.pool !== null;
}

function dimensionSql(model: AllocationModel, j: number): string {
  const dim = model.dimensions[j]!;
  const templates: string[] = [];
  for (const r of model.rules) {
    const v = r.set.get(dim);
    if (v?.kind === "tag") templates.push(`WHEN ${r.index} THEN ${tagCol(model, v.key)}`);
  }
  const literal = (ix: number): string | null => {
    if (ix <= 0) return null;
    const v = model.rules[ix - 1]!.set.get(dim);
    return v?.kind === "literal" ? v.value : null;
  };
  const tmpl = templates.length ? `CASE rule_ix ${templates.join(" ")} END` : null;
  if (j === 0) {
    // pool rows and unclaimed rows are __unallocated__ until a split gives them an owner
    const list = perRule(model, (ix) => (ix === -1 && model.config.kubernetes.idle === "keep" ? IDLE_OWNER : (literal(ix) ?? (tmpl && ix > 0 && model.rules[ix - 1]!.set.get(dim)?.kind === "tag" ? null : UNALLOCATED))));
    return tmpl ? `coalesce(${tmpl}, ${list})` : list;
  }
  const parts = [tmpl, perRule(model, literal), model.tagKeys.includes(dim) ? tagCol(model, dim) : null].filter((x): x is string => x !== null);
  const value = parts.length === 1 ? parts[0]! : `coalesce(${parts.join(", ")})`;
  const anyPool = [-1, ...model.rules.map((r) => r.index)].some((ix) => isPoolIx(model, ix));
  return anyPool ? `CASE WHEN ${perRule(model, (ix) => (isPoolIx(model, ix) ? "1" : null))} IS NOT NULL THEN NULL::VARCHAR ELSE ${value} END` : value;
}

function poolSql(model: AllocationModel): string {
  return perRule(model, (ix) => (ix === -1 ? (model.config.kubernetes.idle === "distribute" ? IDLE_POOL : null) : ix === 0 ? null : model.rules[ix - 1]!.pool));
}

/** Minor-unit step (in 10^-10 units) of a currency column, as HUGEINT. */
function stepSql(model: AllocationModel, currencyCol: string): string {
  const digits = new Map<string, number>(Object.entries({ ...BUILTIN_MINOR_UNITS, ...model.config.minorUnits }));
  const whens = [...digits].filter(([, d]) => d !== 2).map(([c, d]) => `WHEN ${quoteString(c)} THEN ${10n ** BigInt(10 - d)}`);
  return `(CASE ${currencyCol} ${whens.join(" ")} ELSE ${10n ** 8n} END)::HUGEINT`;
}

const GROUP_COLS = ["charge_date", "bps", "currency", "provider", "sub_account_id", "service_name", "region_id", "resource_id", "x_source", "k8s_cluster", "k8s_namespace"] as const;

/**
 * Per-amount minor units of a group's amount (sign `_s<i>`, whole minor units `_m<i>`, sub-minor remainder
 * `_r<i>`, step `_step`): computed once per group, before the group is paired with its receivers.
 */
function minorUnitsSql(amounts: { amount: string }[], step: string): string {
  const cols = [`${step} AS _step`];
  amounts.forEach((a, i) => {
    const u = `(abs(${a.amount}) * 10000000000)::HUGEINT`;
    cols.push(`CASE WHEN ${a.amount} < 0 THEN -1 ELSE 1 END AS _s${i}`, `${u} // ${step} AS _m${i}`, `${u} % ${step} AS _r${i}`);
  });
  return cols.join(", ");
}

/**
 * Largest-remainder layers over a relation holding, per pair row: partition columns, `amount` columns,
 * an integer weight `w` (HUGEINT, > 0), an order key and the currency. Adds columns `<out>` per amount.
 * `prepared`: the relation already carries minorUnitsSql's columns (per group, not per pair); `weightTotal`:
 * it already carries `_wt`, the sum of `w` over the partition.
 */
function largestRemainderSql(
  from: string,
  opts: { partition: string; orderKey: string; amounts: { amount: string; out: string }[]; step: string; prepared?: boolean; weightTotal?: boolean },
): string {
  const { partition, orderKey, amounts, step } = opts;
  const p = `PARTITION BY ${partition}`;
  const l1 = [`*`];
  if (!opts.weightTotal) l1.push(`sum(w) OVER (${p}) AS _wt`);
  if (!opts.prepared) l1.push(minorUnitsSql(amounts, step));
  // floor(_m * w / _wt) per amount and pair, exactly. DuckDB's 128-bit division is slow (most of the split's
  // time), so below 2^50 minor units the quotient is estimated in DOUBLE (relative error < 2^-50, so off by at
  // most one) and corrected by one exact step on the remainder (128-bit multiplications only); larger
  // amounts take the 128-bit division.
  const l3 = [`*`];
  amounts.forEach((_, i) =>
    l3.push(`CASE WHEN _m${i} < ${2n ** 50n} THEN CAST(floor(CAST(_m${i} AS DOUBLE) * CAST(w AS DOUBLE) / CAST(_wt AS DOUBLE)) AS HUGEINT) ELSE (_m${i} * w) // _wt END AS _a${i}`),
  );
  const l3a = [`*`];
  amounts.forEach((_, i) => l3a.push(`_m${i} * w - _a${i} * _wt AS _e${i}`));
  const l3b = [`*`];
  amounts.forEach((_, i) => {
    const adj = `(CASE WHEN _e${i} < 0 THEN -1 WHEN _e${i} >= _wt THEN 1 ELSE 0 END)`;
    l3b.push(`_a${i} + ${adj} AS _f${i}`, `_e${i} - ${adj} * _wt AS _q${i}`);
  });
  const l4 = [`*`];
  amounts.forEach((_, i) =>
    l4.push(`_m${i} - sum(_f${i}) OVER (${p}) AS _l${i}`, `row_number() OVER (${p} ORDER BY _q${i} DESC, ${orderKey}) AS _k${i}`),
  );
  const l5 = [`*`];
  amounts.forEach((a, i) =>
    l5.push(
      `(CAST(_s${i} * ((_f${i} + CASE WHEN _k${i} <= _l${i} THEN 1 ELSE 0 END) * _step + CASE WHEN _k${i} = 1 THEN _r${i} ELSE 0 END) AS DECIMAL(38,0)) * 0.0000000001::DECIMAL(11,10))::DECIMAL(38,10) AS ${a.out}`,
    ),
  );
  return `SELECT ${l5.join(", ")} FROM (SELECT ${l4.join(", ")} FROM (SELECT ${l3b.join(", ")} FROM (SELECT ${l3a.join(", ")} FROM (SELECT ${l3.join(", ")} FROM (SELECT ${l1.join(", ")} FROM ${from})))))`;
}

export interface AllocationSql {
  /** Statements that (re)create the temp tables later queries read (Kubernetes: `_a`, `_rk`); run first. */
  statements: string[];
  /**
   * Phase 1: SELECT of the `cost_allocation` rows no shared rule (or Kubernetes idle to distribute) claims
   * (streamed from the line items when there is no pool and no cluster, else read from `<prefix>_a`).
   */
  rowsSelect: string;
  /**
   * Phase 2, for the table `target` phase 1 was written to: the pool groups (from `<prefix>_a`), the
   * direct cost per receiver (read back from `target`), then the shares inserted into `target`. Empty when no
   * rule is shared. Run in order, in the same transaction as phase 1 (nothing is deleted from rows written in
   * the transaction: DuckDB would re-append them all at commit).
   */
  splitStatements: (target: string) => string[];
  /** Temp tables to drop afterwards. */
  temps: string[];
}

export interface AllocationSqlOptions {
  prefix?: string;
  /** Source relation of line items (default focus_costs). */
  source?: string;
}

/** The owners STRUCT of a row (field per owner dimension; building a MAP per row, and writing it, costs several times more). */
function ownersSql(model: AllocationModel, values: string[]): string {
  return `{${model.dimensions.map((d, j) => `${quoteString(d)}: ${values[j]}`).join(", ")}}`;
}

export function buildAllocationSql(model: AllocationModel, options: AllocationSqlOptions = {}): AllocationSql {
  const p = options.prefix ?? "_alloc";
  const source = options.source ?? COST_TABLE;
  const dims = model.dimensions.map((_, j) => dimCol(j));
  const wm = model.config.weightMetric === "BilledCost" ? "billed_cost" : "effective_cost";
  const statements: string[] = [];
  const temps: string[] = [];
  // with shared pools or Kubernetes clusters, stage a is a temp table (phase 1, the pool groups and stage b read
  // it; the conservation check and the reconciliation report read `_a` and `_rk` after the run)
  const temp = (name: string, sql: string): void => {
    statements.push(`CREATE OR REPLACE TEMP TABLE ${name} AS ${sql}`);
    temps.push(name);
  };

  // ── stage a ──────────────────────────────────────────────────────────────────────────────────
  const ntCols = model.tagKeys.map((k, i) => `${normalizedTagSql(model, k, true)} AS nt_${i}`);
  const clusterWhens = model.clusters.map((c) => `WHEN ${conditionsSql(model, c.conditions)} THEN ${quoteString(c.name)}`);
  const recon = clusterWhens.length ? `CASE WHEN x_k8s_Namespace IS NOT NULL THEN NULL ${clusterWhens.join(" ")} END` : "NULL::VARCHAR";
  // Aggregate first, classify after: the line items are grouped by the output grain plus everything a rule can
  // read (raw Tags, the columns rules and clusters match on), then tag normalization and the rule cascade run
  // once per group instead of once per line item (an hourly bill has ~24 line items per resource-day). Exact:
  // every input of the classification is a grouping key.
  const baseKeys = ["BillingPeriodStart", "BillingCurrency", "ProviderName", "SubAccountId", "ServiceName", "RegionId", "ResourceId", "x_Source", "x_k8s_Cluster", "x_k8s_Namespace", "Tags"];
  const refCols = [...new Set(model.rules.flatMap((r) => r.conditions).concat(model.clusters.flatMap((c) => c.conditions)).flatMap((c) => (c.target.kind === "column" ? [c.target.column] : [])))];
  const keyCols = [...baseKeys, ...refCols.filter((c) => !baseKeys.includes(c))].map(quoteIdent);
  const grouped = `SELECT CAST("ChargePeriodStart" AS DATE) AS charge_date, ${keyCols.join(", ")}, sum("BilledCost") AS _billed, sum("EffectiveCost") AS _effective, count(*) AS _n
      FROM ${source} GROUP BY ALL`;
  const withTags = ntCols.length ? `SELECT *${ntCols.map((c) => `, ${c}`).join("")} FROM (SELECT *, ${TAG_LISTS_SQL} FROM (${grouped}))` : grouped;
  const withRule = `SELECT *, ${recon} AS recon_cluster FROM (${withRuleIndex(model, withTags)})`;
  const rowCols = `charge_date, "BillingPeriodStart" AS bps, "BillingCurrency" AS currency, "ProviderName" AS provider,
      "SubAccountId" AS sub_account_id, "ServiceName" AS service_name, "RegionId" AS region_id, "ResourceId" AS resource_id, x_Source AS x_source,
      x_k8s_Cluster AS k8s_cluster, x_k8s_Namespace AS k8s_namespace, rule_ix, ${clusterWhens.length ? "recon_cluster" : "NULL::VARCHAR AS recon_cluster"},
      ${model.dimensions.map((_, j) => `${dimensionSql(model, j)} AS ${dimCol(j)}`).join(", ")}`;
  // pool is a function of rule_ix. Groups that differ only in raw tags or a matched column and get the same
  // owners stay separate rows (readers sum; a re-aggregation would cost another hash pass over every group),
  // except with Kubernetes clusters: the reconciliation's largest remainder orders by the row key, which must
  // then be unique
  const classified = `SELECT ${rowCols}, _billed AS billed_cost, _effective AS effective_cost, _n AS line_items FROM (${withRule})`;
  const aRows = clusterWhens.length
    ? `SELECT ${[...GROUP_COLS, "rule_ix", "recon_cluster", ...dims].join(", ")}, sum(billed_cost) AS billed_cost, sum(effective_cost) AS effective_cost, sum(line_items) AS line_items FROM (${classified}) GROUP BY ALL`
    : classified;
  const aSelect = `SELECT ${[...GROUP_COLS, "rule_ix", "recon_cluster", `${poolSql(model)} AS pool`, ...dims].join(", ")}, billed_cost, effective_cost, line_items FROM (${aRows})`;

  const plain = [...GROUP_COLS, "rule_ix", "pool", ...dims];
  const rowKey = (q: string): string => `concat_ws(chr(31), ${[...GROUP_COLS, "rule_ix", ...dims].map((c) => `coalesce(CAST(${q}${c} AS VARCHAR), chr(0))`).join(", ")})`;

  // ── stage b: Kubernetes reconciliation ─────────────────────────────────────────────────────────
  const pools: PoolSpec[] = [...model.pools.values()];
  const idleDistribute = model.config.kubernetes.idle === "distribute";
  let b = `(${aSelect})`;
  // with shared pools (or Kubernetes clusters) stage a is materialized once, in memory (one row per group:
  // an hourly bill has ~24 line items per group): phase 1 and the pool groups read it, rather than scanning
  // the line items (and their tag maps, the dearest column to read) a second time
  const materialize = model.clusters.length > 0 || pools.length > 0 || idleDistribute;
  if (materialize) {
    temp(`${p}_a`, aSelect);
    b = `${p}_a`;
  }
  if (model.clusters.length > 0) {
    const names = model.clusters.map((c) => quoteString(c.name)).join(", ");
    temp(
      `${p}_rk`,
      `WITH cloud AS (SELECT bps, currency, recon_cluster AS cluster, sum(billed_cost) AS cb, sum(effective_cost) AS ce FROM ${p}_a WHERE recon_cluster IS NOT NULL GROUP BY ALL),
            kw AS (SELECT bps, currency, k8s_cluster AS cluster FROM ${p}_a WHERE k8s_namespace IS NOT NULL AND k8s_cluster IN (${names}) GROUP BY ALL HAVING sum(greatest(${wm}, 0)) > 0)
       SELECT cloud.* FROM cloud JOIN kw USING (bps, currency, cluster)`,
    );
    const pairs = `(SELECT a.*, rk.cb, rk.ce, (greatest(a.${wm}, 0) * 10000000000)::HUGEINT AS w, ${rowKey("a.")} AS _key
        FROM ${p}_a a JOIN ${p}_rk rk ON a.k8s_namespace IS NOT NULL AND a.k8s_cluster = rk.cluster AND a.bps = rk.bps AND a.currency = rk.currency
        WHERE a.${wm} > 0)`;
    const scaled = largestRemainderSql(pairs, {
      partition: "bps, currency, k8s_cluster",
      orderKey: "_key",
      amounts: [{ amount: "cb", out: "_sb" }, { amount: "ce", out: "_se" }],
      step: stepSql(model, "currency"),
    });
    b = `(SELECT ${plain.join(", ")}, _sb AS billed_cost, _se AS effective_cost, line_items FROM (${scaled})
       UNION ALL
       SELECT ${plain.map((c) => `a.${c}`).join(", ")}, a.billed_cost, a.effective_cost, a.line_items FROM ${p}_a a
         LEFT JOIN ${p}_rk r1 ON a.recon_cluster = r1.cluster AND a.bps = r1.bps AND a.currency = r1.currency
         LEFT JOIN ${p}_rk r2 ON a.k8s_namespace IS NOT NULL AND a.k8s_cluster = r2.cluster AND a.bps = r2.bps AND a.currency = r2.currency
       WHERE r1.cluster IS NULL AND r2.cluster IS NULL)`;
  }

  // ── phase 1: the rows of stage b no shared rule claims ────────────────────────────────────────
  // rows are already grouped (a key may repeat across phases, e.g. a direct row and a share: they differ in
  // rule_id/shared_pool); no second aggregation over the whole table
  const rowsSelect = `SELECT f.charge_date, f.bps AS billing_period_start, f.currency, f.d_0 AS team, ${ownersSql(model, dims.map((d) => `f.${d}`))} AS owners,
       ${ruleIdSql(model, "f.rule_ix")} AS rule_id, f.pool AS shared_pool, f.provider, f.sub_account_id, f.service_name, f.region_id, f.resource_id, f.x_source,
       f.k8s_cluster, f.k8s_namespace, f.billed_cost, f.effective_cost, f.line_items::BIGINT AS line_items
     FROM ${b} f WHERE f.pool IS NULL`;

  // ── stage c (phase 2): pools ───────────────────────────────────────────────────────────────────
  if (pools.length === 0 && !idleDistribute) return { statements, rowsSelect, splitStatements: () => [], temps };
  temps.push(`${p}_pg`, `${p}_dw`);
  const splitStatements = (target: string): string[] => poolSplitStatements(model, { prefix: p, rows: b, pools, idleDistribute, weightColumn: wm, dims }, target);
  return { statements, rowsSelect, splitStatements, temps };
}

/**
 * Stage c (phase 2) for the table `target` phase 1 was written to, in order: the pool groups (`<prefix>_pg`, from
 * the stage a/b relation `rows`), the receivers' direct cost (`<prefix>_dw`, read back from `target`), then per pool
 * the receivers' weights (even, proportional, fixed), the largest-remainder shares inserted into `target`, and the
 * pool groups with no receiver inserted as `__unallocated__`.
 */
function poolSplitStatements(
  model: AllocationModel,
  ctx: { prefix: string; rows: string; pools: readonly PoolSpec[]; idleDistribute: boolean; weightColumn: string; dims: readonly string[] },
  target: string,
): string[] {
  const { prefix: p, rows: b, pools, idleDistribute, weightColumn: wm, dims } = ctx;
  const out: string[] = [];
  // pool groups (the line items' drill-down columns without the resource)
  out.push(`CREATE OR REPLACE TEMP TABLE ${p}_pg AS SELECT *, row_number() OVER () AS gid FROM (
       SELECT pool, CASE WHEN pool = ${quoteString(IDLE_POOL)} THEN coalesce(k8s_cluster, '') ELSE '' END AS part, bps, currency,
         charge_date, provider, sub_account_id, service_name, region_id, x_source, k8s_cluster, k8s_namespace, ${ruleIdSql(model, "rule_ix")} AS rule_id,
         sum(billed_cost) AS ab, sum(effective_cost) AS ae, sum(line_items) AS li
       FROM ${b} WHERE pool IS NOT NULL GROUP BY ALL)`);
  // direct cost per period, currency, receiver (and Kubernetes cluster, for idle), aggregated once for all pools
  // (read back from phase 1's rows: a narrow scan of the table just written)
  out.push(`CREATE OR REPLACE TEMP TABLE ${p}_dw AS SELECT billing_period_start AS bps, currency, team AS d_0, CASE WHEN k8s_namespace IS NOT NULL THEN k8s_cluster END AS kc, sum(${wm}) AS ${wm}
     FROM ${target} WHERE team NOT IN (${quoteString(UNALLOCATED)}, ${quoteString(IDLE_OWNER)}) GROUP BY ALL`);
  const keys = `(SELECT DISTINCT pool, part, bps, currency FROM ${p}_pg)`;
  const direct = `${p}_dw`;
  const weightSelects: string[] = [];
  const specs: { name: string; method: PoolSpec["method"]; receivers: string[] | null; percentages: PoolSpec["percentages"]; idle: boolean }[] = pools.map((s) => ({ ...s, idle: false }));
  if (idleDistribute) specs.push({ name: IDLE_POOL, method: "proportional", receivers: null, percentages: null, idle: true });
  for (const s of specs) {
    const join = `d.bps = k.bps AND d.currency = k.currency${s.idle ? " AND d.kc = k.part" : ""}${s.receivers ? ` AND d.d_0 IN (${s.receivers.map(quoteString).join(", ")})` : ""}`;
    const where = `k.pool = ${quoteString(s.name)}`;
    switch (s.method) {
      case "proportional":
        weightSelects.push(
          `SELECT k.pool, k.part, k.bps, k.currency, d.d_0 AS receiver, (sum(d.${wm}) * 10000000000)::HUGEINT AS w FROM ${keys} k JOIN ${direct} d ON ${join} WHERE ${where} GROUP BY ALL`,
        );
        break;
      case "even":
        weightSelects.push(
          s.receivers
            ? `SELECT k.pool, k.part, k.bps, k.currency, v.receiver, 1::HUGEINT AS w FROM ${keys} k CROSS JOIN (VALUES ${s.receivers.map((r) => `(${quoteString(r)})`).join(", ")}) v(receiver) WHERE ${where}`
            : `SELECT DISTINCT k.pool, k.part, k.bps, k.currency, d.d_0 AS receiver, 1::HUGEINT AS w FROM ${keys} k JOIN ${direct} d ON ${join} WHERE ${where}`,
        );
        break;
      case "fixed":
        weightSelects.push(
          `SELECT k.pool, k.part, k.bps, k.currency, v.receiver, v.w FROM ${keys} k CROSS JOIN (VALUES ${(s.percentages ?? []).map((x) => `(${quoteString(x.receiver)}, ${parseMoney(x.weight)}::HUGEINT)`).join(", ")}) v(receiver, w) WHERE ${where}`,
        );
        break;
      default:
        assertNever(s.method, "split method");
    }
  }
  const w = `${p}_w`;
  // the windows run over narrow rows (group id, receiver, weight, amounts); the group's columns join back after.
  // A pool key's weight total and a group's minor units are computed once (per key, per group), not per pair.
  const poolAmounts = [{ amount: "ab", out: "_sb" }, { amount: "ae", out: "_se" }];
  const pairs = `(SELECT pg.*, w.receiver, w.w, w._wt
      FROM (SELECT gid, pool, part, bps, currency, ${minorUnitsSql(poolAmounts, stepSql(model, "currency"))} FROM ${p}_pg) pg
      JOIN (SELECT *, sum(w) OVER (PARTITION BY pool, part, bps, currency) AS _wt FROM ${w}) w USING (pool, part, bps, currency))`;
  const shares = largestRemainderSql(pairs, {
    partition: "gid",
    orderKey: "receiver",
    amounts: poolAmounts,
    step: stepSql(model, "currency"),
    prepared: true,
    weightTotal: true,
  });
  // a share carries only the primary owner; a group's line items are counted once, on its first-ranked share
  const shareCols = (team: string, b_: string, e_: string, li = "li"): string =>
    `charge_date, bps AS billing_period_start, currency, ${team} AS team, ${ownersSql(model, [team, ...dims.slice(1).map(() => "NULL::VARCHAR")])} AS owners, rule_id, pool AS shared_pool,
     provider, sub_account_id, service_name, region_id, NULL::VARCHAR AS resource_id, x_source, k8s_cluster, k8s_namespace, ${b_} AS billed_cost, ${e_} AS effective_cost, (${li})::BIGINT AS line_items`;
  out.push(`INSERT INTO ${target} BY NAME WITH ${w} AS MATERIALIZED (SELECT * FROM (${weightSelects.join(" UNION ALL ")}) WHERE w > 0)
     SELECT ${shareCols("receiver", "_sb", "_se", "CASE WHEN _k0 = 1 THEN li ELSE 0 END")} FROM (SELECT pg.*, sh.receiver, sh._sb, sh._se, sh._k0 FROM (${shares}) sh JOIN ${p}_pg pg USING (gid))
     UNION ALL SELECT ${shareCols(quoteString(UNALLOCATED), "ab", "ae")} FROM ${p}_pg pg WHERE NOT EXISTS (SELECT 1 FROM ${w} w WHERE w.pool = pg.pool AND w.part = pg.part AND w.bps = pg.bps AND w.currency = pg.currency)`);
  return out;
}
