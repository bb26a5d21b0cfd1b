/** Tag coverage (share of spend carrying each tag key) and the KPI scorecard. Organisation-wide: unscoped callers only. */
import { z } from "zod";
import { formatMoney, parseMoney } from "../../core/money.js";
import { defaultForecastScopes, forecastVariance } from "../../engine/detect/forecast-scope.js";
import { detectionConfig } from "../../engine/detect/monitors.js";
import type { CostStore } from "../../engine/store/cost-store.js";
import { COST_TABLE } from "../../engine/store/schema.js";
import type { ServerContext, ZApp } from "../context.js";
import { percentChange } from "./overview.js";
import { ROLLUP_TABLE } from "../rollup.js";
import { errorResponses, money } from "../schemas.js";
import { availability } from "./features.js";

/** a/b as a percentage with one decimal (decimal string), null when b is zero. */
export function percentOf(a: string, b: string): string | null {
  const bb = parseMoney(b);
  if (bb === 0n) return null;
  const scaled = (parseMoney(a) * 2000n) / bb;
  const r = scaled >= 0n ? (scaled + 1n) / 2n : (scaled - 1n) / 2n;
  const neg = r < 0n;
  const abs = neg ? -r : r;
  return `${neg ? "-" : ""}${abs / 10n}.${abs % 10n}`;
}

interface Coverage {
  month: string | null;
  months: string[];
  currency: string | null;
  total: string;
  untagged: string;
  keys: { key: string; tagged: string; percent: string | null; values: number }[];
}

async function tagCoverage(ctx: ServerContext, s: CostStore, month: string | undefined, currency: string | undefined): Promise<Coverage> {
  const table = ctx.rollup.ready ? ROLLUP_TABLE : COST_TABLE;
  const months = (await s.all(`SELECT DISTINCT strftime("ChargePeriodStart", '%Y-%m') AS m FROM ${table} ORDER BY m`)).map((r) => String(r["m"]));
  const m = month && months.includes(month) ? month : months[months.length - 1];
  if (!m) return { month: null, months, currency: null, total: formatMoney(0n), untagged: formatMoney(0n), keys: [] };
  const start = `${m}-01`;
  const where = `"ChargePeriodStart" >= CAST(? AS TIMESTAMP) AND "ChargePeriodStart" < CAST(? AS TIMESTAMP) + INTERVAL 1 MONTH`;
  const curRows = await s.all({ sql: `SELECT "BillingCurrency" AS c, sum("EffectiveCost")::VARCHAR AS t FROM ${table} WHERE ${where} GROUP BY 1 ORDER BY sum("EffectiveCost") DESC`, params: [start, start] });
  const cur = curRows.find((r) => r["c"] === currency) ?? curRows[0];
  if (!cur) return { month: m, months, currency: null, total: formatMoney(0n), untagged: formatMoney(0n), keys: [] };
  const c = String(cur["c"]);
  const base = `FROM ${table} WHERE ${where} AND "BillingCurrency" = ?`;
  const params = [start, start, c];
  const totals = await s.all({
    sql: `SELECT sum("EffectiveCost")::VARCHAR AS total, coalesce(sum("EffectiveCost") FILTER (WHERE cardinality("Tags") = 0 OR "Tags" IS NULL), 0)::VARCHAR AS untagged ${base}`,
    params,
  });
  const keys = await s.all({
    sql: `SELECT k, sum(cost)::VARCHAR AS tagged, count(DISTINCT v)::INTEGER AS nv FROM (
            SELECT unnest(map_keys("Tags")) AS k, unnest(map_values("Tags")) AS v, "EffectiveCost" AS cost ${base}
          ) WHERE v IS NOT NULL AND v <> '' GROUP BY k ORDER BY sum(cost) DESC, k LIMIT 100`,
    params,
  });
  const total = String(totals[0]?.["total"] ?? "0");
  return {
    month: m,
    months,
    currency: c,
    total,
    untagged: String(totals[0]?.["untagged"] ?? "0"),
    keys: keys.map((r) => ({ key: String(r["k"]), tagged: String(r["tagged"]), percent: percentOf(String(r["tagged"]), total), values: Number(r["nv"]) })),
  };
}

const coverageSchema = z.object({
  month: z.string().nullable(),
  months: z.array(z.string()),
  currency: z.string().nullable(),
  total: money,
  untagged: money.describe("spend with no tags at all"),
  keys: z.array(z.object({ key: z.string(), tagged: money, percent: z.string().nullable(), values: z.number().int() })),
});

type Kpi = { id: string; title: string; available: boolean; value: string | null; unit: string; detail: string };

async function unavailable(ctx: ServerContext, s: CostStore, id: string, title: string, unit: string, feature: string): Promise<Kpi | undefined> {
  const a = await availability(ctx, s, feature);
  return a.available ? undefined : { id, title, available: false, value: null, unit, detail: `${a.reason}: run ${a.produceWith}` };
}

async function forecastVarianceKpi(ctx: ServerContext, s: CostStore): Promise<Kpi> {
  const title = "Forecast variance (last closed month)";
  const u = await unavailable(ctx, s, "forecast-variance", title, "%", "forecasts");
  if (u) return u;
  const rows = await forecastVariance(s, defaultForecastScopes(detectionConfig(ctx.workspace.config)));
  const last = rows.filter((r) => r.variance !== null).sort((a, b) => (a.month < b.month ? 1 : a.month > b.month ? -1 : 0))[0];
  if (!last) return { id: "forecast-variance", title, available: false, value: null, unit: "%", detail: "no closed month has a forecast made before it yet" };
  return {
    id: "forecast-variance",
    title,
    available: true,
    value: (last.variance! * 100).toFixed(1),
    unit: "%",
    detail: `${last.scope} ${last.month}: forecast ${formatMoney(parseMoney(last.forecast), 2)} (made ${last.madeOn}) vs actual ${formatMoney(parseMoney(last.actual), 2)} ${last.currency} (target < 20%, mature < 12%)`,
  };
}

async function alertLatencyKpi(ctx: ServerContext, s: CostStore): Promise<Kpi> {
  const title = "Alert latency (median)";
  // delivered alerts first: data landed → message delivered (the feedback loop's outbox)
  const outbox = await s.all(`SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = 'notify_outbox'`);
  if (Number(outbox[0]?.["n"] ?? 0) > 0) {
    const d = await s.all(
      `SELECT count(*)::INTEGER AS n, median(date_diff('second', data_landed_at, sent_at)) / 3600 AS h FROM notify_outbox
       WHERE status = 'sent' AND kind IN ('anomaly', 'budget') AND data_landed_at IS NOT NULL`,
    );
    const n = Number(d[0]?.["n"] ?? 0);
    if (n > 0) return { id: "alert-latency", title, available: true, value: Number(d[0]!["h"]).toFixed(2), unit: "hours", detail: `from the data landing to the alert's delivery, over ${n} delivered alerts` };
  }
  const u = await unavailable(ctx, s, "alert-latency", title, "hours", "anomalies");
  if (u) return u;
  const r = await s.all(
    `SELECT count(*)::INTEGER AS n, median(epoch(alerted_at) - epoch(start_day::TIMESTAMP + INTERVAL 1 DAY)) / 3600 AS h FROM detect_anomalies WHERE alerted_at IS NOT NULL`,
  );
  const n = Number(r[0]?.["n"] ?? 0);
  if (n === 0) return { id: "alert-latency", title, available: false, value: null, unit: "hours", detail: "no anomaly has alerted yet" };
  return { id: "alert-latency", title, available: true, value: Number(r[0]!["h"]).toFixed(1), unit: "hours", detail: `from the end of an anomaly's first day to its alert, over ${n} alerts` };
}

async function savingsKpi(ctx: ServerContext, s: CostStore): Promise<Kpi> {
  const title = "Savings realized (monthly)";
  const u = await unavailable(ctx, s, "savings-realized", title, "money", "recommendations");
  if (u) return u;
  const r = await s.all(
    `SELECT count(*) FILTER (WHERE status IN ('accepted', 'done'))::INTEGER AS acted, count(*)::INTEGER AS n,
            coalesce(sum(monthly_saving) FILTER (WHERE status = 'done'), 0)::VARCHAR AS done, any_value(currency) AS c FROM recommendations`,
  );
  const row = r[0] ?? {};
  return {
    id: "savings-realized",
    title,
    available: true,
    value: String(row["done"]),
    unit: String(row["c"] ?? "USD"),
    detail: `expected monthly saving of recommendations marked done; acted on ${row["acted"]} of ${row["n"]} recommendations (measured against the bill: costwise recommend realized)`,
  };
}

async function openFindingsKpi(ctx: ServerContext, s: CostStore): Promise<Kpi> {
  const title = "Open governance findings";
  const u = await unavailable(ctx, s, "open-findings", title, "count", "governance");
  if (u) return u;
  const r = await s.all(`SELECT findings, blocking, strftime(scanned_at, '%Y-%m-%d %H:%M') AS at FROM governance_scans ORDER BY scanned_at DESC LIMIT 1`);
  const row = r[0] ?? {};
  return { id: "open-findings", title, available: true, value: String(row["findings"] ?? "0"), unit: "count", detail: `latest scan ${row["at"]}: ${row["blocking"]} blocking` };
}

const kpi = z.object({ id: z.string(), title: z.string(), available: z.boolean(), value: z.string().nullable(), unit: z.string(), detail: z.string() });

export function registerTagRoutes(app: ZApp, ctx: ServerContext): void {
  app.get(
    "/api/v1/tag-coverage",
    {
      config: { policy: { access: "read", team: "deny" } },
      schema: {
        summary: "Tag coverage for a month: the share of effective cost carrying each tag key",
        tags: ["governance"],
        querystring: z.object({ month: z.string().regex(/^\d{4}-\d{2}$/).optional(), currency: z.string().max(8).optional() }),
        response: { 200: coverageSchema, ...errorResponses },
      },
    },
    async (req) => ctx.cached(`tags:${JSON.stringify([req.query.month ?? null, req.query.currency ?? null])}`, () => ctx.readers.use((s) => tagCoverage(ctx, s, req.query.month, req.query.currency))),
  );

  app.get(
    "/api/v1/kpis",
    {
      config: { policy: { access: "read", team: "deny" } },
      schema: {
        summary: "KPI scorecard: tagged spend %, forecast variance, alert latency, savings realized, open findings",
        tags: ["kpis"],
        querystring: z.object({ tagKey: z.string().max(512).default("team") }),
        response: { 200: z.object({ month: z.string().nullable(), currency: z.string().nullable(), kpis: z.array(kpi) }), ...errorResponses },
      },
    },
    async (req) =>
      ctx.cached(`kpis:${req.query.tagKey}`, () => ctx.readers.use(async (s) => {
        const cov = await tagCoverage(ctx, s, undefined, undefined);
        const key = cov.keys.find((k) => k.key === req.query.tagKey);
        const anyTag = cov.total === "0" ? null : percentOf(formatMoney(parseMoney(cov.total) - parseMoney(cov.untagged)), cov.total);
        const kpis: Kpi[] = [
          {
            id: "tagged-spend",
            title: `Spend tagged with ${req.query.tagKey}`,
            available: cov.month !== null,
            value: cov.month === null ? null : (key?.percent ?? (parseMoney(cov.total) === 0n ? null : "0.0")),
            unit: "%",
            detail: cov.month === null ? "no cost data" : `${cov.month}, ${cov.currency}; spend with any tag: ${anyTag ?? "n/a"}%`,
          },
        ];
        kpis.push(await forecastVarianceKpi(ctx, s), await alertLatencyKpi(ctx, s), await savingsKpi(ctx, s), await openFindingsKpi(ctx, s));
        return { month: cov.month, currency: cov.currency, kpis };
      })),
  );
}

export { percentChange };
