/**
 * `server:` section of costwise.yaml — costwise serve (issue 8).
 *
 *   server:
 *     host: 127.0.0.1        # listen address; a non-loopback address needs API tokens (costwise token create)
 *     port: 8787
 *     auth: auto             # auto: tokens required once any exists (open on loopback while none does); tokens: always required
 *     logLevel: info         # fatal | error | warn | info | debug | silent
 *     readers: 4             # concurrent store connections for API reads
 *     metrics:
 *       cost: false          # cost metrics on /metrics (docs/operations.md, "Cost metrics")
 *       top: 20              # owners / services / accounts kept per currency; the rest is summed as "other"
 *     costInsights:
 *       projectDimension: sub_account_id   # Backstage Cost Insights projects (docs/backstage.md)
 */
import { z } from "zod";

export const SERVER_AUTH_MODES = ["auto", "tokens"] as const;
export type ServerAuthMode = (typeof SERVER_AUTH_MODES)[number];
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "silent"] as const;

export const serverSection = z.strictObject({
  host: z.string().min(1).default("127.0.0.1"),
  port: z.number().int().min(0).max(65535).default(8787),
  auth: z.enum(SERVER_AUTH_MODES).default("auto"),
  logLevel: z.enum(LOG_LEVELS).default("info"),
  readers: z.number().int().min(1).max(32).default(4),
  allowedHosts: z
    .array(
      z
        .string()
        .regex(/^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+)(?::\d{1,5})?$/, "expected a host name as a browser sends it in Host: `name` or `name:port` (IPv6 in brackets), no scheme or path"),
    )
    .default([]),
  metrics: z
    .strictObject({
      cost: z.boolean().default(false),
      top: z.number().int().min(1).max(100).default(20),
    })
    .default({ cost: false, top: 20 }),
  costInsights: z
    .strictObject({
      projectDimension: z
        .string()
        .regex(/^(?:[a-z_]+|owner:[\w.-]{1,128})$/, "an allocation dimension: sub_account_id, service_name, region_id, k8s_namespace, ... or owner:<key>")
        .default("sub_account_id"),
    })
    .default({ projectDimension: "sub_account_id" }),
});
export type ServerConfig = z.infer<typeof serverSection>;
