/** Hand-written CUR-like line items for the estimate tests: one row per (day, resource), with the x_ columns a CUR gives. */
import type { DuckDbStore } from "../../src/engine/store/duckdb/duckdb-store.js";

export interface BillRow {
  day: string;
  resourceId: string;
  service: string;
  usageType: string;
  operation?: string;
  region: string;
  quantity: string;
  cost: string;
  /** CUR lineItem/LineItemType (default Usage). */
  chargeType?: string;
}

export async function insertBillRows(store: DuckDbStore, rows: readonly BillRow[]): Promise<void> {
  for (const r of rows) {
    await store.run({
      sql: `INSERT INTO focus_costs ("ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BillingPeriodEnd", "BillingCurrency", "BilledCost", "EffectiveCost", "ListCost", "ContractedCost",
                                   "ServiceName", "ResourceId", "SubAccountId", "RegionId", "ProviderName", "ChargeCategory", "Tags", "x_Source", "BillingAccountId",
                                   "PricingQuantity", "PricingUnit", "ConsumedQuantity", x_ServiceCode, x_UsageType, x_Operation, x_ChargeType)
            SELECT CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP) + INTERVAL 1 DAY, date_trunc('month', CAST(? AS TIMESTAMP)), date_trunc('month', CAST(? AS TIMESTAMP)) + INTERVAL 1 MONTH, 'USD',
                   CAST(? AS DECIMAL(38,10)), CAST(? AS DECIMAL(38,10)), CAST(? AS DECIMAL(38,10)), CAST(? AS DECIMAL(38,10)),
                   ?, ?, '111122223333', ?, 'AWS', 'Usage', MAP {'team': 'payments'}, 'test', '999988887777',
                   CAST(? AS DECIMAL(38,10)), 'Hours', CAST(? AS DECIMAL(38,10)), ?, ?, ?, ?`,
      params: [r.day, r.day, r.day, r.day, r.cost, r.cost, r.cost, r.cost, r.service, r.resourceId, r.region, r.quantity, r.quantity, r.service, r.usageType, r.operation ?? "RunInstances", r.chargeType ?? "Usage"],
    });
  }
}
