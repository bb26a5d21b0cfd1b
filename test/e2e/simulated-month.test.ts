/**
 * A simulated month, unattended (issue 17, item 7): a workspace with a costwise.yaml (two `files` sources on
 * folders: FOCUS bills and a legacy CUR with a Savings Plan; allocation rules for three teams, an owner
 * monitor, a monthly budget for payments), fake Slack and
 * webhook receivers (a local HTTP server) and a real SMTP server (smtp-server), and a pinned, controllable
 * clock (JobContext.now: simulated time that moves on with the real time spent inside a step).
 *
 * Order of operations, per simulated day T (35 days, T = 2026-10-02 … 2026-11-05):
 *   1. 02:15  one new day of bills (the day before T) lands: the month's FOCUS file and CUR file are rewritten
 *             with it appended, as a billing export re-delivers the month to date;
 *   2. 03:00  sync (the hourly job's first run after the landing): ingest → allocate → detect → budgets → deliver;
 *   3. every other job at the times its DEFAULT schedule fires on T (kpi 06:00, forecast 06:30, scan 05:00,
 *      recommend Mondays 04:00, commitments 07:00, summary 08:00, summary-weekly Mondays 08:00), each
 *      followed by the every-minute deliver one minute later.
 * On day RESTART the process "dies" after the sync: the store is closed, and at 07:40 it is reopened with a new
 * JobContext and the scheduler's own catch-up (startScheduler, catchUp) runs what was missed, once.
 *
 * Injected: payments' i-pay-1 +3000 on 2026-10-12 (an anomaly, and the spend that breaches payments' 4000
 * October budget), data's i-data-1 +900 on 2026-10-24 (an anomaly).
 *
 * Asserted at the end: each team's daily summary delivered once per data day, every day; each anomaly alerted
 * to its owner's channel (only there) within 5 minutes of simulated time of its data landing (outbox
 * data_landed_at → sent_at); no other anomaly alert; the budget alert sent once; the Savings Plan's expiry
 * notices at 60/30/7 days, each once, on the day it first falls due; forecast snapshots saved on
 * each day; the forecast-variance KPI absent before October closes and computed (for October) after; a KPI
 * history point on every simulated day; no dedupe key received twice at any receiver; the restart re-sent
 * nothing and lost nothing (every outbox row sent, none pending or failed).
 *
 * A running server (issue 17): the HTTP server (startServer, 127.0.0.1, port 0) serves the store throughout,
 * the jobs running on a sibling connection of its store as `costwise serve` runs them (a sync or allocate
 * tells the server its data changed). Asserted over real HTTP while the month runs: after each anomaly's
 * alert went out, /api/v1/anomalies lists the anomaly whose id the delivered message's link
 * (/anomalies?anomaly=<id>) carries, on its team's series; after every simulated day, /api/v1/kpis/history
 * has a point for each day so far and /metrics counts the job runs (a sync per day, plus the catch-up's).
 * The restart closes the server with the store and starts a new one on the reopened store.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_JOB_SCHEDULES, type JobName } from "../../src/core/config/sections/notify.js";
import { loadConfig } from "../../src/engine/config/load-config.js";
import { FORECAST_SNAPSHOTS_TABLE } from "../../src/engine/detect/tables.js";
import { runJob, type JobContext, type JobResult } from "../../src/engine/jobs/jobs.js";
import { nextRunAfter } from "../../src/engine/jobs/schedule.js";
import { startScheduler } from "../../src/engine/jobs/scheduler.js";
import { KPI_TABLE, OUTBOX_TABLE } from "../../src/engine/notify/tables.js";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { col, readRows } from "../../src/engine/store/read-rows.js";
import { notifyDataChanged, startServer, type RunningServer } from "../../src/server/index.js";
import { tempDir } from "../helpers/store.js";

const DAY = 86_400_000;
const SIM_DAYS = 35;
/** The first simulated data day (it lands on 2026-10-02); history before it is in the folder from the start. */
const FIRST_DAY = "2026-10-01";
const HISTORY_FROM = "2026-08-15";
/** After this day's sync (index), the process stops; it comes back at 07:40 the same day. */
const RESTART = 17;
const TEAMS = ["data", "payments", "search"] as const;
const RESOURCES = [
  { team: "payments", service: "Amazon Elastic Compute Cloud", category: "Compute", id: "i-pay-1", base: 100 },
  { team: "payments", service: "Amazon Relational Database Service", category: "Databases", id: "db-pay", base: 60 },
  { team: "search", service: "Amazon OpenSearch Service", category: "Analytics", id: "os-search", base: 120 },
  { team: "data", service: "Amazon Simple Storage Service", category: "Storage", id: "bkt-data", base: 40 },
  { team: "data", service: "Amazon Elastic Compute Cloud", category: "Compute", id: "i-data-1", base: 70 },
];
const ANOMALIES = [
  { day: "2026-10-12", team: "payments", resource: "i-pay-1", extra: 3000, channel: "payments-slack" },
  { day: "2026-10-24", team: "data", resource: "i-data-1", extra: 900, channel: "data-mail" },
];

const addDays = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);

/** A small deterministic wobble (±3) so the series are not flat. */
function wobble(day: string, id: string): number {
  let h = 2166136261;
  for (const c of `${day}|${id}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return (h % 601) / 100 - 3;
}

const HEADER = [
  "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd",
  "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency", "BilledCost", "EffectiveCost", "ListCost", "ContractedCost",
  "InvoiceIssuerName", "ProviderName", "PublisherName", "PricingQuantity", "PricingUnit", "ServiceCategory", "ServiceName", "RegionId",
  "ResourceId", "SubAccountId", "SubAccountName", "Tags", "ConsumedQuantity", "ConsumedUnit",
].join(",");

/** The FOCUS rows of one day: every resource, weekday pattern, wobble, and the injected spikes. */
function dayRows(day: string): string[] {
  const month = `${day.slice(0, 7)}-01`;
  const next = new Date(Date.parse(`${month}T00:00:00Z`));
  next.setUTCMonth(next.getUTCMonth() + 1);
  const weekend = [0, 6].includes(new Date(`${day}T00:00:00Z`).getUTCDay());
  return RESOURCES.map((r) => {
    const spike = ANOMALIES.find((a) => a.day === day && a.resource === r.id)?.extra ?? 0;
    const cost = (r.base + (weekend ? -10 : 5) + wobble(day, r.id) + spike).toFixed(2);
    const tags = `"{""team"":""${r.team}"",""env"":""prod""}"`;
    return [
      "999988887777", "Example Org", "USD", `${month}T00:00:00Z`, `${next.toISOString().slice(0, 10)}T00:00:00Z`, `${day}T00:00:00Z`, `${addDays(day, 1)}T00:00:00Z`,
      "Usage", "", `${r.service} usage`, "Usage-Based", cost, cost, cost, cost,
      `"Amazon Web Services, Inc."`, "AWS", `"Amazon Web Services, Inc."`, "24", "Hours", r.category, r.service, "us-east-1",
      r.id, `1111-${r.team}`, `prod-${r.team}`, tags, "24", "Hours",
    ].join(",");
  });
}

/** Writes the month's file with every day from its start (or HISTORY_FROM) through `through`. */
function writeMonthFile(dir: string, through: string): void {
  const month = through.slice(0, 7);
  const lines: string[] = [];
  for (let d = month === HISTORY_FROM.slice(0, 7) ? HISTORY_FROM : `${month}-01`; d <= through; d = addDays(d, 1)) lines.push(...dayRows(d));
  writeFileSync(join(dir, `focus-${month}.csv`), [HEADER, ...lines].join("\n") + "\n");
}

/**
 * A second source, a legacy CUR: one Savings Plan covering payments' i-pay-sp each day, its term ending
 * SP_END (savingsPlan/EndTime on every row). Expiry notices are due at 60 days (already at the first run,
 * 2026-10-02 07:00: 38.7 days left), 30 days (first run with ≤ 30 days left: 2026-10-11 07:00) and 7 days
 * (2026-11-03 07:00).
 */
const SP_ARN = "arn:aws:savingsplans::111111111111:savingsplan/sp-sim";
const SP_END = "2026-11-10T00:00:00.000Z";
const EXPECTED_EXPIRY = [
  { key: `commitment:${SP_ARN}:60d`, on: "2026-10-02" },
  { key: `commitment:${SP_ARN}:30d`, on: "2026-10-11" },
  { key: `commitment:${SP_ARN}:7d`, on: "2026-11-03" },
];
const CUR_HEADER =
  "identity/LineItemId,bill/PayerAccountId,bill/BillingPeriodStartDate,bill/BillingPeriodEndDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UsageType,lineItem/ResourceId,lineItem/UsageAmount,lineItem/CurrencyCode,lineItem/UnblendedRate,lineItem/UnblendedCost,pricing/publicOnDemandCost,pricing/term,pricing/unit,product/ProductName,reservation/ReservationARN,reservation/EffectiveCost,reservation/UnusedAmortizedUpfrontFeeForBillingPeriod,reservation/UnusedRecurringFee,reservation/EndTime,savingsPlan/SavingsPlanARN,savingsPlan/SavingsPlanEffectiveCost,savingsPlan/TotalCommitmentToDate,savingsPlan/UsedCommitment,savingsPlan/EndTime,resourceTags/user:team";

/** Writes the CUR month file (from the later of the month's start and FIRST_DAY - 1) through `through`. */
function writeCurMonthFile(dir: string, through: string): void {
  const month = `${through.slice(0, 7)}-01`;
  const next = new Date(Date.parse(`${month}T00:00:00Z`));
  next.setUTCMonth(next.getUTCMonth() + 1);
  const end = next.toISOString().slice(0, 10);
  const lines: string[] = [];
  const from = addDays(FIRST_DAY, -1) > month ? addDays(FIRST_DAY, -1) : month;
  for (let d = from; d <= through; d = addDays(d, 1)) {
    lines.push(`sp-${d},111111111111,${month}T00:00:00Z,${end}T00:00:00Z,1111-payments,SavingsPlanCoveredUsage,${d}T00:00:00Z,${addDays(d, 1)}T00:00:00Z,AmazonEC2,BoxUsage:c5.xlarge,i-pay-sp,24,USD,0.1,2.40,2.40,OnDemand,Hrs,Amazon Elastic Compute Cloud,,,,,,${SP_ARN},1.60,,,${SP_END},payments`);
  }
  writeFileSync(join(dir, `cur-${through.slice(0, 7)}.csv`), [CUR_HEADER, ...lines].join("\n") + "\n");
}

interface Received {
  path: string;
  key: string;
  body: string;
  at: Date;
}

describe("a simulated month, unattended", () => {
  let http: Server;
  let smtp: SMTPServer;
  let tmp: { dir: string; cleanup: () => void };
  const received: Received[] = [];
  const mails: Received[] = [];
  /** Simulated clock: `sim` at real time `real`; moves on with real time spent inside a step. */
  const clock = { sim: 0, real: 0 };
  const now = () => new Date(clock.sim + (Date.now() - clock.real));
  const setClock = (iso: string) => {
    clock.sim = Date.parse(iso);
    clock.real = Date.now();
  };

  beforeAll(async () => {
    http = createServer((req: IncomingMessage, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        received.push({ path: req.url ?? "", key: String(req.headers["idempotency-key"] ?? ""), body, at: now() });
        res.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      onData(stream, _session, cb) {
        let data = "";
        stream.on("data", (d: Buffer) => (data += d.toString()));
        stream.on("end", () => {
          mails.push({ path: "smtp", key: /X-Costwise-Key: (.+)/.exec(data)?.[1]?.trim() ?? "", body: data, at: now() });
          cb();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", r));
    tmp = tempDir("costwise-sim-month-");
  });

  afterAll(async () => {
    await new Promise<void>((r) => http.close(() => r()));
    await new Promise<void>((r) => smtp.close(() => r()));
    tmp?.cleanup();
  });

  it("35 days of bills: summaries daily, anomalies and the budget alerted once and in time, forecasts and KPIs kept, a restart loses and repeats nothing", async () => {
    const dir = tmp.dir;
    const bills = join(dir, "bills");
    mkdirSync(bills);
    const cur = join(dir, "cur");
    mkdirSync(cur);
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    writeFileSync(
      join(dir, "costwise.yaml"),
      `sources:
  - { name: bills, type: files, paths: ["bills/*.csv"], format: focus }
  - { name: cur, type: files, paths: ["cur/*.csv"], format: aws-cur }
allocation:
  rules:
    - { id: team-tag, match: { "tag:team": { present: true } }, set: { team: "\${tag:team}" } }
  coverage: { requiredTags: [team], target: 85 }
detection:
  metric: EffectiveCost
  monitors:
    - { name: teams, dimension: owner, top: 10 }
  alert: { minImpact: "50", minImpactPercent: 20, direction: up }
  budgets:
    - { name: payments-monthly, amount: "4000", period: month, scope: { owner: payments }, thresholds: [{ actual: 100 }] }
notify:
  dashboardUrl: https://costwise.example.com
  channels:
    payments-slack: { type: slack, webhookUrlEnv: SLACK_PAYMENTS }
    search-hook: { type: webhook, url: "${base}/hook/search" }
    data-mail: { type: email, from: costwise@example.com, to: [data@example.com], smtp: { host: 127.0.0.1, port: ${smtpPort}, secure: false } }
    finops-hook: { type: webhook, url: "${base}/hook/finops" }
  routes:
    - { team: payments, channels: [payments-slack] }
    - { team: search, channels: [search-hook] }
    - { team: data, channels: [data-mail] }
  fallback: [finops-hook]
  rateLimit: { perChannelPerHour: 100 }
`,
    );
    const workspace = loadConfig(join(dir, "costwise.yaml"));
    const env = { SLACK_PAYMENTS: `${base}/slack/payments` };
    const storePath = join(dir, "costwise.duckdb");
    let store = await DuckDbStore.open(storePath);
    const log: string[] = [];
    const ctxOf = (s: DuckDbStore): JobContext => ({ store: s, workspace, env, now, attempts: 1, retryDelayMs: () => 1, log: (l) => log.push(l) });
    // the running server on the store, the jobs on a sibling connection beside it (as `costwise serve`)
    const serve = async (): Promise<{ server: RunningServer; jobStore: DuckDbStore }> => {
      const server = await startServer(store, { store, host: "127.0.0.1", port: 0, logLevel: false, workspace: { config: workspace.config, baseDir: workspace.baseDir }, adminEndpoint: { storeFile: storePath, workspace } });
      return { server, jobStore: await store.sibling() };
    };
    let { server, jobStore } = await serve();
    let ctx = ctxOf(jobStore);
    const servers = [server.url];
    const getJson = async <T>(path: string): Promise<T> => {
      const res = await fetch(new URL(path, server.url));
      expect(res.status, path).toBe(200);
      return (await res.json()) as T;
    };
    const getText = async (path: string): Promise<string> => {
      const res = await fetch(new URL(path, server.url));
      expect(res.status, path).toBe(200);
      return res.text();
    };
    /** As serve's scheduler callback: an ok sync or allocate tells the server its data changed. */
    const changed = async (r: JobResult) => {
      if ([r, ...r.chained].some((x) => x.status === "ok" && (x.job === "sync" || x.job === "allocate"))) await notifyDataChanged(server.app);
    };
    const runsOf = (metrics: string, job: string): number => Number(new RegExp(`^costwise_job_runs_total\\{job="${job}"\\} (\\d+)$`, "m").exec(metrics)?.[1] ?? "0");
    const anomaliesOverHttp: { team: string; id: string; listed: boolean; seriesKey: string | null }[] = [];
    const httpDays: { day: string; kpiDays: number; syncRuns: number; kpiRuns: number }[] = [];
    const failures: string[] = [];
    const check = (r: JobResult) => {
      for (const x of [r, ...r.chained]) if (x.status !== "ok") failures.push(`${x.job} at ${now().toISOString()}: ${x.status} ${x.error ?? ""}`);
    };
    const run = async (job: JobName, at: string) => {
      setClock(at);
      const r = await runJob(ctx, job, "schedule");
      check(r);
      await changed(r);
      setClock(new Date(Date.parse(at) + 60_000).toISOString());
      check(await runJob(ctx, "deliver", "schedule"));
    };
    /** The daily and weekly jobs' default fire times on day T (sync and deliver are driven above). */
    const firesOn = (t: string): { job: JobName; at: string }[] => {
      const out: { job: JobName; at: string }[] = [];
      for (const [job, cron] of Object.entries(DEFAULT_JOB_SCHEDULES) as [JobName, string | null][]) {
        if (cron === null || job === "sync" || job === "deliver") continue;
        const next = nextRunAfter(cron, "UTC", new Date(Date.parse(`${t}T00:00:00Z`) - 1000));
        if (next && next.toISOString().slice(0, 10) === t) out.push({ job, at: next.toISOString() });
      }
      return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    };

    // the history before the simulated month is in the folder from the start
    writeMonthFile(bills, "2026-08-31");
    writeMonthFile(bills, addDays(FIRST_DAY, -1));
    writeCurMonthFile(cur, addDays(FIRST_DAY, -1));
    const landedOn = new Map<string, string>(); // data day → when its file landed (sim ISO)
    const syncedAt = new Map<string, string>(); // data day → the sync that loaded it
    let receivedAtRestart = 0;
    let sentAtRestart = 0;
    let caughtUp: string[] = [];

    for (let i = 0; i < SIM_DAYS; i++) {
      const dataDay = addDays(FIRST_DAY, i);
      const t = addDays(dataDay, 1);
      // 1. the day's bills land
      setClock(`${t}T02:15:00Z`);
      writeMonthFile(bills, dataDay);
      writeCurMonthFile(cur, dataDay);
      landedOn.set(dataDay, now().toISOString());
      // 2. the hourly sync's first run after it (chains allocate → detect → budgets → deliver)
      setClock(`${t}T03:00:00Z`);
      syncedAt.set(dataDay, now().toISOString());
      const s = await runJob(ctx, "sync", "schedule");
      check(s);
      await changed(s);
      expect(s.error ?? JSON.stringify(s.summary)).toBe(JSON.stringify(s.summary));
      expect(s.chained.map((c) => c.job)).toEqual(["allocate", "detect", "budgets", "deliver"]);
      let fires = firesOn(t);
      if (i === RESTART) {
        // the process dies after the sync; back at 07:40, a new process opens the store and catches up
        await server.close();
        await jobStore.close();
        await store.close();
        receivedAtRestart = received.length + mails.length;
        store = await DuckDbStore.open(storePath);
        ({ server, jobStore } = await serve());
        servers.push(server.url);
        ctx = ctxOf(jobStore);
        sentAtRestart = (await readRows(store, { n: col.int }, `SELECT count(*)::INTEGER AS n FROM ${OUTBOX_TABLE} WHERE status = 'sent'`))[0]!.n;
        setClock(`${t}T07:40:00Z`);
        // stay clear of a real minute boundary: the scheduler's own cron timers run on the real clock
        if (new Date().getUTCSeconds() > 45) await new Promise((r) => setTimeout(r, (61 - new Date().getUTCSeconds()) * 1000));
        setClock(`${t}T07:40:00Z`);
        const sched = startScheduler(ctx, workspace, changed, { defaults: true, catchUp: true });
        const done = await sched.caughtUp;
        sched.stop();
        done.forEach(check);
        caughtUp = done.map((r) => r.job);
        fires = fires.filter((f) => f.at > `${t}T07:40:00Z`);
      }
      // 3. the day's other scheduled jobs, each followed by the every-minute deliver
      for (const f of fires) await run(f.job, f.at);

      // over HTTP, on the running server: the anomaly alerted for a spike (landed by today's sync at the latest)
      // is listed by the id its message links to, on its team's series
      for (const a of ANOMALIES.filter((x) => addDays(x.day, 1) === dataDay)) {
        const message = a.channel === "data-mail" ? mails.find((m) => m.key.startsWith("anomaly:")) : received.find((r) => r.path === "/slack/payments" && r.key.startsWith("anomaly:"));
        const id = /\/anomalies\?anomaly=([0-9a-f]{16})/.exec((message?.body ?? "").replace(/=\r?\n/g, "").replace(/=3D/g, "="))?.[1];
        const listed = (await getJson<{ items: { id: string; series_key: string; monitor: string }[] }>("/api/v1/anomalies?limit=1000")).items.find((x) => x.id === id);
        anomaliesOverHttp.push({ team: a.team, id: id ?? "", listed: listed !== undefined, seriesKey: listed?.series_key ?? null });
      }
      // a KPI history point for every simulated day so far; the job runs in /metrics
      const history = await getJson<{ day: string }[]>("/api/v1/kpis/history?days=3650");
      const metrics = await getText("/metrics");
      httpDays.push({ day: t, kpiDays: new Set(history.map((h) => h.day)).size, syncRuns: runsOf(metrics, "sync"), kpiRuns: runsOf(metrics, "kpi") });
      expect([...new Set(history.map((h) => h.day))].sort(), `KPI history over HTTP on ${t}`).toEqual(Array.from({ length: i + 1 }, (_, k) => addDays(FIRST_DAY, k + 1)));
    }

    expect(failures).toEqual([]);
    expect(log.filter((l) => /failed|skipped/.test(l))).toEqual([]);

    // --- what the outbox and the receivers say
    const outbox = await readRows(store, { created: col.timestamp, key: col.text, channel: col.text, team: col.text, kind: col.text, status: col.text, landed: col.timestamp.nullable(), sent: col.timestamp.nullable() }, `
      SELECT strftime(created_at, '%Y-%m-%dT%H:%M:%SZ') AS created, dedup_key AS key, channel, team, kind, status, strftime(data_landed_at, '%Y-%m-%dT%H:%M:%SZ') AS landed, strftime(sent_at, '%Y-%m-%dT%H:%M:%SZ') AS sent
      FROM ${OUTBOX_TABLE} ORDER BY created_at, dedup_key`);
    // nothing lost: every message went out, none waits or failed, none was folded into a digest
    expect(outbox.filter((o) => o.status !== "sent").map((o) => `${o.key} ${o.status}`)).toEqual([]);
    // nothing delivered twice: each key arrived once, and every sent row arrived
    const all = [...received, ...mails];
    const counts = new Map<string, number>();
    for (const r of all) counts.set(r.key, (counts.get(r.key) ?? 0) + 1);
    expect([...counts].filter(([, n]) => n !== 1)).toEqual([]);
    expect([...counts.keys()].sort()).toEqual(outbox.map((o) => o.key).sort());
    expect(all.every((r) => r.key !== "")).toBe(true);

    // each team's daily summary, once per data day, every day (the data day T-1 is summarised on T)
    const daily = outbox.filter((o) => o.kind === "summary" && o.key.endsWith(":1|" + o.channel));
    const byTeam = new Map<string, string[]>();
    for (const o of daily) byTeam.set(o.team, [...(byTeam.get(o.team) ?? []), o.key.split(":")[2]!]);
    expect([...byTeam.keys()].sort()).toEqual([...TEAMS]);
    for (const team of TEAMS) {
      const days = byTeam.get(team)!;
      expect(new Set(days).size, `${team}: one summary per day`).toBe(days.length);
      expect(days.length, `${team}: a summary on each of the ${SIM_DAYS} days`).toBe(SIM_DAYS);
      // consecutive days, one per simulated day
      const sorted = [...days].sort();
      for (let k = 1; k < sorted.length; k++) expect(sorted[k]).toBe(addDays(sorted[k - 1]!, 1));
    }
    // ... to the team's channel, received there
    const channelOf: Record<string, string> = { payments: "payments-slack", search: "search-hook", data: "data-mail" };
    for (const o of daily) expect(o.channel).toBe(channelOf[o.team]);

    // each anomaly alerted once, to its owner's channel, within 5 minutes of simulated time after its data landed
    const anomalies = outbox.filter((o) => o.kind === "anomaly");
    expect(anomalies.map((o) => `${o.team} ${o.channel}`)).toEqual(ANOMALIES.map((a) => `${a.team} ${a.channel}`));
    for (const [k, a] of ANOMALIES.entries()) {
      const o = anomalies[k]!;
      expect(o.key).toContain(`:${a.team}:USD:${a.day}|`);
      expect(o.landed).not.toBeNull();
      // the data landed with the sync of the spike day (or of the day after, when the spike day completes then)
      expect([syncedAt.get(a.day), syncedAt.get(addDays(a.day, 1))].map((x) => x!.slice(0, 16))).toContain(o.landed!.slice(0, 16));
      const latency = (Date.parse(o.sent!) - Date.parse(o.landed!)) / 1000;
      expect(latency).toBeGreaterThanOrEqual(0);
      expect(latency).toBeLessThanOrEqual(300);
    }
    // the Slack alert is a Slack payload (header block, link to the anomaly); the email alert is an email to data
    const slackAlert = received.find((r) => r.path === "/slack/payments" && r.key.startsWith("anomaly:"))!;
    const slack = JSON.parse(slackAlert.body) as { text: string; blocks: { type: string }[] };
    expect(typeof slack.text).toBe("string");
    expect(slack.blocks[0]!.type).toBe("header");
    expect(slackAlert.body).toMatch(/https:\/\/costwise\.example\.com\/anomalies\?anomaly=[0-9a-f]{16}/);
    expect(slackAlert.body).toContain("i-pay-1");
    const mailAlert = mails.find((m) => m.key.startsWith("anomaly:"))!;
    expect(mailAlert.body).toMatch(/To: data@example\.com/);
    expect(mailAlert.body).toContain("i-data-1");
    for (const r of received.filter((x) => x.path === "/slack/payments")) expect(Array.isArray((JSON.parse(r.body) as { blocks: unknown[] }).blocks)).toBe(true);
    for (const r of received.filter((x) => x.path.startsWith("/hook/"))) expect((JSON.parse(r.body) as { notification: { key: string } }).notification.key).toBe(r.key.split("|")[0]);

    // the budget alert: once, to payments, with the sync that landed the breaching day
    const budget = outbox.filter((o) => o.kind === "budget");
    expect(budget.map((o) => `${o.key} ${o.team}`)).toEqual(["budget:payments-monthly:2026-10-01:actual:100|payments-slack payments"]);
    const breach = ANOMALIES[0]!.day;
    expect([syncedAt.get(breach), syncedAt.get(addDays(breach, 1))].map((x) => x!.slice(0, 16))).toContain(budget[0]!.landed!.slice(0, 16));
    expect((Date.parse(budget[0]!.sent!) - Date.parse(budget[0]!.landed!)) / 1000).toBeLessThanOrEqual(300);

    // expiry notices at the right days: each threshold once, on the first day it is due, to the fallback channel
    const expiry = outbox.filter((o) => o.kind === "commitment");
    expect(expiry.map((o) => `${o.key} ${o.created.slice(0, 10)}`)).toEqual(EXPECTED_EXPIRY.map((e) => `${e.key}|finops-hook ${e.on}`));

    // forecast snapshots saved on each simulated day
    const snaps = await readRows(store, { made_on: col.day, n: col.int }, `SELECT strftime(made_on, '%Y-%m-%d') AS made_on, count(*)::INTEGER AS n FROM ${FORECAST_SNAPSHOTS_TABLE} WHERE scope = 'total' AND period_kind = 'month' GROUP BY 1 ORDER BY 1`);
    expect(snaps).toHaveLength(SIM_DAYS);

    // KPI history: a point on every simulated day; the variance KPI from October's close on
    const kpiDays = await readRows(store, { day: col.day, n: col.int }, `SELECT strftime(day, '%Y-%m-%d') AS day, count(*)::INTEGER AS n FROM ${KPI_TABLE} GROUP BY 1 ORDER BY 1`);
    expect(kpiDays.map((k) => k.day)).toEqual(Array.from({ length: SIM_DAYS }, (_, i) => addDays(FIRST_DAY, i + 1)));
    const variance = await readRows(store, { day: col.day, scope: col.text, value: col.text.nullable() }, `SELECT strftime(day, '%Y-%m-%d') AS day, scope, value FROM ${KPI_TABLE} WHERE kpi = 'forecast-variance' ORDER BY day`);
    expect(variance.length).toBeGreaterThan(0);
    // October closes when its last day is complete; the first KPI run after that computes it, for October
    expect(variance[0]!.day > "2026-10-31").toBe(true);
    expect(variance.every((v) => v.scope.includes("2026-10") && v.value !== null && Number.isFinite(Number(v.value)))).toBe(true);
    expect(variance.at(-1)!.day).toBe(addDays(FIRST_DAY, SIM_DAYS));

    // the restart: the catch-up ran the missed daily jobs once each, and sent nothing already sent
    expect(caughtUp).toEqual(expect.arrayContaining(["kpi", "forecast", "commitments"]));
    expect(caughtUp[0]).toBe("sync"); // the hourly sync missed 04:00-07:00: one run, re-ingesting, alerting no one again
    for (const j of new Set(caughtUp)) expect(caughtUp.filter((x) => x === j), j).toHaveLength(1);
    expect(caughtUp).not.toContain("summary"); // 08:00 had not come yet
    expect(receivedAtRestart).toBeGreaterThan(0);
    expect(sentAtRestart).toBe(receivedAtRestart);

    // the running server (restarted with the store): each anomaly listed over HTTP by its message's id, for its team
    expect(servers).toHaveLength(2);
    expect(anomaliesOverHttp.map((a) => `${a.team} listed=${a.listed} series=${a.seriesKey}`)).toEqual(ANOMALIES.map((a) => `${a.team} listed=true series=${a.team}`));
    for (const a of anomaliesOverHttp) expect(a.id).toMatch(/^[0-9a-f]{16}$/);
    // a KPI history point per simulated day so far, every day; /metrics counts a sync per day (and the catch-up's)
    // and a kpi run per day
    expect(httpDays.map((d) => d.kpiDays)).toEqual(Array.from({ length: SIM_DAYS }, (_, i) => i + 1));
    expect(httpDays.map((d) => d.syncRuns)).toEqual(Array.from({ length: SIM_DAYS }, (_, i) => i + 1 + (i >= RESTART ? 1 : 0)));
    expect(httpDays.map((d) => d.kpiRuns)).toEqual(Array.from({ length: SIM_DAYS }, (_, i) => i + 1));
    await server.close();
    await jobStore.close();
  }, 300_000);
});
