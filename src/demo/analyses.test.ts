/** The demo's analyses on a small demo store: budgets config, forecasts per scope, the governance scan, commitments. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluatePolicy } from "../core/governance/evaluate.js";
import { loadAllocation } from "../engine/allocation/load-rules.js";
import { unitCosts } from "../engine/allocation/reports.js";
import { parseConfig } from "../engine/config/load-config.js";
import { loadPolicyFile } from "../engine/governance/load-policy.js";
import { commitmentEndDates } from "../engine/optimize/commitment-analysis.js";
import { getSavedReview } from "../engine/review/store.js";
import { DuckDbStore } from "../engine/store/duckdb/duckdb-store.js";
import { COST_TABLE } from "../engine/store/schema.js";
import { budgetAmount, DEMO_CONFIG_FILE, demoInventory, demoPolicyPath, runDemoAnalyses, type DemoAnalyses } from "./analyses.js";
import { demoCommitments } from "./generate/commitments.js";
import { runDemo, type DemoSummary } from "./run-demo.js";

let dir: string;
let store: DuckDbStore;
let summary: DemoSummary;
let analyses: DemoAnalyses;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "costwise-demo-analyses-"));
  store = await DuckDbStore.open(join(dir, "demo.duckdb"));
  summary = await runDemo(store, { seed: 42, months: 3, scale: 0.2, dataDir: join(dir, "demo"), focusSample: null });
  analyses = (await runDemoAnalyses(store, summary, { configDir: dir })).analyses;
}, 120_000);

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("demo analyses", () => {
  it("budgets: 110% of last month's spend rounded up to a whole 100, exact", () => {
    expect(budgetAmount("1000")).toBe("1100.00");
    expect(budgetAmount("1000.01")).toBe("1200.00");
    expect(budgetAmount("0.5")).toBe("100.00");
    expect(budgetAmount("90909.0909090909")).toBe("100000.00");
  });

  it("writes a costwise.yaml with an organisation budget and one per allocated team, that the config loader accepts", async () => {
    const text = readFileSync(join(dir, DEMO_CONFIG_FILE), "utf8");
    const config = parseConfig(text, "costwise.yaml");
    const budgets = config.detection!.budgets;
    const teams = await store.all(`SELECT DISTINCT team FROM cost_allocation WHERE team <> '__unallocated__' ORDER BY team`);
    expect(budgets.map((b) => b.name)).toEqual(["organisation", ...teams.map((t) => `team-${String(t["team"])}`)]);
    expect(budgets.find((b) => b.name === "team-payments")!.scope.owner).toBe("payments");
    const org = budgets.find((b) => b.name === "organisation")!;
    expect(org.amount).toBe(budgetAmount(summary.monthOverMonth.effectiveCost.current));
    expect(analyses.budgets.count).toBe(budgets.length);
  });

  it("saves daily and monthly forecasts for the organisation and every budget scope", async () => {
    const rows = await store.all(`SELECT scope, period_kind, count(*)::INTEGER AS n FROM detect_forecast_snapshots GROUP BY ALL ORDER BY ALL`);
    const scopes = new Set(rows.map((r) => String(r["scope"])));
    expect(scopes).toEqual(new Set(["total", "budget:organisation", "budget:team-data", "budget:team-ml", "budget:team-payments", "budget:team-platform", "budget:team-search", "budget:team-web"]));
    for (const s of scopes) expect(rows.find((r) => r["scope"] === s && r["period_kind"] === "day")?.["n"]).toBeGreaterThan(2 * 27);
    // made on the last day, and on the day before the last complete month (forecast variance measures that month)
    const made = await store.all(`SELECT DISTINCT strftime(made_on, '%Y-%m-%d') AS d FROM detect_forecast_snapshots ORDER BY 1`);
    const dayBefore = new Date(Date.parse(`${summary.lastMonth.start}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    expect(made.map((r) => r["d"])).toEqual([dayBefore, summary.generated.endDate]);
  });

  it("records a governance scan of the demo estate: the policy's findings, each with its resource's monthly cost from the bill", async () => {
    const resources = await demoInventory(store, summary.generated.endDate);
    expect(resources.length).toBeGreaterThan(50);
    // ARNs the way AWS writes them; tags as the bill carries them
    const inst = resources.find((r) => r.type === "aws_instance")!;
    expect(inst.arn).toMatch(/^arn:aws:ec2:[a-z0-9-]+:\d{12}:instance\/i-[0-9a-f]+$/);
    const loaded = loadPolicyFile(demoPolicyPath());
    const expected = evaluatePolicy(loaded.compiled, resources, { now: new Date(`${summary.generated.endDate}T12:00:00Z`) });
    expect(analyses.governance.summary.findings).toBe(expected.summary.findings);
    expect(expected.findings.some((f) => f.ruleId === "required-team")).toBe(true);
    const scans = await store.all(`SELECT scan_id, origin, findings, resources FROM governance_scans`);
    expect(scans).toEqual([{ scan_id: analyses.governance.scanId, origin: "demo-inventory", findings: expected.summary.findings, resources: resources.length }]);
    const stored = await store.all(`SELECT finding_id FROM governance_findings ORDER BY finding_id`);
    expect(stored.map((r) => r["finding_id"])).toEqual(expected.findings.map((f) => f.id).sort());

    // a finding's monthly cost = its resource's BilledCost over the last 30 days of the bill, to the digit
    const f = (await store.all(`SELECT resource_id, monthly_cost::VARCHAR AS c FROM governance_findings WHERE resource_id LIKE '%:instance/i-%' ORDER BY monthly_cost DESC LIMIT 1`))[0]!;
    const shortId = String(f["resource_id"]).split("/").pop();
    const direct = await store.all({
      sql: `SELECT sum("BilledCost")::VARCHAR AS c FROM focus_costs WHERE "ResourceId" = ? AND "ChargePeriodStart" >= (SELECT max("ChargePeriodEnd") FROM focus_costs) - INTERVAL 30 DAY`,
      params: [shortId!],
    });
    expect(f["c"]).toBe(direct[0]!["c"]);
  });

  it("loads daily business metrics through the metrics ingest, and the config's unit costs compute from them", async () => {
    expect(analyses.metrics.rows).toBeGreaterThan(100);
    const m = await store.all(`SELECT metric, count(*)::INTEGER AS n FROM business_metrics GROUP BY 1 ORDER BY 1`);
    expect(m.map((r) => r["metric"])).toEqual(["orders", "searches_k"]);
    const config = parseConfig(readFileSync(join(dir, DEMO_CONFIG_FILE), "utf8"), "costwise.yaml");
    const { model } = loadAllocation(config, dir);
    const r = await unitCosts(store, model, { granularity: "month" });
    expect(new Set(r.rows.map((x) => x.name))).toEqual(new Set(["cost-per-order", "cost-per-1k-searches"]));
    // cost per order = the payments team's allocated cost in the month / the month's orders
    const month = summary.lastMonth.month;
    const row = r.rows.find((x) => x.name === "cost-per-order" && x.period === month)!;
    const cost = await store.all({ sql: `SELECT sum(effective_cost)::DECIMAL(38,10)::VARCHAR AS c FROM cost_allocation WHERE owners['team'] = 'payments' AND strftime(charge_date, '%Y-%m') = ?`, params: [month] });
    expect(row.cost).toBe(cost[0]!["c"]);
    expect(Number(row.unitCost)).toBeGreaterThan(0.3);
    expect(Number(row.unitCost)).toBeLessThan(0.6);
  });

  it("keeps the last complete month's review, whose spend is the month's EffectiveCost in the store", async () => {
    expect(analyses.review.month).toBe(summary.lastMonth.month);
    const review = await getSavedReview(store, summary.lastMonth.month);
    expect(review?.month).toBe(summary.lastMonth.month);
    const total = await store.all({
      sql: `SELECT sum("EffectiveCost")::DECIMAL(38,2)::VARCHAR AS t, CAST(? AS DECIMAL(38,2))::VARCHAR AS r FROM ${COST_TABLE}
            WHERE "ChargePeriodStart" >= CAST(? AS TIMESTAMP) AND "ChargePeriodStart" < CAST(? AS TIMESTAMP) AND "BillingCurrency" = ?`,
      params: [review!.spend.total, summary.lastMonth.start, summary.lastMonth.end, review!.currency],
    });
    expect(total[0]!["r"]).toBe(total[0]!["t"]);
  });

  it("leaves commitments and a Savings Plan purchase recommendation", async () => {
    expect(analyses.commitments.count).toBeGreaterThan(0);
    expect(analyses.recommendations).toBeGreaterThan(0);
    const sp = await store.all(`SELECT count(*)::INTEGER AS n FROM recommendations WHERE type = 'savings-plan'`);
    expect(sp[0]!["n"]).toBe(1);
  });

  it("knows every commitment's end from the bill's end-time columns (reservation/EndTime, savingsPlan/EndTime)", async () => {
    const ids = (await store.all(`SELECT DISTINCT "CommitmentDiscountId" AS id FROM ${COST_TABLE} WHERE "CommitmentDiscountId" IS NOT NULL ORDER BY 1`)).map((r) => String(r["id"]));
    expect(ids.length).toBe(2);
    const ends = await commitmentEndDates(store);
    // window 2026-08 .. 2026-10: the RI is bought 2026-08-01, the Savings Plan 2026-09-01, each for 1 year
    expect(summary.generated.startDate).toBe("2026-08-01");
    const { riArn, spArn } = demoCommitments(3);
    expect(ends.map((e) => [e.commitmentId, e.type, e.endsAt, e.basis])).toEqual([
      [riArn, "reservation", "2027-08-01T00:00:00Z", "end-time"],
      [spArn, "savings-plan", "2027-09-01T00:00:00Z", "end-time"],
    ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)));
    expect(ends.map((e) => e.commitmentId)).toEqual(ids);
  });
});
