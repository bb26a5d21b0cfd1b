/**
 * The weekly digest of new recommendations, one message per owner. Order of operations:
 * 1. the week: the last complete ISO week before `now` (Monday 00:00 UTC to the next Monday 00:00 UTC), so a
 *    job that runs every day of the following week builds the same digest and the outbox sends it once;
 * 2. the recommendations: first seen in that week, still found, still open, saving at least
 *    `notify.recommendations.minMonthlySaving` a month (in their own currency);
 * 3. per owner (no owner → the unallocated sentinel, which routes to the fallback channels): one message, its
 *    recommendations biggest saving first, totals per currency, a deep link to the biggest one;
 * 4. the dedupe key is `recommendations:<owner>:<ISO week>`: one digest per owner and week.
 */
import { UNALLOCATED } from "../../core/allocation/model.js";
import type { CostwiseConfig } from "../../core/config/schema.js";
import { notifySection } from "../../core/config/sections/notify.js";
import { addMoney } from "../../core/money.js";
import { dashboardLink, formatAmount, type Notification } from "../../core/notify/message.js";
import { RECOMMENDATIONS_TABLE } from "../optimize/tables.js";
import type { AnalysisStore } from "../store/cost-store.js";
import { col, readRows, type RowOf } from "../store/read-rows.js";
import { tableExists } from "./build-messages.js";

const DAY_MS = 86_400_000;
/** At most this many recommendations are listed in one digest (the rest are counted). */
const MAX_LINES = 20;

/** The ISO 8601 week of a UTC day, e.g. "2026-W49" (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeek(d: Date): string {
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const thursday = new Date(day - weekday * DAY_MS + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY_MS / 7) + 1;
  return `${year}-W${String(week).padStart(2, "0")}`;
}

/** The last complete ISO week before `now`: [start, end) as UTC instants. */
export function previousWeek(now: Date): { start: Date; end: Date; week: string } {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const monday = today - ((new Date(today).getUTCDay() + 6) % 7) * DAY_MS;
  const start = new Date(monday - 7 * DAY_MS);
  return { start, end: new Date(monday), week: isoWeek(start) };
}

const NEW_REC_ROW = {
  id: col.int,
  type: col.text,
  resource_id: col.text.nullable(),
  owner: col.text.nullable(),
  action: col.text,
  monthly_saving: col.money,
  currency: col.text,
  confidence: col.text,
};
export type NewRecommendation = RowOf<typeof NEW_REC_ROW>;

/** Open, still-found recommendations first seen in [start, end) saving at least `minMonthlySaving` a month. */
export async function newRecommendations(store: AnalysisStore, o: { start: Date; end: Date; minMonthlySaving: string }): Promise<NewRecommendation[]> {
  if (!(await tableExists(store, RECOMMENDATIONS_TABLE))) return [];
  return readRows(store, NEW_REC_ROW, {
    sql: `SELECT id, type, resource_id, owner, action, CAST(monthly_saving AS VARCHAR) AS monthly_saving, currency, confidence
          FROM ${RECOMMENDATIONS_TABLE}
          WHERE status = 'open' AND still_found
            AND first_seen >= CAST(? AS TIMESTAMP) AND first_seen < CAST(? AS TIMESTAMP)
            AND monthly_saving >= CAST(? AS DECIMAL(38, 10))
          ORDER BY monthly_saving DESC, id`,
    params: [sqlTs(o.start), sqlTs(o.end), o.minMonthlySaving],
  });
}

/** The digests for the recommendations of one week (pure): one per owner, owners in name order. */
export function digestMessages(recs: readonly NewRecommendation[], o: { week: string; weekStart: string; minMonthlySaving: string; dashboardUrl: string }): Notification[] {
  const byOwner = new Map<string, NewRecommendation[]>();
  for (const r of recs) {
    const owner = r.owner === null || r.owner === "" ? UNALLOCATED : r.owner;
    byOwner.set(owner, [...(byOwner.get(owner) ?? []), r]);
  }
  return [...byOwner.keys()].sort().map((owner) => {
    const items = byOwner.get(owner)!;
    const totals = new Map<string, string>();
    for (const r of items) totals.set(r.currency, addMoney(totals.get(r.currency) ?? "0", r.monthly_saving));
    const total = [...totals].map(([c, a]) => formatAmount(a, c)).join(" + ");
    const lines = items.slice(0, MAX_LINES).map(
      (r) => `${r.type} ${r.resource_id ?? "(no resource)"}: ${r.action}, ${formatAmount(r.monthly_saving, r.currency)} a month (${r.confidence} confidence) ${dashboardLink(o.dashboardUrl, "recommendations", { id: String(r.id) })}`,
    );
    if (items.length > MAX_LINES) lines.push(`and ${items.length - MAX_LINES} more`);
    const n = items.length;
    return {
      kind: "recommendation" as const,
      key: `recommendations:${owner}:${o.week}`,
      team: owner,
      severity: "info" as const,
      title: `${n} new recommendation${n === 1 ? "" : "s"} for ${owner}: ${total} a month`,
      summary: `Found in the week of ${o.weekStart} (${o.week}), still open, each saving at least ${o.minMonthlySaving} a month.`,
      facts: [
        { label: "New recommendations", value: String(n) },
        { label: "Monthly saving", value: total },
      ],
      sections: [{ title: "Recommendations", lines }],
      link: dashboardLink(o.dashboardUrl, "recommendations", { id: String(items[0]!.id) }),
    };
  });
}

export async function recommendationDigests(store: AnalysisStore, config: CostwiseConfig, o: { now: Date; dashboardUrl: string }): Promise<Notification[]> {
  const min = (config.notify ?? notifySection.parse({})).recommendations.minMonthlySaving;
  const w = previousWeek(o.now);
  const recs = await newRecommendations(store, { start: w.start, end: w.end, minMonthlySaving: min });
  return digestMessages(recs, { week: w.week, weekStart: w.start.toISOString().slice(0, 10), minMonthlySaving: min, dashboardUrl: o.dashboardUrl });
}

function sqlTs(d: Date): string {
  return d.toISOString().slice(0, 19).replace("T", " ");
}
