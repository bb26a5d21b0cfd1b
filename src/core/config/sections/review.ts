/**
 * `review:` section of costwise.yaml — the monthly FinOps review (issue 20; docs/review.md). Every field is
 * optional; without the section the review behaves as the defaults below say.
 *
 * ```yaml
 * review:
 *   team: finops         # the team whose notify.routes receive the review (kinds: [review]); else notify.fallback
 *   workingDay: 2        # sent on this working day of the month (the review job runs on the 1st–7th)
 *   currency: EUR        # the review's currency (default: the month's largest by spend; one with no spend: the largest)
 *   topMovers: 5         # services listed as top movers month over month
 *   trendMonths: 6       # months in the spend trend (the reviewed month included)
 *   tag: team            # the tag whose coverage the review shows (default: kpis.taggedSpend.tag, else team)
 *   topUntagged: 10      # untagged resources listed, by spend
 * ```
 */
import { z } from "zod";

export const REVIEW_DEFAULTS = { team: "finops", workingDay: 2, topMovers: 5, trendMonths: 6, topUntagged: 10 } as const;

export const reviewSection = z.strictObject({
  team: z.string().regex(/^[A-Za-z0-9_.-]+$/, "a team name (letters, digits, _ . -)").default(REVIEW_DEFAULTS.team),
  workingDay: z.number().int().min(1).max(5).default(REVIEW_DEFAULTS.workingDay),
  currency: z.string().regex(/^[A-Z]{3}$/, "an ISO 4217 currency code, e.g. USD").optional(),
  topMovers: z.number().int().min(1).max(50).default(REVIEW_DEFAULTS.topMovers),
  trendMonths: z.number().int().min(2).max(24).default(REVIEW_DEFAULTS.trendMonths),
  tag: z.string().min(1).optional(),
  topUntagged: z.number().int().min(1).max(100).default(REVIEW_DEFAULTS.topUntagged),
});
export type ReviewConfig = z.infer<typeof reviewSection>;

/** The section's values, its defaults when the section is absent. */
export function reviewSettings(c: { review?: ReviewConfig | undefined }): ReviewConfig {
  return c.review ?? reviewSection.parse({});
}
