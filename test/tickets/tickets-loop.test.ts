/**
 * The ticket loop end to end against local GitHub (requests and answers checked against GitHub's OpenAPI
 * description) and Jira Cloud servers: a recommendation becomes a ticket, a re-run does not file again (it
 * updates when a figure changed), closing the ticket marks it done, won't-do dismisses it with the ticket's
 * reason, reopening reopens it; rate limits are waited out; a tracker that is down delays tickets and loses none.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ticketsSection, type TicketsConfig } from "../../src/core/config/sections/tickets.js";
import type { RecommendationDraft } from "../../src/core/optimize/recommendation-model.js";
import { optimizationDefaults } from "../../src/core/config/sections/optimization.js";
import { measureRealizedSavings } from "../../src/engine/optimize/realized-savings.js";
import { getRecommendation, recommendationHistory, saveRecommendations } from "../../src/engine/optimize/recommendation-store.js";
import { listTickets, syncTickets } from "../../src/engine/tickets/sync.js";
import { startGithubFake, type GithubFake } from "../helpers/github-fake.js";
import { startJiraFake, type JiraFake } from "../helpers/jira-fake.js";
import { tempStore } from "../helpers/store.js";

let ctx: Awaited<ReturnType<typeof tempStore>>;
let gh: GithubFake;
let jira: JiraFake;
let slept: number[];

beforeEach(async () => {
  ctx = await tempStore();
  gh = await startGithubFake({ repos: ["acme/payments", "acme/finops"] });
  jira = await startJiraFake({ projects: { PLAT: { components: ["Infra"] } } });
  slept = [];
});
afterEach(async () => {
  await ctx.cleanup();
  await gh.stop();
  await jira.stop();
});

const draft = (resource: string, owner: string, saving: string, type: RecommendationDraft["type"] = "idle-instance"): RecommendationDraft => ({
  key: `${type}:${resource}`,
  type,
  resourceId: resource,
  resourceType: "ec2-instance",
  region: "eu-west-1",
  accountId: "111122223333",
  owner,
  ownerSource: "resource tag team",
  action: "stop",
  currentConfig: "m5.xlarge",
  targetConfig: null,
  monthlySaving: saving,
  currency: "USD",
  savingBasis: "list-price",
  confidence: "high",
  reason: "CPU below 2% for 14 days",
  risks: [],
  details: {},
  baselineMonthlyCost: saving,
});

function config(): TicketsConfig {
  return ticketsSection.parse({
    trackers: {
      gh: { type: "github", apiUrl: gh.url, tokenEnv: "GH_TICKETS_TOKEN", labels: ["finops"] },
      jira: { type: "jira", site: jira.url, email: jira.email, tokenEnv: "JIRA_TICKETS_TOKEN", labels: ["finops"] },
    },
    routes: [
      { team: "payments", tracker: "gh", repo: "acme/payments", labels: ["cost"] },
      { team: "platform", tracker: "jira", project: "PLAT", components: ["Infra"] },
    ],
    rules: { recommendations: { minMonthlySaving: "50" } },
    maxRateLimitWaitSeconds: 120,
  });
}

const env = () => ({ GH_TICKETS_TOKEN: gh.token, JIRA_TICKETS_TOKEN: jira.token });
const at = (iso: string) => new Date(iso);
const sync = (now: string, cfg = config()) =>
  syncTickets(ctx.store, cfg, { now: at(now), env: env(), baseDir: ctx.dir, dashboardUrl: "https://costwise.example.com", sleep: async (ms) => void slept.push(ms) });

async function recId(resource: string): Promise<string> {
  return String((await getRecommendation(ctx.store, `idle-instance:${resource}`)).id);
}

describe("the ticket loop", () => {
  it("files once, updates on new figures, and status flows back: done, won't do with reason, reopened", async () => {
    await saveRecommendations(ctx.store, [draft("i-0pay", "payments", "120.5"), draft("i-0plat", "platform", "80"), draft("i-0small", "payments", "12")], ["idle-instance"], "run1");

    // run 1: one ticket per recommendation above 50 a month, in the team's tracker
    const r1 = await sync("2026-03-02T09:00:00Z");
    expect([r1.items, r1.filed, r1.updated, r1.pending]).toEqual([2, 2, 0, 0]);
    expect(gh.issues).toHaveLength(1);
    const issue = gh.issues[0]!;
    expect(issue.repo).toBe("acme/payments");
    expect(issue.labels).toEqual(["finops", "cost"]);
    expect(issue.title).toContain("120.50 USD/month");
    // the body: what, why, resource with its tags, money, action, deep link
    expect(issue.body).toContain("CPU below 2% for 14 days");
    expect(issue.body).toContain("`i-0pay`");
    expect(issue.body).toContain("| Monthly saving | 120.50 USD |");
    expect(issue.body).toContain(`(https://costwise.example.com/recommendations?id=${await recId("i-0pay")})`);
    expect(issue.body).toContain("<!-- costwise:ticket recommendation:idle-instance:i-0pay -->");
    expect(jira.issues.map((i) => [i.key, i.labels, i.components])).toEqual([["PLAT-1", ["finops"], ["Infra"]]]);
    expect(JSON.stringify(jira.issues[0]!.description)).toContain("80.00 USD");

    // run 2: nothing changed → nothing filed, nothing sent but state reads
    const before = gh.requests.length;
    const r2 = await sync("2026-03-02T10:00:00Z");
    expect([r2.filed, r2.updated, r2.unchanged]).toEqual([0, 0, 2]);
    expect(gh.issues).toHaveLength(1);
    expect(jira.issues).toHaveLength(1);
    expect(gh.requests.slice(before).map((q) => q.operation)).toEqual(["GET /repos/{owner}/{repo}/issues/{issue_number}"]);

    // run 3: fresher figures → the same ticket's body is updated, not a new ticket
    await saveRecommendations(ctx.store, [draft("i-0pay", "payments", "130"), draft("i-0plat", "platform", "80"), draft("i-0small", "payments", "12")], ["idle-instance"], "run2");
    const r3 = await sync("2026-03-03T09:00:00Z");
    expect([r3.filed, r3.updated, r3.unchanged]).toEqual([0, 1, 1]);
    expect(gh.issues).toHaveLength(1);
    expect(gh.issues[0]!.body).toContain("| Monthly saving | 130.00 USD |");
    expect(gh.requests.some((q) => q.operation === "PATCH /repos/{owner}/{repo}/issues/{issue_number}")).toBe(true);

    // the owners close them: GitHub as completed, Jira as Won't Do with a comment
    gh.close({ repo: "acme/payments", number: 1 }, "completed");
    jira.resolve("PLAT-1", "Won't Do", "instance is the DR standby, kept on purpose");
    const r4 = await sync("2026-03-04T09:00:00Z");
    expect(r4.statusChanges.map((c) => [c.ticket, c.from, c.to])).toEqual([
      ["acme/payments#1", "open", "done"],
      ["PLAT-1", "open", "dismissed"],
    ]);
    const done = await getRecommendation(ctx.store, await recId("i-0pay"));
    expect([done.status, done.statusChangedAt]).toEqual(["done", "2026-03-04T09:00:00Z"]);
    expect(done.statusReason).toBe("GitHub issue acme/payments#1 closed as completed: by @alice");
    const dismissed = await getRecommendation(ctx.store, await recId("i-0plat"));
    expect(dismissed.status).toBe("dismissed");
    expect(dismissed.statusReason).toBe("Jira issue PLAT-1 closed as won't do: Won't Do: instance is the DR standby, kept on purpose");

    // a run after that changes nothing (no double transition)
    expect((await sync("2026-03-04T10:00:00Z")).statusChanges).toEqual([]);

    // reopened → open again; the history records each change
    gh.reopen({ repo: "acme/payments", number: 1 });
    const r6 = await sync("2026-03-05T09:00:00Z");
    expect(r6.statusChanges.map((c) => [c.ticket, c.to])).toEqual([["acme/payments#1", "open"]]);
    expect((await getRecommendation(ctx.store, await recId("i-0pay"))).status).toBe("open");
    expect((await recommendationHistory(ctx.store, Number(await recId("i-0pay")))).filter((e) => e.event === "status").map((e) => [e.toStatus, e.at])).toEqual([
      ["done", "2026-03-04T09:00:00Z"],
      ["open", "2026-03-05T09:00:00Z"],
    ]);
    // still one ticket per item, ever
    expect(gh.issues).toHaveLength(1);
    expect(jira.issues).toHaveLength(1);

    // every request costwise sent GitHub, and every answer the fake gave, fit GitHub's OpenAPI description
    expect(gh.violations).toEqual([]);
    expect(jira.rejected).toEqual([]);
  });

  it("the won't-do reason on GitHub is the last comment", async () => {
    await saveRecommendations(ctx.store, [draft("i-0pay", "payments", "90")], ["idle-instance"], "run1");
    await sync("2026-03-02T09:00:00Z");
    gh.close({ repo: "acme/payments", number: 1 }, "not_planned", "we decommission this service next month anyway");
    const r = await sync("2026-03-03T09:00:00Z");
    expect(r.statusChanges.map((c) => c.to)).toEqual(["dismissed"]);
    expect((await getRecommendation(ctx.store, await recId("i-0pay"))).statusReason).toBe("GitHub issue acme/payments#1 closed as won't do: by @alice: we decommission this service next month anyway");
    expect(gh.violations).toEqual([]);
  });
});

/**
 * The generated bill, one line a day 2026-02-15 .. 2026-03-20 (the newest day 03-20 is still filling: the last
 * complete day is 03-19), tagged team=payments env=prod:
 *   i-0pay  10.00/day until 03-03, 7.00 on 03-04 (the day its ticket is closed), 4.00/day from 03-05
 * Hand-computed with N = 14: before 02-18..03-03 = 14 × 10 = 140 (10/day); after 03-05..03-18 = 14 × 4 = 56
 * (4/day); measured 6.00/day = 6 × 730 / 24 = 182.50 a month.
 */
async function bill(): Promise<void> {
  await ctx.store.run(`INSERT INTO focus_costs ("ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BilledCost", "EffectiveCost", "BillingCurrency", "ServiceName", "ResourceId", "Tags")
    SELECT day, day + INTERVAL 1 DAY, date_trunc('month', day), c, c, 'USD', 'Amazon EC2', 'i-0pay', MAP {'team': 'payments', 'env': 'prod'} FROM (
      SELECT TIMESTAMP '2026-02-15' + INTERVAL (d) DAY AS day,
        CAST(CASE WHEN TIMESTAMP '2026-02-15' + INTERVAL (d) DAY < TIMESTAMP '2026-03-04' THEN 10
                  WHEN TIMESTAMP '2026-02-15' + INTERVAL (d) DAY = TIMESTAMP '2026-03-04' THEN 7 ELSE 4 END AS DECIMAL(38,10)) AS c
      FROM range(34) t(d))`);
}

describe("the loop closes on the bill", () => {
  it("a ticket closed as completed marks the recommendation done, and the bill after it gives the hand-computed saving", async () => {
    await bill();
    await saveRecommendations(ctx.store, [draft("i-0pay", "payments", "300")], ["idle-instance"], "run1");
    await sync("2026-03-02T09:00:00Z");
    // the body names the resource with its tags from the bill
    expect(gh.issues[0]!.body).toContain("**Tags:** `env=prod`, `team=payments`");
    gh.close({ repo: "acme/payments", number: 1 }, "completed");
    await sync("2026-03-04T09:00:00Z");
    const r = await measureRealizedSavings(ctx.store, optimizationDefaults(), { now: new Date("2026-04-01T00:00:00Z") });
    expect(r.lastCompleteDay).toBe("2026-03-19");
    expect(r.items.map((i) => [i.resourceId, i.status, i.changeDay, i.before.perDay, i.after.perDay, i.measuredMonthlySaving, i.expectedMonthlySaving])).toEqual([
      ["i-0pay", "measured", "2026-03-04", "10.0000000000", "4.0000000000", "182.5000000000", "300.0000000000"],
    ]);
    expect(gh.violations).toEqual([]);
  });
});

describe("rate limits", () => {
  it("waits out GitHub's retry-after, x-ratelimit-reset and secondary limits, and Jira's 429 Retry-After", async () => {
    await saveRecommendations(ctx.store, [draft("i-0pay", "payments", "120"), draft("i-0pay2", "payments", "100"), draft("i-0pay3", "payments", "90"), draft("i-0plat", "platform", "80")], ["idle-instance"], "run1");
    gh.faults.push({ kind: "retry-after", seconds: 7 });
    const r1 = await sync("2026-03-02T09:00:00Z", ticketsSection.parse({ ...config(), routes: [config().routes[0]!], rules: { recommendations: { minMonthlySaving: "100" } } }));
    expect(r1.filed).toBe(2);
    expect(slept).toEqual([7000]);
    // the limit exhausted until a reset time: wait until then (+1 s margin)
    gh.faults.push({ kind: "rate-reset", resetInSeconds: 30 });
    slept = [];
    const r2 = await sync("2026-03-02T10:00:00Z", ticketsSection.parse({ ...config(), routes: [config().routes[0]!], rules: { recommendations: { minMonthlySaving: "90" } } }));
    expect(r2.filed).toBe(1);
    expect(slept).toHaveLength(1);
    expect(slept[0]).toBeGreaterThanOrEqual(29_000);
    expect(slept[0]).toBeLessThanOrEqual(32_000);
    // a secondary limit with neither header: one minute
    gh.faults.push({ kind: "secondary" });
    jira.rateLimits.push(3);
    slept = [];
    const r3 = await sync("2026-03-02T11:00:00Z", ticketsSection.parse({ ...config(), rules: { recommendations: { minMonthlySaving: "50" } } }));
    expect(r3.filed).toBe(1); // the Jira one
    expect(slept.sort((a, b) => a - b)).toEqual([3000, 60_000]);
    expect(gh.issues).toHaveLength(3);
    expect(jira.issues).toHaveLength(1);
    expect(gh.violations).toEqual([]);
  });

  it("a wait beyond the run's budget defers the tracker: the item stays pending and the next run files it", async () => {
    await saveRecommendations(ctx.store, [draft("i-0pay", "payments", "120")], ["idle-instance"], "run1");
    gh.faults.push({ kind: "retry-after", seconds: 3600 });
    const r1 = await sync("2026-03-02T09:00:00Z");
    expect([r1.filed, r1.pending]).toEqual([0, 1]);
    expect(Object.keys(r1.deferred)).toEqual(["gh"]);
    expect(slept).toEqual([]);
    const r2 = await sync("2026-03-02T10:00:00Z");
    expect([r2.filed, r2.pending]).toEqual([1, 0]);
    expect(gh.issues).toHaveLength(1);
  });
});

describe("a tracker that is down", () => {
  it("delays tickets (pending, visible, retried next run) and loses none; the other tracker goes on", async () => {
    await saveRecommendations(ctx.store, [draft("i-0pay", "payments", "120"), draft("i-0pay2", "payments", "110"), draft("i-0plat", "platform", "80")], ["idle-instance"], "run1");
    gh.down = true;
    const r1 = await sync("2026-03-02T09:00:00Z");
    expect([r1.filed, r1.pending]).toEqual([1, 2]);
    expect(r1.deferred["gh"]).toMatch(/GitHub answered 503/);
    // the second GitHub item was not even tried once the tracker was known down
    expect(gh.requests.filter((q) => q.operation === "POST /repos/{owner}/{repo}/issues")).toHaveLength(1);
    const backlog = await listTickets(ctx.store, { status: "pending" });
    expect(backlog.map((t) => [t.key, t.attempts, t.last_error])).toEqual([
      ["recommendation:idle-instance:i-0pay", 1, "GitHub answered 503: Service Unavailable"],
      ["recommendation:idle-instance:i-0pay2", 1, "tracker gh deferred: GitHub answered 503: Service Unavailable"],
    ]);
    // down by a dropped connection: still pending
    gh.down = false;
    gh.faults.push({ kind: "hangup" });
    const r2 = await sync("2026-03-02T10:00:00Z");
    expect(r2.pending).toBe(2);
    // back up: both filed, once each
    const r3 = await sync("2026-03-02T11:00:00Z");
    expect([r3.filed, r3.pending]).toEqual([2, 0]);
    expect(gh.issues.map((i) => i.title.match(/i-0pay2?/)![0]).sort()).toEqual(["i-0pay", "i-0pay2"]);
    expect(jira.issues).toHaveLength(1);
    expect(gh.violations).toEqual([]);
  });

  it("dry run calls no tracker and writes nothing", async () => {
    await saveRecommendations(ctx.store, [draft("i-0pay", "payments", "120")], ["idle-instance"], "run1");
    const r = await syncTickets(ctx.store, config(), { now: at("2026-03-02T09:00:00Z"), env: env(), baseDir: ctx.dir, dashboardUrl: "http://x", dryRun: true });
    expect(r.actions.map((a) => [a.action, a.target])).toEqual([["file", "acme/payments"]]);
    expect(gh.requests).toEqual([]);
    expect(await listTickets(ctx.store)).toEqual([]);
  });
});
