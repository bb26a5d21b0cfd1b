/**
 * The monthly FinOps review as data (issue 20): what src/engine/review/build.ts gathers from the engine's own
 * read functions and what ./render.ts turns into Markdown and HTML. Money is decimal text; ratios are fractions
 * as the engine gives them (commitments: "0.8123"), percentages are text with their unit in the field name.
 */

export const ACTION_ITEM_STATUSES = ["open", "in-progress", "done", "dropped"] as const;
export type ActionItemStatus = (typeof ACTION_ITEM_STATUSES)[number];

export const REVIEW_FORMATS = ["md", "html", "pdf"] as const;
export type ReviewFormat = (typeof REVIEW_FORMATS)[number];

export interface ActionItem {
  id: number;
  /** The review month it was raised in (YYYY-MM). */
  reviewMonth: string;
  title: string;
  owner: string;
  dueDate: string;
  status: ActionItemStatus;
  note: string | null;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

/** A section whose feature is not in use says why and how to produce it, instead of made-up zeros. */
export interface Unavailable {
  available: false;
  reason: string;
}

export interface Mover {
  service: string;
  amount: string;
  previousAmount: string;
  change: string;
  changePercent: string | null;
  /** The resource within the service that moved most, month over month (the root cause of the move). */
  rootCause: { resourceId: string; amount: string; previousAmount: string; change: string } | null;
}

export type ReviewData = {
  month: string;
  /** First and last day of the month, and the day after (end, exclusive). */
  start: string;
  end: string;
  generatedAt: string;
  /** The bill's last complete day when generated; a month after it is not closed yet. */
  lastCompleteDay: string | null;
  closed: boolean;
  currency: string | null;
  spend: {
    /** EffectiveCost of the month per currency, from the typed cost query (costwise query). */
    byCurrency: { currency: string; amount: string }[];
    total: string;
    previousMonth: string;
    previousTotal: string;
    change: string;
    changePercent: string | null;
    /** Month totals of the last six months (the trend chart). */
    trend: { month: string; amount: string }[];
  };
  budgets: { name: string; amount: string; currency: string; actual: string; burnPercent: string | null; variance: string; over: boolean }[];
  forecast:
    | { available: true; madeOn: string; forecast: string; actual: string; variance: string; variancePercent: string | null; scope: string }
    | Unavailable;
  topMovers: Mover[];
  owners:
    | { available: true; currency: string; total: string; shared: string; unallocated: string; teams: { team: string; amount: string; direct: string; shared: string; unallocated: boolean }[] }
    | Unavailable;
  unitCosts: { available: true; rows: { name: string; metric: string; period: string; currency: string; cost: string; units: string; unitCost: string | null }[] } | Unavailable;
  tagCoverage:
    | { available: true; tag: string; percent: string | null; target: number; meetsTarget: boolean | null; spend: string; tagged: string; currency: string; topUntagged: { resourceId: string; service: string | null; spend: string; missing: string[] }[] }
    | Unavailable;
  anomalies: { available: true; items: { id: string; monitor: string; series: string; startDay: string; endDay: string; impact: string; currency: string; severity: string; open: boolean; outcome: string; rootCause: string | null }[] } | Unavailable;
  recommendations:
    | {
        available: true;
        /** Counts of status changes in the month: created (opened), accepted, done, dismissed. */
        opened: number;
        accepted: number;
        done: number;
        dismissed: number;
        openNow: number;
        /** Expected monthly saving of those done in the month, and measured on the bill (realized-savings.ts). */
        expectedMonthly: string;
        measuredMonthly: string;
        measuredCount: number;
        measuringCount: number;
        currency: string;
        /** All done so far (the KPI's figure). */
        allTime: { done: number; expectedMonthly: string; measuredMonthly: string };
        items: { id: number; resourceId: string; owner: string; status: string; expectedMonthly: string; measuredMonthly: string | null }[];
      }
    | Unavailable;
  commitments:
    | { available: true; utilization: string | null; coverage: string | null; savingsRate: string | null; netSavings: string | null; expiring: { commitmentId: string; type: string | null; endsAt: string | null; days: number | null }[] }
    | Unavailable;
  governance:
    | { available: true; scanId: string | null; complianceByCount: string | null; complianceBySpend: string | null; mttrHours: string | null; resolved: number; openBlocking: number; blockingByTeam: { team: string; blocking: number; monthlyCost: string }[] }
    | Unavailable;
  actionItems: { carried: ActionItem[]; raised: ActionItem[] };
  /** KPI scorecard values as the KPI page shows them (id → formatted value). */
  kpis: { id: string; title: string; value: string; meetsTarget: boolean | null }[];
};

/** YYYY-MM → first day, next month's first day. */
export function monthBounds(month: string): { start: string; end: string; previous: string } {
  const d = new Date(`${month}-01T00:00:00Z`);
  const start = d.toISOString().slice(0, 10);
  const n = new Date(d);
  n.setUTCMonth(n.getUTCMonth() + 1);
  const p = new Date(d);
  p.setUTCMonth(p.getUTCMonth() - 1);
  return { start, end: n.toISOString().slice(0, 10), previous: p.toISOString().slice(0, 7) };
}
