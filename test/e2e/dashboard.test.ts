/**
 * The dashboard in a real headless Chromium (Debian's /usr/bin/chromium via playwright-core) against a
 * real `costwise serve` on a small demo store: every page loads without an error state, the numbers
 * shown equal the API's, a filter narrows the explorer (and lands in the URL), screenshots go to
 * test-artifacts/e2e/. Under CI=true a missing Chromium fails; locally the suite is skipped loudly.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken } from "../../src/engine/auth/tokens.js";
import { runDemoAnalyses } from "../../src/demo/analyses.js";
import { runDemo } from "../../src/demo/run-demo.js";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { startServer, type RunningServer } from "../../src/server/serve.js";

const CHROMIUM = "/usr/bin/chromium";
const ROOT = resolve(import.meta.dirname, "../..");
const WEB_DIST = join(ROOT, "web/dist");
const ARTIFACTS = join(ROOT, "test-artifacts/e2e");
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env["CI"] === "true") throw new Error(`${CHROMIUM} is missing: the dashboard browser tests need Debian's chromium package (CI installs it)`);
  console.warn(`\n⚠ SKIPPING dashboard browser tests: ${CHROMIUM} is not installed (apt-get install chromium). Under CI=true this fails.\n`);
}

const fmt = (amount: string, currency: string) => new Intl.NumberFormat("en-US", { style: "currency", currency }).format(amount as unknown as number);

describe.skipIf(!haveChromium)("dashboard in headless Chromium", () => {
  let dir: string;
  let store: DuckDbStore;
  let server: RunningServer;
  let context: BrowserContext;
  let page: Page;
  let base: string;

  /** The token the API helper sends (set by the team-scoped test, the last one: once a token exists, every request needs one). */
  let token: string | undefined;
  const api = async <T>(path: string, body?: unknown): Promise<T> => {
    const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    const res = await fetch(new URL(path, base), body === undefined ? { headers: auth } : { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify(body) });
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  };

  /** Opens a page and waits until nothing is loading; fails on an error state. */
  const open = async (path: string, shot: string): Promise<void> => {
    await page.goto(new URL(path, base).toString());
    await page.waitForSelector("main[data-page]");
    await page.waitForFunction(() => document.querySelectorAll("[data-state=loading]").length === 0, undefined, { timeout: 20_000 });
    await page.waitForTimeout(300); // charts animate in
    const errors = await page.locator("main [data-state=error]").allInnerTexts();
    expect(errors, `${path} shows an error`).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, `${shot}.png`), fullPage: true });
  };

  beforeAll(async () => {
    if (!existsSync(join(WEB_DIST, "index.html"))) {
      execFileSync("npm", ["run", "build:web"], { cwd: ROOT, stdio: "inherit" });
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), "costwise-e2e-"));
    store = await DuckDbStore.open(join(dir, "demo.duckdb"));
    const summary = await runDemo(store, { seed: 42, months: 3, scale: 0.2, dataDir: join(dir, "demo"), focusSample: null });
    // what `costwise demo` runs after the ingest: allocation, anomalies, budgets + forecasts, recommendations, governance scan
    const { config } = await runDemoAnalyses(store, summary, { configDir: dir });
    server = await startServer(store, { store, host: "127.0.0.1", port: 0, logLevel: "warn", webDir: WEB_DIST, workspace: { config, baseDir: dir } });
    base = server.url;
    context = await chromium.launchPersistentContext(join(dir, "chromium-profile"), {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      headless: true,
      viewport: { width: 1280, height: 800 },
      locale: "en-US",
    });
    page = context.pages()[0] ?? (await context.newPage());
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("loads the overview fast and shows the API's month-over-month numbers", async () => {
    const t0 = performance.now();
    await open("/", "overview");
    console.log(`dashboard first load (overview, data shown): ${Math.round(performance.now() - t0)} ms`);
    const o = await api<{ currency: string; monthOverMonth: { amount: string; change: string } }>("/api/v1/overview");
    const mom = page.getByTestId("mom-amount");
    expect(await mom.getAttribute("data-amount")).toBe(o.monthOverMonth.amount);
    expect(await mom.innerText()).toBe(fmt(o.monthOverMonth.amount, o.currency));
    expect(await page.getByTestId("mom-change").getAttribute("data-amount")).toBe(o.monthOverMonth.change);
    expect(await page.locator("[data-testid=trend-chart] canvas").count()).toBe(1);
    expect(await page.locator("[data-testid=movers] tbody tr").count()).toBeGreaterThan(0);
  });

  it("overview: the forecast band and the budget line show the API's numbers", async () => {
    await open("/", "overview-forecast-budget");
    const o = await api<{ currency: string; budget: { available: boolean; monthlyAmount: string }; forecast: { available: boolean; points: { expected: string; lower: string; upper: string }[] } }>("/api/v1/overview");
    expect(o.budget.available).toBe(true);
    expect(o.forecast.available).toBe(true);
    const budget = page.getByTestId("budget-amount");
    expect(await budget.getAttribute("data-amount")).toBe(o.budget.monthlyAmount);
    expect(await budget.innerText()).toBe(fmt(o.budget.monthlyAmount, o.currency));
    expect(await page.getByTestId("forecast-next").getAttribute("data-amount")).toBe(o.forecast.points[0]!.expected);
    expect(await page.getByTestId("forecast-next").innerText()).toBe(fmt(o.forecast.points[0]!.expected, o.currency));
    expect(await page.getByTestId("forecast-next-lower").getAttribute("data-amount")).toBe(o.forecast.points[0]!.lower);
    expect(await page.getByTestId("forecast-next-upper").getAttribute("data-amount")).toBe(o.forecast.points[0]!.upper);
  });

  it("overview: the daily line and the monthly bars end at the API's last complete day (the store's freshness)", async () => {
    await open("/", "overview-time");
    type O = { lastDay: string; lastCompleteDay: string | null; daily: { period: string }[]; monthly: { period: string }[] };
    const o = await api<O>("/api/v1/overview");
    const sources = await api<{ lastCompleteDay: string | null }[]>("/api/v1/sources");
    // the demo's sources are all active: the store's last complete day is the earliest of theirs
    expect(o.lastCompleteDay).toBe(sources.map((x) => x.lastCompleteDay!).sort()[0]);
    expect(await page.getByTestId("last-day").innerText()).toBe(o.lastCompleteDay);
    const completeDays = o.daily.map((p) => p.period.slice(0, 10)).filter((d) => d <= o.lastCompleteDay!);
    const trend = page.getByTestId("trend-chart");
    expect(await trend.getAttribute("data-complete-through")).toBe(completeDays.at(-1));
    expect(await trend.getAttribute("data-arriving")).toBe(String(o.daily.length - completeDays.length));
    // a month is drawn solid only when its last day is complete
    const lastMonthComplete = o.monthly.map((p) => p.period.slice(0, 10)).filter((m) => {
      const next = new Date(`${m}T00:00:00Z`);
      next.setUTCMonth(next.getUTCMonth() + 1);
      return new Date(next.getTime() - 86_400_000).toISOString().slice(0, 10) <= o.lastCompleteDay!;
    });
    expect(await page.getByTestId("monthly-chart").getAttribute("data-complete-through")).toBe(lastMonthComplete.at(-1)?.slice(0, 7) ?? "");
  });

  it("overview: days after the last complete day are left out of the solid line and shaded as still arriving", async () => {
    // the demo's bill is complete through its last charge: the answer is moved back 3 days, as a bill delivered mid-week
    const route = "**/api/v1/overview*";
    let moved = "";
    await page.route(route, async (r) => {
      const res = await r.fetch();
      const o = (await res.json()) as { daily: { period: string }[]; lastCompleteDay: string | null };
      moved = o.daily.at(-4)!.period.slice(0, 10);
      await r.fulfill({ response: res, json: { ...o, lastCompleteDay: moved } });
    });
    try {
      await open("/", "overview-arriving");
      const trend = page.getByTestId("trend-chart");
      expect(moved).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(await trend.getAttribute("data-complete-through")).toBe(moved);
      expect(await trend.getAttribute("data-arriving")).toBe("3");
      expect(await page.getByTestId("arriving-note").innerText()).toContain(`3 days after ${moved}`);
      expect(await page.getByTestId("last-day").innerText()).toBe(moved);
      // the current month is not complete any more: it is drawn apart, "so far"
      expect(await page.getByTestId("month-so-far-note").innerText()).toContain(moved.slice(0, 7));
    } finally {
      await page.unroute(route);
    }
    // the explorer's daily chart: the same day (from /api/v1/costs/dimensions) fades and shades the later days
    const dims = "**/api/v1/costs/dimensions*";
    await page.route(dims, async (r) => {
      const res = await r.fetch();
      await r.fulfill({ response: res, json: { ...((await res.json()) as object), lastCompleteDay: moved } });
    });
    try {
      await open("/explorer?metric=EffectiveCost&groupBy=ServiceName&granularity=day", "explorer-arriving");
      expect(await page.getByTestId("explorer-chart").getAttribute("data-complete-through")).toBe(moved);
      expect(await page.getByTestId("arriving-note").innerText()).toContain(`after ${moved}`);
    } finally {
      await page.unroute(dims);
    }
    const d = await api<{ lastCompleteDay: string | null }>("/api/v1/costs/dimensions");
    expect(d.lastCompleteDay).toBe((await api<{ lastCompleteDay: string | null }>("/api/v1/overview")).lastCompleteDay);
  });

  it("commitment and purchase names read as words, hourly commitments with the currency's digits", async () => {
    await open("/commitments", "commitments-names");
    const c = await api<{ commitments: { type: string | null }[]; purchases: { id: number; plan: string; hourlyCommitment: string; currency: string }[] }>("/api/v1/commitments?days=30");
    const p = c.purchases[0]!;
    expect(p.plan).toMatch(/^[a-z0-9-]+-\d+y-(no|partial|all)-upfront$/);
    const view = page.getByTestId(`purchase-${p.id}`);
    const plan = await view.getByTestId("purchase-plan").innerText();
    expect(plan).toMatch(/^(Compute|EC2 Instance|SageMaker|Database) Savings Plan, \d+ years?, (no|partial|all) upfront$/);
    expect(await view.getByTestId("purchase-action").innerText()).toBe(`Buy ${/^[AEIOU]/.test(plan) ? "an" : "a"} ${plan}: ${fmt(p.hourlyCommitment, p.currency)}/hour`);
    expect(await view.getByTestId("purchase-hourly").innerText()).toBe(`${fmt(p.hourlyCommitment, p.currency)}/hour`);
    const text = await page.locator("main").innerText();
    expect(text).not.toContain(p.plan);
    expect(text).not.toMatch(/\d\.\d{5,}/); // no raw decimal strings (20.4232840000)
    const types = await page.locator("[data-testid=commitments-table] tbody td[data-type]").allInnerTexts();
    expect(types).toHaveLength(c.commitments.length);
    for (const t of types) expect(t).toMatch(/^[A-Z][A-Za-z0-9]*( [A-Z0-9][A-Za-z0-9]*)*$/);

    await open("/recommendations", "recommendations-names");
    const actions = await page.locator("[data-testid=recs-table] tbody tr td.wrap").allInnerTexts();
    expect(actions.some((a) => a.startsWith("Buy "))).toBe(true);
    for (const a of actions) expect(a).not.toMatch(/-upfront|\d\.\d{5,}/);
  });

  it("commitments: utilization, coverage, savings and the recommended purchase equal the API's; the window lands in the URL", async () => {
    await open("/commitments", "commitments");
    type C = {
      currency: string;
      window: { days: number };
      overall: { utilization: string; coverage: string; effectiveSavingsRate: string; netSavings: string; onDemandEligible: string };
      commitments: { commitmentId: string; used: string }[];
      purchases: { id: number; monthlySaving: string; hourlyCommitment: string; currency: string; alternatives: unknown[] }[];
    };
    const c = await api<C>("/api/v1/commitments?days=30");
    expect(c.commitments.length).toBeGreaterThan(0);
    expect(await page.getByTestId("commit-utilization").getAttribute("data-value")).toBe(c.overall.utilization);
    expect(await page.getByTestId("commit-utilization").innerText()).toBe(new Intl.NumberFormat("en-US", { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(c.overall.utilization as unknown as number));
    expect(await page.getByTestId("commit-coverage").getAttribute("data-value")).toBe(c.overall.coverage);
    expect(await page.getByTestId("commit-esr").getAttribute("data-value")).toBe(c.overall.effectiveSavingsRate);
    expect(await page.getByTestId("commit-net-savings").getAttribute("data-amount")).toBe(c.overall.netSavings);
    expect(await page.getByTestId("commit-on-demand").innerText()).toBe(fmt(c.overall.onDemandEligible, c.currency));
    const rows = page.locator("[data-testid=commitments-table] tbody tr");
    expect(await rows.count()).toBe(c.commitments.length);
    expect(await rows.first().locator(".money").first().getAttribute("data-amount")).toBe(c.commitments[0]!.used);
    expect(await page.locator("[data-testid=commitments-chart] canvas").count()).toBe(1);
    expect(c.purchases).toHaveLength(1);
    const p = c.purchases[0]!;
    const view = page.getByTestId(`purchase-${p.id}`);
    expect(await view.getByTestId("purchase-saving").getAttribute("data-amount")).toBe(p.monthlySaving);
    expect(await view.getByTestId("purchase-saving").innerText()).toBe(fmt(p.monthlySaving, p.currency));
    expect(await view.getByTestId("purchase-hourly").getAttribute("data-amount")).toBe(p.hourlyCommitment);

    await page.getByTestId("commitments-window").selectOption("90");
    await page.waitForFunction(() => new URLSearchParams(location.search).get("days") === "90");
    await page.waitForFunction(() => document.querySelectorAll("[data-state=loading]").length === 0);
    const c90 = await api<C>("/api/v1/commitments?days=90");
    await expect.poll(() => page.getByTestId("commit-utilization").getAttribute("data-value")).toBe(c90.overall.utilization);
    expect(await page.getByTestId("commit-coverage").getAttribute("data-value")).toBe(c90.overall.coverage);
    await page.screenshot({ path: join(ARTIFACTS, "commitments-90d.png"), fullPage: true });
  });

  it("governance: the demo scan's findings, by rule and by team, equal the API's; a rule filter narrows the list", async () => {
    await open("/governance", "governance");
    type G = { summary: { findings: number; byRule: { ruleId: string; findings: number }[]; byTeam: { team: string }[] }; items: { rule_id: string; monthly_cost: string | null; currency: string }[] };
    const g = await api<G>("/api/v1/governance/findings");
    expect(g.summary.findings).toBeGreaterThan(0);
    expect(await page.getByTestId("findings-count").getAttribute("data-value")).toBe(String(g.summary.findings));
    const rules = [...new Set(g.summary.byRule.map((r) => r.ruleId))];
    expect(await page.locator("[data-testid=findings-by-rule] tbody tr").count()).toBe(rules.length);
    expect(await page.locator("[data-testid=findings-by-team] tbody tr").count()).toBe(new Set(g.summary.byTeam.map((t) => t.team)).size);
    const first = g.items[0]!;
    const cell = page.locator("[data-testid=findings-table] tbody tr").first().locator(".money");
    expect(await cell.getAttribute("data-amount")).toBe(first.monthly_cost);
    expect(await cell.innerText()).toBe(fmt(first.monthly_cost!, first.currency));

    const rule = "required-team";
    const count = g.summary.byRule.filter((r) => r.ruleId === rule).reduce((a, r) => a + r.findings, 0);
    await page.locator(`[data-testid=findings-by-rule] tr[data-rule=${rule}] a`).click();
    await page.waitForFunction((r) => new URLSearchParams(location.search).get("rule") === r, rule);
    expect(await page.getByTestId("rule-chip").count()).toBe(1);
    const shown = await page.locator("[data-testid=findings-table] tbody tr td:nth-child(2)").allInnerTexts();
    expect(shown.length).toBe(Math.min(50, count));
    expect(new Set(shown)).toEqual(new Set([rule]));
    await page.screenshot({ path: join(ARTIFACTS, "governance-rule.png"), fullPage: true });
  });

  it("explorer: the total equals the API's, and a filter narrows it and lands in the URL", async () => {
    await open("/explorer", "explorer");
    const body = { metric: "EffectiveCost", groupBy: ["ServiceName"], filters: [], granularity: "month", limit: 2000 };
    const all = await api<{ totals: { byUnit: { unit: string; total: string }[] }; rows: Record<string, string>[] }>("/api/v1/costs/query", body);
    const total = page.getByTestId("query-total").locator(".money").first();
    expect(await total.getAttribute("data-amount")).toBe(all.totals.byUnit[0]!.total);
    expect(await total.innerText()).toBe(fmt(all.totals.byUnit[0]!.total, all.totals.byUnit[0]!.unit));

    const service = all.rows[0]!["ServiceName"]!;
    await page.getByTestId("filter-on").selectOption("ServiceName");
    await page.getByTestId("filter-op").selectOption("eq");
    await page.getByTestId("filter-value").fill(service);
    await page.getByTestId("add-filter").click();
    await page.waitForFunction((s) => (new URLSearchParams(location.search).get("filters") ?? "").includes(s), service);
    await page.waitForFunction(() => document.querySelectorAll("[data-state=loading]").length === 0);
    const filtered = await api<{ totals: { byUnit: { total: string }[] } }>("/api/v1/costs/query", { ...body, filters: [{ on: "ServiceName", op: "eq", value: service }] });
    await expect.poll(() => page.getByTestId("query-total").locator(".money").first().getAttribute("data-amount")).toBe(filtered.totals.byUnit[0]!.total);
    expect(filtered.totals.byUnit[0]!.total).not.toBe(all.totals.byUnit[0]!.total);
    expect(await page.getByTestId("filter-chip").count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, "explorer-filtered.png"), fullPage: true });

    // the URL alone restores the view (shareable)
    const url = page.url();
    await page.goto("about:blank");
    await open(url.replace(base, "/"), "explorer-from-url");
    expect(await page.getByTestId("query-total").locator(".money").first().getAttribute("data-amount")).toBe(filtered.totals.byUnit[0]!.total);
  });

  it("anomalies: expected vs actual chart and the first anomaly's root-cause breakdown equal the API's", async () => {
    await open("/anomalies", "anomalies-root-cause");
    type A = { items: { actual: string; currency: string; root_cause: { top: { kind: string; value: string; contribution: string }[] } | null }[] };
    const a = await api<A>("/api/v1/anomalies");
    expect(a.items.length).toBeGreaterThan(0);
    expect(await page.locator("[data-testid=anomaly-chart] canvas").count()).toBe(1);
    const first = a.items[0]!;
    const row = page.locator("[data-testid=anomalies-table] > tbody > tr").first();
    expect(await row.locator(".money").first().getAttribute("data-amount")).toBe(first.actual);
    expect(await row.locator(".money").first().innerText()).toBe(fmt(first.actual, first.currency));
    const rc = page.getByTestId("root-cause");
    const top = first.root_cause!.top;
    const cells = rc.locator("tbody tr");
    expect(await cells.count()).toBe(Math.min(8, top.length));
    expect(await cells.first().locator("td").nth(1).innerText()).toBe(top[0]!.value);
    expect(await cells.first().locator("td").nth(4).locator(".money").getAttribute("data-amount")).toBe(top[0]!.contribution);
  });

  it("commitments and governance show a loading state, then the API's problem as an error state", async () => {
    for (const [path, route] of [
      ["/commitments", "**/api/v1/commitments*"],
      ["/governance", "**/api/v1/governance/findings*"],
    ] as const) {
      let release: () => void = () => undefined;
      const held = new Promise<void>((r) => (release = r));
      await page.route(route, async (r) => {
        await held;
        await r.fulfill({
          status: 503,
          contentType: "application/problem+json",
          body: JSON.stringify({ type: "about:blank", title: "Service Unavailable", status: 503, detail: "the store is busy (test)", code: "UNAVAILABLE", requestId: "req-e2e-1" }),
        });
      });
      try {
        await page.goto(new URL(path, base).toString());
        await page.waitForSelector("main [data-state=loading]");
        release();
        const err = page.locator("main [data-state=error]");
        await err.waitFor();
        const text = await err.innerText();
        expect(text).toContain("503 Service Unavailable");
        expect(text).toContain("the store is busy (test)");
        expect(text).toContain("req-e2e-1");
        expect(text).toContain("The server failed: reload this page");
        await page.screenshot({ path: join(ARTIFACTS, `${path.slice(1)}-error.png`) });
      } finally {
        await page.unroute(route);
      }
    }
  });

  it("unit costs: the demo's cost per order and per 1,000 searches, as the API computes them", async () => {
    await open("/unit-costs", "unit-costs");
    const u = await api<{ availability: { available: boolean }; items: { name: string; cost: string; currency: string; unitCost: string | null }[] }>("/api/v1/unit-costs");
    expect(u.availability.available).toBe(true);
    expect(new Set(u.items.map((x) => x.name))).toEqual(new Set(["cost-per-order", "cost-per-1k-searches"]));
    const rows = page.locator("[data-testid=unit-costs-table] tbody tr");
    expect(await rows.count()).toBe(u.items.length);
    const first = rows.first();
    expect(await first.locator(".money").first().getAttribute("data-amount")).toBe(u.items[0]!.cost);
    expect(await first.locator(".money").first().innerText()).toBe(fmt(u.items[0]!.cost, u.items[0]!.currency));
  });

  it("tag coverage shows the API's totals and percentages", async () => {
    await open("/tags", "tags");
    const t = await api<{ total: string; keys: { key: string; percent: string | null }[] }>("/api/v1/tag-coverage");
    expect(await page.getByTestId("tags-total").getAttribute("data-amount")).toBe(t.total);
    const first = t.keys[0]!;
    expect(await page.getByTestId(`coverage-${first.key}`).innerText()).toBe(`${first.percent}%`);
  });

  it("KPI scorecard shows the API's tagged-spend value", async () => {
    await open("/kpis", "kpis");
    const k = await api<{ kpis: { id: string; value: string | null }[] }>("/api/v1/kpis");
    const tagged = k.kpis.find((x) => x.id === "tagged-spend")!;
    expect(await page.getByTestId("kpi-tagged-spend").locator(".tile-value").getAttribute("data-value")).toBe(tagged.value ?? "");
  });

  it("sources page lists what the API lists", async () => {
    await open("/sources", "sources");
    const s = await api<unknown[]>("/api/v1/sources");
    expect(await page.locator("[data-testid=sources-table] tbody tr").count()).toBe(s.length);
    // rows of one source are told apart (by billing account, or the configured source that loaded them)
    const which = await page.locator("[data-testid=sources-table] tbody tr").evaluateAll((trs) => trs.map((tr) => `${tr.getAttribute("data-source")}\u0000${tr.querySelector("[data-testid=source-which]")?.textContent ?? ""}`));
    expect(new Set(which).size).toBe(s.length);
  });

  it("every analysis page renders its data or says which command produces it", async () => {
    const features = await api<{ feature: string; available: boolean; produceWith?: string }[]>("/api/v1/features");
    for (const [path, feature] of [
      ["/teams", "allocation"],
      ["/anomalies", "anomalies"],
      ["/recommendations", "recommendations"],
      ["/governance", "governance"],
      ["/commitments", "commitments"],
      ["/unit-costs", "unit-costs"],
    ] as const) {
      await open(path, path.slice(1));
      const f = features.find((x) => x.feature === feature)!;
      if (!f.available) {
        const empty = await page.locator("main [data-state=empty]").innerText();
        expect(empty, path).toContain(f.produceWith!);
      }
    }
  });
  // last: creating a token makes every request need one
  it("a team-scoped token sees its own team's forecast band, budget line and findings, and no organisation-wide page", async () => {
    const org = await api<{ budget: { monthlyAmount: string }; forecast: { points: { expected: string }[] } }>("/api/v1/overview");
    token = (await createToken(store, { name: "payments-e2e", role: "viewer", team: "payments" })).token;
    await new Promise((r) => setTimeout(r, 1100)); // the server re-reads whether tokens exist at most once a second
    await page.goto(new URL("/", base).toString());
    await page.evaluate((t) => localStorage.setItem("costwise.token", t), token);
    await open("/", "overview-team-payments");
    type O = { scope: { team: string }; currency: string; budget: { available: boolean; monthlyAmount: string }; forecast: { available: boolean; points: { expected: string }[] } };
    const o = await api<O>("/api/v1/overview");
    expect(o.scope.team).toBe("payments");
    expect(o.budget.available && o.forecast.available).toBe(true);
    expect(await page.getByTestId("budget-amount").getAttribute("data-amount")).toBe(o.budget.monthlyAmount);
    expect(await page.getByTestId("budget-amount").innerText()).toBe(fmt(o.budget.monthlyAmount, o.currency));
    expect(await page.getByTestId("forecast-next").getAttribute("data-amount")).toBe(o.forecast.points[0]!.expected);
    expect(await page.getByTestId("budget-note").innerText()).toContain("monthly budget of team payments");
    // not the organisation's
    expect(o.budget.monthlyAmount).not.toBe(org.budget.monthlyAmount);
    expect(o.forecast.points[0]!.expected).not.toBe(org.forecast.points[0]!.expected);

    await open("/governance", "governance-team-payments");
    const teams = await page.locator("[data-testid=findings-table] tbody tr td:nth-child(4)").allInnerTexts();
    expect(teams.length).toBeGreaterThan(0);
    expect(new Set(teams)).toEqual(new Set(["payments"]));

    await open("/commitments", "commitments-team-payments");
    expect(await page.locator("main [data-state=empty]").innerText()).toContain("organisation-wide");
  });
});
