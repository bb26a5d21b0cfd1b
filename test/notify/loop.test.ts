/**
 * The whole feedback loop against local fake receivers: an HTTP server standing in for Slack, Teams and a
 * generic webhook, and a real SMTP server (smtp-server) for email. New billing data with an injected spike
 * produces exactly one correctly routed alert per channel with the right content; latency is recorded; a
 * receiver failing with 500 then recovering gets the message once; a crash mid-send neither loses nor
 * duplicates it; a summary renders for a team; bad config fails at start-up with a clear message.
 */
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { configSchema } from "../../src/core/config/schema.js";
import { FOCUS_COLUMNS } from "../../src/core/focus/columns.js";
import { CostwiseError } from "../../src/core/errors.js";
import { runJob, type JobContext } from "../../src/engine/jobs/jobs.js";
import { startScheduler, validateNotifyConfig } from "../../src/engine/jobs/scheduler.js";
import { teamSummary } from "../../src/engine/notify/build-messages.js";
import { deliver, enqueue, listNotifications } from "../../src/engine/notify/outbox.js";
import { computeKpis } from "../../src/engine/kpi/history.js";
import { notifySection } from "../../src/core/config/sections/notify.js";
import type { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { loadBill } from "../helpers/bill.js";
import { tempStore } from "../helpers/store.js";

interface Received {
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

let http: Server;
let base: string;
const received: Received[] = [];
/** path → statuses to answer with, in order (then 200) */
const script = new Map<string, number[]>();
let smtp: SMTPServer;
let smtpPort: number;
const mails: string[] = [];

beforeAll(async () => {
  http = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const plan = script.get(req.url ?? "") ?? [];
      const status = plan.shift() ?? 200;
      if (status === 200) received.push({ path: req.url ?? "", headers: req.headers, body });
      res.writeHead(status).end(status === 200 ? "ok" : "boom");
    });
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
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

const ENV = {
  SLACK_PAYMENTS: "", // set in beforeEach (needs the port)
  TEAMS_SEARCH: "",
  HOOK_SECRET: "s3cr3t-signing-key",
};

function workspaceConfig() {
  return configSchema.parse({
    detection: {
      metric: "EffectiveCost",
      monitors: [{ name: "teams", dimension: "tag:team", top: 5 }],
      alert: { minImpact: "10", minImpactPercent: 10, direction: "up" },
    },
    notify: {
      dashboardUrl: "https://costwise.example.com",
      channels: {
        "payments-slack": { type: "slack", webhookUrlEnv: "SLACK_PAYMENTS" },
        "search-teams": { type: "teams", webhookUrlEnv: "TEAMS_SEARCH" },
        "audit-hook": { type: "webhook", url: `${base}/hook`, secretEnv: "HOOK_SECRET" },
        "finops-mail": { type: "email", from: "costwise@example.com", to: ["finops@example.com"], smtp: { host: "127.0.0.1", port: smtpPort, secure: false } },
      },
      routes: [
        { team: "payments", channels: ["payments-slack", "audit-hook"] },
        { team: "search", channels: ["search-teams"] },
      ],
      fallback: ["finops-mail"],
      rateLimit: { perChannelPerHour: 5 },
    },
  });
}

describe("the feedback loop", () => {
  let store: DuckDbStore;
  let cleanup: () => Promise<void>;
  let ctx: JobContext;

  beforeEach(async () => {
    received.length = 0;
    mails.length = 0;
    script.clear();
    ENV.SLACK_PAYMENTS = `${base}/slack/payments`;
    ENV.TEAMS_SEARCH = `${base}/teams/search`;
    ({ store, cleanup } = await tempStore());
    ctx = { store, workspace: { config: workspaceConfig(), file: undefined, baseDir: "." }, env: { ...ENV }, attempts: 1, retryDelayMs: () => 1 };
    return async () => cleanup();
  });

  it("a spike in new billing data sends exactly one alert, to the owning team's channels, with the root cause", async () => {
    await loadBill(store, 60, true);
    const r = await runJob(ctx, "detect");
    expect(r.status).toBe("ok");
    const slack = received.filter((x) => x.path === "/slack/payments");
    const hook = received.filter((x) => x.path === "/hook");
    expect(slack).toHaveLength(1);
    expect(hook).toHaveLength(1);
    expect(received.filter((x) => x.path.startsWith("/teams"))).toHaveLength(0); // search had no anomaly
    expect(mails).toHaveLength(0); // nothing unallocated

    const payload = JSON.parse(slack[0]!.body) as { text: string; blocks: { type: string; text?: { text: string }; fields?: { text: string }[] }[] };
    expect(payload.blocks[0]!.type).toBe("header");
    const text = JSON.stringify(payload);
    expect(text).toContain("tag:team payments");
    expect(text).toMatch(/Actual\*\\n[\d,]+\.\d\d USD/);
    expect(text).toContain("i-pay-1"); // the root-cause resource, by id
    expect(text).toContain("team=payments"); // with its tags
    expect(text).toMatch(/"https:\/\/costwise\.example\.com\/anomalies\?anomaly=[0-9a-f]{16}"/); // a path link with the anomaly's id (no #)

    // the webhook is signed over the exact body
    const sig = String(hook[0]!.headers["x-costwise-signature"]);
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(sig)!;
    expect(createHmac("sha256", ENV.HOOK_SECRET).update(`${t}.${hook[0]!.body}`).digest("hex")).toBe(v1);
    expect(hook[0]!.headers["idempotency-key"]).toMatch(/^anomaly:teams:payments:USD:\d{4}-\d\d-\d\d\|audit-hook$/);

    // latency recorded: data landed → delivered
    const sent = await listNotifications(store, { status: "sent" });
    expect(sent).toHaveLength(2);
    for (const s of sent) expect(s.latencySeconds).toBeGreaterThanOrEqual(0);

    // running detection again alerts no one twice
    const again = await runJob(ctx, "detect");
    expect(again.status).toBe("ok");
    expect(received.filter((x) => x.path === "/slack/payments")).toHaveLength(1);

    const k = await computeKpis(store, ctx.workspace, { now: new Date("2026-10-31T06:00:00Z") });
    expect(k.kpis.find((x) => x.id === "alert-latency-p50")?.value).toMatch(/^\d+$/);
    expect(k.kpis.find((x) => x.id === "tagged-spend")?.value).toBe("100.00");
  });

  it("a receiver failing with 500 then recovering gets the message once", async () => {
    await loadBill(store, 60, true);
    script.set("/slack/payments", [500]);
    const t0 = new Date();
    await runJob({ ...ctx, now: () => t0 }, "detect");
    expect(received.filter((x) => x.path === "/slack/payments")).toHaveLength(0);
    const pending = await listNotifications(store, { status: "pending" });
    expect(pending).toHaveLength(1);
    expect(pending[0]!.lastError).toBe("HTTP 500");
    // too early: backoff not over
    await deliver(store, ctx.workspace.config.notify!, { now: new Date(t0.getTime() + 5_000), env: ctx.env! });
    expect(received.filter((x) => x.path === "/slack/payments")).toHaveLength(0);
    await deliver(store, ctx.workspace.config.notify!, { now: new Date(t0.getTime() + 60_000), env: ctx.env! });
    await deliver(store, ctx.workspace.config.notify!, { now: new Date(t0.getTime() + 120_000), env: ctx.env! });
    expect(received.filter((x) => x.path === "/slack/payments")).toHaveLength(1);
    const row = (await listNotifications(store)).find((x) => x.channel === "payments-slack")!;
    expect(row.status).toBe("sent");
    expect(row.attempts).toBe(2);
  });

  it("a crash mid-send neither loses nor duplicates the message", async () => {
    const cfg = ctx.workspace.config.notify!;
    const n = {
      kind: "anomaly" as const, key: "anomaly:test:1", team: "search", severity: "warning" as const, title: "t", summary: "s", facts: [], sections: [],
    };
    const t0 = new Date();
    await enqueue(store, cfg, n, t0);
    class Crash extends Error {}
    await expect(deliver(store, cfg, { now: t0, env: ctx.env!, afterClaim: () => { throw new Crash("killed"); } })).rejects.toBeInstanceOf(Crash);
    expect(received).toHaveLength(0);
    // restarted too soon: the lease still holds, nothing is sent twice in parallel
    await deliver(store, cfg, { now: new Date(t0.getTime() + 30_000), env: ctx.env! });
    expect(received).toHaveLength(0);
    // after the lease: sent, once
    await deliver(store, cfg, { now: new Date(t0.getTime() + 3 * 60_000), env: ctx.env! });
    await deliver(store, cfg, { now: new Date(t0.getTime() + 6 * 60_000), env: ctx.env! });
    expect(received.filter((x) => x.path === "/teams/search")).toHaveLength(1);
    const card = JSON.parse(received[0]!.body) as { attachments: { contentType: string; content: { type: string } }[] };
    expect(card.attachments[0]!.contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(card.attachments[0]!.content.type).toBe("AdaptiveCard");
  });

  it("many alerts at once become one digest; unowned costs go to the fallback email with an inline chart", async () => {
    const cfg = ctx.workspace.config.notify!;
    const t0 = new Date();
    for (let i = 0; i < 8; i++) {
      await enqueue(store, cfg, { kind: "anomaly", key: `anomaly:storm:${i}`, team: "__unallocated__", severity: "warning", title: `storm ${i}`, summary: "s", facts: [], sections: [], chart: { title: "c", labels: ["a", "b"], values: [1, 3] } }, t0);
    }
    const r = await deliver(store, cfg, { now: t0, env: ctx.env! });
    expect(r.digested).toBe(8);
    expect(r.sent).toBe(1);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatch(/Subject: 8 costwise alerts/);
    expect(mails[0]).toContain("storm 7");
    const one = await listNotifications(store, { status: "digested" });
    expect(one).toHaveLength(8);
  });

  it("an email alert carries HTML, a plain-text alternative and an inline PNG chart", async () => {
    const cfg = ctx.workspace.config.notify!;
    await enqueue(store, cfg, { kind: "budget", key: "budget:x", team: "__unallocated__", severity: "critical", title: "Budget x: actual 100% crossed", summary: "s", facts: [{ label: "Spent", value: "1,000.00 USD" }], sections: [], chart: { title: "c", labels: ["a", "b"], values: [1, 3], highlightLast: true } });
    await deliver(store, cfg, { env: ctx.env! });
    expect(mails).toHaveLength(1);
    const m = mails[0]!;
    expect(m).toMatch(/Content-Type: multipart\/alternative/i);
    expect(m).toMatch(/Content-Type: text\/plain/i);
    expect(m).toMatch(/Content-Type: text\/html/i);
    expect(m).toMatch(/Content-Type: image\/png/i);
    expect(m).toMatch(/Content-ID: <chart>/i);
    expect(m).toContain("X-Costwise-Key: budget:x|finops-mail");
  });

  it("a team summary renders spend, change and top movers from the allocation table", async () => {
    await loadBill(store, 60, false);
    await store.run(`INSERT INTO cost_allocation (charge_date, currency, team, service_name, effective_cost, billed_cost, rule_id, line_items)
      SELECT CAST("ChargePeriodStart" AS DATE), "BillingCurrency", "Tags"['team'], "ServiceName", "EffectiveCost", "BilledCost", 'r1', 1 FROM focus_costs`);
    const n = await teamSummary(store, "payments", { asOf: "2026-10-29", dashboardUrl: "https://c.example" });
    expect(n.title).toBe("costwise weekly summary for payments");
    const last7 = n.facts.find((f) => f.label === "Last 7 days")!.value;
    // 7 days × (100 + 80) + weekday adjustments: computed independently in SQL
    const want = await store.all(`SELECT CAST(sum(effective_cost) AS VARCHAR) AS s FROM cost_allocation WHERE team = 'payments' AND charge_date > DATE '2026-10-22' AND charge_date <= DATE '2026-10-29'`);
    expect(last7).toBe(`${Number(want[0]!["s"]).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })} USD`);
    expect(n.sections[0]!.title).toBe("Top movers");
    expect(n.link).toBe("https://c.example/teams?team=payments&month=2026-10");
  });
});

describe("bad notify config fails at start-up with a clear message", () => {
  const base0 = { channels: { a: { type: "slack", webhookUrlEnv: "NOPE_NOT_SET" } }, routes: [{ team: "x", channels: ["a", "b"] }], jobs: { detect: { schedule: "61 * * * *" } } };
  it("names the unknown channel, the missing secret and the malformed cron, together", () => {
    const cfg = notifySection.parse(base0);
    let err: unknown;
    try {
      validateNotifyConfig(cfg, {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CostwiseError);
    const msg = (err as CostwiseError).message;
    expect(msg).toContain('notify.routes[0] (team x): unknown channel "b" (channels: a)');
    expect(msg).toContain("notify.channels.a.webhookUrlEnv: the environment variable NOPE_NOT_SET is not set");
    expect(msg).toContain('notify.jobs.detect.schedule: "61 * * * *" is not a cron expression');
    expect((err as CostwiseError).code).toBe("BAD_CONFIG");
  });

  it("the scheduler refuses to start on bad config, and starts on good config", async () => {
    const { store, cleanup } = await tempStore();
    try {
      const bad = configSchema.parse({ notify: base0 });
      expect(() => startScheduler({ store, workspace: { config: bad, file: undefined, baseDir: "." }, env: {} })).toThrow(/unknown channel "b"/);
      const good = configSchema.parse({ notify: { jobs: { kpi: { schedule: "0 6 * * *", timezone: "Europe/Berlin" } } } });
      const s = startScheduler({ store, workspace: { config: good, file: undefined, baseDir: "." }, env: {} });
      expect(s.jobs).toEqual([{ job: "kpi", schedule: "0 6 * * *", timezone: "Europe/Berlin", next: expect.stringMatching(/T0[45]:00:00/) }]);
      s.stop();
      // a schedule that fires every second runs the job and reports it
      const every = configSchema.parse({ notify: { jobs: { kpi: { schedule: "* * * * * *" } } } });
      const done: string[] = [];
      const t = startScheduler({ store, workspace: { config: every, file: undefined, baseDir: "." }, env: {} }, undefined, async (r) => {
        done.push(`${r.job}:${r.status}`);
      });
      for (let i = 0; i < 100 && done.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      t.stop();
      expect(done[0]).toBe("kpi:ok");
      const runs = await store.all(`SELECT job, trigger, status FROM job_runs`);
      expect(runs[0]).toEqual({ job: "kpi", trigger: "schedule", status: "ok" });
    } finally {
      await cleanup();
    }
  });
});

describe("new data landing triggers the chain", () => {
  it("sync of a new bill with a spike → allocate/detect/budgets/deliver at once: one alert, latency recorded", async () => {
    const { store: scratch, cleanup: c1 } = await tempStore();
    const { store, dir, cleanup } = await tempStore();
    try {
      await loadBill(scratch, 60, true);
      const cols = FOCUS_COLUMNS.map((c) => (c.name === "Tags" ? `to_json("Tags")::VARCHAR AS "Tags"` : `"${c.name}"`)).join(", ");
      const csv = join(dir, "bill.csv");
      await scratch.run(`COPY (SELECT ${cols} FROM focus_costs) TO '${csv}' (FORMAT csv, HEADER true)`);
      const config = configSchema.parse({
        sources: [{ name: "bills", type: "files", paths: [csv], format: "focus" }],
        detection: { monitors: [{ name: "teams", dimension: "tag:team", top: 5 }], alert: { minImpact: "10", minImpactPercent: 10 } },
        notify: { channels: { pay: { type: "slack", webhookUrlEnv: "SLACK_PAYMENTS" } }, routes: [{ team: "payments", channels: ["pay"] }] },
      });
      received.length = 0;
      const r = await runJob({ store, workspace: { config, file: undefined, baseDir: dir }, env: { SLACK_PAYMENTS: `${base}/slack/payments` }, attempts: 1 }, "sync");
      expect(r.error).toBeUndefined();
      expect(r.status).toBe("ok");
      expect(r.chained.map((c) => `${c.job}:${c.status}`)).toEqual(["allocate:ok", "detect:ok", "budgets:ok", "deliver:ok"]);
      expect(received.filter((x) => x.path === "/slack/payments")).toHaveLength(1);
      const [sent] = await listNotifications(store, { status: "sent" });
      expect(sent!.latencySeconds).not.toBeNull();
      expect(sent!.latencySeconds!).toBeLessThan(300); // within 5 minutes of the data landing
    } finally {
      await c1();
      await cleanup();
    }
  });
});
