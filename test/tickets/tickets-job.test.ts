/**
 * The `tickets` job (what `costwise serve` runs hourly): files tickets; a tracker that is down makes the run fail
 * (recorded, retried) with the item kept pending; the next run files it, once.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { parseConfig } from "../../src/engine/config/load-config.js";
import type { RecommendationDraft } from "../../src/core/optimize/recommendation-model.js";
import { DEFAULT_JOB_SCHEDULES } from "../../src/core/config/sections/notify.js";
import { runJob } from "../../src/engine/jobs/jobs.js";
import { saveRecommendations } from "../../src/engine/optimize/recommendation-store.js";
import { listTickets } from "../../src/engine/tickets/sync.js";
import { startGithubFake, type GithubFake } from "../helpers/github-fake.js";
import { tempStore } from "../helpers/store.js";

let ctx: Awaited<ReturnType<typeof tempStore>>;
let gh: GithubFake;
beforeEach(async () => {
  ctx = await tempStore();
  gh = await startGithubFake({ repos: ["acme/finops"] });
});
afterEach(async () => {
  await ctx.cleanup();
  await gh.stop();
});

const draft: RecommendationDraft = {
  key: "unattached-volume:vol-1", type: "unattached-volume", resourceId: "vol-1", resourceType: "ebs-volume", region: "us-east-1", accountId: null, owner: null, ownerSource: null,
  action: "delete", currentConfig: null, targetConfig: null, monthlySaving: "64", currency: "USD", savingBasis: "list-price", confidence: "high", reason: "unattached for 30 days", risks: [], details: {}, baselineMonthlyCost: "64",
};

it("runs on its default schedule, files through the fallback route, and a down tracker fails the run without losing the item", async () => {
  expect(DEFAULT_JOB_SCHEDULES.tickets).toBe("20 * * * *");
  await saveRecommendations(ctx.store, [draft], ["unattached-volume"], "run1");
  const config = parseConfig(`
notify: { dashboardUrl: "https://costwise.example.com" }
tickets:
  trackers: { gh: { type: github, apiUrl: "${gh.url}", tokenEnv: H5_JOB_TOKEN } }
  fallback: { tracker: gh, repo: acme/finops }
`);
  const job = { store: ctx.store, workspace: { config, file: undefined, baseDir: ctx.dir }, env: { H5_JOB_TOKEN: gh.token }, attempts: 2, retryDelayMs: () => 0, now: () => new Date("2026-03-02T09:20:00Z") };
  gh.down = true;
  const failed = await runJob(job, "tickets", "schedule");
  expect([failed.status, failed.attempts]).toEqual(["failed", 2]);
  expect(failed.error).toMatch(/tickets: 1 pending, tracker\(s\) unavailable: gh: GitHub answered 503/);
  expect((await listTickets(ctx.store)).map((t) => [t.status, t.attempts])).toEqual([["pending", 2]]);
  gh.down = false;
  const ok = await runJob(job, "tickets", "schedule");
  expect([ok.status, ok.summary["filed"], ok.summary["pending"]]).toEqual(["ok", 1, 0]);
  expect(gh.issues.map((i) => [i.repo, i.body.includes("https://costwise.example.com/recommendations?id=")])).toEqual([["acme/finops", true]]);
  const again = await runJob(job, "tickets", "schedule");
  expect([again.summary["filed"], again.summary["unchanged"]]).toEqual([0, 1]);
  expect(gh.issues).toHaveLength(1);
  expect(gh.violations).toEqual([]);
});
