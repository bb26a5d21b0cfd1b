/**
 * `notify:` section of costwise.yaml — the feedback loop (issue 9): channels, routing by owner, quiet hours,
 * rate limits, and the job schedules `costwise serve` runs.
 *
 * ```yaml
 * notify:
 *   dashboardUrl: https://costwise.example.com     # links in messages
 *   channels:
 *     payments-slack: { type: slack, webhookUrlEnv: SLACK_PAYMENTS_WEBHOOK }
 *     platform-teams: { type: teams, webhookUrlFile: /run/secrets/teams-platform }
 *     finops-mail:
 *       type: email
 *       from: costwise@example.com
 *       to: [finops@example.com]
 *       smtp: { host: smtp.example.com, port: 587, user: costwise, passwordEnv: SMTP_PASSWORD }
 *     audit-hook: { type: webhook, url: https://hooks.example.com/costwise, secretEnv: COSTWISE_HOOK_SECRET }
 *   routes:
 *     - team: payments
 *       channels: [payments-slack]
 *     - team: platform
 *       channels: [platform-teams]
 *       quietHours: { from: "22:00", to: "07:00", timezone: Europe/Berlin }
 *   fallback: [finops-mail]          # unallocated costs and teams without a route
 *   rateLimit: { perChannelPerHour: 10 }   # beyond it, the rest go out as one digest
 *   recommendations: { minMonthlySaving: "50" }   # the weekly digest lists new ones saving at least this a month
 *   jobs:                            # overrides of the default schedules (DEFAULT_JOB_SCHEDULES below)
 *     sync:    { schedule: "15 * * * *" }   # hourly, at :15
 *     summary: { schedule: "0 8 * * 1-5", timezone: Europe/Berlin }
 *     recommend: { enabled: false }
 *   defaultSchedules: true           # false: `costwise serve` runs only the jobs listed under jobs
 * ```
 * Jobs and their default schedules when `costwise serve` runs with a config file (UTC unless overridden):
 *   sync "0 * * * *" (hourly), allocate/detect/budgets: none of their own (they follow every sync that
 *   lands data), forecast "30 6 * * *", scan "0 5 * * *", recommend "0 4 * * 1", commitments "0 7 * * *",
 *   summary "0 8 * * *" (daily), summary-weekly "0 8 * * 1" (Mondays), deliver "* * * * *", kpi "0 6 * * *",
 *   tickets "20 * * * *" (hourly, at :20; a no-op without a tickets: section).
 * A job entry may give only `enabled` or only `timezone`: the rest comes from the default.
 * Secrets (webhook URLs, SMTP passwords, signing secrets) come from environment variables or files, never
 * from this file, and are never logged.
 */
import { z } from "zod";

const channelName = z.string().regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, _ . - only");
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "an environment variable name (A-Z, 0-9, _)");
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day "HH:MM"');

/** A secret from the environment or a file: exactly one of the two. */
function secretFields<K extends string>(key: K) {
  return {
    [`${key}Env`]: envName.optional(),
    [`${key}File`]: z.string().min(1).optional(),
  } as Record<`${K}Env`, z.ZodOptional<typeof envName>> & Record<`${K}File`, z.ZodOptional<z.ZodString>>;
}

const slackChannel = z.strictObject({ type: z.literal("slack"), ...secretFields("webhookUrl") });
const teamsChannel = z.strictObject({ type: z.literal("teams"), ...secretFields("webhookUrl") });
const webhookChannel = z.strictObject({
  type: z.literal("webhook"),
  /** The URL itself may sit in the file (it is not a secret for a generic webhook); or use urlEnv/urlFile. */
  url: z.url({ protocol: /^https?$/ }).optional(),
  ...secretFields("url"),
  ...secretFields("secret"),
});
const emailChannel = z.strictObject({
  type: z.literal("email"),
  from: z.email(),
  to: z.array(z.email()).min(1),
  smtp: z.strictObject({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(587),
    /** true: TLS from the start (port 465); false: STARTTLS when offered. */
    secure: z.boolean().default(false),
    user: z.string().optional(),
    ...secretFields("password"),
  }),
});

export const channelSchema = z.discriminatedUnion("type", [slackChannel, teamsChannel, webhookChannel, emailChannel]);
export type ChannelConfig = z.infer<typeof channelSchema>;
export const CHANNEL_TYPES = ["slack", "teams", "webhook", "email"] as const;

export const quietHoursSchema = z.strictObject({ from: hhmm, to: hhmm, timezone: z.string().default("UTC") });
export type QuietHours = z.infer<typeof quietHoursSchema>;

export const routeSchema = z.strictObject({
  /** The owning team (allocation's primary owner dimension). */
  team: z.string().min(1),
  channels: z.array(channelName).min(1),
  /** Which messages this route takes (default all). */
  kinds: z.array(z.enum(["anomaly", "budget", "summary", "recommendation", "governance", "commitment", "review"])).optional(),
  quietHours: quietHoursSchema.optional(),
});
export type RouteConfig = z.infer<typeof routeSchema>;

export const JOB_NAMES = ["sync", "allocate", "detect", "forecast", "budgets", "scan", "recommend", "commitments", "summary", "summary-weekly", "deliver", "kpi", "tickets", "review"] as const;
export type JobName = (typeof JOB_NAMES)[number];

/**
 * The schedule each job gets by default (cron, UTC) when `costwise serve` runs with a config file; null: no
 * schedule of its own (allocate, detect and budgets run right after every sync that lands data).
 * Order of a day (UTC): scan 05:00, kpi 06:00, forecast 06:30, commitments 07:00, summaries 08:00.
 */
export const DEFAULT_JOB_SCHEDULES: Readonly<Record<JobName, string | null>> = {
  sync: "0 * * * *",
  allocate: null,
  detect: null,
  forecast: "30 6 * * *",
  budgets: null,
  scan: "0 5 * * *",
  recommend: "0 4 * * 1",
  commitments: "0 7 * * *",
  summary: "0 8 * * *",
  "summary-weekly": "0 8 * * 1",
  deliver: "* * * * *",
  kpi: "0 6 * * *",
  tickets: "20 * * * *",
  /** daily 09:00 on the 1st–7th: the job renders and sends on the 2nd working day (Mon–Fri) of the month, or the first run after it */
  review: "0 9 1-7 * *",
};

const jobSchema = z.strictObject({
  /** A cron expression (5 or 6 fields), checked at start-up; default: DEFAULT_JOB_SCHEDULES. */
  schedule: z.string().min(1).optional(),
  timezone: z.string().default("UTC"),
  enabled: z.boolean().default(true),
});

export const notifySection = z.strictObject({
  dashboardUrl: z.url().default("http://127.0.0.1:8787"),
  channels: z.record(channelName, channelSchema).default({}),
  routes: z.array(routeSchema).default([]),
  /** Channels for unallocated costs and for teams without a route. */
  fallback: z.array(channelName).default([]),
  rateLimit: z.strictObject({ perChannelPerHour: z.number().int().min(1).max(10_000).default(20) }).default({ perChannelPerHour: 20 }),
  /** Retries of a failed delivery before it is marked failed. */
  maxAttempts: z.number().int().min(1).max(50).default(8),
  jobs: z.partialRecord(z.enum(JOB_NAMES), jobSchema).default({}),
  /** Whether `costwise serve` (with a config file) runs the default schedules of jobs not listed in jobs. */
  defaultSchedules: z.boolean().default(true),
  /** The weekly recommendation digest lists new open recommendations saving at least this much a month (a decimal, in the recommendation's currency). */
  recommendations: z
    .strictObject({ minMonthlySaving: z.union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?$/, 'a decimal amount, e.g. "50"')]).transform(String).default("10") })
    .default({ minMonthlySaving: "10" }),
});
export type NotifyConfig = z.infer<typeof notifySection>;
