/**
 * The other direction of the ticket loop (issue 20 follow-up): a recommendation marked done or dismissed by hand
 * (the CLI's `recommend done/dismiss`, the API's status route: both setRecommendationStatus) while its ticket is
 * open → the next tickets run comments on the ticket and closes it (completed / won't do), once; the status read
 * back afterwards does not flip the recommendation; a tracker that fails leaves the ticket open for the next run.
 * Against the local GitHub (OpenAPI-checked) and Jira Cloud fakes.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ticketsSection, type TicketsConfig } from "../../src/core/config/sections/tickets.js";
import type { RecommendationDraft } from "../../src/core/optimize/recommendation-model.js";
import { getRecommendation, saveRecommendations, setRecommendationStatus } from "../../src/engine/optimize/recommendation-store.js";
import { listTickets, syncTickets } from "../../src/engine/tickets/sync.js";
import { startGithubFake, type GithubFake } from "../helpers/github-fake.js";
import { startJiraFake, type JiraFake } from "../helpers/jira-fake.js";
import { tempStore } from "../helpers/store.js";

let ctx: Awaited<ReturnType<typeof tempStore>>;
let gh: GithubFake;
let jira: JiraFake;

beforeEach(async () => {
  ctx = await tempStore();
  gh = await startGithubFake({ repos: ["acme/payments"] });
  jira = await startJiraFake({ projects: { PLAT: {} } });
});
afterEach(async () => {
  await ctx.cleanup();
  await gh.stop();
  await jira.stop();
});

const draft = (resource: string, owner: string): RecommendationDraft => ({
  key: `idle-instance:${resource}`,
  type: "idle-instance",
  resourceId: resource,
  resourceType: "ec2-instance",
  region: "eu-west-1",
  accountId: "111122223333",
  owner,
  ownerSource: "resource tag team",
  action: "stop",
  currentConfig: "m5.xlarge",
  targetConfig: null,
  monthlySaving: "100",
  currency: "USD",
  savingBasis: "list-price",
  confidence: "high",
  reason: "CPU below 2% for 14 days",
  risks: [],
  details: {},
  baselineMonthlyCost: "100",
});

const config = (): TicketsConfig =>
  ticketsSection.parse({
    trackers: {
      gh: { type: "github", apiUrl: gh.url, tokenEnv: "GH_T" },
      jira: { type: "jira", site: jira.url, email: jira.email, tokenEnv: "JIRA_T" },
    },
    routes: [
      { team: "payments", tracker: "gh", repo: "acme/payments" },
      { team: "platform", tracker: "jira", project: "PLAT" },
    ],
    rules: { recommendations: { minMonthlySaving: "50" } },
  });
const sync = (now: string) => syncTickets(ctx.store, config(), { now: new Date(now), env: { GH_T: gh.token, JIRA_T: jira.token }, baseDir: ctx.dir, dashboardUrl: "https://costwise.example.com", sleep: async () => {} });
const id = async (r: string) => String((await getRecommendation(ctx.store, `idle-instance:${r}`)).id);

describe("tickets of recommendations marked done or dismissed by hand", () => {
  it("are closed with a comment (GitHub completed, Jira won't do), once, and the recommendation keeps its status", async () => {
    await saveRecommendations(ctx.store, [draft("i-0pay", "payments"), draft("i-0plat", "platform"), draft("i-0keep", "payments")], ["idle-instance"], "run1");
    const r1 = await sync("2026-03-02T09:00:00Z");
    expect(r1.filed).toBe(3);
    expect(r1.closed).toBe(0);

    // by hand: done (CLI recommend done) and dismissed with a reason (API status route)
    await setRecommendationStatus(ctx.store, await id("i-0pay"), "done", "stopped in the console", new Date("2026-03-02T12:00:00Z"));
    await setRecommendationStatus(ctx.store, await id("i-0plat"), "dismissed", "DR standby, kept on purpose", new Date("2026-03-02T12:00:00Z"));
    const r2 = await sync("2026-03-03T09:00:00Z");
    expect(r2.closed).toBe(2);
    expect(r2.statusChanges).toEqual([]);
    const pay = gh.issues.find((i) => i.body.includes("i-0pay"))!;
    expect(r2.actions.filter((a) => a.action === "close").map((a) => [a.key, a.ticket, a.detail])).toEqual([
      ["recommendation:idle-instance:i-0pay", String(pay.number), "recommendation done: closed as completed"],
      ["recommendation:idle-instance:i-0plat", "PLAT-1", "recommendation dismissed: closed as won't do"],
    ]);
    expect([pay.state, pay.state_reason]).toEqual(["closed", "completed"]);
    expect(pay.comments).toEqual(["Marked done in costwise on 2026-03-02: stopped in the console. Closed by costwise."]);
    const keep = gh.issues.find((i) => i.body.includes("i-0keep"))!;
    expect([keep.state, keep.comments]).toEqual(["open", []]);
    const plat = jira.issues[0]!;
    expect([plat.statusCategory, plat.resolution]).toEqual(["done", "Won't Do"]);
    expect(plat.comments).toEqual(["Marked dismissed in costwise on 2026-03-02: DR standby, kept on purpose. Closed by costwise."]);
    expect((await listTickets(ctx.store, { status: "filed" })).map((t) => [t.key, t.remote_state])).toEqual(
      expect.arrayContaining([
        ["recommendation:idle-instance:i-0pay", "closed"],
        ["recommendation:idle-instance:i-0plat", "closed"],
        ["recommendation:idle-instance:i-0keep", "open"],
      ]),
    );

    // next run: the closed tickets read back as closed; nothing is closed again, no status flips
    const commentsBefore = gh.requests.filter((q) => q.operation === "POST /repos/{owner}/{repo}/issues/{issue_number}/comments").length;
    const r3 = await sync("2026-03-04T09:00:00Z");
    expect([r3.closed, r3.statusChanges.length]).toEqual([0, 0]);
    expect(gh.requests.filter((q) => q.operation === "POST /repos/{owner}/{repo}/issues/{issue_number}/comments").length).toBe(commentsBefore);
    expect((await getRecommendation(ctx.store, await id("i-0pay"))).status).toBe("done");
    expect((await getRecommendation(ctx.store, await id("i-0plat"))).statusReason).toBe("DR standby, kept on purpose");
    expect(gh.violations).toEqual([]);
    expect(jira.rejected).toEqual([]);
  });

  it("a ticket reopened by its owner is not closed again: the recommendation goes back to open", async () => {
    await saveRecommendations(ctx.store, [draft("i-0pay", "payments")], ["idle-instance"], "run1");
    await sync("2026-03-02T09:00:00Z");
    await setRecommendationStatus(ctx.store, await id("i-0pay"), "done", undefined, new Date("2026-03-02T12:00:00Z"));
    expect((await sync("2026-03-03T09:00:00Z")).closed).toBe(1);
    gh.reopen({ repo: "acme/payments", number: 1 });
    const r = await sync("2026-03-04T09:00:00Z");
    expect(r.closed).toBe(0);
    expect(r.statusChanges.map((c) => [c.from, c.to])).toEqual([["done", "open"]]);
    expect(gh.issues[0]!.state).toBe("open");
  });

  it("a tracker that is down leaves the ticket open; the next run closes it", async () => {
    await saveRecommendations(ctx.store, [draft("i-0plat", "platform")], ["idle-instance"], "run1");
    await sync("2026-03-02T09:00:00Z");
    await setRecommendationStatus(ctx.store, await id("i-0plat"), "done", undefined, new Date("2026-03-02T12:00:00Z"));
    jira.down = true;
    const r1 = await sync("2026-03-03T09:00:00Z");
    expect(r1.closed).toBe(0);
    expect(r1.deferred["jira"]).toMatch(/Jira answered 5\d\d/);
    expect(jira.issues[0]!.statusCategory).toBe("new");
    jira.down = false;
    const r2 = await sync("2026-03-04T09:00:00Z");
    expect(r2.closed).toBe(1);
    expect([jira.issues[0]!.statusCategory, jira.issues[0]!.resolution]).toEqual(["done", "Done"]);
  });
});
