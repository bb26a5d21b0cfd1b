/**
 * Operational /metrics: the exposition of a hand-drawn state line by line, then the real thing after a job
 * that succeeded, a job that failed, a notification that failed for good and one still waiting — read from the
 * store and served by GET /metrics.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema } from "../core/config/schema.js";
import type { OperationalState } from "../engine/jobs/operational.js";
import { operationalState } from "../engine/jobs/operational.js";
import { runJob } from "../engine/jobs/jobs.js";
import { deliver, enqueue } from "../engine/notify/outbox.js";
import { loadBill } from "../../test/helpers/bill.js";
import { tempStore } from "../../test/helpers/store.js";
import { LOADED_TABLE } from "../engine/store/schema.js";
import { buildServer } from "./app.js";
import { operationalMetrics, renderOperational } from "./metrics.js";

const lines = (text: string) => text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));

describe("renderOperational", () => {
  it("writes each family from the state, ages against now", () => {
    const state: OperationalState = {
      jobs: [
        { job: "sync", runs: 5, failures: 2, lastSuccessAt: "2026-12-07T11:00:00Z", lastStatus: "failed" },
        { job: "kpi", runs: 0, failures: 0, lastSuccessAt: null, lastStatus: null },
      ],
      sources: [
        { source: "aws-cur", billingAccountId: "111", lastCompleteDay: "2026-12-05" },
        { source: "focus", billingAccountId: "", lastCompleteDay: null },
      ],
      outbox: { backlog: 3, oldestPendingAt: "2026-12-07T11:55:00Z" },
      channels: [{ channel: "pay-slack", failed: 4, retrying: 1 }],
    };
    const now = new Date("2026-12-07T12:00:00Z");
    // hand-computed: 12:00 − 11:00 = 3600 s; 2026-12-05T00:00Z = 1796428800; today 2026-12-07 − 2026-12-05 = 2 days;
    // 12:00 − 11:55 = 300 s
    expect(lines(renderOperational(state, now))).toEqual([
      'costwise_job_runs_total{job="sync"} 5',
      'costwise_job_runs_total{job="kpi"} 0',
      'costwise_job_failures_total{job="sync"} 2',
      'costwise_job_failures_total{job="kpi"} 0',
      'costwise_job_last_run_failed{job="sync"} 1',
      'costwise_job_last_run_failed{job="kpi"} 0',
      'costwise_job_last_success_timestamp_seconds{job="sync"} 1796641200',
      'costwise_job_last_success_age_seconds{job="sync"} 3600',
      'costwise_source_last_complete_day_timestamp_seconds{source="aws-cur",billing_account="111"} 1796428800',
      'costwise_source_freshness_days{source="aws-cur",billing_account="111"} 2',
      "costwise_outbox_backlog 3",
      "costwise_outbox_oldest_pending_age_seconds 300",
      'costwise_notifications_failed_total{channel="pay-slack"} 4',
      'costwise_notifications_retrying{channel="pay-slack"} 1',
    ]);
    expect(renderOperational(state, now)).toContain("# TYPE costwise_job_runs_total counter\n");
  });

  it("a store that cannot be read gives scrape_ok 0, not a failed scrape", async () => {
    const text = await operationalMetrics(async () => {
      throw new Error("locked");
    });
    expect(lines(text)).toEqual(["costwise_operational_scrape_ok 0"]);
  });
});

describe("GET /metrics after jobs ran", () => {
  it("counts the ok and the failed job, the last success age, freshness, the outbox and the failed channel", async () => {
    const { store, dir, cleanup } = await tempStore();
    try {
      await loadBill(store, 60, false);
      // the bookkeeping of one CUR delivery, billed through 2026-10-30 13:00 (complete through 2026-10-29)
      await store.run(`INSERT INTO ${LOADED_TABLE} VALUES ('aws-cur', '999988887777', TIMESTAMP '2026-10-01', 'd1', 'bill.csv', 'ing_test', 'USD', 10, 1, 1,
                         TIMESTAMP '2026-10-01 00:00:00', TIMESTAMP '2026-10-30 13:00:00')`);
      const config = configSchema.parse({
        governance: { policy: join(dir, "missing-policy.yaml"), scan: { regions: ["us-east-1"] } },
        notify: { channels: { dead: { type: "slack", webhookUrlEnv: "COSTWISE_TEST_UNSET_WEBHOOK" } }, fallback: ["dead"] },
      });
      const workspace = { config, file: undefined, baseDir: dir };
      const t = (iso: string) => () => new Date(iso);
      const ok = await runJob({ store, workspace, env: {}, attempts: 1, now: t("2026-10-31T06:00:00Z") }, "kpi");
      expect(ok.status).toBe("ok");
      const failed = await runJob({ store, workspace, env: {}, attempts: 1, now: t("2026-10-31T06:10:00Z") }, "scan");
      expect(failed.status).toBe("failed");
      const n = (key: string) => ({ kind: "anomaly" as const, key, team: "__unallocated__", severity: "warning" as const, title: key, summary: "s", facts: [], sections: [] });
      await enqueue(store, config.notify!, n("gone"), new Date("2026-10-31T06:20:00Z"));
      expect((await deliver(store, config.notify!, { now: new Date("2026-10-31T06:20:00Z"), env: {} })).failed).toBe(1);
      await enqueue(store, config.notify!, n("waiting"), new Date("2026-10-31T06:50:00Z"));

      const now = new Date("2026-10-31T07:00:00Z");
      const text = await operationalMetrics(() => operationalState(store), now);
      const got = lines(text);
      for (const want of [
        "costwise_operational_scrape_ok 1",
        'costwise_job_runs_total{job="kpi"} 1',
        'costwise_job_failures_total{job="kpi"} 0',
        'costwise_job_runs_total{job="scan"} 1',
        'costwise_job_failures_total{job="scan"} 1',
        'costwise_job_last_run_failed{job="scan"} 1',
        'costwise_job_last_run_failed{job="kpi"} 0',
        'costwise_job_last_success_age_seconds{job="kpi"} 3600', // 07:00 − 06:00
        'costwise_job_runs_total{job="forecast"} 0', // every job listed, also never run
        'costwise_source_freshness_days{source="aws-cur",billing_account="999988887777"} 2', // 2026-10-31 − 2026-10-29
        "costwise_outbox_backlog 1",
        "costwise_outbox_oldest_pending_age_seconds 600", // 07:00 − 06:50
        'costwise_notifications_failed_total{channel="dead"} 1',
        'costwise_notifications_retrying{channel="dead"} 0',
      ]) expect(got).toContain(want);
      expect(got.some((l) => l.startsWith('costwise_job_last_success_age_seconds{job="scan"}'))).toBe(false);

      // served by the API, beside the HTTP counters
      const app = await buildServer({ store, logLevel: false, webDir: join(dir, "no-web"), rollup: false });
      try {
        const res = await app.inject({ method: "GET", url: "/metrics" });
        expect(res.statusCode).toBe(200);
        const served = lines(res.body);
        expect(served).toContain('costwise_job_failures_total{job="scan"} 1');
        expect(served).toContain("costwise_outbox_backlog 1");
        expect(served).toContain('costwise_notifications_failed_total{channel="dead"} 1');
        expect(served.some((l) => l.startsWith("costwise_process_uptime_seconds "))).toBe(true);
      } finally {
        await app.close();
      }
    } finally {
      await cleanup();
    }
  });
});
