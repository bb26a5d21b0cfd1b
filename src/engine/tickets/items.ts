/**
 * The items that should be tickets now, by the `tickets.rules` of costwise.yaml. Order of operations:
 * 1. recommendations: open or accepted, still found, saving at least `rules.recommendations.minMonthlySaving`
 *    a month (in their own currency); key `recommendation:<recommendation key>`;
 * 2. governance (when `rules.governance` is set): blocking findings of the latest scan first seen at least
 *    `minDaysOpen` days before `now`; key `governance:<finding id>`;
 * 3. anomalies (when `rules.anomalies` is set): stored alerting cost spikes whose impact is at least `minImpact`;
 *    key `anomaly:<anomaly id>`; the team is the owner that drove at least half of it, else unallocated;
 * 4. commitments (when `rules.commitments` is set): commitments ending within `withinDays` days of `now`;
 *    key `commitment:<id>:<end date>` (a renewal with a new end date is a new item); unallocated (fallback route);
 * 5. each item's resource tags: the latest non-empty Tags of its resource in the cost table.
 * Items are returned biggest money first within each kind, kinds in the order above.
 */
import { UNALLOCATED } from "../../core/allocation/model.js";
import type { TicketsConfig } from "../../core/config/sections/tickets.js";
import { compareMoney } from "../../core/money.js";
import { dashboardLink, formatAmount } from "../../core/notify/message.js";
import type { TicketItem } from "../../core/tickets/model.js";
import { listAnomalies } from "../detect/monitors.js";
import { ANOMALIES_TABLE } from "../detect/tables.js";
import { GOVERNANCE_FINDING_HISTORY_TABLE, GOVERNANCE_FINDINGS_TABLE, GOVERNANCE_SCANS_TABLE } from "../governance/tables.js";
import { commitmentEndDates } from "../optimize/commitment-analysis.js";
import { listRecommendations } from "../optimize/recommendation-store.js";
import { RECOMMENDATIONS_TABLE } from "../optimize/tables.js";
import { sql, type AnalysisStore } from "../store/cost-store.js";
import { col, readRow, readRows } from "../store/read-rows.js";
import { COST_TABLE } from "../store/schema.js";
import { tableExists } from "../store/table-rows.js";

const DAY_MS = 86_400_000;

/** The latest non-empty tags of a resource in the cost table ({} when none or no resource). */
export async function resourceTags(store: AnalysisStore, resourceId: string | null): Promise<Record<string, string>> {
  if (resourceId === null || resourceId === "" || !(await tableExists(store, COST_TABLE))) return {};
  const r = await readRow(store, { t: col.stringMap }, sql(`SELECT "Tags" AS t FROM ${COST_TABLE} WHERE "ResourceId" = ? AND "Tags" IS NOT NULL AND cardinality("Tags") > 0 ORDER BY "ChargePeriodStart" DESC LIMIT 1`, resourceId));
  return r?.t ?? {};
}

async function recommendationItems(store: AnalysisStore, minMonthlySaving: string, dashboardUrl: string): Promise<TicketItem[]> {
  if (!(await tableExists(store, RECOMMENDATIONS_TABLE))) return [];
  const recs = (await listRecommendations(store, { status: ["open", "accepted"] })).filter((r) => r.stillFound && compareMoney(r.monthlySaving, minMonthlySaving) >= 0);
  const out: TicketItem[] = [];
  for (const r of recs) {
    const change = r.currentConfig && r.targetConfig ? ` (${r.currentConfig} → ${r.targetConfig})` : "";
    out.push({
      key: `recommendation:${r.key}`,
      kind: "recommendation",
      ref: String(r.id),
      team: r.owner === null || r.owner === "" ? UNALLOCATED : r.owner,
      title: `[costwise] ${r.action} ${r.resourceId ?? r.type}${change}: save ${formatAmount(r.monthlySaving, r.currency)}/month`,
      what: `Recommendation ${r.id} (${r.type}): ${r.action} ${r.resourceType ?? "resource"} ${r.resourceId ?? ""}${change}${r.region ? ` in ${r.region}` : ""}${r.accountId ? `, account ${r.accountId}` : ""}.`,
      why: [
        r.reason,
        `Saving ${formatAmount(r.monthlySaving, r.currency)} a month${r.savingBasis ? ` (${r.savingBasis})` : ""}, confidence ${r.confidence}.`,
        ...(r.baselineMonthlyCost ? [`It costs ${formatAmount(r.baselineMonthlyCost, r.currency)} a month now.`] : []),
        ...(r.ownerSource ? [`Owner ${r.owner ?? "unallocated"} from ${r.ownerSource}.`] : []),
        ...r.risks.map((x) => `Risk: ${x}`),
      ],
      resource: { id: r.resourceId, tags: await resourceTags(store, r.resourceId) },
      money: [
        { label: "Monthly saving", amount: r.monthlySaving, currency: r.currency },
        ...(r.baselineMonthlyCost ? [{ label: "Monthly cost now", amount: r.baselineMonthlyCost, currency: r.currency }] : []),
      ],
      action: `${r.action} ${r.resourceId ?? ""}${change}`.trim() + ". Close this ticket as completed once done; costwise then marks the recommendation done and measures the saving on the bill.",
      link: dashboardLink(dashboardUrl, "recommendations", { id: String(r.id) }),
    });
  }
  return out;
}

async function governanceItems(store: AnalysisStore, minDaysOpen: number, now: Date, dashboardUrl: string): Promise<TicketItem[]> {
  if (!(await tableExists(store, GOVERNANCE_SCANS_TABLE))) return [];
  const cutoff = new Date(now.getTime() - minDaysOpen * DAY_MS).toISOString().slice(0, 19).replace("T", " ");
  const rows = await readRows(
    store,
    { finding_id: col.text, rule_id: col.text, resource_id: col.text, resource_type: col.text, team: col.text.nullable(), message: col.text, suggestion: col.text.nullable(), monthly_cost: col.money.nullable(), currency: col.text.nullable(), first_seen: col.timestamp },
    sql(
      `SELECT f.finding_id, f.rule_id, f.resource_id, f.resource_type, f.team, f.message, f.suggestion, CAST(f.monthly_cost AS VARCHAR) AS monthly_cost, f.currency,
              strftime(h.first_seen, '%Y-%m-%dT%H:%M:%SZ') AS first_seen
       FROM ${GOVERNANCE_FINDINGS_TABLE} f JOIN ${GOVERNANCE_FINDING_HISTORY_TABLE} h USING (finding_id)
       WHERE f.blocking AND h.resolved_at IS NULL AND h.first_seen <= CAST(? AS TIMESTAMP)
         AND f.scan_id = (SELECT scan_id FROM ${GOVERNANCE_SCANS_TABLE} ORDER BY scanned_at DESC, scan_id DESC LIMIT 1)
       ORDER BY f.monthly_cost DESC NULLS LAST, f.finding_id`,
      cutoff,
    ),
  );
  const out: TicketItem[] = [];
  for (const f of rows) {
    const days = Math.floor((now.getTime() - Date.parse(f.first_seen)) / DAY_MS);
    out.push({
      key: `governance:${f.finding_id}`,
      kind: "governance",
      ref: f.finding_id,
      team: f.team === null || f.team === "" || f.team === "(unowned)" ? UNALLOCATED : f.team,
      title: `[costwise] ${f.rule_id} on ${f.resource_id}: open ${days} days`,
      what: `Blocking governance finding ${f.finding_id}: ${f.message}`,
      why: [`Rule ${f.rule_id} blocks ${f.resource_type} ${f.resource_id}.`, `Open since ${f.first_seen.slice(0, 10)} (${days} days).`],
      resource: { id: f.resource_id, tags: await resourceTags(store, f.resource_id) },
      money: f.monthly_cost !== null && f.currency !== null ? [{ label: "Monthly cost of the resource", amount: f.monthly_cost, currency: f.currency }] : [],
      action: f.suggestion ?? `Fix ${f.resource_id} so that rule ${f.rule_id} passes.`,
      link: dashboardLink(dashboardUrl, "governance", { finding: f.finding_id }),
    });
  }
  return out;
}

async function anomalyItems(store: AnalysisStore, minImpact: string, now: Date, dashboardUrl: string): Promise<TicketItem[]> {
  if (!(await tableExists(store, ANOMALIES_TABLE))) return [];
  const anomalies = (await listAnomalies(store, { alertsOnly: true, limit: 500, now })).filter((a) => a.direction === "up" && compareMoney(a.impact, minImpact) >= 0);
  const out: TicketItem[] = [];
  for (const a of anomalies) {
    const rc = a.root_cause;
    const owners = rc?.byKind["owner"] ?? rc?.byKind["tag:team"];
    const top = owners?.[0];
    const team = top && (top.share ?? 0) >= 0.5 && top.value !== "(none)" ? top.value : UNALLOCATED;
    const resource = rc?.byKind["resource"]?.[0]?.value ?? null;
    out.push({
      key: `anomaly:${a.id}`,
      kind: "anomaly",
      ref: a.id,
      team,
      title: `[costwise] Cost spike ${a.series_key === "(none)" ? "in total spend" : a.series_key} since ${a.start_day}: +${formatAmount(a.impact, a.currency)}`,
      what: `Monitor ${a.monitor} found a ${a.kind} ${a.severity} cost spike on ${a.series_key} from ${a.start_day} to ${a.end_day}.`,
      why: [
        `Actual ${formatAmount(a.actual, a.currency)} where ${formatAmount(a.expected, a.currency)} was expected.`,
        ...(rc?.top ?? []).slice(0, 5).map((c) => `${c.kind} ${c.value}: ${formatAmount(c.contribution, a.currency)}${c.share !== null ? ` (${Math.round(c.share * 100)}% of the deviation)` : ""}`),
      ],
      resource: { id: resource === "(none)" ? null : resource, tags: await resourceTags(store, resource === "(none)" ? null : resource) },
      money: [{ label: "Impact", amount: a.impact, currency: a.currency }],
      action: rc?.headline ? `Find out why ${rc.headline.kind} ${rc.headline.value} costs more, and stop it or mark the anomaly expected.` : "Find out what drove the spike, and stop it or mark the anomaly expected.",
      link: dashboardLink(dashboardUrl, "anomalies", { anomaly: a.id }),
    });
  }
  return out;
}

async function commitmentItems(store: AnalysisStore, withinDays: number, now: Date, dashboardUrl: string): Promise<TicketItem[]> {
  if (!(await tableExists(store, COST_TABLE))) return [];
  const out: TicketItem[] = [];
  for (const c of await commitmentEndDates(store)) {
    const left = Math.floor((Date.parse(c.endsAt) - now.getTime()) / DAY_MS);
    if (left < 0 || left > withinDays) continue;
    out.push({
      key: `commitment:${c.commitmentId}:${c.endDate}`,
      kind: "commitment",
      ref: c.commitmentId,
      team: UNALLOCATED,
      title: `[costwise] ${c.type === "savings-plan" ? "Savings Plan" : "Reservation"} ends ${c.endDate} (${left} days)`,
      what: `Commitment ${c.commitmentId} ends on ${c.endDate}.`,
      why: [`${left} day${left === 1 ? "" : "s"} left.`, ...(c.subAccountId ? [`Billed to account ${c.subAccountId}.`] : [])],
      resource: { id: c.commitmentId, tags: {} },
      money: [],
      action: "Renew it (see costwise commitments for the purchase recommendation), or plan for its usage to be billed on demand.",
      link: dashboardLink(dashboardUrl, "commitments", { id: c.commitmentId }),
    });
  }
  return out;
}

/** Every item the rules make a ticket at `now` (see the order of operations above). */
export async function ticketItems(store: AnalysisStore, cfg: TicketsConfig, o: { now: Date; dashboardUrl: string }): Promise<TicketItem[]> {
  const r = cfg.rules;
  return [
    ...(r.recommendations ? await recommendationItems(store, r.recommendations.minMonthlySaving, o.dashboardUrl) : []),
    ...(r.governance ? await governanceItems(store, r.governance.minDaysOpen, o.now, o.dashboardUrl) : []),
    ...(r.anomalies ? await anomalyItems(store, r.anomalies.minImpact, o.now, o.dashboardUrl) : []),
    ...(r.commitments ? await commitmentItems(store, r.commitments.withinDays, o.now, o.dashboardUrl) : []),
  ];
}
