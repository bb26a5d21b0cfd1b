/** Recommendations as data: types, statuses and the allowed status changes (pure). */
import type { Problem } from "../errors.js";
import type { Confidence } from "./rightsizing.js";

export const RECOMMENDATION_TYPES = ["rightsize", "idle-instance", "stopped-instance", "unattached-volume", "unused-eip", "savings-plan"] as const;
export type RecommendationType = (typeof RECOMMENDATION_TYPES)[number];

export const RECOMMENDATION_STATUSES = ["open", "accepted", "dismissed", "done"] as const;
export type RecommendationStatus = (typeof RECOMMENDATION_STATUSES)[number];

export interface RecommendationDraft {
  /** Stable across runs: `<type>:<resource>` (a later run updates the same row). */
  key: string;
  type: RecommendationType;
  resourceId: string | null;
  resourceType: string | null;
  region: string | null;
  accountId: string | null;
  owner: string | null;
  ownerSource: string | null;
  action: string;
  currentConfig: string | null;
  targetConfig: string | null;
  monthlySaving: string;
  currency: string;
  savingBasis: string;
  confidence: Confidence;
  reason: string;
  risks: string[];
  details: Record<string, unknown>;
  /** The resource's monthly cost when found, to measure realized savings later. */
  baselineMonthlyCost: string | null;
}

export const recommendationKey = (type: RecommendationType, resource: string): string => `${type}:${resource}`;

/** Whether `from -> to` is allowed; dismissing needs a reason. Null when fine. */
export function checkTransition(from: RecommendationStatus, to: RecommendationStatus, reason: string | undefined): Problem | null {
  if (from === to) return { code: "SAME_STATUS", message: `the recommendation is already ${to}` };
  if (to === "dismissed" && (!reason || reason.trim() === "")) {
    return { code: "REASON_REQUIRED", message: "dismissing needs a reason (--reason \"...\")" };
  }
  return null;
}
