/**
 * The estimate's shapes (pure): a planned resource (from plan JSON or .tf), the cost components it is made of, the
 * prices found for them and the priced result per resource. Money and quantities are exact decimal strings.
 */

/** 730 hours: the month every monthly figure uses (AWS's and Infracost's convention). */
export const HOURS_PER_MONTH = "730";

export const PLAN_ACTIONS = ["create", "update", "delete", "replace"] as const;
export type PlanAction = (typeof PLAN_ACTIONS)[number];

export const PRICE_SOURCES = ["bill", "catalogue"] as const;
/** bill: the effective rate the organisation paid (FOCUS store, last 30 billed days); catalogue: shipped list price. */
export type PriceSource = (typeof PRICE_SOURCES)[number];

export const USAGE_SOURCES = ["fixed", "usage-file", "organisation-average", "default"] as const;
/** Where a usage-based quantity came from: fixed (hours of a month, sizes from the plan), the usage file, the bill's average per resource, a stated default. */
export type UsageSource = (typeof USAGE_SOURCES)[number];

export interface PlannedResource {
  /** Plan file (or .tf directory) the resource came from: several plans in one run may share addresses. */
  file: string;
  address: string;
  type: string;
  /** The provider's short name (aws, azurerm, google ...). */
  provider: string;
  action: PlanAction;
  /** Attribute values before and after the change (null when the resource does not exist on that side). */
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  region: string | null;
  /** Effective tags after the change (before, for a delete). */
  tags: Record<string, string>;
  /** Cloud id / ARN when the plan knows it (updates, deletes). */
  cloudId: string | null;
}

/** What the bill is searched with: usage type (the region prefix such as "USW2-" is allowed), optional operation. */
export interface BillMatch {
  service: string;
  usageType: string;
  operation?: string;
}

export interface ComponentSpec {
  name: string;
  unit: string;
  /** Key of the shipped price (data/prices) or, for EC2 instance hours, `ec2-instance:<type>`. */
  key: string;
  bill: BillMatch;
  monthlyQuantity: string;
  usageSource: UsageSource;
  /** What was assumed, in words (usage-based components). */
  assumption?: string;
  /** Multiplies the price found (e.g. 2 for Multi-AZ instance hours priced from the single-AZ list price). */
  catalogueFactor?: string;
}

export interface Price {
  price: string;
  source: PriceSource;
  /** For bill prices: the usage type and the quantity the rate was computed over. */
  detail: string;
}

export interface PricedComponent {
  name: string;
  unit: string;
  monthlyQuantity: string;
  price: string | null;
  priceSource: PriceSource | null;
  monthlyCost: string | null;
  usageSource: UsageSource;
  assumption?: string;
  priceDetail?: string;
  /** Why there is no price (unknown region, no catalogue entry). */
  unpricedReason?: string;
}

export interface ResourceEstimate {
  file: string;
  address: string;
  type: string;
  action: PlanAction;
  region: string | null;
  owner: string;
  tags: Record<string, string>;
  cloudId: string | null;
  /** Monthly cost after the change (0 for a delete); null when any component of it is unpriced. */
  monthlyCost: string | null;
  /** Monthly cost before the change (updates, replaces, deletes); null when unpriced or new. */
  previousMonthlyCost: string | null;
  /** monthlyCost − previousMonthlyCost (negative for a delete); null when unpriced. */
  monthlyDelta: string | null;
  components: PricedComponent[];
  /** Components of the old configuration (updates, replaces, deletes). */
  previousComponents: PricedComponent[];
  /** Set when the resource as a whole cannot be priced: unsupported type or provider, unknown region. */
  unpricedReason?: string;
  /** A resource type with no cost of its own (IAM, security groups, subnet groups ...). */
  free?: boolean;
}

export interface OwnerDelta {
  owner: string;
  monthlyDelta: string;
  resources: number;
  unpriced: number;
}

export interface Estimate {
  currency: "USD";
  resources: ResourceEstimate[];
  /** Sum of priced monthly costs after the change, over the listed resources. */
  totalMonthlyCost: string;
  totalPreviousMonthlyCost: string;
  totalMonthlyDelta: string;
  owners: OwnerDelta[];
  unpriced: { address: string; file: string; reason: string }[];
}
