/**
 * Prometheus cost metrics on /metrics (opt-in: `server.metrics.cost: true` in costwise.yaml), in the text exposition
 * format. docs/operations.md ("Cost metrics") lists the families, their labels and the series bound.
 *
 * Every value is read through the function the API serves it with, so a series equals the API's number to the digit:
 *   - daily cost of the last complete billing day by currency, service and account: the typed cost query
 *     (`runApiQuery`, /api/v1/costs/query), EffectiveCost;
 *   - by owner: the allocation read model (`runAllocationQuery`, /api/v1/allocation/query), effective_cost;
 *   - budgets: `budgetStatus` (/api/v1/budgets), read only (nothing recorded);
 *   - tag coverage: `tagCoverage` (/api/v1/tag-coverage), the latest billing month, its largest currency;
 *   - open recommendations: `recommendationsView` (/api/v1/recommendations);
 *   - open anomalies: `listAnomalies` (/api/v1/anomalies).
 * Values are printed as the exact decimal strings (trailing zeros trimmed); Prometheus parses them as floats.
 *
 * Bounded cardinality: per currency (at most MAX_CURRENCIES, the largest that day), the top `top` owners, services
 * and accounts (default 20, at most 100) with the rest summed as `other`; at most MAX_BUDGETS budgets and
 * MAX_TAGS required tags; anomalies by severity × direction. The answer is computed once per data version
 * (ctx.cached, cleared when the data changes), so a scrape does not query the store when nothing changed.
 *
 * Order of operations: last complete day → the day's cost per currency (pick the currencies) → per dimension, rows
 * per key and currency → rank per currency, keep the top N, sum the rest → budgets, coverage, recommendations,
 * anomalies, each only when its feature has data → render.
 */
import { UNALLOCATED } from "../core/allocation/model.js";
import { addMoney, compareMoney, formatMoney, parseMoney, trimMoney } from "../core/money.js";
import { DIRECTIONS, SEVERITIES } from "../core/detect/detector-model.js";
import { addDays } from "../core/detect/series.js";
import type { CostwiseConfig } from "../core/config/schema.js";
import { runAllocationQuery } from "../engine/allocation/read-model.js";
import { lastCompleteBillingDay } from "../engine/cost-insights/read.js";
import { budgetStatus } from "../engine/detect/budget-status.js";
import { listAnomalies } from "../engine/detect/monitors.js";
import { tagCoverage } from "../engine/kpi/tagged-spend.js";
import { recommendationsView } from "../engine/optimize/recommendations-read.js";
import { parseApiQuery, runApiQuery } from "../engine/query/api-query.js";
import type { AnalysisStore } from "../engine/store/cost-store.js";
import { featureAvailability } from "../engine/store/feature-availability.js";
import type { FastifyRequest } from "fastify";
import { authenticate } from "./auth.js";
import type { ServerContext } from "./context.js";

export const MAX_CURRENCIES = 5;
export const MAX_BUDGETS = 50;
export const MAX_TAGS = 20;
export const DEFAULT_TOP = 20;
export const OTHER = "other";

/**
 * The most series a scrape can carry, for `top` kept keys: per currency a total, (top + 1) owners, services and
 * accounts; 4 per budget (amount, actual, burn, forecast ratio); 1 per tag, 2 per currency for recommendations,
 * severities × directions for anomalies, and the day's timestamp. top 20: 5 × (1 + 3 × 21) + 200 + 20 + 10 + 8 + 1 = 559.
 */
export function maxCostSeries(top: number): number {
  return MAX_CURRENCIES * (1 + 3 * (top + 1)) + 4 * MAX_BUDGETS + MAX_TAGS + 2 * MAX_CURRENCIES + SEVERITIES.length * DIRECTIONS.length + 1;
}

export interface CostMetricsOptions {
  config: CostwiseConfig;
  baseDir: string;
  rollupReady: boolean;
  top?: number;
}

interface Sample {
  labels: Record<string, string>;
  value: string;
}

interface Family {
  name: string;
  help: string;
  samples: Sample[];
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

/** Top `top` keys by amount per currency; the rest summed as `other`. Input rows: key, currency, exact amount. */
export function topPerCurrency(rows: { key: string; currency: string; amount: string }[], currencies: readonly string[], top: number): { key: string; currency: string; amount: string }[] {
  const out: { key: string; currency: string; amount: string }[] = [];
  for (const c of currencies) {
    const merged = new Map<string, string>();
    for (const r of rows.filter((x) => x.currency === c)) merged.set(r.key, addMoney(merged.get(r.key) ?? "0", r.amount));
    const ranked = [...merged].sort((a, b) => compareMoney(b[1], a[1]) || a[0].localeCompare(b[0]));
    for (const [key, amount] of ranked.slice(0, top)) out.push({ key, currency: c, amount });
    if (ranked.length > top) out.push({ key: OTHER, currency: c, amount: addMoney(formatMoney(0n), ...ranked.slice(top).map(([, a]) => a)) });
  }
  return out;
}

const num = (v: string): string => trimMoney(v, 0);

/** Reads every cost family from the store (the API's functions) and renders them. */
export async function readCostMetrics(s: AnalysisStore, o: CostMetricsOptions): Promise<string> {
  const top = Math.max(1, Math.min(100, o.top ?? DEFAULT_TOP));
  const families: Family[] = [];
  const day = await lastCompleteBillingDay(s);
  if (day !== null) {
    const window = { start: day, end: addDays(day, 1) };
    const query = async (groupBy: string[]) =>
      (await runApiQuery(s, parseApiQuery({ metric: "EffectiveCost", groupBy, ...window }), o.rollupReady)).rows;
    const byCurrency = (await query(["BillingCurrency"]))
      .filter((r) => r["BillingCurrency"])
      .map((r) => ({ currency: r["BillingCurrency"]!, amount: r["EffectiveCost"] ?? "0" }))
      .sort((a, b) => compareMoney(b.amount, a.amount) || a.currency.localeCompare(b.currency))
      .slice(0, MAX_CURRENCIES);
    const currencies = byCurrency.map((c) => c.currency);
    families.push({
      name: "costwise_cost_day_timestamp_seconds",
      help: "Start (UTC) of the last complete billing day, the day the costwise_*daily_cost series describe.",
      samples: [{ labels: {}, value: String(Date.parse(`${day}T00:00:00Z`) / 1000) }],
    });
    families.push({ name: "costwise_daily_cost", help: "EffectiveCost of the last complete billing day, by billing currency.", samples: byCurrency.map((c) => ({ labels: { currency: c.currency }, value: num(c.amount) })) });
    const dim = async (column: string) =>
      (await query([column, "BillingCurrency"])).filter((r) => r["BillingCurrency"]).map((r) => ({ key: r[column] || "(none)", currency: r["BillingCurrency"]!, amount: r["EffectiveCost"] ?? "0" }));
    const family = (name: string, label: string, what: string, rows: { key: string; currency: string; amount: string }[]): Family => ({
      name,
      help: `EffectiveCost of the last complete billing day by ${what} and currency (top ${top} per currency, the rest as "${OTHER}").`,
      samples: topPerCurrency(rows, currencies, top).map((r) => ({ labels: { [label]: r.key, currency: r.currency }, value: num(r.amount) })),
    });
    families.push(family("costwise_service_daily_cost", "service", "service (ServiceName)", await dim("ServiceName")));
    families.push(family("costwise_account_daily_cost", "account", "account (SubAccountId)", await dim("SubAccountId")));
    if ((await featureAvailability(s, o.config, "allocation")).available) {
      const owners = (await runAllocationQuery(s, { groupBy: ["team"], ...window }, null)).map((r) => ({ key: r["team"] ?? "(none)", currency: r["currency"] ?? "", amount: r["amount"] ?? "0" }));
      families.push(family("costwise_owner_daily_cost", "owner", `allocation owner (team; ${UNALLOCATED} for no owner)`, owners));
    }
  }

  if ((await featureAvailability(s, o.config, "budgets")).available) {
    const budgets = (await budgetStatus(s, o.config, { persist: false, baseDir: o.baseDir })).slice(0, MAX_BUDGETS);
    const l = (b: (typeof budgets)[number]) => ({ budget: b.budget, currency: b.currency, period: b.period });
    families.push({ name: "costwise_budget_amount", help: "Budget amount for the current period.", samples: budgets.map((b) => ({ labels: l(b), value: num(b.amount) })) });
    families.push({ name: "costwise_budget_actual_cost", help: "Spend in the budget's current period through the last complete day.", samples: budgets.map((b) => ({ labels: l(b), value: num(b.actual) })) });
    families.push({ name: "costwise_budget_burn_ratio", help: "Actual spend over the budget amount (1 = 100%).", samples: budgets.filter((b) => b.burn !== null).map((b) => ({ labels: l(b), value: String(b.burn) })) });
    families.push({
      name: "costwise_budget_forecast_ratio",
      help: "Period-end forecast over the budget amount (1 = 100%); absent with too little history.",
      samples: budgets.filter((b) => b.forecastBurn !== null).map((b) => ({ labels: l(b), value: String(b.forecastBurn) })),
    });
  }

  if (day !== null) {
    const cov = await tagCoverage(s, { config: o.config, baseDir: o.baseDir });
    if (cov.month !== null && cov.currency !== null) {
      const req = new Set(cov.requiredTags);
      const keys = cov.keys.filter((k) => req.has(k.key) && k.percent !== null).slice(0, MAX_TAGS);
      families.push({
        name: "costwise_tag_coverage_ratio",
        help: "Share of the latest billing month's allocable spend (its largest currency) carrying the required tag (1 = 100%).",
        // percent is a decimal string (85.12): the ratio is that over 100, exactly
        samples: keys.map((k) => ({ labels: { tag: k.key, currency: cov.currency! }, value: num(formatMoney(parseMoney(k.percent!) / 100n)) })),
      });
    }
  }

  if ((await featureAvailability(s, o.config, "recommendations")).available) {
    const open = (await recommendationsView(s, { status: ["open"] }, false)).items;
    const cur = [...new Set(open.map((r) => r.currency))].sort().slice(0, MAX_CURRENCIES);
    families.push({ name: "costwise_recommendations_open", help: "Open recommendations, by currency of their saving.", samples: cur.map((c) => ({ labels: { currency: c }, value: String(open.filter((r) => r.currency === c).length) })) });
    families.push({
      name: "costwise_recommendations_open_monthly_savings",
      help: "Monthly savings of the open recommendations, by currency.",
      samples: cur.map((c) => ({ labels: { currency: c }, value: num(addMoney(formatMoney(0n), ...open.filter((r) => r.currency === c).map((r) => r.monthlySaving))) })),
    });
  }

  if ((await featureAvailability(s, o.config, "anomalies")).available) {
    const open = (await listAnomalies(s, { limit: 100_000 })).filter((a) => a.is_open);
    const samples: Sample[] = [];
    for (const severity of SEVERITIES) for (const direction of DIRECTIONS) samples.push({ labels: { severity, direction }, value: String(open.filter((a) => a.severity === severity && a.direction === direction).length) });
    families.push({ name: "costwise_anomalies_open", help: "Open cost anomalies, by severity and direction.", samples });
  }
  return render(families);
}

/** What a caller asking for the cost families must hold when the server requires tokens. */
export const COST_METRICS_TOKEN_NOTE = "# costwise cost metrics need an unscoped API token here (Authorization: Bearer <token>; docs/operations.md, Cost metrics)\n";

/**
 * The cost families for a /metrics request: none when server.metrics.cost is off; when the server requires tokens,
 * only for a valid unscoped token (a scrape config's `authorization`), else a comment line saying so (the HTTP and
 * operational families stay public). Computed once per data version.
 */
export async function costMetricsFor(req: FastifyRequest, ctx: ServerContext): Promise<string> {
  const m = ctx.workspace.config.server?.metrics;
  if (!m?.cost) return "";
  const required = await ctx.tokensRequired();
  if (required || req.headers.authorization !== undefined) {
    try {
      await ctx.readers.use((s) => authenticate(req, { access: "read", team: "deny" }, s, required));
    } catch {
      return COST_METRICS_TOKEN_NOTE;
    }
  }
  return ctx.cached("cost-metrics", () => ctx.readers.use((s) => readCostMetrics(s, { config: ctx.workspace.config, baseDir: ctx.workspace.baseDir, rollupReady: ctx.rollup.ready, top: m.top })));
}

function render(families: Family[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} gauge`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
      out.push(`${f.name}${labels.length ? `{${labels.join(",")}}` : ""} ${s.value}`);
    }
  }
  return out.length ? `${out.join("\n")}\n` : "";
}
