/**
 * Deep links, end to end: on the demo store behind a real `costwise serve`, one message of every kind (anomaly,
 * budget, team summary, recommendation digest, governance alert, commitment expiry) goes through the outbox to a
 * webhook receiver; each link taken from a DELIVERED message is opened in headless Chromium (Debian's
 * /usr/bin/chromium via playwright-core), and the page must show the exact item: its row highlighted (class
 * `focus`, `data-focus`) with the item's id, scrolled into view. Under CI=true a missing Chromium fails; locally
 * the suite is skipped loudly (like dashboard.test.ts).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UNALLOCATED } from "../../src/core/allocation/model.js";
import type { CostwiseConfig } from "../../src/core/config/schema.js";
import { notifySection } from "../../src/core/config/sections/notify.js";
import type { Notification, NotificationKind } from "../../src/core/notify/message.js";
import { runDemoAnalyses } from "../../src/demo/analyses.js";
import { runDemo } from "../../src/demo/run-demo.js";
import { ALLOCATION_TABLE } from "../../src/engine/allocation/tables.js";
import { budgetStatus } from "../../src/engine/detect/budget-status.js";
import { lastCompleteDayFromStore } from "../../src/engine/detect/load-series.js";
import { runMonitors } from "../../src/engine/detect/monitors.js";
import { anomalyNotification, budgetNotifications, teamSummary } from "../../src/engine/notify/build-messages.js";
import { commitmentExpiryNotices } from "../../src/engine/notify/commitment-expiry.js";
import { governanceFindingAlerts } from "../../src/engine/notify/governance-alerts.js";
import { deliver, enqueue } from "../../src/engine/notify/outbox.js";
import { recommendationDigests } from "../../src/engine/notify/recommendation-digest.js";
import { commitmentEndDates } from "../../src/engine/optimize/commitment-analysis.js";
import { RECOMMENDATIONS_TABLE } from "../../src/engine/optimize/tables.js";
import { col, readRow } from "../../src/engine/store/read-rows.js";
import { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";
import { startServer, type RunningServer } from "../../src/server/serve.js";

const CHROMIUM = "/usr/bin/chromium";
const ROOT = resolve(import.meta.dirname, "../..");
const WEB_DIST = join(ROOT, "web/dist");
const ARTIFACTS = join(ROOT, "test-artifacts/e2e");
const DAY = 86_400_000;
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env["CI"] === "true") throw new Error(`${CHROMIUM} is missing: the deep-link browser tests need Debian's chromium package (CI installs it)`);
  console.warn(`\n⚠ SKIPPING deep-link browser tests: ${CHROMIUM} is not installed (apt-get install chromium). Under CI=true this fails.\n`);
}

/** The newest modification time under a folder (to rebuild a stale dashboard bundle). */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

describe.skipIf(!haveChromium)("deep links from delivered messages open the exact item", () => {
  let dir: string;
  let store: DuckDbStore;
  let server: RunningServer;
  let hook: Server;
  let context: BrowserContext;
  let page: Page;
  /** What the webhook receiver got: the notification of each delivered message. */
  const delivered: Notification[] = [];

  beforeAll(async () => {
    const index = join(WEB_DIST, "index.html");
    if (!existsSync(index) || statSync(index).mtimeMs < newest(join(ROOT, "web/src"))) {
      execFileSync("npm", ["run", "build:web"], { cwd: ROOT, stdio: "inherit" });
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), "costwise-e2e-links-"));
    store = await DuckDbStore.open(join(dir, "demo.duckdb"));
    const summary = await runDemo(store, { seed: 42, months: 3, scale: 0.2, dataDir: join(dir, "demo"), focusSample: null });
    const { config } = await runDemoAnalyses(store, summary, { configDir: dir });
    server = await startServer(store, { store, host: "127.0.0.1", port: 0, logLevel: "warn", webDir: WEB_DIST, workspace: { config, baseDir: dir } });

    // the webhook receiver: every delivered message's notification
    hook = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        delivered.push((JSON.parse(body) as { notification: Notification }).notification);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
    const env = { E2E_HOOK_URL: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook` };
    const notify = notifySection.parse({
      dashboardUrl: server.url,
      channels: { hook: { type: "webhook", urlEnv: "E2E_HOOK_URL" } },
      fallback: ["hook"],
      rateLimit: { perChannelPerHour: 10_000 },
    });
    const cfg: CostwiseConfig = { ...config, notify };
    const o = { dashboardUrl: notify.dashboardUrl };

    // one message of every kind, built by the builders the jobs use from what the demo stored
    const messages: Notification[] = [];
    const asOf = (await lastCompleteDayFromStore(store))!;
    const dataNow = new Date(Date.parse(`${asOf}T00:00:00Z`) + 1.25 * DAY);
    const found = await runMonitors(store, cfg, { now: dataNow });
    const alert = found.anomalies.find((a) => a.alert);
    expect(alert, "the demo has an alerting anomaly").toBeDefined();
    messages.push(await anomalyNotification(store, alert!, o));
    const budget = (await budgetStatus(store, cfg, {})).find((s) => s.crossed.length > 0);
    expect(budget, "the demo has a budget with a threshold crossed").toBeDefined();
    messages.push(...budgetNotifications({ ...budget!, newAlerts: budget!.crossed.slice(0, 1) }, cfg, o));
    const team = await readRow(store, { team: col.text }, { sql: `SELECT team FROM ${ALLOCATION_TABLE} WHERE team <> ? GROUP BY team ORDER BY sum(effective_cost) DESC LIMIT 1`, params: [UNALLOCATED] });
    messages.push(await teamSummary(store, team!.team, { asOf, dashboardUrl: o.dashboardUrl }));
    // the digest covers the last complete week: a week after the demo's recommendations were first seen
    const firstSeen = await readRow(store, { t: col.timestamp }, `SELECT strftime(max(first_seen), '%Y-%m-%dT%H:%M:%SZ') AS t FROM ${RECOMMENDATIONS_TABLE}`);
    messages.push(...(await recommendationDigests(store, cfg, { now: new Date(Date.parse(firstSeen!.t) + 7 * DAY), dashboardUrl: o.dashboardUrl })));
    messages.push(...(await governanceFindingAlerts(store, cfg, { now: dataNow, dashboardUrl: o.dashboardUrl })));
    // a commitment seen in the bill's last days, 30 days before its end (the demo CUR states each term's end in
    // reservation/EndTime, savingsPlan/EndTime)
    const ending = (await commitmentEndDates(store)).find((c) => c.lastSeen === asOf);
    expect(ending, "the demo has a commitment with a known end").toBeDefined();
    expect(ending!.basis).toBe("end-time");
    const expiry = await commitmentExpiryNotices(store, cfg, { now: new Date(Date.parse(ending!.endsAt) - 30 * DAY), dashboardUrl: o.dashboardUrl });
    messages.push(...expiry.filter((n) => n.key.startsWith(`commitment:${ending!.commitmentId}:`)));

    for (const n of messages) await enqueue(store, notify, n, dataNow);
    const sent = await deliver(store, notify, { now: dataNow, env });
    expect(sent.failed).toBe(0);

    context = await chromium.launchPersistentContext(join(dir, "chromium-profile"), {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      headless: true,
      viewport: { width: 1280, height: 800 },
      locale: "en-US",
    });
    page = context.pages()[0] ?? (await context.newPage());
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    await new Promise((r) => (hook ? hook.close(r) : r(undefined)));
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The link of the delivered message of a kind. */
  const linkOf = (kind: NotificationKind): URL => {
    const n = delivered.find((x) => x.kind === kind);
    expect(n, `a ${kind} message was delivered`).toBeDefined();
    expect(n!.link, `the ${kind} message has a link`).toBeDefined();
    const u = new URL(n!.link!);
    expect(`${u.origin}/`).toBe(new URL(server.url).toString());
    expect(n!.link).not.toContain("#");
    return u;
  };

  /** Opens a link, waits until nothing loads, and returns the highlighted row (exactly one, in view). */
  const openLink = async (u: URL, shot: string) => {
    await page.goto(u.toString());
    await page.waitForSelector("main[data-page]");
    await page.waitForFunction(() => document.querySelectorAll("[data-state=loading]").length === 0, undefined, { timeout: 20_000 });
    expect(await page.locator("main [data-state=error]").allInnerTexts(), `${u.pathname} shows an error`).toEqual([]);
    expect(await page.getByTestId("focus-missing").count(), `${u.pathname}${u.search} names an item the page does not show`).toBe(0);
    const row = page.locator("tr[data-focus]");
    await row.first().waitFor({ timeout: 10_000 });
    expect(await row.count()).toBe(1);
    expect(await row.getAttribute("class")).toContain("focus");
    await page.waitForTimeout(200);
    const box = (await row.boundingBox())!;
    expect(box.y + box.height, "the item is scrolled into view").toBeGreaterThan(0);
    expect(box.y, "the item is scrolled into view").toBeLessThan(800);
    await page.screenshot({ path: join(ARTIFACTS, `deep-link-${shot}.png`) });
    return row;
  };

  it("every kind of message was delivered, each with a path link", () => {
    expect([...new Set(delivered.map((n) => n.kind))].sort()).toEqual(["anomaly", "budget", "commitment", "governance", "recommendation", "summary"]);
    for (const n of delivered) expect(n.link).toMatch(new RegExp(`^${server.url.replace(/\/$/, "")}/(anomalies|overview|teams|recommendations|governance|commitments)\\?`));
  });

  it("an anomaly alert opens the anomaly, highlighted, with its root cause open", async () => {
    const u = linkOf("anomaly");
    expect(u.pathname).toBe("/anomalies");
    const id = u.searchParams.get("anomaly")!;
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    const row = await openLink(u, "anomaly");
    expect(await row.getAttribute("data-anomaly-id")).toBe(id);
    expect(await page.locator("main").getAttribute("data-page")).toBe("/anomalies");
    // the detail row right under it is its root cause
    expect(await page.locator("tr[data-focus] + tr [data-testid=root-cause]").count()).toBe(1);
  });

  it("a budget alert opens that budget on the overview (/overview is the overview)", async () => {
    const u = linkOf("budget");
    expect(u.pathname).toBe("/overview");
    const row = await openLink(u, "budget");
    expect(await page.locator("main").getAttribute("data-page")).toBe("/");
    expect(await row.getAttribute("data-budget")).toBe(u.searchParams.get("budget"));
    expect(await page.locator("nav .active").innerText()).toBe("Overview");
  });

  it("a team summary opens the team in that month", async () => {
    const u = linkOf("summary");
    expect(u.pathname).toBe("/teams");
    const month = u.searchParams.get("month")!;
    expect(month).toMatch(/^\d{4}-\d{2}$/);
    const row = await openLink(u, "team");
    expect(await row.getAttribute("data-team")).toBe(u.searchParams.get("team"));
    expect(await page.locator("main").innerText()).toContain(`${month} ·`);
  });

  it("a recommendation digest opens the recommendation", async () => {
    const u = linkOf("recommendation");
    expect(u.pathname).toBe("/recommendations");
    const row = await openLink(u, "recommendation");
    expect(await row.getAttribute("data-rec-id")).toBe(u.searchParams.get("id"));
  });

  it("a governance alert opens the finding", async () => {
    const u = linkOf("governance");
    expect(u.pathname).toBe("/governance");
    const row = await openLink(u, "governance");
    expect(await row.getAttribute("data-finding-id")).toBe(u.searchParams.get("finding"));
    expect(await row.innerText()).toContain("blocking");
  });

  it("a commitment expiry notice opens the commitment", async () => {
    const u = linkOf("commitment");
    expect(u.pathname).toBe("/commitments");
    const row = await openLink(u, "commitment");
    expect(await row.getAttribute("data-id")).toBe(u.searchParams.get("id"));
  });
});
