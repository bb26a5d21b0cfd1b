/**
 * Notices that a commitment (reservation or Savings Plan) is about to end, at 90, 60, 30 and 7 days before its
 * end. Order of operations:
 * 1. the end of every commitment the store knows (`commitmentEndDates`: CUR reservation/EndTime,
 *    savingsPlan/EndTime and their CUR 2.0 spellings on any row, else the one-time purchase row);
 * 2. per commitment, the smallest threshold the time left has reached (`expiryBucket`: time left ≤ threshold
 *    days, not yet ended), so a job that missed days sends the notice that is due now, not every one it missed;
 * 3. one message per commitment and threshold, dedupe key `commitment:<id>:<threshold>d`: the outbox sends each
 *    threshold once however often the job runs. Commitments are owned by no team here (they serve the whole
 *    organisation): the notices go to the unallocated sentinel's fallback channels.
 */
import { UNALLOCATED } from "../../core/allocation/model.js";
import type { CostwiseConfig } from "../../core/config/schema.js";
import { dashboardLink, type Notification, type NotificationSeverity } from "../../core/notify/message.js";
import { expiryBucket } from "../../core/optimize/commitment-math.js";
import { commitmentEndDates, type CommitmentEndDate } from "../optimize/commitment-analysis.js";
import type { AnalysisStore } from "../store/cost-store.js";

/** The days before a commitment's end at which a notice goes out. */
export const EXPIRY_THRESHOLDS = [90, 60, 30, 7] as const;

/** Far notices inform; the last month's warn (none pages: an expiry is never an emergency at night). */
function severityAt(threshold: number): NotificationSeverity {
  return threshold <= 30 ? "warning" : "info";
}

/** The notices due at `now` for the given commitments (pure). */
export function expiryMessages(ends: readonly CommitmentEndDate[], o: { now: Date; dashboardUrl: string }): Notification[] {
  const out: Notification[] = [];
  for (const c of ends) {
    const threshold = expiryBucket(c.endsAt, o.now, EXPIRY_THRESHOLDS);
    if (threshold === null) continue;
    const daysLeft = Math.floor((Date.parse(c.endsAt) - o.now.getTime()) / 86_400_000);
    const what = c.type === "savings-plan" ? "Savings Plan" : "Reservation";
    out.push({
      kind: "commitment",
      key: `commitment:${c.commitmentId}:${threshold}d`,
      team: UNALLOCATED,
      severity: severityAt(threshold),
      title: `${what} ends in ${threshold <= 7 ? "less than a week" : `${threshold} days or less`}: ${c.commitmentId.split(/[/:]/).pop()}`,
      summary: `${what} ${c.commitmentId} ends on ${c.endDate} (${daysLeft} day${daysLeft === 1 ? "" : "s"} from now). Renew it, or plan for its usage to be billed on demand.`,
      facts: [
        { label: "Commitment", value: c.commitmentId },
        { label: "Ends", value: c.endDate },
        { label: "Days left", value: String(daysLeft) },
        ...(c.subAccountId ? [{ label: "Account", value: c.subAccountId }] : []),
        { label: "End date from", value: c.basis === "end-time" ? "the bill's end-time column" : "the purchase row" },
      ],
      sections: [],
      link: dashboardLink(o.dashboardUrl, "commitments", { id: c.commitmentId }),
    });
  }
  return out;
}

export async function commitmentExpiryNotices(store: AnalysisStore, _config: CostwiseConfig, o: { now: Date; dashboardUrl: string }): Promise<Notification[]> {
  return expiryMessages(await commitmentEndDates(store), o);
}
