/**
 * `costwise estimate` in the engine: reads plans (JSON) or .tf directories, the usage file, the shipped prices and
 * the bill's effective rates (one aggregate query over the last 30 billed days), and prices the change
 * (core/estimate). Budget impact per owner goes through the budget engine (detect/budget-status.ts).
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse as parseYaml } from "yaml";
import type { CostwiseConfig } from "../../core/config/schema.js";
import { CostwiseError } from "../../core/errors.js";
import { NO_USAGE, type UsageLookup } from "../../core/estimate/components.js";
import { decOf } from "../../core/estimate/decimal.js";
import { estimatePlan } from "../../core/estimate/estimate.js";
import type { BudgetImpactLine } from "../../core/estimate/markdown.js";
import type { Estimate, PlannedResource } from "../../core/estimate/model.js";
import { ownerClassifier } from "../../core/estimate/owner.js";
import { planToPlanned } from "../../core/estimate/plan.js";
import { BillAndCataloguePriceBook, parsePriceTable, type BillUsageRow, type CataloguePrices } from "../../core/estimate/price-table.js";
import { divDec, mulDec } from "../../core/estimate/decimal.js";
import { addMoney, compareMoney } from "../../core/money.js";
import { loadAllocation } from "../allocation/load-rules.js";
import { budgetStatus } from "../detect/budget-status.js";
import { locateJsonError } from "../governance/json-position.js";
import { packageRoot } from "../mapping/lookups.js";
import { loadCatalog } from "../optimize/load-catalog.js";
import type { CostStore } from "../store/cost-store.js";
import { sql } from "../store/cost-store.js";
import { col, readRow, readRows } from "../store/read-rows.js";
import { COST_TABLE } from "../store/schema.js";

export const PRICE_TABLE_FILE = "data/prices/aws-list-prices.csv";
const BILL_WINDOW_DAYS = 30;
const SERVICES = ["AmazonEC2", "AmazonRDS", "AWSELB", "AmazonVPC", "AWSLambda"];

let cachedCatalogue: CataloguePrices | undefined;

export function shippedCatalogue(): CataloguePrices {
  if (cachedCatalogue) return cachedCatalogue;
  const table = parsePriceTable(readFileSync(join(packageRoot(), PRICE_TABLE_FILE), "utf8"), PRICE_TABLE_FILE);
  const ec2 = new Map<string, string | null>();
  for (const [t, it] of loadCatalog()) ec2.set(t, it.hourlyPrice);
  return (cachedCatalogue = { table, ec2, ec2Region: "us-east-1" });
}

/** Plan JSON text → planned resources; a syntax error names file:line:col, a shape error the key. */
export function parsePlanText(text: string, file: string, defaultRegion: string | null): PlannedResource[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const at = locateJsonError(text, (e as Error).message);
    throw new CostwiseError("BAD_INPUT", `${file}:${at.line}:${at.col}: not valid JSON: ${at.message} (expected the output of \`terraform show -json <planfile>\`)`, { location: { file, line: at.line, column: `col ${at.col}` } });
  }
  const { resources, problems } = planToPlanned(doc, file, defaultRegion);
  if (problems.length) {
    const p = problems[0]!;
    throw new CostwiseError("BAD_INPUT", `${file}: ${p.path}: ${p.message}`, { location: { file, column: p.path } });
  }
  return resources;
}

/** Plans (*.json) and Terraform configurations (.tf files, directories: every resource is a create). */
export async function loadPlanned(paths: readonly string[], defaultRegion: string | null): Promise<{ resources: PlannedResource[]; notes: string[] }> {
  if (paths.length === 0) throw new CostwiseError("USAGE", "give at least one Terraform plan JSON file, .tf file or directory");
  const resources: PlannedResource[] = [];
  const notes: string[] = [];
  const hcl: string[] = [];
  for (const p of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      throw new CostwiseError("NOT_FOUND", `${p} does not exist`, { location: { file: p } });
    }
    if (isDir || p.endsWith(".tf")) hcl.push(p);
    else if (p.endsWith(".json")) resources.push(...parsePlanText(readFileSync(p, "utf8"), p, defaultRegion));
    else throw new CostwiseError("USAGE", `${p}: expected a plan JSON file (terraform show -json plan.out > plan.json), a .tf file or a directory`);
  }
  if (hcl.length) {
    const { readTerraformFiles, parseTfText } = await import("../governance/terraform-hcl.js");
    const r = await readTerraformFiles(hcl);
    notes.push(...r.notes);
    // the region of a directory (one module): its default (un-aliased) aws provider block's literal region
    const regions = new Map<string, string | null>();
    const regionOf = async (file: string): Promise<string | null> => {
      const dir = dirname(file);
      if (!regions.has(dir)) {
        let found: string | null = null;
        for (const f of readdirSync(dir).filter((x) => x.endsWith(".tf")).sort()) {
          const json = await parseTfText(readFileSync(join(dir, f), "utf8"), join(dir, f));
          const blocks = (json["provider"] as Record<string, unknown> | undefined)?.["aws"];
          for (const b of Array.isArray(blocks) ? blocks : []) {
            const o = b as Record<string, unknown>;
            if (o["alias"] === undefined && typeof o["region"] === "string" && !o["region"].includes("${")) found ??= o["region"];
          }
        }
        regions.set(dir, found);
      }
      return regions.get(dir) ?? null;
    };
    for (const n of r.resources) {
      const file = n.location?.file ?? hcl[0]!;
      const region = (await regionOf(file)) ?? defaultRegion;
      resources.push({ file, address: n.id, type: n.type, provider: n.type.split("_")[0]!, action: "create", before: null, after: n.attributes, region, tags: n.tags, cloudId: null });
    }
  }
  return { resources, notes };
}

/** Infracost-style usage file: `resource_usage.<address>.<key>` and `resource_type_default_usage.<type>.<key>`. */
export function loadUsageFile(file: string): UsageLookup {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, "utf8"));
  } catch (e) {
    throw new CostwiseError("BAD_INPUT", `usage file ${file}: ${(e as Error).message}`, { location: { file }, cause: e });
  }
  const obj = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const byAddress = obj(obj(doc)["resource_usage"]);
  const byType = obj(obj(doc)["resource_type_default_usage"]);
  const value = (section: Record<string, unknown>, name: string, key: string): string | null => {
    if (!Object.hasOwn(section, name)) return null;
    const entry = obj(section[name]);
    if (!Object.hasOwn(entry, key)) return null;
    const d = decOf(entry[key]);
    if (d === null) throw new CostwiseError("BAD_INPUT", `usage file ${file}: ${name}.${key} should be a number, got ${JSON.stringify(entry[key])}`, { location: { file, column: `${name}.${key}` } });
    return d;
  };
  return { fromFile: (address, type, key) => value(byAddress, address, key) ?? value(byType, type, key), fromBill: () => null };
}

/** Billed usage of the priced services over the last 30 billed days, aggregated per service, region, usage type (region prefix stripped) and operation. */
export async function billUsage(store: CostStore): Promise<{ rows: BillUsageRow[]; windowDays: number }> {
  const last = await readRow(store, { d: col.day.nullable() }, `SELECT strftime(max("ChargePeriodStart"), '%Y-%m-%d') AS d FROM ${COST_TABLE}`);
  if (!last?.d) return { rows: [], windowDays: BILL_WINDOW_DAYS };
  const rows = await readRows(
    store,
    { service: col.text, region: col.text, usage_type: col.text, operation: col.text.nullable(), cost: col.money, quantity: col.money, resources: col.int },
    sql(
      `SELECT x_ServiceCode AS service, "RegionId" AS region, regexp_replace(x_UsageType, '^[A-Z]{2,4}[0-9]*-', '') AS usage_type, x_Operation AS operation,
              CAST(sum(coalesce("EffectiveCost", 0)) AS VARCHAR) AS cost, CAST(sum(coalesce("PricingQuantity", 0)) AS VARCHAR) AS quantity,
              count(DISTINCT "ResourceId")::INTEGER AS resources
       FROM ${COST_TABLE}
       WHERE "ChargeCategory" = 'Usage' AND x_UsageType IS NOT NULL AND "RegionId" IS NOT NULL
         AND coalesce(x_ChargeType, '') <> 'SavingsPlanNegation' -- it repeats the covered row's quantity at 0 EffectiveCost
         AND x_ServiceCode IN (${SERVICES.map(() => "?").join(", ")})
         AND "ChargePeriodStart" >= CAST(? AS TIMESTAMP) - INTERVAL ${BILL_WINDOW_DAYS - 1} DAY AND "ChargePeriodStart" < CAST(? AS TIMESTAMP) + INTERVAL 1 DAY
       GROUP BY ALL ORDER BY ALL`,
      ...SERVICES,
      last.d,
      last.d,
    ),
  );
  return { rows: rows.map((r) => ({ service: r.service, region: r.region, usageType: r.usage_type, operation: r.operation, cost: r.cost, quantity: r.quantity, resources: r.resources })), windowDays: BILL_WINDOW_DAYS };
}

export interface RunEstimateOptions {
  paths: readonly string[];
  region?: string | null;
  usageFile?: string | null;
  store?: CostStore | null;
  config?: CostwiseConfig | null;
  baseDir?: string;
}

export interface EstimateRun {
  estimate: Estimate;
  notes: string[];
  /** Whether the bill priced anything (a store was open and held matching usage). */
  billRows: number;
}

export async function runEstimate(o: RunEstimateOptions): Promise<EstimateRun> {
  const { resources, notes } = await loadPlanned(o.paths, o.region ?? null);
  return estimateResources(resources, o, notes);
}

export async function estimateResources(resources: PlannedResource[], o: Omit<RunEstimateOptions, "paths">, notes: string[] = []): Promise<EstimateRun> {
  const bill = o.store ? await billUsage(o.store) : { rows: [], windowDays: BILL_WINDOW_DAYS };
  if (!o.store) notes.push("no cost store: every price is the shipped catalogue's on-demand list price");
  const book = new BillAndCataloguePriceBook(bill.rows, shippedCatalogue(), bill.windowDays);
  const file = o.usageFile ? loadUsageFile(o.usageFile) : NO_USAGE;
  const usage: UsageLookup = { fromFile: file.fromFile, fromBill: (m, region) => book.averagePerResource(m, region) };
  const model = o.config ? loadAllocation(o.config, o.baseDir ?? process.cwd()).model : null;
  const estimate = estimatePlan({ resources, prices: book, usage, ownerOf: ownerClassifier(model) });
  return { estimate, notes, billRows: bill.rows.length };
}

/**
 * Budget impact per owner: for every monthly budget scoped to an owner the change touches, the month-end forecast
 * without the change (the budget engine's), with it (+ the owner's monthly delta × the share of the month left),
 * and the thresholds the change makes it cross. Gating budgets (`gating: true`) make pr-check exit 3.
 */
export async function budgetImpact(store: CostStore, config: CostwiseConfig, estimate: Estimate, baseDir?: string): Promise<BudgetImpactLine[]> {
  const budgets = (config.detection?.budgets ?? []).filter((b) => b.period === "month" && b.scope.owner !== undefined && estimate.owners.some((o) => o.owner === b.scope.owner));
  if (budgets.length === 0) return [];
  const statuses = await budgetStatus(store, config, { persist: false, only: budgets.map((b) => b.name), ...(baseDir ? { baseDir } : {}) });
  const out: BudgetImpactLine[] = [];
  for (const s of statuses) {
    const b = budgets.find((x) => x.name === s.budget)!;
    const owner = estimate.owners.find((o) => o.owner === b.scope.owner)!;
    const days = s.daysElapsed + s.daysLeft;
    const without = s.forecast?.point ?? s.actual;
    const added = days > 0 ? mulDec(owner.monthlyDelta, divDec(String(s.daysLeft), String(days))!) : owner.monthlyDelta;
    const withChange = addMoney(without, added);
    const crosses: string[] = [];
    for (const t of b.thresholds) {
      const pct = "actual" in t ? t.actual : t.forecast;
      const level = mulDec(b.amount, String(pct), "0.01");
      if (compareMoney(without, level) < 0 && compareMoney(withChange, level) >= 0) crosses.push(`${pct}%`);
    }
    out.push({ owner: owner.owner, budget: s.budget, amount: s.amount, currency: s.currency, forecastWithout: without, forecastWith: withChange, crosses, gating: b.gating === true });
  }
  return out;
}
