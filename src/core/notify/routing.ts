/**
 * Routing by owner: each notification goes to the channels of the team that owns the cost; unallocated costs
 * and teams without a route go to the fallback channels. Pure.
 */
import type { NotifyConfig, QuietHours } from "../config/sections/notify.js";
import type { NotificationKind } from "./message.js";

export interface RouteTarget {
  channel: string;
  quietHours?: QuietHours;
}

export function routeFor(config: Pick<NotifyConfig, "routes" | "fallback">, team: string, kind: NotificationKind): RouteTarget[] {
  const matching = config.routes.filter((r) => r.team === team && (r.kinds === undefined || kind === "digest" || r.kinds.includes(kind as never)));
  const targets: RouteTarget[] = [];
  const seen = new Set<string>();
  for (const r of matching) {
    for (const c of r.channels) {
      if (seen.has(c)) continue;
      seen.add(c);
      targets.push({ channel: c, ...(r.quietHours ? { quietHours: r.quietHours } : {}) });
    }
  }
  if (targets.length > 0) return targets;
  return config.fallback.map((channel) => ({ channel }));
}

/** Minutes since midnight of `at` in `timezone`. */
function localMinutes(at: Date, timezone: string): number {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: timezone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(at);
  const h = Number(parts.find((p) => p.type === "hour")?.value ?? 0);
  const m = Number(parts.find((p) => p.type === "minute")?.value ?? 0);
  return h * 60 + m;
}

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number);
  return h! * 60 + m!;
}

export function inQuietHours(q: QuietHours, at: Date): boolean {
  const now = localMinutes(at, q.timezone);
  const from = toMinutes(q.from);
  const to = toMinutes(q.to);
  return from <= to ? now >= from && now < to : now >= from || now < to;
}

/** The first minute at or after `at` outside the quiet hours (at itself when not quiet). */
export function afterQuietHours(q: QuietHours | undefined, at: Date): Date {
  if (!q) return at;
  let t = new Date(at);
  for (let i = 0; i < 24 * 60 && inQuietHours(q, t); i++) t = new Date(t.getTime() + 60_000);
  return t;
}
