/**
 * The Backstage Cost Insights backend, replayed as the plugin calls it (CostInsightsApi, shapes from the plugin's
 * published API report), on the demo store: every sum is checked against the engine's query functions — the typed
 * cost query behind `costwise query` and /api/v1/costs/query, and the allocation read model behind
 * /api/v1/allocation/query — to the cent after rounding. A team-bound token sees only its team.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CostwiseConfig } from "../../src/core/config/schema.js";
import { addDays } from "../../src/core/detect/series.js";
import { addMoney, formatMoney, parseMoney, subMoney, toCents } from "../../src/core/money.js";
import { runDemoAnalyses } from "../../src/demo/analyses.js";
import { runDemo } from "../../src/demo/run-demo.js";
import { runAllocationQuery } from "../../src/engine/allocation/read-model.js";
import { createToken } from "../../src/engine/auth/tokens.js";
import { lastCompleteDayFromStore } from "../../src/engine/detect/load-series.js";
import { parseApiQuery, runApiQuery } from "../../src/engine/query/api-query.js";
import { METRICS_TABLE } from "../../src/engine/metrics/tables.js";
import { sql } from "../../src/engine/store/cost-store.js";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { buildServer, type App } from "../../src/server/app.js";
import { tempDir } from "../helpers/store.js";

interface Agg {
  date: string;
  amount: number;
}
interface Cost {
  id: string;
  aggregation: Agg[];
  change: { amount: number; ratio?: number };
  groupedCosts?: Record<string, { id: string; aggregation: Agg[]; change: { amount: number; ratio?: number } }[]>;
  currency: string | null;
}
interface Entity {
  id: string | null;
  aggregation: [number, number];
  change: { amount: number; ratio?: number };
  entities: Record<string, Entity[]>;
  currency?: string | null;
}

let work: { dir: string; cleanup: () => void };
let store: DuckDbStore;
let app: App;
let config: CostwiseConfig;
let admin: string;
let payments: string;
let lastDay: string;
let end: string;

beforeAll(async () => {
  work = tempDir("costwise-cost-insights-");
  store = await DuckDbStore.open(join(work.dir, "s.duckdb"));
  const summary = await runDemo(store, { seed: 42, months: 3, scale: 0.2, dataDir: join(work.dir, "demo"), focusSample: null });
  config = (await runDemoAnalyses(store, summary, { configDir: work.dir })).config;
  admin = (await createToken(store, { name: "backstage", role: "viewer" })).token;
  payments = (await createToken(store, { name: "payments-backstage", role: "viewer", team: "payments" })).token;
  app = await buildServer({ store, logLevel: false, webDir: join(work.dir, "no-web"), warm: false, workspace: { config, baseDir: work.dir } });
  lastDay = (await lastCompleteDayFromStore(store))!;
  end = addDays(lastDay, 1);
}, 240_000);

afterAll(async () => {
  await app?.close();
  await store?.close();
  rmSync(work.dir, { recursive: true, force: true });
});

async function get<T>(url: string, token = admin, status = 200): Promise<T> {
  const r = await app.inject({ method: "GET", url, headers: { authorization: `Bearer ${token}` } });
  expect(r.statusCode, r.body).toBe(status);
  return r.json() as T;
}

const cents = (n: number): string => n.toFixed(2);
const sumAgg = (a: Agg[]): string => addMoney(formatMoney(0n), ...a.map((x) => String(x.amount)));

/** Each day of `agg` is the reference's exact day rounded to the cent (0 where the reference has none). */
function expectDays(agg: Agg[], reference: Map<string, string>): void {
  for (const a of agg) expect(cents(a.amount), a.date).toBe(toCents(reference.get(a.date) ?? "0"));
  // and the window's days are all there
  expect([...reference.keys()].filter((d) => d >= agg[0]!.date && d <= agg[agg.length - 1]!.date).every((d) => agg.some((a) => a.date === d))).toBe(true);
}

/** The allocation read model's daily amounts for a team (and filters) over [start, end) in a currency. */
async function allocDays(team: string, start: string, stop: string, currency: string, more: { on: string; value: string }[] = []): Promise<Map<string, string>> {
  const rows = await runAllocationQuery(
    store,
    { granularity: "day", filters: [{ on: "team", op: "eq", value: team }, { on: "currency", op: "eq", value: currency }, ...more.map((m) => ({ ...m, op: "eq" as const }))], start, end: stop },
    null,
  );
  return new Map(rows.map((r) => [r["period"]!, r["amount"] ?? "0"]));
}

/** The allocation read model's total for a team (and filters) over [start, end) in a currency. */
async function allocTotal(team: string, start: string, stop: string, currency: string, more: { on: string; value: string }[] = []): Promise<string> {
  const rows = await runAllocationQuery(
    store,
    { filters: [{ on: "team", op: "eq", value: team }, { on: "currency", op: "eq", value: currency }, ...more.map((m) => ({ ...m, op: "eq" as const }))], start, end: stop },
    null,
  );
  return addMoney(formatMoney(0n), ...rows.map((r) => r["amount"] ?? "0"));
}

describe("Cost Insights backend on the demo store", () => {
  it("getLastCompleteBillingDate is the store's last complete day", async () => {
    const r = await get<{ lastCompleteBillingDate: string }>("/api/v1/cost-insights/last-complete-billing-date");
    expect(r.lastCompleteBillingDate).toBe(lastDay);
    expect(lastDay).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("getUserGroups lists the allocation owners, getGroupProjects their sub-accounts", async () => {
    const groups = await get<{ id: string; name?: string }[]>("/api/v1/cost-insights/groups?userId=jane");
    const teams = new Set((await runAllocationQuery(store, { groupBy: ["team"] }, null)).map((r) => r["team"]));
    expect(new Set(groups.map((g) => g.id))).toEqual(teams);
    expect(groups.map((g) => g.id)).toContain("payments");
    const projects = await get<{ id: string }[]>("/api/v1/cost-insights/groups/payments/projects");
    const accounts = new Set((await runAllocationQuery(store, { groupBy: ["sub_account_id"], filters: [{ on: "team", op: "eq", value: "payments" }] }, null)).map((r) => r["sub_account_id"]));
    expect(projects.length).toBeGreaterThan(0);
    expect(new Set(projects.map((p) => p.id))).toEqual(accounts);
  });

  it("getGroupDailyCost: every day, the change and the breakdowns equal the allocation query to the cent", async () => {
    const intervals = `R2/P30D/${end}`;
    const start = addDays(end, -60);
    const mid = addDays(end, -30);
    const c = await get<Cost>(`/api/v1/cost-insights/groups/payments/daily-cost?intervals=${encodeURIComponent(intervals)}`);
    expect(c.id).toBe("payments");
    expect(c.currency).toBe("USD");
    expect(c.aggregation).toHaveLength(60);
    expect(c.aggregation[0]!.date).toBe(start);
    expect(c.aggregation[59]!.date).toBe(lastDay);
    // each day: the allocation query's day, rounded to the cent
    const days = await runAllocationQuery(store, { granularity: "day", filters: [{ on: "team", op: "eq", value: "payments" }, { on: "currency", op: "eq", value: "USD" }], start, end }, null);
    const byDay = new Map(days.map((d) => [d["period"], d["amount"]!]));
    expectDays(c.aggregation, byDay as Map<string, string>);
    // the change: last 30 days − first 30 days, exact then rounded
    const first = await allocTotal("payments", start, mid, "USD");
    const last = await allocTotal("payments", mid, end, "USD");
    expect(cents(c.change.amount)).toBe(toCents(subMoney(last, first)));
    expect(c.change.ratio).toBeCloseTo(Number(subMoney(last, first)) / Number(first), 5);
    // the product breakdown: each service's total over the window, the parts adding up to the whole
    const products = c.groupedCosts!["product"]!;
    expect(products.length).toBeGreaterThan(1);
    const top = products[0]!;
    expectDays(top.aggregation, await allocDays("payments", start, end, "USD", [{ on: "service_name", value: top.id }]));
    const whole = sumAgg(c.aggregation);
    const parts = addMoney(formatMoney(0n), ...products.map((p) => sumAgg(p.aggregation)));
    // rounded per day and per part: within half a cent per rounded amount
    expect(Math.abs(Number(subMoney(whole, parts)))).toBeLessThanOrEqual(0.005 * 60 * (products.length + 1));
    expect(c.groupedCosts!["project"]!.length).toBeGreaterThan(0);
  });

  it("the groups' costs add up to `costwise query`'s total (allocated + unallocated = billed)", async () => {
    const intervals = `R1/P30D/${end}`;
    const start = addDays(end, -30);
    const groups = await get<{ id: string }[]>("/api/v1/cost-insights/groups");
    let sum = 0n;
    for (const g of groups) {
      const c = await get<Cost>(`/api/v1/cost-insights/groups/${encodeURIComponent(g.id)}/daily-cost?intervals=${intervals}&currency=USD`);
      sum += parseMoney(await allocTotal(g.id, start, end, "USD"));
      expect(c.currency).toBe("USD");
    }
    const q = await runApiQuery(store, parseApiQuery({ metric: "EffectiveCost", filters: [{ on: "BillingCurrency", op: "eq", value: "USD" }], start, end }), true);
    expect(toCents(formatMoney(sum))).toBe(toCents(q.rows[0]!["EffectiveCost"]!));
  });

  it("getProjectDailyCost: a sub-account's months (R2/P1M/) equal `costwise query` by SubAccountId to the cent", async () => {
    const projects = await get<{ id: string }[]>("/api/v1/cost-insights/groups/payments/projects");
    const project = projects[0]!.id;
    const monthEnd = `${lastDay.slice(0, 7)}-01`; // the last complete month ends at the current month's first day
    const c = await get<Cost>(`/api/v1/cost-insights/projects/${encodeURIComponent(project)}/daily-cost?intervals=${encodeURIComponent(`R2/P1M/${monthEnd}`)}`);
    const start = c.aggregation[0]!.date;
    expect(start.endsWith("-01")).toBe(true);
    const filters = [{ on: "SubAccountId", op: "eq", value: project }, { on: "BillingCurrency", op: "eq", value: "USD" }];
    const daily = await runApiQuery(store, parseApiQuery({ metric: "EffectiveCost", granularity: "day", filters, start, end: monthEnd }), true);
    expectDays(c.aggregation, new Map(daily.rows.map((r) => [r["period"]!.slice(0, 10), r["EffectiveCost"]!])));
    const monthly = await runApiQuery(store, parseApiQuery({ metric: "EffectiveCost", granularity: "month", filters, start, end: monthEnd }), true);
    const months = monthly.rows.map((r) => r["EffectiveCost"]!);
    expect(months).toHaveLength(2);
    expect(cents(c.change.amount)).toBe(toCents(subMoney(months[1]!, months[0]!)));
    expect(c.groupedCosts!["product"]!.length).toBeGreaterThan(0);
    expect(c.groupedCosts!["project"]).toBeUndefined();
  });

  it("getProductInsights (R2/P3M/ and P30D): a service's two periods and its resources equal the allocation query", async () => {
    const products = await get<{ kind: string; name: string }[]>("/api/v1/cost-insights/products");
    const ec2 = products.find((p) => p.name.includes("Elastic Compute Cloud"))!;
    expect(ec2.kind).toBe("amazon-elastic-compute-cloud");
    const e = await get<Entity>(`/api/v1/cost-insights/products/${ec2.kind}/insights?group=payments&intervals=${encodeURIComponent(`R2/P30D/${end}`)}`);
    expect(e.id).toBe(ec2.name);
    const prev = await allocTotal("payments", addDays(end, -60), addDays(end, -30), "USD", [{ on: "service_name", value: ec2.name }]);
    const cur = await allocTotal("payments", addDays(end, -30), end, "USD", [{ on: "service_name", value: ec2.name }]);
    expect(e.aggregation.map(cents)).toEqual([toCents(prev), toCents(cur)]);
    expect(cents(e.change.amount)).toBe(toCents(subMoney(cur, prev)));
    const resources = e.entities["resource"]!;
    expect(resources.length).toBeGreaterThan(0);
    const r0 = resources[0]!;
    expect(cents(r0.aggregation[1])).toBe(toCents(await allocTotal("payments", addDays(end, -30), end, "USD", [{ on: "service_name", value: ec2.name }, { on: "resource_id", value: r0.id! }])));
    // the quarter form parses and answers (the demo spans 3 months, so the earlier quarter may be empty)
    const q = await get<Entity>(`/api/v1/cost-insights/products/${encodeURIComponent(ec2.name)}/insights?group=payments&intervals=${encodeURIComponent(`R2/P3M/${end}`)}`);
    expect(q.aggregation[1]).toBeGreaterThan(0);
    // an unknown product is empty, not an error
    const none = await get<Entity>(`/api/v1/cost-insights/products/no-such-product/insights?group=payments&intervals=R2/P30D/${end}`);
    expect(none.aggregation).toEqual([0, 0]);
  });

  it("getDailyMetricData: a business metric's days equal business_metrics", async () => {
    const metrics = await get<{ kind: string; name: string; default: boolean }[]>("/api/v1/cost-insights/metrics");
    expect(metrics.length).toBeGreaterThan(0);
    const m = metrics[0]!;
    const md = await get<{ id: string; format: string; aggregation: Agg[]; change: { amount: number } }>(`/api/v1/cost-insights/metrics/${encodeURIComponent(m.kind)}/daily?intervals=R2/P30D/${end}`);
    expect(md.format).toBe("number");
    expect(md.aggregation).toHaveLength(60);
    const rows = await store.all(
      sql(`SELECT sum(value)::VARCHAR AS v FROM ${METRICS_TABLE} WHERE metric = ? AND ts >= CAST(? AS TIMESTAMP) AND ts < CAST(? AS TIMESTAMP)`, m.kind, addDays(end, -60), end),
    );
    expect(Number(sumAgg(md.aggregation))).toBeCloseTo(Number(rows[0]!["v"] ?? 0), 4);
    await get(`/api/v1/cost-insights/metrics/nope/daily?intervals=R2/P30D/${end}`, admin, 404);
  });

  it("getAlerts: the group's open recommendations (and anomalies, budgets) as data with dashboard links", async () => {
    const alerts = await get<{ kind: string; id: string; url: string; amount: number; currency: string }[]>("/api/v1/cost-insights/groups/payments/alerts");
    const recs = (await get<{ items: { id: number; owner: string | null; status: string; monthlySaving: string }[] }>("/api/v1/recommendations")).items.filter((r) => r.owner === "payments" && r.status === "open");
    const fromAlerts = alerts.filter((a) => a.kind === "recommendation");
    expect(fromAlerts.length).toBeGreaterThan(0);
    expect(fromAlerts.map((a) => a.id).sort()).toEqual(recs.map((r) => String(r.id)).sort());
    for (const a of fromAlerts) {
      const r = recs.find((x) => String(x.id) === a.id)!;
      expect(cents(a.amount)).toBe(toCents(r.monthlySaving));
      expect(a.url).toBe(`/recommendations?id=${a.id}`);
    }
    for (const a of alerts.filter((x) => x.kind === "anomaly")) expect(a.url).toMatch(/^\/anomalies\?anomaly=/);
  });

  it("a team-bound token sees its own group only; other groups do not exist for it", async () => {
    const groups = await get<{ id: string }[]>("/api/v1/cost-insights/groups", payments);
    expect(groups).toEqual([{ id: "payments", name: "payments" }]);
    await get(`/api/v1/cost-insights/groups/web/daily-cost?intervals=R2/P30D/${end}`, payments, 404);
    await get(`/api/v1/cost-insights/groups/web/alerts`, payments, 404);
    await get(`/api/v1/cost-insights/products/x/insights?group=web&intervals=R2/P30D/${end}`, payments, 404);
    // a project read by a team token is the team's share of that project only
    const projects = await get<{ id: string }[]>("/api/v1/cost-insights/groups/payments/projects", payments);
    // a project other teams have cost on too (shared accounts and the unallocated bucket)
    const teamsPerAccount = await runAllocationQuery(store, { groupBy: ["sub_account_id", "team"], start: addDays(end, -30), end }, null);
    const shared = projects.map((x) => x.id).filter((id) => teamsPerAccount.filter((r) => r["sub_account_id"] === id).length > 1);
    expect(shared.length).toBeGreaterThan(0);
    const p = shared[0]!;
    const mine = await get<Cost>(`/api/v1/cost-insights/projects/${encodeURIComponent(p)}/daily-cost?intervals=R1/P30D/${end}`, payments);
    expectDays(mine.aggregation, await allocDays("payments", addDays(end, -30), end, mine.currency!, [{ on: "sub_account_id", value: p }]));
    // and not the whole project's (other teams have cost on it)
    const whole = await get<Cost>(`/api/v1/cost-insights/projects/${encodeURIComponent(p)}/daily-cost?intervals=R1/P30D/${end}&currency=${mine.currency}`);
    expect(Number(sumAgg(whole.aggregation))).toBeGreaterThan(Number(sumAgg(mine.aggregation)));
    await get("/api/v1/cost-insights/metrics", payments, 403);
  });

  it("refuses malformed intervals with a message naming the text and the expected forms", async () => {
    const r = await app.inject({ method: "GET", url: "/api/v1/cost-insights/groups/payments/daily-cost?intervals=R2/P30X/2020-09-01", headers: { authorization: `Bearer ${admin}` } });
    expect(r.statusCode).toBe(400);
    expect(r.json().detail).toMatch(/intervals "R2\/P30X\/2020-09-01".*not a duration.*expected R<n>\/P<k>D\/<end day>/);
    // no end day: the day after the last complete billing day
    const c = await get<Cost>("/api/v1/cost-insights/groups/payments/daily-cost?intervals=R2/P7D/");
    expect(c.aggregation[c.aggregation.length - 1]!.date).toBe(lastDay);
    expect(c.aggregation).toHaveLength(14);
  });
});
