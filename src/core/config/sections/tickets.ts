/**
 * `tickets:` section of costwise.yaml — items owners should act on become tickets in the tracker they work in
 * (GitHub Issues or Jira Cloud), and the ticket's state flows back (issue 20). docs/tickets.md explains it all.
 *
 * ```yaml
 * tickets:
 *   trackers:
 *     gh:   { type: github, tokenEnv: GITHUB_TOKEN, labels: [finops] }            # apiUrl for GitHub Enterprise
 *     jira: { type: jira, site: https://acme.atlassian.net, email: bot@acme.com, tokenEnv: JIRA_API_TOKEN,
 *             issueType: Task, labels: [finops], components: [] }
 *   routes:                          # team (allocation's owner) → where its tickets go
 *     - { team: payments, tracker: gh, repo: acme/payments, labels: [cost], assignees: [alice] }
 *     - { team: platform, tracker: jira, project: PLAT, components: [Infra] }
 *   fallback: { tracker: gh, repo: acme/finops }   # unallocated items and teams without a route (none: skipped)
 *   rules:
 *     recommendations: { minMonthlySaving: "50" }  # open recommendations saving at least this a month
 *     governance: { minDaysOpen: 14 }              # blocking findings still open after this many days (omit: none)
 *     anomalies: { minImpact: "500" }              # anomalies whose impact is at least this (omit: none)
 *     commitments: { withinDays: 30 }              # commitments that end within this many days (omit: none)
 * ```
 * Tokens come from an environment variable (`tokenEnv`) or a file (`tokenFile`), never from this file. The
 * ticket links point at `notify.dashboardUrl`. The `tickets` job (hourly at :20 by default) files and updates
 * tickets and reads their state back.
 */
import { z } from "zod";

const name = z.string().regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, _ . - only");
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "an environment variable name (A-Z, 0-9, _)");
const decimal = z.union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?$/, 'a decimal amount, e.g. "50"')]).transform(String);
/** owner/repo as GitHub spells it. */
const repoName = z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'a repository "owner/name"');
/** A Jira project key: an upper-case letter, then upper-case letters, digits or _. */
const projectKey = z.string().regex(/^[A-Z][A-Z0-9_]{1,9}$/, "a Jira project key (e.g. PLAT: upper-case letters, digits, _; 2-10 characters)");

const tokenFields = {
  /** The token's environment variable (e.g. GITHUB_TOKEN); or tokenFile. */
  tokenEnv: envName.optional(),
  tokenFile: z.string().min(1).optional(),
};

const githubTracker = z.strictObject({
  type: z.literal("github"),
  /** The REST API root (GitHub Enterprise Server: https://HOST/api/v3). */
  apiUrl: z.url({ protocol: /^https?$/ }).default("https://api.github.com"),
  ...tokenFields,
  labels: z.array(z.string().min(1)).default([]),
  assignees: z.array(z.string().min(1)).default([]),
});

const jiraTracker = z.strictObject({
  type: z.literal("jira"),
  /** The Jira Cloud site, e.g. https://acme.atlassian.net. */
  site: z.url({ protocol: /^https?$/ }),
  /** The account the API token belongs to (Basic auth email:token); or emailEnv. */
  email: z.email().optional(),
  emailEnv: envName.optional(),
  ...tokenFields,
  issueType: z.string().min(1).default("Task"),
  labels: z.array(z.string().regex(/^\S+$/, "a Jira label (no spaces)")).default([]),
  components: z.array(z.string().min(1)).default([]),
  /** Resolution names that mean "won't do" (the recommendation is dismissed); any other resolution means done. */
  wontDoResolutions: z.array(z.string().min(1)).default(["Won't Do", "Won't Fix", "Declined", "Cannot Reproduce", "Duplicate"]),
});

export const trackerSchema = z.discriminatedUnion("type", [githubTracker, jiraTracker]);
export type TrackerConfig = z.infer<typeof trackerSchema>;
export type GithubTrackerConfig = z.infer<typeof githubTracker>;
export type JiraTrackerConfig = z.infer<typeof jiraTracker>;

/** Where one team's tickets go: a repository (GitHub tracker) or a project (Jira tracker), with extras. */
export const ticketRouteSchema = z.strictObject({
  tracker: name,
  repo: repoName.optional(),
  project: projectKey.optional(),
  labels: z.array(z.string().min(1)).default([]),
  assignees: z.array(z.string().min(1)).default([]),
  components: z.array(z.string().min(1)).default([]),
});
export type TicketRoute = z.infer<typeof ticketRouteSchema>;

export const ticketsSection = z.strictObject({
  trackers: z.record(name, trackerSchema).default({}),
  routes: z.array(ticketRouteSchema.extend({ team: z.string().min(1) })).default([]),
  fallback: ticketRouteSchema.optional(),
  rules: z
    .strictObject({
      recommendations: z.strictObject({ minMonthlySaving: decimal.default("50") }).optional(),
      governance: z.strictObject({ minDaysOpen: z.number().int().min(0).max(3650) }).optional(),
      anomalies: z.strictObject({ minImpact: decimal }).optional(),
      commitments: z.strictObject({ withinDays: z.number().int().min(1).max(3650) }).optional(),
    })
    .default({ recommendations: { minMonthlySaving: "50" } }),
  /** Longest wait for a tracker's rate limit within one run, seconds; longer: the rest waits for the next run. */
  maxRateLimitWaitSeconds: z.number().int().min(0).max(3600).default(60),
});
export type TicketsConfig = z.infer<typeof ticketsSection>;
