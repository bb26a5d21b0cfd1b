/**
 * The jobs issue 17 added, each on a small store (test/helpers/bill.ts: 60 days, two teams, 2026-09-01 →
 * 2026-10-30, last complete day 2026-10-29) with a fake HTTP receiver for the channels: forecast saves
 * snapshots per default scope, scan records a runtime scan and alerts new blocking findings once, recommend
 * records a run, commitments sends the expiry notice that is due, summary and summary-weekly send a daily and
 * a weekly summary per team; and the scheduler's catch-up runs a missed job once at start, not once per
 * missed run.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { resolve } from "node:path";
import { configSchema } from "../../core/config/schema.js";
import { awsRuntimeResource } from "../governance/runtime-scan.js";
import type { DuckDbStore } from "../store/duckdb/duckdb-store.js";
import { FORECAST_SNAPSHOTS_TABLE } from "../detect/tables.js";
import { GOVERNANCE_SCANS_TABLE } from "../governance/tables.js";
import { OPTIMIZE_RUNS_TABLE } from "../optimize/tables.js";
import { ALLOCATION_TABLE } from "../allocation/tables.js";
import { JOB_RUNS_TABLE, OUTBOX_TABLE } from "../notify/tables.js";
import { COST_TABLE } from "../store/schema.js";
import { loadBill } from "../../../test/helpers/bill.js";
import { LOCAL_FIXTURES, tempStore } from "../../../test/helpers/store.js";
import { runJob, type JobContext } from "./jobs.js";
import { startScheduler } from "./scheduler.js";

let http: Server;
let base: string;
const received: { path: string; body: string }[] = [];

beforeAll(async () => {
  http = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      received.push({ path: req.url ?? "", body });
      res.end("ok");
    });
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => http.close(() => r()));
});

async function dedupKeys(store: DuckDbStore, status?: string): Promise<string[]> {
  const rows = await store.all(`SELECT dedup_key FROM ${OUTBOX_TABLE} ${status ? `WHERE status = '${status}'` : ""} ORDER BY dedup_key`);
  return rows.map((r) => String(r["dedup_key"]));
}

function config(extra: Record<string, unknown> = {}) {
  return configSchema.parse({
    detection: { budgets: [{ name: "payments", amount: "6000", scope: { owner: "payments" } }] },
    notify: {
      dashboardUrl: "https://costwise.example.com",
      channels: { pay: { type: "webhook", url: `${base}/pay` }, search: { type: "webhook", url: `${base}/search` }, finops: { type: "webhook", url: `${base}/finops` } },
      routes: [{ team: "payments", channels: ["pay"] }, { team: "search", channels: ["search"] }],
      fallback: ["finops"],
    },
    ...extra,
  });
}

describe("the scheduled jobs on a small store", () => {
  let store: DuckDbStore;
  let cleanup: () => Promise<void>;
  const now = new Date("2026-10-31T09:00:00Z");
  const ctxOf = (cfg = config(), extra: Partial<JobContext> = {}): JobContext => ({ store, workspace: { config: cfg, file: undefined, baseDir: "." }, env: {}, attempts: 1, now: () => now, ...extra });

  beforeEach(async () => {
    received.length = 0;
    ({ store, cleanup } = await tempStore());
    await loadBill(store, 60, false);
    return async () => cleanup();
  });

  it("forecast saves a snapshot for the whole store and for each budget's scope, made on the last complete day", async () => {
    const r = await runJob(ctxOf(), "forecast");
    expect(r.status).toBe("ok");
    expect(r.summary["scopes"]).toBe(2);
    const rows = await store.all(`SELECT scope, strftime(min(made_on), '%Y-%m-%d') AS made_on, count(*) FILTER (WHERE period_kind = 'month')::INTEGER AS months FROM ${FORECAST_SNAPSHOTS_TABLE} GROUP BY scope ORDER BY scope`);
    expect(rows).toEqual([
      { scope: "budget:payments", made_on: "2026-10-29", months: 12 },
      { scope: "total", made_on: "2026-10-29", months: 12 },
    ]);
    // run again the same day: replaced, not doubled
    await runJob(ctxOf(), "forecast");
    const n = await store.all(`SELECT count(*)::INTEGER AS n FROM ${FORECAST_SNAPSHOTS_TABLE} WHERE period_kind = 'month'`);
    expect(n[0]!["n"]).toBe(24);
  });

  it("scan without a runtime scan configured only looks for new findings; configured, it records the scan and alerts new blocking findings once", async () => {
    const bare = await runJob(ctxOf(), "scan");
    expect(bare.status).toBe("ok");
    expect(bare.summary["note"]).toMatch(/no runtime scan configured/);

    const cfg = config({ governance: { policy: resolve(LOCAL_FIXTURES, "governance/tags-policy.yaml"), scan: { regions: ["us-east-1"] } } });
    const resources = [
      // no owner, no env: required-tags (error, blocking), owned by payments through the team tag
      awsRuntimeResource("arn:aws:ec2:us-east-1:111122223333:instance/i-0abc", "aws_instance", { team: "payments" }, { instance_id: "i-0abc" }, "111122223333", "us-east-1"),
      // compliant
      awsRuntimeResource("arn:aws:ec2:us-east-1:111122223333:instance/i-0ok", "aws_instance", { team: "search", owner: "s", env: "dev" }, { instance_id: "i-0ok" }, "111122223333", "us-east-1"),
    ];
    const scanner = async () => resources;
    const r = await runJob(ctxOf(cfg, { scanner }), "scan");
    expect(r.error).toBeUndefined();
    expect(r.summary).toMatchObject({ resources: 2, queued: 1, sent: 1 });
    expect(received.map((x) => x.path)).toEqual(["/pay"]);
    expect(received[0]!.body).toContain("/governance?finding=");
    // the next scan finds the same finding: nothing new, nothing sent
    const later = new Date(now.getTime() + 86_400_000);
    const again = await runJob(ctxOf(cfg, { scanner, now: () => later }), "scan");
    expect(again.summary).toMatchObject({ resources: 2, queued: 0 });
    expect(received).toHaveLength(1);
    const scans = await store.all(`SELECT count(*)::INTEGER AS n FROM ${GOVERNANCE_SCANS_TABLE}`);
    expect(scans[0]!["n"]).toBe(2);
  });

  it("recommend records an optimization run", async () => {
    const r = await runJob(ctxOf(), "recommend");
    expect(r.error).toBeUndefined();
    expect(r.status).toBe("ok");
    const runs = await store.all(`SELECT count(*)::INTEGER AS n FROM ${OPTIMIZE_RUNS_TABLE}`);
    expect(runs[0]!["n"]).toBe(1);
    expect(typeof r.summary["runId"]).toBe("string");
  });

  it("commitments sends the expiry notice that is due (30 days), once", async () => {
    await store.run(`UPDATE ${COST_TABLE} SET "CommitmentDiscountId" = 'ri-pay-1', "CommitmentDiscountType" = 'Reserved Instance',
                       x_CommitmentDiscountEndTime = TIMESTAMP '2026-11-25 00:00:00' WHERE "ResourceId" = 'i-pay-1'`);
    const r = await runJob(ctxOf(), "commitments");
    expect(r.error).toBeUndefined();
    expect(r.summary).toMatchObject({ notifications: 1, queued: 1, sent: 1 });
    expect(received.map((x) => x.path)).toEqual(["/finops"]);
    expect(await dedupKeys(store, "sent")).toEqual(["commitment:ri-pay-1:30d|finops"]);
    await runJob(ctxOf(), "commitments");
    expect(received).toHaveLength(1);
  });

  it("summary sends each team its daily summary; summary-weekly its weekly one (separate messages)", async () => {
    await store.run(`INSERT INTO ${ALLOCATION_TABLE} (charge_date, currency, team, service_name, effective_cost, billed_cost, rule_id, line_items)
      SELECT CAST("ChargePeriodStart" AS DATE), "BillingCurrency", "Tags"['team'], "ServiceName", "EffectiveCost", "BilledCost", 'r1', 1 FROM ${COST_TABLE}`);
    const d = await runJob(ctxOf(), "summary");
    expect(d.summary).toMatchObject({ asOf: "2026-10-29", days: 1, teams: 2, queued: 2 });
    const w = await runJob(ctxOf(), "summary-weekly");
    expect(w.summary).toMatchObject({ asOf: "2026-10-29", days: 7, teams: 2, queued: 2 });
    expect(await dedupKeys(store)).toEqual(["summary:payments:2026-10-29:1|pay", "summary:payments:2026-10-29:7|pay", "summary:search:2026-10-29:1|search", "summary:search:2026-10-29:7|search"]);
    expect(received.map((x) => x.path).sort()).toEqual(["/pay", "/pay", "/search", "/search"]);
  });
});

describe("catch-up at start", () => {
  it("a job that missed its scheduled time runs once (not once per missed run); a job that ran since does not", async () => {
    const { store, cleanup } = await tempStore();
    try {
      await loadBill(store, 60, false);
      const now = new Date("2026-10-31T07:00:00Z");
      const cfg = configSchema.parse({ notify: { defaultSchedules: false, jobs: { kpi: { schedule: "0 6 * * *" }, forecast: { schedule: "30 6 * * *" }, deliver: { schedule: "* * * * *", enabled: false } } } });
      // kpi last succeeded five days ago (five runs missed); forecast succeeded today after its 06:30
      const row = (id: string, job: string, at: string) => store.run({ sql: `INSERT INTO ${JOB_RUNS_TABLE} VALUES (?, ?, 'schedule', CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP), 'ok', 1, NULL, NULL)`, params: [id, job, at, at] });
      await row("a", "kpi", "2026-10-26 06:00:04");
      await row("b", "forecast", "2026-10-31 06:30:09");
      const s = startScheduler({ store, workspace: { config: cfg, file: undefined, baseDir: "." }, env: {}, attempts: 1, now: () => now }, undefined, undefined, { catchUp: true });
      const done = await s.caughtUp;
      s.stop();
      expect(s.jobs.map((j) => j.job)).toEqual(["forecast", "kpi"]);
      expect(done.map((r) => `${r.job}:${r.status}`)).toEqual(["kpi:ok"]);
      const runs = await store.all(`SELECT job, trigger FROM ${JOB_RUNS_TABLE} WHERE trigger = 'catch-up' ORDER BY job`);
      expect(runs).toEqual([{ job: "kpi", trigger: "catch-up" }]);
    } finally {
      await cleanup();
    }
  });
});
