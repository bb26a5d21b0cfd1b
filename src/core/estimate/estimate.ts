/**
 * Prices planned resources (pure): components → prices → monthly cost and delta per resource and per owner.
 *
 * Order of operations, per resource:
 *  1. a resource with no region (the plan does not say and no --region) is unpriced as a whole;
 *  2. components of the new configuration (after) and, for update / replace / delete, of the old one (before);
 *  3. each component's price: the bill's effective rate for the same usage type and region first, then the
 *     shipped catalogue (times `catalogueFactor`), else unpriced with the reason (never 0);
 *  4. monthly cost = Σ quantity × price; a resource with an unpriced component has a null monthly cost and is
 *     listed under `unpriced` (the totals say "priced resources only");
 *  5. delta = after − before; totals and per-owner deltas sum the priced resources.
 */
import { compareMoney, subMoney } from "../money.js";
import { componentsOf, type UsageLookup } from "./components.js";
import { mulDec, plain, sumDec } from "./decimal.js";
import type { ComponentSpec, Estimate, OwnerDelta, PlannedResource, Price, PricedComponent, ResourceEstimate } from "./model.js";

export interface PriceBook {
  /** The price of one unit of `spec` in `region`, or why there is none. */
  price(spec: ComponentSpec, region: string): Price | { reason: string };
}

export interface EstimateInputs {
  resources: readonly PlannedResource[];
  prices: PriceBook;
  usage: UsageLookup;
  /** The owner of a resource from its tags (allocation rules); UNALLOCATED when no rule claims it. */
  ownerOf(r: PlannedResource): string;
}

function priceComponents(specs: readonly ComponentSpec[], region: string, book: PriceBook): PricedComponent[] {
  return specs.map((s) => {
    const p = book.price(s, region);
    const base = { name: s.name, unit: s.unit, monthlyQuantity: plain(s.monthlyQuantity), usageSource: s.usageSource, ...(s.assumption ? { assumption: s.assumption } : {}) };
    if ("reason" in p) return { ...base, price: null, priceSource: null, monthlyCost: null, unpricedReason: p.reason };
    return { ...base, price: plain(p.price), priceSource: p.source, monthlyCost: mulDec(s.monthlyQuantity, p.price), priceDetail: p.detail };
  });
}

function sumComponents(cs: readonly PricedComponent[]): string | null {
  if (cs.some((c) => c.monthlyCost === null)) return null;
  return sumDec(cs.map((c) => c.monthlyCost!));
}

export function estimateOne(r: PlannedResource, inputs: Omit<EstimateInputs, "resources">): ResourceEstimate {
  const base = { file: r.file, address: r.address, type: r.type, action: r.action, region: r.region, owner: inputs.ownerOf(r), tags: r.tags, cloudId: r.cloudId };
  const side = (attrs: Record<string, unknown> | null): { comps: PricedComponent[]; free: boolean; reason?: string } => {
    if (attrs === null) return { comps: [], free: false };
    const c = componentsOf(r.type, r.address, attrs, r.region ?? "", inputs.usage);
    if (c.kind === "free") return { comps: [], free: true };
    if (c.kind === "unsupported") return { comps: [], free: false, reason: c.reason };
    if (r.region === null) return { comps: [], free: false, reason: "the region is unknown: the plan's provider does not set it (pass --region)" };
    return { comps: priceComponents(c.components, r.region, inputs.prices), free: false };
  };
  const after = side(r.action === "delete" ? null : r.after);
  const before = side(r.action === "create" ? null : r.before);
  const reason = after.reason ?? before.reason;
  const free = after.free || before.free;
  if (reason !== undefined) {
    return { ...base, monthlyCost: null, previousMonthlyCost: null, monthlyDelta: null, components: [], previousComponents: [], unpricedReason: reason };
  }
  const now = r.action === "delete" ? "0" : free ? "0" : sumComponents(after.comps);
  const prev = r.action === "create" ? null : free ? "0" : sumComponents(before.comps);
  const delta = now === null || (r.action !== "create" && prev === null) ? null : subMoney(now, prev ?? "0");
  const unpricedComp = [...after.comps, ...before.comps].find((c) => c.monthlyCost === null);
  return {
    ...base,
    monthlyCost: now,
    previousMonthlyCost: prev,
    monthlyDelta: delta,
    components: after.comps,
    previousComponents: before.comps,
    ...(unpricedComp ? { unpricedReason: `${unpricedComp.name}: ${unpricedComp.unpricedReason}` } : {}),
    ...(free ? { free: true } : {}),
  };
}

export function estimatePlan(inputs: EstimateInputs): Estimate {
  const resources = inputs.resources.map((r) => estimateOne(r, inputs));
  const owners = new Map<string, OwnerDelta & { delta: string[] }>();
  const now: string[] = [];
  const prev: string[] = [];
  const delta: string[] = [];
  for (const e of resources) {
    let o = owners.get(e.owner);
    if (!o) owners.set(e.owner, (o = { owner: e.owner, monthlyDelta: "0", resources: 0, unpriced: 0, delta: [] }));
    o.resources++;
    if (e.monthlyDelta === null) {
      o.unpriced++;
      continue;
    }
    o.delta.push(e.monthlyDelta);
    delta.push(e.monthlyDelta);
    if (e.monthlyCost !== null) now.push(e.monthlyCost);
    if (e.previousMonthlyCost !== null) prev.push(e.previousMonthlyCost);
  }
  const ownerList = [...owners.values()]
    .map(({ delta: d, ...o }) => ({ ...o, monthlyDelta: sumDec(d) }))
    .sort((a, b) => compareMoney(b.monthlyDelta, a.monthlyDelta) || (a.owner < b.owner ? -1 : 1));
  return {
    currency: "USD",
    resources,
    totalMonthlyCost: sumDec(now),
    totalPreviousMonthlyCost: sumDec(prev),
    totalMonthlyDelta: sumDec(delta),
    owners: ownerList,
    unpriced: resources.filter((e) => e.monthlyDelta === null).map((e) => ({ address: e.address, file: e.file, reason: e.unpricedReason ?? "unpriced" })),
  };
}
