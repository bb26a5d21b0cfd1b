/**
 * Estimates kept in the store, and estimate vs actual once the resources appear in the bill.
 *
 * Order of operations for `estimateVsActual`:
 *  1. stored resources of the chosen estimates (a PR, or all); a Terraform state (`terraform show -json` after
 *     apply) fills in the cloud ids (`values.id`, `values.arn`) by address, and they are kept;
 *  2. the bill: per resource id (ResourceId equal to the id or the ARN, or ending in "/<id>"), the EffectiveCost of
 *     the last 30 billed days it was billed on, and on how many days; actual monthly = cost / days × 730 / 24;
 *  3. per resource: estimated (the stored monthly cost), actual, absolute % error (core/estimate/accuracy.ts);
 *     per PR: the sums of both over the resources that have an actual, and their error;
 *  4. the accuracy: the median absolute % error over resources with an actual.
 */
import { readFileSync } from "node:fs";
import { CostwiseError } from "../../core/errors.js";
import { absPercentError, medianPercent } from "../../core/estimate/accuracy.js";
import { divDec, mulDec, plain } from "../../core/estimate/decimal.js";
import type { Estimate } from "../../core/estimate/model.js";
import { addMoney } from "../../core/money.js";
import type { CostStore } from "../store/cost-store.js";
import { sql } from "../store/cost-store.js";
import { col, readRow, readRows } from "../store/read-rows.js";
import { COST_TABLE } from "../store/schema.js";
import { ESTIMATE_RESOURCES_TABLE, ESTIMATE_RUNS_TABLE } from "./tables.js";

export interface RecordOptions {
  estimateId: string;
  pr: string | null;
  plans: readonly string[];
  now: Date;
}

/** Keeps an estimate (its resources with addresses, owners, tags and ids known so far); one transaction. */
export async function recordEstimate(store: CostStore, e: Estimate, o: RecordOptions): Promise<void> {
  const ts = o.now.toISOString().slice(0, 19).replace("T", " ");
  await store.transaction(async () => {
    await store.run(sql(`INSERT INTO ${ESTIMATE_RUNS_TABLE} VALUES (?, CAST(? AS TIMESTAMP), ?, ?, CAST(? AS DECIMAL(38,10)), CAST(? AS DECIMAL(38,10)), ?)`, o.estimateId, ts, o.pr, JSON.stringify(o.plans), e.totalMonthlyCost, e.totalMonthlyDelta, e.currency));
    for (const r of e.resources) {
      if (r.free) continue;
      const keys = Object.keys(r.tags);
      await store.run(
        sql(
          `INSERT INTO ${ESTIMATE_RESOURCES_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, CAST(? AS DECIMAL(38,10)), CAST(? AS DECIMAL(38,10)), MAP(CAST(? AS VARCHAR[]), CAST(? AS VARCHAR[])), ?)`,
          o.estimateId,
          r.file,
          r.address,
          r.type,
          r.action,
          r.region,
          r.owner,
          r.monthlyCost,
          r.monthlyDelta,
          JSON.stringify(keys),
          JSON.stringify(keys.map((k) => r.tags[k]!)),
          r.cloudId,
        ),
      );
    }
  });
}

/** Address → cloud id (and ARN) from a Terraform state as JSON (`terraform show -json`), every module. */
export function idsFromState(text: string, file: string): Map<string, { id: string | null; arn: string | null }> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new CostwiseError("BAD_INPUT", `${file}: not valid JSON: ${(e as Error).message} (expected the output of \`terraform show -json\` after apply)`, { location: { file } });
  }
  const out = new Map<string, { id: string | null; arn: string | null }>();
  const visit = (m: unknown): void => {
    if (typeof m !== "object" || m === null) return;
    const mod = m as { resources?: unknown; child_modules?: unknown };
    for (const r of Array.isArray(mod.resources) ? mod.resources : []) {
      const rr = r as { address?: unknown; mode?: unknown; values?: Record<string, unknown> };
      if (typeof rr.address !== "string" || rr.mode === "data" || !rr.values) continue;
      const id = typeof rr.values["id"] === "string" ? rr.values["id"] : null;
      const arn = typeof rr.values["arn"] === "string" ? rr.values["arn"] : null;
      out.set(rr.address, { id, arn });
    }
    for (const c of Array.isArray(mod.child_modules) ? mod.child_modules : []) visit(c);
  };
  const values = (doc as { values?: { root_module?: unknown } } | null)?.values;
  if (!values || typeof values !== "object") throw new CostwiseError("BAD_INPUT", `${file}: values.root_module missing (expected the output of \`terraform show -json\` after apply)`, { location: { file, column: "values" } });
  visit(values.root_module);
  return out;
}

/** Fills the cloud ids of stored resources (of one PR, or all) from a state file; returns how many were set. */
export async function attachIds(store: CostStore, ids: Map<string, { id: string | null; arn: string | null }>, pr: string | null): Promise<number> {
  const rows = await readRows(store, { estimate_id: col.text, plan_file: col.text, address: col.text }, sql(`SELECT r.estimate_id, r.plan_file, r.address FROM ${ESTIMATE_RESOURCES_TABLE} r JOIN ${ESTIMATE_RUNS_TABLE} e USING (estimate_id) WHERE (CAST(? AS VARCHAR) IS NULL OR e.pr = ?) AND r.action <> 'delete'`, pr, pr));
  let n = 0;
  await store.transaction(async () => {
    for (const r of rows) {
      const hit = ids.get(r.address);
      const id = hit?.id ?? hit?.arn;
      if (!id) continue;
      await store.run(sql(`UPDATE ${ESTIMATE_RESOURCES_TABLE} SET resource_id = ? WHERE estimate_id = ? AND plan_file = ? AND address = ?`, hit?.arn && hit.id ? `${hit.id}|${hit.arn}` : id, r.estimate_id, r.plan_file, r.address));
      n++;
    }
  });
  return n;
}

export interface ActualResource {
  estimateId: string;
  pr: string | null;
  planFile: string;
  address: string;
  type: string;
  owner: string;
  resourceId: string | null;
  estimated: string | null;
  actual: string | null;
  billedDays: number;
  absPercentError: string | null;
}

export interface ActualPr {
  pr: string | null;
  estimated: string;
  actual: string;
  absPercentError: string | null;
  resources: number;
  withActual: number;
}

export interface EstimateVsActual {
  resources: ActualResource[];
  prs: ActualPr[];
  /** Median absolute % error over resources with an actual (the "estimate accuracy" KPI); null when none. */
  accuracy: string | null;
  measured: number;
  window: { from: string; to: string } | null;
}

export async function estimateVsActual(store: CostStore, o: { pr?: string | null } = {}): Promise<EstimateVsActual> {
  const pr = o.pr ?? null;
  const stored = await readRows(
    store,
    { estimate_id: col.text, pr: col.text.nullable(), plan_file: col.text, address: col.text, resource_type: col.text, owner: col.text, resource_id: col.text.nullable(), monthly_cost: col.money.nullable() },
    sql(
      `SELECT r.estimate_id, e.pr, r.plan_file, r.address, r.resource_type, r.owner, r.resource_id, CAST(r.monthly_cost AS VARCHAR) AS monthly_cost
       FROM ${ESTIMATE_RESOURCES_TABLE} r JOIN ${ESTIMATE_RUNS_TABLE} e USING (estimate_id)
       WHERE (CAST(? AS VARCHAR) IS NULL OR e.pr = ?) AND r.action <> 'delete' ORDER BY e.created_at, r.estimate_id, r.plan_file, r.address`,
      pr,
      pr,
    ),
  );
  const last = await readRow(store, { d: col.day.nullable() }, `SELECT strftime(max("ChargePeriodStart"), '%Y-%m-%d') AS d FROM ${COST_TABLE}`);
  const billed = new Map<string, { cost: string; days: number }>();
  let window: EstimateVsActual["window"] = null;
  const idList = [...new Set(stored.flatMap((s) => (s.resource_id ? s.resource_id.split("|") : [])))];
  if (last?.d && idList.length) {
    const from = new Date(Date.parse(`${last.d}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
    window = { from, to: last.d };
    const rows = await readRows(
      store,
      { id: col.text, cost: col.money, days: col.int },
      sql(
        `WITH ids AS (SELECT unnest(CAST(? AS VARCHAR[])) AS id)
         SELECT ids.id, CAST(sum(coalesce(c."EffectiveCost", 0)) AS VARCHAR) AS cost, count(DISTINCT CAST(c."ChargePeriodStart" AS DATE))::INTEGER AS days
         FROM ids JOIN ${COST_TABLE} c ON (c."ResourceId" = ids.id OR c."ResourceId" LIKE '%/' || ids.id)
         WHERE c."ChargePeriodStart" >= CAST(? AS TIMESTAMP) AND c."ChargePeriodStart" < CAST(? AS TIMESTAMP) + INTERVAL 1 DAY
         GROUP BY ids.id`,
        JSON.stringify(idList),
        from,
        last.d,
      ),
    );
    for (const r of rows) billed.set(r.id, { cost: r.cost, days: r.days });
  }
  const resources: ActualResource[] = stored.map((s) => {
    const hits = (s.resource_id?.split("|") ?? []).map((id) => billed.get(id)).filter((x): x is { cost: string; days: number } => x !== undefined && x.days > 0);
    const hit = hits[0];
    const actual = hit ? plain(divDec(mulDec(hit.cost, "730"), String(hit.days * 24))!) : null;
    return {
      estimateId: s.estimate_id,
      pr: s.pr,
      planFile: s.plan_file,
      address: s.address,
      type: s.resource_type,
      owner: s.owner,
      resourceId: s.resource_id,
      estimated: s.monthly_cost === null ? null : plain(s.monthly_cost),
      actual,
      billedDays: hit?.days ?? 0,
      absPercentError: actual !== null && s.monthly_cost !== null ? absPercentError(s.monthly_cost, actual) : null,
    };
  });
  const prs = new Map<string, ActualPr>();
  for (const r of resources) {
    const k = r.pr ?? "";
    let p = prs.get(k);
    if (!p) prs.set(k, (p = { pr: r.pr, estimated: "0", actual: "0", absPercentError: null, resources: 0, withActual: 0 }));
    p.resources++;
    if (r.actual !== null && r.estimated !== null) {
      p.withActual++;
      p.estimated = plain(addMoney(p.estimated, r.estimated));
      p.actual = plain(addMoney(p.actual, r.actual));
    }
  }
  for (const p of prs.values()) p.absPercentError = p.withActual ? absPercentError(p.estimated, p.actual) : null;
  const errors = resources.map((r) => r.absPercentError).filter((x): x is string => x !== null);
  return { resources, prs: [...prs.values()], accuracy: medianPercent(errors), measured: errors.length, window };
}
