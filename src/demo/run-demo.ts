/**
 * `costwise demo`, the bills half: generate the demo organisation's bills, ingest them (plus the real
 * FOCUS sample when it is there) through the normal ingest path, and summarise the store with the
 * typed query layer, cross-checked against the generator's exact truths.
 *
 * Money stays a decimal string throughout; shares, changes and bars are computed with BigInt.
 */
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { CostwiseError } from "../core/errors.js";
import { addMoney, compareMoney, equalToTheCent, parseMoney, subMoney, type Minor } from "../core/money.js";
import { parseCostQuery, type CostQueryInput, type FilterInput } from "../core/query/cost-query.js";
import { ingestFiles, type IngestOptions, type IngestProgress, type IngestResult } from "../engine/ingest/ingest.js";
import { packageRoot } from "../engine/mapping/lookups.js";
import { queryOrThrow, runCostQuery, type QueryResult } from "../engine/query/run-query.js";
import type { AnalysisStore } from "../engine/store/cost-store.js";
import { listSources, type SourceSummary } from "../engine/store/sources.js";
import { validateStore } from "../engine/validate/validate-store.js";
import { generateDemoData, type DemoManifest } from "./generate.js";

// ─── options and progress ───────────────────────────────────────────────────────────────────────

export const DEFAULT_DEMO_DATA_DIR = "./demo-data";
/** The demo's own store, inside the data folder (gitignored with it). */
export const DEMO_STORE_FILE = "costwise-demo.duckdb";

export interface RunDemoOptions {
  /** Where the bills are generated (default ./demo-data). Its aws-cur/ and focus/ are replaced. */
  dataDir?: string;
  /** Generator seed (default 42). */
  seed?: number;
  /** Billing months to generate (default 12). */
  months?: number;
  /** Generator size knob (default 1). */
  scale?: number;
  /**
   * The real FOCUS sample to load too. Default: `<package root>/../shared/fixtures/focus/focus_sample.csv`
   * (shared/ sits beside the clone); `null` loads none.
   */
  focusSample?: string | null;
  onProgress?: (event: DemoProgress) => void;
  /**
   * Loads files into the workspace (default: `ingestFiles` into `store`). A ClickHouse workspace loads them into
   * ClickHouse and then brings `store` (its analysis replica) in step.
   */
  ingest?: (paths: string[], options: IngestOptions) => Promise<IngestResult>;
}

export type DemoProgress =
  | { step: "generate"; dataDir: string; seed: number; months: number }
  | { step: "generated"; files: number; rows: number; bytes: number; seconds: number }
  | { step: "ingest"; progress: IngestProgress }
  | { step: "ingested"; files: number; rows: number; rowsReplaced: number; seconds: number }
  | { step: "sample"; sample: SampleReport }
  | { step: "summarize" };

/** The default location of the real FOCUS sample: shared/ beside the package root. */
export function defaultFocusSamplePath(): string {
  return resolve(packageRoot(), "..", "shared", "fixtures", "focus", "focus_sample.csv");
}

// ─── the summary ────────────────────────────────────────────────────────────────────────────────

/** The metric the analysis sections use: amortized cost, commitments spread over the usage they cover. */
export const ANALYSIS_METRIC = "EffectiveCost" as const;

export interface CurrencyTotals {
  currency: string;
  billedCost: string;
  effectiveCost: string;
}

export interface Change {
  current: string;
  previous: string;
  change: string;
  /** change / previous in percent, one decimal ("4.2", "-12.0"); null when previous is 0. */
  changePercent: string | null;
}

export interface RankedItem {
  name: string;
  /** Account id (top accounts only). */
  id?: string;
  provider?: string;
  cost: string;
  /** Share of the month's total in the currency, percent with one decimal; null when the total is 0. */
  sharePercent: string | null;
}

export interface Ranking {
  items: RankedItem[];
  /** How many groups there are in all (items holds the top ones). */
  groups: number;
  /** The month's total in the currency (all groups). */
  total: string;
  /** total minus the listed items. */
  rest: string;
}

export interface SpendSlice {
  cost: string;
  lineItems: number;
  sharePercent: string | null;
}

export interface SampleReport {
  path: string;
  loaded: boolean;
  rows: number;
  billedCost: string | null;
  /** Why it was not loaded. */
  reason?: string;
}

export interface DemoSummary {
  dataDir: string;
  store: string;
  generated: {
    seed: number;
    months: number;
    startDate: string;
    endDate: string;
    files: number;
    rows: { aws: number; focus: number; total: number };
    currency: string;
    billedCost: string;
    effectiveCost: string;
    seconds: number;
    /** The anomalies injected on purpose (id and first day), for detectors to find. */
    anomalies: { id: string; date: string }[];
  };
  /** The ingest of the generated files (the sample is loaded by a second ingest: see `sample`). */
  ingest: { files: number; rows: number; rowsReplaced: number; seconds: number; rowsPerSecond: number; ingestIds: string[] };
  sample: SampleReport;
  /** The loaded demo files against the generator's exact totals (BilledCost = CUR unblended + FOCUS billed). */
  check: {
    rows: { generated: number; loaded: number };
    billedCost: { generated: string; loaded: string };
    effectiveCost: { generated: string; loaded: string };
    untaggedEffectiveCost: { generated: string; loaded: string };
    untaggedBilledCost: { generated: string; loaded: string };
    /** Rows equal and both costs equal to the cent. */
    loadedEqualsGenerated: boolean;
    untaggedEqualsGenerated: boolean;
  };
  /** Analysis sections below use this metric, in this currency (the one with the most line items last month). */
  metric: typeof ANALYSIS_METRIC;
  currency: string;
  lastMonth: { month: string; start: string; end: string; totals: CurrencyTotals[] };
  previousMonth: { month: string; start: string; end: string; totals: CurrencyTotals[] };
  monthOverMonth: { currency: string; billedCost: Change; effectiveCost: Change };
  topServices: Ranking;
  topAccounts: Ranking;
  untagged: {
    /** Rows with neither a `team` nor a `Team` tag (missing or empty), last month. */
    lastMonth: SpendSlice;
    /** The same over the trend window. */
    window: SpendSlice;
    /** The tag key inconsistency, last month: spend under each spelling of the key. */
    teamKeys: { key: string; cost: string; lineItems: number; values: string[] }[];
  };
  /** Months of the trend window (up to 12, ending with lastMonth; leading months without data left out). */
  trend: { month: string; billedCost: string; effectiveCost: string }[];
  sources: SourceSummary[];
  conformance: {
    focusVersion: string;
    rowsChecked: number;
    rules: number;
    passed: number;
    failedErrors: number;
    failedWarnings: number;
    notApplicable: number;
    conformant: boolean;
    failing: { id: string; severity: string; violations: number }[];
  };
}

// ─── the run ────────────────────────────────────────────────────────────────────────────────────

/**
 * Generates the demo bills into `dataDir`, ingests them (and the FOCUS sample) into `store`, and
 * returns the summary. Re-running into the same store replaces the same billing periods: totals do
 * not change.
 */
export async function runDemo(store: AnalysisStore, options: RunDemoOptions = {}): Promise<DemoSummary> {
  const dataDir = resolve(options.dataDir ?? DEFAULT_DEMO_DATA_DIR);
  const seed = options.seed ?? 42;
  const emit = options.onProgress ?? (() => undefined);

  // 1. generate
  emit({ step: "generate", dataDir, seed, months: options.months ?? 12 });
  let t0 = performance.now();
  const manifest = await generateDemoData(dataDir, {
    seed,
    ...(options.months !== undefined ? { months: options.months } : {}),
    ...(options.scale !== undefined ? { scale: options.scale } : {}),
  });
  const genSeconds = seconds(t0);
  const demoFiles = manifest.files.map((f) => join(dataDir, ...f.path.split("/")));
  const bytes = demoFiles.reduce((a, f) => a + statSync(f).size, 0);
  const generatedRows = manifest.truths.aws.rows + manifest.truths.focus.rows;
  emit({ step: "generated", files: manifest.files.length, rows: generatedRows, bytes, seconds: genSeconds });

  // 2. ingest the generated bills in one call (CUR manifests pick the files), then the real sample
  t0 = performance.now();
  const load = options.ingest ?? ((paths: string[], o: IngestOptions) => ingestFiles(store, paths, o));
  const demoIngest = await load([join(dataDir, "aws-cur"), join(dataDir, "focus")], {
    onProgress: (progress) => emit({ step: "ingest", progress }),
  });
  const ingestSeconds = seconds(t0);
  emit({ step: "ingested", files: demoIngest.files.length, rows: demoIngest.rowsLoaded, rowsReplaced: demoIngest.rowsReplaced, seconds: ingestSeconds });
  const { sample, ingest: sampleIngest } = await loadSample(load, options.focusSample === undefined ? defaultFocusSamplePath() : options.focusSample);
  emit({ step: "sample", sample });

  // 3. summarise
  emit({ step: "summarize" });
  const check = await crossCheck(store, manifest, demoFiles);
  const sources = await listSources(store);
  const lastMonth = lastCompleteMonth(sources);
  const prevMonth = addMonths(lastMonth, -1);
  const last = await monthTotals(store, lastMonth);
  const previous = await monthTotals(store, prevMonth);
  const currency = await primaryCurrency(store, lastMonth);
  const pick = (totals: CurrencyTotals[]): CurrencyTotals =>
    totals.find((t) => t.currency === currency) ?? { currency, billedCost: ZERO, effectiveCost: ZERO };
  const cur = pick(last);
  const prev = pick(previous);

  const monthWindow = { start: monthStart(lastMonth), end: monthStart(addMonths(lastMonth, 1)) };
  const inCurrency: FilterInput = { on: "BillingCurrency", op: "eq", value: currency };
  const topServices = ranking(
    await query(store, { metric: ANALYSIS_METRIC, groupBy: ["ServiceName"], filters: [inCurrency], ...monthWindow, limit: 5 }),
    (r) => ({ name: r["ServiceName"] ?? "(none)" }),
  );
  const topAccounts = ranking(
    await query(store, { metric: ANALYSIS_METRIC, groupBy: ["SubAccountName", "SubAccountId", "ProviderName"], filters: [inCurrency], ...monthWindow, limit: 5 }),
    (r) => ({ name: r["SubAccountName"] ?? r["SubAccountId"] ?? "(none)", id: r["SubAccountId"] ?? "", provider: r["ProviderName"] ?? "" }),
  );

  const trendStart = addMonths(lastMonth, -11);
  const trendWindow = { start: monthStart(trendStart), end: monthWindow.end };
  const untaggedFilters: FilterInput[] = [inCurrency, ...NO_TEAM_TAG];
  const untaggedMonth = await query(store, { metric: ANALYSIS_METRIC, filters: untaggedFilters, ...monthWindow });
  const untaggedWindow = await query(store, { metric: ANALYSIS_METRIC, filters: untaggedFilters, ...trendWindow });
  const windowTotal = await query(store, { metric: ANALYSIS_METRIC, filters: [inCurrency], ...trendWindow });
  const teamKeys: DemoSummary["untagged"]["teamKeys"] = [];
  for (const key of TEAM_TAG_KEYS) {
    const r = await query(store, { metric: ANALYSIS_METRIC, groupBy: [`tag:${key}`], filters: [inCurrency, { on: `tag:${key}`, op: "is_not_null" }], ...monthWindow });
    teamKeys.push({
      key,
      cost: r.totals.total ?? ZERO,
      lineItems: r.totals.lineItems,
      values: r.rows.map((row) => row[`tag:${key}`] ?? "").sort(),
    });
  }

  const trend = await monthlyTrend(store, trendStart, lastMonth, currency);
  const report = await validateStore(store);

  return {
    dataDir,
    store: store.location,
    generated: {
      seed: manifest.seed,
      months: manifest.months,
      startDate: manifest.startDate,
      endDate: manifest.endDate,
      files: manifest.files.length,
      rows: { aws: manifest.truths.aws.rows, focus: manifest.truths.focus.rows, total: generatedRows },
      currency: manifest.currency,
      anomalies: manifest.anomalies.map((a) => ({ id: a.id, date: a.date })),
      billedCost: check.billedCost.generated,
      effectiveCost: check.effectiveCost.generated,
      seconds: genSeconds,
    },
    ingest: {
      files: demoIngest.files.length,
      rows: demoIngest.rowsLoaded,
      rowsReplaced: demoIngest.rowsReplaced,
      seconds: ingestSeconds,
      rowsPerSecond: ingestSeconds > 0 ? Math.round(demoIngest.rowsLoaded / ingestSeconds) : 0,
      ingestIds: [demoIngest.ingestId, ...(sampleIngest ? [sampleIngest.ingestId] : [])],
    },
    sample,
    check,
    metric: ANALYSIS_METRIC,
    currency,
    lastMonth: { month: lastMonth, ...monthWindow, totals: last },
    previousMonth: { month: prevMonth, start: monthStart(prevMonth), end: monthWindow.start, totals: previous },
    monthOverMonth: {
      currency,
      billedCost: change(cur.billedCost, prev.billedCost),
      effectiveCost: change(cur.effectiveCost, prev.effectiveCost),
    },
    topServices,
    topAccounts,
    untagged: {
      lastMonth: slice(untaggedMonth, cur.effectiveCost),
      window: slice(untaggedWindow, windowTotal.totals.total ?? ZERO),
      teamKeys,
    },
    trend,
    sources,
    conformance: {
      focusVersion: report.focusVersion,
      rowsChecked: report.rowsChecked,
      rules: report.summary.rules,
      passed: report.summary.passed,
      failedErrors: report.summary.failedErrors,
      failedWarnings: report.summary.failedWarnings,
      notApplicable: report.summary.notApplicable,
      conformant: report.conformant,
      failing: report.rules.filter((r) => r.status === "fail").map((r) => ({ id: r.id, severity: r.severity, violations: r.violations })),
    },
  };
}

// ─── pieces ─────────────────────────────────────────────────────────────────────────────────────

const ZERO = "0.0000000000";

/** The demo writes both spellings: AWS user:team / user:Team, Azure {"team": …} / {"Team": …}. */
export const TEAM_TAG_KEYS = ["team", "Team"] as const;
/** No team tag under either spelling (missing or empty). Filters combine with AND. */
export const NO_TEAM_TAG: readonly FilterInput[] = TEAM_TAG_KEYS.map((k) => ({ on: `tag:${k}`, op: "is_null" as const }));

function seconds(t0: number): number {
  return Math.round(performance.now() - t0) / 1000;
}

/** Runs a JSON-form cost query; a malformed one is a bug here, reported as BAD_QUERY. */
export async function query(store: AnalysisStore, input: CostQueryInput): Promise<QueryResult> {
  return runCostQuery(store, queryOrThrow(parseCostQuery(input)));
}

async function loadSample(load: (paths: string[], o: IngestOptions) => Promise<IngestResult>, path: string | null): Promise<{ sample: SampleReport; ingest?: IngestResult }> {
  if (path === null) return { sample: { path: "", loaded: false, rows: 0, billedCost: null, reason: "not requested" } };
  const abs = resolve(path);
  if (!existsSync(abs)) {
    return { sample: { path: abs, loaded: false, rows: 0, billedCost: null, reason: "not found (shared/ is not beside the package)" } };
  }
  try {
    const ingest = await load([abs], {});
    return { sample: { path: abs, loaded: true, rows: ingest.rowsLoaded, billedCost: ingest.loadedTotal }, ingest };
  } catch (e) {
    // real-world data we do not control: a failed load leaves the store as it was; the demo goes on
    return { sample: { path: abs, loaded: false, rows: 0, billedCost: null, reason: e instanceof Error ? e.message.split("\n")[0] ?? "" : String(e) } };
  }
}

/** The demo files as loaded, against the generator's exact totals. */
async function crossCheck(store: AnalysisStore, m: DemoManifest, demoFiles: string[]): Promise<DemoSummary["check"]> {
  const fromDemo: FilterInput = { on: "x_SourceFile", op: "in", values: demoFiles };
  const billed = await query(store, { metric: "BilledCost", filters: [fromDemo] });
  const effective = await query(store, { metric: "EffectiveCost", filters: [fromDemo] });
  const untaggedBilled = await query(store, { metric: "BilledCost", filters: [fromDemo, ...NO_TEAM_TAG] });
  const untaggedEffective = await query(store, { metric: "EffectiveCost", filters: [fromDemo, ...NO_TEAM_TAG] });
  const { aws, focus } = m.truths;
  // The generator's definitions: AWS untagged = neither resourceTags/user:team nor user:Team set (all
  // line item types, with unblended and amortized cost); Azure untagged = an empty Tags cell (a tagged
  // Azure row always carries team or Team), whose billed and effective cost are equal.
  const check: DemoSummary["check"] = {
    rows: { generated: aws.rows + focus.rows, loaded: billed.totals.lineItems },
    billedCost: { generated: addMoney(aws.unblendedCost, focus.billedCost), loaded: billed.totals.total ?? mixed("BilledCost") },
    effectiveCost: { generated: addMoney(aws.amortizedCost, focus.effectiveCost), loaded: effective.totals.total ?? mixed("EffectiveCost") },
    untaggedEffectiveCost: { generated: addMoney(aws.untagged.amortizedCost, focus.untaggedEffectiveCost), loaded: untaggedEffective.totals.total ?? mixed("EffectiveCost") },
    untaggedBilledCost: { generated: addMoney(aws.untagged.unblendedCost, focus.untaggedEffectiveCost), loaded: untaggedBilled.totals.total ?? mixed("BilledCost") },
    loadedEqualsGenerated: false,
    untaggedEqualsGenerated: false,
  };
  check.loadedEqualsGenerated =
    check.rows.generated === check.rows.loaded &&
    equalToTheCent(check.billedCost.generated, check.billedCost.loaded) &&
    equalToTheCent(check.effectiveCost.generated, check.effectiveCost.loaded);
  check.untaggedEqualsGenerated =
    equalToTheCent(check.untaggedEffectiveCost.generated, check.untaggedEffectiveCost.loaded) &&
    equalToTheCent(check.untaggedBilledCost.generated, check.untaggedBilledCost.loaded);
  return check;
}

function mixed(metric: string): never {
  throw new CostwiseError("INTERNAL", `the demo files loaded ${metric} in more than one currency; the generator writes USD only`);
}

/**
 * The last calendar month whose charges are complete in the store: the month of the latest complete
 * day when that day is the month's last, else the month before.
 */
export function lastCompleteMonth(sources: readonly SourceSummary[]): string {
  const days = sources.map((s) => s.lastCompleteDay).filter((d): d is string => d !== null).sort();
  const day = days[days.length - 1];
  if (!day) throw new CostwiseError("NOT_FOUND", "the store holds no charges: nothing to summarise");
  const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000);
  const month = day.slice(0, 7);
  return next.getUTCDate() === 1 ? month : addMonths(month, -1);
}

/** "2026-10" + n months. */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split("-").map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + n, 1));
  return d.toISOString().slice(0, 7);
}

function monthStart(month: string): string {
  return `${month}-01`;
}

async function monthTotals(store: AnalysisStore, month: string): Promise<CurrencyTotals[]> {
  const window = { start: monthStart(month), end: monthStart(addMonths(month, 1)) };
  const billed = await query(store, { metric: "BilledCost", ...window });
  const effective = await query(store, { metric: "EffectiveCost", ...window });
  const currencies = [...new Set([...billed.totals.byUnit, ...effective.totals.byUnit].map((u) => u.unit ?? ""))].sort();
  const of = (r: QueryResult, c: string): string => r.totals.byUnit.find((u) => (u.unit ?? "") === c)?.total ?? ZERO;
  return currencies.map((c) => ({ currency: c, billedCost: of(billed, c), effectiveCost: of(effective, c) }));
}

/** The currency with the most line items in the month (money of different currencies is never added). */
async function primaryCurrency(store: AnalysisStore, month: string): Promise<string> {
  const r = await query(store, { metric: "BilledCost", start: monthStart(month), end: monthStart(addMonths(month, 1)) });
  const best = [...r.totals.byUnit].sort((a, b) => b.lineItems - a.lineItems)[0];
  return best?.unit ?? "USD";
}

function ranking(r: QueryResult, describe: (row: Record<string, string | null>) => Omit<RankedItem, "cost" | "sharePercent">): Ranking {
  const total = r.totals.total ?? ZERO;
  const items = r.rows.map((row) => {
    const cost = row[ANALYSIS_METRIC] ?? ZERO;
    return { ...describe(row), cost, sharePercent: percentOf(cost, total) };
  });
  return { items, groups: r.totals.groups, total, rest: subMoney(total, addMoney(ZERO, ...items.map((i) => i.cost))) };
}

function slice(r: QueryResult, of: string): SpendSlice {
  const cost = r.totals.total ?? ZERO;
  return { cost, lineItems: r.totals.lineItems, sharePercent: percentOf(cost, of) };
}

async function monthlyTrend(store: AnalysisStore, first: string, last: string, currency: string): Promise<DemoSummary["trend"]> {
  const window = { start: monthStart(first), end: monthStart(addMonths(last, 1)) };
  const filters: FilterInput[] = [{ on: "BillingCurrency", op: "eq", value: currency }];
  const billed = await query(store, { metric: "BilledCost", filters, granularity: "month", ...window });
  const effective = await query(store, { metric: "EffectiveCost", filters, granularity: "month", ...window });
  const byMonth = (r: QueryResult, metric: string): Map<string, string> =>
    new Map(r.rows.map((row) => [(row["period"] ?? "").slice(0, 7), row[metric] ?? ZERO]));
  const b = byMonth(billed, "BilledCost");
  const e = byMonth(effective, "EffectiveCost");
  const out: DemoSummary["trend"] = [];
  for (let m = first; m <= last; m = addMonths(m, 1)) {
    if (out.length === 0 && !b.has(m) && !e.has(m)) continue; // no data yet
    out.push({ month: m, billedCost: b.get(m) ?? ZERO, effectiveCost: e.get(m) ?? ZERO });
  }
  return out;
}

export function change(current: string, previous: string): Change {
  return { current, previous, change: subMoney(current, previous), changePercent: percentOf(subMoney(current, previous), previous) };
}

/** part / whole in percent, rounded half away from zero to `decimals` digits; null when whole is 0. Exact (BigInt). */
export function percentOf(part: string, whole: string, decimals = 1): string | null {
  const w = parseMoney(whole);
  if (w === 0n) return null;
  const scale = 10n ** BigInt(decimals);
  const q = divRound(parseMoney(part) * 100n * scale, w < 0n ? -w : w);
  const neg = q < 0n;
  const abs = neg ? -q : q;
  const int = abs / scale;
  const frac = (abs % scale).toString().padStart(decimals, "0");
  return `${neg ? "-" : ""}${int}${decimals > 0 ? `.${frac}` : ""}`;
}

function divRound(n: Minor, d: Minor): Minor {
  const neg = n < 0n !== d < 0n;
  const an = n < 0n ? -n : n;
  const ad = d < 0n ? -d : d;
  const q = (an * 2n + ad) / (ad * 2n);
  return neg ? -q : q;
}

/** A horizontal bar of `value / max` times `width` cells, in eighths (█ ▉ ▊ ▋ ▌ ▍ ▎ ▏). Exact; empty for value ≤ 0. */
export function bar(value: string, max: string, width: number): string {
  const v = parseMoney(value);
  const m = parseMoney(max);
  if (v <= 0n || m <= 0n) return "";
  const eighths = Number(divRound(v * BigInt(width) * 8n, m));
  const partial = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"][eighths % 8] ?? "";
  return "█".repeat(Math.floor(eighths / 8)) + partial;
}

/** The largest of some amounts. */
export function maxMoney(amounts: readonly string[]): string {
  return amounts.reduce((a, b) => (compareMoney(a, b) >= 0 ? a : b), ZERO);
}
