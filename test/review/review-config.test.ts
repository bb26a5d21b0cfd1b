/**
 * The `review:` section of costwise.yaml: its defaults (what the review hard-coded before: team finops, 2nd working
 * day, 5 movers, 6 months of trend, 10 untagged), the values it takes, and the mistakes it refuses with the field
 * named. The job test (review-job.test.ts) shows the values used.
 */
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/core/config/schema.js";
import { reviewSettings } from "../../src/core/config/sections/review.js";

describe("review: section", () => {
  it("absent: the defaults", () => {
    expect(reviewSettings(configSchema.parse({}))).toEqual({ team: "finops", workingDay: 2, topMovers: 5, trendMonths: 6, topUntagged: 10 });
  });

  it("takes every field", () => {
    const c = configSchema.parse({ review: { team: "cloud-finance", workingDay: 4, currency: "EUR", topMovers: 3, trendMonths: 12, tag: "cost-center", topUntagged: 25 } });
    expect(reviewSettings(c)).toEqual({ team: "cloud-finance", workingDay: 4, currency: "EUR", topMovers: 3, trendMonths: 12, tag: "cost-center", topUntagged: 25 });
    // a partial section: the rest at its defaults
    expect(reviewSettings(configSchema.parse({ review: { topMovers: 8 } }))).toMatchObject({ team: "finops", topMovers: 8, trendMonths: 6 });
  });

  // hand-written table: the value → the path and words of the refusal
  const bad: [string, unknown, string, RegExp][] = [
    ["team with a space", { team: "fin ops" }, "review.team", /team name/],
    ["working day 0", { workingDay: 0 }, "review.workingDay", /1|too small/i],
    ["working day 6 (past the job's 1st–7th window)", { workingDay: 6 }, "review.workingDay", /5|too big/i],
    ["lower-case currency", { currency: "usd" }, "review.currency", /ISO 4217/],
    ["a trend of one month", { trendMonths: 1 }, "review.trendMonths", /2|too small/i],
    ["no movers", { topMovers: 0 }, "review.topMovers", /1|too small/i],
    ["an unknown field", { recipients: ["a@b.c"] }, "review", /recipients/],
  ];
  it.each(bad)("refuses %s", (_name, review, path, words) => {
    const r = configSchema.safeParse({ review });
    expect(r.success).toBe(false);
    const issue = r.error!.issues[0]!;
    expect(issue.path.join(".")).toBe(path);
    expect(issue.message).toMatch(words);
  });
});
