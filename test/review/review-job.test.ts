/**
 * The review job (issue 20): nothing before the 2nd working day; on it, last month's review is kept and sent once —
 * by email (a real SMTP server) with the PDF attached, and to Slack (a local HTTP server) as a summary with the link
 * to the dashboard's review page; a second run sends nothing again.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync } from "node:fs";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema } from "../../src/core/config/schema.js";
import { runJob, type JobContext } from "../../src/engine/jobs/jobs.js";
import { getSavedReview, listReviews } from "../../src/engine/review/store.js";
import { loadBill } from "../helpers/bill.js";
import { tempStore } from "../helpers/store.js";

let http: Server;
let base: string;
const slack: string[] = [];
let smtp: SMTPServer;
let smtpPort: number;
const mails: string[] = [];

beforeAll(async () => {
  http = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      slack.push(body);
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    size: 20 * 1024 * 1024,
    onData(stream, _session, cb) {
      let data = "";
      stream.on("data", (d: Buffer) => (data += d.toString()));
      stream.on("end", () => {
        mails.push(data);
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", r));
  smtpPort = (smtp.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((r) => http.close(() => r()));
  await new Promise<void>((r) => smtp.close(() => r()));
});

describe.skipIf(process.env["CI"] !== "true" && !existsSync("/usr/bin/chromium"))("the review job", () => {
  it("sends last month's review on the 2nd working day, once: email with the PDF, Slack with summary and link", async () => {
    const { store, cleanup } = await tempStore();
    try {
      // 2026-09-01 .. 2026-11-30: October is closed; the job runs in November
      await loadBill(store, 91, false, "2026-09-01");
      const config = configSchema.parse({
        notify: {
          dashboardUrl: "https://costwise.example.com",
          channels: {
            "finops-mail": { type: "email", from: "costwise@example.com", to: ["finops@example.com"], smtp: { host: "127.0.0.1", port: smtpPort, secure: false } },
            "finops-slack": { type: "slack", webhookUrlEnv: "SLACK_FINOPS" },
          },
          routes: [{ team: "finops", channels: ["finops-mail", "finops-slack"], kinds: ["review"] }],
        },
      });
      let now = new Date("2026-11-02T09:00:00Z"); // Monday: the 1st working day (Sunday the 1st)
      const ctx: JobContext = { store, workspace: { config, file: undefined, baseDir: "." }, env: { SLACK_FINOPS: `${base}/slack` }, attempts: 1, retryDelayMs: () => 1, now: () => now };
      const early = await runJob(ctx, "review");
      expect(early.status).toBe("ok");
      expect(early.summary).toMatchObject({ month: "2026-10", due: "2026-11-03" });
      expect(mails).toHaveLength(0);
      expect(slack).toHaveLength(0);

      now = new Date("2026-11-03T09:00:00Z");
      const r = await runJob(ctx, "review");
      expect(r.status, JSON.stringify(r)).toBe("ok");
      expect(r.summary).toMatchObject({ month: "2026-10", pdf: "attached", queued: 2 });
      expect(mails).toHaveLength(1);
      expect(mails[0]).toContain("Subject: FinOps review 2026-10");
      expect(mails[0]).toMatch(/Content-Type: application\/pdf;\s+name=finops-review-2026-10\.pdf/);
      expect(mails[0]).toContain("JVBERi0"); // base64 of "%PDF-"
      expect(slack).toHaveLength(1);
      expect(slack[0]).toContain("FinOps review 2026-10");
      expect(slack[0]).toContain("https://costwise.example.com/reviews?month=2026-10");
      // the spend figure of the summary: October's EffectiveCost (payments 100+80, search 120 a day ± weekday/weekend)
      expect(slack[0]).toMatch(/Spend [\d,]+\.\d\d USD/);
      expect((await listReviews(store)).map((x) => x.month)).toEqual(["2026-10"]);

      now = new Date("2026-11-04T09:00:00Z");
      const again = await runJob(ctx, "review");
      expect(again.summary).toMatchObject({ queued: 0, duplicates: 2 });
      expect(mails).toHaveLength(1);
      expect(slack).toHaveLength(1);
    } finally {
      await cleanup();
    }
  }, 120_000);

  it("review: section — team, working day, movers and trend length come from costwise.yaml", async () => {
    const { store, cleanup } = await tempStore();
    const hooks: string[] = [];
    const hook = createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        hooks.push(`${req.url} ${body}`);
        res.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
    const hookBase = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
    try {
      await loadBill(store, 91, false, "2026-09-01");
      const config = configSchema.parse({
        review: { team: "cloud-finance", workingDay: 3, topMovers: 1, trendMonths: 3 },
        notify: {
          dashboardUrl: "https://costwise.example.com",
          channels: { "cf-slack": { type: "slack", webhookUrlEnv: "SLACK_CF" }, "finops-slack": { type: "slack", webhookUrlEnv: "SLACK_FINOPS" } },
          routes: [
            { team: "cloud-finance", channels: ["cf-slack"], kinds: ["review"] },
            { team: "finops", channels: ["finops-slack"], kinds: ["review"] },
          ],
        },
      });
      let now = new Date("2026-11-03T09:00:00Z"); // the 2nd working day: not yet, the 3rd is asked for
      const ctx: JobContext = { store, workspace: { config, file: undefined, baseDir: "." }, env: { SLACK_CF: `${hookBase}/cf`, SLACK_FINOPS: `${hookBase}/finops` }, attempts: 1, retryDelayMs: () => 1, now: () => now };
      const early = await runJob(ctx, "review");
      expect(early.summary).toMatchObject({ month: "2026-10", due: "2026-11-04" });
      expect(hooks).toHaveLength(0);

      now = new Date("2026-11-04T09:00:00Z");
      const r = await runJob(ctx, "review");
      expect(r.status, JSON.stringify(r)).toBe("ok");
      expect(r.summary).toMatchObject({ month: "2026-10", queued: 1 });
      // only the configured team's route got it
      expect(hooks).toHaveLength(1);
      expect(hooks[0]).toMatch(/^\/cf /);
      expect(hooks[0]).toContain("FinOps review 2026-10");
      const kept = (await getSavedReview(store, "2026-10"))!;
      expect(kept.spend.trend.map((t) => t.month)).toEqual(["2026-08", "2026-09", "2026-10"]);
      expect(kept.spend.previousTotal).toBe(kept.spend.trend[1]!.amount);
      expect(kept.topMovers).toHaveLength(1);
    } finally {
      await new Promise<void>((r) => hook.close(() => r()));
      await cleanup();
    }
  }, 120_000);
});
