/** The API client: JSON in, typed JSON out; errors are problem+json turned into ApiError. */
import type { z } from "zod";
import type * as C from "../../src/server/contract.js";

/** A problem+json body (RFC 9457, the server's problemSchema); `problems` lists what was wrong, when known. */
export type Problem = Omit<z.infer<typeof C.problemSchema>, "instance" | "problems"> & { problems?: { code: string; message: string; path?: string }[] };

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
}

const TOKEN_KEY = "costwise.token";

/**
 * The API token lives in sessionStorage: this tab only, gone when it closes (docs/security.md). A token an older
 * dashboard left in localStorage (kept forever, shared by every tab) is moved here once and removed from there.
 * The dashboard never takes a token from its URL (it would land in history, logs and Referer headers).
 */
function migrateLegacyToken(): void {
  try {
    const legacy = localStorage.getItem(TOKEN_KEY);
    if (legacy === null) return;
    localStorage.removeItem(TOKEN_KEY);
    if (sessionStorage.getItem(TOKEN_KEY) === null) sessionStorage.setItem(TOKEN_KEY, legacy);
  } catch {
    // storage disabled: nothing kept, nothing to move
  }
}
migrateLegacyToken();

export function getToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage disabled: the token cannot be kept; the sign-in form shows again
  }
}

export async function api<T>(path: string, init: { method?: "GET" | "POST" | "DELETE"; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  const token = getToken();
  if (token) headers["authorization"] = `Bearer ${token}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, { method: init.method ?? "GET", headers, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const p = json as Partial<Problem> | undefined;
    throw new ApiError({
      type: p?.type ?? "about:blank",
      title: p?.title ?? res.statusText,
      status: res.status,
      detail: p?.detail ?? `the server answered ${res.status} ${res.statusText}`,
      code: p?.code ?? "HTTP",
      ...(p?.requestId ? { requestId: p.requestId } : {}),
      ...(p?.problems ? { problems: p.problems } : {}),
    });
  }
  return json as T;
}

// ─── response shapes: the server's contract (src/server/contract.ts), types only ─────────────────
// `import type` is erased at build: the dashboard's bundle holds none of the server's code.

export type Availability = z.infer<typeof C.availabilitySchema>;
export type Me = z.infer<typeof C.meSchema>;
export type Point = z.infer<typeof C.pointSchema>;
export type Overview = z.infer<typeof C.overviewSchema>;
export type QueryResult = z.infer<typeof C.queryResultSchema>;
export type Dimensions = z.infer<typeof C.dimensionsSchema>;
export type Source = z.infer<typeof C.sourceSchema>;
export type AllocationResult = z.infer<typeof C.allocationResultSchema>;
export type Showback = z.infer<typeof C.showbackSchema>;
export type TagCoverage = z.infer<typeof C.tagCoverageSchema>;
export type Kpis = z.infer<typeof C.kpisSchema>;
export type FeatureList = z.infer<typeof C.featureListSchema>;
export type Commitment = z.infer<typeof C.commitmentSchema>;
export type Purchase = z.infer<typeof C.purchaseSchema>;
export type Commitments = z.infer<typeof C.commitmentsResponse>;
export type FindingsSummary = z.infer<typeof C.findingsSummarySchema>;
export type Findings = z.infer<typeof C.findingsSchema>;
export type Finding = z.infer<typeof C.findingSchema>;
export type Scan = z.infer<typeof C.scanSchema>;
export type Anomalies = z.infer<typeof C.anomaliesSchema>;
export type Anomaly = z.infer<typeof C.anomalySchema>;
export type RootCause = z.infer<typeof C.rootCauseSchema>;
export type Contributor = z.infer<typeof C.contributorSchema>;
export type Forecasts = z.infer<typeof C.forecastsSchema>;
export type Budgets = z.infer<typeof C.budgetsSchema>;
export type Budget = z.infer<typeof C.budgetSchema>;
export type Recommendations = z.infer<typeof C.recommendationsSchema>;
export type Recommendation = z.infer<typeof C.recommendationSchema>;
export type UnitCosts = z.infer<typeof C.unitCostsSchema>;
export type UnitCost = z.infer<typeof C.unitCostSchema>;
export type Notification = z.infer<typeof C.notificationSchema>;
export type KpiHistoryRow = z.infer<typeof C.kpiRowSchema>;
export type ReviewList = z.infer<typeof C.reviewListSchema>;
export type Review = z.infer<typeof C.reviewSchema>;

/** An analysis answer: its availability and its items (anomalies, budgets, unit costs, ...). */
export type Pending = Anomalies | Budgets | UnitCosts;
