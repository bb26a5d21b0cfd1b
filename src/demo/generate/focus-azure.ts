/**
 * A second provider for the demo: an Azure-like subscription set exported as FOCUS 1.2 CSV, one file
 * per billing month, daily charge periods. Costs are exact decimals: ListCost = ListUnitPrice x
 * PricingQuantity, ContractedCost = ContractedUnitPrice x PricingQuantity (a negotiated 8% discount),
 * BilledCost = EffectiveCost = ContractedCost for usage (no commitment discounts on this side).
 */

import type { BillingMonth } from "./calendar.js";
import { DAY_MS, isoUtc } from "./calendar.js";
import { type Team } from "./catalog.js";
import { csvField, type CsvSink } from "./csv-sink.js";
import { dec, divRound, fmt, mul, mulRatio, qty, SCALE } from "./decimal.js";
import { hash32, unit, uuid } from "./prng.js";

export const FOCUS_DEMO_COLUMNS = [
  "BilledCost",
  "EffectiveCost",
  "ListCost",
  "ContractedCost",
  "BillingAccountId",
  "BillingAccountName",
  "BillingCurrency",
  "BillingPeriodStart",
  "BillingPeriodEnd",
  "ChargeCategory",
  "ChargeClass",
  "ChargeDescription",
  "ChargeFrequency",
  "ChargePeriodStart",
  "ChargePeriodEnd",
  "InvoiceId",
  "InvoiceIssuerName",
  "ProviderName",
  "PublisherName",
  "PricingCategory",
  "PricingQuantity",
  "PricingUnit",
  "ListUnitPrice",
  "ContractedUnitPrice",
  "ConsumedQuantity",
  "ConsumedUnit",
  "RegionId",
  "RegionName",
  "ResourceId",
  "ResourceName",
  "ResourceType",
  "ServiceCategory",
  "ServiceSubcategory",
  "ServiceName",
  "SkuId",
  "SubAccountId",
  "SubAccountName",
  "Tags",
] as const;

export const FOCUS_DEMO_HEADER = FOCUS_DEMO_COLUMNS.join(",");

/** The negotiated discount on list prices, in per mille. */
const CONTRACT_DISCOUNT_PERMILLE = 80n;

interface Subscription {
  readonly id: string;
  readonly name: string;
}

interface AzureMeter {
  readonly service: string;
  readonly category: string;
  readonly subcategory: string;
  readonly resourceType: string;
  readonly provider: string;
  readonly sku: string;
  readonly description: string;
  readonly pricingUnit: string;
  readonly listPrice: bigint;
  /** hours: the resource runs `amount` instances; flow: `amount` units/day; stock: `amount` units held per month. */
  readonly kind: "hours" | "flow" | "stock";
  readonly amount: number;
  readonly growth: number;
}

interface AzureResource {
  readonly idx: number;
  readonly name: string;
  readonly sub: Subscription;
  readonly resourceGroup: string;
  readonly resourceId: string;
  readonly meter: AzureMeter;
  readonly tags: string;
  /** Weekend level relative to weekdays (1 = flat). */
  readonly weekend: number;
}

export interface AzureDemo {
  readonly billingAccountId: string;
  readonly billingAccountName: string;
  readonly subscriptions: readonly Subscription[];
  readonly resources: readonly AzureResource[];
}

export interface FocusFileStats {
  rows: number;
  billed: bigint;
  effective: bigint;
  untaggedEffective: bigint;
}

const REGION = { id: "westeurope", name: "West Europe" };

function tagsJson(seed: number, idx: number, team: Team | null, env: string, pTagged: number): string {
  if (team === null || unit(seed, 0xa7a9, idx) >= pTagged) return "";
  // The data team writes "Team"; everyone else "team". Azure tag keys are case-insensitive, FOCUS is not.
  const key = team === "data" ? "Team" : "team";
  const ccs: Record<Team, string> = { payments: "CC-1010", search: "CC-1020", data: "CC-1030", platform: "CC-1040", ml: "CC-1050", web: "CC-1060" };
  const tags: Record<string, string> = { [key]: team, env };
  if (unit(seed, 0xa7aa, idx) < 0.7) tags["cost-center"] = ccs[team];
  return JSON.stringify(tags);
}

export function buildAzureDemo(seed: number, scale: number): AzureDemo {
  const subs: Subscription[] = [
    { id: uuid(seed, 0xa2, 1), name: "acme-analytics-prod" },
    { id: uuid(seed, 0xa2, 2), name: "acme-web-emea-prod" },
    { id: uuid(seed, 0xa2, 3), name: "acme-emea-dev" },
  ];
  const [analytics, webEmea, dev] = subs as [Subscription, Subscription, Subscription];
  const vm = (size: string, price: string): AzureMeter => ({
    service: "Virtual Machines",
    category: "Compute",
    subcategory: "Virtual Machines",
    resourceType: "Virtual machine",
    provider: "Microsoft.Compute/virtualMachines",
    sku: `DZH318Z0${(hash32(0x5c, size.length, size.charCodeAt(9) || 0) % 10000).toString().padStart(4, "0")}`,
    description: `${size} Linux virtual machine, pay-as-you-go`,
    pricingUnit: "Hours",
    listPrice: dec(price),
    kind: "hours",
    amount: 1,
    growth: 0,
  });
  const disk: AzureMeter = {
    service: "Virtual Machines",
    category: "Storage",
    subcategory: "Storage Platforms",
    resourceType: "Disk",
    provider: "Microsoft.Compute/disks",
    sku: "DZH318Z0BP04",
    description: "P10 Premium SSD managed disk, per GB-month",
    pricingUnit: "GB-Months",
    listPrice: dec("0.154"),
    kind: "stock",
    amount: 128,
    growth: 0,
  };
  const resources: AzureResource[] = [];
  const add = (name: string, sub: Subscription, rg: string, meter: AzureMeter, team: Team | null, env: string, pTagged: number, weekend = 1): void => {
    const idx = resources.length;
    const providerPath = meter.provider;
    resources.push({
      idx,
      name,
      sub,
      resourceGroup: rg,
      resourceId: `/subscriptions/${sub.id}/resourceGroups/${rg}/providers/${providerPath}/${name}`,
      meter,
      tags: tagsJson(seed, idx, team, env, pTagged),
      weekend,
    });
  };
  const copies = Math.max(1, Math.round(scale));
  for (let c = 0; c < copies; c++) {
    const sfx = c === 0 ? "" : `-r${c + 1}`;
    for (let i = 1; i <= 4; i++) {
      add(`analytics-spark-vm-0${i}${sfx}`, analytics, "rg-analytics", vm("Standard_D8s_v5", "0.384"), "data", "prod", 0.95, 0.6);
      add(`analytics-spark-vm-0${i}-osdisk${sfx}`, analytics, "rg-analytics", disk, "data", "prod", 0.6);
    }
    add(`ml-gpu-vm-01${sfx}`, analytics, "rg-ml", vm("Standard_NC6s_v3", "3.06"), "ml", "prod", 0.8);
    add(`ml-gpu-vm-01-osdisk${sfx}`, analytics, "rg-ml", disk, "ml", "prod", 0.5);
    for (let i = 1; i <= 4; i++) {
      add(`web-emea-vm-0${i}${sfx}`, webEmea, "rg-web-emea", vm("Standard_D4s_v5", "0.192"), "web", "prod", 0.97, 0.8);
      add(`web-emea-vm-0${i}-osdisk${sfx}`, webEmea, "rg-web-emea", disk, "web", "prod", 0.9);
    }
    for (let i = 1; i <= 3; i++) {
      add(`dev-vm-0${i}${sfx}`, dev, "rg-dev", vm("Standard_B2ms", "0.0832"), i === 1 ? "search" : "web", "dev", 0.5, 0.3);
    }
    add(`analyticslake${c + 1}`, analytics, "rg-analytics", {
      service: "Storage Accounts", category: "Storage", subcategory: "Storage Platforms", resourceType: "Storage account", provider: "Microsoft.Storage/storageAccounts",
      sku: "DZH318Z0BNVX", description: "Hot LRS data stored, per GB-month", pricingUnit: "GB-Months", listPrice: dec("0.0184"), kind: "stock", amount: 60_000, growth: 0.04,
    }, "data", "prod", 1);
    add(`webassetsemea${c + 1}`, webEmea, "rg-web-emea", {
      service: "Storage Accounts", category: "Storage", subcategory: "Storage Platforms", resourceType: "Storage account", provider: "Microsoft.Storage/storageAccounts",
      sku: "DZH318Z0BNVX", description: "Hot LRS data stored, per GB-month", pricingUnit: "GB-Months", listPrice: dec("0.0184"), kind: "stock", amount: 3_000, growth: 0.02,
    }, "web", "prod", 1);
    add(`web-emea-sql${sfx}/databases/orders`, webEmea, "rg-web-emea", {
      service: "Azure SQL Database", category: "Databases", subcategory: "Relational Databases", resourceType: "SQL database", provider: "Microsoft.Sql/servers",
      sku: "DZH318Z0BQ5S", description: "General Purpose Gen5 4 vCore, per hour", pricingUnit: "Hours", listPrice: dec("1.011"), kind: "hours", amount: 1, growth: 0,
    }, "web", "prod", 1);
    add(`web-emea-egress${sfx}`, webEmea, "rg-web-emea", {
      service: "Bandwidth", category: "Networking", subcategory: "Network Infrastructure", resourceType: "Public IP address", provider: "Microsoft.Network/publicIPAddresses",
      sku: "DZH318Z0BNZH", description: "Data transfer out - Zone 1, per GB", pricingUnit: "GB", listPrice: dec("0.087"), kind: "flow", amount: 800, growth: 0.03,
    }, "web", "prod", 0.3, 0.75);
    add(`law-analytics${sfx}`, analytics, "rg-monitoring", {
      service: "Azure Monitor", category: "Management and Governance", subcategory: "Observability", resourceType: "Log Analytics workspace", provider: "Microsoft.OperationalInsights/workspaces",
      sku: "DZH318Z0BQ4P", description: "Log Analytics data ingestion, per GB", pricingUnit: "GB", listPrice: dec("2.76"), kind: "flow", amount: 25, growth: 0.02,
    }, null, "prod", 0);
  }
  return {
    billingAccountId: `/providers/Microsoft.Billing/billingAccounts/${(10_000_000 + (hash32(seed, 0xb11) % 89_999_999)).toString()}`,
    billingAccountName: "Acme Corp (EMEA)",
    subscriptions: subs,
    resources,
  };
}

/** Write one month of the FOCUS export; returns its row count and exact totals. */
export async function writeAzureFocusMonth(
  seed: number,
  demo: AzureDemo,
  month: BillingMonth,
  previous: BillingMonth | undefined,
  windowStartMs: number,
  sink: CsvSink,
): Promise<FocusFileStats> {
  const stats: FocusFileStats = { rows: 0, billed: 0n, effective: 0n, untaggedEffective: 0n };
  const invoiceId = `G0${(100_000_000 + (hash32(seed, 0x1f0, month.index) % 899_999_999)).toString()}`;
  const billingStart = month.startIso;
  const billingEnd = month.endIso;

  const line = (f: {
    billed: bigint;
    list: bigint;
    contracted: bigint;
    category: "Usage" | "Purchase" | "Credit" | "Tax" | "Adjustment";
    chargeClass: "" | "Correction";
    description: string;
    frequency: "Usage-Based" | "Recurring" | "One-Time";
    start: string;
    end: string;
    pricingCategory: string;
    quantity: string;
    unit: string;
    listUnit: string;
    contractedUnit: string;
    consumedQuantity: string;
    consumedUnit: string;
    resource?: AzureResource;
    service: string;
    category2: string;
    subcategory: string;
    sku: string;
    sub: Subscription;
    tags: string;
  }): void => {
    const r = f.resource;
    sink.line(
      [
        fmt(f.billed),
        fmt(f.billed),
        fmt(f.list),
        fmt(f.contracted),
        demo.billingAccountId,
        csvField(demo.billingAccountName),
        "USD",
        billingStart,
        billingEnd,
        f.category,
        f.chargeClass,
        csvField(f.description),
        f.frequency,
        f.start,
        f.end,
        invoiceId,
        "Microsoft",
        "Microsoft",
        "Microsoft",
        f.pricingCategory,
        f.quantity,
        f.unit,
        f.listUnit,
        f.contractedUnit,
        f.consumedQuantity,
        f.consumedUnit,
        r ? REGION.id : "",
        r ? REGION.name : "",
        r ? csvField(r.resourceId) : "",
        r ? csvField(r.name) : "",
        r ? r.meter.resourceType : "",
        f.category2,
        f.subcategory,
        f.service,
        f.sku,
        `/subscriptions/${f.sub.id}`,
        f.sub.name,
        csvField(f.tags),
      ].join(","),
    );
    stats.rows++;
    stats.billed += f.billed;
    stats.effective += f.billed;
    if (f.tags === "") stats.untaggedEffective += f.billed;
  };

  const contractedUnit = (list: bigint): bigint => list - mulRatio(list, CONTRACT_DISCOUNT_PERMILLE, 1000n);

  for (let d = 0; d < month.days; d++) {
    const dayMs = month.startMs + d * DAY_MS;
    const dayIndex = Math.round((dayMs - windowStartMs) / DAY_MS);
    const weekday = new Date(dayMs).getUTCDay();
    const weekend = weekday === 0 || weekday === 6;
    const start = isoUtc(dayMs);
    const end = isoUtc(dayMs + DAY_MS);
    for (const r of demo.resources) {
      const m = r.meter;
      const growth = 1 + (m.growth * dayIndex) / 30.4;
      let quantity: bigint;
      switch (m.kind) {
        case "hours": {
          // VMs with a weekend factor below 1 are shut down for part of the weekend day.
          const hours = weekend ? Math.round(24 * r.weekend) : 24;
          if (hours === 0) continue;
          quantity = BigInt(hours) * SCALE;
          break;
        }
        case "flow": {
          const noise = 1 + 0.2 * (unit(seed, 0xaf10, r.idx, dayIndex) - 0.5);
          quantity = qty(m.amount * growth * noise * (weekend ? r.weekend : 1), 6);
          break;
        }
        case "stock":
          quantity = divRound(qty(m.amount * growth, 4), BigInt(month.days));
          break;
      }
      const cu = contractedUnit(m.listPrice);
      const list = mul(quantity, m.listPrice);
      const contracted = mul(quantity, cu);
      line({
        billed: contracted,
        list,
        contracted,
        category: "Usage",
        chargeClass: "",
        description: m.description,
        frequency: "Usage-Based",
        start,
        end,
        pricingCategory: "Standard",
        quantity: fmt(quantity),
        unit: m.pricingUnit,
        listUnit: fmt(m.listPrice),
        contractedUnit: fmt(cu),
        consumedQuantity: fmt(quantity),
        consumedUnit: m.pricingUnit,
        resource: r,
        service: m.service,
        category2: m.category,
        subcategory: m.subcategory,
        sku: m.sku,
        sub: r.sub,
        tags: r.tags,
      });
    }
    if (d % 8 === 7) await sink.maybeFlush();
  }

  // Monthly support plan: a recurring purchase, not tied to a resource.
  const support = dec("100");
  const [analytics] = demo.subscriptions as [Subscription];
  line({
    billed: support, list: support, contracted: support, category: "Purchase", chargeClass: "",
    description: "Azure Support - Standard, monthly", frequency: "Recurring", start: month.startIso, end: month.endIso,
    pricingCategory: "Standard", quantity: "1", unit: "Months", listUnit: "100", contractedUnit: "100", consumedQuantity: "", consumedUnit: "",
    service: "Azure Support", category2: "Other", subcategory: "Support", sku: "DZH318Z0BQ1S", sub: analytics, tags: "",
  });

  // A one-off sponsorship credit in the second month.
  if (month.index === 1) {
    const credit = dec("-250");
    line({
      billed: credit, list: credit, contracted: credit, category: "Credit", chargeClass: "",
      description: "Azure sponsorship credit", frequency: "One-Time", start: month.startIso, end: month.endIso,
      pricingCategory: "", quantity: "", unit: "", listUnit: "", contractedUnit: "", consumedQuantity: "", consumedUnit: "",
      service: "", category2: "Other", subcategory: "", sku: "", sub: analytics, tags: "",
    });
  }

  // A correction of the previous month's SQL charge (ChargeClass "Correction": the charge period lies
  // in an earlier billing period than the one it is billed in).
  if (previous && month.index === 3) {
    const sql = demo.resources.find((r) => r.meter.service === "Azure SQL Database");
    if (sql) {
      const hours = 37n * SCALE;
      const cu = contractedUnit(sql.meter.listPrice);
      const list = -mul(hours, sql.meter.listPrice);
      const contracted = -mul(hours, cu);
      line({
        billed: contracted, list, contracted, category: "Usage", chargeClass: "Correction",
        description: "Correction: General Purpose Gen5 4 vCore billed during a platform outage", frequency: "Usage-Based",
        start: previous.startIso, end: previous.endIso, pricingCategory: "Standard", quantity: fmt(-hours), unit: "Hours",
        listUnit: fmt(sql.meter.listPrice), contractedUnit: fmt(cu), consumedQuantity: "", consumedUnit: "",
        resource: sql, service: sql.meter.service, category2: sql.meter.category, subcategory: sql.meter.subcategory,
        sku: sql.meter.sku, sub: sql.sub, tags: sql.tags,
      });
    }
  }
  return stats;
}
