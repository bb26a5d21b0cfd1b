/** Tag coverage (share of spend carrying each tag key) and the KPI scorecard. Organisation-wide: unscoped callers only. */
import { z } from "zod";
import { formatMoney, parseMoney } from "../../core/money.js";
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
        const kpis: z.infer<typeof kpi>[] = [
          {
            id: "tagged-spend",
            title: `Spend tagged with ${req.query.tagKey}`,
            available: cov.month !== null,
            value: cov.month === null ? null : (key?.percent ?? (parseMoney(cov.total) === 0n ? null : "0.0")),
            unit: "%",
            detail: cov.month === null ? "no cost data" : `${cov.month}, ${cov.currency}; spend with any tag: ${anyTag ?? "n/a"}%`,
          },
        ];
        const pending: [string, string, string, string][] = [
          ["forecast-variance", "Forecast variance", "%", "forecasts"],
          ["alert-latency", "Alert latency", "hours", "anomalies"],
          ["savings-realized", "Savings realized", "money", "recommendations"],
          ["open-findings", "Open governance findings", "count", "governance"],
        ];
        for (const [id, title, unit, feature] of pending) {
          const a = await availability(s, feature);
          kpis.push({ id, title, available: false, value: null, unit, detail: a.available ? "data present; not computed by this server version yet" : `${a.reason}: run ${a.produceWith}` });
        }
        return { month: cov.month, currency: cov.currency, kpis };
      })),
  );
}

export { percentChange };
