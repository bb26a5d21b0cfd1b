/** The API client: JSON in, typed JSON out; errors are problem+json turned into ApiError. */

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId?: string;
  problems?: { code: string; message: string; path?: string }[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
}

const TOKEN_KEY = "costwise.token";

export function getToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

export async function api<T>(path: string, init: { method?: "GET" | "POST"; body?: unknown } = {}): Promise<T> {
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

// ─── response shapes (mirrors of the server's zod schemas) ─────────────────────────────────────

export interface Availability {
  available: boolean;
  feature: string;
  reason?: string;
  produceWith?: string;
}

export interface Me {
  kind: "local" | "token";
  role: "admin" | "viewer";
  team: string | null;
  name: string | null;
  tokensRequired: boolean;
}

export interface Point {
  period: string;
  amount: string;
}

export interface Overview {
  scope: { team: string | null; basis: "cost-table" | "allocation" };
  metric: string;
  available: boolean;
  reason?: string;
  currency: string | null;
  currencies: { currency: string; amount: string }[];
  lastDay: string | null;
  total: string;
  monthly: Point[];
  daily: Point[];
  monthOverMonth: { month: string; previousMonth: string; amount: string; previousAmount: string; change: string; changePercent: string | null } | null;
  topMovers: { service: string; amount: string; previousAmount: string; change: string; changePercent: string | null }[];
  freshness: { source: string; lastCompleteDay: string | null; lastIngestAt: string }[];
  forecast: { available: boolean; reason?: string; points: { period: string; expected: string; lower: string; upper: string }[] };
  budget: { available: boolean; reason?: string; monthlyAmount: string | null };
}

export interface QueryResult {
  query: Record<string, unknown>;
  columns: string[];
  rows: Record<string, string | null>[];
  totals: { metric: string; kind: "cost" | "quantity"; unitColumn: string; total: string | null; byUnit: { unit: string | null; total: string | null; groups: number; lineItems: number }[]; groups: number; lineItems: number };
  truncated: boolean;
  servedFrom: "rollup" | "store";
}

export interface Dimensions {
  metrics: string[];
  dimensions: string[];
  tagKeys: { key: string; rows: number }[];
  granularities: string[];
}

export interface Source {
  source: string;
  billingAccountId: string | null;
  billingAccountName: string | null;
  periods: number;
  firstPeriod: string;
  lastPeriod: string;
  rows: number | null;
  billedCost: string | null;
  currency: string | null;
  lastCompleteDay: string | null;
  lastChargeAt: string | null;
  lastIngestAt: string;
}

export interface Showback {
  availability: Availability;
  scope: { team: string | null };
  month: string | null;
  months: string[];
  currencies: { currency: string; total: string; unallocated: string; shared: string; teams: { team: string; amount: string; direct: string; shared: string; unallocated: boolean }[] }[];
}

export interface TagCoverage {
  month: string | null;
  months: string[];
  currency: string | null;
  total: string;
  untagged: string;
  keys: { key: string; tagged: string; percent: string | null; values: number }[];
}

export interface Kpis {
  month: string | null;
  currency: string | null;
  kpis: { id: string; title: string; available: boolean; value: string | null; unit: string; detail: string }[];
}

export interface Pending {
  availability: Availability;
  items: Record<string, unknown>[];
}

export type FeatureList = (Availability & { title: string })[];

export interface Commitment {
  commitmentId: string;
  type: string | null;
  category: string | null;
  used: string;
  unused: string;
  coveredList: string | null;
  utilization: string | null;
  netSavings: string | null;
  effectiveSavingsRate: string | null;
  endsAt: string | null;
  expiresWithinDays: number | null;
}

export interface Purchase {
  id: number;
  status: string;
  statusReason: string | null;
  plan: string;
  action: string;
  currency: string;
  hourlyCommitment: string | null;
  monthlySaving: string;
  discount: string | null;
  lookbackDays: number | null;
  onDemandCost: string | null;
  netSavings: string | null;
  expectedUtilization: string | null;
  expectedCoverage: string | null;
  breakEvenMonths: string | null;
  confidence: string;
  reason: string;
  alternatives: { plan: string; lookbackDays: number; hourlyCommitment: string; monthlyNetSavings: string }[];
}

export interface Commitments {
  availability: Availability;
  window: { start: string; end: string; days: number } | null;
  currency: string | null;
  overall: {
    used: string;
    unused: string;
    onDemandEligible: string;
    eligibleList: string | null;
    utilization: string | null;
    coverage: string | null;
    effectiveSavingsRate: string | null;
    netSavings: string | null;
  } | null;
  commitments: Commitment[];
  purchases: Purchase[];
}

export interface FindingsSummary {
  findings: number;
  shown: number;
  byRule: { ruleId: string; severity: string; blocking: boolean; findings: number; resources: number; currency: string | null; monthlyCost: string }[];
  byTeam: { team: string | null; findings: number; resources: number; currency: string | null; monthlyCost: string }[];
}
