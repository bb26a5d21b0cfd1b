/**
 * Price lookup (pure): the bill's effective rates first, then the shipped catalogue (data/prices/aws-list-prices.csv
 * and the EC2 instance catalogue), else the reason there is no price.
 *
 * Order of operations for one component in one region:
 *  1. bill: the rows of the last 30 billed days with the component's service, usage type (any region prefix) and
 *     operation (when it names one), in that region: rate = Σ EffectiveCost / Σ PricingQuantity (exact), when
 *     Σ PricingQuantity > 0;
 *  2. catalogue: `ec2-instance:<type>` from the EC2 catalogue (us-east-1 only), other keys from the price table for
 *     that region; multiplied by the component's catalogueFactor (Multi-AZ);
 *  3. otherwise unpriced: which region / key has no price, and that the bill has no such usage.
 */
import { CostwiseError } from "../errors.js";
import { addMoney, isDecimalString, parseMoney } from "../money.js";
import { divDec, mulDec, plain } from "./decimal.js";
import type { PriceBook } from "./estimate.js";
import type { BillMatch, ComponentSpec, Price } from "./model.js";

/** One aggregated group of billed usage: what the store query returns. */
export interface BillUsageRow {
  service: string;
  region: string;
  usageType: string;
  operation: string | null;
  cost: string;
  quantity: string;
  resources: number;
}

export interface CataloguePrices {
  /** region → key → USD per unit. */
  table: Map<string, Map<string, string>>;
  /** EC2 instance type → on-demand USD per hour in us-east-1. */
  ec2: Map<string, string | null>;
  ec2Region: string;
}

/** Parses data/prices/aws-list-prices.csv (region,key,unit,price_usd,description); errors name file, row and column. */
export function parsePriceTable(text: string, file: string): Map<string, Map<string, string>> {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const header = (lines[0] ?? "").split(",");
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new CostwiseError("BAD_INPUT", `${file}: the header has no column "${name}"`, { location: { file, line: 1, column: name } });
    return i;
  };
  const [ri, ki, pi] = [col("region"), col("key"), col("price_usd")];
  const out = new Map<string, Map<string, string>>();
  for (let r = 1; r < lines.length; r++) {
    const cells = lines[r]!.split(",");
    const price = cells[pi] ?? "";
    if (!isDecimalString(price)) throw new CostwiseError("BAD_INPUT", `${file} row ${r}: column "price_usd" should be a decimal, got ${JSON.stringify(price)}`, { location: { file, row: r, column: "price_usd" } });
    const region = cells[ri] ?? "";
    let m = out.get(region);
    if (!m) out.set(region, (m = new Map()));
    m.set(cells[ki] ?? "", price);
  }
  return out;
}

const matchKey = (service: string, region: string, usageType: string): string => `${service}\u0000${region}\u0000${usageType}`;

export class BillAndCataloguePriceBook implements PriceBook {
  private readonly groups = new Map<string, BillUsageRow[]>();

  constructor(
    rows: readonly BillUsageRow[],
    private readonly catalogue: CataloguePrices,
    /** Days the bill rows cover (30, or fewer when the store holds less): turns a 30-day quantity into a 730-hour month. */
    private readonly windowDays: number,
  ) {
    for (const r of rows) {
      const k = matchKey(r.service, r.region, r.usageType);
      const list = this.groups.get(k);
      if (list) list.push(r);
      else this.groups.set(k, [r]);
    }
  }

  private billed(match: BillMatch, region: string): { cost: string; quantity: string; resources: number } | null {
    const rows = (this.groups.get(matchKey(match.service, region, match.usageType)) ?? []).filter((r) => match.operation === undefined || r.operation === match.operation);
    if (rows.length === 0) return null;
    const quantity = addMoney("0", ...rows.map((r) => r.quantity));
    if (parseMoney(quantity) <= 0n) return null;
    return { cost: addMoney("0", ...rows.map((r) => r.cost)), quantity, resources: rows.reduce((n, r) => n + r.resources, 0) };
  }

  private readonly memo = new Map<string, Price | { reason: string }>();

  price(spec: ComponentSpec, region: string): Price | { reason: string } {
    const k = `${spec.key}\u0000${spec.bill.service}\u0000${spec.bill.usageType}\u0000${spec.bill.operation ?? ""}\u0000${spec.catalogueFactor ?? ""}\u0000${region}`;
    let p = this.memo.get(k);
    if (!p) this.memo.set(k, (p = this.lookup(spec, region)));
    return p;
  }

  private lookup(spec: ComponentSpec, region: string): Price | { reason: string } {
    const b = this.billed(spec.bill, region);
    if (b) {
      const rate = divDec(b.cost, b.quantity)!;
      return { price: plain(rate), source: "bill", detail: `${spec.bill.usageType}${spec.bill.operation ? ` (${spec.bill.operation})` : ""} in ${region}: ${plain(b.cost)} USD EffectiveCost / ${plain(b.quantity)} units, last ${this.windowDays} billed days` };
    }
    let list: string | null | undefined;
    if (spec.key.startsWith("ec2-instance:")) {
      const type = spec.key.slice("ec2-instance:".length);
      if (region !== this.catalogue.ec2Region) return { reason: `no usage of ${spec.bill.usageType} in ${region} in the bill, and the shipped EC2 catalogue has ${this.catalogue.ec2Region} prices only` };
      list = this.catalogue.ec2.get(type);
      if (list === undefined) return { reason: `instance type ${type} is not in the EC2 catalogue` };
      if (list === null) return { reason: `the EC2 catalogue has no on-demand price for ${type}` };
    } else {
      const t = this.catalogue.table.get(region);
      if (!t) return { reason: `no usage of ${spec.bill.usageType} in ${region} in the bill, and the shipped price table has no prices for region ${region}` };
      list = t.get(spec.key);
      if (list === undefined) return { reason: `no shipped price for ${spec.key} in ${region} and no such usage in the bill` };
    }
    const price = spec.catalogueFactor ? mulDec(list, spec.catalogueFactor) : list;
    return { price: plain(price), source: "catalogue", detail: `on-demand list price${spec.catalogueFactor ? ` × ${spec.catalogueFactor}` : ""} (${spec.key.startsWith("ec2-instance:") ? "data/ec2-catalog" : "data/prices"})` };
  }

  /** The organisation's average monthly quantity per resource of a usage type, for usage-based components. */
  averagePerResource(match: BillMatch, region: string): string | null {
    const k = `${match.service}\u0000${match.usageType}\u0000${match.operation ?? ""}\u0000${region}`;
    if (this.averages.has(k)) return this.averages.get(k)!;
    const v = this.average(match, region);
    this.averages.set(k, v);
    return v;
  }

  private readonly averages = new Map<string, string | null>();

  private average(match: BillMatch, region: string): string | null {
    const b = this.billed(match, region);
    if (!b || b.resources === 0) return null;
    // quantity over windowDays → a 730-hour month, per distinct resource
    return plain(divDec(mulDec(b.quantity, "730"), String(b.resources * this.windowDays * 24))!);
  }
}
